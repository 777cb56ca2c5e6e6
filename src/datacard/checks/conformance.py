"""Does the data still match its card? Files, splits, schema, statistics, required fields.

``card`` is the card as just measured from the data; ``reference`` is the card on disk, whose
policy sets the tolerances.

>>> from datacard.card import Card
>>> list(ConformanceCheck().run(Card(name="x"), None))
[]
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from datacard.card import Card, Tolerances
from datacard.findings import Finding
from datacard.measured import ColumnSummary, Measured, SplitSummary


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


class ConformanceCheck:
    """Compare freshly measured data with the recorded card, within the card's tolerances."""

    name: ClassVar[str] = "conformance"
    needs: ClassVar[frozenset[str]] = frozenset({"files", "schema", "stats"})

    def __init__(self, fast: bool = False) -> None:
        self.fast = fast  # files and schema only (no full scan)

    def run(self, card: Card, reference: Card | None = None) -> Iterator[Finding]:
        if reference is None or reference.measured is None or card.measured is None:
            return
        now, then = card.measured, reference.measured
        yield from self._files(now, then)
        for name in then.splits.keys() - now.splits.keys():
            yield Finding.of("split.removed", f"split '{name}' is gone", where=name)
        for name in now.splits.keys() - then.splits.keys():
            yield Finding.of("split.added", f"split '{name}' is new", where=name)
        for name in sorted(now.splits.keys() & then.splits.keys()):
            yield from self._split(name, now.splits[name], then.splits[name], reference)
        for path in reference.empty_required():
            yield Finding.of(
                "card.required-empty",
                f"required field '{path}' is empty; write it in datacard.yaml",
                where=f"datacard.yaml:{path}",
            )

    def _files(self, now: Measured, then: Measured) -> Iterator[Finding]:
        current = {f.path: f for f in now.files}
        recorded = {f.path: f for f in then.files}
        for path in sorted(recorded.keys() - current.keys()):
            yield Finding.of("file.removed", f"{path} is in the card but not in the data", path)
        for path in sorted(current.keys() - recorded.keys()):
            yield Finding.of("file.added", f"{path} is not in the card", path)
        for path in sorted(current.keys() & recorded.keys()):
            a, b = recorded[path], current[path]
            if (a.bytes, a.sha256) != (b.bytes, b.sha256):
                yield Finding.of(
                    "file.changed",
                    f"{path} changed: {a.bytes:,} -> {b.bytes:,} bytes, sha256 differs",
                    path,
                    recorded={"bytes": a.bytes, "sha256": a.sha256},
                    current={"bytes": b.bytes, "sha256": b.sha256},
                )

    def _split(
        self, name: str, now: SplitSummary, then: SplitSummary, reference: Card
    ) -> Iterator[Finding]:
        tol = reference.policy.tolerances
        for col in then.columns.keys() - now.columns.keys():
            yield Finding.of("schema.column-removed", f"column '{col}' is gone", f"{name}.{col}")
        for col in now.columns.keys() - then.columns.keys():
            yield Finding.of("schema.column-added", f"column '{col}' is new", f"{name}.{col}")
        for col in [c for c in then.columns if c in now.columns]:
            a, b = then.columns[col], now.columns[col]
            where = f"{name}.{col}"
            if a.type != b.type:
                yield Finding.of(
                    "schema.type-changed",
                    f"column '{col}' was {a.type}, is now {b.type}",
                    where,
                    recorded=a.type,
                    current=b.type,
                )
            elif not self.fast:
                yield from self._column(where, a, b, reference.effective_tolerances(col))
        if self.fast:
            return
        if then.rows != now.rows and abs(now.rows - then.rows) > tol.rows * then.rows:
            yield Finding.of(
                "split.rows-changed",
                f"split '{name}' had {then.rows:,} rows, now {now.rows:,}",
                name,
                recorded=then.rows,
                current=now.rows,
            )
        share_then = then.duplicate_rows / then.rows if then.rows else 0.0
        share_now = now.duplicate_rows / now.rows if now.rows else 0.0
        if then.duplicate_rows != now.duplicate_rows and abs(share_now - share_then) > (
            tol.duplicates
        ):
            yield Finding.of(
                "stats.duplicates",
                f"split '{name}' had {then.duplicate_rows:,} duplicate rows, now "
                f"{now.duplicate_rows:,}",
                name,
                recorded=then.duplicate_rows,
                current=now.duplicate_rows,
            )

    def _column(
        self, where: str, a: ColumnSummary, b: ColumnSummary, tol: Tolerances
    ) -> Iterator[Finding]:
        rows_a, rows_b = a.count + a.nulls, b.count + b.nulls
        null_a = a.nulls / rows_a if rows_a else 0.0
        null_b = b.nulls / rows_b if rows_b else 0.0
        if a.nulls == 0 and b.nulls > 0:
            yield Finding.of(
                "schema.nullability-changed",
                f"{where} had no nulls, now has {b.nulls:,}",
                where,
                current=b.nulls,
            )
        elif abs(null_b - null_a) > tol.null_fraction:
            yield Finding.of(
                "stats.null-fraction",
                f"{where} nulls moved from {null_a:.2%} to {null_b:.2%} "
                f"(tolerance {tol.null_fraction:.2%})",
                where,
                recorded=null_a,
                current=null_b,
            )
        yield from self._range(where, a, b, tol)
        if a.distinct is not None and b.distinct is not None and a.distinct:
            change = abs(b.distinct - a.distinct) / a.distinct
            if change > tol.distinct:
                yield Finding.of(
                    "stats.distinct",
                    f"{where} had {a.distinct:,} distinct values, now {b.distinct:,}",
                    where,
                    recorded=a.distinct,
                    current=b.distinct,
                )
        mean_a, mean_b, std_a = _number(a.mean), _number(b.mean), _number(a.std)
        if mean_a is not None and mean_b is not None and a.kind == "numeric":
            shift = abs(mean_b - mean_a)
            scale = std_a if std_a else max(abs(mean_a), 1e-12)
            if shift / scale > tol.mean_shift:
                yield Finding.of(
                    "stats.mean-shift",
                    f"{where} mean moved from {mean_a:.6g} to {mean_b:.6g} "
                    f"({shift / scale:.2f} std; tolerance {tol.mean_shift})",
                    where,
                    recorded=mean_a,
                    current=mean_b,
                    std_units=shift / scale,
                )

    def _range(
        self, where: str, a: ColumnSummary, b: ColumnSummary, tol: Tolerances
    ) -> Iterator[Finding]:
        lo_a, hi_a, lo_b, hi_b = a.min, a.max, b.min, b.max
        if None in (lo_a, hi_a, lo_b, hi_b):
            return
        numbers = [_number(v) for v in (lo_a, hi_a, lo_b, hi_b)]
        if all(n is not None for n in numbers):
            lo, hi, new_lo, new_hi = (float(n) for n in numbers if n is not None)
            slack = tol.range_slack * (hi - lo)
            outside = new_lo < lo - slack or new_hi > hi + slack
        else:  # ISO timestamps compare as text
            outside = str(lo_b) < str(lo_a) or str(hi_b) > str(hi_a)
        if outside:
            yield Finding.of(
                "stats.range",
                f"{where} range [{lo_b}, {hi_b}] leaves the recorded [{lo_a}, {hi_a}]",
                where,
                recorded=[lo_a, hi_a],
                current=[lo_b, hi_b],
            )
