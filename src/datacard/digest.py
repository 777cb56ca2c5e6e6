"""Content hashes: sha256 of files and a Merkle root over a dataset's files.

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
    with Path(path).open("rb") as handle:
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
            try:
                key = _key(path)
            except OSError:
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
    """Hex sha256 of a file's bytes, read in 1 MiB chunks (hashlib releases the GIL)."""
    with _lock:
        pending = _known.get(_key(path))
    if pending is not None:
        return pending.result()
    return _hash(path)


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
