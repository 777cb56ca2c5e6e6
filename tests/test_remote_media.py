"""Image folders, audio folders and WebDataset shards behind fsspec URLs: listed, read, decoded
and hashed through fsspec, they give the card the same folder gives on a local path (only
``policy.data``, the URL itself, differs). ``file://`` works across processes; ``memory://``
lives in one (workers=1, the local engine)."""

from __future__ import annotations

import doctest
import hashlib
import io
import json
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from fsspec.implementations.memory import MemoryFileSystem  # type: ignore[import-untyped, unused-ignore]
from PIL import Image

from datacard import digest, profiling
from datacard.digest import collection_digest, members_digest
from datacard.errors import SourceError
from datacard.executors.dask import DaskExecutor
from datacard.layout import discover
from datacard.media import audio, collections, metadata
from datacard.media import types as media_types
from datacard.profiling import profile
from datacard.readers import base, reader_for
from datacard.workflow import check_card, init_card
from memfs import clean_memory, upload

RATE = 16_000


def _png(path: Path, seed: int, height: int = 20) -> bytes:
    rng = np.random.default_rng(seed)
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (height, 16, 3), dtype=np.uint8)).save(buffer, "PNG")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def _truncated_jpeg(path: Path) -> None:
    buffer = io.BytesIO()
    pixels = np.random.default_rng(9).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])


def _clip(path: Path, amplitude: float, seconds: float = 0.5, subtype: str = "PCM_16") -> None:
    t = np.arange(int(RATE * seconds)) / RATE
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, amplitude * np.sin(2 * np.pi * 440 * t), RATE, subtype=subtype)


def _shard(path: Path, first: int, count: int) -> None:
    with tarfile.open(path, "w:gz" if path.name.endswith(".gz") else "w") as tar:
        for i in range(first, first + count):
            key = f"s{i:04d}"
            members = {
                f"{key}.png": _png(path.parent / ".scratch.png", i),
                f"{key}.json": json.dumps({"width": 16, "source": f"site{i % 2}"}).encode(),
                f"{key}.txt": f"a photo, number {i}".encode(),
                f"{key}.cls": f"{i % 3}\n".encode(),
            }
            for name, data in members.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    (path.parent / ".scratch.png").unlink()


@pytest.fixture
def pets(tmp_path: Path) -> Path:
    """Split folders of class folders, one truncated JPEG among the PNGs."""
    root = tmp_path / "data" / "pets"
    for s, split in enumerate(("train", "test")):
        for c, cls in enumerate(("cat", "dog")):
            for i in range(3):
                _png(root / split / cls / f"{i:03d}.png", 100 * s + 10 * c + i, 20 + i)
    _truncated_jpeg(root / "train" / "cat" / "broken.jpg")
    return root


@pytest.fixture
def speech(tmp_path: Path) -> Path:
    """Split folders of clips (WAV, FLAC, one that is not audio), a metadata.csv at the root
    with transcripts (one row names a clip that is not there)."""
    root = tmp_path / "data" / "speech"
    _clip(root / "train" / "a.wav", 0.5)
    _clip(root / "train" / "b.flac", 0.2, 1.0, "PCM_24")
    _clip(root / "train" / "loud.wav", 4.0)
    _clip(root / "test" / "c.wav", 0.1)
    (root / "train" / "broken.wav").write_bytes(b"RIFF" + b"\x00" * 40)
    (root / "metadata.csv").write_text(
        "file_name,transcription\n"
        "train/a.wav,hello world\ntrain/b.flac,good morning\ntest/c.wav,bye\ntrain/gone.wav,x\n"
    )
    return root


@pytest.fixture
def shards(tmp_path: Path) -> Path:
    """WebDataset shards of PNG, JSON, text and class members; one gzipped."""
    root = tmp_path / "data" / "shards"
    root.mkdir(parents=True)
    _shard(root / "train-000.tar", 0, 5)
    _shard(root / "train-001.tar.gz", 5, 4)
    _shard(root / "test-000.tar", 9, 3)
    return root


@pytest.fixture
def memory() -> Iterator[MemoryFileSystem]:
    yield from clean_memory()


def _sidecar(folder: Path) -> bytes:
    (found,) = (folder / ".datacard").glob("profile-*.json")
    return found.read_bytes()


def _assert_same_card(data: Path, cards: Path, workers: int) -> str:
    """Cards of ``data`` by its file:// URL (in ``cards``) and by its path: equal but for the
    URL kept in ``policy.data``. Returns the local card's text."""
    url = f"file://{data}"
    init_card(cards, data=url, workers=workers)  # first: the local card is written into data
    init_card(data, workers=workers)
    remote = (cards / "datacard.yaml").read_text()
    local = (data / "datacard.yaml").read_text()
    assert f'  data: "{url}"\n' in remote
    assert remote.replace(f'  data: "{url}"\n', "") == local
    assert _sidecar(cards) == _sidecar(data)  # sketches, members' sizes and sha256
    return local


