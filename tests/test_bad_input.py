"""Bad input gives one SourceError line (what, where, how to fix) — never a raw pyarrow error.

Every case writes a real file and reads it with real pyarrow.
"""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datacard.errors import SourceError
from datacard.layout import discover
from datacard.readers import csv as csv_mod
from datacard.readers.arrow import ArrowReader
from datacard.readers.base import DataFile
from datacard.readers.csv import CsvReader
from datacard.readers.jsonl import JsonlReader
from datacard.readers.parquet import ParquetReader

READERS = {
    "parquet": ParquetReader,
    "csv": CsvReader,
    "tsv": CsvReader,
    "jsonl": JsonlReader,
    "arrow": ArrowReader,
}
TABLE = pa.table({"id": list(range(2000)), "text": [f"row {i}" for i in range(2000)]})


def file_of(path: Path, fmt: str, compression: str | None = None) -> DataFile:
    return DataFile(
        path=str(path), rel=f"train/{path.name}", split="train", format=fmt, compression=compression
    )


def read(file: DataFile) -> pa.Table:
    reader = READERS[file.format]()
    schema = reader.inspect(file).schema
    batches = [b for p in reader.partitions(file) for b in reader.batches(p)]
    return pa.Table.from_batches(batches, schema=None if batches else schema)


def error_of(file: DataFile) -> str:
    with pytest.raises(SourceError) as info:
        read(file)
    text = str(info.value)
    assert "\n" not in text
    return text


# -- any format ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_empty_file(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"e.{fmt}"
    path.write_bytes(b"")
    assert (
        error_of(file_of(path, fmt))
        == "train/e." + fmt + ": the file is empty (0 bytes) (remove it, or regenerate it)"
    )


def test_empty_compressed_text(tmp_path: Path) -> None:
    for fmt in ("csv", "jsonl"):
        path = tmp_path / f"e.{fmt}.gz"
        path.write_bytes(gzip.compress(b""))
        assert "no" in error_of(file_of(path, fmt, "gzip")).split(": ", 1)[1]


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_folder_named_like_a_data_file(tmp_path: Path, fmt: str) -> None:
    (tmp_path / f"x.{fmt}").mkdir()
    assert "is not a regular file" in error_of(file_of(tmp_path / f"x.{fmt}", fmt))


def test_folder_named_like_a_data_file_in_a_layout(tmp_path: Path) -> None:
    (tmp_path / "x.csv").mkdir()
    (tmp_path / "x.csv" / "inner.csv").write_text("a\n1\n")
    layout = discover(tmp_path)  # a folder is walked, never opened as a file
    assert [f.rel for f in layout.files] == ["x.csv/inner.csv"]


def test_dangling_symlink(tmp_path: Path) -> None:
    (tmp_path / "ok.csv").write_text("a\n1\n")
    (tmp_path / "gone.csv").symlink_to(tmp_path / "nowhere.csv")
    assert dict(discover(tmp_path).skipped) == {
        "gone.csv": "broken symlink (its target does not exist)"
    }
    text = error_of(file_of(tmp_path / "gone.csv", "csv"))
    assert text.startswith("train/gone.csv: cannot open the file") and "broken symlink" in text


def test_symlink_leaving_the_root(tmp_path: Path) -> None:
    (tmp_path / "secret.csv").write_text("a\n1\n")
    root = tmp_path / "data"
    root.mkdir()
    (root / "a.csv").write_text("a\n1\n")
    (root / "b.csv").symlink_to(tmp_path / "secret.csv")
    layout = discover(root)
    assert [f.rel for f in layout.files] == ["a.csv"]
    [(rel, reason)] = layout.skipped
    assert rel == "b.csv" and reason.startswith("symlink points outside the dataset root")


# -- parquet and arrow -------------------------------------------------------------------------


