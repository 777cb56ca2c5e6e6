"""Reading and writing ``datacard.yaml``: the card file is a contract with people.

* :func:`load_card` is safe: aliases, anchors and explicit tags are refused before any object is
  built, and every problem is reported as one line naming the file line and the field path.
* :func:`render_new_card` writes the text of a new card: the human part first, then a marker
  comment, then ``measured:`` as the last top-level key.
* :func:`update_card_text` rewrites only machine-owned content (``measured`` and datasheet answers
  still marked ``generated: true``) by splicing text at YAML node marks; every other byte — human
  text, comments, blank lines, key order, quoting and indentation — is kept as it was.

>>> from datacard.card import Card
>>> text = render_new_card(Card(name="digits"))
>>> text.splitlines()[-1]
'measured: null'
>>> parse_card(text).name
'digits'
"""

from __future__ import annotations

import difflib
import math
import re
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel, TypeAdapter, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from ruamel.yaml.nodes import CollectionNode, MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

from datacard.card import Card, ComputePolicy, Tolerances
from datacard.datasheet import generated_answers
from datacard.errors import CardError
from datacard.fileio import atomic_write, card_lock
from datacard.measured import Measured

MEASURED_MARKER: Final = (
    "# ---- measured by datacard: machine-owned, rewritten by 'datacard update'; "
    "do not edit below ----"
)

HEADER: Final = (
    "# datacard.yaml: the documentation of this dataset, kept true by datacard.",
    "# Everything above the 'measured by datacard' line is written by people and datacard never",
    "# changes it, with one exception: datasheet answers marked 'generated: true' are refreshed",
    "# from the data by 'datacard update'. Delete that line to take an answer over.",
)

_BOOL = TypeAdapter(bool)


@dataclass(frozen=True)
class LoadedCard:
    """A card file as read: its path, its exact text (for :func:`update_card_text`), the model."""

    path: Path
    text: str
    card: Card


# ---------------------------------------------------------------------------------------------
# Writing scalars and blocks


