"""Datasets behind fsspec URLs: ``file://`` (readable by every process, so it stands in for a
bucket on a real Dask LocalCluster) and ``memory://`` (one process) profile exactly as the same
files on a local path; a missing protocol package is one line naming it; a listing never leaves
the dataset root."""

from __future__ import annotations

import doctest
import gzip
import importlib.util
import json
import pickle
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from fsspec.implementations.memory import MemoryFileSystem  # type: ignore[import-untyped, unused-ignore]
from fsspec.registry import known_implementations  # type: ignore[import-untyped, unused-ignore]

import datacard.layout
import datacard.remote
import memfs
from datacard import profiling
from datacard.digest import sha256_file
from datacard.errors import SourceError
from datacard.executors.dask import DaskExecutor
from datacard.layout import discover
from datacard.leakage.leaks import run_leaks
from datacard.measured import Measured
from datacard.profiling import Profile, profile
from datacard.readers import csv as csv_reader
from datacard.readers import jsonl as jsonl_reader
from datacard.readers import reader_for
from datacard.remote import filesystem, is_url, list_files, open_input
from memfs import clean_memory, upload

EXACT = ("type", "kind", "count", "nulls", "nan", "posinf", "neginf", "min", "max")
#: A CSV byte range in these tests (the reader's default is 32 MiB).
SMALL_RANGE = 16 << 10


def _dataset(root: Path) -> None:
    """train: Parquet in row groups; test: a CSV of several byte ranges (quoted commas and line
    breaks included); validation: JSON Lines, plain and gzipped."""
    rng = np.random.default_rng(8)
    (root / "train").mkdir(parents=True)
    (root / "test").mkdir()
    (root / "validation").mkdir()
    n = 6000
    x = rng.lognormal(size=n)
    train = pa.table(
        {
            "id": pa.array(np.arange(n)),
            "x": pa.array(x, mask=rng.random(n) < 0.05),
            "cat": pa.array(rng.choice(["red", "green", "blue"], n)),
            "text": pa.array([f"doc {i % 97}" for i in range(n)]),
        }
    )
    pq.write_table(train, root / "train" / "part-0.parquet", row_group_size=1000)
    pq.write_table(train.slice(0, 1500), root / "train" / "part-1.parquet", row_group_size=500)
    lines = ["id,x,note"]
    for i in range(4000):
        note = f'"a, {i}"' if i % 7 else f'"two\nlines {i}"'
        lines.append(f"{i},{'' if i % 11 == 0 else round(float(rng.normal()), 6)},{note}")
    (root / "test" / "test.csv").write_text("\n".join(lines) + "\n")
    rows = [{"id": i, "label": None if i % 5 == 0 else f"l{i % 3}"} for i in range(700)]
    text = "".join(json.dumps(r) + "\n" for r in rows)
    (root / "validation" / "a.jsonl").write_text(text)
    (root / "validation" / "b.jsonl.gz").write_bytes(gzip.compress(text.encode()))


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("remote") / "data"
    _dataset(root)
    return root


@pytest.fixture(autouse=True)
def small_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    """Byte ranges are planned by the caller, so a smaller target needs no worker setting."""
    monkeypatch.setattr(csv_reader, "RANGE_BYTES", SMALL_RANGE)


@pytest.fixture
def memory() -> Iterator[MemoryFileSystem]:
    yield from clean_memory()


def _assert_same(local: Profile, remote: Profile) -> None:
    a, b = local.measured(), remote.measured()
    assert a.files == b.files  # rel paths, splits, formats, sizes, sha256, rows
    assert a.content_hash == b.content_hash and a.splits_from == b.splits_from
    assert a.splits.keys() == b.splits.keys()
    for split, s in a.splits.items():
        r = b.splits[split]
        assert (s.rows, s.duplicate_rows) == (r.rows, r.duplicate_rows), split
        assert list(s.columns) == list(r.columns), split
        for name, column in s.columns.items():
            for field in EXACT:
                assert getattr(column, field) == getattr(r.columns[name], field), (name, field)
            assert column.top == r.columns[name].top, name
    for split, sp in local.splits.items():
        assert sp.units == remote.splits[split].units  # the same partitions, the same rows


def _rows(measured: Measured) -> dict[str, int]:
    return {split: s.rows for split, s in measured.splits.items()}


# -- file:// ---------------------------------------------------------------------------------


def test_file_url_layout_keeps_urls_and_rel_paths(data: Path) -> None:
    url = f"file://{data}"
    layout, local = discover(url), discover(data)
    assert layout.root == url and layout.splits_from == local.splits_from == "folders"
    assert [(f.rel, f.split, f.format, f.compression) for f in layout.files] == [
        (f.rel, f.split, f.format, f.compression) for f in local.files
    ]
    assert all(f.path == f"{url}/{f.rel}" for f in layout.files)
    globbed = discover(url + "/", {"test": ["test/*"], "train": ["train/*"]})
    assert globbed.splits == ("test", "train") and globbed.splits_from == "--split"
    assert dict(globbed.skipped)["validation/a.jsonl"] == "matched by no --split glob"


