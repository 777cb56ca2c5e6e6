"""Leak pairs on a Dask cluster: hash-partitioned joins of the partition scans, on the workers.

With ``engine="dask"``, :func:`datacard.leakage.leaks.run_leaks` scans every partition in a task
whose :class:`~datacard.leakage.partscan.PartScan` stays in its worker's memory (a future); the
client receives each scan's row count (and, for image collections, each image's path,
sha256, 64-bit pHash and 192-byte colour histogram). The pairs are then found by joins on
hashes, so that no process ever holds every row hash or every signature:

1. **Cut** (:func:`cut`, one task per scan): its rows go to ``K`` buckets by ``hash % K`` — the
   row hash for exact duplicates, the input hash for label conflicts, and each LSH band key (a
   row once per band and text column) for near-duplicate candidates — with global row numbers.
2. **Join** (:func:`join`, one task per bucket, given bucket ``k`` of every scan): equal hashes
   always share a bucket, and :func:`~datacard.leakage.pairs.exact_pairs`,
   :func:`~datacard.leakage.pairs.label_pairs` and LSH banding look only at groups of equal
   hashes, so running them on each bucket and taking the union gives the global result. A join
   also returns the sort keys that put the union in the global function's order
   (:func:`in_order`).
3. **Verify** (:func:`verify`): the candidate pairs, deduplicated on the client, are grouped by
   the partitions ``p`` and ``q`` of their two rows; one task per group runs beside the scan
   of ``p`` and gets from ``q`` only the rows these pairs need (:func:`subset`, cut out beside
   the scan of ``q``). It keeps the pairs whose signature estimate and exact shingle-set
   Jaccard pass (:func:`~datacard.leakage.pairs.verify_candidates`) and that are not exact
   duplicates.

What travels: row counts, the buckets (hashes and row numbers), candidate pairs, the candidate
rows' shingle hashes and signatures, and the pairs found (the output anyway). The result
equals the local engine's, pair for pair and in order.

Two partitions of splits 0 and 1, cut into 2 buckets and joined bucket by bucket, without Dask:

>>> none = np.zeros(0, np.uint64)
>>> scans = [PartScan(2, np.array([7, 9], np.uint64), none, none),
...          PartScan(1, np.array([7], np.uint64), none, none)]
>>> cuts = [cut(s, start, sid, 2) for s, start, sid in zip(scans, [0, 2], [0, 1])]
>>> joined = [join([c[k] for c in cuts], np.array([0, 1]), 3) for k in range(2)]
>>> [x.tolist() for x in in_order([j.exact for j in joined])]
[[0], [2]]
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import numpy as np
import numpy.typing as npt

from datacard.leakage.minhash import band_keys, bucket_pairs, live_rows
from datacard.leakage.pairs import (
    best_per_pair,
    exact_pairs,
    label_pairs,
    orient,
    verify_candidates,
)
from datacard.leakage.partscan import PartScan, TextScan

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
I16 = npt.NDArray[np.int16]
U32 = npt.NDArray[np.uint32]
F64 = npt.NDArray[np.float64]
Found = dict[str, tuple[I64, I64, F64]]
Progress = Callable[[int, int], None]

__all__ = [
    "Bucket",
    "Joined",
    "Ordered",
    "RemoteScans",
    "cut",
    "in_order",
    "join",
    "subset",
    "verify",
]

#: Candidate pairs of one verify task above this many bytes are scattered, not put in the graph.
SCATTER_BYTES = 1 << 20


def _i64() -> I64:
    return np.zeros(0, np.int64)


def _u64() -> U64:
    return np.zeros(0, np.uint64)


@dataclass
class Bucket:
    """The rows of one scan that fall in one bucket, by global row number."""

    split: int  # every row of a partition is in one split
    rows: I64 = field(default_factory=_i64)  # exact duplicates: rows and their row hashes
    exact: U64 = field(default_factory=_u64)
    label_rows: I64 = field(default_factory=_i64)  # label conflicts: rows, inputs, labels
    inputs: U64 = field(default_factory=_u64)
    labels: U64 = field(default_factory=_u64)
    near_rows: I64 = field(default_factory=_i64)  # LSH: rows, slots (column × bands + band),
    slots: I16 = field(default_factory=lambda: np.zeros(0, np.int16))  # and band keys
    keys: U64 = field(default_factory=_u64)


@dataclass
class Ordered:
    """Pairs ``(a, b)`` of global rows and the sort keys (most significant first; ``b`` breaks
    ties) that put the union of every bucket's pairs in the order of the global function."""

    a: I64
    b: I64
    keys: list[npt.NDArray[Any]]


