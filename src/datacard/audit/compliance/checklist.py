"""The compliance checklists: data files shipped in ``frameworks/``, loaded and checked.

Each file names a framework and its items. An item says what evidences it: card ``fields``
(dotted paths, see :mod:`~datacard.audit.compliance.paths`), ``findings`` (codes or ``family.*``
prefixes of checks that must have run: their presence, or the audit part having run, is
evidence of examination) and ``unresolved`` (codes or prefixes that, when found at warning or
above, leave the item partial; not needed as evidence). ``datasheets.yaml`` generates its items
from the Datasheets-for-Datasets questions in :mod:`datacard.datasheet`, adding per-question
evidence from its ``extra`` table.

>>> [item.id for item in load_checklist("iso-42001").items][:2]
['A.7.2', 'A.7.3']
>>> load_checklist("datasheets").items[0].fields
('datasheet.motivation.purpose',)
"""

from __future__ import annotations

import difflib
import functools
from importlib import resources
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from datacard.audit.compliance.paths import known_path
from datacard.datasheet import SECTIONS
from datacard.errors import UsageError
from datacard.findings import CATALOG

#: The frameworks datacard ships a checklist for (``frameworks/<name>.yaml``).
FRAMEWORKS: Final = ("eu-ai-act", "nist-ai-rmf", "iso-42001", "datasheets")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Evidence(_Model):
    """What evidences an item (shared by items and the datasheet extras)."""

    fields: tuple[str, ...] = Field(default=(), description="Card paths that must be filled.")
    findings: tuple[str, ...] = Field(default=(), description="Checks that must have run.")
    unresolved: tuple[str, ...] = Field(
        default=(), description="Findings that, when present, leave the item partial."
    )
    guidance: str = Field(default="", description="What to write to satisfy the item.")


class Item(Evidence):
    """One checklist item: a stable id, a short paraphrased title, the official reference."""

    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    reference: str = Field(min_length=1)


class Checklist(_Model):
    """One framework's checklist."""

    framework: str
    title: str
    source: str = Field(description="The official document the items refer to.")
    url: str = ""
    scope: str = Field(default="", description="Whom and what the framework applies to.")
    items: tuple[Item, ...] = ()
    generate: str | None = Field(
        default=None, description="'datasheet': generate the items from the datasheet questions."
    )
    extra: dict[str, Evidence] = Field(
        default_factory=dict, description="Question key -> evidence added to the generated item."
    )


def _section_title(section: str) -> str:
    return section.capitalize()


def _datasheet_items(checklist: Checklist) -> tuple[Item, ...]:
    items = []
    for section, questions in SECTIONS.items():
        for q in questions:
            key = f"{section}.{q.id}"
            extra = checklist.extra.get(key, Evidence())
            items.append(
                Item(
                    id=key,
                    title=q.text,
                    reference=f"{checklist.title}, {_section_title(section)}",
                    fields=extra.fields or (f"datasheet.{key}",),
                    findings=extra.findings,
                    unresolved=extra.unresolved,
                    guidance=extra.guidance or f"Answer datasheet.{key}: {q.text}",
                )
            )
    return tuple(items)


def _reference_ok(ref: str) -> bool:
    if ref.endswith(".*"):
        family = ref[:-1]
        return any(code.startswith(family) for code in CATALOG)
    return ref in CATALOG


def problems(checklist: Checklist) -> list[str]:
    """What is wrong with ``checklist``: duplicate ids, unknown card paths or finding codes."""
    found: list[str] = []
    seen: set[str] = set()
    for item in checklist.items:
        if item.id in seen:
            found.append(f"{checklist.framework}: duplicate item id '{item.id}'")
        seen.add(item.id)
        if not (item.fields or item.findings):
            found.append(f"{checklist.framework}/{item.id}: no evidence (fields or findings)")
        for path in item.fields:
            if not known_path(path):
                found.append(f"{checklist.framework}/{item.id}: unknown card path '{path}'")
        for ref in item.findings + item.unresolved:
            if not _reference_ok(ref):
                found.append(f"{checklist.framework}/{item.id}: unknown finding '{ref}'")
    keys = {f"{s}.{q.id}" for s, qs in SECTIONS.items() for q in qs}
    for key in checklist.extra:
        if key not in keys:
            found.append(f"{checklist.framework}: extra for unknown question '{key}'")
    return found


def parse_checklist(text: str, where: str) -> Checklist:
    """A checklist from YAML ``text``; ValueError naming ``where`` when it is invalid."""
    from ruamel.yaml import YAML

    data = YAML(typ="safe", pure=True).load(text)
    checklist = Checklist.model_validate(data)
    if checklist.generate == "datasheet":
        checklist = checklist.model_copy(update={"items": _datasheet_items(checklist)})
    elif checklist.generate is not None:
        raise ValueError(f"{where}: unknown generator '{checklist.generate}'")
    wrong = problems(checklist)
    if wrong:
        raise ValueError(f"{where}: " + "; ".join(wrong))
    return checklist


def unknown_framework(name: str) -> UsageError:
    """The error for a framework datacard has no checklist for, with a "did you mean"."""
    key = name.strip().lower()
    close = [f for f in FRAMEWORKS if key and f.startswith(key)]
    close = close or difflib.get_close_matches(key, FRAMEWORKS, n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"use one of: {', '.join(FRAMEWORKS)}"
    return UsageError(f"unknown compliance framework '{name}'", hint=hint)


@functools.cache
def load_checklist(name: str) -> Checklist:
    """The shipped checklist of framework ``name``; UsageError for an unknown one."""
    if name not in FRAMEWORKS:
        raise unknown_framework(name)
    path = resources.files("datacard.audit.compliance") / "frameworks" / f"{name}.yaml"
    return parse_checklist(path.read_text(encoding="utf-8"), f"frameworks/{name}.yaml")