def test_csv_byte_ranges_seek_within_the_remote_file(data: Path) -> None:
    url = f"file://{data}/test/test.csv"
    file = discover(url).files[0]
    parts = reader_for("csv").partitions(file)
    assert len(parts) >= 3 and all(p.byte_range is not None for p in parts)
    pickle.loads(pickle.dumps(parts[1]))  # a URL string, no open file: travels to a worker
    rows = sum(b.num_rows for p in parts for b in p.batches())
    assert rows == 4000
    local = reader_for("csv").partitions(discover(data / "test" / "test.csv").files[0])
    assert [p.byte_range for p in parts] == [p.byte_range for p in local]


def test_jsonl_byte_ranges_of_a_url(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonl_reader, "RANGE_BYTES", 4 << 10)  # read here: workers keep 64 MiB
    reader = reader_for("jsonl")
    remote = reader.partitions(discover(f"file://{data}/validation/a.jsonl").files[0])
    local = reader.partitions(discover(data / "validation" / "a.jsonl").files[0])
    assert len(remote) >= 3 and [p.byte_range for p in remote] == [p.byte_range for p in local]
    assert sum(b.num_rows for p in remote for b in p.batches()) == 700


@pytest.mark.parametrize("workers", [1, 2])
def test_profile_of_a_file_url_equals_the_local_profile(
    data: Path, workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    if workers > 1:  # worker processes even for small data
        monkeypatch.setattr(profiling, "PARALLEL_THRESHOLD", 0)
    local = profile(data, workers=workers)
    remote = profile(f"file://{data}", workers=workers)
    _assert_same(local, remote)
    assert _rows(remote.measured()) == {"train": 7500, "validation": 1400, "test": 4000}
    assert sum("@" in unit for unit in remote.splits["test"].units) >= 3  # byte ranges


def test_profile_of_a_file_url_on_a_dask_cluster(data: Path, cluster: DaskExecutor) -> None:
    local = profile(data, workers=1)
    remote = profile(f"file://{data}", engine=cluster)
    _assert_same(local, remote)


def test_sha256_of_a_url_streams_its_bytes(data: Path) -> None:
    path = data / "train" / "part-0.parquet"
    assert sha256_file(f"file://{path}") == sha256_file(path)


# -- memory:// (one process) -----------------------------------------------------------------


def test_profile_of_a_memory_url_equals_the_local_profile(
    data: Path, memory: MemoryFileSystem
) -> None:
    upload(memory, data, "/bucket/data")
    _assert_same(profile(data, workers=1), profile("memory://bucket/data", workers=1))


def test_leaks_of_a_memory_url_cut_per_row_group_equal_the_local_run(
    data: Path, memory: MemoryFileSystem
) -> None:
    """train's Parquet files hold several row groups, each a unit of work read from the URL."""
    upload(memory, data, "/bucket/data")
    local = run_leaks(data, workers=1)
    remote = run_leaks("memory://bucket/data", workers=1)
    assert remote.splits == local.splits == {"train": 7500, "test": 4000, "validation": 1400}
    assert remote.to_json() == local.to_json()
    assert [f.to_dict() for f in remote.findings] == [f.to_dict() for f in local.findings]


def test_a_single_file_url(memory: MemoryFileSystem) -> None:
    memory.pipe("/one/dev.csv", b"a,b\n1,x\n2,y\n")
    layout = discover("memory://one/dev.csv")
    assert layout.root == "memory://one" and layout.splits_from == "single file"
    assert [(f.path, f.rel, f.split) for f in layout.files] == [
        ("memory://one/dev.csv", "dev.csv", "train")
    ]
    assert profile("memory://one/dev.csv").splits["train"].rows == 2


def test_arrow_files_and_a_hf_save_to_disk_folder(tmp_path: Path, memory: MemoryFileSystem) -> None:
    datasets = pytest.importorskip("datasets")
    train = datasets.Dataset.from_dict({"x": [1, 2, 3]})
    test = datasets.Dataset.from_dict({"x": [4]})
    datasets.DatasetDict({"train": train, "test": test}).save_to_disk(str(tmp_path / "hf"))
    upload(memory, tmp_path / "hf", "/hf")
    layout = discover("memory://hf")
    assert layout.splits_from == "hf save_to_disk"
    assert [(f.rel, f.split) for f in layout.files] == [
        ("test/data-00000-of-00001.arrow", "test"),
        ("train/data-00000-of-00001.arrow", "train"),
    ]
    assert _rows(profile("memory://hf").measured()) == {"train": 3, "test": 1}
    feather.write_feather(pa.table({"y": [1.5, None]}), str(tmp_path / "f.feather"))
    memory.pipe("/ipc/train.feather", (tmp_path / "f.feather").read_bytes())
    column = profile("memory://ipc").measured().splits["train"].columns["y"]
    assert (column.count, column.nulls) == (1, 1)


# -- errors ------------------------------------------------------------------------------------


def _one_line(exc: pytest.ExceptionInfo[SourceError]) -> str:
    text = str(exc.value)
    assert "\n" not in text
    return text


def test_a_missing_protocol_package_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        known_implementations,
        "dctest",
        {"class": "datacard_no_such_pkg.FileSystem", "err": "Install datacard_no_such_pkg"},
    )
    with pytest.raises(SourceError) as exc:
        profile("dctest://bucket/data")
    assert _one_line(exc) == (
        "dctest://bucket/data: reading dctest:// URLs needs datacard_no_such_pkg "
        "(pip install datacard_no_such_pkg)"
    )