@dataclass
class Joined:
    """One bucket's join: exact pairs, label pairs, LSH candidates (``i * n + j``) per column."""

    exact: Ordered
    labels: Ordered | None = None
    candidates: list[I64] = field(default_factory=list)


def cut(
    scan: PartScan,
    start: int,
    split: int,
    k: int,
    *,
    label: bool = False,
    text: tuple[str, ...] = (),
    bands: int = 0,
    rows: int = 0,
) -> list[Bucket]:
    """The ``k`` buckets of a scan whose rows are numbered from ``start`` (pure; a task)."""
    out = [Bucket(split) for _ in range(k)]
    grow = start + np.arange(scan.rows, dtype=np.int64)
    for bucket, (r, h) in zip(out, _spread(scan.exact, k, grow, scan.exact)):
        bucket.rows, bucket.exact = r, h
    if label:
        pieces = _spread(scan.inputs, k, grow, scan.inputs, scan.labels)
        for bucket, (r, i, lab) in zip(out, pieces):
            bucket.label_rows, bucket.inputs, bucket.labels = r, i, lab
    if text:
        row_parts: list[I64] = []
        slot_parts: list[I16] = []
        key_parts: list[U64] = []
        for c, name in enumerate(text):
            sig = scan.text[name].signatures
            live = live_rows(sig)  # as lsh_candidates: documents without words pair with none
            keys = band_keys(sig[live], bands, rows)  # (live, bands): a row's bands side by side
            row_parts.append(np.repeat(grow[live], bands))
            band = np.arange(bands, dtype=np.int16) + np.int16(c * bands)
            slot_parts.append(np.tile(band, len(live)))
            key_parts.append(keys.reshape(-1))
        key = np.concatenate(key_parts)
        pieces = _spread(key, k, np.concatenate(row_parts), np.concatenate(slot_parts), key)
        for bucket, (r, s, key) in zip(out, pieces):
            bucket.near_rows, bucket.slots, bucket.keys = r, s, key
    return out


def _spread(hashes: U64, k: int, *columns: npt.NDArray[Any]) -> list[tuple[npt.NDArray[Any], ...]]:
    """``columns`` cut into ``k`` pieces by ``hashes % k``, each piece in the original order."""
    bucket = (hashes % np.uint64(k)).astype(np.int64)
    order = np.argsort(bucket, kind="stable")
    bounds = np.searchsorted(bucket[order], np.arange(k + 1))
    return [tuple(c[order[bounds[i] : bounds[i + 1]]] for c in columns) for i in range(k)]


def join(
    pieces: Sequence[Bucket],
    rank: I64,
    n: int,
    *,
    label: bool = False,
    text: int = 0,
    bands: int = 0,
) -> Joined:
    """Exact pairs, label pairs (``label``) and LSH candidates (``text`` columns, ``bands``
    each) of one bucket, given its piece of every scan in plan order (pure; a task); ``n`` is
    the number of rows of all scans."""
    splits = len(rank)
    split = _concat([np.full(len(p.rows), p.split, np.int64) for p in pieces], np.int64)
    rows = _concat([p.rows for p in pieces], np.int64)
    hashes = _concat([p.exact for p in pieces], np.uint64)
    a, b = exact_pairs(hashes, split, rank)  # rows ascend: position order is row order
    exact = Ordered(rows[a], rows[b], [_group(split[a], split[b], splits), hashes[b], split[b]])
    joined = Joined(exact)
    if label:
        split = _concat([np.full(len(p.label_rows), p.split, np.int64) for p in pieces], np.int64)
        rows = _concat([p.label_rows for p in pieces], np.int64)
        inputs = _concat([p.inputs for p in pieces], np.uint64)
        labels = _concat([p.labels for p in pieces], np.uint64)
        a, b = label_pairs(inputs, labels, split, rank)
        keys = [_group(split[a], split[b], splits), inputs[b], split[b], labels[b]]
        joined.labels = Ordered(rows[a], rows[b], keys)
    if text:
        rows = _concat([p.near_rows for p in pieces], np.int64)
        slots = _concat([p.slots for p in pieces], np.int16)
        keys64 = _concat([p.keys for p in pieces], np.uint64)
        column = slots // np.int16(max(bands, 1))
        for c in range(text):
            mine = column == c
            joined.candidates.append(bucket_pairs(slots[mine], keys64[mine], rows[mine], n))
    return joined


def regroup(cuts: Sequence[list[Bucket]], k: int) -> list[list[Bucket]]:
    """The cuts of a group of neighbouring scans, by bucket: ``[bucket][scan]`` (a task).

    >>> regroup([["a0", "a1"], ["b0", "b1"]], 2)
    [['a0', 'b0'], ['a1', 'b1']]
    """
    return [[c[bucket] for c in cuts] for bucket in range(k)]