_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9 _.,;!?'()/+\-@%&=]*")
_RESERVED = frozenset({"true", "false", "null", "yes", "no", "on", "off", "y", "n", "nan", "inf"})
_ESCAPES: Final = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\t": "\\t",
    "\r": "\\r",
    "\0": "\\0",
    "\x07": "\\a",
    "\b": "\\b",
    "\v": "\\v",
    "\f": "\\f",
    "\x1b": "\\e",
}
_NEEDS_ESCAPE = re.compile('[\\\\"\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]')


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _ESCAPES:
        return _ESCAPES[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def quote(text: str) -> str:
    """``text`` as a double-quoted, single-line YAML scalar that loads back exactly.

    >>> quote('say "hi":\\n bye')
    '"say \\\\"hi\\\\":\\\\n bye"'
    """
    return '"' + _NEEDS_ESCAPE.sub(_escape, text) + '"'


def _plain_ok(text: str, flow: bool) -> bool:
    if not _PLAIN.fullmatch(text) or text.endswith(" ") or text.lower() in _RESERVED:
        return False
    return not (flow and ("," in text))


def scalar(value: object, *, flow: bool = False) -> str:
    """One JSON-like value as a YAML scalar: plain when unambiguous, else double-quoted.

    >>> [scalar(v) for v in ("CC-BY-4.0", "0.1.0", "yes", None, True, 0.01, float("inf"))]
    ['CC-BY-4.0', '"0.1.0"', '"yes"', 'null', 'true', '0.01', '.inf']
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, str):
        return value if _plain_ok(value, flow) else quote(value)
    raise TypeError(f"cannot write a {type(value).__name__} as a YAML scalar")


def _is_scalar(value: object) -> bool:
    return not isinstance(value, Mapping | list | tuple)


def _inline(value: object, flow_lists: bool) -> str | None:
    """The one-line form of ``value`` after ``key: ``, or None when it needs a block."""
    if _is_scalar(value):
        return scalar(value)
    if isinstance(value, Mapping) and not value:
        return "{}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        if flow_lists and all(_is_scalar(v) for v in value):
            return "[" + ", ".join(scalar(v, flow=True) for v in value) + "]"
    return None


def _key_lines(key: object, value: object, pad: str, flow_lists: bool) -> list[str]:
    text = scalar(str(key))
    inline = _inline(value, flow_lists)
    explicit = len(text) > 1000  # YAML limits implicit keys to 1024 characters
    if inline is not None:
        if explicit:
            return [f"{pad}? {text}", f"{pad}: {inline}"]
        return [f"{pad}{text}: {inline}"]
    head = [f"{pad}? {text}", f"{pad}:"] if explicit else [f"{pad}{text}:"]
    return head + block(value, len(pad) + 2, flow_lists=flow_lists)


def block(value: object, indent: int, *, flow_lists: bool = True) -> list[str]:
    """Block-style YAML lines for a non-empty mapping or list, indented by ``indent`` spaces.

    Lists of scalars are written in flow style (``[1, 2]``) when ``flow_lists`` is true.

    >>> block({"a": [1, 2], "b": {"c": "x y"}}, 0)
    ['a: [1, 2]', 'b:', '  c: x y']
    """
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            lines += _key_lines(key, item, pad, flow_lists)
        return lines
    if not isinstance(value, list | tuple):
        raise TypeError(f"block() needs a mapping or a list, not {type(value).__name__}")
    for item in value:
        inline = _inline(item, flow_lists)
        if inline is not None:
            lines.append(f"{pad}- {inline}")
        else:
            sub = block(item, indent + 2, flow_lists=flow_lists)
            lines.append(f"{pad}- {sub[0][indent + 2 :]}")
            lines += sub[1:]
    return lines


def _entry(key: str, value: object, indent: int = 0, *, flow_lists: bool = False) -> list[str]:
    return _key_lines(key, value, " " * indent, flow_lists)


def measured_lines(measured: Measured | None, indent: int = 0) -> list[str]:
    """The ``measured:`` key and its block, as lines (no trailing newline)."""
    pad = " " * indent
    if measured is None:
        return [f"{pad}measured: null"]
    data = measured.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    return [f"{pad}measured:", *block(data, indent + 2)]


def _datasheet_lines(card: Card) -> list[str]:
    if not card.datasheet:
        return ["datasheet: {}"]
    lines = ["datasheet:"]
    for section, questions in card.datasheet.items():
        if not questions:
            lines.append(f"  {section}: {{}}")
            continue
        lines.append(f"  {section}:")
        for qid, answer in questions.items():
            lines.append(f"    {scalar(qid)}:")
            lines.append(f"      question: {scalar(answer.question)}")
            lines.append(f"      answer: {quote(answer.answer)}")
            if answer.generated:
                lines.append("      generated: true")
    return lines


def _policy_lines(card: Card) -> list[str]:
    policy = card.policy
    lines = ["policy:"]
    lines += _entry("required", policy.required, 2)
    lines += _entry("label", policy.label, 2)
    if policy.data is not None:  # data behind a URL (init --data)
        lines += _entry("data", policy.data, 2)
    lines += _entry("splits", policy.splits, 2)
    lines.append("  tolerances:")
    for name, field in Tolerances.model_fields.items():
        value = getattr(policy.tolerances, name)
        lines.append(f"    {name}: {scalar(value)}  # {field.title}")
    columns = {k: v.model_dump(exclude_none=True) for k, v in policy.columns.items()}
    lines += _entry("columns", columns, 2)
    lines += _entry("leakage", policy.leakage.model_dump(), 2)
    lines += _entry("contamination", policy.contamination.model_dump(), 2)
    drift = policy.drift.model_dump(exclude_none=True)
    drift["columns"] = {k: v.model_dump(exclude_none=True) for k, v in policy.drift.columns.items()}
    lines += _entry("drift", drift, 2)
    lines += _entry("audit", policy.audit.model_dump(), 2)
    lines += _entry("text", policy.text.model_dump(), 2)
    lines.append("  compute:  # training-compute estimates in the reports (docs/compute.md)")
    for name, field in ComputePolicy.model_fields.items():
        value = getattr(policy.compute, name)
        lines.append(f"    {name}: {scalar(value)}  # {field.title}")
    return lines


def render_new_card(card: Card) -> str:
    """The text ``init`` writes: header, human part, marker, then ``measured`` (last key).

    Generated datasheet answers are double-quoted single-line scalars with ``generated: true``
    beside them; ``measured`` is block style with flow lists of scalars. The result loads back
    to an equal :class:`Card`.
    """
    lines = list(HEADER)
    human = card.model_dump(mode="json", exclude={"measured"})
    for key, value in human.items():
        if key == "datasheet":
            lines += ["", *_datasheet_lines(card)]
        elif key == "policy":
            lines += ["", *_policy_lines(card)]
        elif key == "changelog":
            lines += [
                "",
                "# Newest first: - {version, date, changes}. 'datacard diff --record' adds one.",
            ]
            lines += _entry(key, value)
        elif key in ("creators", "sources"):
            items = [item.model_dump(mode="json", exclude_none=True) for item in getattr(card, key)]
            lines += _entry(key, items)
        else:
            lines += _entry(key, value)
    lines += ["", MEASURED_MARKER, *measured_lines(card.measured)]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Reading


def _yaml() -> YAML:
    return YAML(typ="safe", pure=True)


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _syntax_error(exc: YAMLError, text: str, where: str) -> CardError:
    if isinstance(exc, ReaderError):
        line = _line_of(text, exc.position)
        char = exc.character
        code = char if isinstance(char, int) else ord(str(char)[:1] or "\0")
        return CardError(
            f"character U+{code:04X} is not allowed in YAML",
            where=f"{where}:{line}",
            hint="remove it or write it as an escape inside double quotes",
        )
    if isinstance(exc, MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        problem = exc.problem or "invalid YAML"
        context = f" {exc.context}" if exc.context else ""
        return CardError(
            f"invalid YAML: {problem}{context}",
            where=f"{where}:{mark.line + 1}",
            hint=f"fix the YAML syntax near column {mark.column + 1}",
        )
    return CardError(f"invalid YAML: {exc}", where=where, hint="fix the YAML syntax")


def _refuse(event: Event, where: str) -> None:
    """Refuse aliases, anchors and explicit tags (checked per event, before any node exists)."""
    line = f"{where}:{event.start_mark.line + 1}"
    if isinstance(event, AliasEvent):
        raise CardError(
            f"YAML alias '*{event.anchor}' is not allowed in a card",
            where=line,
            hint="write the value out in full",
        )
    if isinstance(event, NodeEvent) and event.anchor is not None:
        raise CardError(
            f"YAML anchor '&{event.anchor}' is not allowed in a card",
            where=line,
            hint="remove the anchor",
        )
    if isinstance(event, ScalarEvent | CollectionStartEvent) and event.tag is not None:
        raise CardError(
            f"YAML tag '{event.tag}' is not allowed in a card",
            where=line,
            hint="remove the tag; a card holds only plain strings, numbers, lists and maps",
        )


class _Builder:
    """Builds the node tree from parser events, refusing unsafe events as they arrive.

    One pass over the text gives both the safety check and the node marks; ruamel's own
    composer would need a second parse (and would resolve aliases before we could refuse them).
    """

    def __init__(self, yaml: YAML, text: str, where: str) -> None:
        self.events: Iterator[Event] = iter(yaml.parse(text))
        self.resolver = yaml.resolver
        self.where = where

    def next(self) -> Event:
        event = next(self.events)
        _refuse(event, self.where)
        return event

    def document(self) -> Node | None:
        root: Node | None = None
        for event in self.events:
            _refuse(event, self.where)
            if isinstance(event, DocumentStartEvent):
                if root is not None:
                    raise CardError(
                        "the card holds more than one YAML document",
                        where=f"{self.where}:{event.start_mark.line + 1}",
                        hint="remove the '---' line and what follows, or merge the documents",
                    )
                root = self.node(self.next())
        return root

    def node(self, event: Event) -> Node:
        if isinstance(event, ScalarEvent):
            tag = self.resolver.resolve(ScalarNode, event.value, event.implicit)
            return ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
        if isinstance(event, SequenceStartEvent):
            tag = self.resolver.resolve(SequenceNode, None, event.implicit)
            seq = SequenceNode(tag, [], event.start_mark, None, flow_style=event.flow_style)
            item = self.next()
            while not isinstance(item, SequenceEndEvent):
                seq.value.append(self.node(item))
                item = self.next()
            seq.end_mark = item.end_mark
            return seq
        if isinstance(event, MappingStartEvent):
            tag = self.resolver.resolve(MappingNode, None, event.implicit)
            mapping = MappingNode(tag, [], event.start_mark, None, flow_style=event.flow_style)
            item = self.next()
            while not isinstance(item, MappingEndEvent):
                key = self.node(item)
                mapping.value.append((key, self.node(self.next())))
                item = self.next()
            mapping.end_mark = item.end_mark
            return mapping
        raise CardError(  # pragma: no cover - the parser never yields anything else here
            f"unexpected YAML event {type(event).__name__}", where=self.where
        )


def _pairs(node: MappingNode) -> list[tuple[Node, Node]]:
    return list(node.value)


def _check_keys(node: Node, where: str) -> None:
    """Refuse duplicate keys and merge keys (``<<``) anywhere in the document."""
    if isinstance(node, MappingNode):
        seen: dict[str, int] = {}
        for key, value in _pairs(node):
            line = key.start_mark.line + 1
            if isinstance(key, ScalarNode):
                if key.value == "<<" and key.style is None:
                    raise CardError(
                        "YAML merge key '<<' is not allowed in a card",
                        where=f"{where}:{line}",
                        hint="write the keys out in full",
                    )
                if key.value in seen:
                    raise CardError(
                        f"duplicate key '{key.value}' (first at line {seen[key.value]})",
                        where=f"{where}:{line}",
                        hint="remove one of them",
                    )
                seen[key.value] = line
            else:
                raise CardError(
                    "a key must be a plain string, not a list or mapping",
                    where=f"{where}:{line}",
                    hint="fix the key",
                )
            _check_keys(value, where)
    elif isinstance(node, SequenceNode):
        for item in node.value:
            _check_keys(item, where)


def _compose(text: str, where: str) -> tuple[MappingNode, Any]:
    """Safety checks, the node tree (with marks) of the top-level mapping, and its plain data."""
    yaml = _yaml()
    try:
        root = _Builder(yaml, text, where).document()
    except YAMLError as exc:
        raise _syntax_error(exc, text, where) from None
    except RecursionError:
        raise CardError(
            "the card is nested too deeply", where=where, hint="flatten the structure"
        ) from None
    if root is None:
        raise CardError("the card is empty", where=where, hint="run 'datacard init' to create one")
    if not isinstance(root, MappingNode):
        raise CardError(
            "the card must be a mapping of keys (name: ..., summary: ...)",
            where=f"{where}:{root.start_mark.line + 1}",
            hint="start from the file 'datacard init' writes",
        )
    _check_keys(root, where)
    return root, yaml.constructor.construct_document(root)


def _child(node: Node, step: object) -> tuple[Node, Node] | None:
    """(key node or item node, value node) for one step of a pydantic error location."""
    if isinstance(node, MappingNode):
        for key, value in _pairs(node):
            if isinstance(key, ScalarNode) and key.value == str(step):
                return key, value
    elif isinstance(node, SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
        item: Node = node.value[step]
        return item, item
    return None


def _locate(root: MappingNode, loc: Sequence[int | str], missing: bool) -> tuple[int, str]:
    """(1-based line, dotted path) of a pydantic error location in the node tree.

    Steps that match no node are union or validator tags (``float``, ``function-after[...]``)
    and are left out, except the last step of a ``missing`` error: the absent field itself.
    """
    node: Node = root
    line = root.start_mark.line + 1
    path = ""
    steps = [step for step in loc if step != "[key]"]
    for index, step in enumerate(steps):
        found = None if isinstance(node, ScalarNode) else _child(node, step)
        if found is None:
            if not (missing and index == len(steps) - 1):
                continue
        else:
            key, node = found
            anchor = node if not isinstance(node, CollectionNode) or node.flow_style else key
            line = anchor.start_mark.line + 1
        path += f"[{step}]" if isinstance(step, int) else (f".{step}" if path else str(step))
    return line, path


def _unwrap(annotation: Any, step: int | str) -> Any:
    """The annotation one location step below ``annotation`` (models, lists, dicts, unions)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            inner = _unwrap(arg, step)
            if inner is not None:
                return inner
        return None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(str(step))
        return None if field is None else field.annotation
    if origin is list and isinstance(step, int):
        return typing.get_args(annotation)[0]
    if origin is dict and isinstance(step, str):
        return typing.get_args(annotation)[1]
    return None


def _allowed_keys(loc: Sequence[int | str]) -> list[str]:
    annotation: Any = Card
    for step in loc:
        annotation = _unwrap(annotation, step)
    models = [annotation, *typing.get_args(annotation)]
    for model in models:
        if isinstance(model, type) and issubclass(model, BaseModel):
            return list(model.model_fields)
    return []


def _validation_error(exc: ValidationError, root: MappingNode, where: str) -> CardError:
    errors = exc.errors(include_url=False)
    first = errors[0]
    loc = [step for step in first["loc"] if step != "[key]"]
    kind = first["type"]
    line, path = _locate(root, first["loc"], missing=kind == "missing")
    if kind == "missing":
        hint = "add it"
    elif kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(allowed)}"
        first = {**first, "msg": "unknown key"}
    else:
        hint = "fix the value"
    if len(errors) > 1:
        more = len(errors) - 1
        hint += f"; {more} more problem{'s' if more > 1 else ''} after this one"
    message = f"{path}: {first['msg']}" if path else str(first["msg"])
    return CardError(message, where=f"{where}:{line}", hint=hint)


