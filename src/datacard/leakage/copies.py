"""Copies of one document, searched once: near pairs among groups, expanded to their members.

Rows whose text has the same set of shingles are copies for the near-duplicate search: their
signatures, LSH bands, estimates and exact Jaccard are the same, so a copy pairs with another
document exactly when its group's first copy does, and two copies are always near (similarity
1.0). Near pairs are searched among the groups (one document each, :func:`copy_groups`); a pair
of groups found is expanded to every pair of their members (:func:`expand`), and the copies of
a group pair with each other (:func:`within`) unless their exact keys are equal too (then they
are an exact pair, never a near one). The result is the pairs of a search over every row; the
cost follows the documents and the pairs reported. Without it, m copies of a boilerplate text
are m (m − 1) / 2 LSH candidates in every band, each verified; with it, none when their exact
keys are equal (``--key`` the text), and the pairs reported, once, when they differ.

A set is named by two order-independent 64-bit hashes of its shingle hashes (wrapping sums of
two different mixes) and its size: two different sets are taken for the same with a chance of
about n² / 2¹²⁹.

>>> off = np.array([0, 2, 4, 6, 6])  # documents 0 and 1: the same set; 3: no shingles
>>> h = np.array([5, 9, 9, 5, 5, 7], np.uint32)
>>> first, group = copy_groups(off, h)
>>> first.tolist(), group.tolist()
([0, 2, 3], [0, 0, 1, 2])
>>> i, j, sim = expand(np.array([0]), np.array([1]), np.array([0.5]), group)
>>> i.tolist(), j.tolist(), sim.tolist()
([0, 1], [2, 2], [0.5, 0.5])
>>> [x.tolist() for x in within(off, h, np.array([4, 7, 1, 1], np.uint64))]
[[0], [1]]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from datacard.grouped import groups_of, member_pairs
from datacard.hashing import mix64
from datacard.leakage.minhash import bucket_pairs

U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

_SALTS = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))


def set_keys(offsets: I64, hashes: U32) -> tuple[U64, U64, I64]:
    """Per document, two order-independent hashes of its set of shingle hashes, and its size.

    >>> a = set_keys(np.array([0, 2, 4]), np.array([3, 8, 8, 3], np.uint32))
    >>> bool(a[0][0] == a[0][1]), bool(a[1][0] == a[1][1]), a[2].tolist()
    (True, True, [2, 2])
    """
    sizes = np.diff(offsets).astype(np.int64)
    keys = []
    for salt in _SALTS:
        mixed = np.concatenate([mix64(hashes.astype(np.uint64) ^ salt), np.zeros(1, np.uint64)])
        sums = np.add.reduceat(mixed, np.minimum(offsets[:-1], len(hashes)))
        keys.append(np.where(sizes > 0, sums, np.uint64(0)).astype(np.uint64))
    return keys[0], keys[1], sizes


def copy_groups(offsets: I64, hashes: U32, key: U64 | None = None) -> tuple[I64, I64]:
    """``(first, group)``: each group's first document, and each document's group (groups
    numbered in the order of their first documents). A group is the documents with the same
    shingle set (and the same ``key``, if given); documents without shingles are one group
    (they pair with nothing)."""
    k1, k2, size = set_keys(offsets, hashes)
    keys = (k1, k2, size) if key is None else (k1, k2, size, key)
    n = len(size)
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


def expand(u: I64, v: I64, sim: F64, group: I64) -> tuple[I64, I64, F64]:
    """Every member pair ``(i, j)``, ``i < j``, of the group pairs ``(u[k], v[k])`` (distinct
    groups), each with its group pair's similarity."""
    grouping = groups_of(group, int(group.max()) + 1 if len(group) else 0)
    empty = np.zeros(0, np.int64)
    out: list[tuple[I64, I64, F64]] = [(empty, empty, np.zeros(0))]
    for k, a, b in member_pairs(u, v, grouping, grouping):
        out.append((np.minimum(a, b), np.maximum(a, b), sim[k]))
    i, j, s = (np.concatenate(parts) for parts in zip(*out))
    return i, j, s


def within(offsets: I64, hashes: U32, key: U64) -> tuple[I64, I64]:
    """The pairs ``(i, j)``, ``i < j``, of documents with the same (non-empty) shingle set and
    different ``key``: near pairs of similarity 1.0 that are not exact pairs. Made from the
    pairs of (set, key) groups inside each set group, so copies with one key cost nothing."""
    _, by_set = copy_groups(offsets, hashes)
    first, by_key = copy_groups(offsets, hashes, key)
    live = np.diff(offsets)[first] > 0
    sets = by_set[first]  # the set group of each (set, key) group
    ids = np.flatnonzero(live).astype(np.int64)
    n = len(first)
    code = bucket_pairs(np.zeros(len(ids), np.int64), sets[ids].astype(np.uint64), ids, n)
    i, j, _ = expand(code // max(n, 1), code % max(n, 1), np.ones(len(code)), by_key)
    return i, j
