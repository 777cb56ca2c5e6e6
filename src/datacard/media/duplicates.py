"""Exact and near-duplicate images, within a split and across splits (for ``datacard leaks``).

:func:`image_hashes` reads every image of a dataset once (in the worker pool) and keeps, per
split, each image's path, sha256, 64-bit perceptual hash (pHash) and coarse colour histogram.
:func:`duplicate_pairs` finds

- exact duplicates: the same bytes (sha256);
- near duplicates, in two tiers:

  1. pHashes at most ``max_distance`` bits apart (Hamming distance, default
     :data:`MAX_DISTANCE` = 4 of 64): re-encoded, resized or lightly edited copies, on the
     pHash alone (a brightness or contrast edit moves the colours a lot and the pHash little);
  2. pHashes more than ``max_distance`` and at most ``confirmed_distance`` bits apart (default
     :data:`CONFIRMED_DISTANCE` = 10) whose colour histograms also agree (distance at most
     :data:`MAX_COLOUR_DISTANCE`, see :func:`colour_distance`): a crop, resize or re-encode
     keeps the colour distribution; unrelated images with close pHashes do not.

Why 10 bits and 0.25. On the 10,000-image benchmark (``bench/media``: 900 planted copies across
splits; counts from bench/media/RESULTS.md), 62 planted copies lie 5 to 10 bits apart (61 crops
of 1-5 %, one brightness edit), and so do 13 unrelated test/train pairs and 36 unrelated pairs
within train. Beyond 10 bits unrelated pairs multiply (78 more across splits at 11-12 bits),
while only 10 planted copies lie there. In a one-off run on the 10k benchmark set (not
recorded), the planted copies 5 to 10 bits apart had colour distances 0.013-0.113 and the
unrelated pairs in that range 0.341 and more. A crop that keeps a share ``1 - f`` of the pixels
is at most ``f`` from the original in this distance (the kept pixels are part of both
histograms), so 0.25 confirms every crop keeping three quarters of the image (about 13 % of the
width and of the height cut off). With these limits the benchmark's near-duplicate recall is
0.98 (0.88 with 4 bits alone) at precision 1.0.

Near pairs are found without an all-pairs loop by multi-index hashing (:func:`close_pairs`):
the 64 bits are cut into ``m`` bands, and two hashes within ``r`` bits differ in at most
``r // m`` bits on some band (pigeonhole). Each band's values are sorted once (with a table of
where every band value starts); every hash probes its band value XOR each mask of at most
``r // m`` bits, and each candidate is verified on the full 64 bits at once, so memory stays
bounded. ``m`` is chosen for ``r`` and the number of hashes (:func:`band_count`: 4 bands of 16
bits for ``r = 10``, 137 masks per band; ``r + 1`` exact bands of about 13 bits for ``r = 4``).
In a one-off run on random hashes (not recorded; a shared 2-core machine), 100,000 hashes at
``r = 10`` took about a second and 1,000,000 about a minute: at ``r = 10`` an order of magnitude
faster than the band search it replaces (``r + 1`` exact bands only).

Groups are reported as a star: each file is paired with the first file (by path) of its
group, so a group of n copies gives n - 1 pairs, not n(n - 1)/2.

>>> import numpy as np
>>> a = MemberHashes("train", ("a.png", "b.png", "c.png"), ("s1", "s1", "s2"),
...                  np.array([0, 0, 0b111], np.uint64), np.array([True, True, True]))
>>> [(p.a, p.b, p.distance, p.exact) for p in duplicate_pairs(a)]
[('a.png', 'b.png', 0, True), ('a.png', 'c.png', 3, False)]
>>> bands(4)
[(48, 16), (32, 16), (16, 16), (0, 16)]
>>> i, j, d = close_pairs(np.array([0, 0b11, 0xFF, 1 << 63], np.uint64), radius=8)
>>> sorted(zip(i.tolist(), j.tolist(), d.tolist()))
[(0, 1, 2), (0, 2, 8), (0, 3, 1), (1, 2, 6), (1, 3, 3)]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from math import comb
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from datacard.arrays import valid_mask, values
from datacard.grouped import groups_of, member_pairs
from datacard.readers.base import DataFile, Partition

#: Default largest Hamming distance (of 64 bits) of near-duplicate pHashes on their own.
MAX_DISTANCE = 4
#: Default largest pHash distance of near duplicates whose colour histograms agree (see the
#: module docstring for why 10).
CONFIRMED_DISTANCE = 10
#: Largest :func:`colour_distance` of two images that confirms a pHash distance above
#: ``max_distance``: a crop, resize or re-encode keeps the colour distribution; unrelated
#: images with close pHashes do not.
MAX_COLOUR_DISTANCE = 0.25
#: Bins per channel of the coarse colour histograms (8 of the 256 values each).
HIST_BINS = 32
#: A coarse histogram's bins add up to about this per channel (uint16, rounded).
HIST_SCALE = 65535
#: Widest band of the multi-index (a table of 2 ** 16 + 1 offsets per band).
MAX_BAND_WIDTH = 16

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
H16 = npt.NDArray[np.uint16]


@dataclass(frozen=True)
class MemberHashes:
    """The images of one split: path, sha256 and perceptual hash (``decoded``: pHash valid),
    and the coarse colour histograms (:func:`coarse_histograms`, n x 3 x 32; None: unknown,
    then only the pHash-alone tier applies)."""

    split: str
    paths: tuple[str, ...]
    sha256: tuple[str, ...]
    phash: U64
    decoded: npt.NDArray[np.bool_]
    hist: H16 | None = None


@dataclass(frozen=True)
class Pair:
    """Two images that are duplicates: ``distance`` between their perceptual hashes (0 when
    equal or for identical bytes); ``exact``: identical bytes."""

    a: str
    b: str
    distance: int
    exact: bool


def coarse_histograms(counts: npt.NDArray[np.integer]) -> H16:
    """n x 3 x :data:`HIST_BINS` histograms, each channel's bins adding up to
    :data:`HIST_SCALE`, from n x 768 counts of 8-bit R, G, B values (the ``hist`` field); a
    row of zeros (nothing counted) stays zeros.

    >>> counts = np.zeros((1, 768), np.int64)
    >>> counts[0, [0, 7, 256 + 255, 512 + 128]] = [3, 1, 4, 4]
    >>> h = coarse_histograms(counts)
    >>> h.shape, h[0, 0, 0], h[0, 1, 31], h[0, 2, 16]
    ((1, 3, 32), np.uint16(65535), np.uint16(65535), np.uint16(65535))
    """
    binned = np.asarray(counts, np.int64).reshape(-1, 3, HIST_BINS, 256 // HIST_BINS).sum(-1)
    total = binned.sum(-1, keepdims=True)
    scaled = np.rint(binned * (HIST_SCALE / np.maximum(total, 1)))
    out: H16 = scaled.astype(np.uint16)
    return out


def histograms_of(hist: pa.Array) -> H16:
    """:func:`coarse_histograms` of an Arrow ``hist`` column (list of 768 counts; null rows:
    zeros, an unknown colour distribution)."""
    out = np.zeros((len(hist), 3, HIST_BINS), np.uint16)
    known = valid_mask(hist)
    if known.any():
        flat = values(hist.flatten())
        out[known] = coarse_histograms(flat.reshape(-1, 768))
    return out


def colour_distance(x: H16, y: H16) -> npt.NDArray[np.float64]:
    """Per row, the largest over R, G and B of the total variation distance between the two
    channels' coarse histograms (half the sum of absolute differences of the shares): 0 for
    the same colour distribution, 1 for disjoint ones; 1 when either is unknown (zeros).

    >>> a = coarse_histograms(np.ones((1, 768)))  # every value once
    >>> b = coarse_histograms(np.tile(np.arange(256) < 128, 3)[None])  # the dark half only
    >>> colour_distance(a, b).round(3).tolist(), colour_distance(a, a).tolist()
    ([0.5], [0.0])
    """
    diff = np.abs(x.astype(np.int32) - y.astype(np.int32)).sum(-1).max(-1)
    known = x.any(axis=(-2, -1)) & y.any(axis=(-2, -1))
    return np.where(known, diff / (2 * HIST_SCALE), 1.0)


@dataclass(frozen=True)
class ImageFields:
    """Per image of some batches: member path, sha256 and pHash (``decoded``: it is valid), and
    coarse colour histogram (:func:`coarse_histograms`); a null image has path and sha256 ``""``
    and is not decoded."""

    paths: list[str]
    sha256: list[str]
    phash: U64
    decoded: npt.NDArray[np.bool_]
    hist: H16


def image_fields(batches: Iterable[pa.RecordBatch], column: str | int) -> ImageFields:
    """The :class:`ImageFields` of the ``image`` column ``column`` of ``batches``.

    >>> from datacard.media.types import IMAGE, IMAGE_FIELDS
    >>> storage = pa.array([{"path": "a.png", "sha256": "s", "phash": 7}, None], IMAGE_FIELDS)
    >>> batch = pa.record_batch([pa.ExtensionArray.from_storage(IMAGE, storage)], ["image"])
    >>> found = image_fields([batch], "image")
    >>> found.paths, found.decoded.tolist(), found.hist.shape
    (['a.png', ''], [True, False], (2, 3, 32))
    """
    paths: list[str] = []
    shas: list[str] = []
    phashes: list[U64] = [np.zeros(0, np.uint64)]
    decoded: list[npt.NDArray[np.bool_]] = [np.zeros(0, bool)]
    hists: list[H16] = [np.zeros((0, 3, HIST_BINS), np.uint16)]
    for batch in batches:
        arr = batch.column(column)
        storage = arr.storage if isinstance(arr, pa.ExtensionArray) else arr
        fields = dict(zip(storage.type.names, storage.flatten()))
        paths += [p or "" for p in fields["path"].to_pylist()]
        shas += [s or "" for s in fields["sha256"].to_pylist()]
        phashes.append(values(fields["phash"]).astype(np.uint64))
        decoded.append(valid_mask(fields["phash"]) & valid_mask(storage))
        hists.append(histograms_of(fields["hist"]))
    return ImageFields(
        paths, shas, np.concatenate(phashes), np.concatenate(decoded), np.concatenate(hists)
    )


def member_hashes(split: str, pieces: Sequence[ImageFields]) -> MemberHashes:
    """The :class:`MemberHashes` of ``split`` from its pieces (partitions), in their order."""
    return MemberHashes(
        split,
        tuple(p for piece in pieces for p in piece.paths),
        tuple(s for piece in pieces for s in piece.sha256),
        np.concatenate([np.zeros(0, np.uint64), *(piece.phash for piece in pieces)]),
        np.concatenate([np.zeros(0, bool), *(piece.decoded for piece in pieces)]),
        np.concatenate([np.zeros((0, 3, HIST_BINS), np.uint16), *(p.hist for p in pieces)]),
    )


def _fields_of(partition: Partition) -> ImageFields:
    return image_fields(partition.batches(), 0)


def image_hashes(
    root: str | Path,
    *,
    splits: Mapping[str, Sequence[str]] | None = None,
    workers: int | None = None,
) -> dict[str, MemberHashes]:
    """Per split: every image's path, sha256, perceptual hash and coarse colour histogram,
    in path order."""
    from datacard.scan import map_partitions, plan_partitions

    def images_only(file: DataFile, names: list[str]) -> list[str]:
        return names[:1] if file.format == "imagefolder" else []

    parts = plan_partitions(root, splits=splits, columns=images_only)
    results = map_partitions(_fields_of, parts, workers=workers)
    collected: dict[str, list[ImageFields]] = {}
    for part, result in zip(parts, results):
        collected.setdefault(part.file.split, []).append(result)
    return {split: member_hashes(split, pieces) for split, pieces in sorted(collected.items())}


def bands(count: int) -> list[tuple[int, int]]:
    """``(shift, width)`` of the ``count`` bands the 64 bits are cut into, high bits first."""
    widths = [64 // count + (1 if i < 64 % count else 0) for i in range(count)]
    out, top = [], 64
    for width in widths:
        top -= width
        out.append((top, width))
    return out


def band_count(radius: int, size: int) -> int:
    """How many bands :func:`close_pairs` cuts the hashes into, for pairs within ``radius``
    bits among ``size`` hashes: the count with the least expected work, probes (bands x masks
    of at most ``radius // bands`` bits) times (1 + the hashes sharing a band value).

    >>> band_count(4, 10_000), band_count(10, 100_000), band_count(10, 1_000_000)
    (5, 4, 4)
    """
    best, chosen = float("inf"), 0
    for count in range(-(-64 // MAX_BAND_WIDTH), 65):
        per_band = radius // count
        cost = sum(
            sum(comb(width, k) for k in range(per_band + 1)) * (1 + size / 2**width)
            for _, width in bands(count)
        )
        if cost < best:
            best, chosen = cost, count
    return chosen


def _masks(width: int, bits: int) -> I64:
    """Every ``width``-bit value with at most ``bits`` bits set, in increasing order."""
    everything = np.arange(1 << width, dtype=np.int64)
    return everything[np.bitwise_count(everything) <= bits]


def close_pairs(
    x: U64, y: U64 | None = None, *, radius: int = MAX_DISTANCE
) -> tuple[I64, I64, I64]:
    """``(i, j, distance)`` of every pair of hashes at most ``radius`` bits apart: ``x[i]``
    and ``y[j]``, or (without ``y``) ``x[i]`` and ``x[j]`` with ``i < j``; each pair once, in
    no particular order (multi-probe multi-index hashing, see the module docstring)."""
    if not 0 <= radius <= 63:
        raise ValueError("the radius is between 0 and 63 bits")
    within = y is None
    db = x if y is None else y
    empty = np.zeros(0, np.int64)
    found: list[tuple[I64, I64, I64]] = [(empty, empty, empty)]
    if not len(x) or not len(db):
        return found[0]
    cuts = bands(band_count(radius, len(db)))
    per_band = radius // len(cuts)
    for b, (shift, width) in enumerate(cuts):
        low = np.uint64((1 << width) - 1)
        key_db = ((db >> np.uint64(shift)) & low).astype(np.int64)
        order = np.argsort(key_db, kind="stable")
        sorted_db, sorted_key = db[order], key_db[order]
        counts = np.bincount(key_db, minlength=1 << width).astype(np.int64)
        starts = np.cumsum(counts) - counts
        if within:  # queries in band order: a run's later hashes, a higher band value's run
            hashes, keys, ids = sorted_db, sorted_key, order
        else:
            hashes = x
            keys = ((x >> np.uint64(shift)) & low).astype(np.int64)
            ids = np.arange(len(x), dtype=np.int64)
        top, queries = -1, np.arange(len(hashes), dtype=np.int64)
        for mask in _masks(width, per_band).tolist():
            if within and mask == 0:
                top, queries = -1, np.arange(len(hashes), dtype=np.int64)
                first = queries + 1
                count = starts[keys] + counts[keys] - first
            else:
                if within and mask.bit_length() - 1 != top:  # each pair of runs once
                    top = mask.bit_length() - 1
                    queries = np.flatnonzero((keys & (1 << top)) == 0)
                probe = keys[queries] ^ mask
                first, count = starts[probe], counts[probe]
            for q, pos, distance in _probe(hashes[queries], first, count, sorted_db, radius):
                i, j = ids[queries[q]], order[pos]
                if within:
                    i, j = np.minimum(i, j), np.maximum(i, j)
                diff = hashes[queries[q]] ^ sorted_db[pos]
                keep = np.ones(len(i), bool)
                for s, w in cuts[:b]:  # found on an earlier band already
                    part = (diff >> np.uint64(s)) & np.uint64((1 << w) - 1)
                    keep &= np.bitwise_count(part) > per_band
                found.append((i[keep], j[keep], distance[keep]))
    i, j, d = (np.concatenate(parts) for parts in zip(*found))
    return i, j, d


def _probe(
    hashes: U64, first: I64, count: I64, sorted_db: U64, radius: int
) -> Iterator[tuple[I64, I64, I64]]:
    """``(query, position, distance)`` of the hashes within ``radius`` bits of ``hashes[q]``
    among ``sorted_db[first[q]:first[q] + count[q]]``: the k-th of every run at once, for
    k = 0, 1, ... (runs are short), so memory stays a few arrays of the queries' size."""
    active = np.flatnonzero(count > 0)
    step = 0
    while len(active):
        pos = first[active] + step
        distance = np.bitwise_count(hashes[active] ^ sorted_db[pos])
        hit = np.flatnonzero(distance <= radius)
        if len(hit):
            yield active[hit], pos[hit], distance[hit].astype(np.int64)
        step += 1
        active = active[count[active] > step]


def duplicate_pairs(
    a: MemberHashes,
    b: MemberHashes | None = None,
    *,
    max_distance: int = MAX_DISTANCE,
    confirmed_distance: int | None = CONFIRMED_DISTANCE,
) -> list[Pair]:
    """Duplicate pairs within ``a``, or (with ``b``) from ``a`` to ``b``.

    Near duplicates: pHashes at most ``max_distance`` bits apart, or at most
    ``confirmed_distance`` bits apart with colour histograms that agree (0 or None: the pHash
    alone; no effect at or below ``max_distance``, nor without histograms).

    Within a split, duplicates form groups (linked by equal bytes or close hashes); each file
    is paired with the group's first file by path, with the distance between those two (which
    can exceed the limits when they are linked through another file). Across splits, each file
    of ``a`` with a duplicate in ``b`` is paired with one: an identical file if there is one,
    else the closest (then first by path).
    """
    if not 0 <= max_distance <= 63:
        raise ValueError("max_distance is between 0 and 63 bits")
    if confirmed_distance is not None and not 0 <= confirmed_distance <= 63:
        raise ValueError("confirmed_distance is between 0 and 63 bits (0 or None: off)")
    confirmed = confirmed_distance or 0
    if a.hist is None or (b is not None and b.hist is None):
        confirmed = 0
    radius = max(max_distance, confirmed)
    pairs = _within(a, max_distance, radius) if b is None else _across(a, b, max_distance, radius)
    return sorted(pairs, key=lambda p: (p.a, p.b))


def _distance(x: np.uint64, y: np.uint64) -> int:
    return int(np.bitwise_count(x ^ y))


def _agree(hist_a: H16, i: I64, hist_b: H16, j: I64) -> npt.NDArray[np.bool_]:
    """Whether images ``i`` (of ``hist_a``) and ``j`` (of ``hist_b``) have colour
    distributions within :data:`MAX_COLOUR_DISTANCE`."""
    return colour_distance(hist_a[i], hist_b[j]) <= MAX_COLOUR_DISTANCE


def _within(a: MemberHashes, max_distance: int, radius: int) -> list[Pair]:
    parent = list(range(len(a.paths)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)

    first_of: dict[str, int] = {}
    for i, sha in enumerate(a.sha256):
        union(first_of.setdefault(sha, i), i)
    heads = np.array([i for i in first_of.values() if a.decoded[i]], np.int64)
    if len(heads):
        hashes = a.phash[heads]
        unique, where, inverse = np.unique(hashes, return_index=True, return_inverse=True)
        for k, value in enumerate(inverse.tolist()):  # equal hashes: one group
            union(int(heads[where[value]]), int(heads[k]))
        u, v, d = close_pairs(unique, radius=radius)
        alone = d <= max_distance
        for i, j in zip(where[u[alone]].tolist(), where[v[alone]].tolist()):
            union(int(heads[i]), int(heads[j]))
        if not alone.all():
            assert a.hist is not None  # a confirmed tier needs histograms (duplicate_pairs)
            groups = groups_of(inverse.astype(np.int64), len(unique))
            for _, p, q in member_pairs(u[~alone], v[~alone], groups, groups):
                ok = _agree(a.hist, heads[p], a.hist, heads[q])
                for i, j in zip(heads[p[ok]].tolist(), heads[q[ok]].tolist()):
                    union(i, j)
    linked: dict[int, list[int]] = {}
    for i in range(len(a.paths)):
        linked.setdefault(find(i), []).append(i)
    out = []
    for members in linked.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda k: a.paths[k])
        head = members[0]
        for k in members[1:]:
            exact = a.sha256[k] == a.sha256[head]
            distance = 0 if exact else _distance(a.phash[head], a.phash[k])
            out.append(Pair(a.paths[head], a.paths[k], distance, exact))
    return out


def _across(a: MemberHashes, b: MemberHashes, max_distance: int, radius: int) -> list[Pair]:
    in_b: dict[str, int] = {}
    for j in sorted(range(len(b.paths)), key=lambda k: b.paths[k]):
        in_b.setdefault(b.sha256[j], j)
    out = []
    exact = set()
    for i, sha in enumerate(a.sha256):
        if sha in in_b:
            out.append(Pair(a.paths[i], b.paths[in_b[sha]], 0, True))
            exact.add(i)
    ia, ib = np.flatnonzero(a.decoded), np.flatnonzero(b.decoded)
    if not len(ia) or not len(ib):
        return out
    order_b = ib[np.argsort([b.paths[j] for j in ib.tolist()], kind="stable")]
    values_a, inverse_a = np.unique(a.phash[ia], return_inverse=True)
    values_b, first_b, inverse_b = np.unique(
        b.phash[order_b], return_index=True, return_inverse=True
    )
    u, v, d = close_pairs(values_a, values_b, radius=radius)
    groups_a = groups_of(inverse_a.astype(np.int64), len(values_a))
    # candidates (member of ia, distance, rank by path in b): the pHash alone pairs each file
    # with the first file by path of the close value; a confirmed pair is checked per file
    empty = np.zeros(0, np.int64)
    found: list[tuple[I64, I64, I64]] = [(empty, empty, empty)]
    alone = np.flatnonzero(d <= max_distance)
    firsts = np.arange(len(values_b), dtype=np.int64)  # each value's first file by path
    single = (np.asarray(first_b, np.int64), firsts, np.ones(len(values_b), np.int64))
    for k, p, q in member_pairs(u[alone], v[alone], groups_a, single):
        found.append((p, d[alone][k], q))
    rest = np.flatnonzero(d > max_distance)
    if len(rest):
        assert a.hist is not None and b.hist is not None  # as in _within
        groups_b = groups_of(inverse_b.astype(np.int64), len(values_b))
        for k, p, q in member_pairs(u[rest], v[rest], groups_a, groups_b):
            ok = _agree(a.hist, ia[p], b.hist, order_b[q])
            found.append((p[ok], d[rest][k][ok], q[ok]))
    member, distance, rank = (np.concatenate(parts) for parts in zip(*found))
    best = np.lexsort((rank, distance, member))
    member, distance, rank = member[best], distance[best], rank[best]
    first = np.ones(len(member), bool)
    first[1:] = member[1:] != member[:-1]
    for k, dist, r in zip(member[first].tolist(), distance[first].tolist(), rank[first].tolist()):
        i = int(ia[k])
        if i not in exact:
            out.append(Pair(a.paths[i], b.paths[int(order_b[r])], dist, False))
    return out
