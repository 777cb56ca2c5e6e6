"""Data behind a URL: ``s3://``, ``gs://``, ``file://``, ``memory://``, any fsspec protocol.

A source is a URL when it starts with ``scheme://`` (or an fsspec chain, ``simplecache::``);
everything else is a local path and never touches fsspec. fsspec is imported only for URLs,
and a protocol's package (``s3fs``, ``gcsfs``, ``adlfs``, ...) is the user's to install: a
missing one is a one-line :class:`~datacard.errors.SourceError` naming it. Functions take the
URL string, never an open file, so the partitions that carry it stay picklable: each process
(a Dask worker, say) opens the filesystem itself (fsspec caches the instance).

>>> is_url("s3://bucket/data"), is_url("file:///tmp/x"), is_url("C:\\\\data"), is_url("data")
(True, True, False, False)
>>> import fsspec
>>> fs, path = filesystem("memory://doc/ds")
>>> fs.pipe(path + "/train/a.csv", b"x\\n1\\n")
>>> list_files("memory://doc/ds"), file_size("memory://doc/ds/train/a.csv")
([('train/a.csv', 4)], 4)
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any, BinaryIO

from datacard.errors import SourceError

__all__ = [
    "file_size",
    "file_version",
    "filesystem",
    "is_url",
    "join",
    "kind",
    "list_files",
    "locate",
    "open_input",
    "parent_and_name",
    "read_bytes",
    "read_range",
    "stamp",
]

#: An fsspec filesystem (fsspec ships no type hints).
FileSystem = Any

# Two letters at least: ``C://`` is a Windows drive, not a protocol.
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]+(://|::)")
# What fsspec's ``info`` may call a file's version, by backend (local, s3, gcs, azure, ...).
_VERSION_KEYS = ("mtime", "LastModified", "last_modified", "updated", "ETag", "etag", "created")


def is_url(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a URL (``scheme://...``) rather than a local path.

    A ``Path`` is never a URL (``Path("s3://b/x")`` has already lost a slash).

    >>> is_url("memory://x"), is_url("simplecache::s3://b/x"), is_url(Path("s3://b/x"))
    (True, True, False)
    """
    return isinstance(path, str) and _URL.match(path) is not None


def _protocol(url: str) -> str:
    return url.split("://", 1)[0]


def _missing_module(exc: BaseException) -> str | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ModuleNotFoundError) and seen.name:
            return seen.name.split(".")[0]
        seen = seen.__cause__ or seen.__context__
    return None


def _implementation(url: str) -> str | None:
    """The package fsspec's registry names for the URL's protocol (``s3`` -> ``s3fs``)."""
    from fsspec.registry import known_implementations  # type: ignore[import-untyped, unused-ignore]

    known = known_implementations.get(_protocol(url).split("::")[-1])
    if not isinstance(known, dict):
        return None
    package = str(known.get("class", "")).split(".")[0]
    return package if package and package != "fsspec" else None


def filesystem(url: str) -> tuple[FileSystem, str]:
    """``(fsspec filesystem, path within it)`` for a URL; SourceError naming a missing package.

    >>> filesystem("memory://doc/a")[1]
    '/doc/a'
    """
    try:
        from fsspec.core import url_to_fs  # type: ignore[import-untyped, unused-ignore]
    except ImportError as exc:
        raise SourceError(
            "reading URLs needs fsspec",
            where=url,
            hint="pip install fsspec, plus the package of the protocol (s3fs, gcsfs, ...)",
        ) from exc
    try:
        fs, path = url_to_fs(url)
    except ImportError as exc:
        package = _missing_module(exc) or _implementation(url) or "its fsspec package"
        raise SourceError(
            f"reading {_protocol(url)}:// URLs needs {package}",
            where=url,
            hint=f"pip install {package}",
        ) from exc
    except ValueError as exc:
        if "Protocol not known" not in str(exc):
            raise SourceError(f"not a usable URL: {exc}", where=url) from exc
        raise SourceError(
            f"unknown URL protocol '{_protocol(url)}'",
            where=url,
            hint="check the URL, or install the fsspec package that adds the protocol",
        ) from exc
    except (OSError, TypeError) as exc:
        raise SourceError(
            f"cannot open the URL: {exc}", where=url, hint="check the URL and its credentials"
        ) from exc
    return fs, str(path)


def join(root: str, rel: str) -> str:
    """The URL of ``rel`` (a POSIX path) under the URL ``root``.

    >>> join("s3://bucket/data/", "train/a.csv"), join("memory://", "a.csv")
    ('s3://bucket/data/train/a.csv', 'memory://a.csv')
    """
    base = root.rstrip("/")
    if base.endswith(":"):  # the root of a filesystem: memory://, file:///
        return f"{root}{rel}" if root.endswith("/") else f"{root}/{rel}"
    return f"{base}/{rel}"


