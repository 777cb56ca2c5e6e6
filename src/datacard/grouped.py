"""Groups of rows, and every pair of members of pairs of groups, expanded in bounded pieces.

A grouping is ``(order, start, count)``: group ``g`` is ``order[start[g]:start[g] + count[g]]``
(:func:`groups_of`). :func:`member_pairs` expands pairs of groups ``(u[k], v[k])`` into their
member pairs, about :data:`CHUNK` at a time, so a pair of big groups does not take its
product's memory at once. Used by the image duplicates (groups of equal pHash values) and by
the leak search (copies of one document, :mod:`datacard.leakage.copies`).

>>> groups = groups_of(np.array([1, 0, 1]), 2)
>>> [x.tolist() for x in groups]
[[1, 0, 2], [0, 1], [1, 2]]
>>> [(k.tolist(), a.tolist(), b.tolist())
...  for k, a, b in member_pairs(np.array([0]), np.array([1]), groups, groups)]
[([0, 0], [1, 1], [0, 2])]
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
Grouping = tuple[I64, I64, I64]

#: Member pairs expanded at once (:func:`member_pairs`; a memory bound).
CHUNK = 1 << 21


def groups_of(inverse: npt.NDArray[np.integer], size: int | None = None) -> Grouping:
    """``(order, start, count)``: the members of each of ``size`` groups (default: one more
    than the largest group number), by ``inverse`` (the group of each row); members in row
    order."""
    order = np.argsort(inverse, kind="stable").astype(np.int64)
    count = np.bincount(inverse, minlength=size or 0).astype(np.int64)
    return order, np.cumsum(count) - count, count


def member_pairs(
    u: I64, v: I64, group_a: Grouping, group_b: Grouping
) -> Iterator[tuple[I64, I64, I64]]:
    """``(pair, member of a, member of b)`` of every member pair of the group pairs
    ``(u[k], v[k])`` (``u`` in ``group_a``'s groups, ``v`` in ``group_b``'s)."""
    order_a, start_a, count_a = group_a
    order_b, start_b, count_b = group_b
    n_b = count_b[v]
    for k, at in _expand(count_a[u] * n_b):
        inner = n_b[k]
        yield k, order_a[start_a[u[k]] + at // inner], order_b[start_b[v[k]] + at % inner]


def _expand(count: I64) -> Iterator[tuple[I64, I64]]:
    """``(q, k)`` for every ``q`` and every ``k`` in ``0 .. count[q] - 1``, in pieces of about
    :data:`CHUNK`."""
    queries = np.flatnonzero(count)
    if not len(queries):
        return
    sizes = count[queries]
    ends = np.cumsum(sizes)
    cut = 0
    while cut < len(queries):
        stop = int(np.searchsorted(ends, ends[cut] - sizes[cut] + CHUNK, side="right"))
        stop = max(stop, cut + 1)
        q, n = queries[cut:stop], sizes[cut:stop]
        total = int(n.sum())
        offset = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(n) - n, n)
        yield np.repeat(q, n), offset
        cut = stop
