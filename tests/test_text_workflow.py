"""Text corpora and chat data through the commands: the card records chat statistics, exact
token counts from the tokenizer kept in its policy, and the language mix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_run import run
from test_text_support import train_tokenizer


def test_chat_jsonl_gets_a_chat_summary(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    root = tmp_path / "chats"
    root.mkdir()
    rows = [
        {
            "messages": [
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": "hello"},
            ]
        },
        {"messages": [{"role": "user", "content": "x"}, {"role": "user", "content": ""}]},
    ]
    (root / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert run(capsys, "init", str(root))[0] == 0
    _, out, _ = run(capsys, "show", str(root), "--json")
    chat = json.loads(out)["splits"]["train"]["columns"]["messages"]["chat"]
    assert chat["conversations"] == 2 and chat["empty_turns"] == 1
    assert chat["same_role_pairs"] == 1 and chat["not_ending_with_reply"] == 1
    assert run(capsys, "check", str(root))[0] == 0


def test_tokenizer_and_languages_are_kept_in_the_policy(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = tmp_path / "corpus"
    root.mkdir()
    train_tokenizer(root / "tokenizer.json", "wordlevel")
    texts = ["the quick brown fox jumps over the lazy dog again and again"] * 30
    texts += ["der schnelle braune Fuchs springt über den faulen Hund immer wieder"] * 10
    (root / "train.jsonl").write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    (root / "tokenizer.json").rename(root / "tok.json")
    code, _, err = run(
        capsys, "init", str(root), "--tokenizer", str(root / "tok.json"), "--languages"
    )
    assert code == 0, err
    card = (root / "datacard.yaml").read_text()
    assert "tokenizer: tok.json" in card and "languages: true" in card
    _, out, _ = run(capsys, "show", str(root), "--json")
    text = json.loads(out)["splits"]["train"]["columns"]["text"]
    assert text["tokenizer"].startswith("tok.json sha256:")
    shares = {s["language"]: s["share"] for s in text["language"]["top"]}
    assert shares["en"] == pytest.approx(0.75) and shares["de"] == pytest.approx(0.25)
    assert run(capsys, "check", str(root))[0] == 0


def test_update_measures_again_when_only_the_text_policy_changes(tmp_path: Path) -> None:
    from datacard.workflow import init_card, update_card

    root = tmp_path / "corpus"
    root.mkdir()
    docs = [
        {"text": "the cat sat on the mat and looked at the birds in the garden"},
        {"text": "le chat est assis sur le tapis et regarde les oiseaux du jardin"},
    ] * 20
    (root / "train.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs))
    init_card(root)
    assert update_card(root).changes == ()  # nothing changed: the card is left as it is
    card = root / "datacard.yaml"
    text = card.read_text()
    assert "languages: false" in text
    card.write_text(text.replace("languages: false", "languages: true"))
    updated = update_card(root)
    assert updated.changes, "turning the language mix on must measure again"
    measured = updated.card.measured
    assert measured is not None and measured.splits["train"].columns["text"].language is not None
    assert update_card(root).changes == ()  # and now it is as measured
    train_tokenizer(root / "tok.json", "wordlevel")
    card.write_text(card.read_text().replace("tokenizer: null", "tokenizer: tok.json"))
    again = update_card(root)
    assert again.changes and again.card.measured is not None
    label = again.card.measured.splits["train"].columns["text"].tokenizer
    assert label is not None and label.startswith("tok.json")
