"""What people changed in a card: the human-owned sections, field by field.

Datasheet answers still marked ``generated: true`` on both sides are datacard's own and are
not human changes (``update`` refreshes them); an answer a person wrote, took over or deleted
is. Scalar fields keep a short before/after.

>>> from datacard.card import Card
>>> [(c.field, c.old, c.new) for c in human_changes(Card(name="a"), Card(name="a", summary="Hi"))]
[('summary', '', 'Hi')]
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from datacard.card import Answer, Card, Policy

#: Top-level human fields compared as text (shown before/after).
SCALARS: Final = ("name", "summary", "license", "citation")
#: Top-level human fields compared as a whole.
SECTIONS: Final = ("creators", "sources")
_SHORT: Final = 60


@dataclass(frozen=True)
class DocChange:
    """A changed human-owned field (``datasheet.uses.tasks``, ``policy.tolerances``, ...).

    ``old``/``new`` are short texts for scalar fields and datasheet answers, else None.
    """

    field: str
    old: str | None = None
    new: str | None = None

    def line(self) -> str:
        """One line for people: ``summary: "" -> "Six rows."`` or ``creators changed``."""
        if self.old is None and self.new is None:
            return f"{self.field} changed"
        return f"{self.field}: {_show(self.old)} -> {_show(self.new)}"

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "old": self.old, "new": self.new}


def _show(text: str | None) -> str:
    return "null" if text is None else json.dumps(text, ensure_ascii=False)


def short(text: str | None) -> str | None:
    """``text`` on one line, cut to 60 characters (with an ellipsis)."""
    if text is None:
        return None
    flat = " ".join(text.split())
    return flat if len(flat) <= _SHORT else flat[: _SHORT - 1] + "…"


def _answers(card: Card) -> dict[str, Answer]:
    return {
        f"{section}.{qid}": answer
        for section, questions in card.datasheet.items()
        for qid, answer in questions.items()
    }


def _datasheet(old: Card, new: Card) -> list[DocChange]:
    before, after = _answers(old), _answers(new)
    out: list[DocChange] = []
    for key in [*before, *(k for k in after if k not in before)]:
        a, b = before.get(key), after.get(key)
        # Taking an answer over (generated: true removed) is a change even with the same text.
        if a == b or (a is not None and b is not None and a.generated and b.generated):
            continue
        out.append(
            DocChange(
                f"datasheet.{key}",
                short(a.answer) if a is not None else None,
                short(b.answer) if b is not None else None,
            )
        )
    return out


def _policy(old: Policy, new: Policy) -> list[DocChange]:
    a, b = old.model_dump(mode="json"), new.model_dump(mode="json")
    return [DocChange(f"policy.{key}") for key in Policy.model_fields if a[key] != b[key]]


def human_changes(old: Card, new: Card) -> list[DocChange]:
    """The human-owned fields that differ between ``old`` and ``new`` (``version`` aside)."""
    out: list[DocChange] = []
    for name in SCALARS:
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            out.append(DocChange(name, short(a), short(b)))
    for name in SECTIONS:
        a_items = [item.model_dump(mode="json") for item in getattr(old, name)]
        b_items = [item.model_dump(mode="json") for item in getattr(new, name)]
        if a_items != b_items:
            out.append(DocChange(name))
    out += _datasheet(old, new)
    out += _policy(old.policy, new.policy)
    if old.changelog != new.changelog:
        out.append(
            DocChange("changelog", _entries(len(old.changelog)), _entries(len(new.changelog)))
        )
    return out


def _entries(n: int) -> str:
    return f"{n} entr{'y' if n == 1 else 'ies'}"
