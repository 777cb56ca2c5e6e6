"""Leak pairs on a Dask cluster: hash-partitioned joins on the workers, nothing per row kept.

With ``engine="dask"``, :func:`datacard.leakage.leaks.run_leaks` finds the same pairs as the
local engine, in the same order, without any process holding every row hash or signature and
without keeping the partitions' scans (1.1 KB a document) until the end. The client holds
numbers per partition (rows, where they start) and the pairs found (the output):

1. **Scan and cut** (:func:`scan_cut`, one task per partition): the partition is scanned
   (row hashes, shingle sets, MinHash signatures) and its rows go to ``K`` buckets by
   ``hash % K`` — the row hash for exact duplicates, the input hash for label conflicts, each
   LSH band key (once per band and text column) of the partition's first copy of each shingle
   set for near-duplicate candidates, and each row's shingle set (two 64-bit words, with its row
   hash) for copies (:mod:`datacard.leakage.copies`). Rows are named by their partition and
   their 32-bit row within it, known before any count is. The task keeps only the buckets, the
   row hashes (8 bytes a row) and each row's group of copies in the partition (4 bytes a row
   and text column, :class:`Kept`); signatures and word hashes are dropped.
2. **Join** (:func:`join`, one task per bucket; the cuts of runs of neighbouring partitions are
   regrouped by bucket first, so that the joins take G × K pieces, not P × K): equal hashes
   always share a bucket, and :func:`~datacard.leakage.pairs.exact_pairs`,
   :func:`~datacard.leakage.pairs.label_pairs` and LSH banding look only at groups of equal
   hashes, so running them on each bucket and taking the union gives the global result. Exact
   and label pairs come back with the sort keys that put the union in the global order
   (:func:`in_order`). The pairs of copies whose row hashes differ (every copy of a set meets
   the others in one bucket) come back too, as near pairs of similarity 1.0 (the client sorts
   all near pairs). Near-duplicate candidates stay on the workers, routed to ``V`` verify
   buckets by a hash of the pair (:func:`route`), so that a pair found in several buckets
   meets itself.
3. **Plan the verification** (:func:`plan_verify`, one task per verify bucket): its candidates,
   deduplicated, and the rows they need, cut by group of partitions.
4. **Fetch** (:func:`collect`, one task per group; :func:`fetch`, one per partition with
   requested rows): the partition is read again, and only the requested rows are shingled and
   signed (:func:`datacard.leakage.partscan.take_rows`); their data, with their copies in the
   partition (rows and row hashes), goes to the verify buckets that asked for it
   (:func:`regroup_rows`, per group).
5. **Verify** (:func:`verify_bucket`, one task per verify bucket): the pairs of different sets
   whose signature estimate and exact shingle-set Jaccard pass
   (:func:`~datacard.leakage.pairs.verify_candidates`), expanded to every pair of their copies
   that are not exact duplicates, with their best similarity over the text columns.

Tasks: 3 per partition (scan, fetch, and small getters) plus about 3 × G × K, independent of
how many partition pairs share candidates. What travels: the cuts (twice: to their group, to
their bucket), candidate pairs, the candidate rows' data, and the pairs found.

Two partitions of splits 0 and 1, cut into 2 buckets and joined bucket by bucket, without Dask:

>>> none = np.zeros(0, np.uint64)
>>> scans = [PartScan(2, np.array([7, 9], np.uint64), none, none),
...          PartScan(1, np.array([7], np.uint64), none, none)]
>>> cuts = [cut(s, p, sid, CutSpec(2)) for p, s, sid in zip([0, 1], scans, [0, 1])]
>>> starts = np.array([0, 2, 3])
>>> joined = [join([c[k] for c in cuts], starts, np.array([0, 1]), CutSpec(2)) for k in range(2)]
>>> [x.tolist() for x in in_order([j.exact for j in joined])]
[[0], [2]]
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import numpy as np
import numpy.typing as npt

from datacard.grouped import Grouping, groups_of, member_pairs
from datacard.hashing import mix64
from datacard.leakage.copies import Copies, set_keys, within
from datacard.leakage.minhash import band_keys, bucket_pairs, live_rows
from datacard.leakage.pairs import (
    best_per_pair,
    exact_pairs,
    label_pairs,
    orient_by,
    verify_candidates,
)
from datacard.leakage.partscan import NUM_PERM, PartScan, TextScan, documents, join_texts

U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]
I16 = npt.NDArray[np.int16]
F64 = npt.NDArray[np.float64]
Found = dict[str, tuple[I64, I64, F64]]
Progress = Callable[[int, int], None]
Scan = Callable[[Any], tuple[PartScan, Any]]
Rescan = Callable[[Any, I64], dict[str, TextScan]]
#: Candidate pairs: text column, and pair code ``i * n + j`` (``i < j``).
Candidates = tuple[I16, I64]

__all__ = [
    "Bucket",
    "CutSpec",
    "Joined",
    "Kept",
    "Ordered",
    "RemoteScans",
    "RowData",
    "collect",
    "cut",
    "fetch",
    "in_order",
    "join",
    "plan_verify",
    "regroup",
    "regroup_rows",
    "route",
    "scan_cut",
    "verify_bucket",
]


def _i64() -> I64:
    return np.zeros(0, np.int64)


def _u32() -> U32:
    return np.zeros(0, np.uint32)


def _u64() -> U64:
    return np.zeros(0, np.uint64)


def _i16() -> I16:
    return np.zeros(0, np.int16)


@dataclass(frozen=True)
class CutSpec:
    """What the cut sends to the ``k`` buckets: label inputs (``label``), and the LSH band keys
    of the ``text`` columns (``bands`` bands of ``rows`` signature values each)."""

    k: int
    label: bool = False
    text: tuple[str, ...] = ()
    bands: int = 0
    rows: int = 0


@dataclass
class Bucket:
    """The rows of one partition that fall in one bucket (rows within the partition)."""

    part: int  # the partition, in plan order
    split: int  # every row of a partition is in one split
    rows: U32 = field(default_factory=_u32)  # exact duplicates: rows and their row hashes
    exact: U64 = field(default_factory=_u64)
    label_rows: U32 = field(default_factory=_u32)  # label conflicts: rows, inputs, labels
    inputs: U64 = field(default_factory=_u64)
    labels: U64 = field(default_factory=_u64)
    near_rows: U32 = field(default_factory=_u32)  # LSH: rows, slots (column × bands + band),
    slots: I16 = field(default_factory=_i16)  # and band keys (a partition's first copies only)
    keys: U64 = field(default_factory=_u64)
    copy_rows: U32 = field(default_factory=_u32)  # copies: rows, text column, shingle set
    copy_columns: I16 = field(default_factory=_i16)  # (two words) and row hash, of every row
    copy_sets: U64 = field(default_factory=_u64)  # that has shingles: (rows, 2)
    copy_exact: U64 = field(default_factory=_u64)


@dataclass
class Kept:
    """What the workers keep of a partition's scan until the end: its row hashes, and per
    text column each row's group of copies in the partition (:class:`Copies`)."""

    exact: U64
    groups: dict[str, npt.NDArray[np.int32]] = field(default_factory=dict)


