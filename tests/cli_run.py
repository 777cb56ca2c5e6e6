"""Run the ``datacard`` command line in-process, as the tests do: ``(exit code, out, err)``."""

from __future__ import annotations

import pytest

from datacard.cli import main

Run = tuple[int, str, str]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> Run:
    """``datacard ARGS`` in this process: its exit code and what it printed."""
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    captured = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), captured.out, captured.err
