"""The report's Monitoring section: the latest recorded run drawn as a drift series."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from datacard.drift.monitoring import MONITORING_FILE, Run, WindowRecord, record_run
from datacard.render.html import OPEN_WINDOWS, SERIES_COLUMNS, HtmlRenderer
from datacard.workflow import render
from test_report import FINDINGS, PAYLOADS, Page, tiny_card


def day(i: int) -> str:
    return f"2024-05-{i + 1:02d}T00:00:00Z"


def daily_run(days: int = 7, drifted_day: int = 4, empty_day: int | None = 2) -> Run:
    """A run of ``days`` daily windows: 'price' drifts on ``drifted_day``, one day is empty."""
    windows = []
    for i in range(days):
        if i == empty_day:
            windows.append(WindowRecord(i, day(i), day(i + 1), 0, "empty"))
            continue
        effects = {"price": 0.2 + 0.01 * i, "city": 0.3, "ok": 0.1, "id": 0.05, "label": 0.4}
        effects["day"] = 0.01
        drifted: list[str] = []
        if i == drifted_day:
            effects["price"], drifted = 3.5, ["price"]
        verdict = "drifted" if drifted else "stable"
        windows.append(WindowRecord(i, day(i), day(i + 1), 1000 + i, verdict, effects, drifted))
    return Run("2024-05-09T10:00:00Z", "prod/may", "1d", "when", "train", windows, ["a note"])


@pytest.fixture(scope="module")
def card_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("monitoring") / "tiny"
    tiny_card(root)
    return root


def test_the_latest_run_is_drawn(card_root: Path) -> None:
    from datacard.workflow import open_card

    card = open_card(card_root).card
    older = Run("2024-05-01T10:00:00Z", "prod/april", "5000", None, "train", [])
    html = HtmlRenderer(monitoring=[older, daily_run()]).render(card, FINDINGS)
    page = Page(html)
    text = " ".join(page.text)
    assert "monitoring" in {a.get("id") for a in page.named("h2")}
    assert any(a.get("href") == "#monitoring" for a in page.named("a"))
    assert "Latest run, recorded 2024-05-09T10:00:00Z: prod/may cut into windows of 1d by when" in (
        text
    )
    assert "7 windows, 1 drifted, 1 empty" in text
    chart = [s for s in page.named("svg") if "chart wide" in s.get("class", "")]
    assert len(chart) == 1
    label = chart[0]["aria-label"]
    assert "7 windows from 2024-05-01 to 2024-05-07" in label
    assert "1 drifted: 2024-05-05" in label and "1 had no rows" in label
    assert "The largest effect is 3.5, column price, window 2024-05-05" in label
    # the columns with the largest effect are drawn (and named in the legend), not the rest
    assert "for columns price, label, city, ok, id." in label and SERIES_COLUMNS == 5
    svg = html[html.index('class="chart wide"') : html.index("</svg>", html.index("chart wide"))]
    assert ">price<" in svg and ">threshold<" in svg and ">day<" not in svg
    # the windows table: a badge for drifted and empty windows, the drifted column's effect
    assert re.search(r'<span class="badge warning">drifted</span></td><td>price \(3\.5\)', html)
    assert '<span class="badge info">empty</span>' in html
    assert "2024-05-03T00:00:00Z" in text and "1,004" in text
    # earlier runs and notes
    assert "Earlier runs" in text and "prod/april" in text and "0 windows, 0 drifted" in text
    assert "a note" in text
    assert "<script" not in html and not page.named("script")


def test_without_runs_there_is_no_section(card_root: Path) -> None:
    from datacard.workflow import open_card

    card = open_card(card_root).card
    html = HtmlRenderer().render(card, FINDINGS)
    assert 'id="monitoring"' not in html and "chart wide" not in html
    assert HtmlRenderer(monitoring=[]).render(card, FINDINGS) == html


def test_many_windows_fold_their_table(card_root: Path) -> None:
    from datacard.workflow import open_card

    card = open_card(card_root).card
    run = daily_run(days=OPEN_WINDOWS + 3, drifted_day=20, empty_day=None)
    html = HtmlRenderer(monitoring=[run]).render(card, [])
    assert f"Show all {OPEN_WINDOWS + 3} windows" in html
    rows = Run(
        "2024-05-09T10:00:00Z",
        "prod",
        "100000",
        None,
        "train",
        [
            WindowRecord(i, i * 100_000, (i + 1) * 100_000, 100_000, "stable", {"x": 0.1})
            for i in range(3)
        ],
    )
    page = Page(HtmlRenderer(monitoring=[rows]).render(card, []))
    label = next(s for s in page.named("svg") if "chart wide" in s.get("class", ""))["aria-label"]
    assert "3 windows from 0 to 200k" in label and "No window drifted" in label


def test_hostile_names_are_escaped(card_root: Path) -> None:
    from datacard.workflow import open_card

    card = open_card(card_root).card
    effects = {p: 0.5 + i for i, p in enumerate(PAYLOADS)}
    windows = [
        WindowRecord(0, PAYLOADS[0], PAYLOADS[1], 10, "drifted", effects, list(PAYLOADS)),
        WindowRecord(1, PAYLOADS[2], PAYLOADS[3], 10, PAYLOADS[1], effects, []),
    ]
    run = Run(PAYLOADS[0], PAYLOADS[1], PAYLOADS[2], PAYLOADS[3], PAYLOADS[4], windows, [*PAYLOADS])
    html = HtmlRenderer(monitoring=[run], monitoring_notes=[PAYLOADS[0]]).render(card, [])
    page = Page(html)
    assert not page.named("script") and not page.named("img") and not page.named("b")
    for tag, attrs in page.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
    text = "".join(page.text)
    for payload in PAYLOADS:
        assert payload in text
    assert "<script>" not in html and "<img src=x" not in html and "</style><b>" not in html
    # mathtext stays off in the legend: the dollars are text
    chart = next(s for s in page.named("svg") if "chart wide" in s.get("class", ""))
    assert "$x^2$" in chart["aria-label"]


def test_report_reads_the_recorded_runs(tmp_path: Path) -> None:
    root = tmp_path / "tiny"
    tiny_card(root)
    content, _ = render(root, "html")
    assert isinstance(content, str) and 'id="monitoring"' not in content
    record_run(root / "datacard.yaml", daily_run())
    with (root / MONITORING_FILE).open("a") as handle:
        handle.write("{broken\n")
    content, _ = render(root, "html")
    assert isinstance(content, str)
    assert 'id="monitoring"' in content and 'class="chart wide"' in content
    assert f"{MONITORING_FILE} line 2 skipped" in content
    (root / MONITORING_FILE).write_text("{broken\n")
    content, _ = render(root, "html")
    assert isinstance(content, str)
    assert "No recorded monitoring run could be read." in content
    assert "chart wide" not in content
