"""Images and audio in ``datacard leaks``: files compared by content, images also by pHash.

A media collection (``imagefolder``, ``audiofolder``) is a table with one row per file, so the
ordinary scan finds exact pairs and label conflicts once its keys are the file's content: the
``image``/``audio`` column, hashed by the file's sha256 (:func:`media_keys`). Images are also
compared by their 64-bit perceptual hash and coarse colour histogram, read in the same pass
(:func:`scan_with_images`: the image is decoded once, for the facts the reader measures), with
:func:`datacard.media.duplicates.duplicate_pairs` (:func:`image_near_pairs`): hashes at most
``max_distance`` bits apart (default 4 of 64) are near duplicates, and so are hashes at most
``confirmed_distance`` bits apart (default 10) whose colour histograms agree (crops).

Pairs name member files, not the collection: :func:`by_member` gives each paired row the path of
its file, and its row stays the file's index in the collection.

>>> similarity(0), similarity(4)
(1.0, 0.9375)
>>> media_keys("image", text=(), key=())
(('image',), ('image',))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from datacard.findings import Finding
from datacard.leakage.partscan import PartScan, ScanSpec, scan_batches
from datacard.media.duplicates import (
    CONFIRMED_DISTANCE,
    MAX_DISTANCE,
    ImageFields,
    MemberHashes,
    duplicate_pairs,
    image_fields,
    member_hashes,
)
from datacard.media.types import is_media, type_name_of
from datacard.readers.base import Partition

if TYPE_CHECKING:
    from datacard.leakage.rows import Rows

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

__all__ = [
    "CONFIRMED_DISTANCE",
    "MAX_DISTANCE",
    "ImageFields",
    "by_member",
    "image_near_pairs",
    "media_column",
    "media_keys",
    "scan_with_images",
]

#: Bits of a perceptual hash.
HASH_BITS = 64
#: Pairs named in a finding's message.
NAMED = 3


def similarity(distance: int) -> float:
    """The ``similarity`` of an image pair: the share of equal pHash bits, ``1 - d / 64``."""
    return 1.0 - distance / HASH_BITS


def media_column(schema: pa.Schema) -> tuple[str, str] | None:
    """``(column, "image" or "audio")`` of a table's media column, if it has one."""
    for f in schema:
        if is_media(f.type):
            return f.name, type_name_of(f.type)
    return None