def parse_card(text: str, where: str = "datacard.yaml") -> Card:
    """Validate card text (see :func:`load_card`); ``where`` names the file in errors."""
    root, data = _compose(text, where)
    try:
        return Card.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(exc, root, where) from None


def load_card(path: str | Path) -> LoadedCard:
    """Read and validate a card file; a problem is one :class:`CardError` line.

    e.g. ``datacard.yaml:14: policy.tolerances.null_fraction: Input should be a valid number,
    unable to parse string as a number (fix the value)``.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise CardError(
            "no card here", where=str(path), hint="run 'datacard init' to create one"
        ) from None
    except UnicodeDecodeError as exc:
        line = _line_of(exc.object.decode("utf-8", errors="replace"), exc.start)
        raise CardError(
            "the card is not valid UTF-8", where=f"{path}:{line}", hint="save it as UTF-8"
        ) from None
    return LoadedCard(path=path, text=text, card=parse_card(text, str(path)))


# ---------------------------------------------------------------------------------------------
# Updating machine-owned content in place


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    text: str


def _line_start(text: str, index: int) -> int:
    start = text.rfind("\n", 0, index) + 1
    return start if not text[start:index].strip() else index


def _value_end(text: str, key: Node, value: Node) -> int:
    """Where the text of ``key``'s value ends; an empty value ends right after the colon."""
    if isinstance(value, ScalarNode) and value.value == "" and value.style is None:
        return text.index(":", key.end_mark.index) + 1
    return _content_end(value)


