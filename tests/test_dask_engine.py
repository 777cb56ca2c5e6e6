"""The Dask engine gives the card the local engine gives, on a real LocalCluster of 2 worker
processes: exact for counts, nulls, min/max, hashes and top values, to floating-point tolerance
for moments, within the sketch's bound for quantiles; a worker killed mid-run changes nothing;
an unreachable scheduler is one line naming its address."""

from __future__ import annotations

import json
import math
import os
import signal
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from datacard.cli import app
from datacard.errors import UsageError
from datacard.executors import engine_scope, open_engine
from datacard.executors.dask import DaskExecutor
from datacard.measured import ColumnSummary, Measured
from datacard.profiling import profile
from datacard.workflow import init_card

ROWS = 48_000
EXACT = ("type", "kind", "count", "nulls", "nan", "posinf", "neginf", "min", "max")
MOMENTS = ("mean", "std", "skewness")


def _dataset(root: Path) -> dict[str, np.ndarray[Any, Any]]:
    """train: two Parquet files of 6 row groups each; test: a CSV. Returns train's raw x."""
    rng = np.random.default_rng(8)
    xs = []
    (root / "train").mkdir(parents=True)
    (root / "test").mkdir()
    for k in range(2):
        n = ROWS // 2
        x = rng.lognormal(size=n)
        x[rng.random(n) < 0.03] = np.nan
        null = rng.random(n) < 0.05
        xs.append(np.where(null, np.nan, x))
        table = pa.table(
            {
                "id": pa.array(np.arange(k * n, (k + 1) * n)),
                "x": pa.array(x, mask=null),
                "cat": pa.array(rng.choice(["red", "green", "blue", "grey"], n)),
                "text": pa.array([f"doc {i % 997} about {i % 13}" for i in range(n)]),
                "when": pa.array(
                    np.datetime64("2026-01-01") + rng.integers(0, 10**6, n).astype("m8[s]")
                ),
                "flag": pa.array(rng.random(n) < 0.3),
            }
        )
        pq.write_table(table, root / "train" / f"part-{k}.parquet", row_group_size=n // 6)
    test = pa.table({"id": pa.array(np.arange(3000)), "x": pa.array(rng.normal(size=3000))})
    pacsv.write_csv(test, root / "test" / "test.csv")
    return {"x": np.concatenate(xs)}


def _assert_column(name: str, a: ColumnSummary, b: ColumnSummary, raw: Any = None) -> None:
    for field in EXACT:
        assert getattr(a, field) == getattr(b, field), (name, field)
    for field in MOMENTS:
        x, y = getattr(a, field), getattr(b, field)
        if isinstance(x, float) and isinstance(y, float):
            assert math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12), (name, field, x, y)
        else:
            assert x == y, (name, field)
    if a.distinct is not None or b.distinct is not None:  # HLL: within its bound
        assert a.distinct is not None and b.distinct is not None
        assert abs(a.distinct - b.distinct) <= 0.02 * max(a.distinct, 1), name
    assert a.top == b.top, name
    assert a.length == b.length and a.tokens == b.tokens, name
    if a.quantiles is not None and raw is not None:  # KLL: each within 2 % of rank
        assert b.quantiles is not None and a.quantiles.keys() == b.quantiles.keys()
        finite = np.sort(raw[np.isfinite(raw)])
        for q, value in b.quantiles.items():
            rank = np.searchsorted(finite, float(value)) / len(finite)
            assert abs(rank - float(q)) <= 0.02, (name, q, rank)


def _assert_same(local: Measured, dask: Measured, raw: dict[str, Any]) -> None:
    assert local.files == dask.files  # paths, sizes, sha256
    assert local.content_hash == dask.content_hash
    assert local.splits.keys() == dask.splits.keys()
    for split, s in local.splits.items():
        d = dask.splits[split]
        assert (s.rows, s.duplicate_rows) == (d.rows, d.duplicate_rows), split
        assert list(s.columns) == list(d.columns), split
        for name in s.columns:
            column_raw = raw.get(name) if split == "train" else None
            _assert_column(f"{split}.{name}", s.columns[name], d.columns[name], column_raw)


