"""``diff --record``: add a changelog entry and bump ``version``, as a splice of the card's text.

Like :func:`datacard.yamlio.update_card_text`, only the bytes of the edit change: the value of
``version`` (its quoting kept) and one new entry at the top of ``changelog``. A card without a
``changelog`` key (format 1) gets one before ``policy:`` (or before the measured marker); a flow
list (``changelog: []`` or ``[{...}]``) gets the entry in place; a block list gets a new first
item at the same indentation. The result must load, with the new entry first and the older ones
unchanged, before anything is written.

>>> text = "name: demo\\nversion: 0.1.0\\npolicy: {}\\n"
>>> entry = ChangelogEntry(version="0.2.0", date="2026-10-01", changes="file added: a.csv")
>>> print(record_text(text, entry), end="")
name: demo
version: 0.2.0
# Newest first: - {version, date, changes}. 'datacard diff --record' adds one.
changelog:
  - version: "0.2.0"
    date: "2026-10-01"
    changes: "file added: a.csv"
<BLANKLINE>
policy: {}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from datacard.card import Card, ChangelogEntry
from datacard.errors import CardError
from datacard.fileio import atomic_write, card_lock
from datacard.versions.bump import Bump, bump_version, later
from datacard.yamlio import (
    MEASURED_MARKER,
    _compose,
    _content_end,
    _Edit,
    _line_start,
    _value_end,
    load_card,
    parse_card,
    quote,
    scalar,
)

COMMENT = "# Newest first: - {version, date, changes}. 'datacard diff --record' adds one."


@dataclass(frozen=True)
class Recorded:
    """What ``--record`` wrote: the card file, the versions before and after, the entry."""

    path: Path
    previous: str
    entry: ChangelogEntry


def next_version(base: str, kind: Bump, card: Card) -> str:
    """The version to record: ``base`` bumped by ``kind``, or the card's own version when a
    person already set a later one; never a version the changelog already holds.

    >>> next_version("1.2.0", "minor", Card(name="x", version="1.2.0"))
    '1.3.0'
    >>> next_version("1.2.0", "patch", Card(name="x", version="2.0.0"))
    '2.0.0'
    """
    target = bump_version(base, kind)
    if later(card.version, target):
        target = card.version
    taken = {entry.version for entry in card.changelog}
    while target in taken:
        target = bump_version(target, kind if kind != "none" else "patch")
    return target


def make_entry(
    version: str, changes: Sequence[str], message: str | None = None, today: dt.date | None = None
) -> ChangelogEntry:
    """A changelog entry dated ``today`` (default: today), ``message`` before the changes."""
    lines = [message.strip()] if message and message.strip() else []
    lines += list(changes)
    day = (today or dt.date.today()).isoformat()
    return ChangelogEntry(version=version, date=day, changes="\n".join(lines))


def _literal_ok(lines: list[str]) -> bool:
    return (
        len(lines) > 1
        and all(line.isprintable() and line.strip() == line and line for line in lines)
        and not lines[0].startswith(("#", "-"))
    )


def _changes(value: str, pad: str) -> list[str]:
    lines = value.split("\n")
    if _literal_ok(lines):
        return [f"{pad}changes: |-", *(f"{pad}  {line}" for line in lines)]
    return [f"{pad}changes: {scalar(value) if len(lines) == 1 else quote(value)}"]


def entry_lines(entry: ChangelogEntry, indent: int) -> list[str]:
    """The block-list item for ``entry``, its dash at column ``indent``."""
    pad = " " * indent
    lines = [f"{pad}- version: {quote(entry.version)}"]
    if entry.date is not None:
        lines.append(f"{pad}  date: {quote(entry.date)}")
    return lines + _changes(entry.changes, pad + "  ")


def _flow_entry(entry: ChangelogEntry) -> str:
    parts = [f"version: {quote(entry.version)}"]
    if entry.date is not None:
        parts.append(f"date: {quote(entry.date)}")
    parts.append(f"changes: {quote(entry.changes)}")
    return "{" + ", ".join(parts) + "}"


def _above_comments(text: str, start: int, floor: int = 0) -> int:
    """Move ``start`` (a line start) up over the comment lines directly above it."""
    while start > floor:
        prev = text.rfind("\n", 0, start - 1) + 1
        if not text[prev:start].lstrip().startswith("#"):
            break
        start = prev
    return start


def _line_end(text: str, index: int) -> int:
    end = text.find("\n", index)
    return len(text) if end < 0 else end


def _pair(root: MappingNode, name: str) -> tuple[int, Node, Node] | None:
    for index, (key, value) in enumerate(root.value):
        if isinstance(key, ScalarNode) and key.value == name:
            return index, key, value
    return None


def _version_edit(text: str, root: MappingNode, version: str, nl: str) -> _Edit:
    found = _pair(root, "version")
    if found is None:  # absent (0.1.0 by default): add it after the name
        name = _pair(root, "name")
        assert name is not None  # the card loaded, so it has a name
        _, key, value = name
        end = _value_end(text, key, value)
        pad = " " * key.start_mark.column
        return _Edit(end, end, f"{nl}{pad}version: {quote(version)}")
    _, key, value = found
    assert isinstance(value, ScalarNode)  # the card loaded: version is text
    style = value.style
    new = version if style is None else f"'{version}'" if style == "'" else quote(version)
    if style in ("|", ">"):
        span = text[value.start_mark.index : value.end_mark.index]
        return _Edit(value.start_mark.index, value.start_mark.index + len(span.rstrip()), new)
    return _Edit(value.start_mark.index, _content_end(value), new)


def _new_key_edit(text: str, root: MappingNode, entry: ChangelogEntry, nl: str) -> _Edit:
    column = root.value[0][0].start_mark.column
    lines = [" " * column + COMMENT, " " * column + "changelog:", *entry_lines(entry, column + 2)]
    for anchor in ("policy", "measured"):
        found = _pair(root, anchor)
        if found is not None:
            start = _above_comments(text, _line_start(text, found[1].start_mark.index))
            return _Edit(start, start, nl.join(lines) + nl + nl)
    marker = text.find(MEASURED_MARKER)
    if marker >= 0:
        start = _line_start(text, marker)
        return _Edit(start, start, nl.join(lines) + nl + nl)
    tail = "" if text.endswith("\n") else nl
    return _Edit(len(text), len(text), tail + nl + nl.join(lines) + nl)


def _changelog_edit(text: str, root: MappingNode, entry: ChangelogEntry, nl: str) -> _Edit:
    found = _pair(root, "changelog")
    if found is None:
        return _new_key_edit(text, root, entry, nl)
    _, key, value = found
    if not isinstance(value, SequenceNode):
        raise CardError("changelog is not a list", where=f"line {key.start_mark.line + 1}")
    if value.flow_style and value.value:
        at = value.start_mark.index + 1  # just after '['
        return _Edit(at, at, _flow_entry(entry) + ", ")
    if value.flow_style:  # [] becomes a block list; a comment after it stays on the key's line
        colon = text.index(":", key.end_mark.index) + 1
        end = int(value.end_mark.index)
        rest = text[end : _line_end(text, end)].rstrip("\r")
        lines = entry_lines(entry, key.start_mark.column + 2)
        return _Edit(colon, end + len(rest), rest + nl + nl.join(lines))
    dash = int(value.start_mark.index)
    line = _above_comments(text, _line_start(text, dash), floor=_line_end(text, key.end_mark.index))
    lines = entry_lines(entry, value.start_mark.column)
    return _Edit(line, line, nl.join(lines) + nl)


def record_text(text: str, entry: ChangelogEntry, *, where: str = "datacard.yaml") -> str:
    """``text`` with ``version: entry.version`` and ``entry`` first in ``changelog``."""
    root, _ = _compose(text, where)
    before = parse_card(text, where)
    if root.flow_style:
        raise CardError(
            "cannot record into a card written as one flow mapping ({...})",
            where=where,
            hint="write the card in block style",
        )
    nl = "\r\n" if "\r\n" in text else "\n"
    edits = [
        _version_edit(text, root, entry.version, nl),
        _changelog_edit(text, root, entry, nl),
    ]
    out = text
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        out = out[: edit.start] + edit.text + out[edit.end :]
    after = parse_card(out, where)
    if after.version != entry.version or after.changelog != [entry, *before.changelog]:
        raise CardError(  # pragma: no cover - a splice bug; nothing is written
            "could not add the changelog entry without changing other content",
            where=where,
            hint="add it by hand; please report this",
        )
    return out


def record(
    path: Path,
    base: str | None,
    kind: Bump,
    changes: Sequence[str],
    *,
    message: str | None = None,
    today: dt.date | None = None,
    lock_timeout: float = 10.0,
) -> Recorded:
    """Write the changelog entry and the bumped version into the card at ``path`` (atomically,
    under the card's lock). ``base`` is the version the changes are relative to (default: the
    card's own)."""
    with card_lock(path, timeout=lock_timeout):
        loaded = load_card(path)
        card = loaded.card
        version = next_version(base or card.version, kind, card)
        entry = make_entry(version, changes, message, today)
        text = record_text(loaded.text, entry, where=str(path))
        atomic_write(path, text)
    return Recorded(path, card.version, entry)
