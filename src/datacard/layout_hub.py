"""Splits declared by a Hugging Face Hub dataset repo: ``configs`` in the README's YAML block.

A Hub repo says where its data is in the front matter of ``README.md``::

    configs:
    - config_name: default
      data_files:
      - split: train
        path: "data/train-*.parquet"
      - split: test
        path: ["data/test-*.parquet", "extra/test.csv"]

``data_files`` may also be one pattern (``"data/*.csv"``: split ``train``), a list of patterns,
or a mapping ``{train: ..., test: ...}``; ``data_dir`` is a folder the patterns are relative to
(alone, it selects the data files under it, splits inferred as usual). Patterns follow the Hub:
``*`` and ``?`` stay within one path segment, ``**`` crosses segments, ``[abc]`` is a class.
With several configs we measure the one marked ``default: true``, else ``default``, else the
first, and say which in a note. Without a ``configs`` block :func:`hub_files` returns None and
discovery infers splits as usual. The YAML is composed safely (no objects are built) and every
problem is one line naming ``README.md`` and its line.

>>> bool(glob_regex("data/train-*.parquet").fullmatch("data/train-00000-of-00002.parquet"))
True
>>> bool(glob_regex("data/*.csv").fullmatch("data/sub/a.csv"))
False
>>> bool(glob_regex("data/**.csv").fullmatch("data/sub/a.csv"))
True
>>> bool(glob_regex("**/test-*").fullmatch("test-0.tar"))
True
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from datacard.errors import SourceError

__all__ = ["HubConfig", "glob_regex", "hub_config", "hub_files"]

README = "README.md"
#: The Hub's own regular expression for the metadata block.
_FRONT = re.compile(r"^(\s*---(?:\r\n|\r|\n))([\S\s]*?)((?:\r\n|\r|\n)---[ \t]*(\r\n|\n|$))")


@dataclass(frozen=True)
class HubConfig:
    """The files of the config we measure: ``files`` maps a rel POSIX path to its split.

    ``files`` holds every file the config matches (data files, images, anything); discovery
    keeps those it reads. ``notes`` says which config was chosen when there are several.
    """

    name: str
    files: dict[str, str]
    notes: tuple[str, ...] = ()


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A Hub ``data_files`` glob as a regular expression over rel POSIX paths."""
    pattern = pattern.strip().removeprefix("./").lstrip("/")
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and (end := pattern.find("]", i + 2)) > 0:
            body = pattern[i + 1 : end]
            negate = body[:1] in ("!", "^")
            body = body[1:] if negate else body
            out.append(("[^" if negate else "[") + body.replace("\\", "\\\\") + "]")
            i = end + 1
            continue
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out))


# -- the YAML block -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Doc:
    """The composed YAML block and the README line it starts after (for error lines)."""

    root: Node
    offset: int

    def line(self, node: Node) -> int:
        return self.offset + int(node.start_mark.line) + 1

    def error(self, node: Node, message: str, hint: str) -> SourceError:
        return SourceError(message, where=f"{README}:{self.line(node)}", hint=hint)


def _front_matter(root: Path) -> _Doc | None:
    path = root / README
    if not path.is_file():
        return None
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise SourceError(
            f"byte 0x{raw[exc.start]:02X} is not valid UTF-8",
            where=f"{README}:{line}",
            hint="save the README as UTF-8",
        ) from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    match = _FRONT.search(text)
    if match is None:
        return None
    offset = match.group(1).count("\n")
    try:
        node = YAML(typ="safe", pure=True).compose(match.group(2))
    except YAMLError as exc:
        mark = exc.problem_mark if isinstance(exc, MarkedYAMLError) else None
        problem = (exc.problem if isinstance(exc, MarkedYAMLError) else None) or str(exc)
        line = offset + (mark.line + 1 if mark is not None else 1)
        raise SourceError(
            f"the YAML block is not valid YAML: {' '.join(str(problem).split())}",
            where=f"{README}:{line}",
            hint="fix the YAML between the '---' lines",
        ) from None
    if node is None:
        return None
    doc = _Doc(node, offset)
    if not isinstance(node, MappingNode):
        raise doc.error(node, "the YAML block is not a mapping", "write 'key: value' lines")
    return doc


def _get(node: MappingNode, key: str) -> Node | None:
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.value == key:
            value: Node = v
            return value
    return None


def _text(doc: _Doc, node: Node, what: str) -> str:
    if not isinstance(node, ScalarNode) or not str(node.value).strip():
        raise doc.error(node, f"{what} must be a non-empty string", "quote the value")
    return str(node.value)


def _patterns(doc: _Doc, node: Node, what: str) -> list[tuple[str, int]]:
    items = node.value if isinstance(node, SequenceNode) else [node]
    return [(_text(doc, item, what), doc.line(item)) for item in items]


# -- configs ------------------------------------------------------------------------------------


