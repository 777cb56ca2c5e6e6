"""Dotted paths into the card (``sources.license``, ``datasheet.uses.tasks``): do they exist in
the Card model, and are they filled in a card?

A path walks model fields; through a list it means *every* element (``sources.license``: every
source names its licence). ``datasheet.<section>.<question>`` is answered when a person wrote
an answer or the measured data gives one (:meth:`datacard.card.Card.answer`). ``a|b`` is filled
when either is. Placeholders (``TODO``, ``TBD``, ``?``, ``...``) do not count as filled.

>>> from datacard.card import Card, Source
>>> card = Card(name="x", sources=[Source(name="a", license="MIT"), Source(name="b")])
>>> filled(card, "sources"), filled(card, "sources.license"), filled(card, "license|sources")
(True, False, True)
>>> known_path("sources.license"), known_path("sources.licence")
(True, False)
"""

from __future__ import annotations

import types
import typing
from typing import Any, Final

from pydantic import BaseModel

from datacard.card import Card
from datacard.datasheet import SECTIONS

PLACEHOLDERS: Final = frozenset({"todo", "tbd", "tba", "fixme", "xxx", "?", "...", "…", "-"})


def _model(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds (through ``X | None`` and ``list[X]``), else None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list):
        for arg in typing.get_args(annotation):
            found = _model(arg)
            if found is not None:
                return found
    return None


def _known(path: str) -> bool:
    parts = path.split(".")
    if parts[0] == "datasheet":
        if len(parts) != 3 or parts[1] not in SECTIONS:
            return False
        return any(q.id == parts[2] for q in SECTIONS[parts[1]])
    model: type[BaseModel] | None = Card
    for part in parts:
        if model is None or part not in model.model_fields:
            return False
        model = _model(model.model_fields[part].annotation)
    return True


def known_path(path: str) -> bool:
    """Whether every alternative of ``path`` names a field of the Card model."""
    return all(_known(alt.strip()) for alt in path.split("|"))


def _value_filled(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        return bool(text) and text.lower() not in PLACEHOLDERS
    if isinstance(value, list | dict | tuple | set):
        return len(value) > 0
    return True


def _walk(value: Any, parts: list[str]) -> bool:
    if not parts:
        return _value_filled(value)
    if isinstance(value, list):
        return bool(value) and all(_walk(item, parts) for item in value)
    if isinstance(value, BaseModel):
        return _walk(getattr(value, parts[0], None), parts[1:])
    return False


def _filled(card: Card, path: str) -> bool:
    parts = path.split(".")
    if parts[0] == "datasheet" and len(parts) == 3:
        return _value_filled(card.answer(parts[1], parts[2]))
    return _walk(card, parts)


def filled(card: Card, path: str) -> bool:
    """Whether ``path`` (or one of its ``|`` alternatives) is filled in ``card``."""
    return any(_filled(card, alt.strip()) for alt in path.split("|"))
