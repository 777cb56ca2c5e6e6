"""Text normalisation for matching: Unicode NFKC, case-fold, collapsed whitespace, punctuation
stripped at the ends. The reference definition: the vectorised kernels in ``textkey`` and
``ngrams`` are tested against it.

>>> normalize_text("  Hello,   WORLD!! ")
'hello, world'
>>> words("Straße  ist\\tlang.")
['strasse', 'ist', 'lang']
>>> normalize_text("नमस्ते।")  # combining vowel signs are part of a word
'नमस्ते'
"""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")


def _is_word_char(char: str) -> bool:
    """Letters, numbers and combining marks (which \\w alone would cut off)."""
    return unicodedata.category(char)[0] in "LNM" or char == "_"


def normalize_text(text: str) -> str:
    """NFKC, case-folded, whitespace collapsed to single spaces, punctuation stripped at ends."""
    folded = _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()
    start, end = 0, len(folded)
    while start < end and not _is_word_char(folded[start]):
        start += 1
    while end > start and not _is_word_char(folded[end - 1]):
        end -= 1
    return folded[start:end]


def words(text: str) -> list[str]:
    """The normalised word tokens of ``text`` (letters, numbers and marks; no punctuation)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    spaced = "".join(c if _is_word_char(c) else " " for c in folded)
    return spaced.split()
