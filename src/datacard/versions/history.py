"""A card's versions from git: one row per commit touching the card, newest first.

Consecutive commits with the same ``version`` and content hash are one row (``commits`` lists
them, newest first; ``commit`` and ``date`` are the oldest, when that state was first
committed). A card that no longer parses at an old revision (an older format, broken YAML) is
a row with a ``reason`` instead of a card. Uncommitted changes to the card are a first row
``(working tree)``.

>>> import pathlib, tempfile
>>> card_versions(pathlib.Path(tempfile.mkdtemp())).repo is None
True
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from datacard.card import Card
from datacard.errors import CardError, UsageError
from datacard.versions.gitrepo import Commit, GitRepo
from datacard.workflow import card_path
from datacard.yamlio import parse_card

WORKING_TREE = "(working tree)"


@dataclass(frozen=True)
class CardVersion:
    """One recorded state of the card; ``commit`` is None for the working tree."""

    card: Card | None
    commit: str | None = None
    short: str | None = None
    date: str | None = None
    subject: str = ""
    reason: str | None = None
    commits: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """``v1.2.0``, or ``(working tree)`` / ``abc1234`` when there is no readable card."""
        if self.card is not None:
            return f"v{self.card.version}"
        return WORKING_TREE if self.commit is None else str(self.short)

    @property
    def where(self) -> str:
        """``commit abc1234, 2026-10-01`` or ``the working tree``."""
        if self.commit is None:
            return "the working tree"
        return f"commit {self.short}, {self.day}"

    @property
    def day(self) -> str:
        return (self.date or "")[:10]

    @property
    def content_hash(self) -> str | None:
        measured = self.card.measured if self.card else None
        return measured.content_hash if measured else None

    def rows(self) -> dict[str, int]:
        measured = self.card.measured if self.card else None
        return {name: s.rows for name, s in measured.splits.items()} if measured else {}

    def to_json(self) -> dict[str, Any]:
        rows = self.rows()
        return {
            "version": self.card.version if self.card else None,
            "commit": self.short,
            "date": self.day or None,
            "subject": self.subject,
            "commits": list(self.commits),
            "content_hash": self.content_hash,
            "rows": sum(rows.values()) if self.card and self.card.measured else None,
            "splits": rows,
            "reason": self.reason,
            "working_tree": self.commit is None,
        }


@dataclass
class Versions:
    """The versions of one card (newest first); ``repo`` is None outside git."""

    card_file: Path
    repo: GitRepo | None
    rel: str | None = None
    rows: list[CardVersion] = field(default_factory=list)


def _parse(raw: bytes | None, where: str) -> tuple[Card | None, str | None]:
    if raw is None:
        return None, "the card is not in this commit"
    try:
        return parse_card(raw.decode("utf-8"), where), None
    except UnicodeDecodeError:
        return None, "the card is not valid UTF-8"
    except CardError as exc:
        return None, str(exc)


def _same(a: CardVersion, b: CardVersion) -> bool:
    if a.card is None or b.card is None:
        return False
    return (a.card.version, a.content_hash) == (b.card.version, b.content_hash)


def collapse(rows: list[CardVersion]) -> list[CardVersion]:
    """Merge runs of consecutive rows with the same version and content hash (newest first)."""
    out: list[CardVersion] = []
    for row in rows:
        if out and out[-1].commit is not None and _same(out[-1], row):
            last = out[-1]
            out[-1] = replace(
                row, commits=(*last.commits, *row.commits), card=last.card, subject=row.subject
            )
        else:
            out.append(row)
    return out


def card_versions(root: Path, *, collapsed: bool = True) -> Versions:
    """The versions of the card of ``root`` (a folder or its ``datacard.yaml``).

    Outside git, only the working-tree card (when there is one). In git, a card never committed
    is an error.
    """
    if not root.exists():
        raise UsageError(f"{root} does not exist", hint="give the card's folder")
    file = root if root.is_file() and root.suffix in (".yaml", ".yml") else card_path(root)
    repo = GitRepo.find(file.parent)
    working: CardVersion | None = None
    if file.is_file():
        card, reason = _parse(file.read_bytes(), str(file))
        working = CardVersion(card, reason=reason)
    if repo is None:
        return Versions(file, None, None, [working] if working else [])
    rel = repo.relpath(file)
    commits = repo.log(rel)
    if not commits:
        raise UsageError(
            f"{rel} was never committed in {repo.top}",
            hint=f"commit it first: git add {rel} && git commit",
        )
    raws = repo.show_many([(c.sha, c.path) for c in commits])
    rows = [_row(c, raw) for c, raw in zip(commits, raws)]
    if collapsed:
        rows = collapse(rows)
    head = repo.show_many([("HEAD", rel)])[0]
    if working is not None and file.read_bytes() != head:
        rows.insert(0, working)
    return Versions(file, repo, rel, rows)


def _row(commit: Commit, raw: bytes | None) -> CardVersion:
    card, reason = _parse(raw, f"{commit.short}:{commit.path}")
    return CardVersion(
        card,
        commit=commit.sha,
        short=commit.short,
        date=commit.date,
        subject=commit.subject,
        reason=reason,
        commits=(commit.short,),
    )
