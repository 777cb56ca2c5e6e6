"""Generate ``docs/cli.md`` from the CLI's own ``--help`` and ``docs/findings.md`` from the
finding catalog (tests check both are current).

Run: ``python -m datacard._docs docs/cli.md docs/findings.md``
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


FINDINGS_INTRO = """# Findings

Every check yields findings with a stable **code** from one catalog
(`datacard.findings.CATALOG`); tests, CI rules and the card's `policy.audit.accept` compare
codes, never prose. The severity is the default one (`check --fail-on` decides what fails).
`--json` outputs carry `code`, `severity`, `message`, `where` and `evidence`.

This page is generated from the catalog by `make docs`; a test fails when it is stale.
"""

FAMILIES = {
    "file": "Files",
    "schema": "Schema",
    "split": "Splits",
    "stats": "Statistics",
    "card": "The card",
    "leakage": "Leakage between splits ([leaks.md](leaks.md))",
    "contamination": "Benchmark contamination ([contamination.md](contamination.md))",
    "pii": "Personal data ([pii.md](pii.md))",
    "sensitive": "Sensitive attributes ([sensitive-and-poisoning.md](sensitive-and-poisoning.md))",
    "license": "Licences ([licenses.md](licenses.md))",
    "poisoning": "Poisoning hints ([sensitive-and-poisoning.md](sensitive-and-poisoning.md))",
    "audit": "The stored audit ([audit.md](audit.md))",
}


def render_findings() -> str:
    """The catalog as Markdown tables, one per family of codes."""
    from datacard.findings import CATALOG

    parts = [FINDINGS_INTRO]
    families: dict[str, list[str]] = {}
    for code in CATALOG:
        families.setdefault(code.split(".")[0], []).append(code)
    for family, codes in families.items():
        parts.append(f"## {FAMILIES.get(family, family)}\n")
        rows = ["| code | severity | meaning |", "| --- | --- | --- |"]
        for code in codes:
            severity, title = CATALOG[code]
            rows.append(f"| `{code}` | {severity} | {title} |")
        parts.append("\n".join(rows) + "\n")
    return "\n".join(parts)


if __name__ == "__main__":
    for target in sys.argv[1:]:
        text = render_findings() if Path(target).name == "findings.md" else render()
        Path(target).write_text(text, encoding="utf-8")
