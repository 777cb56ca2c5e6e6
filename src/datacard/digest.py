"""Content hashes: sha256 of files and a Merkle root over a dataset's files.

A URL's file (:mod:`datacard.remote`) is hashed as it streams through fsspec, in 1 MiB chunks.

A collection of media files (:class:`~datacard.readers.base.Collection`) is hashed like a
dataset: the Merkle root over ``(path, sha256)`` of its members and metadata files, so adding,
removing, renaming or changing any one of them changes it.

>>> merkle_root([("a.csv", "00" * 32)]) == merkle_root([("a.csv", "00" * 32)])
True
>>> merkle_root([]).startswith("sha256:")
True
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from concurrent.futures import Future
from pathlib import Path

from datacard.readers.base import DataFile, unreadable
from datacard.remote import file_size, is_url, open_input

CHUNK = 1 << 20


_Key = tuple[str, int, int]
_known: dict[_Key, Future[str]] = {}
_lock = threading.Lock()


def _key(path: str | Path) -> _Key:
    resolved = Path(path).resolve()
    info = resolved.stat()
    return (str(resolved), info.st_size, info.st_mtime_ns)


def _hash(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open_input(path) as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def prefetch(paths: Iterable[str | Path]) -> None:
    """Start hashing ``paths`` in a background thread; :func:`sha256_file` picks the results up.

    The command line calls this first thing, so hashing overlaps its imports (which keep only
    one core busy). A file changed since (other size or mtime) is hashed again.
    """
    jobs: list[tuple[str | Path, Future[str]]] = []
    with _lock:
        for path in paths:
            if is_url(path):
                continue  # hashed as profiled (by the workers on a cluster), not fetched ahead
            try:
                key = _key(path)
            except OSError:
                continue
            if not Path(key[0]).is_file():
                continue
            if key not in _known:
                _known[key] = Future()
                jobs.append((path, _known[key]))

    def work() -> None:
        for path, future in jobs:
            try:
                future.set_result(_hash(path))
            except OSError as exc:
                future.set_exception(exc)

    if jobs:
        threading.Thread(target=work, name="datacard-sha256", daemon=True).start()


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB chunks (hashlib releases the GIL).

    Results are remembered per process (by resolved path, size and mtime), so a file hashed by
    :func:`prefetch` or earlier is not read again. A URL's bytes are streamed through fsspec
    (:mod:`datacard.remote`) and not remembered.
    """
    if is_url(path):
        return _hash(path)
    key = _key(path)
    with _lock:
        pending = _known.get(key)
    if pending is not None:
        return pending.result()
    digest = _hash(path)
    done: Future[str] = Future()
    done.set_result(digest)
    with _lock:
        _known.setdefault(key, done)
    return digest


def members_digest(file: DataFile) -> list[tuple[str, int, str]]:
    """``(path, bytes, sha256)`` of each member and metadata file of a collection."""
    assert file.collection is not None
    names = (*file.collection.members, *file.collection.metadata)
    out = []
    for name, path in zip(names, file.sources()):
        try:
            out.append((name, file_size(path), sha256_file(path)))
        except OSError as exc:
            raise unreadable(path, name, exc) from exc
    return out


def collection_digest(leaves: Iterable[tuple[str, int, str]]) -> tuple[int, str]:
    """``(bytes, hex sha256)`` of a collection from its ``(path, bytes, sha256)`` files: the sum
    of the bytes and the hex Merkle root (:func:`merkle_root`) over paths and sha256.

    >>> collection_digest([("a.png", 3, "00" * 32)])[0]
    3
    """
    listed = list(leaves)
    root = merkle_root((name, digest) for name, _, digest in listed)
    return sum(size for _, size, _ in listed), root.removeprefix("sha256:")


def data_digest(file: DataFile) -> tuple[int, str]:
    """``(bytes, hex sha256)`` of a data file, or of a collection (:func:`collection_digest`)."""
    if file.collection is None:
        return file_size(file.path), sha256_file(file.path)
    return collection_digest(members_digest(file))


def merkle_root(files: Iterable[tuple[str, str]]) -> str:
    """``sha256:<hex>`` root of a binary Merkle tree over ``(relative path, sha256)`` leaves.

    Leaves are sorted by path and hashed as ``sha256(path + "\\0" + sha256)``; an odd node is
    carried up unchanged. Any added, removed, renamed or changed file changes the root.
    """
    level = [
        hashlib.sha256(f"{path}\0{digest}".encode()).digest() for path, digest in sorted(files)
    ]
    if not level:
        return "sha256:" + hashlib.sha256(b"").hexdigest()
    while len(level) > 1:
        pairs = [level[i : i + 2] for i in range(0, len(level), 2)]
        level = [hashlib.sha256(b"".join(p)).digest() if len(p) == 2 else p[0] for p in pairs]
    return "sha256:" + level[0].hex()
