"""The installed console script runs as a real process (exit codes, one-line errors)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

SCRIPT = Path(sys.executable).with_name("datacard")


def test_console_script_measures_and_checks(tmp_path: Path) -> None:
    pq.write_table(pa.table({"x": [1, 2, 3]}), tmp_path / "train.parquet")
    init = subprocess.run([SCRIPT, "init", tmp_path], capture_output=True, text=True)
    assert init.returncode == 0, init.stderr
    check = subprocess.run([SCRIPT, "check", tmp_path], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    missing = subprocess.run([SCRIPT, "check", tmp_path / "nope"], capture_output=True, text=True)
    assert missing.returncode == 2
    assert missing.stderr.strip().count("\n") == 0 and "does not exist" in missing.stderr


def test_python_dash_m_runs_the_cli() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "datacard", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0 and out.stdout.startswith("datacard ")
