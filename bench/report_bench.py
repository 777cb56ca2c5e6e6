"""Size and load time of the HTML report for a synthetic 200-column dataset.

Builds 200 columns x 2,000 rows of mixed types (ints, floats, categories, text, flags,
timestamps) in a temporary folder, measures it with ``datacard init``, renders the report and
loads it in headless Chromium (selenium, ``/usr/bin/chromium`` + ``/usr/bin/chromedriver``;
nothing is downloaded), timing navigation start to the end of the load event with the
Navigation Timing API. Prints a Markdown snippet; ``--append FILE`` also appends it to FILE.

    .venv/bin/python bench/report_bench.py [--runs 5] [--columns 200] [--append bench/RESULTS.md]
"""

from __future__ import annotations

import argparse
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from datacard.render.html import HtmlRenderer
from datacard.render.pdf import HEADLESS_FLAGS
from datacard.workflow import init_card

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
BUDGET = 1_500_000


def make_dataset(root: Path, columns: int, rows: int) -> None:
    """``columns`` mixed-type columns in one Parquet file (seeded: the same data every run)."""
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


def load_times(report: Path, runs: int) -> list[tuple[float, float]]:
    """(DOMContentLoaded end, load event end) in ms after navigation start, per run."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    out: list[tuple[float, float]] = []
    for _ in range(runs):  # a fresh browser per run: a cold load every time
        with tempfile.TemporaryDirectory(prefix="datacard-bench-") as profile:
            options = webdriver.ChromeOptions()
            options.binary_location = CHROMIUM
            for flag in (
                *HEADLESS_FLAGS,
                "--window-size=1280,900",
                f"--user-data-dir={profile}",
            ):
                options.add_argument(flag)
            driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
            try:
                driver.get(report.as_uri())
                timing = driver.execute_script(
                    "const n = performance.getEntriesByType('navigation')[0];"
                    "return [n.domContentLoadedEventEnd, n.loadEventEnd];"
                )
                out.append((float(timing[0]), float(timing[1])))
            finally:
                driver.quit()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--columns", type=int, default=200)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--append", type=Path, help="also append the snippet to this file")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="datacard-report-bench-") as tmp:
        root = Path(tmp) / "wide"
        root.mkdir()
        make_dataset(root, args.columns, args.rows)
        card = init_card(root).card
        renders = []
        html = ""
        for _ in range(3):
            start = time.perf_counter()
            html = HtmlRenderer().render(card, [])
            renders.append(time.perf_counter() - start)
        report = root / "datacard.html"
        report.write_text(html, encoding="utf-8")
        size = len(html.encode())
        charts = re.findall(r"<svg .*?</svg>", html, flags=re.S)
        chart_bytes = sum(len(c.encode()) for c in charts)
        times = load_times(report, args.runs)

    loads = [t[1] for t in times]
    ready = [t[0] for t in times]
    verdict = "PASS" if size <= BUDGET else "MISS"
    snippet = f"""
## HTML report size ({args.columns} columns)

Written by `bench/report_bench.py`: a synthetic dataset of {args.columns} columns x {args.rows:,} rows
(ints, floats, categories, text, flags, timestamps; one split), measured with `datacard init`,
rendered by the `html` renderer and loaded from `file://` in headless Chromium, a fresh browser
per run; load time is navigation start to the end of the load event (Navigation Timing API).
Machine: {platform.machine()}, Python {platform.python_version()}; other work may have been
competing for the CPUs.

| measure | value |
| --- | ---: |
| report size | {size:,} bytes ({size / 1e6:.2f} MB; budget 1.5 MB: {verdict}) |
| inline SVG charts | {len(charts)} charts, {chart_bytes:,} bytes ({chart_bytes / max(size, 1):.0%} of the file), {chart_bytes / max(len(charts), 1):,.0f} bytes per chart |
| render time (`HtmlRenderer.render`) | median {statistics.median(renders):.2f} s, min {min(renders):.2f} s over {len(renders)} runs |
| load time (navigation start → load event end) | median {statistics.median(loads):.0f} ms, min {min(loads):.0f} ms over {len(loads)} runs |
| DOMContentLoaded | median {statistics.median(ready):.0f} ms |
"""  # noqa: E501
    sys.stdout.write(snippet)
    if args.append is not None:
        with args.append.open("a", encoding="utf-8") as f:
            f.write(snippet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
