"""Exact and near-duplicate images, within a split and across splits (for ``datacard leaks``).

:func:`image_hashes` reads every image of a dataset once (in the worker pool) and keeps, per
split, each image's path, sha256 and 64-bit perceptual hash (pHash). :func:`duplicate_pairs`
finds

- exact duplicates: the same bytes (sha256);
- near duplicates: perceptual hashes at most ``max_distance`` bits apart (Hamming distance,
  default :data:`MAX_DISTANCE` of 64: re-encoded, resized or lightly edited copies).

Near pairs are found with a multi-index: the 64 bits are cut into ``max_distance + 1`` bands,
and two hashes within the distance agree exactly on at least one band (pigeonhole), so only
hashes sharing a band value are compared - sorting per band, no all-pairs loop. Groups are
reported as a star: each file is paired with the first file (by path) of its group, so a
group of n copies gives n - 1 pairs, not n(n - 1)/2.

>>> import numpy as np
>>> a = MemberHashes("train", ("a.png", "b.png", "c.png"), ("s1", "s1", "s2"),
...                  np.array([0, 0, 0b111], np.uint64), np.array([True, True, True]))
>>> [(p.a, p.b, p.distance, p.exact) for p in duplicate_pairs(a)]
[('a.png', 'b.png', 0, True), ('a.png', 'c.png', 3, False)]
>>> bands(4)
[(51, 13), (38, 13), (25, 13), (12, 13), (0, 12)]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from datacard.arrays import valid_mask, values
from datacard.readers.base import DataFile, Partition

#: Default largest Hamming distance (of 64 bits) between near-duplicate perceptual hashes.
MAX_DISTANCE = 4

U64 = npt.NDArray[np.uint64]


@dataclass(frozen=True)
class MemberHashes:
    """The images of one split: path, sha256 and perceptual hash (``decoded``: pHash valid)."""

    split: str
    paths: tuple[str, ...]
    sha256: tuple[str, ...]
    phash: U64
    decoded: npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Pair:
    """Two images that are duplicates: ``distance`` between their perceptual hashes (0 when
    equal or for identical bytes); ``exact``: identical bytes."""

    a: str
    b: str
    distance: int
    exact: bool


def _hashes_of(partition: Partition) -> tuple[list[str], list[str], list[int], list[bool]]:
    from datacard.media.types import IMAGE

    paths: list[str] = []
    shas: list[str] = []
    phashes: list[int] = []
    decoded: list[bool] = []
    for batch in partition.batches():
        column = batch.column(0)
        storage = column.storage if column.type == IMAGE else column
        fields = dict(zip(storage.type.names, storage.flatten()))
        paths += fields["path"].to_pylist()
        shas += fields["sha256"].to_pylist()
        ph = fields["phash"]
        ok = valid_mask(ph)
        phashes += values(ph).tolist()
        decoded += ok.tolist()
    return paths, shas, phashes, decoded


def image_hashes(
    root: str | Path,
    *,
    splits: Mapping[str, Sequence[str]] | None = None,
    workers: int | None = None,
) -> dict[str, MemberHashes]:
    """Per split: every image's path, sha256 and perceptual hash, in path order."""
    from datacard.scan import map_partitions, plan_partitions

    def images_only(file: DataFile, names: list[str]) -> list[str]:
        return names[:1] if file.format == "imagefolder" else []

    parts = plan_partitions(root, splits=splits, columns=images_only)
    results = map_partitions(_hashes_of, parts, workers=workers)
    collected: dict[str, tuple[list[str], list[str], list[int], list[bool]]] = {}
    for part, (paths, shas, phashes, decoded) in zip(parts, results):
        mine = collected.setdefault(part.file.split, ([], [], [], []))
        mine[0].extend(paths)
        mine[1].extend(shas)
        mine[2].extend(phashes)
        mine[3].extend(decoded)
    return {
        split: MemberHashes(
            split, tuple(p), tuple(s), np.array(h, np.uint64), np.array(d, dtype=bool)
        )
        for split, (p, s, h, d) in sorted(collected.items())
    }