def test_dask_card_equals_local_card(tmp_path: Path, cluster: DaskExecutor) -> None:
    raw = _dataset(tmp_path / "data")
    local = profile(tmp_path / "data", workers=2).measured()
    seen: list[tuple[int, int]] = []
    on_dask = profile(
        tmp_path / "data", engine=cluster, progress=lambda d, t: seen.append((d, t))
    ).measured()
    _assert_same(local, on_dask, raw)
    # the progress bar is driven by completed partitions (at least one per file)
    assert seen and seen[-1][0] == seen[-1][1] >= 3
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_a_card_written_on_dask_reads_back_and_checks_clean(
    tmp_path: Path, cluster: DaskExecutor
) -> None:
    _dataset(tmp_path)
    written = init_card(tmp_path, engine=cluster)
    assert written.card.measured is not None and written.card.measured.splits["train"].rows == ROWS
    from datacard.workflow import check_card

    def data_findings(engine: Any) -> list[str]:  # (card.* findings: unwritten datasheet)
        return [f.code for f in check_card(tmp_path, engine=engine) if f.code[:5] != "card."]

    assert data_findings(cluster) == []
    assert data_findings(None) == []  # and the local engine agrees with the Dask-made card


def test_a_client_is_an_engine_and_is_left_open(tmp_path: Path, cluster: DaskExecutor) -> None:
    _dataset(tmp_path)
    with engine_scope(cluster.client) as engine:
        rows = profile(tmp_path, engine=engine).splits["train"].rows
    assert rows == ROWS
    assert cluster.client.status == "running"


def _kill_one_worker(executor: DaskExecutor) -> int:
    pids: dict[str, int] = executor.client.run(os.getpid)
    victim = sorted(pids.values())[0]
    os.kill(victim, signal.SIGKILL)
    return victim


def test_a_worker_killed_mid_run_is_replaced_and_the_result_is_still_right(
    tmp_path: Path,
) -> None:
    raw = _dataset(tmp_path)
    local = profile(tmp_path, workers=1).measured()
    killed: list[int] = []
    lock = threading.Lock()

    def progress(done: int, total: int) -> None:
        with lock:
            if done == 2 and not killed:  # partitions finished, more still to run
                killed.append(_kill_one_worker(executor))

    executor = DaskExecutor.connect(None, workers=2)
    try:
        result = profile(tmp_path, engine=executor, progress=progress).measured()
    finally:
        executor.close()
    assert killed, "the run ended before a worker could be killed"
    _assert_same(local, result, raw)


def test_an_unreachable_scheduler_is_one_line_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATACARD_DASK_CONNECT_TIMEOUT", "1")
    _dataset(tmp_path)
    result = CliRunner().invoke(
        app, ["init", str(tmp_path), "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9"]
    )
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "tcp://127.0.0.1:9" in lines[0], result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "datacard.yaml").exists()


def test_engine_names_are_checked(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown executor 'spark'"), open_engine("spark"):
        pass
    with pytest.raises(UsageError, match="did you mean 'dask'"), open_engine("dsak"):
        pass
    result = CliRunner().invoke(app, ["init", str(tmp_path), "--engine", "dsak"])
    assert result.exit_code == 2
    assert result.output == "error: unknown executor 'dsak' (did you mean 'dask'?)\n"
    with pytest.raises(UsageError, match="--engine dask"), open_engine(None, scheduler="x:1"):
        pass


def test_cli_init_and_check_on_a_new_local_cluster(
    tmp_path: Path, dask_connects: list[tuple[str | None, int | None]]
) -> None:
    _dataset(tmp_path)
    runner = CliRunner()
    made = runner.invoke(app, ["init", str(tmp_path), "--engine", "dask", "--workers", "2"])
    assert made.exit_code == 0, made.output
    checked = runner.invoke(app, ["check", str(tmp_path), "--json", "--engine", "dask"])
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.output)["ok"] is True
    assert dask_connects == [(None, 2), (None, None)]  # a new LocalCluster per command