def test_truncated_parquet(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(TABLE, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    text = error_of(file_of(path, "parquet"))
    assert text.startswith("train/t.parquet: not a readable Parquet file")
    assert "re-download or re-export" in text


def test_not_parquet_named_parquet(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    path.write_text("id,text\n1,a\n")
    assert error_of(file_of(path, "parquet")).startswith(
        "train/t.parquet: not a readable Parquet file"
    )


def test_corrupt_parquet_page(tmp_path: Path) -> None:
    path = tmp_path / "c.parquet"
    pq.write_table(TABLE, path, compression="snappy", use_dictionary=False)
    md = pq.ParquetFile(path).metadata
    start = md.row_group(0).column(1).data_page_offset
    data = bytearray(path.read_bytes())
    data[start + 20 : start + 400] = b"\xff" * 380
    path.write_bytes(bytes(data))
    assert error_of(file_of(path, "parquet")).startswith(
        "train/c.parquet: cannot read Parquet data"
    )


@pytest.mark.parametrize("stream", [False, True])
def test_truncated_arrow(tmp_path: Path, stream: bool) -> None:
    path = tmp_path / "t.arrow"
    opener = ipc.new_stream if stream else ipc.new_file
    with opener(path, TABLE.schema) as writer:
        for batch in TABLE.to_batches(max_chunksize=100):
            writer.write_batch(batch)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    kind = "stream" if stream else "file"
    assert error_of(file_of(path, "arrow")).startswith(
        f"train/t.arrow: not a readable Arrow IPC {kind}"
    )


def test_legacy_feather(tmp_path: Path) -> None:
    path = tmp_path / "v1.feather"
    path.write_bytes(b"FEA1" + b"\0" * 64)
    assert "Feather v1" in error_of(file_of(path, "arrow"))


# -- csv ----------------------------------------------------------------------------------------


def csv_file(tmp_path: Path, data: bytes, name: str = "a.csv") -> DataFile:
    path = tmp_path / name
    path.write_bytes(data)
    return file_of(path, "tsv" if name.endswith(".tsv") else "csv")


def test_csv_ragged_row_names_the_line(tmp_path: Path) -> None:
    rows = b"".join(b"%d,%d,%d,%d\n" % (i, i, i, i) for i in range(10))
    data = b"a,b,c,d\n" + rows + b"1,2,3,4,5\n" + rows
    assert error_of(csv_file(tmp_path, data)) == (
        "train/a.csv:12: row has 5 fields, expected 4 (fix the row, or check the delimiter)"
    )


def test_tsv_ragged_row_after_a_multiline_cell(tmp_path: Path) -> None:
    data = b'a\tb\n"x\ny"\t1\nz\t2\t3\n'
    assert error_of(csv_file(tmp_path, data, "a.tsv")).startswith(
        "train/a.tsv:4: row has 3 fields, expected 2"
    )


@pytest.mark.parametrize(
    "data",
    [
        b'a,b,c\n1,2,3\n4,5,"6\n7,8,9\n10,11,12\n',  # pyarrow would swallow the rest into one cell
        b'a,b,c\n1,2,3\n4,"5,6\n7,8,9\n10,11,12\n',  # pyarrow would report a confusing ragged row
        b'a,b,c\n1,2,3\n4,5,"6',  # at the very end
    ],
)
def test_csv_unterminated_quote_names_the_line_it_opened(tmp_path: Path, data: bytes) -> None:
    text = error_of(csv_file(tmp_path, data))
    assert text.startswith(
        "train/a.csv:3: unterminated quote: the quote opened on line 3 is never closed"
    )
    assert '("")' in text


def test_csv_unterminated_quote_in_a_later_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_mod, "BLOCK_SIZE", 256)
    lines = [b"%d,text %d" % (i, i) for i in range(300)]
    lines[200] = b'200,"oops'
    text = error_of(csv_file(tmp_path, b"id,text\n" + b"\n".join(lines) + b"\n"))
    assert text.startswith("train/a.csv:202: unterminated quote")


def test_csv_stray_quote_closed_later(tmp_path: Path) -> None:
    text = error_of(csv_file(tmp_path, b'a,b\n1,"x\n2,y\n3,"z" w\n4,v\n'))
    assert text.startswith("train/a.csv:2: bad quoting in the row starting on line 2")


def test_csv_legit_multiline_cells_still_read(tmp_path: Path) -> None:
    table = read(csv_file(tmp_path, b'a,b\n1,"x\ny, z"\n2,"q"\n'))
    assert table["b"].to_pylist() == ["x\ny, z", "q"]


@pytest.mark.parametrize("later", [False, True])
def test_csv_latin1_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, later: bool) -> None:
    monkeypatch.setattr(csv_mod, "BLOCK_SIZE", 64 if later else 1 << 20)
    rows = [b"%d,name %d,x" % (i, i) for i in range(20)]
    rows[15] = b"15,caf\xe9,x"
    text = error_of(csv_file(tmp_path, b"id,name,other\n" + b"\n".join(rows) + b"\n"))
    assert text == (
        "train/a.csv:17: byte 0xE9 is not valid UTF-8, column 'name' "
        "(re-encode the file as UTF-8 (e.g. iconv -f latin1 -t utf-8))"
    )


def test_csv_latin1_byte_in_the_header(tmp_path: Path) -> None:
    assert error_of(csv_file(tmp_path, b"id,caf\xe9\n1,2\n")).startswith(
        "train/a.csv:1: byte 0xE9 is not valid UTF-8"
    )


def test_csv_type_change_after_the_first_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_mod, "BLOCK_SIZE", 64)
    rows = [b"%d,%d" % (i, i) for i in range(50)]
    rows[40] = b"40,forty"
    text = error_of(csv_file(tmp_path, b"id,n\n" + b"\n".join(rows) + b"\n"))
    assert text.startswith(
        "train/a.csv:42: column 'n' holds 'forty' (row 40) but its first rows were read as int64"
    )


def test_csv_utf8_bom(tmp_path: Path) -> None:
    table = read(csv_file(tmp_path, b"\xef\xbb\xbfid,name\n1,a\n"))
    assert table.schema.names == ["id", "name"]
    assert table["id"].to_pylist() == [1]


