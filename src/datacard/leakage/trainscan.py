"""Stream training partitions against a benchmark's hashes: a pure function per partition.

The benchmark side is small, so its hashes form the index (:class:`Query`: sorted unique
``uint64`` arrays); each worker reads one training partition, canonicalises its text with
:mod:`datacard.leakage.ngrams`, and returns only the hashes it found, each with the first row
(0-based within the partition) that holds it. Memory is bounded by the benchmark's hashes,
never by the training text.

>>> import numpy as np
>>> found, rows = first_hits(np.array([5, 7, 5, 1], np.uint64), np.arange(4), np.array([1, 5]))
>>> found.tolist(), rows.tolist()
([1, 5], [3, 0])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from datacard.leakage.ngrams import EMPTY_KEY, exact_keys, nfkc, ngram_hashes, normalized, tokens
from datacard.readers.base import Partition

__all__ = ["Hits", "Query", "Task", "first_hits", "row_texts", "scan_partition"]

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Query:
    """The benchmark's hashes: exact keys and n-gram hashes (for every ``n`` in ``ns``)."""

    exact: U64
    grams: U64
    ns: tuple[int, ...]
    near: Any = None  # a datacard.leakage.nearscan.NearIndex when MinHash matching is on


@dataclass(frozen=True)
class Task:
    """One training partition and the text columns to read from it."""

    partition: Partition
    columns: tuple[str, ...]
    query: Query


def _empty() -> tuple[U64, I64]:
    return np.zeros(0, np.uint64), np.zeros(0, np.int64)


def _no_near() -> tuple[I64, I64, F64]:
    return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)


@dataclass
class Hits:
    """What one training partition holds of the benchmark (rows are partition-local).

    ``exact`` and ``grams`` are ``(hashes, first row)``; ``near`` is ``(item, row, score)``.
    """

    rows: int = 0
    exact: tuple[U64, I64] = field(default_factory=_empty)
    grams: tuple[U64, I64] = field(default_factory=_empty)
    near: tuple[I64, I64, F64] = field(default_factory=_no_near)


def first_hits(hashes: U64, rows: I64, wanted: U64) -> tuple[U64, I64]:
    """The distinct ``hashes`` that are in sorted ``wanted``, each with its first row."""
    if len(hashes) == 0 or len(wanted) == 0:
        return _empty()
    wanted = wanted.astype(np.uint64, copy=False)
    pos = np.searchsorted(wanted, hashes)
    pos[pos == len(wanted)] = 0
    hit = wanted[pos] == hashes
    found, first = np.unique(hashes[hit], return_index=True)
    return found, np.asarray(rows[hit][first], np.int64)


def row_texts(batch: pa.RecordBatch, columns: tuple[str, ...]) -> list[pa.Array]:
    """The text columns of a batch as string arrays (dictionaries decoded; nulls kept)."""
    out = []
    for name in columns:
        arr = batch.column(batch.schema.get_field_index(name))
        if pa.types.is_dictionary(arr.type):
            arr = arr.dictionary_decode()
        if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
            arr = arr.cast(pa.large_string())
        out.append(arr)
    return out


def _concat(columns: list[pa.Array]) -> pa.Array:
    if len(columns) == 1:
        return columns[0]
    narrow = [c.cast(pa.string()) for c in columns]  # the separator is a string scalar
    return pc.binary_join_element_wise(*narrow, " ", null_handling="replace", null_replacement="")


def _merge(parts: list[tuple[U64, I64]]) -> tuple[U64, I64]:
    if not parts:
        return _empty()
    hashes = np.concatenate([p[0] for p in parts])
    rows = np.concatenate([p[1] for p in parts])
    order = np.argsort(rows, kind="stable")
    found, first = np.unique(hashes[order], return_index=True)
    return found, rows[order][first]


def scan_batch(columns: list[pa.Array], query: Query, base: int) -> Hits:
    """Hits of one batch's text columns; rows numbered from ``base``."""
    n_rows = len(columns[0])
    rows = np.arange(base, base + n_rows, dtype=np.int64)
    composed = nfkc(_concat(columns))
    whole = normalized(composed, composed=True)
    texts = [whole] + ([normalized(c) for c in columns] if len(columns) > 1 else [])
    exact = []
    for text in texts:
        keys = exact_keys(text)
        keep = keys != EMPTY_KEY
        exact.append(first_hits(keys[keep], rows[keep], query.exact))
    offsets, words = tokens(composed)
    grams = []
    for n in query.ns:
        gram_rows, hashes = ngram_hashes(offsets, words, n)
        grams.append(first_hits(hashes, gram_rows + base, query.grams))
    hits = Hits(rows=n_rows, exact=_merge(exact), grams=_merge(grams))
    if query.near is not None:
        from datacard.leakage.nearscan import near_hits

        hits.near = near_hits(whole, query.near, base)
    return hits


def scan_partition(task: Task) -> Hits:
    """Read one training partition and return its hits (pure; runs in any process)."""
    total = Hits()
    exact: list[tuple[U64, I64]] = []
    grams: list[tuple[U64, I64]] = []
    near: list[tuple[I64, I64, F64]] = []
    for batch in task.partition.batches():
        present = tuple(c for c in task.columns if c in batch.schema.names)
        if not present or batch.num_rows == 0:
            total.rows += batch.num_rows
            continue
        hits = scan_batch(row_texts(batch, present), task.query, total.rows)
        total.rows += hits.rows
        exact.append(hits.exact)
        grams.append(hits.grams)
        near.append(hits.near)
    total.exact, total.grams = _merge(exact), _merge(grams)
    if near:
        total.near = (
            np.concatenate([x[0] for x in near]),
            np.concatenate([x[1] for x in near]),
            np.concatenate([x[2] for x in near]),
        )
    return total