def _content_end(node: Node) -> int:
    """Where a node's own text ends (block collections end at their last scalar, not after
    the comments and blank lines that follow them)."""
    if not isinstance(node, CollectionNode) or node.flow_style:
        return int(node.end_mark.index)
    children: Iterator[Node]
    if isinstance(node, MappingNode):
        children = (n for pair in _pairs(node) for n in pair)
    else:
        children = iter(node.value)
    return max((_content_end(child) for child in children), default=int(node.end_mark.index))


def _measured_edit(text: str, root: MappingNode, measured: Measured, nl: str) -> _Edit:
    pairs = _pairs(root)
    for index, (key, value) in enumerate(pairs):
        if key.value != "measured":
            continue
        start = _line_start(text, key.start_mark.index)
        lines = measured_lines(measured, key.start_mark.column)
        lines[0] = lines[0].lstrip(" ") if start == key.start_mark.index else lines[0]
        if index == len(pairs) - 1:  # the machine-owned tail: everything to the end of file
            return _Edit(start, len(text), nl.join(lines) + nl)
        return _Edit(start, _value_end(text, key, value), nl.join(lines))
    tail = "" if not text or text.endswith("\n") else nl
    block_text = nl.join(["", MEASURED_MARKER, *measured_lines(measured)]) + nl
    return _Edit(len(text), len(text), tail + block_text)