def join_groups(
    groups: Sequence[Sequence[Bucket]],
    rank: I64,
    n: int,
    *,
    label: bool = False,
    text: int = 0,
    bands: int = 0,
) -> Joined:
    """:func:`join` of one bucket's pieces, given per group of scans (groups in plan order)."""
    pieces = [piece for group in groups for piece in group]
    return join(pieces, rank, n, label=label, text=text, bands=bands)


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


def verify(
    left: PartScan,
    right: PartScan,
    starts: tuple[int, int],
    text: tuple[str, ...],
    candidates: tuple[I16, I64, I64],
    threshold: float,
    n: int,
    right_rows: I64 | None = None,
) -> tuple[I64, F64]:
    """``(i * n + j, similarity)`` of the candidate pairs (text column, global row ``i`` of
    ``left``, global row ``j`` of ``right``, which may be ``left``) that are near duplicates
    and not exact duplicates (pure; a task). ``right_rows``: ``right`` is the :func:`subset`
    of these partition rows (sorted)."""
    column, i, j = candidates
    li, rj = i - starts[0], j - starts[1]
    if right_rows is not None:
        rj = np.searchsorted(right_rows, rj)
    differ = left.exact[li] != right.exact[rj]
    codes: list[I64] = [_i64()]
    sims: list[F64] = [np.zeros(0)]
    for c, name in enumerate(text):
        mine = (column == c) & differ
        if not mine.any():
            continue
        ul, at_l = np.unique(li[mine], return_inverse=True)
        ur, at_r = np.unique(rj[mine], return_inverse=True)
        off_l, hashes_l, sig_l = _documents(left.text[name], ul)
        off_r, hashes_r, sig_r = _documents(right.text[name], ur)
        offsets = np.concatenate([off_l, off_r[1:] + off_l[-1]])
        hashes = np.concatenate([hashes_l, hashes_r])
        sig = np.concatenate([sig_l, sig_r])
        cand = np.stack([at_l.reshape(-1), at_r.reshape(-1) + len(ul)], axis=1)
        x, y, sim = verify_candidates(offsets, hashes, sig, cand, threshold)
        right_local = ur if right_rows is None else right_rows[ur]
        codes.append((ul[x] + starts[0]) * n + right_local[y - len(ul)] + starts[1])
        sims.append(sim)
    return np.concatenate(codes), np.concatenate(sims)


def subset(scan: PartScan, rows: I64, text: tuple[str, ...]) -> PartScan:
    """The partition rows ``rows`` of a scan: exact hashes and documents of the ``text``
    columns (pure; a task on the scan's worker, so that only these rows travel to a verify)."""
    out = PartScan(len(rows), scan.exact[rows], _u64(), _u64())
    for name in text:
        out.text[name] = TextScan(*_documents(scan.text[name], rows))
    return out


def _documents(scan: TextScan, docs: I64) -> tuple[I64, U32, U32]:
    """Offsets, shingle hashes and signatures of the documents ``docs`` of a text scan."""
    lengths = scan.offsets[docs + 1] - scan.offsets[docs]
    offsets = np.concatenate([np.zeros(1, np.int64), np.cumsum(lengths)])
    index = np.arange(int(offsets[-1]), dtype=np.int64) + np.repeat(
        scan.offsets[docs] - offsets[:-1], lengths
    )
    return offsets, scan.hashes[index], scan.signatures[docs]


def _first(pair: tuple[Any, Any]) -> Any:
    return pair[0]


def _meta(pair: tuple[PartScan, Any]) -> tuple[int, Any]:
    return pair[0].rows, pair[1]


