"""``datacard audit`` end to end: findings stored in the card, read back by check and the
reports, accepted by policy, stale after a data change; masked everywhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_run import run

CARD_NUMBER = "4111 1111 1111 1111"
EMAIL = "jane.doe@example.org"


@pytest.fixture
def dataset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    root = tmp_path / "people"
    root.mkdir()
    rows = ["id,contact,note,label"]
    for i in range(200):
        contact = EMAIL if i % 10 == 0 else f"user {i}"
        note = f"paid with {CARD_NUMBER}" if i == 7 else f"order {1000 + i}"
        rows.append(f"{i},{contact},{note},{i % 2}")
    (root / "train.csv").write_text("\n".join(rows) + "\n")
    assert run(capsys, "init", str(root), "--label", "label")[0] == 0
    return root


def test_audit_stores_masked_findings_that_check_reports(
    capsys: pytest.CaptureFixture[str], dataset: Path
) -> None:
    code, out, _ = run(
        capsys, "audit", str(dataset), "--json", "--part", "pii", "--part", "licenses"
    )
    result = json.loads(out)
    codes = {f["code"] for f in result["findings"]}
    assert {"pii.email", "pii.payment-card", "license.missing"} <= codes
    assert code == 1  # a payment card number is an error
    card_text = (dataset / "datacard.yaml").read_text()
    for text in (out, card_text):
        assert EMAIL not in text and CARD_NUMBER not in text
        assert CARD_NUMBER.replace(" ", "") not in text
    email = next(f for f in result["findings"] if f["code"] == "pii.email")
    assert email["where"]["column"] == "contact" and email["evidence"]["count"] == 20
    assert "audit:" in card_text.split("# ---- measured by datacard")[1]
    code, out, _ = run(capsys, "check", str(dataset), "--json")
    checked = {f["code"] for f in json.loads(out)["findings"]}
    assert code == 1 and {"pii.email", "pii.payment-card"} <= checked


def test_accepted_findings_are_not_reported_and_a_data_change_makes_the_audit_stale(
    capsys: pytest.CaptureFixture[str], dataset: Path
) -> None:
    assert run(capsys, "audit", str(dataset), "--part", "pii")[0] == 1
    card = dataset / "datacard.yaml"
    card.write_text(
        card.read_text().replace(
            "  audit:\n    accept: []",
            "  audit:\n    accept: [pii.payment-card, pii.email:contact]",
        )
    )
    code, out, _ = run(capsys, "check", str(dataset), "--json")
    codes = {f["code"] for f in json.loads(out)["findings"]}
    assert code == 0 and not {"pii.email", "pii.payment-card"} & codes
    with (dataset / "train.csv").open("a") as f:
        f.write("200,someone,order 1,0\n")
    assert run(capsys, "update", str(dataset))[0] == 0
    code, out, _ = run(capsys, "check", str(dataset), "--json")
    assert "audit.stale" in {f["code"] for f in json.loads(out)["findings"]}


def test_framework_checklist_and_disclaimer(
    capsys: pytest.CaptureFixture[str], dataset: Path
) -> None:
    code, out, _ = run(
        capsys,
        "audit",
        str(dataset),
        "--part",
        "licenses",
        "--framework",
        "eu-ai-act",
        "--no-store",
    )
    assert "eu-ai-act:" in out and "not legal advice" in out
    assert "datasheet completeness:" in out
    assert "audit:" not in (dataset / "datacard.yaml").read_text().split("# ---- measured")[1]
    code, _, err = run(capsys, "audit", str(dataset), "--framework", "eu-ai-actt")
    assert code == 2 and "did you mean" in err and err.count("\n") == 1


def test_bad_options_are_one_line(capsys: pytest.CaptureFixture[str], dataset: Path) -> None:
    for args in (["--part", "nosuch"], ["--sample", "0"], ["--pii-backend", "nosuch"]):
        code, _, err = run(capsys, "audit", str(dataset), *args)
        assert code == 2 and err.count("\n") == 1, (args, err)


def test_croissant_export_carries_audit_findings(
    capsys: pytest.CaptureFixture[str], dataset: Path, tmp_path: Path
) -> None:
    run(capsys, "audit", str(dataset), "--part", "pii")
    target = tmp_path / "croissant.json"
    assert run(capsys, "export", str(dataset), "--format", "croissant", "-o", str(target))[0] == 0
    doc = json.loads(target.read_text())
    pii = doc["rai:personalSensitiveInformation"]
    assert any("[pii.email]" in item for item in pii)
    assert EMAIL not in target.read_text()
