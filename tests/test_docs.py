"""The README and docs stay true to the code."""

from __future__ import annotations

import re
import subprocess
import sys
import types
from pathlib import Path

import datacard
from datacard._docs import command_names, render, render_findings

ROOT = Path(__file__).resolve().parents[1]


def test_cli_reference_is_current() -> None:
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == render(), (
        "docs/cli.md is stale: run `make docs`"
    )


def test_finding_catalog_doc_is_current() -> None:
    assert (ROOT / "docs" / "findings.md").read_text(encoding="utf-8") == render_findings(), (
        "docs/findings.md is stale: run `make docs`"
    )


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in command_names():
        assert re.search(rf"datacard {name}\b", readme), f"README does not show 'datacard {name}'"


def test_readme_starts_with_the_two_commands() -> None:
    head = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:15]
    text = "\n".join(head)
    assert "make demo" in text and "make test" in text


def test_public_api_is_explicit() -> None:
    public = {
        name
        for name, value in vars(datacard).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name != "annotations"
        and name not in {"TYPE_CHECKING", "Any"}
    }
    assert public <= set(datacard.__all__)
    for name in datacard.__all__:
        assert getattr(datacard, name) is not None


def test_import_is_light() -> None:
    code = "import sys, datacard; print('pyarrow' in sys.modules, 'datasketches' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_card_format_doc_names_every_measured_field() -> None:
    from datacard.measured import ColumnSummary, FileSummary, Measured, SplitSummary

    doc = (ROOT / "docs" / "card-format.md").read_text(encoding="utf-8")
    for model in (Measured, FileSummary, SplitSummary, ColumnSummary):
        for field in model.model_fields:
            assert f"`{field}`" in doc, f"docs/card-format.md does not document `{field}`"
