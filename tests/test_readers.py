"""The built-in readers on good input: partitions, columns, row offsets, formats."""

from __future__ import annotations

import bz2
import gzip
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as pds
import pyarrow.feather as feather
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest
import zstandard

from datacard.errors import SourceError, UsageError
from datacard.readers import arrow as arrow_mod
from datacard.readers import csv as csv_mod
from datacard.readers import memory as memory_mod
from datacard.readers import parquet as parquet_mod
from datacard.readers.arrow import ArrowReader
from datacard.readers.base import BATCH_ROWS, DataFile, Partition, unique_names
from datacard.readers.csv import CsvReader
from datacard.readers.jsonl import JsonlReader
from datacard.readers.memory import MemoryReader, from_object, memory_partitions
from datacard.readers.parquet import ParquetReader

TABLE = pa.table(
    {
        "id": pa.array(range(1000), pa.int64()),
        "label": pa.array(["cat", "dog"] * 500),
        "score": pa.array([i / 7 for i in range(1000)]),
    }
)


def data_file(path: Path, fmt: str, compression: str | None = None) -> DataFile:
    return DataFile(
        path=str(path), rel=path.name, split="train", format=fmt, compression=compression
    )


def read_all(reader: object, file: DataFile) -> pa.Table:
    parts = reader.partitions(file)  # type: ignore[attr-defined]
    batches = [b for p in parts for b in reader.batches(p)]  # type: ignore[attr-defined]
    return pa.Table.from_batches(batches)


def plain(table: pa.Table) -> dict[str, list[object]]:
    """Values with dictionary columns decoded, for comparing content."""
    return {
        name: col.to_pylist() for name, col in zip(table.schema.names, table.columns, strict=True)
    }


# -- parquet ------------------------------------------------------------------------------------


def test_parquet_partitions_group_row_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parquet_mod, "PARTITION_ROWS", 250)
    path = tmp_path / "a.parquet"
    pq.write_table(TABLE, path, row_group_size=100)
    file = data_file(path, "parquet")
    parts = ParquetReader().partitions(file)
    assert [p.row_groups for p in parts] == [(0, 1, 2), (3, 4, 5), (6, 7, 8), (9,)]
    assert [p.row_offset for p in parts] == [0, 300, 600, 900]
    assert len({p.unit for p in parts}) == 4
    assert plain(read_all(ParquetReader(), file)) == plain(TABLE)
    first = pa.Table.from_batches(list(ParquetReader().batches(parts[1])))
    assert first["id"].to_pylist() == list(range(300, 600))


