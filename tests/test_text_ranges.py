"""Large CSV and JSON Lines files are read as byte ranges in parallel, like one sequential read."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from datacard.profiling import profile
from datacard.readers import csv as csv_reader
from datacard.readers.csv import record_boundaries


def _write(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "value"])
        for i in range(rows):
            text = f'line {i}\nwith a "quote", a comma and a break' if i % 7 == 0 else f"plain {i}"
            writer.writerow([i, text, i * 0.5 if i % 11 else ""])


def test_boundaries_never_cut_a_quoted_field(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    _write(path, 3000)
    bounds = record_boundaries(str(path), 1000)
    assert bounds[0] == 0 and bounds[-1] == path.stat().st_size and len(bounds) > 10
    raw = path.read_bytes()
    for cut in bounds[1:-1]:
        assert raw[cut - 1 : cut] == b"\n"
        assert raw[:cut].count(b'"') % 2 == 0


def test_ranges_profile_like_one_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path / "data.csv", 4000)
    whole = profile(tmp_path, workers=1).measured()
    monkeypatch.setattr(csv_reader, "RANGE_BYTES", 8 << 10)
    parts = csv_reader.CsvReader().partitions(_file(tmp_path))
    assert len(parts) > 5
    ranged = profile(tmp_path, workers=2).measured()
    assert ranged.files == whole.files
    a, b = whole.splits["train"], ranged.splits["train"]
    assert (a.rows, a.duplicate_rows) == (b.rows, b.duplicate_rows) == (4000, 0)
    for name in ("id", "text", "value"):
        x, y = a.columns[name], b.columns[name]
        assert (x.type, x.count, x.nulls, x.distinct, x.min, x.max) == (
            y.type,
            y.count,
            y.nulls,
            y.distinct,
            y.min,
            y.max,
        )
        assert x.length == y.length and x.top == y.top


def _file(root: Path) -> csv_reader.DataFile:
    from datacard.layout import discover

    return discover(root).files[0]


def test_large_jsonl_is_read_in_ranges_like_one_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from datacard.readers import jsonl as jsonl_reader

    with (tmp_path / "d.jsonl").open("w", encoding="utf-8") as handle:
        for i in range(3000):
            row = {"id": i, "text": f'say "hi"\\n{i}', "score": i / 3, "tags": ["a", str(i % 5)]}
            handle.write(json.dumps(row) + "\n")
    whole = profile(tmp_path, workers=1).measured().splits["train"]
    monkeypatch.setattr(jsonl_reader, "RANGE_BYTES", 8 << 10)
    assert len(jsonl_reader.JsonlReader().partitions(_file(tmp_path))) > 5
    ranged = profile(tmp_path, workers=2).measured().splits["train"]
    assert (whole.rows, whole.duplicate_rows) == (ranged.rows, ranged.duplicate_rows) == (3000, 0)
    for name in ("id", "text", "score", "tags"):
        a, b = whole.columns[name], ranged.columns[name]
        assert (a.type, a.count, a.nulls, a.distinct, a.min, a.max) == (
            b.type,
            b.count,
            b.nulls,
            b.distinct,
            b.min,
            b.max,
        )
