"""Decide, per benchmark item, whether and where it appears in the training data.

Training locations are packed into one ``int64``: ``file index << 40 | row`` (:func:`pack`), so
"the first place" is the smallest number and numpy can sort and group them.

>>> unpack(pack(3, 17))
(3, 17)
>>> import numpy as np
>>> best_location(np.array([0, 0, 0, 1]), np.array([5, 9, 9, 2]), 2).tolist()
[9, 2]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["ItemMatch", "best_location", "coverage", "pack", "shares", "unpack"]

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
F64 = npt.NDArray[np.float64]

_ROW_BITS = 40
NONE = np.int64(-1)


def pack(file: int, row: int) -> int:
    """One sortable number for (file index, row)."""
    return (file << _ROW_BITS) | row


def unpack(location: int) -> tuple[int, int]:
    """``(file index, row)`` of a packed location."""
    return int(location) >> _ROW_BITS, int(location) & ((1 << _ROW_BITS) - 1)


def pack_rows(file: int, rows: I64) -> I64:
    """:func:`pack` for many rows of one file."""
    return (np.int64(file) << np.int64(_ROW_BITS)) | rows


@dataclass(frozen=True)
class ItemMatch:
    """How one item matched: ``kind`` (exact|ngram|near), score in [0, 1], packed location."""

    item: int
    kind: str
    score: float
    location: int


def lookup(keys: U64, found: U64, locations: I64) -> I64:
    """The location of each key in sorted ``found`` (``-1`` when absent)."""
    out = np.full(len(keys), NONE, np.int64)
    if len(found) == 0 or len(keys) == 0:
        return out
    pos = np.searchsorted(found, keys)
    pos[pos == len(found)] = 0
    hit = found[pos] == keys
    out[hit] = locations[pos[hit]]
    return out


def _ratio(hits: F64, total: F64) -> F64:
    out = np.zeros(len(total), np.float64)
    np.divide(hits, total, out=out, where=total > 0)
    return out


def shares(items: I64, hashes: U64, located: I64, n_items: int) -> F64:
    """Per item, the share of its *distinct* n-grams that were found (``located >= 0``)."""
    if len(items) == 0:
        return np.zeros(n_items, np.float64)
    pairs, first = np.unique(
        np.stack([items.astype(np.uint64), hashes], axis=1), axis=0, return_index=True
    )
    owner = pairs[:, 0].astype(np.int64)
    total = np.bincount(owner, minlength=n_items).astype(np.float64)
    found = (located[first] >= 0).astype(np.float64)
    hits = np.bincount(owner, weights=found, minlength=n_items).astype(np.float64)
    return _ratio(hits, total)


def coverage(offsets: I64, starts: I64, n: int, located: I64) -> F64:
    """Per item, the share of its words inside a found n-gram.

    Only words inside some n-gram count (words of left-out, placeholder-heavy n-grams do not).
    ``offsets`` are the items' word offsets; ``starts`` the first word of each n-gram.
    """
    n_words = int(offsets[-1])
    n_items = len(offsets) - 1

    def covered(first: I64) -> npt.NDArray[np.bool_]:
        delta = np.bincount(first, minlength=n_words + n + 1) - np.bincount(
            first + n, minlength=n_words + n + 1
        )
        return np.cumsum(delta)[:n_words] > 0

    owner = np.repeat(np.arange(n_items), np.diff(offsets))
    inside = np.bincount(owner, weights=covered(starts), minlength=n_items)
    found = np.bincount(owner, weights=covered(starts[located >= 0]), minlength=n_items)
    return _ratio(found.astype(np.float64), inside.astype(np.float64))


def best_location(items: I64, located: I64, n_items: int) -> I64:
    """Per item, the training location holding most of its found n-grams (ties: the first)."""
    keep = located >= 0
    out = np.full(n_items, NONE, np.int64)
    if not keep.any():
        return out
    pairs, counts = np.unique(
        np.stack([items[keep], located[keep]], axis=1), axis=0, return_counts=True
    )
    order = np.lexsort((pairs[:, 1], -counts, pairs[:, 0]))
    ordered = pairs[order]
    first = np.ones(len(ordered), bool)
    first[1:] = ordered[1:, 0] != ordered[:-1, 0]
    out[ordered[first, 0]] = ordered[first, 1]
    return out


def first_locations(parts: list[tuple[U64, I64]]) -> tuple[U64, I64]:
    """Merge ``(hashes, packed locations)`` parts: each distinct hash with its first location."""
    if not parts:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    hashes = np.concatenate([p[0] for p in parts])
    locations = np.concatenate([p[1] for p in parts])
    order = np.argsort(locations, kind="stable")
    found, first = np.unique(hashes[order], return_index=True)
    return found, locations[order][first]
