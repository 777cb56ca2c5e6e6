"""Read a Hugging Face dataset card (``README.md``) into the human-owned fields of a card.

The YAML block is read with a safe loader (no tags, no objects); the Markdown body is split by
its headings and each section goes where :data:`datacard.render.hf.HF_SECTIONS` says. Template
placeholders ("[More Information Needed]", the template's comments) are ignored, and so are the
answers datacard generated from the data. Cards written by :class:`~datacard.render.hf.
HfCardRenderer` read back to the same human content.

>>> text = "---\\nlicense: cc-by-4.0\\n---\\n# Dataset Card for Digits\\n"
>>> parse_hf_card(text + "\\n## Direct Use\\n\\nOCR.\\n")
{'name': 'Digits', 'license': 'CC-BY-4.0', 'datasheet': {'uses': {'tasks': {'answer': 'OCR.'}}}}
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Final

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from datacard.datasheet import question
from datacard.errors import CardError
from datacard.render.hf import (
    DEFAULT_RECOMMENDATIONS,
    FUNDED_BY,
    GENERATED_MARK,
    HF_SECTIONS,
    hf_license,
    spdx_license,
)
from datacard.render.markdown import unescape_markdown

# The Hub's own regular expression for the metadata block.
_FRONT = re.compile(r"^(\s*---(?:\r\n|\r|\n))([\S\s]*?)((?:\r\n|\r|\n)---[ \t]*(\r\n|\n|$))")
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_COMMENT = re.compile(r"<!--[\s\S]*?-->")
_PLACEHOLDER = re.compile(r"\[More Information Needed\](?:\([^)\s]*\))?")
_BULLET = re.compile(r"^[ \t]*[-*+][ \t]+\*\*(?P<label>.+?):?\*\*:?[ \t]*(?P<value>.*)$")
_LABEL = re.compile(r"^\*\*(?P<text>.+)\*\*[ \t]*$")
_AUTOLINK = re.compile(r"^<(?P<url>[^<>\s]+)>$")
_MD_LINK = re.compile(r"^\[(?P<text>[^\]]*)\]\((?P<url>[^)\s]+)\)$")
_SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?$")
#: Link bullets of the Hub templates ("- **Repository:** ...").
_LINK_LABELS: Final = frozenset({"repository", "paper", "demo", "homepage", "leaderboard"})
_SOURCE_EXTRA = re.compile(r"^(?P<head>.*?)[ \t]+\((?P<extra>(?:license|retrieved): [^()]*)\)$")

#: Headings of the older Hub template (and common variants) -> the section they stand for.
ALIASES: Final[dict[str, str]] = {
    "dataset summary": "dataset description",
    "supported tasks and leaderboards": "direct use",
    "initial data collection and normalization": "data collection and processing",
    "who are the source language producers?": "who are the source data producers?",
    "social impact of dataset": "bias, risks, and limitations",
    "discussion of biases": "bias, risks, and limitations",
    "other known limitations": "bias, risks, and limitations",
    "dataset curators": "dataset card authors",
    "citation information": "citation",
}


@dataclass
class _Section:
    level: int
    title: str
    lines: list[str] = field(default_factory=list)


def _title(text: str) -> str:
    """A heading's lookup key: lower case, no ``[optional]``, single spaces."""
    text = re.sub(r"\[optional\]", "", unescape_markdown(text), flags=re.IGNORECASE)
    return " ".join(text.split()).lower()


def _sections(body: str) -> list[_Section]:
    """The body split at ATX headings (headings inside fenced code do not count)."""
    sections = [_Section(0, "")]
    fence = ""
    for line in body.splitlines():
        marker = _FENCE.match(line)
        if fence:
            if marker and _closes(marker, fence):
                fence = ""
        elif marker:
            fence = marker.group(1)
        else:
            heading = _HEADING.match(line)
            if heading:
                sections.append(_Section(len(heading.group(1)), heading.group(2)))
                continue
        sections[-1].lines.append(line)
    return sections


def _closes(marker: re.Match[str], fence: str) -> bool:
    """Whether a fence line closes the code block ``fence`` opened."""
    run = marker.group(1)
    return run[0] == fence[0] and len(run) >= len(fence) and not marker.group(2).strip()


