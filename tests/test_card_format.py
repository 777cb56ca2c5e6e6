"""Cards written by older datacard versions still load; newer formats fail clearly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cli_run import run
from datacard.card import CARD_FORMAT, DriftPolicy
from datacard.yamlio import load_card

FORMAT_1 = Path(__file__).parent / "data" / "card-format-1"


@pytest.fixture
def old(tmp_path: Path) -> Path:
    """A copy of a card written before ``format``, ``changelog`` and ``policy.drift`` existed."""
    folder = tmp_path / "old"
    shutil.copytree(FORMAT_1, folder)
    return folder


def test_a_format_1_card_still_loads_checks_and_compares(
    capsys: pytest.CaptureFixture[str], old: Path
) -> None:
    text = (old / "datacard.yaml").read_text()
    assert "\nformat:" not in text and "changelog" not in text and "drift:" not in text
    assert run(capsys, "check", str(old))[0] == 0
    card = load_card(old / "datacard.yaml").card
    assert card.format == 1 and card.changelog == [] and card.policy.drift == DriftPolicy()
    assert run(capsys, "drift", str(old), str(old / "train.csv"))[0] == 0


def test_update_keeps_an_old_card_s_human_part(
    capsys: pytest.CaptureFixture[str], old: Path
) -> None:
    card = old / "datacard.yaml"
    before = card.read_text()
    (old / "train.csv").write_text((old / "train.csv").read_text() + "7,45,Nice,yes\n")
    assert run(capsys, "update", str(old))[0] == 0
    after = card.read_text()
    marker = "# ---- measured by datacard"
    human_before, human_after = before.split(marker)[0], after.split(marker)[0]
    pairs = zip(human_before.splitlines(), human_after.splitlines(), strict=True)
    changed = [(a, b) for a, b in pairs if a != b]
    assert len(changed) == 3  # the generated answers: row count, missing values, class balance
    assert ('      answer: "6 rows."', '      answer: "7 rows."') in changed
    assert all(a.startswith("      answer: ") for a, _ in changed)
    assert "rows: 7" in after


def test_a_newer_card_format_fails_clearly(capsys: pytest.CaptureFixture[str], old: Path) -> None:
    card = old / "datacard.yaml"
    newer = CARD_FORMAT + 1
    card.write_text(f"format: {newer}\n" + card.read_text())
    code, _, err = run(capsys, "check", str(old))
    assert code == 2
    assert err.count("\n") == 1
    assert f"datacard.yaml:1: format: Value error, this card is format {newer}" in err
    assert "upgrade" in err


def test_a_sidecar_of_another_format_fails_clearly(
    capsys: pytest.CaptureFixture[str], old: Path
) -> None:
    (sidecar,) = (old / ".datacard").glob("profile-*.json")
    data = json.loads(sidecar.read_text())
    data["format"] = "datacard-profile/9"
    sidecar.write_text(json.dumps(data))
    code, _, err = run(capsys, "drift", str(old), str(old / "train.csv"))
    assert code == 2
    assert "'datacard-profile/9'" in err and "datacard update --force" in err