class RemoteScans:
    """Scans held by the workers of a ``distributed.Client``, and the joins over them.

    ``scan(item)`` returns ``(PartScan, extra)``; the scans stay on the workers, the client
    gets ``counts`` (rows per scan) and ``extras`` (image hashes, or None). Use as a context
    manager: on exit the scans are released.
    """

    def __init__(
        self,
        client: Any,
        scan: Callable[[Any], tuple[PartScan, Any]],
        items: Sequence[Any],
        progress: Progress | None = None,
        total: int | None = None,
    ) -> None:
        from distributed import as_completed

        self.client = client
        futures = client.map(scan, list(items), pure=False)
        meta = client.map(_meta, futures, pure=False)
        self.parts: list[Any] = client.map(_first, futures, pure=False)
        total = len(futures) if total is None else total
        for done, _ in enumerate(as_completed(futures, loop=client.loop), 1):
            if progress is not None:
                progress(done, total)
        gathered: list[tuple[int, Any]] = client.gather(meta)
        del futures, meta  # the scans live on as self.parts
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
        self.parts = []

    def pairs(
        self,
        split: I64,
        rank: I64,
        *,
        label: bool,
        text: tuple[str, ...],
        threshold: float,
        bands: int,
        rows: int,
        buckets: int,
        groups: int = 1 << 30,
    ) -> Found:
        """Exact pairs, near pairs (``text``) and label conflicts (``label``) of every row,
        exactly as the local engine finds them; ``split`` is the split of every row, ``rank``
        the rank of every split (the side ``a`` of a pair has the lower rank). The cuts of
        about ``groups`` runs of neighbouring scans are regrouped by bucket before the joins."""
        client = self.client
        starts = np.cumsum([0, *self.counts])
        n = int(starts[-1])
        split_of = [int(split[s]) if c else 0 for s, c in zip(starts[:-1], self.counts)]
        k = max(1, buckets)
        options = {"label": label, "text": text, "bands": bands, "rows": rows}
        cuts = [
            client.submit(cut, part, int(start), int(sid), k, **options, pure=False)
            for part, start, sid in zip(self.parts, starts[:-1].tolist(), split_of)
        ]
        # Groups of neighbouring cuts are regrouped by bucket first, so that the buckets take
        # G x K pieces (G = 4 x workers) rather than one per scan and bucket (P x K tasks).
        size = -(-len(cuts) // max(1, min(len(cuts), groups)))
        regrouped = [
            client.submit(regroup, cuts[lo : lo + size], k, pure=False)
            for lo in range(0, len(cuts), size)
        ]
        joins = []
        for bucket in range(k):
            pieces = [client.submit(operator.getitem, g, bucket, pure=False) for g in regrouped]
            joins.append(
                client.submit(
                    join_groups,
                    pieces,
                    rank,
                    n,
                    label=label,
                    text=len(text),
                    bands=bands,
                    pure=False,
                )
            )
        del cuts, regrouped, pieces
        joined: list[Joined] = client.gather(joins)
        del joins  # the buckets are released with the futures
        found: Found = {}
        a, b = in_order([j.exact for j in joined])
        found["exact"] = (a, b, np.ones(len(a)))
        if text:
            found["near"] = self._near(joined, starts, split, rank, text, threshold)
        if label:
            a, b = in_order([j.labels for j in joined if j.labels is not None])
            found["label-conflict"] = (a, b, np.ones(len(a)))
        return found

    def _ship(self, data: Any) -> Any:
        """``data`` (arrays), or a future of it when it is too large for a task's graph."""
        arrays = data if isinstance(data, tuple) else (data,)
        if sum(x.nbytes for x in arrays if x is not None) <= SCATTER_BYTES:
            return data
        return self.client.scatter([data], hash=False)[0]

    def _near(
        self,
        joined: Sequence[Joined],
        starts: I64,
        split: I64,
        rank: I64,
        text: tuple[str, ...],
        threshold: float,
    ) -> tuple[I64, I64, F64]:
        """Verified near pairs, best similarity over the text columns, oriented a → b."""
        client = self.client
        n = int(starts[-1])
        per_column = [
            np.unique(_concat([j.candidates[c] for j in joined], np.int64))
            for c in range(len(text))
        ]
        code = _concat(per_column, np.int64)
        column = np.repeat(np.arange(len(text), dtype=np.int16), [len(c) for c in per_column])
        i, j = code // max(n, 1), code % max(n, 1)
        part = len(self.parts)
        pi = np.searchsorted(starts[:-1], i, side="right") - 1
        pj = np.searchsorted(starts[:-1], j, side="right") - 1
        group = pi * part + pj
        order = np.argsort(group, kind="stable")
        group, column, i, j = group[order], column[order], i[order], j[order]
        bounds = np.flatnonzero(np.diff(group)) + 1
        tasks = []
        for lo, hi in zip([0, *bounds.tolist()], [*bounds.tolist(), len(group)]):
            if lo == hi:
                continue
            p, q = divmod(int(group[lo]), part)
            right, right_rows = self.parts[q], None
            if p != q:  # the rows of q that the pairs need, cut out where q's scan is
                right_rows = np.unique(j[lo:hi] - starts[q])
                right = client.submit(subset, right, self._ship(right_rows), text, pure=False)
            tasks.append(
                client.submit(
                    verify,
                    self.parts[p],
                    right,
                    (int(starts[p]), int(starts[q])),
                    text,
                    self._ship((column[lo:hi], i[lo:hi], j[lo:hi])),
                    threshold,
                    n,
                    self._ship(right_rows),
                    pure=False,
                )
            )
        results: list[tuple[I64, F64]] = client.gather(tasks)
        del tasks
        code, sim = best_per_pair(
            _concat([c for c, _ in results], np.int64), _concat([s for _, s in results], np.float64)
        )
        a, b = orient(code // max(n, 1), code % max(n, 1), split, rank)
        return a, b, sim
