"""WebDataset tar shards: samples by key, columns by extension, unsafe members refused.

Every shard is a real tar written with :mod:`tarfile` in tmp_path.
"""

from __future__ import annotations

import doctest
import io
import json
import pickle
import tarfile
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pytest

from datacard.errors import SourceError
from datacard.layout import discover
from datacard.profiling import profile
from datacard.readers import reader_for
from datacard.readers import webdataset as wds
from datacard.readers.base import DataFile, Partition
from datacard.readers.webdataset import WebDatasetReader

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256))

Member = tuple[str, bytes] | tarfile.TarInfo


def write_shard(path: Path, members: Sequence[Member], mode: str = "w") -> Path:
    with tarfile.open(path, mode) as tar:  # type: ignore[call-overload]
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                tar.addfile(member)
                continue
            name, data = member
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def sample(key: str, i: int, *, json_obj: object = None, txt: bool = True) -> list[Member]:
    out: list[Member] = [(f"{key}.jpg", JPEG + bytes([i])), (f"{key}.cls", f"{i % 3}\n".encode())]
    obj = {"width": 100 + i, "source": f"site{i % 2}"} if json_obj is None else json_obj
    out.append((f"{key}.json", json.dumps(obj, indent=2).encode()))
    if txt:
        out.append((f"{key}.txt", f"a photo, number {i}".encode()))
    return out


def data_file(path: Path, rel: str | None = None) -> DataFile:
    return DataFile(path=str(path), rel=rel or path.name, split="train", format="webdataset")


def read(file: DataFile) -> pa.Table:
    reader = WebDatasetReader()
    schema = reader.inspect(file).schema
    batches = [b for p in reader.partitions(file) for b in reader.batches(p)]
    for batch in batches:
        assert batch.schema == schema
    return pa.Table.from_batches(batches, schema=schema)


def error_of(file: DataFile) -> str:
    with pytest.raises(SourceError) as info:
        read(file)
    text = str(info.value)
    assert "\n" not in text
    return text


def test_doctests() -> None:
    assert doctest.testmod(wds).failed == 0


def test_samples_are_rows_and_extensions_are_columns(tmp_path: Path) -> None:
    members = [m for i in range(4) for m in sample(f"s{i:03d}", i, txt=i != 2)]
    file = data_file(write_shard(tmp_path / "train-000000.tar", members))
    info = WebDatasetReader().inspect(file)
    assert info.rows == 4 and info.warnings == ()
    assert [(f.name, str(f.type)) for f in info.schema] == [
        ("__key__", "string"),
        ("jpg", "binary"),
        ("cls", "int64"),
        ("json.width", "int64"),
        ("json.source", "string"),
        ("txt", "string"),
    ]
    table = read(file)
    assert table["__key__"].to_pylist() == ["s000", "s001", "s002", "s003"]
    assert table["jpg"].to_pylist()[1] == JPEG + b"\x01"
    assert table["cls"].to_pylist() == [0, 1, 2, 0]
    assert table["json.width"].to_pylist() == [100, 101, 102, 103]
    assert table["txt"].to_pylist() == [
        "a photo, number 0",
        "a photo, number 1",
        None,
        "a photo, number 3",
    ]


def test_a_reader_is_registered_for_the_format() -> None:
    assert isinstance(reader_for("webdataset"), WebDatasetReader)


def test_a_column_appearing_late_is_in_the_schema_and_null_before(tmp_path: Path) -> None:
    members: list[Member] = [(f"k{i}.txt", b"x") for i in range(5)]
    members += [("k5.txt", b"y"), ("k5.wav", b"RIFF"), ("k6.json", b'{"late": true}')]
    table = read(data_file(write_shard(tmp_path / "a.tar", members)))
    assert table.schema.names == ["__key__", "txt", "wav", "json.late"]
    assert table["wav"].to_pylist() == [None] * 5 + [b"RIFF", None]
    assert table["json.late"].to_pylist() == [None] * 6 + [True]