@dataclass
class Ordered:
    """Pairs ``(a, b)`` of global rows and the sort keys (most significant first; ``b`` breaks
    ties) that put the union of every bucket's pairs in the order of the global function."""

    a: I64
    b: I64
    keys: list[npt.NDArray[Any]]


@dataclass
class Joined:
    """One bucket's join: exact pairs, label pairs, and LSH candidates per verify bucket."""

    exact: Ordered
    labels: Ordered | None = None
    routed: list[Candidates] = field(default_factory=list)
    same: I64 = field(default_factory=_i64)  # copies with different row hashes: i * n + j


@dataclass
class RowData:
    """Some rows (global numbers, ascending), their text sketches and their copies."""

    rows: I64
    text: dict[str, TextScan]
    #: per text column, each row's copies in its partition (itself included; none for a row
    #: not asked for in that column), as offsets into their global rows and row hashes
    members: dict[str, tuple[I64, I64, U64]] = field(default_factory=dict)


def scan_cut(
    scan: Scan, item: Any, part: int, split: int, spec: CutSpec
) -> tuple[tuple[int, Any], Kept, list[Bucket]]:
    """Scan one partition and cut it (a task): ``((rows, extra), kept, buckets)``."""
    scanned, extra = scan(item)
    copies = {name: Copies.in_scan(t) for name, t in scanned.text.items()}
    groups = {name: c.group.astype(np.int32) for name, c in copies.items()}
    buckets = cut(scanned, part, split, spec, copies)
    return (scanned.rows, extra), Kept(scanned.exact, groups), buckets


