"""Compare two profiles (reference and current) column by column: the drift report.

Verdict rule: ``retrain`` when the label column drifted, or when at least
``thresholds.retrain_columns`` columns drifted — counting only the ``important`` columns when
any are named, else every column; otherwise ``drifted`` when any column drifted or the schema
changed (columns added, removed or retyped) or the current split has no rows; else ``stable``.

>>> import numpy as np, pyarrow as pa
>>> from datacard.profiling import profile
>>> rng = np.random.default_rng(0)
>>> ref = profile(pa.table({"x": rng.normal(size=5000)}))
>>> cur = profile(pa.table({"x": rng.normal(1.0, size=5000)}))
>>> report = compare_profiles(ref, cur)
>>> report.verdict, report.columns["x"].drifted
('drifted', True)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from datacard.drift.metrics import ColumnDrift, DriftThresholds, column_drift
from datacard.errors import UsageError
from datacard.profiling import Profile, SplitProfile

Verdict = Literal["stable", "drifted", "retrain"]


@dataclass
class SchemaChange:
    """Columns only in the current data, only in the reference, or of another type."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    retyped: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.retyped)


@dataclass
class DriftReport:
    """The verdict, the columns (drifted first, by effect), schema and row-count changes."""

    verdict: Verdict
    split: str
    columns: dict[str, ColumnDrift]
    schema: SchemaChange
    rows_reference: int
    rows_current: int
    label: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def drifted(self) -> list[str]:
        """Names of drifted columns, largest effect first."""
        return [name for name, c in self.columns.items() if c.drifted]

    def to_json(self) -> dict[str, Any]:
        """``{"verdict", "columns": {COL: {"drifted", "metrics", ...}}, ...}`` (JSON-safe)."""
        return {
            "verdict": self.verdict,
            "split": self.split,
            "label": self.label,
            "rows": {
                "reference": self.rows_reference,
                "current": self.rows_current,
                "change": _relative(self.rows_reference, self.rows_current),
            },
            "schema": {
                "added": self.schema.added,
                "removed": self.schema.removed,
                "retyped": {c: list(t) for c, t in self.schema.retyped.items()},
            },
            "columns": {
                name: {
                    "drifted": c.drifted,
                    "kind": c.kind,
                    "effect": _json_number(c.effect),
                    "metrics": {k: _json_number(v) for k, v in c.metrics.items()},
                    "new": c.new,
                    "vanished": c.vanished,
                    "reasons": c.reasons,
                }
                for name, c in self.columns.items()
            },
            "notes": self.notes,
        }


def _json_number(x: float) -> float | str:
    """Finite floats as they are; ±inf and NaN as strings (strict JSON has no such numbers)."""
    if math.isfinite(x):
        return x
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


def _relative(before: int, after: int) -> float | None:
    return (after - before) / before if before else None


def pick_split(reference: Profile, current: Profile, split: str | None) -> tuple[str, str]:
    """The split names to compare: ``split`` in both; else the only split of each side; else
    'train' or the first split the two share."""
    if split is not None:
        for side, p in (("reference", reference), ("current", current)):
            if split not in p.splits:
                known = ", ".join(sorted(p.splits)) or "none"
                raise UsageError(f"the {side} has no split '{split}'", hint=f"its splits: {known}")
        return split, split
    if len(reference.splits) == 1 and len(current.splits) == 1:
        return next(iter(reference.splits)), next(iter(current.splits))
    common = [s for s in reference.splits if s in current.splits]
    if not common:
        raise UsageError(
            "the reference and the current data share no split",
            hint="name one with split=...",
        )
    name = "train" if "train" in common else sorted(common)[0]
    return name, name


def compare_profiles(
    reference: Profile,
    current: Profile,
    *,
    split: str | None = None,
    thresholds: DriftThresholds | None = None,
    important: Sequence[str] = (),
    label: str | None = None,
    column_thresholds: Mapping[str, DriftThresholds] | None = None,
) -> DriftReport:
    """Compare one split of two profiles; ``column_thresholds`` override ``thresholds`` per
    column (the card policy's per-column overrides)."""
    t = thresholds or DriftThresholds()
    ref_name, cur_name = pick_split(reference, current, split)
    ref, cur = reference.splits[ref_name], current.splits[cur_name]
    schema = _schema(ref, cur)
    notes: list[str] = []
    columns: dict[str, ColumnDrift] = {}
    if cur.rows == 0:
        notes.append(f"the current split '{cur_name}' has no rows: no column was compared")
    else:
        overrides = column_thresholds or {}
        for name in _order(reference, ref_name, ref):
            if name in cur.columns:
                columns[name] = column_drift(
                    ref.columns[name], cur.columns[name], overrides.get(name, t)
                )
    ranked = dict(sorted(columns.items(), key=lambda kv: (not kv[1].drifted, -kv[1].effect)))
    verdict = _verdict(ranked, schema, t, important, label, empty=cur.rows == 0 < ref.rows)
    return DriftReport(
        verdict=verdict,
        split=cur_name if ref_name == cur_name else f"{ref_name} → {cur_name}",
        columns=ranked,
        schema=schema,
        rows_reference=ref.rows,
        rows_current=cur.rows,
        label=label,
        notes=notes,
    )


def _order(profile: Profile, name: str, sp: SplitProfile) -> list[str]:
    order = list(profile.column_order.get(name) or sp.columns)
    return [c for c in order if c in sp.columns] + [c for c in sp.columns if c not in order]


def _schema(ref: SplitProfile, cur: SplitProfile) -> SchemaChange:
    return SchemaChange(
        added=[c for c in cur.columns if c not in ref.columns],
        removed=[c for c in ref.columns if c not in cur.columns],
        retyped={
            c: (acc.type, cur.columns[c].type)
            for c, acc in ref.columns.items()
            if c in cur.columns and acc.type != cur.columns[c].type
        },
    )


def _verdict(
    columns: Mapping[str, ColumnDrift],
    schema: SchemaChange,
    t: DriftThresholds,
    important: Sequence[str],
    label: str | None,
    *,
    empty: bool,
) -> Verdict:
    drifted = [name for name, c in columns.items() if c.drifted]
    counted = [c for c in drifted if c in important] if important else drifted
    if (label is not None and label in drifted) or len(counted) >= t.retrain_columns:
        return "retrain"
    if drifted or schema.changed or empty:
        return "drifted"
    return "stable"