def _images(root: Path) -> None:
    from PIL import Image

    rng = np.random.default_rng(2)
    for split, classes in (("train", ("cat", "dog")), ("test", ("cat",))):
        for name in classes:
            folder = root / split / name
            folder.mkdir(parents=True)
            for k in range(6):
                pixels = rng.integers(0, 255, (24 + k, 32, 3), dtype=np.uint8)
                Image.fromarray(pixels).save(folder / f"{k}.png")
    (root / "train" / "dog" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")


def test_image_folders_profile_alike_on_dask(tmp_path: Path, cluster: DaskExecutor) -> None:
    _images(tmp_path)
    local = profile(tmp_path, workers=1).measured(label="label")
    on_dask = profile(tmp_path, engine=cluster).measured(label="label")
    assert on_dask.splits["train"].rows == 13
    _assert_same(local, on_dask, {})
    image = on_dask.splits["train"].columns["image"]
    assert image.model_dump() == local.splits["train"].columns["image"].model_dump()


def _drift_case(root: Path) -> tuple[Path, Path]:
    rng = np.random.default_rng(5)
    card_dir, new = root / "card", root / "new"
    card_dir.mkdir()
    new.mkdir()
    n = 30_000
    base = {"x": rng.normal(size=n), "c": rng.choice(["a", "b", "c"], n)}
    pq.write_table(pa.table(base), card_dir / "data.parquet", row_group_size=5_000)
    shifted = {"x": rng.normal(0.3, 1.0, n), "c": rng.choice(["a", "b", "c"], n)}
    pq.write_table(pa.table(shifted), new / "data.parquet", row_group_size=5_000)
    init_card(card_dir)
    return card_dir, new


def test_drift_on_dask_gives_the_local_verdicts(tmp_path: Path, cluster: DaskExecutor) -> None:
    from datacard.drift.windows import drift_windows
    from datacard.workflow import drift_report

    card_dir, new = _drift_case(tmp_path)
    local = drift_report(card_dir, new)
    on_dask = drift_report(card_dir, new, engine=cluster)
    assert on_dask.verdict == local.verdict == "drifted"
    assert sorted(on_dask.columns) == sorted(local.columns)
    for name, column in local.columns.items():
        assert on_dask.columns[name].drifted == column.drifted, name
    windows_local = drift_windows(card_dir, new, "10000")
    windows_dask = drift_windows(card_dir, new, "10000", engine=cluster)
    assert [(w.rows, w.verdict) for w in windows_dask.windows] == [
        (w.rows, w.verdict) for w in windows_local.windows
    ]
    assert len(windows_dask.windows) == 3


def test_the_local_engine_never_imports_dask(tmp_path: Path) -> None:
    import subprocess
    import sys

    pq.write_table(pa.table({"x": [1, 2, 3]}), tmp_path / "d.parquet")
    code = (
        "import sys; from datacard.workflow import init_card; "
        f"init_card({str(tmp_path)!r}); print('dask' in sys.modules, 'distributed' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.parametrize("row_group_size", [6_000, 100_000])  # many partitions; a column split
def test_duplicate_rows_are_counted_by_a_shuffle_not_up_the_tree(
    tmp_path: Path, cluster: DaskExecutor, row_group_size: int
) -> None:
    rng = np.random.default_rng(11)
    n = 30_000
    for k in range(2):  # few distinct rows: many duplicates, within and across files
        table = pa.table(
            {
                "a": pa.array(rng.integers(0, 40, n)),
                "b": pa.array(rng.choice(["x", "y", "z"], n)),
                "c": pa.array(rng.integers(0, 5, n).astype(float)),
            }
        )
        pq.write_table(table, tmp_path / f"part-{k}.parquet", row_group_size=row_group_size)
    local = profile(tmp_path, workers=1).splits["train"]
    on_dask = profile(tmp_path, engine=cluster)
    sp = on_dask.splits["train"]
    assert sp.row_hashes == {}  # they never came back to the client
    assert sp.duplicate_rows() == local.duplicate_rows() > 50_000
    assert on_dask.measured().splits["train"].duplicate_rows == local.duplicate_rows()


def test_cut_and_count_equal_the_sorted_count() -> None:
    from hypothesis import given
    from hypothesis import strategies as st

    from datacard.profiling import count_duplicates, cut_row_hashes

    @given(
        st.lists(st.lists(st.integers(0, 30), max_size=40), min_size=1, max_size=6),
        st.integers(1, 7),
    )
    def check(parts: list[list[int]], buckets: int) -> None:
        pieces = [{("s", f"u{i}"): np.array(p, np.uint64)} for i, p in enumerate(parts)]
        cut = [cut_row_hashes(pieces[i::2], buckets) for i in range(2)]  # two groups
        counts = [count_duplicates([c[k] for c in cut]) for k in range(buckets)]
        every = np.sort(np.array([v for p in parts for v in p], np.uint64))
        expected = int(np.count_nonzero(every[1:] == every[:-1]))
        assert sum(c.get("s", 0) for c in counts) == expected

    check()