def test_members_apart_from_each_other_are_one_sample_with_a_warning(tmp_path: Path) -> None:
    members: list[Member] = [
        ("a.jpg", b"1"),
        ("b.jpg", b"2"),
        ("b.txt", b"bee"),
        ("a.txt", b"ay"),
        ("c.jpg", b"3"),
    ]
    file = data_file(write_shard(tmp_path / "a.tar", members))
    info = WebDatasetReader().inspect(file)
    assert info.rows == 3
    (warning,) = info.warnings
    assert "a.tar" in warning and "apart" in warning and "'a'" in warning
    rows = {r["__key__"]: (r["jpg"], r["txt"]) for r in read(file).to_pylist()}
    assert rows == {"a": (b"1", "ay"), "b": (b"2", "bee"), "c": (b"3", None)}


def test_batches_are_bounded_by_samples_and_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    members: list[Member] = [(f"s{i:04d}.bin", bytes(100)) for i in range(50)]
    file = data_file(write_shard(tmp_path / "a.tar", members))
    monkeypatch.setattr(wds, "BATCH_SAMPLES", 8)
    sizes = [b.num_rows for b in WebDatasetReader().batches(Partition(file=file, unit="u"))]
    assert max(sizes) == 8 and sum(sizes) == 50
    monkeypatch.setattr(wds, "BATCH_BYTES", 250)
    sizes = [b.num_rows for b in WebDatasetReader().batches(Partition(file=file, unit="u"))]
    assert max(sizes) == 2 and sum(sizes) == 50


def test_columns_of_a_partition_are_honoured(tmp_path: Path) -> None:
    members = [m for i in range(3) for m in sample(f"s{i}", i)]
    file = data_file(write_shard(tmp_path / "a.tar", members))
    part = Partition(file=file, unit=file.rel, columns=("txt", "json.source"))
    table = pa.Table.from_batches(list(WebDatasetReader().batches(part)))
    assert table.schema.names == ["txt", "json.source"]
    assert table["json.source"].to_pylist() == ["site0", "site1", "site0"]
    with pytest.raises(SourceError, match="column 'nope' is not in the shard"):
        list(WebDatasetReader().batches(Partition(file=file, unit="u", columns=("nope",))))


def test_class_labels_that_are_not_all_integers_are_strings(tmp_path: Path) -> None:
    members: list[Member] = [("a.cls", b"3"), ("b.cls", b" -4\n"), ("c.cls", b"cat")]
    table = read(data_file(write_shard(tmp_path / "a.tar", members)))
    assert table.schema.field("cls").type == pa.string()
    assert table["cls"].to_pylist() == ["3", " -4\n", "cat"]
    members = [("a.cls", b"3"), ("b.cls", b" -4\n"), ("c.id", b"99999999999999999999")]
    table = read(data_file(write_shard(tmp_path / "b.tar", members)))
    assert table["cls"].to_pylist() == [3, -4, None]
    assert table.schema.field("id").type == pa.string()  # beyond int64


def test_json_that_is_not_always_an_object_is_kept_as_text(tmp_path: Path) -> None:
    members: list[Member] = [("a.json", b'{"x": 1}'), ("b.json", b"[1, 2]")]
    file = data_file(write_shard(tmp_path / "a.tar", members))
    info = WebDatasetReader().inspect(file)
    assert "not all JSON objects" in info.warnings[0]
    assert read(file)["json"].to_pylist() == ['{"x": 1}', "[1, 2]"]


def test_json_fields_that_change_type_are_kept_as_text(tmp_path: Path) -> None:
    members: list[Member] = [("a.json", b'{"x": 1}'), ("b.json", b'{"x": "one"}')]
    file = data_file(write_shard(tmp_path / "a.tar", members))
    assert "one type per field" in WebDatasetReader().inspect(file).warnings[0]
    assert read(file).schema.names == ["__key__", "json"]


def test_nested_json_is_flattened_one_level(tmp_path: Path) -> None:
    obj = {"size": {"w": 1, "h": 2}, "tags": ["a", "b"]}
    members: list[Member] = [("a.meta.json", json.dumps(obj).encode())]
    table = read(data_file(write_shard(tmp_path / "a.tar", members)))
    assert table.schema.names == ["__key__", "meta.json.size", "meta.json.tags"]
    assert table["meta.json.size"].to_pylist() == [{"w": 1, "h": 2}]
    assert table["meta.json.tags"].to_pylist() == [["a", "b"]]


