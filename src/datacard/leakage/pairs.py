"""Pairs of rows that match: exact duplicates, label conflicts, verified near-duplicates.

Rows are numbered globally (0..n-1, in plan order); ``split`` gives each row's split as a small
integer and ``rank`` orders splits: of two splits, the one with the lower rank is side ``a``
(the bigger split, see :func:`datacard.leakage.leaks.split_order`). Every function returns
``(a_rows, b_rows)`` (plus similarities for near pairs); within a split, ``a`` is the earlier row.
Everything is sort-based: no Python loop per row or per group.

>>> h = np.array([7, 7, 9, 7], np.uint64)
>>> a, b = exact_pairs(h, np.array([0, 0, 0, 1]), np.array([0, 1]))
>>> sorted(zip(a.tolist(), b.tolist()))
[(0, 1), (0, 3)]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from datacard.leakage.minhash import jaccard_estimate, lsh_candidates

U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Ints = npt.NDArray[np.integer]

_EMPTY = (np.zeros(0, np.int64), np.zeros(0, np.int64))

#: How far below the threshold a candidate's signature estimate may be and still be verified.
MARGIN = 0.12
#: Pairs :func:`exact_jaccard` compares in one sort (their number takes 31 bits of its key).
_PAIRS_AT_ONCE = 1 << 30


def _runs(*keys: npt.NDArray[np.generic]) -> tuple[I64, I64, I64]:
    """Sort rows by ``keys`` (last key first, like lexsort) and return (order, run starts,
    run of each sorted position)."""
    order = np.lexsort((np.arange(len(keys[0])), *keys)).astype(np.int64)
    new = np.zeros(len(order), bool)
    if len(order):
        new[0] = True
    for k in keys:
        ks = k[order]
        new[1:] |= ks[1:] != ks[:-1]
    starts = np.flatnonzero(new)
    return order, starts, np.cumsum(new) - 1


def exact_pairs(hashes: U64, split: Ints, rank: Ints) -> tuple[I64, I64]:
    """Rows with equal hashes: a repeat in its split pairs with the split's first such row; a
    row of split ``b`` pairs with the first equal row of every lower-ranked split ``a``."""
    order, starts, run_of = _runs(split, hashes)  # by hash, then split, then row
    if not len(order):
        return _EMPTY
    rep = order[starts]
    later = np.ones(len(order), bool)
    later[starts] = False
    within_a, within_b = rep[run_of[later]], order[later]
    run_h = hashes[rep]
    run_s = split[rep]
    run_len = np.diff(np.append(starts, len(order)))
    parts_a, parts_b = [within_a], [within_b]
    for s in np.unique(run_s):
        for t in np.unique(run_s):
            if rank[s] >= rank[t]:
                continue
            ms, mt = np.flatnonzero(run_s == s), np.flatnonzero(run_s == t)
            _, ia, ib = np.intersect1d(
                run_h[ms], run_h[mt], assume_unique=True, return_indices=True
            )
            ra, rb = ms[ia], mt[ib]
            lens = run_len[rb]
            pos = np.repeat(starts[rb], lens) + _within(lens)
            parts_a.append(np.repeat(rep[ra], lens))
            parts_b.append(order[pos])
    return np.concatenate(parts_a), np.concatenate(parts_b)


def _within(lengths: I64) -> I64:
    """0, 1, ..., n-1 for every n in ``lengths``, concatenated."""
    total = int(lengths.sum())
    return np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)


def label_pairs(inputs: U64, labels: U64, split: Ints, rank: Ints) -> tuple[I64, I64]:
    """Rows with equal inputs and different labels.

    Within a split, rows whose label is not the first label of their input pair with the first
    row of that first label; across splits, a row of ``b`` pairs with the first row of ``a``
    with the same input and another label.

    >>> a, b = label_pairs(np.array([5, 5, 5], np.uint64), np.array([1, 2, 1], np.uint64),
    ...                    np.array([0, 0, 1]), np.array([0, 1]))
    >>> sorted(zip(a.tolist(), b.tolist()))
    [(0, 1), (1, 2)]
    """
    order, starts, run_of = _runs(labels, split, inputs)  # input, split, label, row
    if not len(order):
        return _EMPTY
    rep = order[starts]
    run_in, run_s, run_l = inputs[rep], split[rep], labels[rep]
    # groups: runs sharing (input, split)
    gnew = np.ones(len(starts), bool)
    gnew[1:] = (run_in[1:] != run_in[:-1]) | (run_s[1:] != run_s[:-1])
    group_first_run = np.flatnonzero(gnew)
    group_of_run = np.cumsum(gnew) - 1
    runs_in_group = np.diff(np.append(group_first_run, len(starts)))
    first_run = group_first_run[group_of_run]
    # within a split: rows of non-first label runs
    row_run = run_of
    not_first = row_run != first_run[row_run]
    parts_a = [rep[first_run[row_run[not_first]]]]
    parts_b = [order[not_first]]
    g_in, g_s = run_in[group_first_run], run_s[group_first_run]
    g_first_label = run_l[group_first_run]
    g_first_rep = rep[group_first_run]
    has_second = runs_in_group > 1
    second = np.where(has_second, group_first_run + 1, group_first_run)
    g_second_label = run_l[second]
    g_second_rep = rep[second]
    for s in np.unique(g_s):
        for t in np.unique(g_s):
            if rank[s] >= rank[t]:
                continue
            gs = np.flatnonzero(g_s == s)  # sorted by input
            rows_t = order[split[order] == t]
            pos = np.searchsorted(g_in[gs], inputs[rows_t])
            pos = np.minimum(pos, max(len(gs) - 1, 0))
            if not len(gs):
                continue
            hit = g_in[gs][pos] == inputs[rows_t]
            rows_t, grp = rows_t[hit], gs[pos[hit]]
            lab = labels[rows_t]
            use_first = g_first_label[grp] != lab
            use_second = ~use_first & has_second[grp]
            partner = np.where(use_first, g_first_rep[grp], g_second_rep[grp])
            keep = use_first | (use_second & (g_second_label[grp] != lab))
            parts_a.append(partner[keep])
            parts_b.append(rows_t[keep])
    return np.concatenate(parts_a), np.concatenate(parts_b)


def near_pairs(
    offsets: I64,
    hashes: U32,
    sig: U32,
    threshold: float,
    bands: int,
    rows: int,
    margin: float = MARGIN,
    chunk: int = 200_000,
) -> tuple[I64, I64, F64]:
    """Document pairs with shingle-set Jaccard ≥ ``threshold``: LSH candidates, filtered by the
    signature estimate (≥ threshold − margin), then verified exactly on the shingle sets."""
    cand = lsh_candidates(sig, bands, rows)
    return verify_candidates(offsets, hashes, sig, cand, threshold, margin, chunk)


def verify_candidates(
    offsets: I64,
    hashes: U32,
    sig: U32,
    cand: I64,
    threshold: float,
    margin: float = MARGIN,
    chunk: int = 200_000,
) -> tuple[I64, I64, F64]:
    """The candidate pairs ``cand`` (shape ``(k, 2)``) whose signature estimate is at least
    ``threshold - margin`` and whose exact shingle-set Jaccard is at least ``threshold``, with
    that Jaccard; the order of ``cand`` is kept.

    >>> off = np.array([0, 2, 4]); h = np.array([1, 2, 1, 2], np.uint32)
    >>> sig = np.array([[3, 4], [3, 4]], np.uint32)
    >>> [x.tolist() for x in verify_candidates(off, h, sig, np.array([[0, 1]]), 0.8)]
    [[0], [1], [1.0]]
    """
    if not len(cand):
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    keep = np.zeros(len(cand), bool)
    for lo in range(0, len(cand), chunk):
        c = cand[lo : lo + chunk]
        keep[lo : lo + chunk] = jaccard_estimate(sig[c[:, 0]], sig[c[:, 1]]) >= threshold - margin
    cand = cand[keep]
    sims = np.zeros(len(cand))
    for lo in range(0, len(cand), chunk):
        c = cand[lo : lo + chunk]
        sims[lo : lo + chunk] = exact_jaccard(offsets, hashes, c[:, 0], c[:, 1])
    ok = sims >= threshold - 1e-9
    return cand[ok, 0], cand[ok, 1], sims[ok]


def best_per_pair(code: I64, sim: F64) -> tuple[I64, F64]:
    """Each pair code once (ascending), with its highest similarity.

    >>> [x.tolist() for x in best_per_pair(np.array([7, 3, 7]), np.array([0.8, 0.9, 0.85]))]
    [[3, 7], [0.9, 0.85]]
    """
    order = np.lexsort((-sim, code))
    code, sim = code[order], sim[order]
    first = np.ones(len(code), bool)
    first[1:] = code[1:] != code[:-1]
    return code[first], sim[first]


def orient(i: I64, j: I64, split: Ints, rank: Ints) -> tuple[I64, I64]:
    """``(a, b)``: each pair with the row of the lower-ranked split first (``i`` first within a
    split).

    >>> i, j, split, rank = np.array([0]), np.array([1]), np.array([1, 0]), np.array([0, 1])
    >>> [x.tolist() for x in orient(i, j, split, rank)]
    [[1], [0]]
    """
    return orient_by(i, j, split[i], split[j], rank)


def orient_by(i: I64, j: I64, split_i: Ints, split_j: Ints, rank: Ints) -> tuple[I64, I64]:
    """:func:`orient`, given the splits of ``i`` and ``j`` rather than of every row."""
    swap = rank[split_j] < rank[split_i]
    return np.where(swap, j, i), np.where(swap, i, j)


def exact_jaccard(offsets: I64, hashes: U32, i: I64, j: I64) -> F64:
    """Jaccard similarity of the hash sets of documents ``i[k]`` and ``j[k]`` (a hash repeated
    in a document counts once).

    >>> off = np.array([0, 3, 6]); h = np.array([1, 2, 3, 2, 3, 4], np.uint32)
    >>> exact_jaccard(off, h, np.array([0]), np.array([1])).tolist()
    [0.5]
    >>> exact_jaccard(np.array([0, 2, 4]), np.array([7, 7, 7, 7], np.uint32),
    ...               np.array([0]), np.array([1])).tolist()
    [1.0]
    """
    if len(i) > _PAIRS_AT_ONCE:  # the pair number must fit 31 bits of the sort key
        parts = range(0, len(i), _PAIRS_AT_ONCE)
        return np.concatenate(
            [
                exact_jaccard(offsets, hashes, i[k : k + _PAIRS_AT_ONCE], j[k : k + _PAIRS_AT_ONCE])
                for k in parts
            ]
        )
    la = offsets[i + 1] - offsets[i]
    lb = offsets[j + 1] - offsets[j]
    pid = np.arange(len(i), dtype=np.uint64)
    idx_a = np.repeat(offsets[i], la) + _within(la)
    idx_b = np.repeat(offsets[j], lb) + _within(lb)
    # key: pair (31 bits), hash (32 bits), side (1 bit); sorted once. A hash repeated in one
    # document (two 64-bit word hashes can share their low 32 bits) counts once.
    one, shift = np.uint64(1), np.uint64(33)
    key = np.concatenate(
        [
            (np.repeat(pid, la) << shift) | (hashes[idx_a].astype(np.uint64) << one),
            (np.repeat(pid, lb) << shift) | (hashes[idx_b].astype(np.uint64) << one) | one,
        ]
    )
    key.sort()
    repeated = key[1:] == key[:-1]  # a hash again in the same document
    same = ((key[1:] >> one) == (key[:-1] >> one)) & ~repeated  # ... in the other document
    inter = np.bincount((key[1:][same] >> shift).astype(np.int64), minlength=len(i))
    if repeated.any():
        again = key[1:][repeated]
        in_b = (again & one).astype(bool)
        la = la - np.bincount((again[~in_b] >> shift).astype(np.int64), minlength=len(i))
        lb = lb - np.bincount((again[in_b] >> shift).astype(np.int64), minlength=len(i))
    union = la + lb - inter
    return np.where(union > 0, inter / np.maximum(union, 1), 0.0)


def choose_banding(threshold: float, num_perm: int, target: float = 0.97) -> tuple[int, int]:
    """``(bands, rows)``: the most rows per band (fewest false candidates) whose chance of making
    a pair at exactly ``threshold`` a candidate is still ≥ ``target``.

    >>> choose_banding(0.8, 128)
    (18, 7)
    """
    best = (num_perm, 1)
    for r in range(1, num_perm + 1):
        b = num_perm // r
        if b < 1:
            break
        if 1.0 - (1.0 - threshold**r) ** b >= target:
            best = (b, r)
    return best