def test_csv_duplicate_columns(tmp_path: Path) -> None:
    file = csv_file(tmp_path, b"x,y,x,x\n1,2,3,4\n")
    info = CsvReader().inspect(file)
    assert info.schema.names == ["x", "y", "x__2", "x__3"]
    assert info.warnings == (
        "train/a.csv: duplicate column 'x' kept as 'x__2'",
        "train/a.csv: duplicate column 'x' kept as 'x__3'",
    )
    assert read(file).to_pylist() == [{"x": 1, "y": 2, "x__2": 3, "x__3": 4}]


def test_csv_all_null_and_non_finite_floats(tmp_path: Path) -> None:
    table = read(csv_file(tmp_path, b"f,empty\n1.5,\nnan,\ninf,\n-inf,\nNaN,\n,\n"))
    assert table.schema.field("f").type == pa.float64()
    assert table.schema.field("empty").type in (pa.null(), pa.float64(), pa.string())
    assert table["empty"].null_count == 6
    values = table["f"].to_pylist()
    assert values[0] == 1.5 and math.isnan(values[1]) and math.isnan(values[4])
    assert values[2:4] == [math.inf, -math.inf] and values[5] is None


def test_csv_corrupt_gzip(tmp_path: Path) -> None:
    path = tmp_path / "a.csv.gz"
    path.write_bytes(gzip.compress(b"a,b\n" + b"1,2\n" * 1000)[:40])
    text = error_of(file_of(path, "csv", "gzip"))
    assert text.startswith("train/a.csv.gz: ")


# -- json lines ----------------------------------------------------------------------------------


def jsonl_file(tmp_path: Path, lines: list[str]) -> DataFile:
    path = tmp_path / "a.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return file_of(path, "jsonl")


def test_jsonl_mixed_types(tmp_path: Path) -> None:
    lines = [json.dumps({"id": i, "label": "x"}) for i in range(5)]
    lines.insert(3, "")
    lines.append(json.dumps({"id": "six", "label": "y"}))
    assert error_of(jsonl_file(tmp_path, lines)) == (
        "train/a.jsonl:7: field 'id' is a string here but a number on line 1 "
        "(give the field one type in every line (e.g. quote the numbers))"
    )


def test_jsonl_mixed_types_nested(tmp_path: Path) -> None:
    lines = [
        json.dumps({"m": {"score": 1}}),
        json.dumps({"m": None}),
        json.dumps({"m": {"score": True}}),
    ]
    assert error_of(jsonl_file(tmp_path, lines)).startswith(
        "train/a.jsonl:3: field 'm.score' is a boolean here but a number on line 1"
    )


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ('{"id": 2,}', "invalid JSON at column 10"),
        ('{"id": 2', "invalid JSON"),
        ("[1, 2]", "line is a JSON array, not an object"),
        ('{"id": 2, "id": 3}', "field 'id' appears twice"),
    ],
)
def test_jsonl_invalid_line(tmp_path: Path, bad: str, message: str) -> None:
    lines = ['{"id": 0}', '{"id": 1}', bad, '{"id": 3}']
    assert error_of(jsonl_file(tmp_path, lines)).startswith(f"train/a.jsonl:3: {message}")


def test_jsonl_latin1(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"t": "ok"}\n{"t": "caf\xe9"}\n')
    text = error_of(file_of(path, "jsonl"))
    assert text.startswith("train/a.jsonl:2: byte 0xE9 is not valid UTF-8") and "UTF-8" in text


# -- no raw pyarrow error for any truncation ---------------------------------------------------


def _samples(tmp_path: Path) -> dict[str, bytes]:
    small = TABLE.slice(0, 300)
    out: dict[str, bytes] = {}
    pq.write_table(small, tmp_path / "s.parquet", row_group_size=100)
    out["parquet"] = (tmp_path / "s.parquet").read_bytes()
    with ipc.new_stream(tmp_path / "s.arrow", small.schema) as writer:
        writer.write_table(small, max_chunksize=50)
    out["arrow"] = (tmp_path / "s.arrow").read_bytes()
    out["csv"] = b"id,text\n" + b"".join(b'%d,"row, %d"\n' % (i, i) for i in range(300))
    out["jsonl"] = b"".join(
        json.dumps({"id": i, "t": f"r{i}"}).encode() + b"\n" for i in range(300)
    )
    return out


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(fmt=st.sampled_from(["parquet", "arrow", "csv", "jsonl"]), cut=st.floats(0.0, 1.0))
def test_truncation_never_leaks_a_raw_error(tmp_path: Path, fmt: str, cut: float) -> None:
    data = _samples(tmp_path)[fmt]
    path = tmp_path / f"cut.{fmt}"
    path.write_bytes(data[: int(len(data) * cut)])
    try:
        table = read(file_of(path, fmt))
    except SourceError as exc:
        assert str(exc).startswith(f"train/cut.{fmt}")
    else:
        assert table.num_rows <= 300
