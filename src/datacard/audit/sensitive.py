"""Sensitive attributes: columns that look like protected characteristics, how each group is
represented per split and per label, and hints of imbalance and label-rate gaps.

One pass over the data (:func:`datacard.scan.map_partitions`): every partition counts the joint
(group, label) rows of its candidate columns — name matches and every short string column — in a
worker (:mod:`.sensitive_scan`); the parent merges the counts, keeps the columns whose name or
values match a category (:mod:`.sensitive_names`), and builds the representation tables and
findings (:mod:`.sensitive_tables`). See docs/sensitive-and-poisoning.md.

>>> import tempfile, pathlib
>>> from datacard.card import Card, Policy
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "train.csv").write_text("page,gender,y\\n1,female,1\\n2,male,0\\n3,male,1\\n")
>>> ctx = AuditContext(root=d, card=Card(name="x", policy=Policy(label="y")), workers=1)
>>> result = sensitive_findings(ctx)
>>> [(f.code, f.location.column if f.location else None) for f in result.findings]
[('sensitive.attribute', 'gender')]
>>> [(g["group"], g["count"]) for g in result.tables[0]["splits"][0]["groups"]]
[('male', 2), ('female', 1)]
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from datacard.audit.context import AuditContext
from datacard.audit.poisoning_rows import within_sample
from datacard.audit.sensitive_names import TITLES, name_category, name_tokens, value_category
from datacard.audit.sensitive_scan import (
    AGE_BUCKETS,
    IMPLAUSIBLE,
    OTHER,
    GroupPart,
    GroupSpec,
    Key,
    age_name,
    count_partition,
)
from datacard.audit.sensitive_tables import (
    GAP_DIFFERENCE,
    GAP_MIN_DIFFERENCE,
    GAP_MIN_GROUP,
    GAP_RATIO,
    GAP_Z,
    IMBALANCE_RATIO,
    IMBALANCE_SHARE,
    MISSING,
    group_name,
    imbalance,
    judged,
    label_gap,
    representation,
)
from datacard.findings import Finding, Location
from datacard.readers import reader_for
from datacard.readers.base import DataFile
from datacard.scan import map_partitions, plan_partitions

__all__ = ["SensitiveResult", "sensitive_findings"]

#: An age column is not judged when more than this share of its values is outside 0–125.
IMPLAUSIBLE_SHARE = 0.05
#: Name words that make a numeric "age" column a code (age group 1..7), not years.
_CODED = frozenset(["group", "groups", "range", "band", "bracket", "category", "cat", "class"])
_CODED |= {"bucket", "bin", "code", "senior"}


@dataclass
class SensitiveResult:
    """The findings, and one representation table per sensitive column (JSON-able)."""

    findings: list[Finding] = field(default_factory=list)
    tables: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """``{"columns": [table, ...]}`` (the shape is in docs/sensitive-and-poisoning.md)."""
        return {"columns": self.tables}


def sensitive_findings(ctx: AuditContext) -> SensitiveResult:
    """Find sensitive columns in the data at ``ctx.root``, document them, flag strong imbalance
    and label-rate gaps (see docs/sensitive-and-poisoning.md)."""
    chooser = _Chooser(ctx.label)
    parts = plan_partitions(ctx.root, splits=ctx.splits or None, columns=chooser)
    spec = chooser.spec(ctx.sample)
    if not spec.columns:
        return SensitiveResult()
    fn = functools.partial(count_partition, spec=spec)
    counted = map_partitions(fn, parts, workers=ctx.workers, progress=ctx.progress)
    found = _merge(counted, ctx.sample)
    result = SensitiveResult()
    for column in spec.columns:
        by_split = found.counts.get(column)
        if not by_split or column in found.overflow:
            continue
        category, how = _category(column, by_split, spec)
        if category is None:
            continue
        _document(result, column, category, how, by_split, found.labelled, spec, ctx.label)
    return result


class _Chooser:
    """Which columns of each file to read: name matches and string columns (plus the label)."""

    def __init__(self, label: str | None) -> None:
        self.label = label
        self.columns: dict[str, None] = {}
        self.named: dict[str, None] = {}
        self.ages: dict[str, None] = {}
        self.has_label = False

    def __call__(self, file: DataFile, names: list[str]) -> list[str]:
        schema = reader_for(file.format).inspect(file).schema
        wanted: list[str] = []
        for name in names:
            if name == self.label:
                continue
            t = schema.field(name).type
            category = name_category(name)
            if category is not None and _flat(t):
                self.named[name] = None
                if category == "age" and _numeric(t) and not _CODED & set(name_tokens(name)):
                    self.ages[name] = None
            elif not _stringy(t):
                continue
            self.columns[name] = None
            wanted.append(name)
        if wanted and self.label is not None and self.label in names:
            self.has_label = True
            wanted.append(self.label)
        return wanted

    def spec(self, sample: int | None) -> GroupSpec:
        return GroupSpec(
            columns=tuple(self.columns),
            ages=tuple(self.ages),
            label=self.label if self.has_label else None,
            named=tuple(self.named),
            limit=sample,
        )


def _stringy(t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        t = t.value_type
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t))


def _numeric(t: pa.DataType) -> bool:
    return bool(pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t))


def _flat(t: pa.DataType) -> bool:
    return _stringy(t) or _numeric(t) or bool(pa.types.is_boolean(t))


@dataclass
class _Found:
    """Merged counts: column → split → (group, label) → rows."""

    counts: dict[str, dict[str, dict[Key, int]]]
    overflow: set[str]
    labelled: bool


def _merge(parts: Sequence[GroupPart], sample: int | None) -> _Found:
    """The partitions' counts added up in plan order; with ``sample``, a split takes partitions
    until it has that many rows."""
    counts: dict[str, dict[str, dict[Key, int]]] = {}
    overflow: set[str] = set()
    labelled = True
    keep = within_sample([p.split for p in parts], [p.rows for p in parts], sample)
    for part, kept in zip(parts, keep):
        if not kept:
            continue
        overflow |= part.overflow
        labelled = labelled and not part.label_overflow
        for column, pairs in part.counts.items():
            into = counts.setdefault(column, {}).setdefault(part.split, {})
            for key, n in pairs.items():
                into[key] = into.get(key, 0) + n
    if not labelled:  # the label has too many values to be a class: drop it everywhere
        for per_split in counts.values():
            for split, pairs in per_split.items():
                collapsed: dict[Key, int] = {}
                for (g, _), n in pairs.items():
                    collapsed[(g, None)] = collapsed.get((g, None), 0) + n
                per_split[split] = collapsed
    for column, per_split in counts.items():
        counts[column] = dict(sorted(per_split.items(), key=lambda item: _split_key(item[0])))
    return _Found(counts, overflow, labelled)


def _split_key(name: str) -> tuple[int, str]:
    return ({"train": 0, "validation": 1, "test": 2}.get(name, 3), name)


def _category(
    column: str, by_split: dict[str, dict[Key, int]], spec: GroupSpec
) -> tuple[str | None, str]:
    """The column's category and how it matched (``name`` or ``values``)."""
    category = name_category(column) if column in spec.named else None
    if category is not None:
        return category, "name"
    totals: dict[object, int] = {}
    for pairs in by_split.values():
        for (g, _), n in pairs.items():
            totals[g] = totals.get(g, 0) + n
    return value_category(totals), "values"


