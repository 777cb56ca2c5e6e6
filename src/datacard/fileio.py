"""Safe file writes: atomic replacement, and one datacard process per card at a time.

The card's lock is ``.datacard/<card file name>.lock`` in the card's folder (next to the other
sidecar state), e.g. ``.datacard/datacard.yaml.lock``. It is an OS-level lock (``filelock``), so
a crashed process never leaves a stale lock behind; the file itself may stay and is harmless.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> with card_lock(folder / "datacard.yaml"):
...     atomic_write(folder / "datacard.yaml", "name: demo\\n")
>>> (folder / "datacard.yaml").read_text()
'name: demo\\n'
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

from datacard.errors import LockTimeout


def _fsync_dir(folder: Path) -> None:
    if os.name == "nt":  # directories cannot be opened for fsync on Windows
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: str | Path, data: str | bytes) -> None:
    """Replace ``path`` with ``data`` (text is written as UTF-8, newlines untouched), atomically.

    The data goes to a temporary file in the same folder, is flushed and fsynced, then
    ``os.replace``-d over ``path`` and the folder is fsynced. On any failure the temporary file
    is removed and ``path`` is left exactly as it was. An existing file's permissions are kept.
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, 0o666)
    done = False
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileNotFoundError):
            tmp.chmod(stat.S_IMODE(path.stat().st_mode))
        tmp.replace(path)
        done = True
    finally:
        if not done:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
    _fsync_dir(path.parent)


def lock_path(card_path: str | Path) -> Path:
    """The lock file guarding ``card_path``: ``.datacard/<name>.lock`` beside it."""
    card_path = Path(card_path)
    return card_path.parent / ".datacard" / f"{card_path.name}.lock"


@contextlib.contextmanager
def card_lock(card_path: str | Path, timeout: float = 10.0) -> Iterator[Path]:
    """Hold the card's lock for the ``with`` block, waiting up to ``timeout`` seconds.

    Raises :class:`~datacard.errors.LockTimeout` when another datacard process keeps it longer.
    Yields the lock file's path.
    """
    import filelock  # imported here: a read-only command never pays for it

    lock_file = lock_path(card_path)
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(lock_file, timeout=timeout)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise LockTimeout(
            f"another datacard process holds the lock on this card (waited {timeout:g} s)",
            where=str(card_path),
            hint=f"wait for it to finish and try again; the lock is {lock_file}",
        ) from None
    try:
        yield lock_file
    finally:
        lock.release()
