"""``datacard audit``: personal data, sensitive attributes, licences, poisoning hints and
compliance gaps (see docs/audit.md)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Annotated, Any

import typer

from datacard.cli import (
    DebugOpt,
    DirArg,
    FailOnOpt,
    WorkersOpt,
    _friendly,
    _progress,
    app,
    out,
)
from datacard.errors import UsageError
from datacard.findings import Severity, failing


@app.command()
@_friendly
def audit(
    root: DirArg,
    framework: Annotated[
        list[str] | None,
        typer.Option(
            "--framework",
            help="Print a compliance checklist: eu-ai-act, nist-ai-rmf, iso-42001, datasheets.",
            metavar="NAME",
        ),
    ] = None,
    part: Annotated[
        list[str] | None,
        typer.Option(
            "--part",
            help="Run only this part: pii, sensitive, licenses, poisoning (repeatable).",
            metavar="NAME",
        ),
    ] = None,
    sample: Annotated[
        int | None,
        typer.Option("--sample", help="Scan at most N rows per split (default: all).", metavar="N"),
    ] = None,
    store: Annotated[
        bool,
        typer.Option("--store/--no-store", help="Keep the findings in the card (default)."),
    ] = True,
    pii_backend: Annotated[
        str,
        typer.Option(
            "--pii-backend",
            help="Personal data detector: datacard or presidio (needs datacard[presidio]).",
            metavar="NAME",
        ),
    ] = "datacard",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    fail_on: FailOnOpt = "error",
    workers: WorkersOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Audit the data for personal data, sensitive attributes, licences and poisoning hints."""
    from datacard.audit.compliance import DISCLAIMER
    from datacard.audit.run import run_audit

    threshold = Severity.parse(fail_on)
    if threshold < Severity.WARNING:
        raise UsageError(f"--fail-on {fail_on} is not allowed", hint="use error or warning")
    with ExitStack() as stack:

        def progress(label: str) -> Callable[[int, int], None]:
            return stack.enter_context(_progress(f"audit: {label}"))  # type: ignore[no-any-return]

        result = run_audit(
            root,
            parts=part or (),
            frameworks=framework or (),
            sample=sample,
            workers=workers,
            progress=progress,
            store=store,
            pii_backend=pii_backend,
        )
    if as_json:
        payload = result.to_json()
        if not framework:
            payload["compliance"] = {}
        text = json.dumps(payload, indent=2, allow_nan=False, ensure_ascii=False)
        out.print(text, markup=False)
    else:
        for line in _lines(result.to_json(), framework or []):
            out.print(line, markup=False)
        out.print(f"note: {DISCLAIMER}", markup=False)
    raise typer.Exit(1 if failing(result.findings, threshold) else 0)


def _lines(payload: dict[str, Any], frameworks: list[str]) -> Iterator[str]:
    findings = payload["findings"]
    for f in findings:
        where = ", ".join(f"{k} {v}" for k, v in f["where"].items() if v is not None)
        where = where or f.get("at", "")
        yield f"{f['severity']:<8} {f['code']:<26} {where + ': ' if where else ''}{f['message']}"
    counts = {s: sum(1 for f in findings if f["severity"] == s) for s in ("error", "warning")}
    accepted = (
        f", {payload['accepted']} accepted by the card's policy" if payload["accepted"] else ""
    )
    yield (
        f"audit ({', '.join(payload['parts'])}): {len(findings)} finding(s), "
        f"{counts['error']} error(s), {counts['warning']} warning(s){accepted}"
    )
    yield f"datasheet completeness: {payload['completeness']:.0%}"
    for name in frameworks:
        items = payload["compliance"].get(name, [])
        tally = {
            s: sum(1 for i in items if i["status"] == s)
            for s in ("satisfied", "partial", "missing")
        }
        yield ""
        summary = ", ".join(f"{n} {status}" for status, n in tally.items())
        yield f"{name}: {summary}"
        for item in items:
            yield f"  {item['status']:<9} {item['item']}: {_evidence(item)}"


def _evidence(item: dict[str, Any]) -> str:
    """What shows the item is met, then what is still to write or do."""
    parts = [str(e) for e in item.get("evidence") or []]
    todo = item.get("todo")
    if todo:
        parts += [f"to do: {t}" for t in (todo if isinstance(todo, list) else [todo])]
    if not parts and item.get("guidance"):
        parts.append(f"to do: {item['guidance']}")
    return "; ".join(parts)
