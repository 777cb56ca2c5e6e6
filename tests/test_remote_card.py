"""A card whose data lives behind a URL (``init DIR --data URL``, kept in ``policy.data``):
every command reads the data from the URL, on the local engine and on Dask; the card stays in
DIR. ``file://`` URLs go through fsspec like ``s3://`` would, and work across processes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from datacard.cli import app
from datacard.yamlio import load_card


def _data(root: Path, shift: float = 0.0) -> None:
    rng = np.random.default_rng(4)
    for split, n in (("train", 20_000), ("test", 4_000)):
        (root / split).mkdir(parents=True, exist_ok=True)
        table = pa.table(
            {"x": rng.normal(shift, 1.0, n), "y": rng.choice(["a", "b"], n), "id": np.arange(n)}
        )
        pq.write_table(table, root / split / "part.parquet", row_group_size=5_000)


def test_a_card_of_data_behind_a_url(tmp_path: Path) -> None:
    data, cards = tmp_path / "bucket" / "reviews", tmp_path / "cards" / "reviews"
    _data(data)
    url = f"file://{data}"
    runner = CliRunner()
    made = runner.invoke(app, ["init", str(cards), "--data", url])
    assert made.exit_code == 0, made.output
    card = load_card(cards / "datacard.yaml").card
    assert card.policy.data == url and card.name == "reviews"
    assert card.measured is not None
    assert {f.path for f in card.measured.files} == {"train/part.parquet", "test/part.parquet"}
    assert not (data / "datacard.yaml").exists()  # nothing is written next to the data

    ok = runner.invoke(app, ["check", str(cards), "--json"])
    codes = [f["code"] for f in json.loads(ok.output)["findings"]]
    assert ok.exit_code == 0 and not [c for c in codes if not c.startswith("card.")], ok.output
    assert runner.invoke(app, ["update", str(cards)]).output.count("up to date") == 1

    _data(data, shift=0.5)  # the data behind the URL changes
    changed = runner.invoke(app, ["check", str(cards), "--json", "--fast"])
    assert changed.exit_code == 1
    assert "file.changed" in {f["code"] for f in json.loads(changed.output)["findings"]}
    drifted = runner.invoke(app, ["drift", str(cards), f"{url}/train", "--json"])
    assert drifted.exit_code == 1 and json.loads(drifted.output)["verdict"] != "stable"
    updated = runner.invoke(app, ["update", str(cards)])
    assert updated.exit_code == 0 and "file changed: train/part.parquet" in updated.output


def test_a_url_card_checks_on_a_dask_cluster(
    tmp_path: Path, dask_connects: list[tuple[str | None, int | None]]
) -> None:
    data, cards = tmp_path / "data", tmp_path / "card"
    _data(data)
    runner = CliRunner()
    made = runner.invoke(
        app, ["init", str(cards), "--data", f"file://{data}", "--engine", "dask", "--workers", "2"]
    )
    assert made.exit_code == 0, made.output
    checked = runner.invoke(app, ["check", str(cards), "--json", "--engine", "dask"])
    assert checked.exit_code == 0, checked.output
    assert dask_connects == [(None, 2), (None, None)]  # a new LocalCluster per command


def test_data_must_be_a_url(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["init", str(tmp_path / "c"), "--data", str(tmp_path)])
    assert result.exit_code == 2 and "is not a URL" in result.output


def test_leaks_and_contamination_read_the_cards_url(tmp_path: Path) -> None:
    data, cards = tmp_path / "bucket" / "qa", tmp_path / "cards" / "qa"
    texts = [f"question number {i} about the topic {i % 7} and more words" for i in range(400)]
    for split, rows in (("train", texts[:300]), ("test", texts[290:])):  # 10 shared
        (data / split).mkdir(parents=True)
        pq.write_table(pa.table({"q": rows}), data / split / "part.parquet")
    bench = tmp_path / "bench.jsonl"
    bench.write_text("".join(json.dumps({"question": t}) + "\n" for t in texts[5:8]))
    runner = CliRunner()
    made = runner.invoke(app, ["init", str(cards), "--data", f"file://{data}"])
    assert made.exit_code == 0, made.output

    leaks = runner.invoke(app, ["leaks", str(cards), "--text", "q", "--json"])
    pairs = json.loads(leaks.output)["pairs"]
    exact = [p for p in pairs if p["kind"] == "exact" and p["a"] != p["b"]]
    assert exact and exact[0]["count"] == 10, leaks.output

    found = runner.invoke(app, ["contamination", str(cards), "--benchmark", f"{bench}:question"])
    assert found.exit_code == 1 and "3 of 3" in found.output, found.output
