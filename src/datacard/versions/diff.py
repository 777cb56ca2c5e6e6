"""What changed between two versions of a card, and which version bump that asks for.

Data (files, splits, rows), schema (columns added, removed, retyped per split), statistics
beyond the old card's tolerances (:class:`~datacard.checks.conformance.ConformanceCheck`), and
the human-owned sections (:mod:`datacard.versions.human`). The suggested bump:

- **major**: a split removed, or a column removed or retyped (the schema broke);
- **minor**: data added, removed or changed (files, rows, splits or columns added);
- **patch**: documentation only;
- **none**: nothing changed (a change of ``version`` alone is shown but asks for no bump).

>>> from datacard.card import Card
>>> d = diff_cards(Card(name="a"), Card(name="a", summary="Hi"))
>>> d.bump, d.lines()
('patch', ['summary: "" -> "Hi"'])
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from datacard.card import Card, Policy
from datacard.checks.conformance import ConformanceCheck
from datacard.findings import Finding
from datacard.measured import Measured
from datacard.versions.bump import Bump, bump_version
from datacard.versions.human import DocChange, human_changes

if TYPE_CHECKING:
    from datacard.profiling import Profile

#: Conformance findings that are about statistics (files, splits and schema are compared here).
STAT_CODES: Final = frozenset(
    {
        "stats.null-fraction",
        "stats.range",
        "stats.distinct",
        "stats.mean-shift",
        "stats.duplicates",
        "schema.nullability-changed",
    }
)


@dataclass
class SchemaDelta:
    """Columns of one split: added, removed, and retyped (``column -> (old, new)``)."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    retyped: dict[str, tuple[str, str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.retyped)


@dataclass(frozen=True)
class Drift:
    """The drift verdict of one split (``stable``, ``drifted``, ``retrain``), drifted columns."""

    verdict: str
    columns: tuple[str, ...] = ()

    def line(self) -> str:
        """``drift 'drifted' (age, city)``."""
        text = f"drift {self.verdict!r}"
        return f"{text} ({', '.join(self.columns)})" if self.columns else text

    def to_json(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "drifted": list(self.columns)}


@dataclass
class CardDiff:
    """Two cards compared. ``documentation`` is None when a side has no human part (data)."""

    old_version: str | None = None
    new_version: str | None = None
    files_added: list[str] = field(default_factory=list)
    files_removed: list[str] = field(default_factory=list)
    files_changed: list[str] = field(default_factory=list)
    splits_added: list[str] = field(default_factory=list)
    splits_removed: list[str] = field(default_factory=list)
    rows: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)
    schema: dict[str, SchemaDelta] = field(default_factory=dict)
    statistics: list[Finding] = field(default_factory=list)
    documentation: list[DocChange] | None = field(default_factory=list)
    drift: dict[str, Drift] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def rows_changed(self) -> dict[str, tuple[int | None, int | None]]:
        return {name: (a, b) for name, (a, b) in self.rows.items() if a != b}

    @property
    def bump(self) -> Bump:
        """The version bump these changes ask for."""
        if self.splits_removed or any(d.removed or d.retyped for d in self.schema.values()):
            return "major"
        data = (self.files_added, self.files_removed, self.files_changed, self.splits_added)
        if any(data) or self.rows_changed or any(d.added for d in self.schema.values()):
            return "minor"
        return "patch" if self.documentation else "none"

    @property
    def version_changed(self) -> bool:
        return None not in (self.old_version, self.new_version) and (
            self.old_version != self.new_version
        )

    @property
    def changed(self) -> bool:
        """Whether anything at all differs (the exit code of ``diff``)."""
        return self.bump != "none" or self.version_changed or bool(self.statistics)

    def suggested_version(self) -> str | None:
        """The old version (or the new one, when the old side is data) bumped; None: no card."""
        base = self.old_version or self.new_version
        return None if base is None else bump_version(base, self.bump)

    def groups(self) -> list[tuple[str, list[str]]]:
        """The changes as (heading, lines), in a fixed order; empty groups are left out."""
        data = [f"file added: {p}" for p in self.files_added]
        data += [f"file removed: {p}" for p in self.files_removed]
        data += [f"file changed: {p}" for p in self.files_changed]
        data += [f"split added: {s}" for s in self.splits_added]
        data += [f"split removed: {s}" for s in self.splits_removed]
        data += [
            f"{name}: rows {a:,} -> {b:,} ({b - a:+,})"
            for name, (a, b) in self.rows_changed.items()
            if a is not None and b is not None  # else the split was added or removed
        ]
        schema: list[str] = []
        for name, delta in self.schema.items():
            schema += [f"{name}: column added: {c}" for c in delta.added]
            schema += [f"{name}: column removed: {c}" for c in delta.removed]
            schema += [
                f"{name}: column retyped: {c} {a} -> {b}" for c, (a, b) in delta.retyped.items()
            ]
        docs = [change.line() for change in self.documentation or []]
        if self.version_changed:
            docs.append(f"version: {self.old_version} -> {self.new_version}")
        out = [
            ("data", data),
            ("schema", schema),
            ("statistics beyond tolerance", [f.message for f in self.statistics]),
            ("drift", [f"{split}: {d.line()}" for split, d in self.drift.items()]),
            ("documentation", docs),
        ]
        return [(heading, lines) for heading, lines in out if lines]

    def lines(self) -> list[str]:
        """Every change as one plain line, what ``--record`` writes into the changelog (drift
        verdicts are left out: they are a reading of the sketches, not a change)."""
        return [line for heading, lines in self.groups() if heading != "drift" for line in lines]

    def to_json(self) -> dict[str, Any]:
        """The documented shape of ``diff --json`` (without the ``old``/``new`` sources)."""
        return {
            "changed": self.changed,
            "bump": self.bump,
            "version": {
                "old": self.old_version,
                "new": self.new_version,
                "suggested": self.suggested_version(),
            },
            "files": {
                "added": self.files_added,
                "removed": self.files_removed,
                "changed": self.files_changed,
            },
            "splits": {"added": self.splits_added, "removed": self.splits_removed},
            "rows": {name: {"old": a, "new": b} for name, (a, b) in self.rows.items()},
            "schema": {
                name: {
                    "added": d.added,
                    "removed": d.removed,
                    "retyped": {c: list(t) for c, t in d.retyped.items()},
                }
                for name, d in self.schema.items()
            },
            "statistics": [f.to_dict() for f in self.statistics],
            "drift": {split: d.to_json() for split, d in self.drift.items()},
            "documentation": None
            if self.documentation is None
            else [c.to_json() for c in self.documentation],
            "notes": self.notes,
            "summary": self.lines(),
        }


