"""The command line: parse, call the library, print, exit.

Exit codes: 0 clean, 1 findings at or above ``--fail-on``, 2 bad input or usage. A failure is
one line on stderr (what, where, how to fix); ``--debug`` shows the traceback.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # a stray BLAS call must not spin every core

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeElapsedColumn
from rich.table import Table

from datacard import __version__
from datacard.errors import DatacardError, UsageError
from datacard.findings import Finding, Severity, failing

if TYPE_CHECKING:
    from datacard.readers.base import DataFile

app = typer.Typer(
    name="datacard",
    help="Keep the documentation of machine-learning datasets true: measure, document, verify.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

DirArg = Annotated[
    Path, typer.Argument(help="The dataset's folder (or a single data file).", metavar="DIR")
]
WorkersOpt = Annotated[
    int | None,
    typer.Option("--workers", help="Worker processes (default: one per core).", metavar="N"),
]
EngineOpt = Annotated[
    str,
    typer.Option(
        "--engine",
        help="Where partitions run: local (processes here) or dask (a Dask cluster; "
        "pip install 'datacard[dask]').",
        metavar="local|dask",
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="A Dask scheduler's address (tcp://host:8786); without it, --engine dask starts a "
        "local cluster with one worker per core (or --workers).",
        metavar="ADDRESS",
    ),
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")]
LockOpt = Annotated[
    float,
    typer.Option(
        "--lock-timeout",
        help="Seconds to wait for another datacard process writing this card.",
        metavar="SECONDS",
    ),
]


def _parse_splits(values: Sequence[str]) -> dict[str, list[str]]:
    splits: dict[str, list[str]] = {}
    for value in values:
        name, sep, glob = value.partition("=")
        if not sep or not name.strip() or not glob.strip():
            raise UsageError(
                f"--split '{value}' is not NAME=GLOB", hint="e.g. --split test='eval/*.csv'"
            )
        splits.setdefault(name.strip(), []).append(glob.strip())
    return splits


def _relative_to(path: Path | None, root: Path) -> str | None:
    """``path`` as the card records it: relative to the card's folder when inside it."""
    if path is None:
        return None
    folder = (root if root.is_dir() else root.parent).resolve()
    resolved = path.resolve()
    if resolved.is_relative_to(folder):
        return resolved.relative_to(folder).as_posix()
    return str(resolved)


F = TypeVar("F", bound=Callable[..., Any])


