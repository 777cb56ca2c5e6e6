"""Copies of one document, searched once: near pairs among groups, expanded to their members.

Rows whose text has the same set of (32-bit) shingle hashes and the same MinHash signature are
copies for the near-duplicate search: their LSH bands, estimates and exact Jaccard are the
same, so a copy pairs with another document exactly when its group's first copy does, and two
copies are always near (similarity 1.0). Near pairs are searched among the groups (one
document each, :class:`Copies`); a pair of groups found is expanded to every pair of their
members (:func:`expand`), and the copies of a group pair with each other (:func:`within`)
unless their exact keys are equal too (then they are an exact pair, never a near one). The
result is the pairs of a search over every row; the cost follows the documents and the pairs
reported. Without it, m copies of a boilerplate text are m (m − 1) / 2 LSH candidates in every
band, each verified; with it, none when their exact keys are equal (``--key`` the text), and
the pairs reported, once, when they differ.

A document is named by two 64-bit words (:func:`set_keys`): two documents that differ in
their hashes or signature are taken for copies with a chance of about n² / 2¹²⁹.

>>> from datacard.leakage.partscan import TextScan
>>> off = np.array([0, 2, 4, 6, 6])  # documents 0 and 1: the same set; 3: no shingles
>>> h = np.array([5, 9, 9, 5, 5, 7], np.uint32)
>>> sig = np.array([[1, 2], [1, 2], [3, 4], [0xFFFFFFFF] * 2], np.uint32)
>>> copies = Copies.in_scan(TextScan(off, h, sig))
>>> copies.first.tolist(), copies.group.tolist()
([0, 2, 3], [0, 0, 1, 2])
>>> i, j, sim = expand(np.array([0]), np.array([1]), np.array([0.5]), copies.group)
>>> i.tolist(), j.tolist(), sim.tolist()
([0, 1], [2, 2], [0.5, 0.5])
>>> [x.tolist() for x in within(copies, np.array([4, 7, 1, 1], np.uint64))]
[[0], [1]]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from datacard.grouped import groups_of, member_pairs
from datacard.hashing import mix64
from datacard.leakage.minhash import bucket_pairs

if TYPE_CHECKING:
    from datacard.leakage.partscan import TextScan

U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

_SALTS = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))

#: Two 64-bit words naming each document's shingle set (:func:`set_keys`).
SetKeys = tuple[U64, U64]
#: Shingle hashes :func:`set_keys` mixes at once (a memory bound: 32 MiB of 64-bit values).
PIECE = 1 << 22


def set_keys(offsets: I64, hashes: U32, signatures: npt.NDArray[np.unsignedinteger]) -> SetKeys:
    """Per document, two 64-bit words naming its set of (32-bit) shingle hashes and its MinHash
    signature: order-independent wrapping sums of a mix of the hashes and of its square, the
    first also of the signature, the second also of the set's size; ``(0, 0)`` for a document
    without shingles. Documents with the same words share both (the signature is made from
    64-bit hashes, so two sets that differ only in a 32-bit collision share it only when the
    search cannot tell them apart either). Hashed in pieces of about :data:`PIECE` hashes.

    >>> sig = np.array([[1, 2], [1, 2], [9, 9]], np.uint32)
    >>> k1, k2 = set_keys(np.array([0, 2, 4, 4]), np.array([3, 8, 8, 3], np.uint32), sig)
    >>> bool(k1[0] == k1[1]), bool(k2[0] == k2[1]), int(k1[2]), int(k2[2])
    (True, True, 0, 0)
    """
    n = len(offsets) - 1
    sizes = np.diff(offsets).astype(np.uint64)
    sums, squares = np.zeros(n, np.uint64), np.zeros(n, np.uint64)
    cuts = np.unique(np.searchsorted(offsets[:-1], np.arange(0, int(offsets[-1]), PIECE)))
    for lo, hi in zip(cuts.tolist(), [*cuts[1:].tolist(), n]):
        start = int(offsets[lo])
        mixed = mix64(hashes[start : int(offsets[hi])].astype(np.uint64) ^ _SALTS[0])
        at = np.minimum(offsets[lo:hi] - start, len(mixed))
        mixed = np.append(mixed, np.uint64(0))  # an empty last document sums nothing
        sums[lo:hi] = np.add.reduceat(mixed, at)
        mixed *= mixed
        squares[lo:hi] = np.add.reduceat(mixed, at)
    live = sizes > 0
    first = np.where(live, sums ^ mix64(_signature_hash(signatures) ^ _SALTS[1]), np.uint64(0))
    second = np.where(live, squares ^ mix64(sizes), np.uint64(0))
    return first.astype(np.uint64), second.astype(np.uint64)


def _signature_hash(signatures: npt.NDArray[np.unsignedinteger]) -> U64:
    """A 64-bit hash of each signature row."""
    rows = np.ascontiguousarray(signatures)
    if rows.dtype == np.uint32 and rows.shape[1] % 2 == 0:
        rows = rows.view(np.uint64)  # two values at a time
    out = np.zeros(len(rows), np.uint64)
    for column in range(rows.shape[1]):
        out = mix64(out ^ rows[:, column].astype(np.uint64))
    return out


def groups_by(*keys: npt.NDArray[np.generic]) -> tuple[I64, I64]:
    """``(first, group)`` of the rows with equal ``keys``: each group's first row, and each
    row's group (groups numbered in the order of their first rows).

    >>> [x.tolist() for x in groups_by(np.array([5, 3, 5, 3]), np.array([1, 1, 1, 2]))]
    [[0, 1, 3], [0, 1, 0, 2]]
    """
    n = len(keys[0])
    order = np.lexsort((np.arange(n), *keys))
    new = np.zeros(n, bool)
    if n:
        new[0] = True
    for k in keys:
        ordered = k[order]
        new[1:] |= ordered[1:] != ordered[:-1]
    run = np.cumsum(new) - 1
    head = np.empty(n, np.int64)
    head[order] = order[new][run]  # rows ascend within a run: its first row
    first, group = np.unique(head, return_inverse=True)
    return first.astype(np.int64), group.astype(np.int64)


@dataclass(frozen=True)
class Copies:
    """The copies among some documents: their :func:`set_keys`, each group's first document and
    each document's group (:func:`groups_by` the keys). Documents without shingles are one
    group (they pair with nothing)."""

    sets: SetKeys
    first: I64
    group: I64

    @classmethod
    def of(cls, sets: SetKeys) -> Copies:
        """The groups of documents with these set keys."""
        return cls(sets, *groups_by(*sets))

    @classmethod
    def in_scan(cls, scan: TextScan) -> Copies:
        """The groups of a text scan's documents."""
        return cls.of(set_keys(scan.offsets, scan.hashes, scan.signatures))


