"""A second look at a few rows: their values read back for evidence.

Rows are numbered globally over the partitions scanned (:class:`datacard.rowmap.RowMap`, which
this module re-exports). :func:`fetch_texts` reads back the values of a few rows (evidence
excerpts) in worker processes, only from the partitions that hold them.

>>> excerpt("a b c " * 30, limit=12)
'a b c a b c…'
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt

from datacard.audit.sensitive_scan import limited
from datacard.readers.base import Partition
from datacard.rowmap import RowMap
from datacard.scan import map_partitions

I64 = npt.NDArray[np.int64]

#: Characters of a value shown as evidence.
EXCERPT = 80
#: Characters of a value read back for evidence (enough to find a token in most texts).
FETCH = 4000


def within_sample(splits: Sequence[str], rows: Sequence[int], sample: int | None) -> list[bool]:
    """Which partitions (in plan order) a run with ``sample`` rows per split keeps: a split takes
    partitions until it has that many rows.

    >>> within_sample(["train", "train", "test"], [5, 5, 5], 4)
    [True, False, True]
    """
    taken: dict[str, int] = {}
    keep = []
    for split, n in zip(splits, rows):
        ok = sample is None or taken.get(split, 0) < sample
        if ok:
            taken[split] = taken.get(split, 0) + n
        keep.append(ok)
    return keep


def fetch_texts(
    rows: RowMap,
    wanted: Mapping[int, Iterable[str]],
    *,
    limit: int | None = None,
    workers: int | None = None,
) -> dict[tuple[int, str], Any]:
    """``{(global row, column): value}`` for the ``wanted`` rows and columns (strings cut to
    :data:`FETCH` characters), read from the partitions that hold them."""
    by_part: dict[int, dict[int, set[str]]] = {}
    for row, columns in wanted.items():
        i = int(rows.part_of(np.array([row], np.int64))[0])
        by_part.setdefault(i, {}).setdefault(row - int(rows.starts[i]), set()).update(columns)
    if not by_part:
        return {}
    todo = sorted(by_part)
    items = []
    for i in todo:
        part = rows.parts[i]
        names = sorted(set().union(*by_part[i].values()))
        if part.columns is not None:
            names = [c for c in names if c in part.columns]
        items.append(replace(part, columns=tuple(names)))
    fn = functools.partial(
        _fetch, wanted={rows.parts[i].unit: by_part[i] for i in todo}, limit=limit
    )
    out: dict[tuple[int, str], Any] = {}
    for i, found in zip(todo, map_partitions(fn, items, workers=workers)):
        for (local, column), value in found.items():
            out[(int(rows.starts[i]) + local, column)] = value
    return out


def _fetch(
    partition: Partition, wanted: Mapping[str, Mapping[int, set[str]]], limit: int | None
) -> dict[tuple[int, str], Any]:
    rows = wanted[partition.unit]
    out: dict[tuple[int, str], Any] = {}
    start = 0
    for batch in limited(partition.batches(), limit):
        end = start + batch.num_rows
        for local in sorted(r for r in rows if start <= r < end):
            for column in rows[local]:
                if column in batch.schema.names:
                    value = batch.column(column)[local - start].as_py()
                    out[(local, column)] = value[:FETCH] if isinstance(value, str) else value
        start = end
    return out


def excerpt(value: object, at: int = 0, limit: int = EXCERPT) -> str:
    """At most ``limit`` characters of ``value`` (whitespace collapsed), starting a little
    before position ``at``; "…" marks what was cut.

    >>> excerpt("one two three four five six", at=14, limit=20)
    '…three four five six'
    """
    text = str(value)
    start = max(0, at - limit // 4)
    if start > 0:  # begin at a word
        start = text.rfind(" ", 0, start) + 1
    body = " ".join(text[start:].split())
    head = "…" if start > 0 else ""
    if len(head) + len(body) <= limit:
        return head + body
    return head + body[: limit - len(head) - 1].rstrip() + "…"
