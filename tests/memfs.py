"""fsspec's ``memory://`` filesystem for tests: a clean store per test, and folder uploads.

>>> import fsspec, tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "a.txt").write_text("hi")
>>> fs = fsspec.filesystem("memory"); upload(fs, d, "/doc"); fs.cat_file("/doc/a.txt")
b'hi'
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any


def clean_memory() -> Iterator[Any]:
    """The ``memory://`` filesystem, empty before and after (the body of a fixture)."""
    import fsspec  # type: ignore[import-untyped, unused-ignore]

    fs = fsspec.filesystem("memory")
    fs.store.clear()
    fs.pseudo_dirs[:] = [""]
    yield fs
    fs.store.clear()
    fs.pseudo_dirs[:] = [""]


def upload(fs: Any, local: Path, prefix: str) -> None:
    """Every file under ``local`` put under ``prefix`` in ``fs``, at its relative path."""
    for path in sorted(local.rglob("*")):
        if path.is_file():
            fs.pipe(f"{prefix}/{path.relative_to(local).as_posix()}", path.read_bytes())