def cut(
    scan: PartScan,
    part: int,
    split: int,
    spec: CutSpec,
    copies: dict[str, Copies] | None = None,
) -> list[Bucket]:
    """The ``spec.k`` buckets of the scan of partition ``part`` (pure); ``copies``: each text
    column's :class:`~datacard.leakage.copies.Copies`, if already made."""
    k = spec.k
    out = [Bucket(part, split) for _ in range(k)]
    key = np.arange(scan.rows, dtype=np.uint32)
    for bucket, (r, h) in zip(out, _spread(scan.exact, k, key, scan.exact)):
        bucket.rows, bucket.exact = r, h
    if spec.label:
        pieces = _spread(scan.inputs, k, key, scan.inputs, scan.labels)
        for bucket, (r, i, lab) in zip(out, pieces):
            bucket.label_rows, bucket.inputs, bucket.labels = r, i, lab
    if spec.text:
        bands = spec.bands
        row_parts: list[U32] = []
        slot_parts: list[I16] = []
        key_parts: list[U64] = []
        entries: list[tuple[U32, I16, U64, U64]] = []
        for c, name in enumerate(spec.text):
            t = scan.text[name]
            live = live_rows(t.signatures)  # as lsh_candidates: rows without words pair with none
            mine = copies[name] if copies else Copies.in_scan(t)
            sets = mine.sets
            first = np.intersect1d(mine.first, live)  # a copy pairs as its first does
            keys = band_keys(t.signatures[first], bands, spec.rows)  # (first, bands)
            row_parts.append(np.repeat(key[first], bands))
            band = np.arange(bands, dtype=np.int16) + np.int16(c * bands)
            slot_parts.append(np.tile(band, len(first)))
            key_parts.append(keys.reshape(-1))
            pair = np.stack([sets[0][live], sets[1][live]], axis=1)
            entries.append((key[live], np.full(len(live), c, np.int16), pair, scan.exact[live]))
        band_key = np.concatenate(key_parts)
        rows, slots = _concat(row_parts, np.uint32), np.concatenate(slot_parts)
        for bucket, (r, s, b) in zip(out, _spread(band_key, k, rows, slots, band_key)):
            bucket.near_rows, bucket.slots, bucket.keys = r, s, b
        rows = _concat([r for r, _, _, _ in entries], np.uint32)
        columns = _concat([c for _, c, _, _ in entries], np.int16)
        sets2 = np.concatenate([np.zeros((0, 2), np.uint64), *(x for _, _, x, _ in entries)])
        exact = _concat([e for _, _, _, e in entries], np.uint64)
        where = sets2[:, 0] ^ mix64(columns.astype(np.uint64))  # a set meets its copies
        pieces = _spread(where, k, rows, columns, sets2, exact)
        for bucket, (r, col, pair, e) in zip(out, pieces):
            bucket.copy_rows, bucket.copy_columns = r, col
            bucket.copy_sets, bucket.copy_exact = pair, e
    return out


def _spread(hashes: U64, k: int, *columns: npt.NDArray[Any]) -> list[tuple[npt.NDArray[Any], ...]]:
    """``columns`` cut into ``k`` pieces by ``hashes % k``, each piece in the original order."""
    bucket = (hashes % np.uint64(k)).astype(np.int64)
    order = np.argsort(bucket, kind="stable")
    bounds = np.searchsorted(bucket[order], np.arange(k + 1))
    return [tuple(c[order[bounds[i] : bounds[i + 1]]] for c in columns) for i in range(k)]