def parent_and_name(url: str) -> tuple[str, str]:
    """``(parent URL, name)`` of a file's URL, so that ``join(parent, name)`` gives it back.

    >>> parent_and_name("s3://b/data/a.csv"), parent_and_name("memory://a.png")
    (('s3://b/data', 'a.csv'), ('memory://', 'a.png'))
    >>> parent_and_name("file:///x.png")
    ('file:///', 'x.png')
    """
    parent, name = url.rsplit("/", 1)
    if parent.endswith((":/", "://")):  # the root of a filesystem: memory://, file:///
        parent += "/"
    return parent, name


def locate(root: str, rel: str) -> str:
    """The path of ``rel`` (a POSIX path) under ``root``: a URL under a URL, else a local path.

    >>> locate("memory://ds", "train/a.png"), locate("/data", "train/a.png")
    ('memory://ds/train/a.png', '/data/train/a.png')
    """
    return join(root, rel) if is_url(root) else str(Path(root, rel))


def open_input(path: str | os.PathLike[str]) -> BinaryIO:
    """A binary file object for reading: ``open(path, "rb")`` for a local path, else fsspec's."""
    if not is_url(path):
        return Path(path).open("rb")
    fs, inner = filesystem(str(path))
    if shares_handles(fs):  # a private copy: readers in two threads must not share a position
        return io.BytesIO(fs.cat_file(inner))
    handle: BinaryIO = fs.open(inner, mode="rb")
    return handle


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """A whole file's bytes: a local path's, or a URL's through fsspec (OSError as ``open``)."""
    if not is_url(path):
        return Path(path).read_bytes()
    fs, inner = filesystem(str(path))
    data: bytes = fs.cat_file(inner)
    return data


def shares_handles(fs: Any) -> bool:
    """Whether ``fs.open`` hands every reader the same file object (fsspec's ``memory://``
    returns the stored buffer itself, rewound): such files are read from private copies."""
    protocols = (fs.protocol,) if isinstance(fs.protocol, str) else tuple(fs.protocol)
    return "memory" in protocols


def _info(url: str) -> dict[str, Any]:
    fs, inner = filesystem(url)
    info: dict[str, Any] = fs.info(inner)  # FileNotFoundError when missing
    if info.get("type") != "file":
        raise IsADirectoryError(f"not a file: {url}")
    return info


def file_size(path: str | os.PathLike[str]) -> int:
    """Size in bytes; OSError (FileNotFoundError, IsADirectoryError for a URL) as ``stat``."""
    if not is_url(path):
        return Path(path).stat().st_size
    return int(_info(str(path))["size"])


def stamp(url: str) -> tuple[int, str]:
    """``(size, version)`` of a URL's file, a cache key that changes when the file does."""
    info = _info(url)
    version = next((str(info[k]) for k in _VERSION_KEYS if info.get(k) is not None), "")
    return int(info["size"]), version


def file_version(path: str | os.PathLike[str]) -> tuple[int, int | str]:
    """``(size, version)`` of a local file (its mtime in ns) or a URL's (:func:`stamp`): a cache
    key that changes when the file does; OSError as ``stat``."""
    if is_url(path):
        return stamp(str(path))
    info = Path(path).stat()
    return info.st_size, info.st_mtime_ns


def read_range(url: str, start: int, end: int) -> bytes:
    """Bytes ``[start, end)`` of a URL's file (one ranged read)."""
    fs, inner = filesystem(url)
    data: bytes = fs.cat_file(inner, start=start, end=end)
    return data


def kind(url: str) -> str | None:
    """``"file"``, ``"directory"`` (a folder or an object-store prefix), or None if missing."""
    fs, inner = filesystem(url)
    try:
        info: dict[str, Any] = fs.info(inner)
    except FileNotFoundError:
        return None
    return "file" if info.get("type") == "file" else "directory"


def list_files(root_url: str) -> list[tuple[str, int]]:
    """``(rel, bytes)`` of every file under ``root_url``, sorted; rel is a POSIX path.

    Only paths under the root's prefix (``ds/``, not ``ds-other/``) are listed, never ``..``
    parts, and no symlink (``file://``): a listing never leaves the dataset root.
    """
    fs, root = filesystem(root_url)
    prefix = root.rstrip("/") + "/"
    found: dict[str, dict[str, Any]] = fs.find(root, detail=True)
    out = []
    for name, info in found.items():
        if info.get("type") != "file" or info.get("islink") or not name.startswith(prefix):
            continue
        rel = name[len(prefix) :]
        if rel and not any(part in ("", ".", "..") for part in rel.split("/")):
            out.append((rel, int(info.get("size") or 0)))
    return sorted(out)
