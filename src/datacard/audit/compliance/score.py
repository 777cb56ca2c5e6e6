"""How complete a card's datasheet is: a score in [0, 1].

Every one of the seven datasheet sections weighs the same (1/7); within a section, every
question weighs the same. A question counts as answered when a person wrote an answer or the
measured data gives one (:meth:`datacard.card.Card.answer`); placeholders such as ``TODO`` do
not count. Equal sections keep the five questions the data answers by itself (all in
*composition*, the largest section) from making an unwritten datasheet look far along, and
reward breadth: one answer in each section moves the score more than six in one.

>>> from datacard.card import Card, Answer
>>> completeness(Card(name="x"))
0.0
>>> purpose = Answer(question="For what purpose?", answer="To test")
>>> card = Card(name="x", datasheet={"motivation": {"purpose": purpose}})
>>> round(completeness(card), 4)  # 1 of 4 motivation questions: (1/4) / 7
0.0357
"""

from __future__ import annotations

from datacard.audit.compliance.paths import filled
from datacard.card import Card
from datacard.datasheet import SECTIONS


def section_scores(card: Card) -> dict[str, float]:
    """Section -> share of its questions answered."""
    return {
        section: sum(filled(card, f"datasheet.{section}.{q.id}") for q in questions)
        / len(questions)
        for section, questions in SECTIONS.items()
    }


def completeness(card: Card) -> float:
    """The datasheet completeness score of ``card``: the mean of :func:`section_scores`."""
    scores = section_scores(card)
    return sum(scores.values()) / len(scores)