def global_rows(pieces: Sequence[Bucket], rows: Sequence[U32], starts: I64) -> I64:
    """Global row numbers of the rows ``rows[i]`` of the partition of ``pieces[i]``, given each
    partition's first global row.

    >>> pieces = [Bucket(0, 0), Bucket(1, 0)]
    >>> global_rows(pieces, [np.array([1], np.uint32), np.array([2], np.uint32)],
    ...             np.array([0, 5, 9])).tolist()
    [1, 7]
    """
    return _concat([starts[p.part] + r.astype(np.int64) for p, r in zip(pieces, rows)], np.int64)


def regroup(cuts: Sequence[list[Bucket]], k: int) -> list[list[Bucket]]:
    """The cuts of a group of neighbouring partitions, by bucket: ``[bucket][partition]``.

    >>> regroup([["a0", "a1"], ["b0", "b1"]], 2)
    [['a0', 'b0'], ['a1', 'b1']]
    """
    return [[c[bucket] for c in cuts] for bucket in range(k)]


def join(
    pieces: Sequence[Bucket], starts: I64, rank: I64, spec: CutSpec, verify: int = 1
) -> Joined:
    """Exact pairs, label pairs (``spec.label``) and LSH candidates (routed to ``verify``
    buckets, :func:`route`) of one bucket, given its piece of every partition in plan order
    (pure); ``starts``: each partition's first global row, then the number of rows."""
    splits = len(rank)
    n = int(starts[-1])
    split, rows, hashes = _by_row(
        _concat([np.full(len(p.rows), p.split, np.int64) for p in pieces], np.int64),
        global_rows(pieces, [p.rows for p in pieces], starts),
        _concat([p.exact for p in pieces], np.uint64),
    )
    a, b = exact_pairs(hashes, split, rank)  # rows ascend: position order is row order
    exact = Ordered(rows[a], rows[b], [_group(split[a], split[b], splits), hashes[b], split[b]])
    joined = Joined(exact)
    if spec.label:
        split, rows, inputs, labels = _by_row(
            _concat([np.full(len(p.label_rows), p.split, np.int64) for p in pieces], np.int64),
            global_rows(pieces, [p.label_rows for p in pieces], starts),
            _concat([p.inputs for p in pieces], np.uint64),
            _concat([p.labels for p in pieces], np.uint64),
        )
        a, b = label_pairs(inputs, labels, split, rank)
        keys = [_group(split[a], split[b], splits), inputs[b], split[b], labels[b]]
        joined.labels = Ordered(rows[a], rows[b], keys)
    if spec.text:
        rows = global_rows(pieces, [p.near_rows for p in pieces], starts)
        slots = _concat([p.slots for p in pieces], np.int16)
        keys64 = _concat([p.keys for p in pieces], np.uint64)
        column = slots // np.int16(max(spec.bands, 1))
        codes = [
            bucket_pairs(slots[column == c], keys64[column == c], rows[column == c], n)
            for c in range(len(spec.text))
        ]
        joined.routed = route(codes, verify)
        joined.same = _same(pieces, starts, len(spec.text))
    return joined


def _same(pieces: Sequence[Bucket], starts: I64, columns: int) -> I64:
    """``i * n + j`` (ascending, distinct) of the rows of a bucket with the same shingle set in
    some text column and different row hashes: near pairs of similarity 1.0, wherever the
    copies lie (:func:`datacard.leakage.copies.within`)."""
    n = int(starts[-1])
    rows = global_rows(pieces, [p.copy_rows for p in pieces], starts)
    column = _concat([p.copy_columns for p in pieces], np.int16)
    sets = np.concatenate([np.zeros((0, 2), np.uint64), *(p.copy_sets for p in pieces)])
    exact = _concat([p.copy_exact for p in pieces], np.uint64)
    codes = []
    for c in range(columns):
        mine = np.flatnonzero(column == c)
        order = mine[np.argsort(rows[mine], kind="stable")]  # rows ascend: pairs i < j
        i, j = within(Copies.of((sets[order, 0], sets[order, 1])), exact[order])
        codes.append(rows[order][i] * n + rows[order][j])
    return np.unique(_concat(codes, np.int64))