def _document(
    result: SensitiveResult,
    column: str,
    category: str,
    how: str,
    by_split: dict[str, dict[Key, int]],
    labelled: bool,
    spec: GroupSpec,
    label: str | None,
) -> None:
    """Add the column's table and its findings to ``result``."""
    aged = column in spec.ages
    if aged:
        by_split = {
            s: {(age_name(g), y): n for (g, y), n in pairs.items()} for s, pairs in by_split.items()
        }
    raw: dict[str, object] = {}
    for pairs in by_split.values():
        for g, _ in pairs:
            raw.setdefault(group_name(g), g)
    with_label = spec.label is not None and labelled
    order = [*AGE_BUCKETS, IMPLAUSIBLE, MISSING, OTHER] if aged else None
    tables = representation(by_split, label=with_label, order=order)
    overall = tables[-1]
    if aged and _implausible(overall):
        return
    title = TITLES[category]
    where = Location(column=column)
    result.tables.append(
        {
            "column": column,
            "category": category,
            "title": title,
            "matched_by": how,
            "buckets": list(AGE_BUCKETS) if aged else None,
            "label": spec.label if with_label else None,
            "splits": tables,
        }
    )
    top = [(g["group"], g["count"]) for g in overall["groups"][:10]]
    result.findings.append(
        Finding.of(
            "sensitive.attribute",
            f"column '{column}' looks like {title} (by its {'name' if how == 'name' else 'values'})"
            f"; its groups per split{' and label' if with_label else ''} are documented in the "
            "representation table",
            location=where,
            category=category,
            matched_by=how,
            groups=[{"group": g, "count": n} for g, n in top],
        )
    )
    groups = judged(overall["groups"], raw)
    small = imbalance(groups)
    if small is not None:
        names = ", ".join(f"'{g}' ({share:.1%})" for g, _, share in small.small[:5])
        more = f" and {len(small.small) - 5} more" if len(small.small) > 5 else ""
        big, _, big_share = small.largest
        result.findings.append(
            Finding.of(
                "sensitive.imbalance",
                f"{title} ('{column}'): {names}{more} under-represented next to '{big}' "
                f"({big_share:.1%}); models may serve these groups worse",
                location=where,
                groups=[{"group": g, "count": n, "share": s} for g, n, s in small.small],
                largest={"group": big, "count": small.largest[1], "share": big_share},
                rows=small.rows,
                rule=f"count < {IMBALANCE_RATIO:g} × largest group or share < "
                f"{IMBALANCE_SHARE:.0%}",
            )
        )
    gap = label_gap(groups) if with_label else None
    if gap is not None:
        result.findings.append(
            Finding.of(
                "sensitive.label-gap",
                f"{title} ('{column}'): {label} = {gap.label} for {gap.high_rate:.0%} of "
                f"'{gap.high}' but {gap.low_rate:.0%} of '{gap.low}' (difference "
                f"{gap.difference:.2f}, ratio {gap.ratio:.2f}); a hint of bias worth a look",
                location=where,
                label=gap.label,
                high={"group": gap.high, "rate": gap.high_rate, "rows": gap.high_rows},
                low={"group": gap.low, "rate": gap.low_rate, "rows": gap.low_rows},
                difference=gap.difference,
                ratio=gap.ratio,
                z=gap.z,
                rule=f"difference ≥ {GAP_DIFFERENCE:g}, or ratio < {GAP_RATIO:g} with difference "
                f"≥ {GAP_MIN_DIFFERENCE:g}; groups of ≥ {GAP_MIN_GROUP} rows; z ≥ {GAP_Z:g}",
            )
        )


def _implausible(table: dict[str, Any]) -> bool:
    """Whether too many 'ages' are outside 0–125 for the column to hold years."""
    rows: dict[str, int] = {g["group"]: int(g["count"]) for g in table["groups"]}
    known = int(table["rows"]) - rows.get(MISSING, 0)
    return known > 0 and rows.get(IMPLAUSIBLE, 0) > IMPLAUSIBLE_SHARE * known
