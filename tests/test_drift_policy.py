"""The card's ``policy.drift`` decides thresholds, important columns and the retrain rule."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cli_run import run

N = 20_000


def table(rng: np.random.Generator, shift: float, label_share: float) -> pa.Table:
    return pa.table(
        {
            "x": rng.normal(shift, 1.0, N),
            "y": rng.normal(shift, 1.0, N),
            "label": pa.array(rng.choice(["a", "b"], N, p=[label_share, 1 - label_share])),
        }
    )


@pytest.fixture
def folders(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path, Path]:
    rng = np.random.default_rng(11)
    root, shifted, relabelled = tmp_path / "card", tmp_path / "shifted", tmp_path / "labels"
    for folder in (root, shifted, relabelled):
        folder.mkdir()
    pq.write_table(table(rng, 0.0, 0.5), root / "train.parquet")
    pq.write_table(table(rng, 0.15, 0.5), shifted / "batch.parquet")
    pq.write_table(table(rng, 0.0, 0.6), relabelled / "batch.parquet")
    assert run(capsys, "init", str(root), "--label", "label")[0] == 0
    return root, shifted, relabelled


def set_drift_policy(root: Path, lines: str) -> None:
    card = root / "datacard.yaml"
    text = card.read_text()
    default = (
        "  drift:\n    thresholds: {}\n    columns: {}\n    important: []\n    retrain_columns: 3\n"
    )
    assert default in text
    card.write_text(text.replace(default, "  drift:\n" + lines))


def drift(capsys: pytest.CaptureFixture[str], root: Path, data: Path) -> tuple[int, dict]:  # type: ignore[type-arg]
    code, out, _ = run(capsys, "drift", str(root), str(data), "--json")
    return code, json.loads(out)


def test_defaults_flag_a_small_mean_shift(
    capsys: pytest.CaptureFixture[str], folders: tuple[Path, Path, Path]
) -> None:
    root, shifted, _ = folders
    code, report = drift(capsys, root, shifted)
    assert code == 1 and report["verdict"] == "drifted"
    assert report["columns"]["x"]["drifted"] and report["columns"]["y"]["drifted"]


def test_column_overrides_loosen_one_column_only(
    capsys: pytest.CaptureFixture[str], folders: tuple[Path, Path, Path]
) -> None:
    root, shifted, _ = folders
    set_drift_policy(
        root,
        "    thresholds: {}\n"
        "    columns:\n"
        "      x: {mean_shift: 0.5, wasserstein: 0.5}\n"
        "    important: []\n",
    )
    code, report = drift(capsys, root, shifted)
    assert report["columns"]["x"]["drifted"] is False
    assert report["columns"]["y"]["drifted"] is True
    assert code == 1 and report["verdict"] == "drifted"


def test_card_wide_thresholds_apply_to_every_column(
    capsys: pytest.CaptureFixture[str], folders: tuple[Path, Path, Path]
) -> None:
    root, shifted, _ = folders
    set_drift_policy(
        root,
        "    thresholds: {mean_shift: 0.5, wasserstein: 0.5}\n    columns: {}\n    important: []\n",
    )
    code, report = drift(capsys, root, shifted)
    assert code == 0 and report["verdict"] == "stable"


def test_label_drift_means_retrain(
    capsys: pytest.CaptureFixture[str], folders: tuple[Path, Path, Path]
) -> None:
    root, _, relabelled = folders
    code, report = drift(capsys, root, relabelled)
    assert code == 1 and report["verdict"] == "retrain"
    assert report["columns"]["label"]["drifted"] is True


def test_important_columns_and_retrain_count(
    capsys: pytest.CaptureFixture[str], folders: tuple[Path, Path, Path]
) -> None:
    root, shifted, _ = folders
    set_drift_policy(
        root,
        "    thresholds: {}\n    columns: {}\n    important: [x, y]\n    retrain_columns: 2\n",
    )
    assert drift(capsys, root, shifted)[1]["verdict"] == "retrain"
    set_drift_policy_text = (root / "datacard.yaml").read_text()
    (root / "datacard.yaml").write_text(
        set_drift_policy_text.replace("important: [x, y]", "important: [x, nosuch]")
    )
    code, report = drift(capsys, root, shifted)
    assert code == 1 and report["verdict"] == "drifted"
    assert "policy.drift names 'nosuch', which is not a column of the card" in report["notes"]


def test_a_bad_threshold_is_one_line_with_the_line_number(
    capsys: pytest.CaptureFixture[str], folders: tuple[Path, Path, Path]
) -> None:
    root, shifted, _ = folders
    set_drift_policy(root, "    thresholds: {psi: -1}\n    columns: {}\n    important: []\n")
    code, _, err = run(capsys, "drift", str(root), str(shifted))
    assert code == 2 and err.count("\n") == 1
    assert "policy.drift.thresholds.psi" in err and "greater than 0" in err
