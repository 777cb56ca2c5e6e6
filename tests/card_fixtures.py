"""Small datasets and card edits shared by the renderer tests (HF card, Markdown)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from datacard.card import Card
from datacard.fileio import atomic_write
from datacard.workflow import open_card
from datacard.yamlio import render_new_card

TRAIN_CSV = (
    "id,text,|a|,label,score\n"
    '1,"Great, really ""great""",<script>alert(1)</script>,pos,0.5\n'
    "2,Bof – ça va,x|y,neg,\n"
    "3,*stars* and _under_,[link](javascript:x),pos,2.25\n"
    "4,plain,# heading,neg,1.0\n"
)
TEST_CSV = "id,text,|a|,label,score\n5,more,z,pos,3.5\n"
NESTED_JSONL = (
    '{"id": 1, "tags": ["a", "b"], "meta": {"score": 0.5, "ok": true},'
    ' "when": "2024-01-01T00:00:00"}\n'
    '{"id": 2, "tags": [], "meta": {"score": 1.5, "ok": false}, "when": "2024-02-01T12:00:00"}\n'
)


def fill(root: Path, human: dict[str, Any], answers: dict[tuple[str, str], str]) -> Card:
    """Write human-owned fields and datasheet answers into the card of ``root``."""
    data = open_card(root).card.model_dump(mode="json", exclude_none=True)
    data.update(human)
    for (section, qid), text in answers.items():
        data["datasheet"][section][qid].update(answer=text, generated=False)
    card = Card.model_validate(data)
    atomic_write(root / "datacard.yaml", render_new_card(card))
    return card


def write_csv_dataset(root: Path) -> Path:
    """A deterministic two-split CSV dataset with hostile values, measured (label: ``label``)."""
    from datacard.workflow import init_card

    root.mkdir(parents=True)
    (root / "train.csv").write_text(TRAIN_CSV, encoding="utf-8")
    (root / "test.csv").write_text(TEST_CSV, encoding="utf-8")
    init_card(root, label="label", workers=1)
    return root


def write_nested(root: Path) -> Path:
    """A JSON Lines dataset with list, struct and timestamp columns; human part left empty."""
    from datacard.workflow import init_card

    root.mkdir(parents=True)
    (root / "train.jsonl").write_text(NESTED_JSONL, encoding="utf-8")
    init_card(root, workers=1)
    fill(root, {"name": "nested"}, {})
    return root
