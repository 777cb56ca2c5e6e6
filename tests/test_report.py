"""The HTML report without a browser: golden bytes, no network, size, escaping, PDF printing.

Regenerate the golden file after an intended change with::

    DATACARD_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_report.py -k golden
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from datacard.card import Card
from datacard.errors import UsageError
from datacard.findings import Finding
from datacard.render import pdf as pdf_module
from datacard.render.html import CSP, HtmlRenderer, plain_sentence, safe_url
from datacard.workflow import init_card, render
from golden_files import assert_golden

GOLDEN = Path(__file__).parent / "golden" / "report"
MAX_BYTES = 1_500_000

PAYLOADS = (
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    "</style><b>bold</b>",
    "javascript:alert(1)",
    "$x^2$",
)


class Page(HTMLParser):
    """Every start tag with its attributes, and the document's text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k.lower(): v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def named(self, tag: str) -> list[dict[str, str]]:
        return [attrs for t, attrs in self.tags if t == tag]


def _with_human(card: Card, **fields: Any) -> Card:
    return Card.model_validate({**card.model_dump(exclude_none=True), **fields})


def tiny_card(root: Path) -> Card:
    """A small real dataset (train/test CSV with a label), measured by ``init_card``."""
    root.mkdir()
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=3 * i) for i in range(24)]
    table = pa.table(
        {
            "id": list(range(24)),
            "city": ["Oslo", "Lima", "Pune", "Oslo", "Oslo", "Lima"] * 4,
            "price": [None if i % 7 == 0 else round(1.5 * i + 0.25, 2) for i in range(24)],
            "ok": [i % 3 != 0 for i in range(24)],
            "day": days,
            "label": ["cat", "dog", "cat", "bird"] * 6,
        }
    )
    pacsv.write_csv(table.slice(0, 18), root / "train.csv")
    pacsv.write_csv(table.slice(18), root / "test.csv")
    card = init_card(root, label="label").card
    return _with_human(
        card,
        summary="Prices of things in three cities, for a tutorial.",
        creators=[{"name": "Ada Example", "url": "https://example.org/ada", "role": "author"}],
        sources=[
            {
                "name": "City survey",
                "url": "https://example.org/survey",
                "license": "CC-BY-4.0",
                "retrieved": "2024-05-01",
            }
        ],
        citation="@misc{tiny, title={Tiny}}",
    )


FINDINGS = [
    Finding.of(
        "file.changed", "sha256 differs from the card", where="train.csv", old="ab", new="cd"
    ),
    Finding.of(
        "card.required-empty", "datasheet.uses.out_of_scope is empty", where="datacard.yaml"
    ),
]


def test_golden(tmp_path: Path) -> None:
    html = HtmlRenderer().render(tiny_card(tmp_path / "tiny"), FINDINGS)
    assert_golden("report/tiny.html", html)


def test_same_card_same_bytes(tmp_path: Path) -> None:
    card = tiny_card(tmp_path / "tiny")
    assert HtmlRenderer().render(card, FINDINGS) == HtmlRenderer().render(card, FINDINGS)


def test_first_screen_and_sections(tmp_path: Path) -> None:
    html = HtmlRenderer().render(tiny_card(tmp_path / "tiny"), FINDINGS)
    page = Page(html)
    assert len(page.named("h1")) == 1
    text = " ".join(page.text)
    for phrase in (
        "Prices of things in three cities",
        "24 rows in 2 files",
        "train: 18 rows; test: 6 rows",
        "CC-BY-4.0",
        plain_sentence("file.changed"),
        "How to verify",
        "datacard check --fast",
        "not answered yet",
        "Label balance",
        "Changelog",
    ):
        assert phrase in text, phrase
    h2 = {a.get("id") for a in page.named("h2")}
    assert {"columns", "datasheet", "provenance", "labels", "changelog", "verify"} <= h2
    # every column has an h3 and a chart with a text alternative
    assert {"id", "city", "price", "ok", "day", "label"} <= set(text.split())
    svgs = page.named("svg")
    assert svgs and all(s["role"] == "img" and s["aria-label"] for s in svgs)
    assert len(page.named("title")) == len(svgs) + 1
    # the technical detail is one click away
    assert "file.changed" in text and len(page.named("details")) >= len(FINDINGS)
    for table_header in page.named("th"):
        assert table_header.get("scope") in ("col", "row")


def test_no_network(tmp_path: Path) -> None:
    html = HtmlRenderer().render(tiny_card(tmp_path / "tiny"), FINDINGS)
    page = Page(html)
    metas = page.named("meta")
    csp = [m["content"] for m in metas if m.get("http-equiv") == "Content-Security-Policy"]
    assert csp == [CSP] and "default-src 'none'" in csp[0]
    assert not page.named("script") and not page.named("iframe") and not page.named("img")
    for tag, attrs in page.tags:
        for name in ("src", "href", "xlink:href", "action", "poster", "data"):
            value = attrs.get(name, "").strip().lower()
            if tag == "a" and name == "href":
                continue  # plain links people may click (sources, creators)
            assert not value.startswith(("http:", "https:", "//")), (tag, name, value)
    assert not re.search(r"@import|url\(\s*['\"]?(https?:|//)", html, re.I)
    links = [a["href"] for a in page.named("a") if a["href"].startswith("http")]
    assert links == ["https://example.org/ada", "https://example.org/survey"]


def test_render_through_the_registry(tmp_path: Path) -> None:
    root = tmp_path / "tiny"
    tiny_card(root)
    content, suffix = render(root, "html")
    assert suffix == ".html"
    assert isinstance(content, str) and content.startswith("<!DOCTYPE html>")


