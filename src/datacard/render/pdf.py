"""Print the HTML report to PDF with headless Chromium (``datacard report --pdf``).

The report's print stylesheet does the layout (page breaks before major sections); Chromium
only prints. It runs with a throw-away profile and with background networking off, and the
page itself cannot fetch anything (its Content-Security-Policy forbids it).

>>> find_chromium() is None or find_chromium().endswith(("chromium", "chromium-browser", "chrome"))
True
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Final

from datacard.errors import DatacardError, UsageError

BROWSERS: Final = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT: Final = 60.0
#: How datacard starts headless Chromium (the browser tests and the benchmark use it too).
HEADLESS_FLAGS: Final = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
FLAGS: Final = (*HEADLESS_FLAGS, "--no-pdf-header-footer")


def find_chromium() -> str | None:
    """The path of the first Chromium-family browser on PATH, or None."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def print_pdf(html: Path, pdf: Path, *, timeout: float = TIMEOUT) -> None:
    """Print ``html`` (a local file) to ``pdf`` with headless Chromium.

    Raises :class:`~datacard.errors.UsageError` when no Chromium is installed and
    :class:`~datacard.errors.DatacardError` (one line) when printing fails or times out.
    """
    browser = find_chromium()
    if browser is None:
        raise UsageError(
            "printing to PDF needs Chromium, and none was found on PATH",
            hint="install Chromium (Debian: apt-get install chromium) "
            "or use the browser's Print to PDF",
        )
    source = Path(html).resolve()
    if not source.is_file():
        raise UsageError(f"{source} is not a file", hint="write the HTML report first")
    target = Path(pdf).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    with tempfile.TemporaryDirectory(prefix="datacard-chromium-") as profile:
        command = [
            browser,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--print-to-pdf={partial}",
            source.as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            partial.unlink(missing_ok=True)
            raise DatacardError(
                f"Chromium did not finish printing within {timeout:.0f} s",
                where=str(source),
                hint="try the browser's Print to PDF",
            ) from None
        except OSError as exc:
            raise DatacardError(f"could not start {browser}: {exc}", where=str(source)) from None
    if done.returncode != 0 or not _is_pdf(partial):
        partial.unlink(missing_ok=True)
        last = _last_line(done.stderr)
        raise DatacardError(
            f"Chromium could not print the report (exit code {done.returncode}){last}",
            where=str(source),
            hint="try the browser's Print to PDF",
        )
    partial.replace(target)


def _is_pdf(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(5) == b"%PDF-"
    except OSError:
        return False


def _last_line(stderr: bytes) -> str:
    lines = [line.strip() for line in stderr.decode(errors="replace").splitlines() if line.strip()]
    return f": {lines[-1][:200]}" if lines else ""
