"""MinHash near-duplicates between benchmark items and training rows (via :mod:`minhash`).

The benchmark's items are the index: their signatures and LSH band keys (:func:`build_index`).
A worker signs its training rows in chunks, looks their band keys up in the index, and keeps the
candidate pairs whose estimated Jaccard similarity (word 3-shingles) reaches
:data:`NEAR_THRESHOLD` (:func:`near_hits`), best row per item.

>>> import pyarrow as pa
>>> items = pa.array(["the quick brown fox jumps over the lazy dog near the river bank"])
>>> index = build_index(items, np.array([True]))
>>> rows = pa.array(["unrelated text here", "the quick brown fox jumps over the lazy dog near "
...                  "the river bank today"])
>>> item, row, score = near_hits(rows, index, base=10)
>>> item.tolist(), row.tolist(), bool(score[0] >= NEAR_THRESHOLD)
([0], [11], True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from datacard.arrays import int64_array
from datacard.leakage.minhash import band_keys, jaccard_estimate, shingle_hashes, signatures

__all__ = ["NEAR_THRESHOLD", "NearIndex", "build_index", "near_hits"]

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

#: Estimated Jaccard similarity (of word 3-shingle sets) that makes a near-duplicate.
NEAR_THRESHOLD = 0.7
SHINGLE = 3
NUM_PERM = 128
BANDS, ROWS = 32, 4  # candidates from about J = 0.4; verified against NEAR_THRESHOLD
CHUNK = 8192  # training rows signed at once (bounded memory: CHUNK × NUM_PERM × 8 bytes)


@dataclass(frozen=True)
class NearIndex:
    """Benchmark item signatures and their band keys (sorted, with the item of each)."""

    items: I64  # benchmark item index of each signature row
    sigs: U64  # (len(items), NUM_PERM)
    keys: U64  # sorted band keys
    owner: I64  # row of ``sigs`` for each key


def _sign(texts: pa.Array) -> U64:
    offsets, hashes = shingle_hashes(texts, shingle=SHINGLE)
    return signatures(offsets, hashes, num_perm=NUM_PERM)


def build_index(texts: pa.Array, eligible: npt.NDArray[np.bool_]) -> NearIndex:
    """Sign the ``eligible`` items of ``texts`` (normalised benchmark texts)."""
    items = np.flatnonzero(eligible).astype(np.int64)
    if len(items) == 0:
        empty = np.zeros(0, np.uint64)
        return NearIndex(items, np.zeros((0, NUM_PERM), np.uint64), empty, items)
    sigs = _sign(texts.take(int64_array(items)))
    keys = band_keys(sigs, BANDS, ROWS).ravel()
    owner = np.repeat(np.arange(len(items), dtype=np.int64), BANDS)
    order = np.argsort(keys, kind="stable")
    return NearIndex(items=items, sigs=sigs, keys=keys[order], owner=owner[order])


def near_hits(texts: pa.Array, index: NearIndex, base: int) -> tuple[I64, I64, F64]:
    """``(item, row, score)``: per benchmark item, its most similar row of ``texts`` (rows
    numbered from ``base``), when the estimated Jaccard similarity reaches the threshold."""
    found: list[tuple[I64, I64, F64]] = []
    if len(index.items):
        for start in range(0, len(texts), CHUNK):
            found.append(_chunk(texts.slice(start, CHUNK), index, base + start))
    if not found:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)
    item = np.concatenate([f[0] for f in found])
    row = np.concatenate([f[1] for f in found])
    score = np.concatenate([f[2] for f in found])
    order = np.lexsort((row, -score, item))
    first = np.ones(len(order), bool)
    first[1:] = item[order][1:] != item[order][:-1]
    keep = order[first]
    return item[keep], row[keep], score[keep]


def _chunk(texts: pa.Array, index: NearIndex, base: int) -> tuple[I64, I64, F64]:
    sigs = _sign(texts)
    keys = band_keys(sigs, BANDS, ROWS).ravel()
    rows = np.repeat(np.arange(len(texts), dtype=np.int64), BANDS)
    lo = np.searchsorted(index.keys, keys, side="left")
    hi = np.searchsorted(index.keys, keys, side="right")
    counts = hi - lo
    if not counts.any():
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)
    left = np.repeat(rows, counts)
    step = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    right = index.owner[np.repeat(lo, counts) + step]
    pairs = np.unique(np.stack([left, right], axis=1), axis=0)
    score = jaccard_estimate(sigs[pairs[:, 0]], index.sigs[pairs[:, 1]])
    ok = score >= NEAR_THRESHOLD
    return index.items[pairs[ok, 1]], pairs[ok, 0] + base, score[ok]
