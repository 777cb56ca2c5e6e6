"""The Monitoring section in a real browser: headless Chromium draws the drift series.

Needs ``/usr/bin/chromium`` and ``/usr/bin/chromedriver``, like tests/test_report_browser.py
(whose Chromium it starts); missing binaries fail with a clear message.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from selenium import webdriver
from selenium.webdriver.common.by import By

from datacard.render.html import HtmlRenderer
from test_report import PAYLOADS, tiny_card
from test_report_browser import WIDTH, chromium, severe
from test_report_monitoring import daily_run

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    with chromium() as chrome:
        yield chrome


def test_the_drift_series_renders(browser: webdriver.Chrome, tmp_path: Path) -> None:
    card = tiny_card(tmp_path / "tiny")
    path = tmp_path / "report.html"
    path.write_text(HtmlRenderer(monitoring=[daily_run()]).render(card, []), encoding="utf-8")
    browser.get_log("browser")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "screen"})
    browser.get(path.as_uri())
    assert severe(browser.get_log("browser")) == []
    section = browser.find_element(By.CSS_SELECTOR, "section.monitoring")
    chart = section.find_element(By.CSS_SELECTOR, "svg.chart.wide")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", chart)
    box = chart.rect
    assert 500 <= box["width"] <= 720 and box["height"] > 120, box
    assert browser.execute_script("return document.documentElement.scrollWidth") <= WIDTH
    # the lines, the threshold and the legend are drawn, not just an empty box
    lines = browser.execute_script(
        "return [...arguments[0].querySelectorAll('path')]"
        ".filter(p => p.getBBox().width > 100).length",
        chart,
    )
    assert lines >= 4
    legend = [t.text for t in chart.find_elements(By.TAG_NAME, "text")]
    assert "price" in legend and "threshold" in legend
    shot = tmp_path / "monitoring.png"
    assert browser.save_screenshot(str(shot))
    with Image.open(shot) as image:
        rgb = image.convert("RGB")
        top = int(box["y"] - browser.execute_script("return window.scrollY"))
        area = rgb.crop(
            (int(box["x"]), top, int(box["x"] + box["width"]), top + int(box["height"]))
        )
        pixels = np.asarray(area).reshape(-1, 3)
        shaded = np.all(pixels == (246, 213, 210), axis=1)  # DRIFT_SHADE
        assert shaded.sum() > 100, "the drifted window is not shaded"
        dark = int((pixels.sum(axis=1) < 300).sum())
        assert dark > 500, "the chart looks empty"
    rows = section.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == 7  # the windows table (no earlier runs)
    assert section.find_element(By.CSS_SELECTOR, ".badge.warning").text == "drifted"


def test_hostile_runs_execute_nothing(browser: webdriver.Chrome, tmp_path: Path) -> None:
    from datacard.drift.monitoring import Run, WindowRecord

    card = tiny_card(tmp_path / "tiny")
    effects = {p: 0.5 + i for i, p in enumerate(PAYLOADS)}
    windows = [WindowRecord(0, PAYLOADS[0], PAYLOADS[1], 10, "drifted", effects, list(PAYLOADS))]
    run = Run(PAYLOADS[0], PAYLOADS[1], PAYLOADS[2], PAYLOADS[3], "train", windows, [*PAYLOADS])
    path = tmp_path / "hostile.html"
    path.write_text(HtmlRenderer(monitoring=[run]).render(card, []), encoding="utf-8")
    browser.get_log("browser")
    browser.get(path.as_uri())
    assert severe(browser.get_log("browser")) == []
    assert browser.execute_script("return typeof window.__pwned") == "undefined"
    assert browser.find_elements(By.TAG_NAME, "script") == []
    assert PAYLOADS[0] in browser.find_element(By.CSS_SELECTOR, "section.monitoring").text