def test_s3_without_s3fs_names_s3fs() -> None:
    if importlib.util.find_spec("s3fs") is not None:  # pragma: no cover - a machine with s3fs
        pytest.skip("s3fs is installed")
    with pytest.raises(SourceError) as exc:
        discover("s3://bucket/data")
    assert "reading s3:// URLs needs s3fs (pip install s3fs)" in _one_line(exc)


def test_an_unknown_protocol_is_one_line() -> None:
    with pytest.raises(SourceError) as exc:
        profile("nosuchproto://x/y")
    assert "unknown URL protocol 'nosuchproto'" in _one_line(exc)


def test_a_missing_url_and_an_empty_folder(memory: MemoryFileSystem) -> None:
    with pytest.raises(SourceError, match="no such file or folder"):
        discover("memory://nothing/here")
    memory.pipe("/notes/readme.txt", b"hi")
    with pytest.raises(SourceError, match="no data files found"):
        discover("memory://notes")


def test_media_and_webdataset_under_a_url_are_found(memory: MemoryFileSystem) -> None:
    """Reading them is tested in test_remote_media.py."""
    memory.pipe("/pics/train/a.csv", b"x\n1\n")
    memory.pipe("/pics/train/cat/1.png", b"\x89PNG")
    files = discover("memory://pics").files
    assert [(f.rel, f.format, f.path) for f in files] == [
        ("train/a.csv", "csv", "memory://pics/train/a.csv"),
        ("train/cat/", "imagefolder", "memory://pics"),
    ]
    assert files[1].sources() == ("memory://pics/train/cat/1.png",)
    one = discover("memory://pics/train/cat/1.png")
    assert one.root == "memory://pics/train/cat" and one.files[0].sources() == (
        "memory://pics/train/cat/1.png",
    )
    memory.pipe("/shards/train-000.tar", b"x")
    assert [(f.rel, f.format, f.path) for f in discover("memory://shards").files] == [
        ("train-000.tar", "webdataset", "memory://shards/train-000.tar")
    ]


# -- the root ----------------------------------------------------------------------------------


def test_a_listing_never_leaves_the_root(
    memory: MemoryFileSystem, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory.pipe("/ds/train/a.csv", b"x\n1\n")
    memory.pipe("/ds/.cache/b.csv", b"x\n1\n")
    memory.pipe("/ds-other/c.csv", b"x\n1\n")
    assert list_files("memory://ds") == [(".cache/b.csv", 4), ("train/a.csv", 4)]
    assert [f.rel for f in discover("memory://ds").files] == ["train/a.csv"]  # no hidden files

    real_find = MemoryFileSystem.find

    def leaky(self: MemoryFileSystem, path: str, **kwargs: Any) -> dict[str, Any]:
        out: dict[str, Any] = real_find(self, path, **kwargs)
        for name in ("/ds-other/c.csv", "/ds/../ds-other/c.csv", "/elsewhere.csv"):
            out[name] = {"name": name, "size": 4, "type": "file"}
        return out

    monkeypatch.setattr(MemoryFileSystem, "find", leaky)
    assert list_files("memory://ds") == [(".cache/b.csv", 4), ("train/a.csv", 4)]


def test_local_paths_never_import_or_touch_fsspec(data: Path) -> None:
    assert not is_url(str(data)) and not is_url(data) and not is_url("C:\\data")
    with open_input(str(data / "test" / "test.csv")) as handle:
        assert type(handle).__module__ == "_io"
    code = (
        "import sys; from datacard.profiling import profile; "
        f"profile({str(data)!r}, workers=1); print('fsspec' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False"]
    fs, path = filesystem(f"file://{data}")
    assert path == str(data) and fs.isdir(path)


def test_doctests() -> None:
    for module in (datacard.remote, datacard.layout, memfs):
        assert doctest.testmod(module).attempted and doctest.testmod(module).failed == 0


def test_a_copy_keeps_nothing_open(data: Path, tmp_path: Path) -> None:
    """Profiling a URL leaves no file open behind it (on Windows the folder could not be
    removed): no descriptor of this process points into the folder afterwards."""
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        pytest.skip("needs /proc/self/fd")
    copy = tmp_path / "copy"
    shutil.copytree(data, copy)
    profile(f"file://{copy}", workers=1)
    targets = []
    for fd in fds.iterdir():
        try:
            targets.append(str(fd.readlink()))
        except OSError:  # closed since it was listed (the listing's own descriptor)
            continue
    assert [t for t in targets if t.startswith(f"{copy}/")] == []