def test_a_name_clash_is_renamed_with_a_warning(tmp_path: Path) -> None:
    members: list[Member] = [("a.json", b'{"x": 1}'), ("a.json.x", b"raw")]
    file = data_file(write_shard(tmp_path / "a.tar", members))
    info = WebDatasetReader().inspect(file)
    assert info.schema.names == ["__key__", "json.x", "json.x__2"]
    assert "duplicate column 'json.x'" in info.warnings[0]
    assert read(file).to_pylist() == [{"__key__": "a", "json.x": 1, "json.x__2": b"raw"}]


def test_pickles_are_kept_as_opaque_bytes_and_never_unpickled(tmp_path: Path) -> None:
    canary = tmp_path / "unpickled"

    class Boom:
        def __reduce__(self) -> tuple[object, tuple[str, str]]:
            return (Path.write_text, (str(canary), "pwned"))  # type: ignore[return-value]

    payload = pickle.dumps(Boom())
    members: list[Member] = [("a.txt", b"x"), ("a.pyd", payload), ("b.txt", b"y"), ("b.pth", b"")]
    file = data_file(write_shard(tmp_path / "a.tar", members))
    info = WebDatasetReader().inspect(file)
    assert info.schema.field("pyd").type == pa.binary()
    assert any("'pyd'" in w and "never unpickled" in w for w in info.warnings)
    assert read(file)["pyd"].to_pylist() == [payload, None]
    profile(tmp_path)
    assert not canary.exists()


def test_members_without_an_extension_are_skipped_with_a_warning(tmp_path: Path) -> None:
    members: list[Member] = [("README", b"hi"), (".hidden.txt", b"x"), ("a.txt", b"ok")]
    dirinfo = tarfile.TarInfo("sub")
    dirinfo.type = tarfile.DIRTYPE
    file = data_file(write_shard(tmp_path / "a.tar", [dirinfo, *members]))
    info = WebDatasetReader().inspect(file)
    assert info.rows == 1
    assert info.warnings == ("a.tar: 2 member(s) without an extension skipped (first: 'README')",)


def test_a_gzip_shard(tmp_path: Path) -> None:
    members = [m for i in range(3) for m in sample(f"s{i}", i)]
    file = data_file(write_shard(tmp_path / "a.tar.gz", members, mode="w:gz"))
    assert read(file).num_rows == 3


