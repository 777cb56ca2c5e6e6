"""Text normalisation for matching: Unicode NFKC, case-fold, collapsed whitespace, punctuation
stripped at the ends.

>>> normalize_text("  Hello,   WORLD!! ")
'hello, world'
>>> words("Straße  ist\\tlang.")
['strasse', 'ist', 'lang']
"""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")
_EDGE_PUNCT = re.compile(r"^[\W_]+|[\W_]+$")
_WORD = re.compile(r"\w+")


def normalize_text(text: str) -> str:
    """NFKC, case-folded, whitespace collapsed to single spaces, punctuation stripped at ends."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _EDGE_PUNCT.sub("", _SPACE.sub(" ", folded).strip())


def words(text: str) -> list[str]:
    """The normalised word tokens of ``text`` (letters, digits and underscores; no punctuation)."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())
