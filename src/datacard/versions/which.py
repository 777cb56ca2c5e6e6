"""``datacard which``: which recorded version of a card does the data at a path match?

The data's files are hashed (sha256, no full scan) and compared with the files of every version
in the card's history: the same content hash is an exact match; otherwise the versions sharing
the most identical files are the closest.

>>> Match(version=None, shared=3, total=4, changed=["x.csv"]).describe()
'3 of 4 files identical; changed: x.csv'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from datacard.digest import merkle_root
from datacard.errors import UsageError
from datacard.measured import FileSummary
from datacard.versions.history import CardVersion, Versions, card_versions
from datacard.workflow import _fast_measure, card_path


@dataclass
class Match:
    """How the data compares with one version: identical files out of all, and the rest."""

    version: CardVersion | None
    shared: int
    total: int
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # in the version, not in the data
    extra: list[str] = field(default_factory=list)  # in the data, not in the version

    @property
    def exact(self) -> bool:
        return not (self.changed or self.missing or self.extra)

    def describe(self) -> str:
        """``3 of 4 files identical; changed: x.csv; missing: y.csv``."""
        parts = [f"{self.shared} of {self.total} files identical"]
        for name, paths in (
            ("changed", self.changed),
            ("missing", self.missing),
            ("not in that version", self.extra),
        ):
            if paths:
                shown = ", ".join(paths[:5]) + (
                    f" and {len(paths) - 5} more" if len(paths) > 5 else ""
                )
                parts.append(f"{name}: {shown}")
        return "; ".join(parts)

    def to_json(self) -> dict[str, Any]:
        version = self.version.to_json() if self.version else {}
        return {
            "version": version.get("version"),
            "commit": version.get("commit"),
            "date": version.get("date"),
            "working_tree": version.get("working_tree", False),
            "identical": self.shared,
            "total": self.total,
            "changed": self.changed,
            "missing": self.missing,
            "extra": self.extra,
        }


@dataclass
class WhichResult:
    """The data's hash, the exact matches and the closest other versions."""

    data: Path
    card_file: Path
    content_hash: str
    files: int
    git: bool
    exact: list[Match]
    closest: list[Match]
    unreadable: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "data": str(self.data),
            "card": str(self.card_file),
            "content_hash": self.content_hash,
            "files": self.files,
            "git": self.git,
            "match": self.exact[0].to_json() if self.exact else None,
            "also": [m.to_json() for m in self.exact[1:]],
            "closest": [m.to_json() for m in self.closest],
        }


def compare_files(files: list[FileSummary], version: CardVersion) -> Match:
    """How ``files`` (the data's) compare with the files ``version`` records."""
    assert version.card is not None and version.card.measured is not None
    ours = {f.path: f.sha256 for f in files}
    theirs = {f.path: f.sha256 for f in version.card.measured.files}
    return Match(
        version=version,
        shared=sum(1 for p in ours.keys() & theirs.keys() if ours[p] == theirs[p]),
        total=len(ours.keys() | theirs.keys()),
        changed=sorted(p for p in ours.keys() & theirs.keys() if ours[p] != theirs[p]),
        missing=sorted(theirs.keys() - ours.keys()),
        extra=sorted(ours.keys() - theirs.keys()),
    )


def _card_of(data: Path, card: Path | None) -> Path:
    if card is not None:
        return card
    own = card_path(data)
    return own if own.is_file() else card_path(Path())


def which(data: Path, card: Path | None = None, *, closest: int = 3) -> WhichResult:
    """Match the data at ``data`` against the versions of a card (default: the data's own
    card, else the current folder's)."""
    if not data.exists():
        raise UsageError(f"{data} does not exist", hint="give the data's folder or file")
    versions: Versions = card_versions(_card_of(data, card))
    readable = [v for v in versions.rows if v.card is not None and v.card.measured is not None]
    if not versions.rows:
        raise UsageError(
            f"no card at {versions.card_file}",
            hint="pass --card DIR, the folder of the card whose versions to compare with",
        )
    policy = next((v.card.policy for v in readable if v.card), None)
    measured = _fast_measure(data, policy.splits if policy else None)
    digest = merkle_root((f.path, f.sha256) for f in measured.files)
    matches = [compare_files(measured.files, v) for v in readable]
    exact = [m for m in matches if m.exact]
    ranked = sorted(
        (m for m in matches if not m.exact),
        key=lambda m: (-m.shared, len(m.changed) + len(m.missing) + len(m.extra)),
    )
    seen: set[str | None] = set()
    nearest: list[Match] = []
    for m in ranked:  # one row per content hash: the newest version holding it
        key = m.version.content_hash if m.version else None
        if key not in seen:
            seen.add(key)
            nearest.append(m)
    return WhichResult(
        data=data,
        card_file=versions.card_file,
        content_hash=digest,
        files=len(measured.files),
        git=versions.repo is not None,
        exact=exact,
        closest=nearest[:closest],
        unreadable=len(versions.rows) - len(readable),
    )