def _friendly(command: F) -> F:
    """Turn our errors into one line on stderr and exit code 2 (``--debug``: the traceback)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except DatacardError as exc:
            if kwargs.get("debug"):
                raise
            err.print(f"error: {exc}", markup=False)
        except BrokenPipeError:
            # The reader of our output went away (`datacard ... | head`): stop quietly.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(1) from None
        except OSError as exc:
            if kwargs.get("debug"):
                raise
            where = f"{exc.filename}: " if exc.filename else ""
            reason = exc.strerror or str(exc)
            err.print(f"error: {where}{reason} (check the path and its permissions)", markup=False)
        raise typer.Exit(2)

    return wrapper  # type: ignore[return-value]


@contextmanager
def _engine(engine: str, scheduler: str | None, workers: int | None) -> Iterator[Any]:
    """The engine for one command: None (local), or a Dask executor opened once."""
    from datacard.executors import engine_scope

    with engine_scope(engine, workers=workers, scheduler=scheduler) as opened:
        yield opened


def _prefetch_hashes(
    root: Path,
    splits: dict[str, list[str]] | None = None,
    engine: str = "local",
    *,
    members: bool = True,
) -> None:
    """Start hashing the data files now, so it overlaps the imports that follow (the local
    engine only: on a cluster, the workers read the files). ``members``: also the files of
    media collections (a full profile hashes them as it measures them: not for ``init`` or a
    full ``check``)."""
    if engine != "local":
        return
    from datacard.digest import prefetch
    from datacard.errors import DatacardError
    from datacard.layout import discover

    def sources(file: DataFile) -> tuple[str, ...]:
        if members or file.collection is None:
            return file.sources()
        return file.slice(0, 0).sources()  # the metadata files only

    with suppress(DatacardError, OSError):  # the real run reports it
        prefetch(p for f in discover(root, splits).files for p in sources(f))


@contextmanager
def _progress(label: str) -> Iterator[Any]:
    """A progress bar on stderr (only when it is a terminal); yields the callback."""
    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    with bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        out.print(f"datacard {__version__}")


@app.command()
@_friendly
def init(
    root: DirArg,
    split: Annotated[
        list[str] | None,
        typer.Option("--split", help="Assign files to a split (repeatable).", metavar="NAME=GLOB"),
    ] = None,
    label: Annotated[
        str | None,
        typer.Option("--label", help="The label column, for class balance.", metavar="COL"),
    ] = None,
    tokenizer: Annotated[
        Path | None,
        typer.Option(
            "--tokenizer",
            help="A tokenizer.json for exact token counts (kept in policy.text).",
            metavar="FILE",
        ),
    ] = None,
    languages: Annotated[
        bool, typer.Option("--languages", help="Measure the language mix of text columns.")
    ] = False,
    data: Annotated[
        str | None,
        typer.Option(
            "--data",
            help="Read the data from this URL (s3://..., gs://..., file:///...; kept in "
            "policy.data) and write the card in DIR.",
            metavar="URL",
        ),
    ] = None,
    workers: WorkersOpt = None,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing card.")] = False,
    lock_timeout: LockOpt = 10.0,
    debug: DebugOpt = False,
) -> None:
    """Measure a dataset and write DIR/datacard.yaml (datasheet prompts + measured facts)."""
    if data is None:
        _prefetch_hashes(root, _parse_splits(split or []) or None, engine, members=False)
    from datacard.card import TextPolicy
    from datacard.workflow import init_card

    text = None
    if tokenizer is not None or languages:
        text = TextPolicy(tokenizer=_relative_to(tokenizer, root), languages=languages)

    with _engine(engine, scheduler, workers) as eng, _progress("measuring") as progress:
        written = init_card(
            root,
            splits=_parse_splits(split or []),
            label=label,
            workers=workers,
            progress=progress,
            force=force,
            lock_timeout=lock_timeout,
            text=text,
            engine=eng,
            data=data,
        )
    measured = written.card.measured
    assert measured is not None
    rows = sum(s.rows for s in measured.splits.values())
    out.print(
        f"wrote {written.path}: {len(measured.files)} files, {rows:,} rows, "
        f"splits {', '.join(measured.splits)} ({measured.splits_from})"
    )
    for note in measured.notes:
        err.print(f"warning: {note}")
    out.print(
        "next: fill in the datasheet answers in the card, then run: datacard check " + str(root)
    )


@app.command()
@_friendly
def update(
    root: DirArg,
    workers: WorkersOpt = None,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    force: Annotated[
        bool, typer.Option("--force", help="Re-measure even when no file changed.")
    ] = False,
    lock_timeout: LockOpt = 10.0,
    debug: DebugOpt = False,
) -> None:
    """Re-measure after an intended change; only the machine-owned part of the card changes."""
    _prefetch_hashes(root, engine=engine)
    from datacard.workflow import update_card

    with _engine(engine, scheduler, workers) as eng, _progress("measuring") as progress:
        written = update_card(
            root,
            workers=workers,
            progress=progress,
            lock_timeout=lock_timeout,
            force=force,
            engine=eng,
        )
    if not written.changes:
        out.print(f"{written.path} is up to date: no data file changed (--force re-measures)")
        return
    out.print(f"updated {written.path}")
    for change in written.changes:
        out.print(f"  {change}")


def _junit(findings: Sequence[Finding], fail_on: Severity) -> str:
    from xml.etree import ElementTree as ET

    suite = ET.Element(
        "testsuite",
        name="datacard check",
        tests=str(max(1, len(findings))),
        failures=str(len(failing(findings, fail_on))),
    )
    if not findings:
        ET.SubElement(suite, "testcase", classname="datacard", name="data matches card")
    for f in findings:
        case = ET.SubElement(
            suite, "testcase", classname=f"datacard.{f.code}", name=f.where or f.code
        )
        if f.severity >= fail_on:
            node = ET.SubElement(case, "failure", type=f.code, message=f.message)
            node.text = json.dumps(f.to_dict(), indent=2, allow_nan=False)
        else:
            ET.SubElement(case, "system-out").text = f"{f.severity}: {f.message}"
    return str(ET.tostring(suite, encoding="unicode", xml_declaration=True))


@app.command()
@_friendly
def check(
    root: DirArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print findings as JSON.")] = False,
    junit: Annotated[
        Path | None,
        typer.Option("--junit", help="Also write a JUnit XML report to FILE.", metavar="FILE"),
    ] = None,
    fail_on: Annotated[
        str,
        typer.Option(
            "--fail-on", help="Lowest severity that fails: error or warning.", metavar="SEVERITY"
        ),
    ] = "error",
    fast: Annotated[
        bool, typer.Option("--fast", help="Sizes, hashes and schema only; no full scan.")
    ] = False,
    workers: WorkersOpt = None,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Verify the data against its card: exit 0 when it matches, 1 when it does not."""
    _prefetch_hashes(root, engine=engine, members=fast)
    from datacard.workflow import check_card

    threshold = Severity.parse(fail_on)
    if threshold < Severity.WARNING:
        raise UsageError(f"--fail-on {fail_on} is not allowed", hint="use error or warning")
    with _engine(engine, scheduler, workers) as eng, _progress("checking") as progress:
        findings = check_card(root, fast=fast, workers=workers, progress=progress, engine=eng)
    bad = failing(findings, threshold)
    if junit is not None:
        from datacard.fileio import atomic_write

        atomic_write(junit, _junit(findings, threshold))
    if as_json:
        payload = {"ok": not bad, "findings": [f.to_dict() for f in findings]}
        out.print(json.dumps(payload, indent=2, allow_nan=False), markup=False)
    elif findings:
        for f in sorted(findings, key=lambda f: (-f.severity, f.code, f.where)):
            out.print(f"{f.severity!s:<8} {f.code:<27} {f.where}: {f.message}", markup=False)
        verdict = f"{len(bad)} finding(s) at or above '{threshold}'" if bad else "ok (only notes)"
        out.print(verdict)
    else:
        out.print("ok: the data matches its card")
    raise typer.Exit(1 if bad else 0)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