def _answer_edit(text: str, pair: tuple[Node, Node], new: str) -> _Edit:
    key, value = pair
    replacement = quote(new)
    if isinstance(value, ScalarNode) and value.style in ("|", ">"):
        span = text[value.start_mark.index : value.end_mark.index]
        content = len(span.rstrip())
        return _Edit(value.start_mark.index, value.start_mark.index + content, replacement)
    if isinstance(value, ScalarNode) and value.value == "" and value.style is None:
        colon = _value_end(text, key, value)  # an empty value: write after the colon
        return _Edit(colon, colon, " " + replacement)
    return _Edit(value.start_mark.index, _content_end(value), replacement)


def _is_true(value: object) -> bool:
    try:
        return _BOOL.validate_python(value)
    except ValidationError:
        return False


def _answer_edits(
    text: str, root: MappingNode, data: Mapping[str, Any], generated: Mapping[str, str]
) -> list[_Edit]:
    edits: list[_Edit] = []
    sheet_node = _child(root, "datasheet")
    sheet = data.get("datasheet")
    if sheet_node is None or not isinstance(sheet, Mapping):
        return edits
    for section_key, section_node in _pairs_of(sheet_node[1]):
        section = sheet.get(section_key.value)
        if not isinstance(section, Mapping):
            continue
        for qid_key, q_node in _pairs_of(section_node):
            q = section.get(qid_key.value)
            if not isinstance(q, Mapping) or not _is_true(q.get("generated", False)):
                continue
            answer = _child(q_node, "answer")
            if answer is None or not isinstance(answer[1], ScalarNode):
                continue
            new = generated.get(f"{section_key.value}.{qid_key.value}", "")
            edits.append(_answer_edit(text, answer, new))
    return edits


