"""Findings about images and audio, from what the card measured (no data is read again).

The ``image`` and ``audio`` columns keep file samples (``corrupt_files``, ``bomb_files``, ...:
a count and the first file names, see :mod:`datacard.media.accumulators`); each sample with
files becomes one finding per split and column, naming the files. :func:`member_findings`
names the member files that changed since the card was written (``file.added``,
``file.removed``, ``file.changed``), from the member hashes kept in the card's sidecar.

>>> recorded = {"train/": {"train/a.png": [3, "ab12"], "train/b.png": [5, "cd34"]}}
>>> current = {"train/": [("train/a.png", 4, "ff" * 32), ("train/c.png", 2, "00" * 32)]}
>>> [(f.code, f.where) for f in member_changes(recorded, current)]
[('file.removed', 'train/b.png'), ('file.added', 'train/c.png'), ('file.changed', 'train/a.png')]
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from datacard.findings import CATALOG, Finding, Location
from datacard.measured import Measured

if TYPE_CHECKING:
    from datacard.card import Card

#: file sample -> (finding code, what the files are)
SAMPLES: dict[str, tuple[str, str]] = {
    "corrupt_files": ("media.corrupt", "cannot be decoded"),
    "bomb_files": (
        "media.bomb",
        "claim more pixels than the decoding budget (decompression bombs; not decoded)",
    ),
    "tiny_files": ("media.extreme-size", "are tiny (shorter side under 32 pixels)"),
    "huge_files": ("media.extreme-size", "are huge (over 40 megapixels)"),
    "gps_files": ("pii.gps", "carry GPS coordinates in their EXIF data"),
    "clipped_files": ("media.clipping", "clip (0.1 % of samples or more at full scale)"),
    "silent_files": ("media.silence", "are silent (99 % of 10 ms windows under -60 dBFS)"),
}
#: Codes this module yields (each only once the catalog has it).
CODES = frozenset(code for code, _ in SAMPLES.values())
_NOUNS = {"image": ("image", "images"), "audio": ("clip", "clips")}


def media_findings(measured: Measured) -> Iterator[Finding]:
    """One finding per split, media column and problem, naming up to three files."""
    for split, summary in measured.splits.items():
        for column, col in summary.columns.items():
            if col.kind not in _NOUNS or not col.fields:
                continue
            one, many = _NOUNS[col.kind]
            for name, (code, says) in SAMPLES.items():
                sample = col.fields.get(name)
                if sample is None or not sample.count or code not in CATALOG:
                    continue
                files = [str(t.value) for t in sample.top or []]
                shown = ", ".join(files[:3]) + (", ..." if sample.count > 3 else "")
                noun = one if sample.count == 1 else many
                says_now = says.replace("are ", "is ", 1) if sample.count == 1 else says
                yield Finding.of(
                    code,
                    f"{sample.count:,} {noun} of split '{split}' {says_now}: {shown}",
                    files[0] if files else f"{split}.{column}",
                    location=Location(split=split, column=column, file=files[0] if files else None),
                    count=sample.count,
                    files=files,
                )


class MediaCheck:
    """The Check protocol over :func:`media_findings` (the reference card is not needed)."""

    name: ClassVar[str] = "media"
    needs: ClassVar[frozenset[str]] = frozenset({"stats"})

    def run(self, card: Card, reference: Card | None = None) -> Iterator[Finding]:
        if card.measured is not None:
            yield from media_findings(card.measured)


def recorded_members(card_file: Path, measured: Measured) -> dict[str, dict[str, list[Any]]]:
    """Collection -> {member: [bytes, sha256 prefix]} from the card's sidecar ({} if none)."""
    if measured.profile is None:
        return {}
    try:
        data = json.loads((card_file.parent / measured.profile).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    members = data.get("members", {}) if isinstance(data, dict) else {}
    return {
        rel: {str(row[0]): [row[1], row[2]] for row in rows}
        for rel, rows in members.items()
        if isinstance(rows, list)
    }


def member_changes(
    recorded: Mapping[str, Mapping[str, Sequence[Any]]],
    current: Mapping[str, Sequence[tuple[str, int, str]]],
) -> Iterator[Finding]:
    """``file.*`` findings for members of collections present in both (by collection rel)."""
    for rel in sorted(recorded.keys() & current.keys()):
        before = recorded[rel]
        now = {name: (size, sha) for name, size, sha in current[rel]}
        for name in sorted(before.keys() - now.keys()):
            yield Finding.of(
                "file.removed", f"{name} is in the card but not in the data", name, collection=rel
            )
        for name in sorted(now.keys() - before.keys()):
            yield Finding.of("file.added", f"{name} is not in the card", name, collection=rel)
        for name in sorted(before.keys() & now.keys()):
            size, sha = now[name]
            old_size, old_sha = before[name]
            if size != old_size or not sha.startswith(str(old_sha)):
                yield Finding.of(
                    "file.changed",
                    f"{name} changed: {int(old_size):,} -> {size:,} bytes, sha256 differs",
                    name,
                    collection=rel,
                )


def member_findings(
    root: str | Path,
    card: Card,
    *,
    data: str | Path | None = None,
    current: Mapping[str, Sequence[tuple[str, int, str]]] | None = None,
) -> list[Finding]:
    """The member files of the card's media collections that were added, removed or changed.

    Reads the card's sidecar (in ``root``) and compares it with ``current`` (collection rel:
    ``(path, bytes, sha256 or its prefix)`` of each file, as a profile just measured them), or
    else hashes the current members of the data at ``data`` (default ``root``; a URL for a card
    made with ``--data``).
    """
    from datacard.digest import members_digest
    from datacard.layout import discover
    from datacard.workflow import card_path

    measured = card.measured
    if measured is None:
        return []
    recorded = recorded_members(card_path(root), measured)
    if not recorded:
        return []
    if current is None:
        layout = discover(Path(root) if data is None else data, card.policy.splits or None)
        current = {
            f.rel: members_digest(f)
            for f in layout.files
            if f.collection is not None and f.rel in recorded
        }
    return list(member_changes(recorded, current))