@app.command()
@_friendly
def show(
    root: DirArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print the card as JSON.")] = False,
    debug: DebugOpt = False,
) -> None:
    """Summarise the card in the terminal, or print it as machine-readable JSON."""
    from datacard.workflow import card_json, open_card

    card = open_card(root).card
    data = card_json(card)
    if as_json:
        out.print(json.dumps(data, indent=2, allow_nan=False, ensure_ascii=False), markup=False)
        return
    out.print(f"[bold]{card.name}[/bold] {card.version} — license: {card.license or 'not stated'}")
    if card.summary:
        out.print(card.summary, markup=False)
    out.print(f"content hash {data['content_hash']}; splits from {data['splits_from']}")
    for name, split in data["splits"].items():
        table = Table(
            "column",
            "type",
            "nulls",
            "distinct",
            "min",
            "max",
            "mean",
            title=f"{name}: {split['rows']:,} rows, {split['duplicate_rows']:,} duplicate rows",
        )
        for col, s in split["columns"].items():
            rows = s["count"] + s["nulls"]
            nulls = f"{s['nulls'] / rows:.1%}" if rows else ""
            table.add_row(
                col,
                s["type"],
                nulls,
                _cell(s.get("distinct")),
                _cell(s.get("min")),
                _cell(s.get("max")),
                _cell(s.get("mean")),
            )
        out.print(table)


