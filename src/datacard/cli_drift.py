"""``datacard drift``: compare new data with the card's sketches (see docs/drift.md).

With ``--window`` the data is cut into windows (rows, or calendar periods of ``--time-column``)
and each window is compared: one JSON line per window with ``--json``, else a table.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.table import Table
from rich.text import Text

from datacard.cli import (
    DebugOpt,
    DirArg,
    EngineOpt,
    LockOpt,
    SchedulerOpt,
    WorkersOpt,
    _engine,
    _friendly,
    _progress,
    app,
    err,
    out,
)
from datacard.errors import UsageError

if TYPE_CHECKING:
    from datacard.drift.windows import Window, WindowedDrift

#: Drifted columns named per window in the table.
TOP_COLUMNS = 3


@app.command()
@_friendly
def drift(
    root: DirArg,
    data: Annotated[
        str,
        typer.Argument(
            help="New data: a folder or file, another card's folder, or a URL (s3://...).",
            metavar="DATA",
        ),
    ],
    split: Annotated[
        str | None,
        typer.Option("--split", help="The split to compare (default: train).", metavar="NAME"),
    ] = None,
    window: Annotated[
        str | None,
        typer.Option(
            "--window",
            help="Cut DATA into windows of N rows, or of a period (30m, 6h, 1d, 2w; needs "
            "--time-column) and compare each.",
            metavar="N|PERIOD",
        ),
    ] = None,
    time_column: Annotated[
        str | None,
        typer.Option("--time-column", help="The column with each row's time (UTC).", metavar="COL"),
    ] = None,
    record: Annotated[
        bool,
        typer.Option(
            "--record", help="Record the windows in .datacard/monitoring.jsonl for the report."
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the report as JSON (one line per window).")
    ] = False,
    workers: WorkersOpt = None,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    lock_timeout: LockOpt = 10.0,
    debug: DebugOpt = False,
) -> None:
    """Compare new data with the card's sketches: exit 0 stable, 1 drifted or retrain."""
    if window is not None:
        with _engine(engine, scheduler, workers) as eng:  # closed as _windows exits
            where = (time_column, split)
            _windows(root, data, window, where, record, as_json, eng, workers, lock_timeout)
    if time_column is not None or record:
        option = "--time-column" if time_column is not None else "--record"
        raise UsageError(f"{option} needs --window", hint="e.g. --window 1d --time-column ts")
    from datacard.workflow import drift_report

    with _engine(engine, scheduler, workers) as eng, _progress("measuring the new data") as bar:
        report = drift_report(root, data, split=split, workers=workers, progress=bar, engine=eng)
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


def _windows(
    root: Path,
    data: str,
    window: str,
    where: tuple[str | None, str | None],
    record: bool,
    as_json: bool,
    engine: Any,
    workers: int | None,
    lock_timeout: float,
) -> NoReturn:
    """``drift --window``: compare every window (``where``: time column, split) on ``engine``
    (None: ``workers`` local processes), print, record, exit."""
    time_column, split = where
    from datacard.drift.monitoring import data_label, record_run, run_of
    from datacard.drift.windows import drift_windows
    from datacard.workflow import card_path

    with _progress("cutting the data into windows") as progress:
        result = drift_windows(
            root,
            data,
            window,
            time_column=time_column,
            split=split,
            workers=workers,
            progress=progress,
            engine=engine,
        )
    if as_json:
        for w in result.windows:
            line = json.dumps(w.to_json(), allow_nan=False, ensure_ascii=False)
            sys.stdout.write(line + "\n")
        sys.stdout.flush()
        for note in result.notes:
            err.print(f"note: {note}", markup=False)
    else:
        out.print(_table(result))
        for note in result.notes:
            out.print(f"note: {note}", markup=False)
    if record:
        card = card_path(root)
        path = record_run(card, run_of(result, data_label(card, data)), lock_timeout=lock_timeout)
        err.print(f"recorded {len(result.windows)} windows in {path}", markup=False)
    raise typer.Exit(1 if result.drifted else 0)


def _table(result: WindowedDrift) -> Table:
    """window, start, rows, verdict and the top drifted columns (effect: metric / threshold)."""
    drifted = sum(w.verdict in ("drifted", "retrain") for w in result.windows)
    empty = sum(w.verdict == "empty" for w in result.windows)
    title = (
        f"{len(result.windows)} windows of {result.spec.text}"
        + (f" by {result.time_column}" if result.time_column else " rows")
        + f" compared with split {result.split}: {drifted} drifted"
        + (f", {empty} empty" if empty else "")
    )
    table = Table(title=Text(title), title_justify="left")
    for name, justify in (("window", "right"), ("start", "left"), ("rows", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    table.add_column("verdict")
    table.add_column("drifted columns (effect)")
    for w in result.windows:
        table.add_row(
            str(w.index),
            Text(str(w.start) if result.time_column else f"{w.start:,}"),
            f"{w.rows:,}",
            Text(w.verdict, style="bold" if w.verdict in ("drifted", "retrain") else ""),
            Text(_top(w) + ("; " if w.notes and _top(w) else "") + "; ".join(w.notes)),
        )
    return table


def _top(w: Window) -> str:
    if w.report is None:
        return ""
    named = [f"{c} ({w.report.columns[c].effect:.2g})" for c in w.drifted[:TOP_COLUMNS]]
    more = len(w.drifted) - TOP_COLUMNS
    return ", ".join(named) + (f" +{more} more" if more > 0 else "")
