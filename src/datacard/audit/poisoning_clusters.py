"""Tight clusters of near-identical rows: connected components of verified near-duplicate pairs.

The leakage machinery gives every row's distinct word hashes and MinHash signature
(:mod:`datacard.leakage.partscan`, :mod:`datacard.leakage.minhash`). Rows that agree on a whole
band of the signature are candidates, each paired with its neighbour in the band's sort order
(linear however big a bucket; a cluster stays connected because its rows meet in several
bands). Pairs whose signatures agree enough are verified, and kept when their exact word-set
Jaccard similarity (:func:`datacard.leakage.pairs.exact_jaccard`) is at least
:data:`SIMILARITY`; the kept pairs are joined into components (union–find by pointer jumping,
in numpy). Rows with fewer than :data:`MIN_WORDS` distinct words take no part ("ok", "thanks!"
repeat naturally). Near-duplicate detection is probabilistic: a row may miss its cluster.

>>> offsets = np.arange(0, 6 * 13, 6)
>>> words = np.tile(np.arange(6, dtype=np.uint32), 12)  # 12 rows with the same 6 words
>>> words[-6:] += 100  # ...but the last is different
>>> from datacard.leakage.minhash import signatures
>>> sig = signatures(offsets, words.astype(np.uint64), num_perm=16).astype(np.uint32)
>>> [c.tolist() for c in near_clusters(offsets, words, sig, min_size=3)]
[[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from datacard.leakage.minhash import band_keys, jaccard_estimate
from datacard.leakage.pairs import exact_jaccard
from datacard.sketches import sorted_unique

I64 = npt.NDArray[np.int64]
U32 = npt.NDArray[np.uint32]

#: Word-set Jaccard similarity of an edge: two 12-word texts that each changed one word are at
#: 10/14 ≈ 0.71 (leakage's 0.8 would split such a cluster).
SIMILARITY = 0.7
MIN_WORDS = 5
MIN_SIZE = 10
#: Four bands of four values: a pair at Jaccard 0.8 is a candidate with probability 0.88, at
#: 0.7 0.67 — plenty to connect a cluster of ten or more rows, which has dozens of such pairs.
BANDS, BAND_ROWS = 4, 4
#: Candidate pairs whose signature estimate is this far below SIMILARITY are not verified (16
#: values: the estimate of a pair at 0.7 falls below 0.45 with probability < 1 %).
MARGIN = 0.25
CHUNK = 200_000


def near_clusters(offsets: I64, words: U32, signatures: U32, min_size: int = MIN_SIZE) -> list[I64]:
    """Components of at least ``min_size`` near-identical rows (each sorted; by first row)."""
    eligible = np.flatnonzero(np.diff(offsets) >= MIN_WORDS)
    if len(eligible) < min_size:
        return []
    both = neighbours(band_keys(signatures[eligible], BANDS, BAND_ROWS))
    i, j = eligible[both[:, 0]], eligible[both[:, 1]]
    keep = np.zeros(len(i), bool)
    for lo in range(0, len(i), CHUNK):
        a, b = i[lo : lo + CHUNK], j[lo : lo + CHUNK]
        likely = np.flatnonzero(
            jaccard_estimate(signatures[a], signatures[b]) >= SIMILARITY - MARGIN
        )
        similar = exact_jaccard(offsets, words, a[likely], b[likely]) >= SIMILARITY - 1e-9
        keep[lo + likely[similar]] = True
    return [c for c in components(i[keep], j[keep]) if len(c) >= min_size]


def neighbours(keys: npt.NDArray[np.uint64]) -> I64:
    """Candidate pairs: per band, rows sorted by that band's key (then by the next band's, so
    rows agreeing on both sit together) and paired with the next row of the same key.

    >>> keys = np.array([[5, 1], [7, 2], [5, 1], [5, 3]], np.uint64)
    >>> neighbours(keys).tolist()
    [[0, 2], [2, 3], [0, 2]]
    """
    out = []
    for band in range(keys.shape[1]):
        key = keys[:, band]
        order = np.lexsort((keys[:, (band + 1) % keys.shape[1]], key))
        ks = key[order]
        at = np.flatnonzero(ks[1:] == ks[:-1])
        out.append(np.stack([order[at], order[at + 1]], axis=1).astype(np.int64))
    return np.concatenate(out)


def components(a: I64, b: I64) -> list[I64]:
    """Connected components of the graph with edges ``a[k]``–``b[k]`` (nodes sorted within a
    component; components ordered by their first node).

    >>> [c.tolist() for c in components(np.array([5, 1, 7]), np.array([1, 9, 8]))]
    [[1, 5, 9], [7, 8]]
    """
    if not len(a):
        return []
    nodes = sorted_unique(np.concatenate([a, b]))
    u, v = np.searchsorted(nodes, a), np.searchsorted(nodes, b)
    parent = np.arange(len(nodes))
    while True:
        pu, pv = parent[u], parent[v]
        lo, hi = np.minimum(pu, pv), np.maximum(pu, pv)
        moving = lo != hi
        if not moving.any():
            break
        np.minimum.at(parent, hi[moving], lo[moving])
        while True:  # pointer jumping: every node points at its root
            nxt = parent[parent]
            if np.array_equal(nxt, parent):
                break
            parent = nxt
    order = np.argsort(parent, kind="stable")
    roots = parent[order]
    cuts = np.flatnonzero(roots[1:] != roots[:-1]) + 1
    return [nodes[group] for group in np.split(order, cuts)]