@app.command()
@_friendly
def report(
    root: DirArg,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="Where to write (default: DIR/datacard.html).", metavar="FILE"
        ),
    ] = None,
    pdf: Annotated[
        bool, typer.Option("--pdf", help="Also print it to PDF with headless Chromium.")
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Write a self-contained HTML report for people who do not read YAML."""
    from datacard.fileio import atomic_write
    from datacard.workflow import card_path, render

    with err.status("drawing the report", spinner="dots") if err.is_terminal else nullcontext():
        content, suffix = render(root, "html")
    target = output or card_path(root).with_suffix(suffix)
    atomic_write(target, content)
    out.print(f"wrote {target}")
    if pdf:
        from datacard.render.pdf import print_pdf

        pdf_path = target.with_suffix(".pdf")
        print_pdf(target, pdf_path)
        out.print(f"wrote {pdf_path}")


@app.command()
@_friendly
def export(
    root: DirArg,
    fmt: Annotated[
        str,
        typer.Option("--format", help="hf, croissant, markdown or json.", metavar="FORMAT"),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="Where to write (default: standard output).", metavar="FILE"
        ),
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Export the card for machines: a Hugging Face card, Croissant 1.1, Markdown or JSON."""
    from datacard.fileio import atomic_write
    from datacard.workflow import render

    content, _ = render(root, fmt)
    if output is None:
        text = content.decode() if isinstance(content, bytes) else content
        sys.stdout.write(text)
        return
    atomic_write(output, content)
    out.print(f"wrote {output}")


@app.command(name="import")
@_friendly
def import_(
    fmt: Annotated[str, typer.Argument(help="croissant or hf.", metavar="FORMAT")],
    source: Annotated[
        Path, typer.Argument(help="The Croissant JSON or HF README.md.", metavar="FILE")
    ],
    root: Annotated[
        Path, typer.Argument(help="The dataset's folder (default: here).", metavar="DIR")
    ] = Path(),
    debug: DebugOpt = False,
) -> None:
    """Fill the card's human-written part from an existing Croissant file or HF card."""
    from datacard.workflow import import_documentation

    written = import_documentation(fmt, source, root)
    out.print(f"wrote {written.path} (human-written part from {source})")
    if written.card.measured is None:
        out.print(f"next: measure the data with: datacard update {root}")


def _report_findings(
    payload: dict[str, Any],
    lines: list[str],
    findings: Sequence[Finding],
    as_json: bool,
    fail_on: str,
) -> None:
    """Print a leakage/contamination result and exit 1 when findings reach ``fail_on``."""
    threshold = Severity.parse(fail_on)
    if as_json:
        out.print(json.dumps(payload, indent=2, allow_nan=False, ensure_ascii=False), markup=False)
    else:
        for line in lines:
            out.print(line, markup=False)
    raise typer.Exit(1 if failing(findings, threshold) else 0)


FailOnOpt = Annotated[
    str,
    typer.Option(
        "--fail-on", help="Lowest severity that fails: error or warning.", metavar="SEVERITY"
    ),
]


@app.command()
@_friendly
def leaks(
    root: DirArg,
    text: Annotated[
        list[str] | None,
        typer.Option(
            "--text", help="A text column compared for near-duplicates (repeatable).", metavar="COL"
        ),
    ] = None,
    key: Annotated[
        list[str] | None,
        typer.Option(
            "--key",
            help="A column identifying an example (repeatable; default: all).",
            metavar="COL",
        ),
    ] = None,
    label: Annotated[
        str | None,
        typer.Option("--label", help="The label column, for label conflicts.", metavar="COL"),
    ] = None,
    threshold: Annotated[
        float,
        typer.Option("--threshold", help="Jaccard similarity of near-duplicates.", metavar="J"),
    ] = 0.8,
    image_distance: Annotated[
        int,
        typer.Option(
            "--image-distance",
            help="Images: most pHash bits (of 64) near-duplicates differ in on the pHash "
            "alone (0-16); up to 10 when their colours also agree.",
            metavar="BITS",
        ),
    ] = 4,
    as_json: Annotated[bool, typer.Option("--json", help="Print the pairs as JSON.")] = False,
    pairs_out: Annotated[
        Path | None,
        typer.Option("--out", help="Write every pair to a Parquet file.", metavar="FILE"),
    ] = None,
    fail_on: FailOnOpt = "error",
    workers: WorkersOpt = None,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Find examples shared between splits (exact, near duplicates, conflicting labels)."""
    from datacard.leakage.leaks import run_leaks

    if not 0 <= image_distance <= 16:
        raise UsageError(
            f"--image-distance {image_distance} is outside 0-16 bits",
            hint="4 (the default) finds re-encoded, resized and brightened copies on the pHash "
            "alone; crops up to 10 bits are found by their colours",
        )

    with _engine(engine, scheduler, workers) as eng, _progress("comparing splits") as progress:
        result = run_leaks(
            root,
            text=text or [],
            key=key or [],
            label=label,
            threshold=threshold,
            image_distance=image_distance,
            out=pairs_out,
            workers=workers,
            progress=progress,
            engine=eng,
        )
    _report_findings(result.to_json(), result.summary_lines(), result.findings, as_json, fail_on)


@app.command()
@_friendly
def contamination(
    root: DirArg,
    benchmark: Annotated[
        list[str],
        typer.Option(
            "--benchmark",
            help="An evaluation set: PATH[:FIELD[,FIELD...]] (repeatable).",
            metavar="SPEC",
        ),
    ],
    text: Annotated[
        list[str] | None,
        typer.Option(
            "--text", help="Training text column(s) to search (default: all text).", metavar="COL"
        ),
    ] = None,
    n: Annotated[int, typer.Option("-n", "--ngram", help="Words per n-gram.", metavar="N")] = 13,
    threshold: Annotated[
        float,
        typer.Option(
            "--threshold", help="Share of an item's n-grams found that flags it.", metavar="SHARE"
        ),
    ] = 0.5,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    fail_on: FailOnOpt = "error",
    workers: WorkersOpt = None,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Check the training data against evaluation sets (exact, long n-gram and near matches)."""
    from datacard.leakage.contamination import run_contamination
    from datacard.workflow import data_location

    with _engine(engine, scheduler, workers) as eng, _progress("indexing data") as progress:
        result = run_contamination(
            data_location(root),
            benchmark,
            text=text or [],
            n=n,
            threshold=threshold,
            workers=workers,
            progress=progress,
            engine=eng,
        )
    _report_findings(result.to_json(), result.summary_lines(), result.findings, as_json, fail_on)


# Commands defined in their own modules register themselves on ``app`` when imported.
from datacard import cli_audit, cli_drift, cli_versions  # noqa: E402, F401


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point (exits): usage errors exit 2 with click's message, ours via :func:`_friendly`."""
    app(args=list(sys.argv[1:] if argv is None else argv), prog_name="datacard")
