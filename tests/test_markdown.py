"""The Markdown datasheet and the escaping helper every Markdown view uses."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import datacard.render.markdown as markdown_module
from card_fixtures import fill, write_csv_dataset, write_nested
from datacard.card import Card
from datacard.findings import Finding, Severity
from datacard.render.markdown import (
    MarkdownRenderer,
    code_block,
    escape_markdown,
    link,
    table,
    unescape_markdown,
)
from datacard.workflow import open_card, render
from golden_files import assert_golden

GOLDEN = Path(__file__).parent / "golden" / "markdown"


def write_basic(root: Path) -> Path:
    write_csv_dataset(root)
    fill(
        root,
        {
            "name": "Tiny <Reviews> | *one*",
            "version": "1.2.0",
            "summary": 'Five synthetic reviews, «ünïcödé» and "quotes".\n\n# Not a heading',
            "license": "CC-BY-4.0",
            "creators": [
                {"name": "Ada Lovelace", "role": "author", "email": "ada@example.org"},
                {"name": "Mallory", "url": "javascript:alert(1)"},
            ],
            "sources": [
                {"name": "Dump", "url": "https://example.org/d", "retrieved": "2024-05-01"}
            ],
            "citation": "@misc{tiny,\n  title = {Tiny}\n}",
        },
        {
            ("motivation", "purpose"): "Testing renderers.",
            ("uses", "out_of_scope"): "Anything real:\n\n- medical advice\n- <html> & `code`",
            ("composition", "count"): "Five (written by a person).",
        },
    )
    return root


def export(root: Path) -> str:
    content, suffix = render(root, "markdown")
    assert suffix == ".md" and isinstance(content, str)
    return content


def check_golden(name: str, text: str) -> None:
    assert_golden(f"markdown/{name}", text)


#: Fixed findings for the golden files, so they do not depend on the checks' wording.
FINDINGS = [
    Finding.of("card.required-empty", "required field 'summary' is empty", where="summary"),
    Finding.of("file.changed", "sha256 differs from the card", where="train.csv"),
]


@pytest.mark.parametrize("case", ["basic", "nested"])
def test_golden(tmp_path: Path, case: str) -> None:
    root = (write_basic if case == "basic" else write_nested)(tmp_path / case)
    card = open_card(root).card
    check_golden(f"{case}.md", MarkdownRenderer().render(card, FINDINGS))


def test_export_through_the_workflow(tmp_path: Path) -> None:
    root = write_nested(tmp_path / "d")
    text = export(root)
    assert text == MarkdownRenderer().render(open_card(root).card, _fast_findings(root))
    assert "### Warnings" in text and "card.required-empty" in text


def _fast_findings(root: Path) -> list[Finding]:
    from datacard.workflow import check_card

    return check_card(root, fast=True)


def _cells(line: str) -> int:
    """Cells of a table row: pipes not preceded by a backslash, minus the outer ones."""
    return len(re.findall(r"(?<!\\)\|", line)) - 1


def test_tables_and_html_survive_hostile_values(tmp_path: Path) -> None:
    text = export(write_basic(tmp_path / "d"))
    assert "<script>" not in text and "<Reviews>" not in text and "<html>" not in text
    assert "javascript:alert" not in re.sub(r"[^<]*<([^>]*)>", r"\1", text.replace("\\", ""))
    for block in re.findall(r"(?:^\|.*\|\n)+", text, flags=re.MULTILINE):
        widths = {_cells(line) for line in block.splitlines()}
        assert len(widths) == 1, block
    assert "| \\|a\\| | string |" in text
    assert text.startswith("# Tiny &lt;Reviews&gt; \\| \\*one\\*\n")
    assert "\n\\# Not a heading\n" in text


def test_every_question_is_listed_with_its_answer(tmp_path: Path) -> None:
    text = export(write_nested(tmp_path / "d"))
    assert text.count("_Not answered yet._") == 48 - 4  # count, splits, missing, duplicates
    assert "**Are there recommended data splits (training, validation, testing)?**" in text
    assert "1 split: train (inferred from file names).\n\n_(measured from the data)_" in text
    basic = export(write_basic(tmp_path / "b"))
    assert "Five (written by a person).\n\n**Is it all possible" in basic  # human: no mark


def test_findings_by_severity() -> None:
    findings = [
        Finding("file.skipped", Severity.INFO, "skipped x.tmp", where="x.tmp"),
        Finding.of("card.required-empty", "summary is empty", where="datacard.yaml:summary"),
        Finding.of("file.changed", "sha256 differs | <b>", where="train.csv"),
    ]
    text = MarkdownRenderer().render(Card(name="x"), findings)
    section = text.split("## Findings\n", 1)[1].split("## How to verify", 1)[0]
    assert [line for line in section.splitlines() if line.startswith("#")] == [
        "### Errors",
        "### Warnings",
        "### Notes",
    ]
    assert "- **file.changed** (train.csv): sha256 differs \\| &lt;b&gt;" in section
    empty = MarkdownRenderer().render(Card(name="x"), [])
    assert "No findings" in empty and "_Not measured yet" in empty


def test_the_registered_renderer_is_this_one() -> None:
    from datacard.registry import lookup

    assert lookup("renderers", "markdown") is MarkdownRenderer
    assert (MarkdownRenderer.name, MarkdownRenderer.suffix) == ("markdown", ".md")


# ---------------------------------------------------------------------------------------------
# The escaping helper


@given(st.text())
def test_unescape_inverts_escape(text: str) -> None:
    normal = text.replace("\r\n", "\n").replace("\r", "\n")
    assert unescape_markdown(escape_markdown(text)) == normal


@given(st.text())
def test_inline_escape_is_one_safe_line(text: str) -> None:
    out = escape_markdown(text, inline=True)
    assert "\n" not in out and "\r" not in out
    assert "<" not in out and ">" not in out
    assert not re.search(r"(?<!\\)(?:\\\\)*[|*_`\[\]]", out.replace("\\\\", ""))
    assert not out.lstrip(" ").startswith("#")


def test_escape_examples() -> None:
    assert escape_markdown("a\\b") == "a\\\\b"
    assert escape_markdown("  # x\n# y") == "  \\# x\n\\# y"
    assert escape_markdown("a &amp; b") == "a &amp;amp; b"
    assert escape_markdown("line 1\n  line 2", inline=True) == "line 1 line 2"
    assert link("mailto:a@b.org") == "<mailto:a@b.org>"
    assert link("https://x.org/<script>") == "https://x.org/&lt;script&gt;"
    assert code_block("a ```` b").startswith("`````\n")
    assert table(["a"], [["x\ny"]]) == "| a |\n| --- |\n| x y |"


def test_doctests() -> None:
    assert doctest.testmod(markdown_module).failed == 0