@pytest.fixture(params=[1, 2], ids=["one-process", "worker-processes"])
def workers(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    count: int = request.param
    if count > 1:  # worker processes read the files, even for small data
        monkeypatch.setattr(profiling, "PARALLEL_THRESHOLD", 0)
    return count


# -- file:// : the same card as the local folder --------------------------------------------


def test_an_image_folder_card_from_a_file_url_equals_the_local_card(
    pets: Path, tmp_path: Path, workers: int
) -> None:
    card = _assert_same_card(pets, tmp_path / "cards" / "pets", workers)
    assert "  label: label\n" in card  # class folders
    measured = profile(f"file://{pets}", workers=1).measured()
    assert [(f.path, f.rows) for f in measured.files] == [("test/", 6), ("train/", 7)]
    image = measured.splits["train"].columns["image"].fields
    assert image is not None and image["corrupt_files"].count == 1


def test_an_audio_folder_card_from_a_file_url_equals_the_local_card(
    speech: Path, tmp_path: Path, workers: int
) -> None:
    card = _assert_same_card(speech, tmp_path / "cards" / "speech", workers)
    assert "transcription" in card
    local, remote = profile(speech, workers=1), profile(f"file://{speech}", workers=1)
    assert remote.notes == local.notes
    assert any(
        "rows name files that are not there (first: train/gone.wav)" in n for n in local.notes
    )
    audio = remote.measured().splits["train"].columns["audio"].fields
    assert audio is not None and audio["corrupt_files"].count == 1


def test_webdataset_shards_card_from_a_file_url_equals_the_local_card(
    shards: Path, tmp_path: Path, workers: int
) -> None:
    card = _assert_same_card(shards, tmp_path / "cards" / "shards", workers)
    assert "json.source" in card and "train-001.tar.gz" in card
    measured = profile(f"file://{shards}", workers=1).measured()
    assert {s: sp.rows for s, sp in measured.splits.items()} == {"train": 9, "test": 3}


def test_an_image_folder_url_on_a_dask_cluster(pets: Path, cluster: DaskExecutor) -> None:
    local = profile(pets, workers=1).measured()
    remote = profile(f"file://{pets}", engine=cluster).measured()
    assert remote.model_dump() == local.model_dump()


def test_a_corrupt_image_under_a_url_is_a_finding_as_it_is_locally(
    pets: Path, tmp_path: Path
) -> None:
    cards = tmp_path / "cards" / "pets"
    init_card(cards, data=f"file://{pets}", workers=1)
    corrupt = [f for f in check_card(cards, workers=1) if f.code == "media.corrupt"]
    assert [f.where for f in corrupt] == ["train/cat/broken.jpg"]


def test_check_of_a_card_with_data_url_names_the_changed_image(pets: Path, tmp_path: Path) -> None:
    """A card kept apart from its data (``--data URL``) names the member that changed, was
    added or removed, as a card beside local data does."""
    cards = tmp_path / "cards" / "pets"
    init_card(cards, data=f"file://{pets}", workers=1)
    _png(pets / "train" / "dog" / "001.png", 999, 21)
    (pets / "test" / "cat" / "000.png").unlink()
    _png(pets / "train" / "dog" / "new.png", 5)
    found = {(f.code, f.where) for f in check_card(cards, workers=1) if f.code.startswith("file.")}
    assert {
        ("file.changed", "train/dog/001.png"),
        ("file.removed", "test/cat/000.png"),
        ("file.added", "train/dog/new.png"),
    } <= found


# -- memory:// (one process) ----------------------------------------------------------------


def test_media_and_shards_in_memory_profile_as_the_local_folders(
    pets: Path, speech: Path, shards: Path, memory: MemoryFileSystem
) -> None:
    (pets / "train" / "metadata.jsonl").write_text(
        "".join(
            json.dumps({"file_name": f"cat/{i:03d}.png", "kind": "pet"}) + "\n" for i in range(3)
        )
    )
    for folder in (pets, speech, shards):
        upload(memory, folder, f"/bucket/{folder.name}")
        local = profile(folder, workers=1)
        remote = profile(f"memory://bucket/{folder.name}", workers=1)
        assert remote.measured().model_dump() == local.measured().model_dump(), folder.name
        assert remote.notes == local.notes
    columns = profile("memory://bucket/pets", workers=1).measured().splits["train"].columns
    assert "kind" in columns and "label" not in columns  # metadata, not class folders


def test_a_single_file_at_the_root_of_a_url_filesystem(
    memory: MemoryFileSystem, tmp_path: Path
) -> None:
    """``memory://a.png`` lies in ``memory://`` (not ``memory:/``, which is no URL)."""
    memory.pipe("/a.png", _png(tmp_path / "a.png", 1))
    memory.pipe("/t.csv", b"x\n1\n2\n")
    image = discover("memory://a.png")
    assert image.root == "memory://" and image.files[0].sources() == ("memory://a.png",)
    assert profile("memory://a.png", workers=1).measured().splits["train"].rows == 1
    table = discover("memory://t.csv")
    assert (table.root, table.files[0].path) == ("memory://", "memory://t.csv")


def test_members_behind_a_url_are_hashed_once_per_process(
    memory: MemoryFileSystem, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Members hashed once in a process are not read again by the next ``check --fast`` (each
    costs one metadata request, which also gives nothing a separate size request would); a
    member that changed is read again."""
    pictures = {
        f"train/{name}": _png(tmp_path / name, i) for i, name in enumerate(("a.png", "b.png"))
    }
    for rel, data in pictures.items():
        memory.pipe(f"/once/{rel}", data)
    (train,) = discover("memory://once").files
    requests: list[str] = []
    for method in ("cat_file", "open", "info"):
        real = getattr(MemoryFileSystem, method)
        monkeypatch.setattr(MemoryFileSystem, method, _counted(real, method, requests))
    first = members_digest(train)
    assert first == [
        (rel, len(data), hashlib.sha256(data).hexdigest()) for rel, data in pictures.items()
    ]
    assert sorted(requests) == ["cat_file", "cat_file", "info", "info"]
    requests.clear()
    assert members_digest(train) == first
    assert requests == ["info", "info"]
    memory.pipe("/once/train/b.png", pictures["train/b.png"][::-1])
    assert members_digest(train)[1][2] == hashlib.sha256(pictures["train/b.png"][::-1]).hexdigest()


def test_a_profile_reads_each_member_behind_a_url_once(
    memory: MemoryFileSystem, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sha256 a profile records for each member (and the collection's Merkle root) come
    from the one read that measures it: no member is fetched again to be hashed, while the
    metadata file beside the images is hashed as a plain file is."""
    # 130 images: two partitions of the collection (128 members each at most), whose measured
    # hashes meet in the merge
    pictures = {f"train/{i:03d}.png": _png(tmp_path / f"{i}.png", i) for i in range(130)}
    for rel, data in pictures.items():
        memory.pipe(f"/one/{rel}", data)
    memory.pipe("/one/train/metadata.csv", b"file_name,kind\n000.png,pet\n")
    reads: list[str] = []
    for method in ("cat_file", "open"):
        real = getattr(MemoryFileSystem, method)
        monkeypatch.setattr(MemoryFileSystem, method, _counted(real, method, reads, paths=True))
    result = profile("memory://one", workers=1)
    images = [r for r in reads if r.endswith(".png")]
    assert sorted(images) == sorted(f"/one/{rel}" for rel in pictures), reads
    assert "/one/train/metadata.csv" in reads
    leaves = [(rel, len(data), hashlib.sha256(data).hexdigest()) for rel, data in pictures.items()]
    meta = b"file_name,kind\n000.png,pet\n"
    leaves.append(("train/metadata.csv", len(meta), hashlib.sha256(meta).hexdigest()))
    assert result.file_facts["train/"] == collection_digest(leaves)
    assert result.members["train/"] == {rel: (n, sha[:16]) for rel, n, sha in leaves}


def test_a_check_that_finds_a_changed_image_reads_each_image_once(
    memory: MemoryFileSystem, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full check names the changed member from the hashes its own profile measured: no
    image is read a second time to be hashed."""
    for i in range(3):
        memory.pipe(f"/chk/train/{i}.png", _png(tmp_path / f"{i}.png", i))
    cards = tmp_path / "cards"
    init_card(cards, data="memory://chk", workers=1)
    memory.pipe("/chk/train/1.png", _png(tmp_path / "new.png", 99))
    reads: list[str] = []
    for method in ("cat_file", "open"):
        real = getattr(MemoryFileSystem, method)
        monkeypatch.setattr(MemoryFileSystem, method, _counted(real, method, reads, paths=True))
    found = {(f.code, f.where) for f in check_card(cards, workers=1)}
    assert ("file.changed", "train/1.png") in found
    assert sorted(r for r in reads if r.endswith(".png")) == [
        f"/chk/train/{i}.png" for i in range(3)
    ]


def test_members_behind_a_url_are_hashed_in_threads_in_order(
    memory: MemoryFileSystem, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``check --fast`` hashes a URL collection's members in threads (each read waits on the
    network), and lists them in the collection's order."""
    import threading

    blobs = {f"train/{i:02d}.png": bytes([i]) * (i + 1) for i in range(40)}
    for rel, data in blobs.items():
        memory.pipe(f"/many/{rel}", data)
    (train,) = discover("memory://many").files
    threads: set[str] = set()
    for method in ("cat_file", "open"):
        real = getattr(MemoryFileSystem, method)

        def read(*args: Any, real: Any = real, **kwargs: Any) -> Any:
            threads.add(threading.current_thread().name)
            return real(*args, **kwargs)

        monkeypatch.setattr(MemoryFileSystem, method, read)
    leaves = members_digest(train)
    assert leaves == [(rel, len(b), hashlib.sha256(b).hexdigest()) for rel, b in blobs.items()]
    assert len(threads) > 1 and all(t.startswith("datacard-sha256") for t in threads), threads


def test_metadata_warnings_under_a_url_list_the_root_once(
    memory: MemoryFileSystem, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for split in ("train", "test"):
        memory.pipe(f"/meta/{split}/a.png", _png(tmp_path / "a.png", 1))
        memory.pipe(f"/meta/{split}/metadata.csv", b"file_name,kind\na.png,x\ngone.png,y\n")
    rels = ["test/metadata.csv", "train/metadata.csv"]
    listings: list[str] = []
    monkeypatch.setattr(MemoryFileSystem, "find", _counted(MemoryFileSystem.find, "find", listings))
    notes = metadata.warnings("memory://meta", rels, ["test/a.png", "train/a.png"])
    assert notes == [
        f"{rel}: 1 rows name files that are not there (first: {rel.split('/')[0]}/gone.png); "
        "left out"
        for rel in rels
    ]
    assert listings == ["find"]


def _counted(real: Any, name: str, calls: list[str], *, paths: bool = False) -> Any:
    """``real`` that records each call: its ``name``, or (``paths``) the path it is given."""

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(str(args[1]) if paths else name)
        return real(*args, **kwargs)

    return counting


# -- what cannot be read ----------------------------------------------------------------------


def test_a_media_file_that_cannot_be_read_is_one_line_naming_its_url(
    memory: MemoryFileSystem, tmp_path: Path
) -> None:
    _png(tmp_path / "a.png", 1)
    for name in ("cat/1.png", "dog/2.png"):
        memory.pipe(f"/pics/train/{name}", (tmp_path / "a.png").read_bytes())
    (train,) = discover("memory://pics").files
    memory.rm("/pics/train/cat/1.png")  # gone between the listing and the reading
    (part,) = reader_for("imagefolder").partitions(train)
    with pytest.raises(SourceError) as read:
        list(part.batches())
    with pytest.raises(SourceError) as hashed:
        members_digest(train)
    for exc in (read, hashed):
        text = str(exc.value)
        assert "\n" not in text
        assert text.startswith("memory://pics/train/cat/1.png: cannot read the file")


def test_a_truncated_shard_under_a_url_fails_as_it_does_locally(
    shards: Path, memory: MemoryFileSystem
) -> None:
    whole = (shards / "test-000.tar").read_bytes()
    (shards / "test-000.tar").write_bytes(whole[:1500])
    memory.pipe("/cut/test-000.tar", whole[:1500])
    errors = []
    for source in (shards / "test-000.tar", "memory://cut/test-000.tar"):
        with pytest.raises(SourceError) as exc:
            profile(source, workers=1)
        errors.append(str(exc.value))
    assert errors[0] == errors[1] and "cannot read the tar shard" in errors[0]


# -- the root ---------------------------------------------------------------------------------


def test_a_link_out_of_the_root_is_never_followed(pets: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "secret.png"
    _png(outside, 7)
    (pets / "train" / "cat" / "linked.png").symlink_to(outside)
    (pets / "train" / "bird").symlink_to(outside.parent, target_is_directory=True)
    (train,) = [f for f in discover(f"file://{pets}").files if f.split == "train"]
    assert train.collection is not None
    assert len(train.collection.members) == 7  # 3 cats, 3 dogs, broken.jpg
    assert not [m for m in train.collection.members if "linked" in m or "bird" in m]


def test_doctests() -> None:
    for module in (base, audio, metadata, collections, digest, media_types):
        assert doctest.testmod(module).failed == 0


def test_local_media_never_import_fsspec(pets: Path, speech: Path, shards: Path) -> None:
    code = (
        "import sys; from datacard.profiling import profile; "
        f"[profile(p, workers=1) for p in {[str(pets), str(speech), str(shards)]!r}]; "
        "print('fsspec' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False"]