def _choose(doc: _Doc, configs: Node) -> tuple[MappingNode, str, tuple[str, ...]]:
    if not isinstance(configs, SequenceNode) or not configs.value:
        raise doc.error(configs, "'configs' must be a list of configs", "see the Hub's docs")
    named: list[tuple[str, MappingNode]] = []
    for item in configs.value:
        if not isinstance(item, MappingNode):
            raise doc.error(item, "a config must be a mapping", "start it with 'config_name:'")
        name_node = _get(item, "config_name")
        name = _text(doc, name_node, "config_name") if name_node is not None else "default"
        named.append((name, item))
    chosen, why = named[0], "the first"
    defaults = [c for c in named if _is_true(_get(c[1], "default"))]
    if defaults:
        chosen, why = defaults[0], "marked default"
    elif any(name == "default" for name, _ in named):
        chosen = next(c for c in named if c[0] == "default")
        why = "named default"
    notes: tuple[str, ...] = ()
    if len(named) > 1:
        names = ", ".join(name for name, _ in named)
        notes = (
            f"{README} declares {len(named)} configs ({names}); measured '{chosen[0]}' "
            f"({why}); pass --split NAME=GLOB to measure another",
        )
    return chosen[1], chosen[0], notes


def _is_true(node: Node | None) -> bool:
    return isinstance(node, ScalarNode) and str(node.value).lower() == "true"


def _splits(doc: _Doc, node: Node) -> Iterator[tuple[str, str, int]]:
    """(split, pattern, README line) for every pattern of a ``data_files`` value."""
    if isinstance(node, ScalarNode):
        for pattern, line in _patterns(doc, node, "a data_files pattern"):
            yield "train", pattern, line
    elif isinstance(node, MappingNode):
        for key, value in node.value:
            split = _text(doc, key, "a split name")
            for pattern, line in _patterns(doc, value, "a data_files pattern"):
                yield split, pattern, line
    else:
        for item in node.value:
            if isinstance(item, ScalarNode):
                yield "train", _text(doc, item, "a data_files pattern"), doc.line(item)
                continue
            if not isinstance(item, MappingNode):
                raise doc.error(item, "a data_files entry must be a pattern or a mapping", _HINT)
            path = _get(item, "path")
            if path is None:
                raise doc.error(item, "a data_files entry needs a 'path'", _HINT)
            split_node = _get(item, "split")
            split = _text(doc, split_node, "split") if split_node is not None else "train"
            for pattern, line in _patterns(doc, path, "path"):
                yield split, pattern, line


_HINT = "write '- split: train' and '  path: data/train-*' under data_files"


# -- files --------------------------------------------------------------------------------------


def _files(root: Path) -> list[str]:
    """Rel POSIX paths of the files under ``root``: no hidden names, no links out of the root."""
    real_root = root.resolve()
    out: list[str] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.startswith("."):
                continue
            path = Path(folder, name)
            if path.is_symlink():
                target = path.resolve()
                if not target.is_file() or real_root not in target.parents:
                    continue
            out.append(path.relative_to(root).as_posix())
    return out


def hub_config(root: Path) -> HubConfig | None:
    """The config measured from ``root/README.md`` (None without a ``configs`` block)."""
    doc = _front_matter(root)
    if doc is None or not isinstance(doc.root, MappingNode):
        return None
    configs = _get(doc.root, "configs")
    if configs is None:
        return None
    config, name, notes = _choose(doc, configs)
    data_dir_node = _get(config, "data_dir")
    data_dir = _text(doc, data_dir_node, "data_dir").strip("/") if data_dir_node else ""
    data_files = _get(config, "data_files")
    if data_files is None and not data_dir:
        raise doc.error(config, f"config '{name}' has no data_files", _HINT)
    rels = _files(root)
    if data_files is None:
        files = _under(rels, data_dir)
    else:
        files = _assign(doc, rels, data_dir, data_files, name)
    return HubConfig(name=name, files=files, notes=notes)


def _under(rels: list[str], data_dir: str) -> dict[str, str]:
    from datacard.layout import split_from_name, split_word

    out: dict[str, str] = {}
    for rel in rels:
        if not rel.startswith(data_dir + "/"):
            continue
        parts = rel.split("/")
        words = [s for part in parts[:-1] if (s := split_word(part))]
        out[rel] = words[0] if words else split_from_name(parts[-1]) or "train"
    return out


def _assign(
    doc: _Doc, rels: list[str], data_dir: str, data_files: Node, name: str
) -> dict[str, str]:
    assigned: dict[str, str] = {}
    for split, pattern, line in _splits(doc, data_files):
        full = f"{data_dir}/{pattern.strip().removeprefix('./')}" if data_dir else pattern
        regex = glob_regex(full)
        matched = [rel for rel in rels if regex.fullmatch(rel)]
        if not matched:
            raise SourceError(
                f"config '{name}', split '{split}': pattern '{full}' matches no file",
                where=f"{README}:{line}",
                hint="fix the path (relative to the dataset root), or remove the pattern",
            )
        for rel in matched:
            if assigned.setdefault(rel, split) != split:
                raise SourceError(
                    f"'{rel}' is in split '{assigned[rel]}' and in split '{split}'",
                    where=f"{README}:{line}",
                    hint="make the data_files patterns of different splits disjoint",
                )
    return assigned


def hub_files(root: Path) -> dict[str, str] | None:
    """Rel POSIX path -> split for the files ``README.md`` declares; None without ``configs``.

    Every matched file is returned, whatever its format: the caller keeps those it can read.
    """
    config = hub_config(root)
    return None if config is None else config.files
