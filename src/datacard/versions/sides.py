"""The two things ``datacard diff`` compares: a card on disk, a card at a git revision, or data.

:func:`resolve` decides what a path is: a card file (``*.yaml``), a folder holding
``datacard.yaml``, or a data folder or file without a card (measured in full, so statistics can
be compared). :func:`at_revision` reads the card as committed at a revision, and its sketches
when the sidecar was committed too.

>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "train.csv").write_text("x\\n1\\n2\\n")
>>> side = resolve(folder)
>>> side.kind, side.card.measured.splits["train"].rows
('data', 2)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Literal

from datacard.card import Card
from datacard.errors import CardError, DatacardError, UsageError
from datacard.versions.gitrepo import GitRepo
from datacard.workflow import CARD_NAME, card_path
from datacard.yamlio import load_card, parse_card

if TYPE_CHECKING:
    from datacard.profiling import Profile, Progress

Kind = Literal["card", "git", "data"]


@dataclass
class Side:
    """One side of a diff: where it came from, its card, and (lazily) its sketches.

    ``path`` is the card file on disk (``kind == "card"`` only); a data side's card holds only
    what was measured, with the default human part.
    """

    source: str
    kind: Kind
    card: Card
    path: Path | None = None
    _sketches: Callable[[], Profile | None] = field(default=lambda: None, repr=False)

    def sketches(self) -> Profile | None:
        """The profile behind the card (its sidecar), or None when it is not available."""
        return self._sketches()


def _profile_from(raw: bytes | None) -> Profile | None:
    from datacard.profiling import Profile

    if raw is None:
        return None
    try:
        return Profile.from_dict(json.loads(raw))
    except (ValueError, KeyError, TypeError):
        return None


def card_side(path: Path) -> Side:
    """The card file at ``path`` (a ``datacard.yaml``, or a folder holding one)."""
    file = path / CARD_NAME if path.is_dir() else path
    loaded = load_card(file)
    measured = loaded.card.measured

    def sketches() -> Profile | None:
        if measured is None or measured.profile is None:
            return None
        sidecar = file.parent / measured.profile
        return _profile_from(sidecar.read_bytes() if sidecar.is_file() else None)

    return Side(str(file), "card", loaded.card, file, sketches)


def data_side(
    path: Path,
    *,
    splits: Mapping[str, Sequence[str]] | None = None,
    label: str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Side:
    """Measure the data at ``path`` in full (``splits``/``label`` as the other side's policy)."""
    from datacard.profiling import profile

    result = profile(path, splits=splits or None, workers=workers, progress=progress)
    known = {c for sp in result.splits.values() for c in sp.columns}
    measured = result.measured(label=label if label in known else None)
    name = (path if path.is_dir() else path.parent).resolve().name or "dataset"
    return Side(str(path), "data", Card(name=name, measured=measured), None, lambda: result)


def is_card(path: Path) -> bool:
    """Whether ``path`` names a card: a ``.yaml``/``.yml`` file, or a folder with a card."""
    if path.is_file():
        return path.suffix.lower() in (".yaml", ".yml")
    return path.is_dir() and (path / CARD_NAME).is_file()


def resolve(
    path: Path,
    *,
    other: Card | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Side:
    """A card side when ``path`` is a card, else a data side measured like ``other``'s policy."""
    if not path.exists():
        raise UsageError(
            f"{path} does not exist",
            hint="give a card (a folder with datacard.yaml, or the file) or a data folder",
        )
    if is_card(path):
        return card_side(path)
    policy = other.policy if other is not None else None
    try:
        return data_side(
            path,
            splits=policy.splits if policy else None,
            label=policy.label if policy else None,
            workers=workers,
            progress=progress,
        )
    except DatacardError as exc:
        raise UsageError(
            f"{path} is neither a card nor data datacard can read: {exc.message}",
            hint="give a folder with datacard.yaml, a card file, or a data folder",
        ) from None


def at_revision(rev: str, folder: Path) -> Side:
    """The card of ``folder`` as committed at git revision ``rev`` (and its sketches)."""
    if not folder.exists():
        raise UsageError(f"{folder} does not exist", hint="give the card's folder")
    file = card_path(folder) if folder.is_dir() else folder
    repo = GitRepo.require(file.parent)
    rel = repo.relpath(file)
    sha = repo.commit(rev)
    raw = repo.show(sha, rel)
    where = f"{rev}:{rel}"
    if raw is None:
        raise UsageError(
            f"{rel} is not in revision '{rev}'",
            hint="pick a revision where the card was committed (see 'datacard history')",
        )
    try:
        card = parse_card(raw.decode("utf-8"), where)
    except UnicodeDecodeError:
        raise CardError("the card is not valid UTF-8", where=where) from None
    measured = card.measured

    def sketches() -> Profile | None:
        if measured is None or measured.profile is None:
            return None
        sidecar = PurePosixPath(rel).parent / measured.profile
        return _profile_from(repo.show(sha, sidecar.as_posix()))

    return Side(where, "git", card, None, sketches)