def test_empty_card() -> None:
    html = HtmlRenderer().render(Card(name="nothing"), [])
    assert "Nothing has been measured yet" in html
    assert "No warnings" in html


def wide_dataset(root: Path, columns: int = 200, rows: int = 2000) -> Path:
    """``columns`` columns of mixed types (ints, floats, categories, text, flags, times)."""
    root.mkdir()
    rng = np.random.default_rng(7)
    words = np.array(["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"])
    data: dict[str, Any] = {}
    for i in range(columns):
        kind = i % 6
        if kind == 0:
            data[f"int_{i}"] = rng.integers(0, 1000, rows)
        elif kind == 1:
            data[f"float_{i}"] = rng.normal(50, 10, rows)
        elif kind == 2:
            data[f"category_{i}"] = words[rng.integers(0, 8, rows)]
        elif kind == 3:
            data[f"text_{i}"] = [
                " ".join(words[rng.integers(0, 8, 5)]) + f" {j}" for j in range(rows)
            ]
        elif kind == 4:
            data[f"flag_{i}"] = rng.random(rows) < 0.3
        else:
            seconds = rng.integers(1_600_000_000, 1_700_000_000, rows)
            data[f"time_{i}"] = pa.array(seconds * 1_000_000, pa.timestamp("us"))
    pq.write_table(pa.table(data), root / "train.parquet")
    return root


def test_200_columns_stay_light(tmp_path: Path) -> None:
    card = init_card(wide_dataset(tmp_path / "wide")).card
    html = HtmlRenderer().render(card, [])
    size = len(html.encode())
    assert size <= MAX_BYTES, f"{size:,} bytes for 200 columns"
    page = Page(html)
    assert len(page.named("h3")) >= 200
    assert len(page.named("svg")) >= 150


def hostile_card(root: Path) -> Card:
    """A dataset whose column names, values and human answers are all injection payloads."""
    root.mkdir()
    table = pa.table({p: [p, p, PAYLOADS[0], None] for p in PAYLOADS})
    pq.write_table(table, root / "train.parquet")
    card = init_card(root).card
    answers = {
        section: {qid: {"question": p, "answer": p} for qid, p in zip(("tasks", "x"), PAYLOADS)}
        for section in ("uses", "motivation")
    }
    return _with_human(
        card,
        name=PAYLOADS[0],
        summary=" ".join(PAYLOADS),
        license=PAYLOADS[2],
        citation=PAYLOADS[1],
        creators=[{"name": p, "url": p, "email": p} for p in PAYLOADS],
        sources=[
            {"name": p, "url": u, "license": p, "retrieved": p}
            for p, u in zip(
                PAYLOADS, ("javascript:alert(1)", "data:text/html,<b>", " JavaScript:x")
            )
        ],
        datasheet=answers,
    )


def test_injection_is_escaped(tmp_path: Path) -> None:
    hostile = hostile_card(tmp_path / "hostile")
    findings = [Finding.of("file.changed", p, where=p, evidence=p) for p in PAYLOADS]
    html = HtmlRenderer().render(hostile, findings)
    page = Page(html)
    assert not page.named("script")
    assert not page.named("img")
    assert not page.named("b")
    for tag, attrs in page.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        for name in ("href", "xlink:href", "src"):
            value = re.sub(r"\s", "", attrs.get(name, "")).lower()
            assert not value.startswith(("javascript:", "data:text")), (tag, attrs)
    text = "".join(page.text)
    for payload in PAYLOADS:
        assert payload in text  # shown as text, not interpreted
    assert "<script>" not in html and "<img src=x" not in html and "</style><b>" not in html
    # mathtext is off: the chart label keeps its dollars
    assert any("$x^2$" in s.get("aria-label", "") for s in page.named("svg"))


def test_only_http_urls_become_links() -> None:
    assert safe_url("http://example.org") == "http://example.org"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//example.org", "ftp://x", "", None):
        assert safe_url(bad) is None


def test_print_pdf(tmp_path: Path) -> None:
    html_path = tmp_path / "report.html"
    html_path.write_text(HtmlRenderer().render(tiny_card(tmp_path / "tiny"), FINDINGS))
    pdf_path = tmp_path / "out" / "report.pdf"
    pdf_module.print_pdf(html_path, pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")
    assert not list(pdf_path.parent.glob(".*partial"))


def test_print_pdf_without_chromium(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_module.shutil, "which", lambda name: None)
    with pytest.raises(UsageError, match=r"apt-get install chromium"):
        pdf_module.print_pdf(tmp_path / "a.html", tmp_path / "a.pdf")


def test_doctests() -> None:
    import doctest

    from datacard.render import charts, html

    for module in (html, charts, pdf_module):
        result = doctest.testmod(module)
        assert result.failed == 0, module.__name__


def test_changelog_entries_are_shown_newest_first_and_escaped() -> None:
    from datacard.card import ChangelogEntry

    card = Card(
        name="digits",
        version="1.1.0",
        changelog=[
            ChangelogEntry(version="1.1.0", date="2026-10-02", changes="rows added\n<b>x</b>"),
            ChangelogEntry(version="1.0.0", changes="first release"),
        ],
    )
    page = HtmlRenderer().render(card, [])
    newer, older = page.index("1.1.0 (2026-10-02)"), page.index("<dt>1.0.0</dt>")
    assert newer < older
    assert "rows added\n&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
    assert "No changelog has been recorded" not in page