def media_keys(
    media: str, *, text: Sequence[str], key: Sequence[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(exact, inputs)`` columns of a media collection: the file's content (its sha256) is
    the example, whatever its label or metadata; ``--key`` and ``--text`` still take over."""
    exact = tuple(key) or (media,)
    inputs = tuple(text) or tuple(key) or (media,)
    return exact, inputs


def scan_with_images(
    partition: Partition, spec: ScanSpec, column: str
) -> tuple[PartScan, ImageFields]:
    """The partition's leakage scan and its images' hashes, from one read of the partition."""
    batches = list(partition.batches())
    return scan_batches(batches, spec), image_fields(batches, column)


def image_near_pairs(
    images: Sequence[ImageFields | None],
    counts: Sequence[int],
    split: I64,
    rank: I64,
    max_distance: int = MAX_DISTANCE,
    *,
    confirmed_distance: int | None = CONFIRMED_DISTANCE,
) -> tuple[I64, I64, F64, I64]:
    """Near-duplicate images (different bytes; pHash within ``max_distance`` bits, or within
    ``confirmed_distance`` bits with agreeing colour histograms: the two tiers of
    :func:`datacard.media.duplicates.duplicate_pairs`, 0 or None: the pHash alone) as global
    row pairs ``(a, b, similarity, distance)``, oriented like every leak pair: within a split
    each file pairs with its group's first file by path; across splits, each file of the later
    split ``b`` with no identical copy in ``a`` pairs with its closest file there.

    ``images[i]`` covers the ``counts[i]`` rows of partition ``i`` (None: not an image
    collection); ``split`` and ``rank`` are the split id of every global row and the rank of
    every split.
    """
    starts = np.cumsum([0, *counts])[:-1]
    per_split: dict[int, list[ImageFields]] = {}
    index: dict[int, list[I64]] = {}
    for scan, start, count in zip(images, starts.tolist(), counts):
        if scan is None or not count:
            continue
        sid = int(split[start])
        per_split.setdefault(sid, []).append(scan)
        index.setdefault(sid, []).append(np.arange(start, start + count, dtype=np.int64))
    hashes: dict[int, MemberHashes] = {}
    rows_of: dict[int, dict[str, int]] = {}
    for sid, scans in per_split.items():
        hashes[sid] = member_hashes(str(sid), scans)
        rows_of[sid] = dict(zip(hashes[sid].paths, np.concatenate(index[sid]).tolist()))
    a: list[int] = []
    b: list[int] = []
    dist: list[int] = []
    for sid, h in hashes.items():
        for p in duplicate_pairs(
            h, max_distance=max_distance, confirmed_distance=confirmed_distance
        ):
            if not p.exact:
                a.append(rows_of[sid][p.a])
                b.append(rows_of[sid][p.b])
                dist.append(p.distance)
    for s in hashes:
        for t in hashes:
            if rank[s] >= rank[t]:
                continue
            for p in duplicate_pairs(
                hashes[t],
                hashes[s],
                max_distance=max_distance,
                confirmed_distance=confirmed_distance,
            ):
                if not p.exact:
                    a.append(rows_of[s][p.b])
                    b.append(rows_of[t][p.a])
                    dist.append(p.distance)
    d = np.array(dist, np.int64)
    return np.array(a, np.int64), np.array(b, np.int64), 1.0 - d / HASH_BITS, d


def merge_pairs(n: int, *found: tuple[I64, I64, F64]) -> tuple[I64, I64, F64]:
    """Pairs of several kinds of evidence as one set: each pair once, with its best similarity.

    >>> one = (np.array([0, 1]), np.array([2, 3]), np.array([0.9, 0.8]))
    >>> two = (np.array([1]), np.array([3]), np.array([0.95]))
    >>> [x.tolist() for x in merge_pairs(4, one, two)]
    [[0, 1], [2, 3], [0.9, 0.95]]
    """
    code = np.concatenate([a * n + b for a, b, _ in found])
    sim = np.concatenate([s for _, _, s in found]).astype(np.float64)
    order = np.lexsort((-sim, code))
    code, sim = code[order], sim[order]
    first = np.ones(len(code), bool)
    first[1:] = code[1:] != code[:-1]
    code, sim = code[first], sim[first]
    return code // n, code % n, sim


def by_member(rows: Rows, used: I64) -> tuple[Rows, frozenset[str]]:
    """``rows`` with each used row of a media collection filed under its member's path (its
    row stays the member's index in the collection), and the member paths so named."""
    collections = np.array([f.collection is not None for f in rows.files], bool)
    if not collections.any():
        return rows, frozenset()
    used = np.unique(used)
    used = used[collections[rows.file(used)]]
    files = list(rows.files)
    file_ids = np.zeros(len(used), np.int64)
    named: dict[str, int] = {}
    for k, (source_id, member_row) in enumerate(zip(rows.file(used), rows.row(used))):
        source = rows.files[int(source_id)]
        assert source.collection is not None  # used rows are in collections
        member = source.collection.members[int(member_row)]
        if member not in named:
            named[member] = len(files)
            files.append(replace(source, rel=member, collection=None))
        file_ids[k] = named[member]
    return rows.renamed(files, used, file_ids), frozenset(named)


def add_distances(examples: list[dict[str, Any]], distances: dict[tuple[str, str], int]) -> None:
    """Give each example that is a near-duplicate image pair its pHash ``distance``."""
    for e in examples:
        d = distances.get((e["a_file"], e["b_file"]))
        if d is not None:
            e["distance"] = d


def named_line(line: str, examples: Sequence[dict[str, Any]], members: frozenset[str]) -> str:
    """``line`` followed by the first :data:`NAMED` pairs of media files among ``examples``.

    >>> e = [{"a_file": "train/a.png", "b_file": "test/b.png", "distance": 3}]
    >>> named_line("near: 1 row", e, frozenset({"train/a.png", "test/b.png"}))
    "near: 1 row, e.g. 'train/a.png' and 'test/b.png' (pHash distance 3 of 64 bits)"
    """
    shown = [e for e in examples if e["a_file"] in members and e["b_file"] in members][:NAMED]
    if not shown:
        return line
    parts = []
    for e in shown:
        text = f"'{e['a_file']}' and '{e['b_file']}'"
        if "distance" in e:
            text += f" (pHash distance {e['distance']} of {HASH_BITS} bits)"
        parts.append(text)
    return f"{line}, e.g. {'; '.join(parts)}"


def named_findings(findings: Sequence[Finding], members: frozenset[str]) -> list[Finding]:
    """Findings whose examples are media files, with those files named in the message."""
    if not members:
        return list(findings)
    return [
        replace(f, message=named_line(f.message, f.evidence.get("examples", []), members))
        for f in findings
    ]