def expand(u: I64, v: I64, sim: F64, group: I64) -> tuple[I64, I64, F64]:
    """Every member pair ``(i, j)``, ``i < j``, of the group pairs ``(u[k], v[k])`` (distinct
    groups), each with its group pair's similarity."""
    grouping = groups_of(group)
    empty = np.zeros(0, np.int64)
    out: list[tuple[I64, I64, F64]] = [(empty, empty, np.zeros(0))]
    for k, a, b in member_pairs(u, v, grouping, grouping):
        out.append((np.minimum(a, b), np.maximum(a, b), sim[k]))
    i, j, s = (np.concatenate(parts) for parts in zip(*out))
    return i, j, s


def within(copies: Copies, key: U64) -> tuple[I64, I64]:
    """The pairs ``(i, j)``, ``i < j``, of documents of one group of ``copies`` (not the empty
    set) with a different ``key``: near pairs of similarity 1.0 that are not exact pairs. Made
    from the pairs of (set, key) groups inside each group, so copies with one key cost nothing."""
    first, by_key = groups_by(*copies.sets, key)
    live = (copies.sets[0][first] != 0) | (copies.sets[1][first] != 0)
    ids = np.flatnonzero(live).astype(np.int64)
    n = len(first)
    sets = copies.group[first][ids].astype(np.uint64)  # the group of each (set, key) group
    code = bucket_pairs(np.zeros(len(ids), np.int64), sets, ids, n)
    i, j, _ = expand(code // max(n, 1), code % max(n, 1), np.ones(len(code)), by_key)
    return i, j
