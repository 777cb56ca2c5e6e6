"""Read an existing Croissant JSON-LD file into the human-owned part of a card.

The file is parsed with :func:`json.load` only: nothing is fetched (a remote ``@context`` is
ignored in favour of the standard Croissant one) and nothing is executed. Keys are resolved
against the file's own ``@context``, so ``rai:dataBiases``, ``dataBiases`` under a ``@vocab`` and
the full IRI all mean the same property. The datasheet answers come from the RAI properties
through the inverse of :data:`datacard.render.croissant.RAI_PROPERTIES`.

>>> import json, pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "croissant.json"
>>> _ = path.write_text(json.dumps({
...     "@context": {"@vocab": "https://schema.org/", "cr": "http://mlcommons.org/croissant/",
...                  "citeAs": "cr:citeAs"},
...     "@type": "sc:Dataset", "name": "mnist", "license": "https://spdx.org/licenses/MIT.html",
...     "citeAs": "@misc{mnist}"}))
>>> CroissantImporter().read(path)
{'name': 'mnist', 'license': 'MIT', 'citation': '@misc{mnist}'}
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Final

from datacard.datasheet import question
from datacard.errors import CardError
from datacard.findings import CATALOG
from datacard.render.croissant import (
    CONTEXT,
    DATE_PUBLISHED_QUESTION,
    FINDING_ITEM,
    ISO_DATE,
    RAI_PROPERTIES,
)

SCHEMA: Final = "https://schema.org/"
CR: Final = "http://mlcommons.org/croissant/"
RAI: Final = "http://mlcommons.org/croissant/RAI/"
PROV: Final = "http://www.w3.org/ns/prov#"

#: RAI property IRI -> datasheet question (``section.id``): the inverse of RAI_PROPERTIES.
RAI_QUESTIONS: Final[dict[str, str]] = {
    RAI + prop.removeprefix("rai:"): key for key, prop in RAI_PROPERTIES.items()
}

_SPDX_URL: Final = re.compile(
    r"^https?://spdx\.org/licenses/([A-Za-z0-9.+-]+?)(?:\.html|\.json)?/?$"
)
_CC_URL: Final = re.compile(
    r"^https?://creativecommons\.org/licenses/([a-z-]+)/(\d\.\d)(?:/[a-z]*)?/?$", re.IGNORECASE
)
_CC0_URL: Final = re.compile(r"^https?://creativecommons\.org/publicdomain/zero/1\.0/?", re.I)
_SEMVER_LIKE: Final = re.compile(r"^(\d+)(?:\.(\d+))?(?:\.(\d+))?$")
_SEMVER: Final = re.compile(r"^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?$")


def license_id(value: str) -> str:
    """An SPDX (or Creative Commons) license URL as its SPDX id; anything else unchanged.

    >>> license_id("https://spdx.org/licenses/CC-BY-4.0.html")
    'CC-BY-4.0'
    >>> license_id("https://creativecommons.org/licenses/by-sa/4.0/")
    'CC-BY-SA-4.0'
    """
    text = value.strip()
    if m := _SPDX_URL.match(text):
        return m.group(1)
    if m := _CC_URL.match(text):
        return f"CC-{m.group(1).upper()}-{m.group(2)}"
    if _CC0_URL.match(text):
        return "CC0-1.0"
    return text


def semantic_version(value: object) -> str | None:
    """A Croissant ``version`` as a semantic version (``1.0`` -> ``1.0.0``), else None."""
    text = str(value).strip()
    if _SEMVER.match(text):
        return text
    if m := _SEMVER_LIKE.match(text):
        return ".".join(g or "0" for g in m.groups())
    return None


class _Resolver:
    """Expands compact JSON-LD keys to IRIs using the document's ``@context``."""

    def __init__(self, context: object) -> None:
        merged: dict[str, Any] = dict(CONTEXT)
        contexts = context if isinstance(context, list) else [context]
        for ctx in contexts:
            if isinstance(ctx, Mapping):
                merged.update(ctx)
        self.terms = merged

    def iri(self, key: str) -> str:
        term = self.terms.get(key)
        if isinstance(term, Mapping):
            term = term.get("@id")
        if isinstance(term, str) and term != key:
            return self._prefixed(term)
        return self._prefixed(key)

    def _prefixed(self, key: str) -> str:
        if key.startswith("@") or "://" in key:
            return _canonical(key)
        prefix, colon, suffix = key.partition(":")
        if colon:
            base = self.terms.get(prefix)
            if isinstance(base, str):
                return _canonical(base + suffix)
            return key
        vocab = self.terms.get("@vocab")
        return _canonical(f"{vocab}{key}") if isinstance(vocab, str) else key

    def node(self, value: object) -> dict[str, Any]:
        """A JSON-LD node object with every key expanded (non-objects give an empty node)."""
        if not isinstance(value, Mapping):
            return {}
        return {self.iri(str(k)): v for k, v in value.items()}


