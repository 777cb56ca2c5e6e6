"""Row features (words, symbols, categorical values) and how they go with the label.

A feature is a 32-bit hash salted by its column and kind, so ``cf`` in ``title`` and ``cf`` in
``body`` are two features. A :class:`Source` holds, per column and kind (a text column's words or
symbols, a categorical column's values), the features of every row (CSR: offsets + hashes), and
:func:`label_counts` counts the rows of every (feature, label) pair by sorting — exact, memory
O(feature occurrences), like the leakage scan that produced them.

What the counts say about a row's content is :mod:`.poisoning_content`.

>>> y = np.array([0, 0, 1, 1])
>>> words = np.array([1, 2, 1, 2, 3, 4, 3, 4], np.uint32)
>>> src = Source("q", "word", np.array([0, 2, 4, 6, 8]), words)
>>> counts = label_counts([src], y, np.ones(4, bool), 2)
>>> counts.keys.tolist(), counts.counts.tolist()
([256, 512, 769, 1025], [2, 2, 2, 2])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from datacard.hashing import salt
from datacard.sketches import sorted_unique

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

_LABEL_BITS = np.uint64(8)  # labels are ids 0..255 in the low bits of a count key


@dataclass(frozen=True)
class Source:
    """The features of one column and kind (``word``, ``symbol``, ``value``) for every row."""

    column: str
    kind: str
    offsets: I64
    feats: U32

    def rows(self) -> I64:
        """The row of every feature occurrence."""
        return np.repeat(np.arange(len(self.offsets) - 1, dtype=np.int64), np.diff(self.offsets))

    def rows_with(self, feature: int) -> I64:
        """The rows holding ``feature`` (ascending)."""
        at = np.flatnonzero(self.feats == np.uint32(feature))
        return sorted_unique(np.searchsorted(self.offsets, at, side="right").astype(np.int64) - 1)


def salted(feats: U32, column: str, kind: str) -> U32:
    """``feats`` made distinct per column and kind (a bijection: XOR with a 32-bit salt)."""
    key = np.uint32(int(salt(f"{kind}:{column}")) & 0xFFFFFFFF)
    return feats ^ key


def csr(rows: I64, feats: U32, n: int) -> tuple[I64, U32]:
    """Offsets and features of ``n`` rows from (row, feature) pairs (any order; kept distinct)."""
    key = sorted_unique((rows.astype(np.uint64) << np.uint64(32)) | feats.astype(np.uint64))
    row = (key >> np.uint64(32)).astype(np.int64)
    offsets = np.searchsorted(row, np.arange(n + 1), side="left").astype(np.int64)
    return offsets, (key & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def of_rows(sources: Sequence[Source], rows: I64) -> tuple[I64, U32]:
    """The features of ``rows`` (in that order) over every source, as CSR."""
    pos: list[I64] = []
    feats: list[U32] = []
    for src in sources:
        lo, hi = src.offsets[rows], src.offsets[rows + 1]
        lengths = hi - lo
        idx = np.repeat(lo, lengths) + _within(lengths)
        pos.append(np.repeat(np.arange(len(rows), dtype=np.int64), lengths))
        feats.append(src.feats[idx])
    return csr(np.concatenate(pos), np.concatenate(feats), len(rows))


def _within(lengths: I64) -> I64:
    """0, 1, ..., n-1 for every n in ``lengths``, concatenated."""
    total = int(lengths.sum())
    return np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)


@dataclass(frozen=True)
class LabelCounts:
    """Rows per (feature, label): ``keys`` = feature << 8 | label (sorted), ``counts``."""

    keys: U64
    counts: I64
    labels: int

    @property
    def features(self) -> U64:
        return self.keys >> _LABEL_BITS

    def per_feature(self) -> tuple[U64, I64, I64, I64]:
        """Per distinct feature: the feature, its rows, its most common label and that label's
        rows (ties: the lower label)."""
        f = self.features
        if not len(f):
            z = np.zeros(0, np.int64)
            return np.zeros(0, np.uint64), z, z, z
        new = np.ones(len(f), bool)
        new[1:] = f[1:] != f[:-1]
        starts = np.flatnonzero(new)
        support = np.add.reduceat(self.counts, starts)
        group = np.cumsum(new) - 1
        order = np.lexsort((-(self.keys & np.uint64(0xFF)).astype(np.int64), self.counts, group))
        last = np.append(starts[1:], len(f)) - 1
        best = order[last]
        label = (self.keys[best] & np.uint64(0xFF)).astype(np.int64)
        return f[starts], support, label, self.counts[best]

    def lookup(self, feats: U32) -> F64:
        """``c(f, y)`` for every feature (rows) and label (columns)."""
        out = np.zeros((len(feats), self.labels))
        if not len(self.keys):
            return out
        for label in range(self.labels):
            want = (feats.astype(np.uint64) << _LABEL_BITS) | np.uint64(label)
            at = np.minimum(np.searchsorted(self.keys, want), len(self.keys) - 1)
            hit = self.keys[at] == want
            out[hit, label] = self.counts[at[hit]]
        return out


def merge_counts(parts: Sequence[LabelCounts], labels: int) -> LabelCounts:
    """Several count tables in one (equal keys add up)."""
    if not parts:
        return LabelCounts(np.zeros(0, np.uint64), np.zeros(0, np.int64), labels)
    k = np.concatenate([p.keys for p in parts])
    c = np.concatenate([p.counts for p in parts])
    order = np.argsort(k, kind="stable")
    k, c = k[order], c[order]
    new = np.ones(len(k), bool)
    new[1:] = k[1:] != k[:-1]
    starts = np.flatnonzero(new)
    return LabelCounts(k[starts], np.add.reduceat(c, starts) if len(c) else c, labels)


def label_counts(sources: Sequence[Source], y: I64, valid: Bools, labels: int) -> LabelCounts:
    """Rows per (feature, label) over ``sources``, counting only rows with a ``valid`` label."""
    parts = []
    for src in sources:
        rows = src.rows()
        keep = valid[rows]
        key = (src.feats[keep].astype(np.uint64) << _LABEL_BITS) | y[rows[keep]].astype(np.uint64)
        k, c = np.unique(key, return_counts=True)
        parts.append(LabelCounts(k, c.astype(np.int64), labels))
    return parts[0] if len(parts) == 1 else merge_counts(parts, labels)