def _by_row(split: I64, rows: I64, *columns: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], ...]:
    """``split``, ``rows`` and ``columns`` in global row order (the pieces of a bucket come
    grouped by the worker that cut them, not in plan order)."""
    order = np.argsort(rows, kind="stable")
    return split[order], rows[order], *(c[order] for c in columns)


def join_groups(
    groups: Sequence[Sequence[Bucket]], starts: I64, rank: I64, spec: CutSpec, verify: int = 1
) -> Joined:
    """:func:`join` of one bucket's pieces, given per group of partitions (in any order)."""
    pieces = [piece for group in groups for piece in group]
    return join(pieces, starts, rank, spec, verify)


def route(codes: Sequence[I64], verify: int) -> list[Candidates]:
    """Candidate pair codes per text column, sent to ``verify`` buckets by a hash of the pair
    (every column of a pair goes to the same bucket).

    >>> [c.tolist() for _, c in route([np.array([5, 9]), np.array([5])], 1)]
    [[5, 9, 5]]
    """
    code = _concat(codes, np.int64)
    column = np.repeat(np.arange(len(codes), dtype=np.int16), [len(c) for c in codes])
    mixed = (code.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(33)
    return [(c, x) for c, x in _spread(mixed, verify, column, code)]


def _concat(arrays: Sequence[npt.NDArray[Any]], dtype: type[np.generic]) -> npt.NDArray[Any]:
    return np.concatenate([np.zeros(0, dtype), *arrays]).astype(dtype, copy=False)


def _group(split_a: I64, split_b: I64, splits: int) -> I64:
    """0 for a pair within a split, else 1 + the index of the split pair: :func:`exact_pairs`
    and :func:`label_pairs` emit pairs within splits first, then split pair by split pair."""
    group: I64 = np.where(split_a == split_b, 0, 1 + split_a * splits + split_b)
    return group


def in_order(parts: Sequence[Ordered]) -> tuple[I64, I64]:
    """The union of every bucket's pairs, in the order of the global function."""
    a = _concat([p.a for p in parts], np.int64)
    b = _concat([p.b for p in parts], np.int64)
    if not parts:
        return a, b
    keys = [np.concatenate([p.keys[x] for p in parts]) for x in range(len(parts[0].keys))]
    order = np.lexsort((b, *reversed(keys)))
    return a[order], b[order]


def plan_verify(
    pieces: Sequence[Candidates], n: int, group_starts: I64, columns: int = 1
) -> tuple[tuple[I16, I64, I64], list[I64]]:
    """One verify bucket's candidates, from its piece of every join: ``(column, i, j)`` once
    each, and the rows they need per group of partitions (``group_starts``: each group's first
    global row, then ``n``), sorted, as ``row * columns + column`` (pure).

    >>> (c, i, j), need = plan_verify([(np.array([1, 1], np.int16), np.array([7, 7]))], 5,
    ...                               np.array([0, 2, 5]), 2)
    >>> i.tolist(), j.tolist(), [x.tolist() for x in need]
    ([1], [2], [[3], [5]])
    """
    column = _concat([c for c, _ in pieces], np.int16)
    code = _concat([x for _, x in pieces], np.int64)
    order = np.lexsort((column, code))
    column, code = column[order], code[order]
    first = np.ones(len(code), bool)
    first[1:] = (code[1:] != code[:-1]) | (column[1:] != column[:-1])
    column, code = column[first], code[first]
    i, j = code // max(n, 1), code % max(n, 1)
    needed = np.unique(np.concatenate([i, j]) * columns + np.concatenate([column, column]))
    bounds = np.searchsorted(needed, group_starts * columns)
    return (column, i, j), [needed[lo:hi] for lo, hi in itertools.pairwise(bounds)]


def collect(requests: Sequence[I64]) -> tuple[I64, I64]:
    """The rows of one group that the verify buckets need: ``(rows, bucket)`` sorted by row,
    given each bucket's request (in bucket order; pure).

    >>> [x.tolist() for x in collect([np.array([3, 4]), np.array([3])])]
    [[3, 3, 4], [0, 1, 0]]
    """
    rows = _concat(requests, np.int64)
    bucket = np.repeat(np.arange(len(requests), dtype=np.int64), [len(r) for r in requests])
    order = np.argsort(rows, kind="stable")
    return rows[order], bucket[order]


def fetch(
    rescan: Rescan,
    item: Any,
    kept: Kept,
    wanted: tuple[I64, I64],
    start: int,
) -> dict[int, RowData]:
    """The requested rows of one partition (its first global row is ``start``) per verify
    bucket, each with its copies in the partition in the text columns it was asked for
    (``wanted``: ``row * columns + column`` and the bucket asking): the partition is read
    again and only these rows are shingled and signed (a task beside what the workers
    ``kept`` of its scan)."""
    codes, bucket = wanted
    names = list(kept.groups)
    columns = max(1, len(names))
    lo, hi = np.searchsorted(codes, [start * columns, (start + len(kept.exact)) * columns])
    if lo == hi:
        return {}
    codes, bucket = codes[lo:hi], bucket[lo:hi]
    rows, column = codes // columns - start, codes % columns  # rows within the partition
    local = np.unique(rows)
    texts = rescan(item, local)
    groupings = {name: groups_of(groups) for name, groups in kept.groups.items()}
    out: dict[int, RowData] = {}
    for b in np.unique(bucket).tolist():
        asked = bucket == b
        mine = np.unique(rows[asked])
        text = {name: documents(t, np.searchsorted(local, mine)) for name, t in texts.items()}
        members = {
            name: _copies(kept, name, groupings[name], mine, rows[asked & (column == c)])
            for c, name in enumerate(names)
        }
        copies = {k: (o, r + start, e) for k, (o, r, e) in members.items()}
        out[b] = RowData(mine + start, text, copies)
    return out


def _copies(
    kept: Kept, name: str, grouping: Grouping, rows: I64, asked: I64
) -> tuple[I64, I64, U64]:
    """``(offsets, rows, row hashes)`` of the copies in the partition (by column ``name``,
    whose groups are ``grouping``) of each of ``rows`` that is among the rows ``asked`` for in
    that column (both local); none for the others."""
    order, first, count = grouping
    group = kept.groups[name][rows]
    sizes = np.where(np.isin(rows, asked), count[group], 0)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    nth = np.arange(int(offsets[-1]), dtype=np.int64) - np.repeat(offsets[:-1], sizes)
    local = order[np.repeat(first[group], sizes) + nth]
    return offsets, local, kept.exact[local]


def regroup_rows(fetched: Sequence[dict[int, RowData]], verify: int) -> list[RowData | None]:
    """The fetched rows of a group of partitions (in plan order), per verify bucket."""
    out: list[RowData | None] = []
    for b in range(verify):
        pieces = [f[b] for f in fetched if b in f]
        out.append(_join_rows(pieces) if pieces else None)
    return out


def _join_rows(pieces: Sequence[RowData]) -> RowData:
    names = list(pieces[0].text)
    members: dict[str, tuple[I64, I64, U64]] = {}
    for name in pieces[0].members:
        parts = [p.members[name] for p in pieces]
        sizes = np.concatenate([np.diff(o) for o, _, _ in parts])
        members[name] = (
            np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
            _concat([r for _, r, _ in parts], np.int64),
            _concat([e for _, _, e in parts], np.uint64),
        )
    return RowData(
        _concat([p.rows for p in pieces], np.int64),
        {name: join_texts([p.text[name] for p in pieces], NUM_PERM) for name in names},
        members,
    )


def verify_bucket(
    candidates: tuple[I16, I64, I64],
    pieces: Sequence[RowData | None],
    text: tuple[str, ...],
    threshold: float,
    n: int,
) -> tuple[I64, F64]:
    """``(i * n + j, similarity)``, ascending, of one verify bucket's candidate pairs that are
    near duplicates (best over the text columns) and not exact duplicates, given their rows'
    data per group of partitions in plan order (pure; a task)."""
    column, i, j = candidates
    present = [p for p in pieces if p is not None]
    if not present or not len(i):
        return _i64(), np.zeros(0)
    data = _join_rows(present)
    pi, pj = np.searchsorted(data.rows, i), np.searchsorted(data.rows, j)
    codes: list[I64] = []
    sims: list[F64] = []
    for c, name in enumerate(text):
        t = data.text[name]
        k1, k2 = set_keys(t.offsets, t.hashes, t.signatures)
        # copies of one set are paired by the joins (Joined.same), not verified here
        mine = (column == c) & ((k1[pi] != k1[pj]) | (k2[pi] != k2[pj]))
        if not mine.any():
            continue
        cand = np.stack([pi[mine], pj[mine]], axis=1)
        x, y, sim = verify_candidates(t.offsets, t.hashes, t.signatures, cand, threshold)
        offsets, rows, exact = data.members[name]
        copies = (np.arange(len(rows), dtype=np.int64), offsets[:-1], np.diff(offsets))
        for k, a, b in member_pairs(x, y, copies, copies):
            keep = exact[a] != exact[b]
            lo = np.minimum(rows[a], rows[b])[keep]
            hi = np.maximum(rows[a], rows[b])[keep]
            codes.append(lo * n + hi)
            sims.append(sim[k][keep])
    return best_per_pair(_concat(codes, np.int64), _concat(sims, np.float64))


def _beside(client: Any, futures: Sequence[Any], size: int) -> list[tuple[str, list[int]]]:
    """The futures' indices in runs of at most ``size`` held by one worker, with that worker:
    a regroup there moves the cuts once (to their join), not twice."""
    from distributed import as_completed

    for _ in as_completed(futures, loop=client.loop):
        pass  # who holds a piece is known only once it is computed
    holders: dict[str, tuple[str, ...]] = client.who_has(list(futures))
    mine: dict[str, list[int]] = {}
    for index, future in enumerate(futures):
        held = holders.get(future.key) or ("",)
        mine.setdefault(sorted(held)[0], []).append(index)
    return [
        (worker, held[lo : lo + size])
        for worker, held in sorted(mine.items())
        for lo in range(0, len(held), size)
    ]


def _parts(client: Any, futures: Sequence[Any], count: int) -> list[list[Any]]:
    """The first ``count`` items of each future's result, as futures: ``[item][future]``."""
    n = len(futures)
    return [client.map(operator.getitem, futures, [i] * n, pure=False) for i in range(count)]


def _found(joined: Joined) -> tuple[Ordered, Ordered | None, I64]:
    return joined.exact, joined.labels, joined.same


def _routed(joined: Joined, bucket: int) -> Candidates:
    return joined.routed[bucket]


class RemoteScans:
    """The partitions of a leak search scanned and cut on the workers of a
    ``distributed.Client``, and the joins over them (:meth:`pairs`).

    ``scan(item)`` returns ``(PartScan, extra)``; the client gets ``counts`` (rows per
    partition) and ``extras`` (image hashes, or None); the workers keep each partition's
    buckets, and its row hashes and groups of copies (:class:`Kept`). ``splits``: each item's
    split id. Use as a context manager: on exit what the workers hold is released.
    """

    def __init__(
        self,
        client: Any,
        scan: Scan,
        items: Sequence[Any],
        splits: Sequence[int],
        spec: CutSpec,
        progress: Progress | None = None,
        total: int | None = None,
    ) -> None:
        from distributed import as_completed

        self.client = client
        self.items = list(items)
        self.spec = spec
        scanned = [
            client.submit(scan_cut, scan, item, p, int(sid), spec, pure=False)
            for p, (item, sid) in enumerate(zip(self.items, splits))
        ]
        meta, self.kept, self.cuts = _parts(client, scanned, 3)
        total = len(scanned) if total is None else total
        for done, _ in enumerate(as_completed(scanned, loop=client.loop), 1):
            if progress is not None:
                progress(done, total)
        gathered: list[tuple[int, Any]] = client.gather(meta)
        del scanned, meta  # the workers keep the buckets and what each scan kept
        self.counts = [c for c, _ in gathered]
        self.extras = [e for _, e in gathered]

    def __enter__(self) -> RemoteScans:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.kept, self.cuts = [], []

    def pairs(
        self,
        rank: I64,
        split_of: Callable[[I64], I64],
        *,
        rescan: Rescan,
        threshold: float,
        groups: int,
        verify: int,
    ) -> Found:
        """Exact pairs, near pairs (the spec's text columns) and label conflicts (its label),
        exactly as the local engine finds them; ``rank`` is the rank of every split (the side
        ``a`` of a pair has the lower rank), ``split_of`` gives the split of global rows.
        Partitions are taken in about ``groups`` runs of neighbours; candidates are verified in
        ``verify`` buckets."""
        client, spec = self.client, self.spec
        starts = np.concatenate([[0], np.cumsum(self.counts)]).astype(np.int64)
        n = int(starts[-1])
        parts = len(self.cuts)
        size = -(-parts // max(1, min(parts, groups)))
        runs = [(lo, min(lo + size, parts)) for lo in range(0, parts, size)]
        at = client.scatter(starts, hash=False)
        regrouped = [
            client.submit(
                regroup,
                [self.cuts[p] for p in chunk],
                spec.k,
                pure=False,
                **({"workers": [worker], "allow_other_workers": True} if worker else {}),
            )
            for worker, chunk in _beside(client, self.cuts, size)
        ]
        self.cuts = []  # the buckets are released once the regroups have them
        v = max(1, verify) if spec.text else 1
        joins = []
        for bucket in range(spec.k):
            pieces = [client.submit(operator.getitem, g, bucket, pure=False) for g in regrouped]
            joins.append(client.submit(join_groups, pieces, at, rank, spec, v, pure=False))
        del regrouped
        near = None
        if spec.text:
            near = self._near(joins, starts, runs, rescan, threshold, v)
        gathered: list[tuple[Ordered, Ordered | None, I64]] = client.gather(
            [client.submit(_found, j, pure=False) for j in joins]
        )
        found: Found = {}
        a, b = in_order([e for e, _, _ in gathered])
        found["exact"] = (a, b, np.ones(len(a)))
        if near is not None:
            results: list[tuple[I64, F64]] = client.gather(near)
            same = _concat([s for _, _, s in gathered], np.int64)
            code = _concat([c for c, _ in results] + [same], np.int64)
            sim = _concat([s for _, s in results] + [np.ones(len(same))], np.float64)
            code, sim = best_per_pair(code, sim)  # a pair of copies in one column, near in another
            i, j = code // max(n, 1), code % max(n, 1)
            a, b = orient_by(i, j, split_of(i), split_of(j), rank)
            found["near"] = (a, b, sim)
        if spec.label:
            a, b = in_order([lab for _, lab, _ in gathered if lab is not None])
            found["label-conflict"] = (a, b, np.ones(len(a)))
        return found

    def _near(
        self,
        joins: Sequence[Any],
        starts: I64,
        runs: Sequence[tuple[int, int]],
        rescan: Rescan,
        threshold: float,
        verify: int,
    ) -> list[Any]:
        """Futures of each verify bucket's verified pairs (:func:`verify_bucket`)."""
        client, spec = self.client, self.spec
        n = int(starts[-1])
        group_starts = np.array([starts[lo] for lo, _ in runs] + [n], np.int64)
        plans = []
        for bucket in range(verify):
            pieces = [client.submit(_routed, j, bucket, pure=False) for j in joins]
            plans.append(
                client.submit(plan_verify, pieces, n, group_starts, len(spec.text), pure=False)
            )
        candidates, requests = _parts(client, plans, 2)
        del plans
        regrouped = []
        for g, (lo, hi) in enumerate(runs):
            asked = [client.submit(operator.getitem, r, g, pure=False) for r in requests]
            wanted = client.submit(collect, asked, pure=False)
            fetched = [
                client.submit(
                    fetch, rescan, self.items[p], self.kept[p], wanted, int(starts[p]), pure=False
                )
                for p in range(lo, hi)
            ]
            regrouped.append(client.submit(regroup_rows, fetched, verify, pure=False))
        self.kept = []  # released once the fetches have them
        return [
            client.submit(
                verify_bucket,
                candidates[bucket],
                [client.submit(operator.getitem, g, bucket, pure=False) for g in regrouped],
                spec.text,
                threshold,
                n,
                pure=False,
            )
            for bucket in range(verify)
        ]
