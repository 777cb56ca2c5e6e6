"""``diff --record``: the changelog entry and the version bump are a splice of the card's text."""

from __future__ import annotations

import datetime as dt
import difflib
import shutil
from pathlib import Path

import pytest

from cli_run import run
from datacard.card import ChangelogEntry
from datacard.errors import CardError
from datacard.versions.changelog import make_entry, record_text
from datacard.yamlio import load_card, parse_card

FORMAT_1 = Path(__file__).parent / "data" / "card-format-1"
TODAY = dt.date.today().isoformat()


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """(lines removed, lines added) between two texts."""
    removed, added = [], []
    for line in difflib.ndiff(before.splitlines(True), after.splitlines(True)):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


@pytest.fixture
def old_new(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(FORMAT_1, old)
    shutil.copytree(FORMAT_1, new)
    card = new / "datacard.yaml"
    card.write_text(
        card.read_text().replace('summary: ""', 'summary: "People # and cities."'), "utf-8"
    )
    return old, new


def test_record_on_a_format_1_card_inserts_the_key_before_policy(
    capsys: pytest.CaptureFixture[str], old_new: tuple[Path, Path]
) -> None:
    old, new = old_new
    card = new / "datacard.yaml"
    before = card.read_text()
    code, out, err = run(capsys, "diff", str(old), str(new), "--record", "-m", "Wrote a summary.")
    assert code == 1, err
    assert "suggested bump: patch (0.1.0 -> 0.1.1)" in out
    assert f"recorded v0.1.1 ({TODAY})" in out
    after = card.read_text()
    block = (
        "# Newest first: - {version, date, changes}. 'datacard diff --record' adds one.\n"
        "changelog:\n"
        '  - version: "0.1.1"\n'
        f'    date: "{TODAY}"\n'
        "    changes: |-\n"
        "      Wrote a summary.\n"
        '      summary: "" -> "People # and cities."\n'
        "\n"
    )
    expected = before.replace('version: "0.1.0"', 'version: "0.1.1"', 1)
    expected = expected.replace("\npolicy:\n", "\n" + block + "policy:\n", 1)
    assert after == expected
    assert after.index("changelog:") < after.index("\npolicy:")
    loaded = load_card(card).card
    assert loaded.version == "0.1.1" and loaded.format == 1
    assert loaded.changelog == [
        ChangelogEntry(
            version="0.1.1",
            date=TODAY,
            changes='Wrote a summary.\nsummary: "" -> "People # and cities."',
        )
    ]


def test_a_second_record_stacks_newest_first(
    capsys: pytest.CaptureFixture[str], old_new: tuple[Path, Path]
) -> None:
    old, new = old_new
    card = new / "datacard.yaml"
    assert run(capsys, "diff", str(old), str(new), "--record")[0] == 1
    card.write_text(card.read_text().replace("license: null", "license: CC0-1.0"), "utf-8")
    before = card.read_text()
    code, _, _ = run(capsys, "diff", str(old), str(new), "--record", "--json")
    assert code == 1
    removed, added = changed_lines(before, card.read_text())
    assert removed == ['version: "0.1.1"\n']
    assert added[0] == 'version: "0.1.2"\n'
    assert added[1:4] == ['  - version: "0.1.2"\n', f'    date: "{TODAY}"\n', "    changes: |-\n"]
    versions = [e.version for e in load_card(card).card.changelog]
    assert versions == ["0.1.2", "0.1.1"]  # 0.1.1 is taken: the next patch


def test_record_refuses_data_as_new(
    capsys: pytest.CaptureFixture[str], old_new: tuple[Path, Path], tmp_path: Path
) -> None:
    old, _ = old_new
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(FORMAT_1 / "train.csv", data / "train.csv")
    code, out, err = run(capsys, "diff", str(old), str(data), "--record")
    assert code == 2 and out == ""
    assert err.startswith("error: --record writes into NEW's card") and err.count("\n") == 1


def test_nothing_to_record_when_nothing_changed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    shutil.copytree(FORMAT_1, tmp_path / "a")
    before = (tmp_path / "a" / "datacard.yaml").read_bytes()
    code, out, _ = run(capsys, "diff", str(FORMAT_1), str(tmp_path / "a"), "--record")
    assert code == 0
    assert "no changes" in out and "nothing to record" in out
    assert (tmp_path / "a" / "datacard.yaml").read_bytes() == before


def test_a_card_that_cannot_take_the_entry_is_left_untouched(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "datacard.yaml").write_text("{name: x}\n")
    (tmp_path / "b" / "datacard.yaml").write_text("{name: x, summary: hi}\n")
    code, _, err = run(capsys, "diff", str(tmp_path / "a"), str(tmp_path / "b"), "--record")
    assert code == 2 and "flow mapping" in err and err.count("\n") == 1
    assert (tmp_path / "b" / "datacard.yaml").read_text() == "{name: x, summary: hi}\n"


ENTRY = make_entry(
    "1.1.0", ["file added: b.csv", "train: rows 2 -> 4 (+2)"], None, dt.date(2026, 10, 1)
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # flow [] with a comment: the comment stays on the key's line
            "name: x\nversion: 1.0.0\nchangelog: []  # none yet\npolicy: {}\n",
            "name: x\nversion: 1.1.0\nchangelog:  # none yet\n"
            '  - version: "1.1.0"\n    date: "2026-10-01"\n    changes: |-\n'
            "      file added: b.csv\n      train: rows 2 -> 4 (+2)\npolicy: {}\n",
        ),
        (  # a flow list with entries: the entry goes first, in flow style
            "name: x\nversion: '1.0.0'\nchangelog: [{version: 1.0.0, changes: first}]\n",
            'name: x\nversion: \'1.1.0\'\nchangelog: [{version: "1.1.0", date: "2026-10-01", '
            'changes: "file added: b.csv\\ntrain: rows 2 -> 4 (+2)"}, '
            "{version: 1.0.0, changes: first}]\n",
        ),
        (  # an indentless block list with a comment above its first item; no version key
            "name: x\nchangelog:\n# the first\n- version: 1.0.0\n  changes: first\n",
            'name: x\nversion: "1.1.0"\nchangelog:\n- version: "1.1.0"\n  date: "2026-10-01"\n'
            "  changes: |-\n    file added: b.csv\n    train: rows 2 -> 4 (+2)\n"
            "# the first\n- version: 1.0.0\n  changes: first\n",
        ),
        (  # CRLF line ends, no policy: the key goes before the measured marker
            'name: x\r\nversion: "1.0.0"\r\n\r\n# ---- measured by datacard: machine-owned, '
            "rewritten by 'datacard update'; do not edit below ----\r\nmeasured: null\r\n",
            'name: x\r\nversion: "1.1.0"\r\n\r\n'
            "# Newest first: - {version, date, changes}. 'datacard diff --record' adds one.\r\n"
            'changelog:\r\n  - version: "1.1.0"\r\n    date: "2026-10-01"\r\n    changes: |-\r\n'
            "      file added: b.csv\r\n      train: rows 2 -> 4 (+2)\r\n\r\n"
            "# ---- measured by datacard: machine-owned, "
            "rewritten by 'datacard update'; do not edit below ----\r\nmeasured: null\r\n",
        ),
    ],
)
def test_record_text_splices(text: str, expected: str) -> None:
    out = record_text(text, ENTRY)
    assert out == expected
    assert parse_card(out).changelog[0] == ENTRY


def test_changes_that_cannot_be_a_literal_block_are_quoted() -> None:
    entry = make_entry("1.1.0", ["file added: \ttab.csv", "  indented"], None, dt.date(2026, 1, 2))
    out = record_text("name: x\nchangelog: []\n", entry)
    assert 'changes: "file added: \\ttab.csv\\n  indented"' in out
    assert parse_card(out).changelog[0] == entry


def test_record_text_refuses_a_card_that_does_not_load() -> None:
    with pytest.raises(CardError):
        record_text("name: x\nchangelog: 3\n", ENTRY)
