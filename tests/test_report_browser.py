"""The HTML report in a real browser: headless Chromium driven by selenium.

These tests need ``/usr/bin/chromium`` and ``/usr/bin/chromedriver`` (CI installs them); when
either is missing they fail with a clear message instead of skipping. Selenium is given both
paths, so selenium-manager never downloads anything.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from datacard.card import Card
from datacard.findings import Finding
from datacard.render.html import HtmlRenderer
from datacard.render.pdf import HEADLESS_FLAGS
from test_report import FINDINGS, PAYLOADS, hostile_card, tiny_card

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WIDTH, HEIGHT = 1280, 900
FLAGS = (
    *HEADLESS_FLAGS,
    f"--window-size={WIDTH},{HEIGHT}",
)


@contextmanager
def chromium() -> Iterator[webdriver.Chrome]:
    """Headless Chromium at WIDTH x HEIGHT with its console log, closed and cleaned up after."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(
            f"browser tests need {' and '.join(missing)}: "
            "install them (Debian: apt-get install chromium chromium-driver)"
        )
    profile = tempfile.mkdtemp(prefix="datacard-selenium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    chrome = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    chrome.set_page_load_timeout(30)
    chrome.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
    )
    try:
        yield chrome
    finally:
        chrome.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def driver() -> Iterator[webdriver.Chrome]:
    with chromium() as chrome:
        yield chrome


def open_report(
    driver: webdriver.Chrome, path: Path, card: Card, findings: list[Finding]
) -> list[dict[str, Any]]:
    """Write the report, load it, and return the console entries of the load."""
    path.write_text(HtmlRenderer().render(card, findings), encoding="utf-8")
    driver.get_log("browser")  # drop entries of earlier pages
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "screen"})
    driver.get(path.as_uri())
    logs: list[dict[str, Any]] = driver.get_log("browser")
    return logs


def severe(logs: list[dict[str, Any]]) -> list[str]:
    return [str(entry.get("message")) for entry in logs if entry.get("level") == "SEVERE"]


def test_first_screen(driver: webdriver.Chrome, tmp_path: Path) -> None:
    logs = open_report(driver, tmp_path / "report.html", tiny_card(tmp_path / "tiny"), FINDINGS)
    assert severe(logs) == []
    assert driver.execute_script("return window.innerWidth") == WIDTH
    assert len(driver.find_elements(By.TAG_NAME, "h1")) == 1
    headings = [h.text for h in driver.find_elements(By.TAG_NAME, "h2")]
    for title in ("At a glance", "Warnings", "Columns", "Datasheet", "How to verify"):
        assert title in headings
    for selector in ("h1", "p.summary", "#warnings", ".facts"):
        box = driver.execute_script(
            "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
            "return [r.top, r.bottom, r.left, r.right];",
            selector,
        )
        top, bottom, left, right = box
        assert 0 <= top < bottom <= HEIGHT, f"{selector} is not on the first screen: {box}"
        assert 0 <= left < right <= WIDTH, f"{selector} overflows horizontally: {box}"
    assert driver.execute_script("return document.documentElement.scrollWidth") <= WIDTH
    shot = tmp_path / "first-screen.png"
    assert driver.save_screenshot(str(shot))
    with Image.open(shot) as image:
        assert image.size == (WIDTH, HEIGHT)
        grey = image.convert("L")
        histogram = grey.histogram()
        ink = sum(histogram[:128]) / (WIDTH * HEIGHT)  # dark pixels: text, bars
        assert 0.005 < ink < 0.25, f"the first screen looks empty or smeared ({ink:.3f} dark)"
        # the warnings box is drawn: its tinted background is on screen
        rgb = image.convert("RGB")
        box = driver.find_element(By.ID, "warnings").rect
        x, y = int(box["x"]) + 4, int(box["y"]) + 4
        assert rgb.getpixel((x, y)) != (255, 255, 255)


def test_details_are_one_click_away(driver: webdriver.Chrome, tmp_path: Path) -> None:
    open_report(driver, tmp_path / "report.html", tiny_card(tmp_path / "tiny"), FINDINGS)
    first = driver.find_element(By.CSS_SELECTOR, "#warnings details")
    code = first.find_element(By.TAG_NAME, "code")
    assert not code.is_displayed()
    first.find_element(By.TAG_NAME, "summary").click()
    assert code.is_displayed() and code.text == "file.changed"


def test_print_layout(driver: webdriver.Chrome, tmp_path: Path) -> None:
    open_report(driver, tmp_path / "report.html", tiny_card(tmp_path / "tiny"), FINDINGS)
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    breaks = driver.execute_script(
        "return [...document.querySelectorAll('h2.major')]"
        ".map(h => getComputedStyle(h).breakBefore)"
    )
    assert breaks and set(breaks) == {"page"}
    # closed <details> still print their technical detail (hidden on screen until clicked)
    visible = "return document.querySelector('#warnings details dl').checkVisibility()"
    assert driver.execute_script(visible) is True
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "screen"})
    assert driver.execute_script(visible) is False
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    assert driver.execute_script("return document.documentElement.scrollWidth") <= WIDTH


def test_injection_executes_nothing(driver: webdriver.Chrome, tmp_path: Path) -> None:
    hostile = hostile_card(tmp_path / "hostile")
    findings = [Finding.of("file.changed", p, where=p, evidence=p) for p in PAYLOADS]
    logs = open_report(driver, tmp_path / "hostile.html", hostile, findings)
    assert driver.execute_script("return typeof window.__pwned") == "undefined"
    # a leaked script or handler would also show up as a CSP violation in the console
    assert severe(logs) == []
    assert driver.find_elements(By.TAG_NAME, "script") == []
    assert driver.find_elements(By.CSS_SELECTOR, "main img") == []
    assert PAYLOADS[0] in driver.find_element(By.TAG_NAME, "h1").text
    links = [a.get_attribute("href") or "" for a in driver.find_elements(By.TAG_NAME, "a")]
    assert not [h for h in links if not h.startswith(("file:", "http:", "https:"))]