@pytest.mark.parametrize("fmt", [tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
def test_long_member_names(tmp_path: Path, fmt: int) -> None:
    key = "deep/" * 30 + "k" * 120
    path = tmp_path / "a.tar"
    with tarfile.open(path, "w", format=fmt) as tar:
        for ext, data in [("txt", "héllo".encode()), ("cls", b"7")]:
            info = tarfile.TarInfo(f"{key}.{ext}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    assert read(data_file(path)).to_pylist() == [{"__key__": key, "txt": "héllo", "cls": 7}]


def test_an_empty_shard(tmp_path: Path) -> None:
    file = data_file(write_shard(tmp_path / "a.tar", []))
    assert WebDatasetReader().inspect(file).rows == 0
    assert read(file).num_rows == 0


def test_many_members_stream_with_bounded_headers(tmp_path: Path) -> None:
    members: list[Member] = [(f"s{i:05d}.txt", b"t") for i in range(3000)]
    table = read(data_file(write_shard(tmp_path / "a.tar", members)))
    assert table.num_rows == 3000 and table["__key__"][2999].as_py() == "s02999"


# -- bad and unsafe shards ------------------------------------------------------------------------


def test_a_member_escaping_the_root_is_refused(tmp_path: Path) -> None:
    members: list[Member] = [("a.txt", b"ok"), ("../evil.txt", b"gotcha")]
    text = error_of(data_file(write_shard(tmp_path / "a.tar", members), "shards/a.tar"))
    assert text.startswith("shards/a.tar: member '../evil.txt' has a path outside the shard")
    assert not (tmp_path.parent / "evil.txt").exists()


@pytest.mark.parametrize("name", ["/etc/evil.txt", "a/../../evil.txt"])
def test_absolute_and_dotdot_names_are_refused(tmp_path: Path, name: str) -> None:
    text = error_of(data_file(write_shard(tmp_path / "a.tar", [(name, b"x")])))
    assert f"member '{name}'" in text and "outside the shard" in text


@pytest.mark.parametrize(
    ("kind", "what"),
    [
        (tarfile.SYMTYPE, "a symlink to"),
        (tarfile.LNKTYPE, "a hard link to"),
        (tarfile.CHRTYPE, "a device"),
    ],
)
def test_links_and_devices_are_refused(tmp_path: Path, kind: bytes, what: str) -> None:
    link = tarfile.TarInfo("s1.txt")
    link.type = kind
    link.linkname = "/etc/passwd"
    shard = write_shard(tmp_path / "a.tar", [("s0.txt", b"ok"), link])
    text = error_of(data_file(shard))
    assert text.startswith(f"a.tar: member 's1.txt' is {what}")


def test_bad_utf8_names_shard_member_and_byte(tmp_path: Path) -> None:
    members: list[Member] = [("a.txt", b"fine"), ("b.txt", b"caf\xe9")]
    text = error_of(data_file(write_shard(tmp_path / "a.tar", members)))
    assert text.startswith("a.tar: member 'b.txt': byte 0xE9 at offset 3 is not valid UTF-8")


def test_invalid_json_names_the_member_line_and_column(tmp_path: Path) -> None:
    members: list[Member] = [("a.json", b'{\n  "x": 1,\n}')]
    text = error_of(data_file(write_shard(tmp_path / "a.tar", members)))
    assert text.startswith("a.tar: member 'a.json': invalid JSON at line 3 column 1")


def test_a_repeated_member_is_refused(tmp_path: Path) -> None:
    members: list[Member] = [("a.txt", b"1"), ("a.txt", b"2")]
    text = error_of(data_file(write_shard(tmp_path / "a.tar", members)))
    assert "member 'a.txt' repeats extension 'txt' of sample 'a'" in text


def test_a_truncated_shard_names_the_last_member(tmp_path: Path) -> None:
    members: list[Member] = [(f"s{i}.bin", bytes(2000)) for i in range(4)]
    path = write_shard(tmp_path / "a.tar", members)
    path.write_bytes(path.read_bytes()[:5000])
    text = error_of(data_file(path))
    assert text.startswith("a.tar: cannot read the tar shard after member 's1.bin'")


def test_not_a_tar(tmp_path: Path) -> None:
    path = tmp_path / "a.tar"
    path.write_bytes(b"this is not a tar archive at all" * 40)
    assert error_of(data_file(path)).startswith("a.tar: cannot read the tar shard")


# -- through discovery and profiling --------------------------------------------------------------


def test_shards_of_splits_are_discovered_and_profiled(tmp_path: Path) -> None:
    for name, start in [("train-000000", 0), ("train-000001", 10), ("test-000000", 20)]:
        members = [m for i in range(start, start + 10) for m in sample(f"{name}/{i:04d}", i)]
        write_shard(tmp_path / f"{name}.tar", members)
    layout = discover(tmp_path)
    assert layout.splits_from == "file names"
    assert {f.rel: (f.split, f.format) for f in layout.files} == {
        "train-000000.tar": ("train", "webdataset"),
        "train-000001.tar": ("train", "webdataset"),
        "test-000000.tar": ("test", "webdataset"),
    }
    result = profile(tmp_path, workers=1)
    train, test = result.splits["train"], result.splits["test"]
    assert (train.rows, test.rows) == (20, 10)
    assert set(train.columns) == {"__key__", "jpg", "cls", "json.width", "json.source", "txt"}
    assert train.columns["cls"].summary().distinct == 3
    assert train.columns["jpg"].kind == "binary" and train.columns["txt"].kind == "string"
    assert train.columns["__key__"].summary().distinct == 20
    assert result.column_order["train"][:2] == ["__key__", "jpg"]


def test_shards_of_one_split_that_differ_in_columns_and_label_types(tmp_path: Path) -> None:
    from datacard.profiling import profile

    root = tmp_path / "wds"
    root.mkdir()
    write_shard(root / "train-000000.tar", [("a.txt", b"one"), ("a.cls", b"1")])
    write_shard(
        root / "train-000001.tar",
        [("b.txt", b"two"), ("b.cls", b"dog"), ("c.txt", b"three"), ("c.cls", b"cat")],
    )
    write_shard(root / "train-000002.tar", [("d.cls", b"2")])
    result = profile(root, workers=1)
    split = result.splits["train"]
    assert split.rows == 4
    text, cls = split.columns["txt"], split.columns["cls"]
    assert (text.count, text.nulls) == (3, 1)  # the shard without text counts as missing
    assert cls.type == "string" and cls.count == 4  # ids and words: text for all
