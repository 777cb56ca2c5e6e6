"""``datacard diff``, ``history`` and ``which``: a card's versions (see docs/versions.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from datacard.cli import DebugOpt, LockOpt, WorkersOpt, _friendly, _progress, app, out
from datacard.errors import UsageError

if TYPE_CHECKING:
    from datacard.versions.diff import CardDiff
    from datacard.versions.history import CardVersion
    from datacard.versions.sides import Side

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def _print_json(payload: dict[str, Any]) -> None:
    out.print(json.dumps(payload, indent=2, allow_nan=False, ensure_ascii=False), markup=False)


def _sides(
    old: Path | None, new: Path | None, rev: str | None, workers: int | None
) -> tuple[Side, Side]:
    """OLD and NEW: cards are read first, so data is measured with the other card's policy."""
    from datacard.versions.sides import at_revision, card_side, is_card, resolve

    if rev is not None:
        if new is not None:
            raise UsageError(
                "with --git give one folder, the card's", hint="e.g. datacard diff --git HEAD~1 ."
            )
        folder = old or Path()
        before = at_revision(rev, folder)
        return before, card_side(folder)
    if old is None or new is None:
        raise UsageError(
            "give OLD and NEW (cards or data folders), or --git REV [DIR]",
            hint="e.g. datacard diff v1/ v2/, or datacard diff --git HEAD~1 .",
        )
    if is_card(new) and not is_card(old):
        after = resolve(new)
        with _progress(f"measuring {old}") as progress:
            return resolve(old, other=after.card, workers=workers, progress=progress), after
    if is_card(old):
        before = resolve(old)
        if is_card(new):
            return before, resolve(new)
        with _progress(f"measuring {new}") as progress:
            return before, resolve(new, other=before.card, workers=workers, progress=progress)
    with _progress("measuring the data") as progress:
        before = resolve(old, workers=workers, progress=progress)
        return before, resolve(new, workers=workers, progress=progress)


def _compare(before: Side, after: Side) -> CardDiff:
    from datacard.versions.diff import diff_cards, drift_verdicts

    policy = (after if before.kind == "data" else before).card.policy
    result = diff_cards(
        before.card,
        after.card,
        old_is_data=before.kind == "data",
        new_is_data=after.kind == "data",
        policy=policy,
    )
    if result.documentation is None:
        which = "OLD" if before.kind == "data" else "NEW"
        result.notes.append(f"documentation not compared: {which} is data, not a card")
    a, b = before.card.measured, after.card.measured
    if a is not None and b is not None and a.content_hash != b.content_hash:
        old_sketches, new_sketches = before.sketches(), after.sketches()
        result.drift = drift_verdicts(old_sketches, new_sketches, policy)
        missing = [n for n, p in (("OLD", old_sketches), ("NEW", new_sketches)) if p is None]
        if missing:
            result.notes.append(
                f"drift not compared: the sketches of {' and '.join(missing)} are not available "
                "(the sidecar .datacard/profile-*.json is missing or was not committed)"
            )
    return result


def _side_json(side: Side) -> dict[str, Any]:
    measured = side.card.measured
    return {
        "source": side.source,
        "kind": side.kind,
        "version": None if side.kind == "data" else side.card.version,
        "content_hash": measured.content_hash if measured else None,
    }


def _side_line(tag: str, side: Side) -> str:
    version = "" if side.kind == "data" else f" (v{side.card.version})"
    kind = " (data)" if side.kind == "data" else ""
    return f"{tag}  {side.source}{version}{kind}"