def _files(diff: CardDiff, old: Measured, new: Measured) -> None:
    before = {f.path: f.sha256 for f in old.files}
    after = {f.path: f.sha256 for f in new.files}
    diff.files_added = sorted(after.keys() - before.keys())
    diff.files_removed = sorted(before.keys() - after.keys())
    diff.files_changed = sorted(p for p in before.keys() & after.keys() if before[p] != after[p])


def _splits(diff: CardDiff, old: Measured, new: Measured) -> None:
    names = [*old.splits, *(s for s in new.splits if s not in old.splits)]
    diff.splits_added = [s for s in new.splits if s not in old.splits]
    diff.splits_removed = [s for s in old.splits if s not in new.splits]
    for name in names:
        a, b = old.splits.get(name), new.splits.get(name)
        diff.rows[name] = (a.rows if a else None, b.rows if b else None)
        if a is None or b is None:
            continue
        delta = SchemaDelta(
            added=[c for c in b.columns if c not in a.columns],
            removed=[c for c in a.columns if c not in b.columns],
            retyped={
                c: (a.columns[c].type, b.columns[c].type)
                for c in a.columns
                if c in b.columns and a.columns[c].type != b.columns[c].type
            },
        )
        if delta:
            diff.schema[name] = delta


def _statistics(old: Card, new: Card, policy: Policy) -> Iterator[Finding]:
    reference = old.model_copy(update={"policy": policy})
    now = Card(name=new.name, measured=new.measured)
    for finding in ConformanceCheck().run(now, reference):
        if finding.code in STAT_CODES:
            yield finding


def diff_cards(
    old: Card,
    new: Card,
    *,
    old_is_data: bool = False,
    new_is_data: bool = False,
    policy: Policy | None = None,
) -> CardDiff:
    """Compare ``old`` with ``new``; statistics use ``policy``'s tolerances (default: old's).

    A side that ``is_data`` (measured data, no card) has no version and no human part: the
    documentation is then not compared (``documentation`` is None).
    """
    diff = CardDiff(
        old_version=None if old_is_data else old.version,
        new_version=None if new_is_data else new.version,
        documentation=None if old_is_data or new_is_data else human_changes(old, new),
    )
    a, b = old.measured, new.measured
    empty = Measured(generated_by="", content_hash="", splits_from="")
    if a is None and b is None:
        return diff
    _files(diff, a or empty, b or empty)
    _splits(diff, a or empty, b or empty)
    if a is not None and b is not None:
        diff.statistics = list(_statistics(old, new, policy or old.policy))
    return diff


def drift_verdicts(old: Profile | None, new: Profile | None, policy: Policy) -> dict[str, Drift]:
    """The drift verdict (:func:`~datacard.drift.compare.compare_profiles`) of every split both
    profiles hold, with ``policy.drift``'s thresholds; empty when a profile is missing."""
    if old is None or new is None:
        return {}
    from datacard.drift.compare import compare_profiles
    from datacard.drift.policy import thresholds_of

    thresholds, per_column = thresholds_of(policy.drift)
    out: dict[str, Drift] = {}
    for split in [s for s in old.splits if s in new.splits]:
        report = compare_profiles(
            old,
            new,
            split=split,
            thresholds=thresholds,
            column_thresholds=per_column,
            important=policy.drift.important,
            label=policy.label,
        )
        out[split] = Drift(report.verdict, tuple(report.drifted))
    return out