def test_parquet_single_row_group_is_one_partition(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    pq.write_table(TABLE, path)
    parts = ParquetReader().partitions(data_file(path, "parquet"))
    assert [(p.row_groups, p.row_offset) for p in parts] == [((0,), 0)]


def test_parquet_batches_are_bounded(tmp_path: Path) -> None:
    path = tmp_path / "big.parquet"
    n = BATCH_ROWS * 2 + 5
    pq.write_table(pa.table({"x": pa.array(range(n))}), path)
    sizes = [b.num_rows for b in read_all(ParquetReader(), data_file(path, "parquet")).to_batches()]
    assert max(sizes) <= BATCH_ROWS and sum(sizes) == n


def test_parquet_columns_are_honoured(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    pq.write_table(TABLE, path, row_group_size=100)
    file = data_file(path, "parquet")
    part = Partition(file=file, unit="u", row_groups=(2,), columns=("score", "id"), row_offset=200)
    table = pa.Table.from_batches(list(ParquetReader().batches(part)))
    assert table.schema.names == ["score", "id"]
    assert table["id"].to_pylist() == list(range(200, 300))


def test_parquet_reads_dictionary_encoded_strings_as_dictionaries(tmp_path: Path) -> None:
    encoded, plain_path = tmp_path / "dict.parquet", tmp_path / "plain.parquet"
    pq.write_table(TABLE, encoded)
    pq.write_table(TABLE, plain_path, use_dictionary=False)
    got = read_all(ParquetReader(), data_file(encoded, "parquet"))
    assert pa.types.is_dictionary(got.schema.field("label").type)
    assert got["label"].to_pylist() == TABLE["label"].to_pylist()
    got = read_all(ParquetReader(), data_file(plain_path, "parquet"))
    assert got.schema.field("label").type == pa.string()


def test_parquet_inspect(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    pq.write_table(TABLE, path, row_group_size=300)
    info = ParquetReader().inspect(data_file(path, "parquet"))
    assert info.rows == 1000 and info.schema.names == ["id", "label", "score"]
    assert info.warnings == ()


def test_parquet_without_rows(tmp_path: Path) -> None:
    path = tmp_path / "empty.parquet"
    pq.write_table(TABLE.slice(0, 0), path)
    file = data_file(path, "parquet")
    assert ParquetReader().inspect(file).rows == 0
    assert sum(b.num_rows for p in ParquetReader().partitions(file) for b in p.batches()) == 0


def test_partition_batches_finds_the_reader_by_entry_point(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    pq.write_table(TABLE, path)
    part = ParquetReader().partitions(data_file(path, "parquet"))[0]
    assert sum(b.num_rows for b in part.batches()) == 1000


# -- csv ----------------------------------------------------------------------------------------

CSV = "id,name,score\n1,ann,0.5\n2,bob,\n3,,1e3\n"


@pytest.mark.parametrize(
    ("suffix", "compression", "encode"),
    [
        ("", None, lambda b: b),
        (".gz", "gzip", gzip.compress),
        (".bz2", "bz2", bz2.compress),
        (".zst", "zstd", lambda b: zstandard.ZstdCompressor().compress(b)),
    ],
)
def test_csv_plain_and_compressed(
    tmp_path: Path, suffix: str, compression: str | None, encode: object
) -> None:
    path = tmp_path / f"a.csv{suffix}"
    path.write_bytes(encode(CSV.encode()))  # type: ignore[operator]
    table = read_all(CsvReader(), data_file(path, "csv", compression))
    assert table.schema == pa.schema(
        [("id", pa.int64()), ("name", pa.string()), ("score", pa.float64())]
    )
    assert plain(table) == {
        "id": [1, 2, 3],
        "name": ["ann", "bob", None],
        "score": [0.5, None, 1000.0],
    }


def test_tsv_and_quoted_multiline_cells(tmp_path: Path) -> None:
    path = tmp_path / "a.tsv"
    path.write_text('text\tn\n"two\nlines, with a comma"\t1\nplain\t2\n')
    table = read_all(CsvReader(), data_file(path, "tsv"))
    assert plain(table) == {"text": ["two\nlines, with a comma", "plain"], "n": [1, 2]}


def test_csv_columns_and_inspect(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(CSV)
    file = data_file(path, "csv")
    info = CsvReader().inspect(file)
    assert info.rows is None and info.schema.names == ["id", "name", "score"]
    [part] = CsvReader().partitions(file)
    assert (part.unit, part.byte_range, part.row_offset) == ("a.csv", None, 0)
    part = Partition(file=file, unit="a.csv", columns=("score", "id"))
    table = pa.Table.from_batches(list(CsvReader().batches(part)))
    assert plain(table) == {"score": [0.5, None, 1000.0], "id": [1, 2, 3]}


def test_tsv_byte_ranges_read_like_one_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ranges after the first get the names and types of the file's first block, split on tabs."""
    monkeypatch.setattr(csv_mod, "RANGE_BYTES", 4 << 10)
    path = tmp_path / "a.tsv"
    path.write_text("n\tname\n" + "".join(f"{i}\tx, {i}\n" for i in range(3000)))
    file = data_file(path, "tsv")
    assert len(CsvReader().partitions(file)) >= 3
    assert plain(read_all(CsvReader(), file)) == {
        "n": list(range(3000)),
        "name": [f"x, {i}" for i in range(3000)],
    }


def test_a_byte_range_of_some_columns_is_read_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_mod, "RANGE_BYTES", 4 << 10)
    path = tmp_path / "a.csv"
    path.write_text("n,name,score\n" + "".join(f"{i},x{i},{i / 4}\n" for i in range(3000)))
    file = data_file(path, "csv")
    reads: list[tuple[int, int]] = []

    def spy(path: str, start: int, end: int) -> pa.Buffer:
        reads.append((start, end))
        return real(path, start, end)

    real = csv_mod.read_range
    monkeypatch.setattr(csv_mod, "read_range", spy)
    parts = [replace(p, columns=("score", "n")) for p in CsvReader().partitions(file)]
    batches = [b for p in parts for b in CsvReader().batches(p)]
    assert pa.Table.from_batches(batches)["n"].to_pylist() == list(range(3000))
    assert reads == [p.byte_range for p in parts]


def test_csv_header_only(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("a,b\n")
    file = data_file(path, "csv")
    assert CsvReader().inspect(file).schema.names == ["a", "b"]
    assert sum(b.num_rows for b in CsvReader().batches(CsvReader().partitions(file)[0])) == 0


def test_csv_keeps_empty_quoted_strings_and_nulls_apart(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text('s,t\n"",x\n,y\n')
    table = read_all(CsvReader(), data_file(path, "csv"))
    assert table["s"].to_pylist() == ["", None]


# -- jsonl --------------------------------------------------------------------------------------


def test_jsonl_plain_gzip_and_columns(tmp_path: Path) -> None:
    rows = [{"a": 1, "b": "x", "c": {"d": [1, 2]}}, {"a": 2.5, "b": None}, {"a": 3, "b": "z"}]
    text = "\n".join(json.dumps(r) for r in rows) + "\n\n"
    for name, data, comp in [
        ("a.jsonl", text.encode(), None),
        ("b.jsonl.gz", gzip.compress(text.encode()), "gzip"),
    ]:
        path = tmp_path / name
        path.write_bytes(data)
        file = data_file(path, "jsonl", comp)
        table = read_all(JsonlReader(), file)
        assert table["a"].to_pylist() == [1.0, 2.5, 3.0]
        assert table["c"].to_pylist() == [{"d": [1, 2]}, None, None]
        assert JsonlReader().inspect(file).rows == 3
        part = Partition(file=file, unit=name, columns=("b",))
        assert plain(pa.Table.from_batches(list(JsonlReader().batches(part)))) == {
            "b": ["x", None, "z"]
        }


def test_jsonl_long_line_beyond_the_block_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datacard.readers import jsonl

    monkeypatch.setattr(jsonl, "BLOCK_SIZE", 64)
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"t": "x" * 500}) + "\n" + json.dumps({"t": "y"}) + "\n")
    assert read_all(JsonlReader(), data_file(path, "jsonl"))["t"].to_pylist() == ["x" * 500, "y"]


# -- arrow --------------------------------------------------------------------------------------


def write_ipc(path: Path, table: pa.Table, stream: bool, chunk: int = 100) -> None:
    opener = ipc.new_stream if stream else ipc.new_file
    with opener(path, table.schema) as writer:
        for batch in table.to_batches(max_chunksize=chunk):
            writer.write_batch(batch)


def test_arrow_file_partitions_by_record_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(arrow_mod, "PARTITION_ROWS", 450)
    path = tmp_path / "a.arrow"
    write_ipc(path, TABLE, stream=False)
    file = data_file(path, "arrow")
    parts = ArrowReader().partitions(file)
    assert [p.row_groups for p in parts] == [(0, 1, 2, 3, 4), (5, 6, 7, 8, 9)]
    assert [p.row_offset for p in parts] == [0, 500]
    assert ArrowReader().inspect(file).rows == 1000
    second = pa.Table.from_batches(list(ArrowReader().batches(parts[1])))
    assert second["id"].to_pylist() == list(range(500, 1000))
    assert read_all(ArrowReader(), file).equals(TABLE)


def test_arrow_stream_and_feather(tmp_path: Path) -> None:
    stream = tmp_path / "s.arrow"
    write_ipc(stream, TABLE, stream=True)
    v2 = tmp_path / "v2.feather"
    feather.write_feather(TABLE, v2)
    for path in (stream, v2):
        file = data_file(path, "arrow")
        assert plain(read_all(ArrowReader(), file)) == plain(TABLE), path.name
        part = Partition(file=file, unit=path.name, columns=("label",))
        assert pa.Table.from_batches(list(ArrowReader().batches(part))).schema.names == ["label"]
    assert len(ArrowReader().partitions(data_file(stream, "arrow"))) == 1


# -- duplicate column names ------------------------------------------------------------------


def test_unique_names() -> None:
    assert unique_names(["a", "a", "a__2", "b", "a"]) == ["a", "a__3", "a__2", "b", "a__4"]


DUP = pa.table([pa.array([1, 2]), pa.array(["x", "y"]), pa.array([3, 4])], names=["a", "b", "a"])


@pytest.mark.parametrize("fmt", ["parquet", "arrow", "csv"])
def test_duplicate_columns_are_renamed_consistently(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"d.{fmt}"
    if fmt == "parquet":
        pq.write_table(DUP, path)
        reader: object = ParquetReader()
    elif fmt == "arrow":
        write_ipc(path, DUP, stream=False)
        reader = ArrowReader()
    else:
        path.write_text("a,b,a\n1,x,3\n2,y,4\n")
        reader = CsvReader()
    file = data_file(path, fmt)
    info = reader.inspect(file)  # type: ignore[attr-defined]
    assert info.schema.names == ["a", "b", "a__2"]
    assert info.warnings == (f"d.{fmt}: duplicate column 'a' kept as 'a__2'",)
    assert plain(read_all(reader, file)) == {"a": [1, 2], "b": ["x", "y"], "a__2": [3, 4]}
    part = Partition(file=file, unit="u", columns=("a__2", "b"))
    got = pa.Table.from_batches(list(reader.batches(part)))  # type: ignore[attr-defined]
    assert plain(got) == {"a__2": [3, 4], "b": ["x", "y"]}
    part = Partition(file=file, unit="u", columns=("b",))
    assert pa.Table.from_batches(list(reader.batches(part))).schema.names == ["b"]  # type: ignore[attr-defined]


# -- in memory ----------------------------------------------------------------------------------


def test_from_object_pyarrow_kinds() -> None:
    batch = TABLE.to_batches()[0]
    for obj in (TABLE, batch, pds.dataset(TABLE)):
        [(split, table)] = from_object(obj)
        assert split == "train" and table.num_rows == 1000
    assert [s for s, _ in from_object({"a": TABLE, "b": TABLE})] == ["a", "b"]


def test_from_object_pandas_and_polars() -> None:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    df = pd.DataFrame([[1, "x", 2]], columns=["a", "b", "a"])
    [(_, table)] = from_object(df)
    assert table.schema.names == ["a", "b", "a__2"] and table.num_rows == 1
    named = pd.DataFrame({"v": [1, 2]}, index=pd.Index(["p", "q"], name="key"))
    assert from_object(named)[0][1].schema.names == ["v", "key"]
    [(_, table)] = from_object(pl.DataFrame({"x": [1, 2, 3]}))
    assert table.column("x").to_pylist() == [1, 2, 3]


def test_from_object_hf_datasets() -> None:
    datasets = pytest.importorskip("datasets")
    ds = datasets.Dataset.from_dict({"x": [1, 2, 3, 4]}, split="test")
    assert [(s, t.num_rows) for s, t in from_object(ds)] == [("test", 4)]
    picked = ds.select([3, 1])
    assert from_object(picked)[0][1]["x"].to_pylist() == [4, 2]
    dd = datasets.DatasetDict({"train": datasets.Dataset.from_dict({"x": [1]}), "validation": ds})
    assert [(s, t.num_rows) for s, t in from_object(dd)] == [("train", 1), ("validation", 4)]


def test_from_object_unknown_type() -> None:
    with pytest.raises(UsageError, match=r"builtins\.list"):
        from_object([1, 2])
    pl = pytest.importorskip("polars")
    with pytest.raises(UsageError, match=r"LazyFrame.*collect\(\)"):
        from_object(pl.LazyFrame({"x": [1]}))
    datasets = pytest.importorskip("datasets")
    streaming = datasets.Dataset.from_dict({"x": [1]}).to_iterable_dataset()
    with pytest.raises(UsageError, match=r"IterableDataset.*materialise"):
        from_object(streaming)


def test_from_object_mixed_pandas_column_is_a_source_error() -> None:
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"x": pd.Series([1, "two"], dtype=object)})
    with pytest.raises(SourceError, match=r"<memory>: cannot convert pandas.*one type"):
        from_object(df)


def test_memory_partitions_and_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory_mod, "PARTITION_ROWS", 400)
    parts = memory_partitions("test", TABLE)
    assert [(p.row_offset, p.table.num_rows) for p in parts] == [(0, 400), (400, 400), (800, 200)]  # type: ignore[union-attr]
    assert parts[0].file == DataFile(path="", rel="<memory:test>", split="test", format="memory")
    assert len({p.unit for p in parts}) == 3
    reader = MemoryReader()
    part = Partition(file=parts[1].file, unit=parts[1].unit, columns=("id",), table=parts[1].table)
    got = pa.Table.from_batches(list(reader.batches(part)))
    assert got.schema.names == ["id"] and got["id"].to_pylist() == list(range(400, 800))
    assert pa.Table.from_batches([b for p in parts for b in reader.batches(p)]).equals(TABLE)


def test_memory_reader_inspect_and_duplicates() -> None:
    reader = MemoryReader({"train": DUP})
    file = DataFile(path="", rel="<memory:train>", split="train", format="memory")
    info = reader.inspect(file)
    assert info.schema.names == ["a", "b", "a__2"] and info.rows == 2 and len(info.warnings) == 1
    [part] = reader.partitions(file)
    assert plain(pa.Table.from_batches(list(reader.batches(part)))) == {
        "a": [1, 2],
        "b": ["x", "y"],
        "a__2": [3, 4],
    }
    with pytest.raises(UsageError, match="no in-memory table for split 'test'"):
        reader.inspect(DataFile(path="", rel="<memory:test>", split="test", format="memory"))


def test_readers_do_not_import_optional_libraries() -> None:
    code = (
        "import sys, datacard.layout, datacard.readers.memory, datacard.readers.csv, "
        "datacard.readers.parquet, datacard.readers.jsonl, datacard.readers.arrow; "
        "print(sorted(m for m in ('pandas', 'polars', 'datasets') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
