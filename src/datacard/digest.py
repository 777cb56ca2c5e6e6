"""Content hashes: sha256 of files and a Merkle root over a dataset's files.

A URL's file (:mod:`datacard.remote`) is hashed as it streams through fsspec, in 1 MiB chunks,
and remembered by its size and version (:func:`~datacard.remote.file_version`), as a local file is
by its size and mtime.

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
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO

from datacard.readers.base import DataFile, unreadable
from datacard.remote import file_version, is_url, locate, open_input

#: Bytes read at a time while hashing.
CHUNK = 1 << 20
#: Members of a collection behind a URL hashed at once (network reads, not CPU, bound them).
URL_THREADS = 16

# (resolved path or URL, size, mtime in ns or the URL's version)
_Key = tuple[str, int, int | str]
_known: dict[_Key, Future[tuple[int, str]]] = {}
_lock = threading.Lock()


def _key(path: str | Path) -> _Key:
    if is_url(path):
        return (str(path), *file_version(path))
    resolved = Path(path).resolve()
    info = resolved.stat()
    return (str(resolved), info.st_size, info.st_mtime_ns)


def hash_stream(source: IO[bytes], copy: IO[bytes] | None = None) -> tuple[int, str]:
    """``(bytes, hex sha256)`` of ``source`` read to its end in 1 MiB chunks (hashlib releases
    the GIL), each chunk also written to ``copy`` if given. Shares no state: safe in any thread.

    >>> import io
    >>> size, sha = hash_stream(io.BytesIO(b"abc"))
    >>> size, sha == hashlib.sha256(b"abc").hexdigest()
    (3, True)
    """
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if copy is not None:
            copy.write(chunk)
    return size, digest.hexdigest()


def _hash(path: str | Path) -> tuple[int, str]:
    with open_input(path) as handle:
        return hash_stream(handle)


def prefetch(paths: Iterable[str | Path]) -> None:
    """Start hashing ``paths`` in a background thread; :func:`file_digest` picks the results up.

    The command line calls this first thing, so hashing overlaps its imports (which keep only
    one core busy). A file changed since (other size or mtime) is hashed again.
    """
    jobs: list[tuple[str | Path, Future[tuple[int, str]]]] = []
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
    """Hex sha256 of a file's bytes, a local path's or a URL's (:func:`file_digest`)."""
    return file_digest(path)[1]


def file_digest(path: str | Path) -> tuple[int, str]:
    """``(bytes, hex sha256)`` of a file, both counted as its bytes stream by (:func:`hash_stream`).

    Results are remembered per process, by resolved path, size and mtime, or by a URL's size and
    version (:func:`~datacard.remote.file_version`, one metadata request): a file hashed by
    :func:`prefetch` or earlier is not read again. A URL without a version is not remembered.
    OSError as ``stat``.
    """
    key = _key(path)
    if key[2] == "":  # a URL whose store reports no version could change unseen
        return _hash(path)
    with _lock:
        pending = _known.get(key)
    if pending is not None:
        return pending.result()
    found = _hash(path)
    done: Future[tuple[int, str]] = Future()
    done.set_result(found)
    with _lock:
        _known.setdefault(key, done)
    return found


def members_digest(
    file: DataFile, known: Mapping[str, tuple[int, str]] | None = None
) -> list[tuple[str, int, str]]:
    """``(path, bytes, sha256)`` of each member and metadata file of a collection; the files in
    ``known`` (path: bytes and sha256, as a profile measured them) are not read again. The
    others are hashed in threads (:func:`hash_threads`), each one as :func:`file_digest` does.

    >>> from datacard.readers.base import Collection
    >>> file = DataFile("/nowhere", "train/", "train", "imagefolder", None, Collection(("a.png",)))
    >>> members_digest(file, {"a.png": (3, "ab")})
    [('a.png', 3, 'ab')]
    """
    assert file.collection is not None
    names = (*file.collection.members, *file.collection.metadata)
    known = known or {}
    todo = [(name, locate(file.path, name)) for name in names if name not in known]

    def digest(job: tuple[str, str]) -> tuple[int, str]:
        name, path = job
        try:
            return file_digest(path)
        except OSError as exc:
            raise unreadable(path, name, exc) from exc

    threads = hash_threads(file.path, len(todo))
    if threads > 1:
        with ThreadPoolExecutor(threads, thread_name_prefix="datacard-sha256") as pool:
            hashed = dict(zip((name for name, _ in todo), pool.map(digest, todo)))
    else:
        hashed = {name: digest((name, path)) for name, path in todo}
    return [(name, *(known.get(name) or hashed[name])) for name in names]


def hash_threads(root: str, files: int) -> int:
    """Threads that hash ``files`` files under ``root``: up to :data:`URL_THREADS` behind a URL
    (each read waits on the network); one for local files (in a one-off run, not recorded by
    ``bench/``, 8,000 images of ~100 KB from the page cache took 1.73 s in one thread, 1.88 s
    in two and 2.02 s in four on 2 cores: the per-file Python work holds the GIL).

    >>> hash_threads("s3://bucket/data", 1000), hash_threads("s3://bucket/data", 3)
    (16, 3)
    >>> hash_threads("/data", 1000)
    1
    """
    return max(1, min(URL_THREADS, files)) if is_url(root) else 1


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
        return file_digest(file.path)
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
