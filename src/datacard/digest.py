"""Content hashes: sha256 of files and a Merkle root over a dataset's files.

>>> merkle_root([("a.csv", "00" * 32)]) == merkle_root([("a.csv", "00" * 32)])
True
>>> merkle_root([]).startswith("sha256:")
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

CHUNK = 1 << 20


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB chunks (hashlib releases the GIL)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


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