def _pairs_of(node: Node) -> list[tuple[Node, Node]]:
    return _pairs(node) if isinstance(node, MappingNode) else []


def update_card_text(
    text: str, measured: Measured, generated: Mapping[str, str], *, where: str = "datacard.yaml"
) -> str:
    """``text`` with ``measured`` and the still-generated answers replaced; nothing else changes.

    ``measured`` (normally the last key) is replaced from its key to the end of the file; if a
    person moved it, exactly its key and value are replaced; if it is missing it is appended
    after the marker comment. Answers marked ``generated: true`` get ``generated[section.id]``
    (or "" when the data no longer answers it); other answers are never touched, and questions
    a person deleted are not re-added. The result is checked to load before it is returned.
    """
    root, data = _compose(text, where)
    nl = "\r\n" if "\r\n" in text else "\n"
    edits = [_measured_edit(text, root, measured, nl), *_answer_edits(text, root, data, generated)]
    out = text
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        out = out[: edit.start] + edit.text + out[edit.end :]
    parse_card(out, where)
    return out


def save_measured(path: str | Path, measured: Measured, *, timeout: float = 10.0) -> LoadedCard:
    """Update the card file at ``path`` in place with ``measured``, under the card's lock.

    Reads, splices (:func:`update_card_text`) and writes atomically while holding
    :func:`~datacard.fileio.card_lock`, so two datacard processes never interleave.
    """
    path = Path(path)
    with card_lock(path, timeout=timeout):
        loaded = load_card(path)
        text = update_card_text(loaded.text, measured, generated_answers(measured), where=str(path))
        if text != loaded.text:
            atomic_write(path, text)
    return LoadedCard(path=path, text=text, card=parse_card(text, str(path)))
