"""``datacard drift``: compare new data with the card's sketches (see docs/drift.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from datacard.cli import DebugOpt, DirArg, WorkersOpt, _friendly, _progress, app, out


@app.command()
@_friendly
def drift(
    root: DirArg,
    data: Annotated[
        Path,
        typer.Argument(
            help="New data: a folder or file, or another card's folder.", metavar="DATA"
        ),
    ],
    split: Annotated[
        str | None,
        typer.Option("--split", help="The split to compare (default: train).", metavar="NAME"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    workers: WorkersOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Compare new data with the card's sketches: exit 0 stable, 1 drifted or retrain."""
    from datacard.workflow import drift_report

    with _progress("measuring the new data") as progress:
        report = drift_report(root, data, split=split, workers=workers, progress=progress)
    if as_json:
        out.print(json.dumps(report.to_json(), indent=2, allow_nan=False), markup=False)
    else:
        out.print(
            f"{report.verdict}: split {report.split}, {report.rows_reference:,} rows in the card, "
            f"{report.rows_current:,} now",
            markup=False,
        )
        for name, column in report.columns.items():
            if column.drifted:
                out.print(f"  drifted  {name}: {'; '.join(column.reasons)}", markup=False)
        for note in report.notes:
            out.print(f"  note: {note}", markup=False)
    raise typer.Exit(0 if report.verdict == "stable" else 1)
