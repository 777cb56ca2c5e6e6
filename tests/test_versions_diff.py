"""diff_cards on cards and on data folders: each kind of change and the bump it asks for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_run import run
from datacard.card import Answer, Card, ChangelogEntry, Creator
from datacard.measured import ColumnSummary, FileSummary, Measured, SplitSummary
from datacard.versions.diff import diff_cards


def measured(
    files: dict[str, str], splits: dict[str, tuple[int, dict[str, str]]], content: str = "h"
) -> Measured:
    return Measured(
        generated_by="test",
        content_hash=f"sha256:{content}",
        splits_from="file names",
        files=[
            FileSummary(path=p, split=p.split(".")[0], format="csv", bytes=1, sha256=h)
            for p, h in files.items()
        ],
        splits={
            name: SplitSummary(
                rows=rows,
                duplicate_rows=0,
                columns={
                    c: ColumnSummary(type=t, kind="numeric", count=rows, nulls=0)
                    for c, t in cols.items()
                },
            )
            for name, (rows, cols) in splits.items()
        },
    )


XY = {"x": "int64", "y": "string"}
BASE = measured(
    {"train.csv": "a", "test.csv": "b"},
    {"train": (4, {"x": "int64", "y": "string"}), "test": (2, {"x": "int64", "y": "string"})},
)


def card(m: Measured | None = BASE, **human: object) -> Card:
    return Card.model_validate({"name": "demo", "measured": m, **human})


@pytest.mark.parametrize(
    ("new", "bump", "line"),
    [
        (
            measured(
                {"train.csv": "c", "test.csv": "b"},
                {
                    "train": (4, {"x": "double", "y": "string"}),
                    "test": (2, {"x": "int64", "y": "string"}),
                },
            ),
            "major",
            "train: column retyped: x int64 -> double",
        ),
        (
            measured({"train.csv": "a"}, {"train": (4, {"x": "int64", "y": "string"})}),
            "major",
            "split removed: test",
        ),
        (
            measured(
                {"train.csv": "a", "test.csv": "b", "val.csv": "c"},
                {
                    "train": (4, {"x": "int64", "y": "string"}),
                    "test": (2, {"x": "int64", "y": "string"}),
                    "val": (1, {"x": "int64", "y": "string"}),
                },
            ),
            "minor",
            "split added: val",
        ),
        (
            measured(
                {"train.csv": "c", "test.csv": "b"},
                {
                    "train": (4, {"x": "int64", "y": "string", "z": "bool"}),
                    "test": (2, {"x": "int64", "y": "string"}),
                },
            ),
            "minor",
            "train: column added: z",
        ),
        (
            measured(
                {"train.csv": "a", "test.csv": "c"},
                {
                    "train": (4, {"x": "int64", "y": "string"}),
                    "test": (3, {"x": "int64", "y": "string"}),
                },
            ),
            "minor",
            "test: rows 2 -> 3 (+1)",
        ),
        (BASE, "none", None),
    ],
)
def test_data_changes_and_their_bump(new: Measured, bump: str, line: str | None) -> None:
    result = diff_cards(card(), card(new))
    assert result.bump == bump
    assert result.changed is (bump != "none")
    if line is not None:
        assert line in result.lines()


def test_generated_answers_are_not_human_changes() -> None:
    def sheet(answer: str, generated: bool) -> dict[str, object]:
        q = Answer(question="How many?", answer=answer, generated=generated)
        return {"composition": {"count": q}}

    refreshed = diff_cards(
        card(datasheet=sheet("4 rows.", True)), card(datasheet=sheet("6 rows.", True))
    )
    assert refreshed.documentation == [] and refreshed.bump == "none"
    taken_over = diff_cards(
        card(datasheet=sheet("4 rows.", True)), card(datasheet=sheet("4 rows.", False))
    )
    assert [c.field for c in taken_over.documentation or []] == ["datasheet.composition.count"]
    assert taken_over.bump == "patch"


def test_every_human_section_is_compared() -> None:
    old = card()
    new = card(
        license="CC0-1.0",
        citation="@misc{demo}",
        creators=[Creator(name="Ada")],
        changelog=[ChangelogEntry(version="0.1.0", changes="first")],
        policy={"label": "y", "tolerances": {"rows": 0.1}},
        version="0.2.0",
    )
    result = diff_cards(old, new)
    fields = [c.field for c in result.documentation or []]
    assert fields == [
        "license",
        "citation",
        "creators",
        "policy.label",
        "policy.tolerances",
        "changelog",
    ]
    assert 'license: null -> "CC0-1.0"' in result.lines()
    assert 'changelog: "0 entries" -> "1 entry"' in result.lines()
    assert "version: 0.1.0 -> 0.2.0" in result.lines()
    assert result.bump == "patch" and result.suggested_version() == "0.1.1"


def test_a_version_change_alone_asks_for_no_bump() -> None:
    result = diff_cards(card(), card(version="0.1.1"))
    assert result.bump == "none" and result.changed
    assert result.lines() == ["version: 0.1.0 -> 0.1.1"]


def test_a_first_measurement_adds_everything() -> None:
    result = diff_cards(card(None), card())
    assert result.files_added == ["test.csv", "train.csv"] and result.bump == "minor"


def test_two_data_folders(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for name, extra in (("a", ""), ("b", "3,x\n"), ("c", "")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "train.csv").write_text("n,s\n1,p\n2,q\n" + extra)
    code, out, _ = run(capsys, "diff", str(tmp_path / "a"), str(tmp_path / "c"))
    assert code == 0 and "no changes" in out and "suggested bump: none" in out
    code, out, _ = run(capsys, "diff", str(tmp_path / "a"), str(tmp_path / "b"), "--json")
    report = json.loads(out)
    assert code == 1 and report["bump"] == "minor"
    assert report["old"]["kind"] == report["new"]["kind"] == "data"
    assert report["version"] == {"old": None, "new": None, "suggested": None}
    assert report["rows"] == {"train": {"old": 2, "new": 3}}
    assert report["drift"]["train"]["verdict"] in {"stable", "drifted", "retrain"}
    code, out, _ = run(capsys, "diff", str(tmp_path / "a"), str(tmp_path / "b"))
    assert "OLD  " in out and "(data)" in out and "train: rows 2 -> 3 (+1)" in out
    assert "suggested bump: minor\n" in out


def test_data_values_are_printed_as_they_are(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    (tmp_path / "a" / "[red]x.csv").write_text("n\n1\n")
    (tmp_path / "b" / "[red]x.csv").write_text("n\n1\n2\n")
    code, out, _ = run(capsys, "diff", str(tmp_path / "a"), str(tmp_path / "b"))
    assert code == 1 and "file changed: [red]x.csv" in out