def _canonical(iri: str) -> str:
    return (
        "https://schema.org/" + iri[len("http://schema.org/") :]
        if iri.startswith("http://schema.org/")
        else iri
    )


def _items(value: object) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _text(value: object) -> str:
    """Plain text of a JSON-LD value: strings, value objects, language maps and lists of them."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "\n\n".join(t for t in (_text(v) for v in value) if t)
    if isinstance(value, Mapping):
        if "@value" in value:
            return _text(value["@value"])
        if "@id" in value and len(value) == 1:
            return str(value["@id"])
        languages = [k for k in value if isinstance(k, str) and not k.startswith("@")]
        if languages and all(isinstance(value[k], str) for k in languages):
            return str(value["en"] if "en" in value else value[sorted(languages)[0]])
    return ""


def _reference(value: object, r: _Resolver) -> tuple[str, str]:
    """(name, url) of a reference: a URL string, ``{"@id": ...}`` or a node with name/url."""
    if isinstance(value, str):
        return value, value
    node = r.node(value)
    url = _text(node.get(SCHEMA + "url")) or _text(node.get("@id"))
    name = _text(node.get(SCHEMA + "name")) or _text(node.get(PROV + "label")) or url
    if url.startswith("_:"):
        url = ""
    return name, url


def _creators(value: object, r: _Resolver) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for item in _items(value):
        if isinstance(item, str):
            if item.strip():
                out.append({"name": item.strip()})
            continue
        node = r.node(item)
        name = _text(node.get(SCHEMA + "name")).strip()
        if not name:
            continue
        creator = {"name": name}
        for key in ("url", "email"):
            text = _text(node.get(SCHEMA + key)).strip()
            if text:
                creator[key] = text
        out.append(creator)
    return out


def _retrievals(value: object, r: _Resolver) -> dict[str, str]:
    """Source url or name -> retrieval date, from ``prov:qualifiedDerivation``."""
    out: dict[str, str] = {}
    for item in _items(value):
        node = r.node(item)
        name, url = _reference(node.get(PROV + "entity"), r)
        activity = r.node(node.get(PROV + "hadActivity"))
        when = _text(activity.get(PROV + "endedAtTime")) or _text(node.get(PROV + "atTime"))
        if when and (url or name):
            out[url or name] = when
    return out


def _sources(doc: Mapping[str, Any], r: _Resolver) -> list[dict[str, str]]:
    retrieved = _retrievals(doc.get(PROV + "qualifiedDerivation"), r)
    out: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for key in (PROV + "wasDerivedFrom", SCHEMA + "isBasedOn"):
        for item in _items(doc.get(key)):
            name, url = _reference(item, r)
            if not name or (name, url) in seen:
                continue
            seen.add((name, url))
            source = {"name": name}
            if url:
                source["url"] = url
            node = r.node(item)
            licence = _text(node.get(SCHEMA + "license"))
            if licence:
                source["license"] = license_id(licence)
            when = retrieved.get(url or name)
            if when:
                source["retrieved"] = when
            out.append(source)
    return out


def _license(value: object) -> str:
    texts: list[str] = []
    for item in _items(value):
        if isinstance(item, Mapping) and "@value" not in item:
            node = {str(k).rsplit("/", 1)[-1].split(":")[-1]: v for k, v in item.items()}
            text = _text(node.get("url")) or _text(node.get("@id")) or _text(node.get("name"))
        else:
            text = _text(item)
        if text.strip():
            texts.append(license_id(text))
    return " AND ".join(texts)


def _finding_item(value: object) -> bool:
    """Whether a ``rai:*`` list item is one datacard wrote for a finding."""
    match = FINDING_ITEM.match(value) if isinstance(value, str) else None
    return match is not None and match.group(1) in CATALOG


def _answer(key: str, value: object) -> str:
    if key in ("uses.out_of_scope", "composition.sensitive", "uses.impact"):
        # Items datacard wrote for its own findings are measurements, not the author's answer.
        value = [v for v in _items(value) if not _finding_item(v)]
    if key == "collection.timeframe" and isinstance(value, list):
        return "/".join(_text(v) for v in value)
    return _text(value).strip()


def _datasheet(doc: Mapping[str, Any]) -> dict[str, dict[str, dict[str, str]]]:
    sheet: dict[str, dict[str, dict[str, str]]] = {}
    answers = {key: _answer(key, doc.get(iri)) for iri, key in RAI_QUESTIONS.items()}
    published = _text(doc.get(SCHEMA + "datePublished")).strip()
    if ISO_DATE.match(published):
        answers[DATE_PUBLISHED_QUESTION] = published
    for key, text in sorted(answers.items()):
        if not text:
            continue
        section, _, qid = key.partition(".")
        sheet.setdefault(section, {})[qid] = {"question": question(key).text, "answer": text}
    return sheet


def _load(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as handle:
            doc = json.load(handle)
    except json.JSONDecodeError as exc:
        raise CardError(
            f"not valid JSON: {exc.msg}",
            where=f"{path}:{exc.lineno}:{exc.colno}",
            hint="give a Croissant JSON-LD file",
        ) from None
    except UnicodeDecodeError:
        raise CardError(
            "not UTF-8 text", where=str(path), hint="give a Croissant JSON-LD file"
        ) from None
    if isinstance(doc, Mapping) and isinstance(doc.get("@graph"), list):
        datasets = [n for n in doc["@graph"] if isinstance(n, Mapping) and _is_dataset(n)]
        if datasets:
            return {"@context": doc.get("@context"), **datasets[0]}
    if not isinstance(doc, Mapping) or not _is_dataset(doc):
        raise CardError(
            "not a Croissant dataset: the top level is not an object of @type sc:Dataset",
            where=str(path),
            hint="give the Croissant JSON-LD that describes the dataset",
        )
    return dict(doc)


def _is_dataset(node: Mapping[str, Any]) -> bool:
    types = [str(t) for t in _items(node.get("@type"))]
    return any(t.rsplit("/", 1)[-1].split(":")[-1] == "Dataset" for t in types)


class CroissantImporter:
    """Croissant 1.0/1.1 JSON-LD (with RAI and PROV-O) -> the card's human-owned fields."""

    name: ClassVar[str] = "croissant"

    def read(self, path: Path) -> dict[str, object]:
        raw = _load(Path(path))
        r = _Resolver(raw.get("@context"))
        doc = r.node(raw)
        out: dict[str, object] = {}
        fields: dict[str, object] = {
            "name": _text(doc.get(SCHEMA + "name")).strip(),
            "version": semantic_version(doc.get(SCHEMA + "version"))
            if doc.get(SCHEMA + "version") is not None
            else None,
            "summary": _text(doc.get(SCHEMA + "description")),
            "license": _license(doc.get(SCHEMA + "license")),
            "creators": _creators(doc.get(SCHEMA + "creator"), r),
            "sources": _sources(doc, r),
            "citation": _text(doc.get(CR + "citeAs")) or _text(doc.get(SCHEMA + "citation")),
            "datasheet": _datasheet(doc),
        }
        for key, value in fields.items():
            if value not in (None, "", [], {}):
                out[key] = value
        return out
