"""Atomic writes and the card lock, with real files and real processes."""

from __future__ import annotations

import multiprocessing
import os
import stat
import sys
import time
from multiprocessing.synchronize import Event
from pathlib import Path

import pytest

from datacard.errors import LockTimeout
from datacard.fileio import atomic_write, card_lock, lock_path

ORIGINAL = "name: original\n# a comment\n"


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_atomic_write_replaces_text_and_bytes_exactly(tmp_path: Path) -> None:
    path = tmp_path / "datacard.yaml"
    atomic_write(path, "a: é\r\nb: 2\n")
    assert path.read_bytes() == "a: é\r\nb: 2\n".encode()
    atomic_write(path, b"\x00\xffraw")
    assert path.read_bytes() == b"\x00\xffraw"
    assert _leftovers(tmp_path) == []


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_atomic_write_keeps_permissions(tmp_path: Path) -> None:
    path = tmp_path / "datacard.yaml"
    path.write_text(ORIGINAL)
    path.chmod(0o640)
    atomic_write(path, "new\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_unencodable_text_leaves_the_original_untouched(tmp_path: Path) -> None:
    path = tmp_path / "datacard.yaml"
    path.write_text(ORIGINAL)
    with pytest.raises(UnicodeEncodeError):
        atomic_write(path, "lone surrogate \ud800")
    assert path.read_text() == ORIGINAL
    assert _leftovers(tmp_path) == []


def test_failed_replace_removes_the_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "datacard.yaml"
    target.mkdir()
    (target / "keep").write_text("x")
    with pytest.raises(OSError):
        atomic_write(target, "name: x\n")
    assert (target / "keep").read_text() == "x"
    assert _leftovers(tmp_path) == []


def _write_with_file_size_limit(path: str, limit: int, size: int) -> None:
    import resource  # POSIX only
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # make the kernel return EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    try:
        atomic_write(path, "x" * size)
    except OSError:
        sys.exit(3)
    sys.exit(0)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_FSIZE semantics")
def test_a_write_that_fails_midway_leaves_the_original_byte_identical(tmp_path: Path) -> None:
    path = tmp_path / "datacard.yaml"
    original = ("name: big\n" * 100).encode()
    path.write_bytes(original)
    ctx = multiprocessing.get_context("spawn")
    child = ctx.Process(target=_write_with_file_size_limit, args=(str(path), 4096, 100_000))
    child.start()
    child.join(30)
    assert child.exitcode == 3  # the write really failed (disk-full-like EFBIG)
    assert path.read_bytes() == original
    assert _leftovers(tmp_path) == []


def _hold_lock(card: str, held: Event, release: Event, seconds: float) -> None:
    with card_lock(card):
        held.set()
        release.wait(seconds)


def test_second_process_waits_then_times_out_cleanly(tmp_path: Path) -> None:
    card = tmp_path / "datacard.yaml"
    ctx = multiprocessing.get_context("spawn")
    held, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(card), held, release, 30.0))
    holder.start()
    try:
        assert held.wait(30)
        started = time.monotonic()
        with pytest.raises(LockTimeout) as info, card_lock(card, timeout=0.4):
            pytest.fail("the lock was acquired while another process held it")
        waited = time.monotonic() - started
    finally:
        release.set()
        holder.join(30)
    assert waited >= 0.35
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{card}: another datacard process holds the lock on this card")
    assert str(lock_path(card)) in message
    assert holder.exitcode == 0


def test_lock_is_acquired_once_the_other_process_releases_it(tmp_path: Path) -> None:
    card = tmp_path / "datacard.yaml"
    ctx = multiprocessing.get_context("spawn")
    held, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(card), held, release, 0.5))
    holder.start()
    try:
        assert held.wait(30)
        started = time.monotonic()
        with card_lock(card, timeout=20) as lock_file:
            waited = time.monotonic() - started
            assert lock_file == tmp_path / ".datacard" / "datacard.yaml.lock"
    finally:
        holder.join(30)
    assert waited >= 0.2  # it had to wait for the holder's 0.5 s


def test_lock_is_released_after_the_block(tmp_path: Path) -> None:
    card = tmp_path / "datacard.yaml"
    with card_lock(card, timeout=0.1):
        pass
    with card_lock(card, timeout=0.1):
        pass
    assert lock_path(card).parent.is_dir()