@app.command()
@_friendly
def diff(
    old: Annotated[
        Path | None,
        typer.Argument(
            help="A card (its folder or datacard.yaml) or a data folder; with --git, the "
            "card's folder (default: here).",
            metavar="OLD",
            show_default=False,
        ),
    ] = None,
    new: Annotated[
        Path | None,
        typer.Argument(
            help="A card or a data folder to compare with OLD.", metavar="NEW", show_default=False
        ),
    ] = None,
    git: Annotated[
        str | None,
        typer.Option(
            "--git",
            help="Compare the card as committed at REV with the working tree's.",
            metavar="REV",
        ),
    ] = None,
    as_json: JsonOpt = False,
    record: Annotated[
        bool,
        typer.Option("--record", help="Add a changelog entry to NEW's card and bump its version."),
    ] = False,
    message: Annotated[
        str | None,
        typer.Option(
            "-m", "--message", help="With --record: a line before the changes.", metavar="TEXT"
        ),
    ] = None,
    workers: WorkersOpt = None,
    lock_timeout: LockOpt = 10.0,
    debug: DebugOpt = False,
) -> None:
    """Show what changed between two cards, data folders or git revisions, and the version bump.

    Exit 0 when nothing changed, 1 when something did.
    """
    from datacard.versions.sides import is_card

    if record and git is None and new is not None and not is_card(new):
        raise UsageError(
            f"--record writes into NEW's card, and {new} is not a card",
            hint="give NEW as a folder with datacard.yaml (run 'datacard init' there first)",
        )
    if message is not None and not record:
        raise UsageError("--message goes with --record", hint="add --record")
    before, after = _sides(old, new, git, workers)
    result = _compare(before, after)
    recorded = None
    if record and result.bump != "none":
        from datacard.versions.changelog import record as write_entry

        assert after.path is not None
        recorded = write_entry(
            after.path,
            result.old_version,
            result.bump,
            result.lines(),
            message=message,
            lock_timeout=lock_timeout,
        )
    if as_json:
        payload = {"old": _side_json(before), "new": _side_json(after), **result.to_json()}
        payload["recorded"] = (
            None
            if recorded is None
            else {"path": str(recorded.path), **recorded.entry.model_dump(mode="json")}
        )
        _print_json(payload)
        raise typer.Exit(1 if result.changed else 0)
    out.print(_side_line("OLD", before), markup=False)
    out.print(_side_line("NEW", after), markup=False)
    for heading, lines in result.groups():
        out.print(f"[bold]{heading}[/bold]")
        for line in lines:
            out.print(f"  {line}", markup=False)
    for note in result.notes:
        out.print(f"note: {note}", markup=False)
    if not result.changed:
        out.print("no changes")
    suggested = result.suggested_version()
    base = result.old_version or result.new_version
    target = f" ({base} -> {suggested})" if suggested and result.bump != "none" else ""
    out.print(f"suggested bump: {result.bump}{target}", markup=False)
    if recorded is not None:
        out.print(
            f"recorded v{recorded.entry.version} ({recorded.entry.date}) in {recorded.path}",
            markup=False,
        )
    elif record:
        out.print("nothing to record: no change asks for a new version")
    raise typer.Exit(1 if result.changed else 0)


def _history_line(row: CardVersion) -> str:
    if row.card is None:
        where = row.short or "(working tree)"
        return f"{'?':<10} {row.day or '-':<10}  {where:<14}  unreadable: {row.reason}"
    digest = (row.content_hash or "-").removeprefix("sha256:")[:12]
    rows = row.rows()
    splits = ", ".join(f"{name} {n:,}" for name, n in rows.items())
    commit = row.short or "(working tree)"
    more = f"  (+{len(row.commits) - 1} commits)" if len(row.commits) > 1 else ""
    return (
        f"{row.card.version:<10} {row.day or '-':<10}  {commit:<14}  {digest:<12}  "
        f"{sum(rows.values()):>9,}  {splits}{more}"
    )


@app.command()
@_friendly
def history(
    root: Annotated[
        Path, typer.Argument(help="The card's folder (default: here).", metavar="DIR")
    ] = Path(),
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """List the card's versions from git: version, date, commit, content hash, rows."""
    from datacard.versions.gitrepo import GitRepo
    from datacard.versions.history import card_versions

    if root.exists() and GitRepo.find(root if root.is_dir() else root.parent) is None:
        raise UsageError(
            f"{root} is not in a git repository",
            hint="history reads the card's commits; commit the card with git first",
        )
    versions = card_versions(root)
    if as_json:
        rows = [r.to_json() for r in versions.rows]
        _print_json({"card": str(versions.card_file), "versions": rows})
        return
    out.print(f"{versions.card_file}: {len(versions.rows)} versions", markup=False)
    head = (
        f"{'version':<10} {'date':<10}  {'commit':<14}  {'content hash':<12}  {'rows':>9}  splits"
    )
    out.print(head, markup=False)
    for row in versions.rows:
        out.print(_history_line(row), markup=False)


@app.command()
@_friendly
def which(
    data: Annotated[
        Path, typer.Argument(help="The data's folder (or a single file).", metavar="DATA")
    ],
    card: Annotated[
        Path | None,
        typer.Option(
            "--card",
            help="The card's folder (default: DATA's own card, else the current folder's).",
            metavar="DIR",
        ),
    ] = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Say which recorded version of the card the data matches: exit 0 exact, 1 otherwise."""
    from datacard.versions.which import which as match

    result = match(data, card)
    if as_json:
        _print_json(result.to_json())
        raise typer.Exit(0 if result.exact else 1)
    if not result.git:
        out.print(
            f"note: {result.card_file.parent} is not in a git repository: compared with the "
            "working-tree card only",
            markup=False,
        )
    if result.unreadable:
        out.print(f"note: {result.unreadable} version(s) could not be read", markup=False)
    if result.exact:
        first, *others = result.exact
        assert first.version is not None
        out.print(f"{data} is {first.version.label} ({first.version.where})", markup=False)
        for other in others:
            assert other.version is not None
            out.print(f"  also {other.version.label} ({other.version.where})", markup=False)
        raise typer.Exit(0)
    out.print(
        f"{data} matches no recorded version of {result.card_file} "
        f"({result.files} files, {result.content_hash[:19]}…)",
        markup=False,
    )
    for m in result.closest:
        assert m.version is not None
        out.print(
            f"  closest: {m.version.label} ({m.version.where}) — {m.describe()}", markup=False
        )
    raise typer.Exit(1)
