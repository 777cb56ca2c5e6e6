"""One pass over a partition: joint (group, label) row counts of candidate sensitive columns.

:func:`count_partition` is pure (a :class:`GroupSpec` and a Partition in, a :class:`GroupPart`
out), so it runs in worker processes; the parent merges the parts in plan order. Values are
dictionary-encoded per batch (Arrow kernels), codes are counted with numpy, and only the distinct
(group, label) pairs leave the worker. Numeric ages become the buckets of :data:`AGE_BUCKETS`.

>>> import pyarrow as pa
>>> from datacard.readers.memory import memory_partitions
>>> t = pa.table({"sex": ["f", "m", "f", None], "age": [17, 30, 30.5, 80], "y": [1, 0, 1, 1]})
>>> spec = GroupSpec(columns=("sex", "age"), ages=("age",), label="y")
>>> part = count_partition(memory_partitions("train", t)[0], spec)
>>> sorted(part.counts["sex"].items(), key=str)
[(('f', 1), 2), (('m', 0), 1), ((None, 1), 1)]
>>> sorted((age_name(g), y, n) for (g, y), n in part.counts["age"].items())
[('25–34', 0, 1), ('25–34', 1, 1), ('65+', 1, 1), ('<18', 1, 1)]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from datacard.arrays import int64_array, valid_mask, values
from datacard.readers.base import Partition

#: Age buckets (years): lower edges, and the names of the buckets they start.
AGE_EDGES = (18, 25, 35, 45, 55, 65)
AGE_BUCKETS = ("<18", "18–24", "25–34", "35–44", "45–54", "55–64", "65+")
#: Ages outside [0, AGE_MAX] are counted in this bucket (a column full of them is not an age).
IMPLAUSIBLE = "(implausible)"
AGE_MAX = 125
#: Distinct values of a column kept per partition; beyond that the rest is folded into OTHER.
PARTITION_GROUPS = 1000
#: More distinct labels than this in a batch: the label is not a class (no label rates).
MAX_LABELS = 20
#: Strings longer than this on average are text, not groups (unless the name says otherwise).
TEXT_BYTES = 64
OTHER = "(other)"
#: A named numeric column (not an age) is a code (1 = female, ...) with at most this many values.
MAX_CODES = 50

Key = tuple[Any, Any]


@dataclass(frozen=True)
class GroupSpec:
    """Columns to count; ``ages`` are bucketed when numeric; ``named`` are kept even when they
    look like text or have many values (their name matched a category)."""

    columns: tuple[str, ...]
    ages: tuple[str, ...] = ()
    label: str | None = None
    named: tuple[str, ...] = ()
    limit: int | None = None  # rows read per partition (the audit's --sample)


@dataclass
class GroupPart:
    """What one partition contributes: its split and rows, (group, label) → rows per column,
    the columns that turned out not to be groups, and whether the label had too many values."""

    split: str
    rows: int = 0
    counts: dict[str, dict[Key, int]] = field(default_factory=dict)
    overflow: set[str] = field(default_factory=set)
    label_overflow: bool = False


def count_partition(partition: Partition, spec: GroupSpec) -> GroupPart:
    """Read ``partition`` and count its (group, label) pairs (pure; runs in any process)."""
    part = GroupPart(split=partition.file.split)
    for batch in limited(partition.batches(), spec.limit):
        part.rows += batch.num_rows
        labels: pa.Array | None = None
        if spec.label in batch.schema.names and not part.label_overflow:
            labels = batch.column(spec.label)
            if _distinct(labels) > MAX_LABELS:
                part.label_overflow, labels = True, None
        for name in spec.columns:
            if name in part.overflow or name not in batch.schema.names:
                continue
            groups = _groups(batch.column(name), name in spec.ages, name in spec.named)
            if groups is None:
                part.overflow.add(name)
                continue
            _add(part.counts.setdefault(name, {}), joint_counts(groups, labels))
    for name in spec.named:
        if name in part.counts:
            part.counts[name] = cap_groups(part.counts[name], PARTITION_GROUPS)
    for name in part.overflow:
        part.counts.pop(name, None)
    return part


def limited(batches: Iterator[pa.RecordBatch], limit: int | None) -> Iterator[pa.RecordBatch]:
    """The first ``limit`` rows of a stream of batches (all of them when ``limit`` is None)."""
    left = limit
    for batch in batches:
        if left is not None:
            if left <= 0:
                return
            if batch.num_rows > left:
                batch = batch.slice(0, left)
            left -= batch.num_rows
        yield batch


def _distinct(arr: pa.Array) -> int:
    """Distinct values (nulls count as one); an upper bound for dictionary arrays."""
    if pa.types.is_dictionary(arr.type):
        return len(arr.dictionary) + 1
    return int(pc.count_distinct(arr, mode="all").as_py())


def _groups(arr: pa.Array, age: bool, named: bool) -> pa.Array | None:
    """The group of every row (age buckets for numeric ages); None when the column is not a
    grouping: text, too many distinct strings (unless named), or numbers that are not codes."""
    t = arr.type
    numeric = pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)
    if age and numeric:
        return age_buckets(arr)
    if not len(arr):
        return arr
    if pa.types.is_dictionary(t):
        t = t.value_type
    elif (pa.types.is_string(t) or pa.types.is_large_string(t)) and arr.nbytes > TEXT_BYTES * len(
        arr
    ):
        return None
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return arr if named or _distinct(arr) <= PARTITION_GROUPS else None
    if named and (numeric or pa.types.is_boolean(t)):
        return arr if _distinct(arr) <= MAX_CODES else None
    return None


def age_buckets(arr: pa.Array) -> pa.Array:
    """Numeric ages as bucket numbers (see :data:`AGE_BUCKETS`); -1 missing, -2 implausible.

    >>> age_buckets(pa.array([0, 17.9, 18, 64, 65, 200, None])).to_pylist()
    [0, 0, 1, 5, 6, -2, -1]
    """
    if pa.types.is_decimal(arr.type) or pa.types.is_float16(arr.type):
        arr = pc.cast(arr, pa.float64())
    x = values(arr).astype(np.float64)
    code = np.searchsorted(np.array(AGE_EDGES, np.float64), x, side="right").astype(np.int64)
    code[~((x >= 0) & (x <= AGE_MAX))] = -2
    code[~valid_mask(arr) | np.isnan(x)] = -1
    return int64_array(code)


def age_name(code: object) -> object:
    """The bucket name of an :func:`age_buckets` number (None for missing)."""
    if not isinstance(code, int) or code == -1:
        return None
    return IMPLAUSIBLE if code == -2 else AGE_BUCKETS[code]


def _codes(arr: pa.Array) -> tuple[npt.NDArray[np.int64], list[Any]]:
    """Dictionary codes of ``arr`` (nulls get ``len(values)``) and the distinct values."""
    encoded = arr if pa.types.is_dictionary(arr.type) else pc.dictionary_encode(arr)
    dictionary = encoded.dictionary.to_pylist()
    codes = values(encoded.indices).astype(np.int64)
    codes[~valid_mask(encoded)] = len(dictionary)
    return codes, [*dictionary, None]


def joint_counts(groups: pa.Array, labels: pa.Array | None) -> dict[Key, int]:
    """(group, label) → rows of one batch (label None for every row when ``labels`` is None).

    >>> joint_counts(pa.array(["a", "b", "a"]), pa.array([1, 1, 0])) == {
    ...     ("a", 1): 1, ("b", 1): 1, ("a", 0): 1}
    True
    """
    g, g_values = _codes(groups)
    if labels is None:
        y, y_values = np.zeros(len(g), np.int64), [None]
    else:
        y, y_values = _codes(labels)
    code = g * len(y_values) + y
    unique, counts = np.unique(code, return_counts=True)
    out: dict[Key, int] = {}
    for c, n in zip(unique.tolist(), counts.tolist()):
        key = (g_values[c // len(y_values)], y_values[c % len(y_values)])
        out[key] = out.get(key, 0) + n  # a dictionary may repeat a value
    return out


def _add(into: dict[Key, int], more: dict[Key, int]) -> None:
    for key, n in more.items():
        into[key] = into.get(key, 0) + n


def cap_groups(counts: dict[Key, int], cap: int) -> dict[Key, int]:
    """The ``cap`` groups with the most rows, the others folded into :data:`OTHER`.

    >>> cap_groups({("a", 0): 5, ("b", 0): 1, ("c", 1): 2}, 1)
    {('a', 0): 5, ('(other)', 0): 1, ('(other)', 1): 2}
    """
    totals: dict[Any, int] = {}
    for (g, _), n in counts.items():
        totals[g] = totals.get(g, 0) + n
    if len(totals) <= cap:
        return counts
    keep = set(sorted(totals, key=lambda g: (-totals[g], str(g)))[:cap])
    out: dict[Key, int] = {}
    for (g, y), n in counts.items():
        key = (g if g in keep else OTHER, y)
        out[key] = out.get(key, 0) + n
    return out


__all__ = ["AGE_BUCKETS", "GroupPart", "GroupSpec", "count_partition", "joint_counts"]