def bands(max_distance: int) -> list[tuple[int, int]]:
    """``(shift, width)`` of the ``max_distance + 1`` bands the 64 bits are cut into."""
    count = max_distance + 1
    widths = [64 // count + (1 if i < 64 % count else 0) for i in range(count)]
    out, top = [], 64
    for width in widths:
        top -= width
        out.append((top, width))
    return out


def _candidates(hashes: U64, max_distance: int) -> npt.NDArray[np.int64]:
    """Index pairs ``(i, j)``, i < j, of hashes at most ``max_distance`` bits apart."""
    n = len(hashes)
    found = []
    for shift, width in bands(max_distance):
        key = (hashes >> np.uint64(shift)) & np.uint64((1 << width) - 1)
        order = np.argsort(key, kind="stable").astype(np.int64)
        ordered = key[order]
        for step in range(1, n):  # runs of equal band values: compare neighbours step apart
            same = np.flatnonzero(ordered[: n - step] == ordered[step:])
            if not len(same):
                break
            i, j = order[same], order[same + step]
            close = np.bitwise_count(hashes[i] ^ hashes[j]) <= max_distance
            low, high = np.minimum(i, j)[close], np.maximum(i, j)[close]
            found.append(low * n + high)
    if not found:
        return np.zeros((0, 2), np.int64)
    keys = np.unique(np.concatenate(found))
    return np.stack([keys // n, keys % n], axis=1)


def duplicate_pairs(
    a: MemberHashes, b: MemberHashes | None = None, *, max_distance: int = MAX_DISTANCE
) -> list[Pair]:
    """Duplicate pairs within ``a``, or (with ``b``) from ``a`` to ``b``.

    Within a split, duplicates form groups (linked by equal bytes or close hashes); each file
    is paired with the group's first file by path, with the distance between those two (which
    can exceed ``max_distance`` when they are linked through another file). Across splits, each
    file of ``a`` with a duplicate in ``b`` is paired with one: an identical file if there is
    one, else the closest (then first by path).
    """
    if not 0 <= max_distance <= 63:
        raise ValueError("max_distance is between 0 and 63 bits")
    pairs = _within(a, max_distance) if b is None else _across(a, b, max_distance)
    return sorted(pairs, key=lambda p: (p.a, p.b))


def _distance(x: np.uint64, y: np.uint64) -> int:
    return int(np.bitwise_count(x ^ y))


def _within(a: MemberHashes, max_distance: int) -> list[Pair]:
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
        for i, j in _candidates(unique, max_distance).tolist():
            union(int(heads[where[i]]), int(heads[where[j]]))
    groups: dict[int, list[int]] = {}
    for i in range(len(a.paths)):
        groups.setdefault(find(i), []).append(i)
    out = []
    for members in groups.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda k: a.paths[k])
        head = members[0]
        for k in members[1:]:
            exact = a.sha256[k] == a.sha256[head]
            distance = 0 if exact else _distance(a.phash[head], a.phash[k])
            out.append(Pair(a.paths[head], a.paths[k], distance, exact))
    return out


def _across(a: MemberHashes, b: MemberHashes, max_distance: int) -> list[Pair]:
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
    values_b, first_b = np.unique(b.phash[order_b], return_index=True)
    hashes = np.concatenate([values_a, values_b])
    pairs = _candidates(hashes, max_distance)
    side = len(values_a)
    best: dict[int, tuple[int, str]] = {}
    for i, j in pairs.tolist():
        if (i < side) == (j < side):
            continue
        u, v = (i, j - side) if i < side else (j, i - side)
        candidate = (_distance(values_a[u], values_b[v]), b.paths[int(order_b[first_b[v]])])
        if u not in best or candidate < best[u]:
            best[u] = candidate
    for k, i in enumerate(ia.tolist()):
        match = best.get(int(inverse_a[k]))
        if match is not None and i not in exact:
            out.append(Pair(a.paths[i], match[1], match[0], False))
    return out
