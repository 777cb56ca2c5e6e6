"""Representation tables of one sensitive column, and the imbalance and label-gap rules.

A table gives, per split (and ``all`` splits together), every group's rows, its share of the
split's rows, and per label value the group's rows with that label and their rate. The rules
read the ``all`` table; groups that say nothing ((missing), (other), "unknown"-like values,
implausible ages) are shown but never judged.

>>> counts = {("f", 1): 30, ("f", 0): 70, ("m", 1): 60, ("m", 0): 40}
>>> t = representation({"train": counts}, label=True)
>>> [(g["group"], g["count"], g["share"]) for g in t[0]["groups"]]
[('f', 100, 0.5), ('m', 100, 0.5)]
>>> [(r["label"], r["count"], r["rate"]) for r in t[0]["groups"][0]["labels"]]
[(0, 70, 0.7), (1, 30, 0.3)]
>>> gap = label_gap(t[0]["groups"])
>>> gap is not None and (gap.label, gap.high, gap.low, round(gap.difference, 2))
(1, 'm', 'f', 0.3)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from datacard.audit.sensitive_names import is_neutral
from datacard.audit.sensitive_scan import IMPLAUSIBLE, OTHER, Key

#: Groups kept per column (by rows over all splits); the rest is one (other) group.
MAX_GROUPS = 50
MISSING = "(missing)"
#: Imbalance: judged with at least this many rows in judged groups, and at most this many
#: judged groups (beyond, e.g. 150 nationalities, small groups are the rule, not a finding).
IMBALANCE_MIN_ROWS = 100
IMBALANCE_MAX_GROUPS = 10
#: A group is under-represented below this share of the largest group's rows...
IMBALANCE_RATIO = 0.1
#: ...or below this share of the judged rows.
IMBALANCE_SHARE = 0.05
#: Label gap: only groups with at least this many rows are compared.
GAP_MIN_GROUP = 30
#: A gap is a difference of label rates of at least this much...
GAP_DIFFERENCE = 0.2
#: ...or a ratio below the four-fifths rule with a difference of at least GAP_MIN_DIFFERENCE...
GAP_RATIO = 0.8
GAP_MIN_DIFFERENCE = 0.05
#: ...and in both cases a two-proportion z statistic of at least this (chance rarely does it).
GAP_Z = 3.0

_SILENT = frozenset({MISSING, OTHER, IMPLAUSIBLE})


def representation(
    by_split: Mapping[str, Mapping[Key, int]], label: bool, order: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """One table per split, then ``all`` when there are several splits.

    Groups are sorted by rows (most first), or in ``order`` (age buckets) when given, then
    (implausible), (missing) and (other); at most
    :data:`MAX_GROUPS` groups are kept (by rows over all splits), the others become (other).
    """
    total: dict[Key, int] = {}
    for counts in by_split.values():
        for key, n in counts.items():
            total[key] = total.get(key, 0) + n
    keep = _kept(total)
    tables = [_table(name, counts, keep, label, order) for name, counts in by_split.items()]
    if len(by_split) > 1:
        tables.append(_table("all", total, keep, label, order))
    return tables


def _kept(total: Mapping[Key, int]) -> set[str]:
    rows: dict[str, int] = {}
    for (g, _), n in total.items():
        rows[group_name(g)] = rows.get(group_name(g), 0) + n
    return set(sorted(rows, key=lambda g: (-rows[g], g))[:MAX_GROUPS])


def group_name(value: object) -> str:
    """How a group is named in a table: its value as text; None is (missing).

    >>> group_name(None), group_name(2), group_name(True)
    ('(missing)', '2', 'true')
    """
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _table(
    split: str,
    counts: Mapping[Key, int],
    keep: set[str],
    label: bool,
    order: Sequence[str] | None,
) -> dict[str, Any]:
    groups: dict[str, dict[Any, int]] = {}
    for (g, y), n in counts.items():
        name = group_name(g)
        name = name if name in keep else OTHER
        per_label = groups.setdefault(name, {})
        per_label[y] = per_label.get(y, 0) + n
    rows = sum(sum(v.values()) for v in groups.values())
    position = {g: i for i, g in enumerate(order or ())}
    last = {IMPLAUSIBLE: 1, MISSING: 2, OTHER: 3}  # after the real groups, in this order
    names = sorted(
        groups,
        key=lambda g: (
            last.get(g, 0),
            position.get(g, len(position)),
            -sum(groups[g].values()),
            g,
        ),
    )
    out = []
    for name in names:
        n = sum(groups[name].values())
        entry: dict[str, Any] = {"group": name, "count": n, "share": _ratio(n, rows)}
        if label:
            entry["labels"] = [
                {"label": y, "count": k, "rate": _ratio(k, n)}
                for y, k in sorted(groups[name].items(), key=lambda item: _label_key(item[0]))
            ]
        out.append(entry)
    return {"split": split, "rows": rows, "groups": out}


def _label_key(value: object) -> tuple[int, float, str]:
    """Numbers first (by value), then text, then None."""
    if isinstance(value, int | float):
        return (0, float(value), "")
    return (1 if value is not None else 2, 0.0, str(value))


def _ratio(a: int, b: int) -> float:
    return round(a / b, 6) if b else 0.0


def judged(groups: Sequence[Mapping[str, Any]], raw: Mapping[str, object]) -> list[Any]:
    """The groups the rules look at: not (missing), (other), implausible or "unknown"-like.

    ``raw`` maps a group's name to its value (to recognise "unknown"-like values).
    """
    return [g for g in groups if g["group"] not in _SILENT and not is_neutral(raw.get(g["group"]))]


@dataclass(frozen=True)
class Imbalance:
    """Under-represented groups (name, rows, share of judged rows) and the largest group."""

    small: list[tuple[str, int, float]]
    largest: tuple[str, int, float]
    rows: int


def imbalance(groups: Sequence[Mapping[str, Any]]) -> Imbalance | None:
    """Groups below :data:`IMBALANCE_RATIO` of the largest or :data:`IMBALANCE_SHARE` of the
    judged rows (``groups`` already judged; None when nothing is, or when not judgeable).

    >>> r = imbalance([{"group": "a", "count": 950}, {"group": "b", "count": 50}])
    >>> r is not None and r.small
    [('b', 50, 0.05)]
    """
    rows = sum(int(g["count"]) for g in groups)
    if len(groups) < 2 or len(groups) > IMBALANCE_MAX_GROUPS or rows < IMBALANCE_MIN_ROWS:
        return None
    top = max(groups, key=lambda g: int(g["count"]))
    big = int(top["count"])
    small = [
        (str(g["group"]), int(g["count"]), round(int(g["count"]) / rows, 6))
        for g in groups
        if int(g["count"]) < IMBALANCE_RATIO * big or int(g["count"]) < IMBALANCE_SHARE * rows
    ]
    if not small:
        return None
    return Imbalance(small, (str(top["group"]), big, round(big / rows, 6)), rows)


@dataclass(frozen=True)
class Gap:
    """The largest label-rate gap between two groups, for one label value."""

    label: Any
    high: str
    high_rate: float
    high_rows: int
    low: str
    low_rate: float
    low_rows: int
    difference: float
    ratio: float
    z: float


def label_gap(groups: Sequence[Mapping[str, Any]]) -> Gap | None:
    """The strongest gap over label values between groups of at least :data:`GAP_MIN_GROUP`
    rows, if it passes the rules (see the module constants); None otherwise."""
    big = [g for g in groups if int(g["count"]) >= GAP_MIN_GROUP]
    if len(big) < 2:
        return None
    labels = {entry["label"] for g in big for entry in g["labels"]} - {None}
    best: Gap | None = None
    for y in sorted(labels, key=_label_key):
        rates = [(str(g["group"]), _count_of(g, y), _labelled(g)) for g in big]
        rates = [r for r in rates if r[2] >= GAP_MIN_GROUP]
        if len(rates) < 2:
            continue
        hi = max(rates, key=lambda r: (r[1] / r[2], r[0]))
        lo = min(rates, key=lambda r: (r[1] / r[2], r[0]))
        gap = _gap(y, hi, lo)
        if gap is None:
            continue
        if best is None or (gap.difference, -gap.ratio) > (best.difference, -best.ratio):
            best = gap
    return best


def _labelled(group: Mapping[str, Any]) -> int:
    return sum(int(e["count"]) for e in group["labels"] if e["label"] is not None)


def _count_of(group: Mapping[str, Any], label: object) -> int:
    return sum(int(e["count"]) for e in group["labels"] if e["label"] == label)


def _gap(y: object, hi: tuple[str, int, int], lo: tuple[str, int, int]) -> Gap | None:
    (h, kh, nh), (lo_name, kl, nl) = hi, lo
    rh, rl = kh / nh, kl / nl
    difference = rh - rl
    ratio = rl / rh if rh > 0 else 1.0
    pooled = (kh + kl) / (nh + nl)
    se = math.sqrt(pooled * (1 - pooled) * (1 / nh + 1 / nl))
    z = difference / se if se > 0 else 0.0
    eps = 1e-9  # rates are ratios of counts: 0.5 - 0.3 must count as 0.2
    strong = difference >= GAP_DIFFERENCE - eps or (
        ratio < GAP_RATIO - eps and difference >= GAP_MIN_DIFFERENCE - eps
    )
    if not strong or z < GAP_Z:
        return None
    return Gap(
        label=y,
        high=h,
        high_rate=round(rh, 6),
        high_rows=nh,
        low=lo_name,
        low_rate=round(rl, 6),
        low_rows=nl,
        difference=round(difference, 6),
        ratio=round(ratio, 6),
        z=round(z, 2),
    )
