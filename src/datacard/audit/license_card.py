"""What the card says that the licence rules need: credit given to a source, commercial intent.

Credit: a source is *credited* when the card links to it (``sources[].url``) or names it (its
``name``, case-insensitively, as a whole word) in ``citation``, ``summary`` or one of the
answers in :data:`CREDIT_ANSWERS`.

Commercial intent: a sentence of one of the answers in :data:`INTENT_ANSWERS` that speaks of
commercial use (``commercial``, ``commercially``; "non-commercial" does not count) with no
negation or condition in it (not, no, never, without, except, unless, prohibited, restricted,
requires permission, ...). A heuristic: findings based on it quote the sentence.

>>> from datacard.card import Card, Source
>>> card = Card(name="x", citation="Built on Common Crawl.")
>>> credit(card, Source(name="Common Crawl"))
'citation'
>>> credit(card, Source(name="Wikipedia")) is None
True
>>> commercial_sentence("Free for research and commercial use. No warranty.")
'Free for research and commercial use.'
>>> commercial_sentence("Not for commercial use.") is None
True
"""

from __future__ import annotations

import re
from typing import Final

from datacard.card import Card, Source

#: Datasheet answers where a person credits the data's origins.
CREDIT_ANSWERS: Final = (
    "composition.external",
    "collection.acquisition",
    "distribution.license",
    "distribution.restrictions",
)

#: Datasheet answers that state what the dataset is for and how it is shared.
INTENT_ANSWERS: Final = (
    "motivation.purpose",
    "uses.tasks",
    "uses.prior",
    "distribution.third_parties",
    "distribution.how",
    "distribution.license",
)

_NONCOMMERCIAL = re.compile(r"\bnon[- ]?commercial(ly)?\b", re.IGNORECASE)
_COMMERCIAL = re.compile(r"\bcommercial(ly)?\b", re.IGNORECASE)
_HEDGE = re.compile(
    r"\b(not|no|never|nor|cannot|without|except|unless|only|prohibit\w*|forbid\w*|exclud\w*"
    r"|restrict\w*|separate|permission|licen[cs]e required)\b|n't\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")


def credit(card: Card, source: Source) -> str | None:
    """Where the card credits ``source`` (``'url'``, ``'citation'``, ``'summary'`` or
    ``'datasheet.<answer>'``), or None."""
    if source.url and source.url.strip():
        return "url"
    name = re.compile(rf"(?<!\w){re.escape(source.name.strip())}(?!\w)", re.IGNORECASE)
    texts = [("citation", card.citation), ("summary", card.summary)]
    texts += [(f"datasheet.{key}", card.answer(*key.split("."))) for key in CREDIT_ANSWERS]
    for where, text in texts:
        if name.search(text):
            return where
    return None


def commercial_sentence(text: str) -> str | None:
    """The first sentence of ``text`` that states commercial use, or None."""
    for sentence in _SENTENCE.split(text):
        rest = _NONCOMMERCIAL.sub(" ", sentence)
        if _COMMERCIAL.search(rest) and not _HEDGE.search(rest):
            return sentence.strip()
    return None


def commercial_intent(card: Card) -> tuple[str, str] | None:
    """``(answer key, sentence)`` of the first answer stating commercial use, or None."""
    for key in INTENT_ANSWERS:
        sentence = commercial_sentence(card.answer(*key.split(".")))
        if sentence is not None:
            return f"datasheet.{key}", sentence
    return None