def _clean(text: str) -> str:
    """Text without comments, placeholders and the template's default sentences."""
    text = _COMMENT.sub("", text)
    text = _PLACEHOLDER.sub("", text).replace(DEFAULT_RECOMMENDATIONS, "")
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _first_fence(lines: list[str]) -> str | None:
    """The content of the first fenced code block in ``lines``."""
    fence: str | None = None
    found: list[str] = []
    for line in lines:
        marker = _FENCE.match(line)
        if fence is None:
            if marker:
                fence = marker.group(1)
        elif marker and _closes(marker, fence):
            return "\n".join(found)
        else:
            found.append(line)
    return "\n".join(found) if fence is not None else None


def _blocks(text: str, keys: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """(question key, answer) pairs of a section: text under a bold question goes to it, other
    text to the section's main question; answers datacard generated are skipped."""
    labels = {" ".join(question(k).text.split()): k for k in keys}
    current, generated, lines = keys[0], False, list[str]()
    for line in [*text.splitlines(), None]:
        label = _LABEL.match(line) if line is not None else None
        key = (
            labels.get(" ".join(unescape_markdown(label.group("text")).split())) if label else None
        )
        if line is None or key is not None:
            answer = unescape_markdown(_clean("\n".join(lines)))
            if answer and not generated:
                yield current, answer
            if key is not None:
                current, generated, lines = key, False, []
            continue
        if line.strip() == GENERATED_MARK:
            generated = True
        lines.append(line)


def _bullets(lines: list[str]) -> dict[str, str]:
    """``- **Label:** value`` lines -> {label key: value} (placeholders dropped)."""
    out: dict[str, str] = {}
    for line in lines:
        match = _BULLET.match(line)
        if match:
            value = _clean(match.group("value"))
            if value:
                out.setdefault(_title(match.group("label")), value)
    return out


def _url(text: str) -> tuple[str | None, str | None]:
    """(link text, url) of an autolink, a Markdown link or a bare URL; (text, None) otherwise."""
    text = text.strip()
    for pattern in (_AUTOLINK, _MD_LINK):
        match = pattern.match(text)
        if match:
            url = match.group("url")
            label = match.groupdict().get("text")
            return (unescape_markdown(label) if label else None), url
    if re.fullmatch(r"(?:https?|ftp)://\S+", text):
        return None, text
    return unescape_markdown(text) or None, None


def _sources(lines: list[str]) -> list[dict[str, str]]:
    sources: list[dict[str, str]] = []
    for line in lines:
        match = _BULLET.match(line)
        if not match:
            continue
        value, label = _clean(match.group("value")), match.group("label")
        source: dict[str, str] = {"name": unescape_markdown(_title_case(label))}
        extra = _SOURCE_EXTRA.match(value)
        if extra:
            value = extra.group("head")
            for part in extra.group("extra").split("; "):
                key, _, item = part.partition(": ")
                if key in ("license", "retrieved") and item:
                    source[key] = unescape_markdown(item)
        text, url = _url(value)
        if url is None and text is None and len(source) == 1 and _title(label) in _LINK_LABELS:
            continue  # a template bullet with no link ("- **Paper:** [More Information Needed]")
        if url is not None:
            source["url"] = url[len("mailto:") :] if url.startswith("mailto:") else url
        elif text is not None:
            source["url"] = text
        sources.append(source)
    return sources


def _title_case(label: str) -> str:
    return re.sub(r"\s*\[optional\]", "", label, flags=re.IGNORECASE).strip()


def _creator(line: str) -> dict[str, str] | None:
    """One author bullet: ``- **Name** · role · <mailto:e> · <url>`` or a plain ``- Name``."""
    match = re.match(r"^[ \t]*[-*+][ \t]+(.*)$", line)
    if not match:
        return None
    text = _clean(match.group(1))
    if not text:
        return None
    bold = re.match(r"^\*\*(?P<name>.+?)\*\*(?P<rest>.*)$", text)
    if bold is None:
        return {"name": unescape_markdown(text)}
    creator = {"name": unescape_markdown(bold.group("name"))}
    for part in bold.group("rest").split(" · ")[1:]:
        label, url = _url(part)
        if url is not None and url.startswith("mailto:"):
            creator["email"] = url[len("mailto:") :]
        elif url is not None:
            creator["url"] = url
        elif label:
            creator["role"] = label
    return creator


def _creators(author_lines: list[str] | None, curated_by: str | None) -> list[dict[str, str]]:
    if author_lines:
        found = [c for c in map(_creator, author_lines) if c is not None]
        if found:
            return found
        text = _clean("\n".join(author_lines))
        if text:
            curated_by = text
    if not curated_by:
        return []
    names = re.split(r",|;|\band\b|\n", unescape_markdown(curated_by))
    return [{"name": n.strip(" -*")} for n in names if n.strip(" -*")]


def _license(meta: dict[str, Any], stated: str | None) -> str | None:
    """SPDX from the metadata, preferring the body's ``License:`` line when it agrees."""
    raw = meta.get("license")
    ids = [str(x) for x in raw] if isinstance(raw, list) else [str(raw)] if raw else []
    if stated and (not ids or hf_license(stated)[0] in ids or ids == ["other"]):
        return stated
    spdx = [spdx_license(i) for i in ids]
    if ids and all(spdx):
        return " OR ".join(s for s in spdx if s)
    name = meta.get("license_name")
    return str(name) if name else stated


def read_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """The metadata block (safely loaded; ``{}`` when absent) and the Markdown body after it."""
    match = _FRONT.search(text)
    if match is None:
        return {}, text
    try:
        data = YAML(typ="safe", pure=True).load(match.group(2))
    except YAMLError as exc:
        raise CardError(f"the card's YAML block is not valid YAML: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise CardError("the card's YAML block is not a mapping")
    return data, text[match.end() :]


def parse_hf_card(text: str) -> dict[str, Any]:
    """The human-owned card fields in a Hugging Face card's text (absent fields left out)."""
    meta, body = read_front_matter(text.replace("\r\n", "\n").replace("\r", "\n"))
    sections = _sections(body)
    by_title: dict[str, list[str]] = {}
    for s in sections[1:]:
        key = ALIASES.get(_title(s.title), _title(s.title))
        if key in by_title:
            by_title[key] += ["", *s.lines]
        else:
            by_title[key] = list(s.lines)
    out: dict[str, Any] = {}

    h1 = next((s for s in sections if s.level == 1), None)
    pretty = meta.get("pretty_name")
    if pretty:
        out["name"] = str(pretty)
    elif h1 is not None:
        title = unescape_markdown(re.sub(r"^Dataset Card for\s+", "", h1.title)).strip()
        if title and title != "Dataset Name":  # the template's default
            out["name"] = title

    description = by_title.get("dataset description", [])
    bullets = _bullets(description)
    summary = _clean("\n".join(line for line in description if not _BULLET.match(line)))
    if not summary and h1 is not None:
        summary = _clean("\n".join(h1.lines))
    if summary:
        out["summary"] = unescape_markdown(summary)

    license_ = _license(
        meta, unescape_markdown(bullets["license"]) if "license" in bullets else None
    )
    if license_:
        out["license"] = license_
    version = unescape_markdown(bullets.get("version", ""))
    if _SEMVER.match(version):
        out["version"] = version

    creators = _creators(by_title.get("dataset card authors"), bullets.get("curated by"))
    if creators:
        out["creators"] = creators
    linked = [
        line
        for line in description
        if (m := _BULLET.match(line)) and _title(m["label"]) in _LINK_LABELS
    ]
    sources = _sources(by_title.get("dataset sources", [])) or _sources(linked)
    if sources:
        out["sources"] = sources

    citation_lines = by_title.get("citation", [])
    citation = _first_fence(citation_lines)
    if citation is None:
        citation = _clean(re.sub(r"\*\*(?:BibTeX|APA):\*\*", "", "\n".join(citation_lines)))
    if citation.strip():
        out["citation"] = citation

    sheet: dict[str, dict[str, dict[str, str]]] = {}
    for place, keys in HF_SECTIONS:
        if place == FUNDED_BY:
            found = unescape_markdown(bullets["funded by"]) if "funded by" in bullets else ""
            pairs = [(keys[0], found)] if found else []
        else:
            pairs = list(_blocks("\n".join(by_title.get(place.lower(), [])), keys))
        for key, answer in pairs:
            section, _, qid = key.partition(".")
            sheet.setdefault(section, {})[qid] = {"answer": answer}
    if sheet:
        out["datasheet"] = sheet
    return out


class HfCardImporter:
    """``datacard import hf README.md DIR``: the human-written part of a card from an HF card."""

    name: ClassVar[str] = "hf"

    def read(self, path: Path) -> dict[str, object]:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CardError(f"{path} is not UTF-8 text ({exc.reason})", where=str(path)) from None
        return parse_hf_card(text)
