"""Monitoring windows (``datacard drift --window``): cutting, counting, comparing, recording."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from cli_run import run
from datacard.drift import windows
from datacard.drift.monitoring import MAX_RUNS, MONITORING_FILE, read_runs, record_run
from datacard.drift.timeaxis import parse_window, period_start, times_us
from datacard.drift.windows import drift_windows
from datacard.errors import UsageError
from datacard.workflow import init_card

DAY = 86_400
START = int(dt.datetime(2024, 3, 4, tzinfo=dt.UTC).timestamp())  # a Monday
REFERENCE_ROWS = 40_000


def rows(n: int, seed: int, *, shift: float = 0.0, days: int = 1) -> dict[str, Any]:
    """Columns of a table: ts (seconds over ``days`` days from START), x, c and n."""
    rng = np.random.default_rng(seed)
    return {
        "ts": START + rng.integers(0, days * DAY, n),
        "x": rng.normal(shift, 1.0, n),
        "c": rng.choice(np.array(["a", "b", "c"]), n, p=[0.5, 0.3, 0.2]),
        "n": rng.integers(0, 10, n),
    }


def table(columns: dict[str, Any]) -> pa.Table:
    out = dict(columns)
    out["ts"] = pa.array(np.asarray(columns["ts"]) * 1_000_000, pa.timestamp("us"))
    return pa.table(out)


@pytest.fixture(scope="module")
def card(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("card")
    pq.write_table(table(rows(REFERENCE_ROWS, 1, days=30)), root / "train.parquet")
    init_card(root)
    return root


# ---------------------------------------------------------------------------- row windows


def test_row_windows_run_across_files_in_order(card: Path, tmp_path: Path) -> None:
    data = tmp_path / "prod"
    data.mkdir()
    whole = table(rows(65_000, 2, days=30))  # the card's 30 days: ts does not drift
    pq.write_table(whole.slice(0, 25_000), data / "a.parquet", row_group_size=10_000)
    pq.write_table(whole.slice(25_000, 25_000), data / "b.parquet")
    pq.write_table(whole.slice(50_000), data / "c.parquet")
    result = drift_windows(card, data, "20000")
    assert [(w.index, w.start, w.end, w.rows) for w in result.windows] == [
        (0, 0, 20_000, 20_000),
        (1, 20_000, 40_000, 20_000),
        (2, 40_000, 60_000, 20_000),
        (3, 60_000, 65_000, 5_000),
    ]
    assert [w.verdict for w in result.windows[:3]] == ["stable"] * 3
    assert result.windows[-1].notes == [
        "a short last window: 5,000 of 20,000 rows (small samples are noisy)"
    ]
    # each window holds exactly its rows: the mean of x is the mean of that slice
    x, ref = whole["x"].to_numpy(), rows(REFERENCE_ROWS, 1, days=30)["x"]
    for w in result.windows:
        assert w.report is not None
        shift = w.report.columns["x"].metrics["mean_shift"]
        expected = (x[int(w.start) : int(w.end)].mean() - ref.mean()) / np.std(ref, ddof=1)
        assert shift == pytest.approx(expected, rel=1e-6, abs=1e-9)


def test_row_windows_in_text_files_count_rows_as_they_read(card: Path, tmp_path: Path) -> None:
    data = tmp_path / "prod"
    data.mkdir()
    whole = table(rows(30_000, 3, days=30))
    pacsv.write_csv(whole.slice(0, 12_345), data / "a.csv")
    lines = [json.dumps(r, default=str) for r in whole.slice(12_345).to_pylist()]
    (data / "b.jsonl").write_text("\n".join(lines) + "\n")
    result = drift_windows(card, data, "10000")
    assert [(w.start, w.rows) for w in result.windows] == [
        (0, 10_000),
        (10_000, 10_000),
        (20_000, 10_000),
    ]


def test_a_planted_shift_drifts_only_its_row_window(card: Path, tmp_path: Path) -> None:
    data = tmp_path / "prod"
    data.mkdir()
    cols = rows(80_000, 4, days=30)
    cols["x"][40_000:60_000] += 0.5
    pq.write_table(table(cols), data / "batch.parquet", row_group_size=7_000)
    result = drift_windows(card, data, "20000")
    verdicts = [w.verdict for w in result.windows]
    assert verdicts[2] in ("drifted", "retrain") and verdicts[:2] + verdicts[3:] == ["stable"] * 3
    assert result.windows[2].drifted[0] == "x"
    assert result.drifted


# ---------------------------------------------------------------------------- periods


def iso(seconds: np.ndarray[Any, Any]) -> list[str]:
    return [dt.datetime.fromtimestamp(int(s), dt.UTC).isoformat() for s in seconds]


def test_day_windows_on_unsorted_data_with_an_empty_day_and_missing_times(
    card: Path, tmp_path: Path
) -> None:
    data = tmp_path / "prod"
    data.mkdir()
    cols = rows(120_000, 5, days=7)
    day = (cols["ts"] - START) // DAY
    keep = day != 3  # nothing on the fourth day
    cols = {k: v[keep] for k, v in cols.items()}
    day = day[keep]
    times: list[str | None] = iso(cols["ts"])  # unsorted: random times, as ISO text with +00:00
    for i in range(0, len(times), 997):
        times[i] = None
    for i in range(5, len(times), 1999):
        times[i] = "yesterday"
    text = pa.table({**cols, "ts": times})
    pq.write_table(text.slice(0, 50_000), data / "a.parquet")
    pq.write_table(text.slice(50_000), data / "b.parquet")
    result = drift_windows(card, data, "1d", time_column="ts")
    nulls = sum(t is None for t in times)
    bad = sum(t == "yesterday" for t in times)
    known = np.array([t is not None and t != "yesterday" for t in times])
    expected = np.bincount(day[known], minlength=7)
    assert [w.rows for w in result.windows] == expected.tolist()
    assert expected[3] == 0 and len(result.windows) == 7
    empty = result.windows[3]
    assert (empty.verdict, empty.report, empty.to_json()["columns"]) == ("empty", None, {})
    assert [w.start for w in result.windows[2:5]] == [
        "2024-03-06T00:00:00Z",
        "2024-03-07T00:00:00Z",
        "2024-03-08T00:00:00Z",
    ]
    assert result.windows[0].end == result.windows[1].start
    assert all(w.verdict == "stable" for i, w in enumerate(result.windows) if i != 3)
    assert not result.drifted  # empty windows are reported, not failed
    note = next(n for n in result.notes if "no time" in n)
    assert f"{nulls + bad:,} rows have no time in column 'ts'" in note
    assert f"{nulls:,} null" in note and f"{bad:,} not ISO-8601, e.g. 'yesterday'" in note


def test_a_planted_shift_drifts_only_its_day(card: Path, tmp_path: Path) -> None:
    data = tmp_path / "prod"
    data.mkdir()
    cols = rows(100_000, 6, days=5)
    day = (cols["ts"] - START) // DAY
    cols["c"][day == 2] = "z"  # a new category on day 2 only
    pq.write_table(table(cols), data / "batch.parquet", row_group_size=9_000)
    result = drift_windows(card, data, "1d", time_column="ts")
    assert [w.verdict for w in result.windows] == ["stable", "stable", "drifted"] + ["stable"] * 2
    assert result.windows[2].drifted == ["c"]
    assert "column 'ts' orders the windows and is not compared" in result.notes
    assert all("ts" not in (w.report.columns if w.report else {}) for w in result.windows)


def test_time_types_agree() -> None:
    seconds = [START, START + 3600, START + DAY - 1]
    micros = [s * 1_000_000 for s in seconds]
    as_text = [dt.datetime.fromtimestamp(s, dt.UTC).strftime("%Y-%m-%d %H:%M:%S") for s in seconds]
    zoned = [
        dt.datetime.fromtimestamp(s, dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=-5)))
        for s in seconds
    ]
    for arr in (
        pa.array(micros, pa.timestamp("us")),
        pa.array([m * 1000 for m in micros], pa.timestamp("ns", "Europe/Oslo")),
        pa.array(seconds, pa.timestamp("s", "UTC")),
        pa.array(as_text),
        pa.array([z.isoformat() for z in zoned]),
        pa.array([z.isoformat(timespec="microseconds") + "" for z in zoned], pa.large_string()),
        pa.array(as_text).dictionary_encode(),
    ):
        t, ok, bad = times_us(arr)
        assert (t.tolist(), ok.tolist(), bad) == (micros, [True] * 3, 0), arr.type
    days, ok, _ = times_us(pa.array([dt.date(2024, 3, 4)]))
    assert days.tolist() == [START * 1_000_000] and ok.tolist() == [True]
    mixed = ["2024-03-04T00:00:00.000000001Z", "2024-03-04 01:00:00+01:00", "2024-03-04", None]
    t, ok, bad = times_us(pa.array(mixed))
    assert (t[:3].tolist(), ok.tolist(), bad) == ([START * 1_000_000] * 3, [True] * 3 + [False], 0)
    text = [
        "2024-02-30",
        "2023-02-29",
        "2024-02-29",
        "2024-13-01T00:00:00",
        "12",
        None,
        "2024-03-04",
    ]
    _, ok, bad = times_us(pa.array(text))
    assert ok.tolist() == [False, False, True, False, False, False, True] and bad == 4


def test_periods_are_calendar_aligned() -> None:
    six = parse_window("6h")
    assert period_start(six, (START + 7 * 3600) * 1_000_000 // six.period_us) == (
        "2024-03-04T06:00:00Z"
    )
    week = parse_window("1w")
    assert period_start(week, 0) == "1970-01-05T00:00:00Z"  # weeks start on Monday
    monday = (START * 1_000_000 - week.origin_us) // (week.period_us or 1)
    assert period_start(week, monday) == "2024-03-04T00:00:00Z"
    assert parse_window("30m").period_us == 1_800_000_000
    assert parse_window(" 2w ").period_us == 14 * DAY * 1_000_000


def test_too_many_windows_is_a_clear_error(card: Path, tmp_path: Path) -> None:
    data = tmp_path / "prod"
    data.mkdir()
    cols = rows(100, 7)
    cols["ts"] = np.array([START, START + 400 * DAY] * 50)
    pq.write_table(table(cols), data / "batch.parquet")
    with pytest.raises(UsageError, match="makes more than 10,000 windows"):
        drift_windows(card, data, "1m", time_column="ts")
    pq.write_table(table(rows(10_001, 7)), data / "batch.parquet")
    with pytest.raises(UsageError, match=r"--window 1 makes more than 10,000 windows \(10,001\)"):
        drift_windows(card, data, "1")


# ---------------------------------------------------------------------------- command line


def test_json_lines_and_exit_codes(
    capsys: pytest.CaptureFixture[str], card: Path, tmp_path: Path
) -> None:
    data = tmp_path / "prod"
    data.mkdir()
    cols = rows(60_000, 8, days=3)
    pq.write_table(table(cols), data / "batch.parquet")
    code, out, err = run(
        capsys, "drift", str(card), str(data), "--window", "1d", "--time-column", "ts", "--json"
    )
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [w["window"] for w in lines] == [0, 1, 2]
    first = lines[0]
    assert set(first) == {
        "window",
        "start",
        "end",
        "rows",
        "verdict",
        "drifted",
        "split",
        "columns",
        "schema",
        "notes",
    }
    assert (first["start"], first["end"], first["verdict"]) == (
        "2024-03-04T00:00:00Z",
        "2024-03-05T00:00:00Z",
        "stable",
    )
    assert sum(w["rows"] for w in lines) == 60_000 and first["drifted"] == []
    assert set(first["columns"]) == {"x", "c", "n"}
    x = first["columns"]["x"]
    assert x["drifted"] is False and 0 <= x["effect"] < 1 and "mean_shift" in x["metrics"]
    assert "note: column 'ts' orders the windows" in err  # notes go to stderr: stdout is JSON
    code, out, _ = run(capsys, "drift", str(card), str(data), "--window", "20000")
    assert code == 1  # ts is compared in row windows: new times drift by design
    assert "3 windows of 20000 rows compared with split train: 3 drifted" in out
    cols["x"][cols["ts"] >= START + DAY] += 1.0
    pq.write_table(table(cols), data / "batch.parquet")
    code, out, _ = run(
        capsys, "drift", str(card), str(data), "--window", "1d", "--time-column", "ts"
    )
    assert code == 1
    assert "3 windows of 1d by ts compared with split train: 2 drifted" in out
    assert "x (" in out


def test_the_cli_gives_workers_to_the_windows(
    capsys: pytest.CaptureFixture[str],
    card: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``--workers N`` with the local engine reaches the windows' process pool."""
    data = tmp_path / "prod"
    data.mkdir()
    pq.write_table(table(rows(3000, 9, days=30)), data / "a.parquet")
    seen: list[int | None] = []

    def spy(*args: Any, **kwargs: Any) -> windows.WindowedDrift:
        seen.append(kwargs["workers"])
        return real(*args, **kwargs)

    real = windows.drift_windows
    monkeypatch.setattr(windows, "drift_windows", spy)
    code, _, err = run(capsys, "drift", str(card), str(data), "--window", "1000", "--workers", "2")
    assert code in (0, 1), err
    assert seen == [2]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--window", "0"], "--window 0: a window needs at least one row"),
        (["--window", "3x"], "--window '3x' is neither a row count nor a period"),
        (["--window", "0d", "--time-column", "ts"], "a period must be longer than 0"),
        (["--window", "1d"], "--window 1d needs --time-column COL"),
        (["--window", "5", "--time-column", "ts"], "--time-column needs a period"),
        (["--time-column", "ts"], "--time-column needs --window"),
        (["--record"], "--record needs --window"),
        (["--window", "1d", "--time-column", "tss"], "no column 'tss' in the data (did you mean"),
        (["--window", "1d", "--time-column", "x"], "column 'x' is double, not a time"),
        (["--window", "1d", "--time-column", "c"], "no row has a time in column 'c'"),
        (["--window", "10", "--split", "test"], "the card has no split 'test'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], card: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    data = tmp_path / "prod"
    data.mkdir()
    pq.write_table(table(rows(100, 9)), data / "batch.parquet")
    code, out, err = run(capsys, "drift", str(card), str(data), *args)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert message in err


def test_record_then_read_runs(
    capsys: pytest.CaptureFixture[str], card: Path, tmp_path: Path
) -> None:
    data = card / "prod"  # inside the card's folder: recorded relative to it
    data.mkdir()
    try:
        pq.write_table(table(rows(30_000, 10, days=2)), data / "batch.parquet")
        args = ("drift", str(card), str(data), "--window", "1d", "--time-column", "ts", "--record")
        code, _, err = run(capsys, *args)
        assert code == 0 and "recorded 2 windows in" in err
        code, _, _ = run(capsys, "drift", str(card), str(data), "--window", "10000", "--record")
        runs = read_runs(card / "datacard.yaml")
        assert [(r.window, r.time_column, r.data, len(r.windows)) for r in runs] == [
            ("1d", "ts", "prod", 2),
            ("10000", None, "prod", 3),
        ]
        first = runs[0].windows[0]
        assert (first.start, first.verdict, first.drifted) == ("2024-03-04T00:00:00Z", "stable", [])
        assert set(first.effects) == {"x", "c", "n"} and max(first.effects.values()) < 1
        assert runs[1].windows[1].start == 10_000
        assert runs[0].recorded.endswith("Z") and runs[0].split == "train"
    finally:
        for f in data.iterdir():
            f.unlink()
        data.rmdir()
        (card / MONITORING_FILE).unlink()


def test_runs_are_bounded_and_bad_lines_are_skipped(tmp_path: Path) -> None:
    from datacard.drift.monitoring import Run, WindowRecord

    card = tmp_path / "datacard.yaml"
    for i in range(MAX_RUNS + 3):
        w = WindowRecord(0, 0, 10, 10, "stable", {"x": 0.1 * i, "y": float("inf")})
        record_run(card, Run(f"2024-01-01T00:00:{i:02d}Z", "d", "10", None, "train", [w]))
    path = tmp_path / MONITORING_FILE
    assert len(path.read_text().splitlines()) == MAX_RUNS
    runs = read_runs(card)
    assert runs[0].recorded == "2024-01-01T00:00:03Z" and runs[-1].windows[0].effects["y"] == float(
        "inf"
    )
    with path.open("a") as handle:
        handle.write('{"format": "datacard-monitoring/9"}\n[1, 2]\nnot json\n\n')
        handle.write('{"format": "datacard-monitoring/1", "recorded": "x"}\n')
    notes: list[str] = []
    assert len(read_runs(card, notes)) == MAX_RUNS
    assert len(notes) == 4 and all(n.startswith(f"{MONITORING_FILE} line ") for n in notes)
    assert "datacard-monitoring/9" in notes[0]
    assert read_runs(tmp_path / "elsewhere" / "datacard.yaml") == []


@pytest.mark.slow
def test_workers_split_columns_and_agree(card: Path, tmp_path: Path) -> None:
    """A single row group over 16 MiB: two workers take half the columns each (the time column
    read by both, its missing values counted once) and find what one worker finds."""
    data = tmp_path / "prod"
    data.mkdir()
    cols = rows(1_100_000, 11, days=30)
    cols["y"] = np.random.default_rng(12).normal(size=1_100_000)
    cols["c"][::50] = None
    frame = table(cols)
    when = pa.array(np.where(np.arange(1_100_000) % 1000 == 0, None, frame["ts"].to_pylist()))
    frame = frame.set_column(0, "ts", when.cast(pa.timestamp("us")))
    pq.write_table(frame, data / "big.parquet", row_group_size=2_000_000)
    assert (data / "big.parquet").stat().st_size > 16 << 20
    for window, column in (("300000", None), ("1w", "ts")):
        one = drift_windows(card, data, window, time_column=column, workers=1)
        two = drift_windows(card, data, window, time_column=column, workers=2)
        assert one.notes == two.notes
        assert [w.to_json()["rows"] for w in one.windows] == [w.rows for w in two.windows]
        for a, b in zip(one.windows, two.windows, strict=True):
            assert a.report is not None and b.report is not None
            assert a.report.schema == b.report.schema
            for name, c in a.report.columns.items():
                other = b.report.columns[name].metrics
                assert set(c.metrics) == set(other)
                for exact in ("mean_shift", "missing_change", "category_linf", "rows_current"):
                    if exact in c.metrics:
                        assert c.metrics[exact] == pytest.approx(other[exact], abs=1e-12)
    assert "1,100 rows have no time in column 'ts' (1,100 null)" in " ".join(two.notes)


def test_doctests() -> None:
    import doctest

    from datacard.drift import monitoring, timeaxis

    for module in (timeaxis, monitoring):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0, module.__name__
