"""Generate ``docs/cli.md`` from the CLI's own ``--help`` (a test checks it is current).

Run: ``python -m datacard._docs docs/cli.md``
"""

from __future__ import annotations

import sys
from pathlib import Path

from typer.testing import CliRunner

from datacard.cli import app

INTRO = """# Command line

`datacard` measures a dataset into a card, keeps the human-written part, and verifies the data
against the card. Exit codes: **0** clean, **1** findings at or above `--fail-on`, **2** bad input
or usage (one line on stderr: what, where, how to fix; `--debug` shows the traceback).

This page is generated from `--help` by `make docs`; a test fails when it is stale.
"""


def command_help(name: str | None = None) -> str:
    """The plain ``--help`` text of the app (``name=None``) or of one command, 100 columns wide."""
    args = [name, "--help"] if name else ["--help"]
    result = CliRunner().invoke(
        app, args, prog_name="datacard", env={"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
    )
    return result.output.rstrip() + "\n"


def command_names() -> list[str]:
    """Every command of the CLI, in the order they are declared."""
    return [c.name or c.callback.__name__ for c in app.registered_commands if c.callback]


def render() -> str:
    parts = [INTRO, "## datacard\n", "```\n" + command_help() + "```\n"]
    for name in command_names():
        parts += [f"## datacard {name}\n", "```\n" + command_help(name) + "```\n"]
    return "\n".join(parts)


if __name__ == "__main__":
    Path(sys.argv[1]).write_text(render(), encoding="utf-8")
