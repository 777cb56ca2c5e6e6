"""A string column measured further: exact tokenizer counts and a language sample.

:class:`TextAccumulator` is the built-in string accumulator plus two add-ons chosen by
:class:`~datacard.text.options.TextOptions`: token lengths from the user's tokenizer (exact,
merged like every length) and a :class:`~datacard.text.language.LanguageSample`. Its summary is
a ``string`` column whose ``tokens`` are the tokenizer's when one is given, labelled by
``tokenizer``; ``language`` appears when the column reads as natural language (mean length of
at least 20 characters and at least half of the sample made of words).

>>> import pyarrow as pa
>>> acc = TextAccumulator("string", TextOptions())
>>> _ = acc.update(pa.array(["one two", None, "three"]))
>>> s = acc.summary(); (s.kind, s.count, s.tokens.total, acc.extras()["tokenizer"])
('string', 2, 3, 'whitespace (approximate)')
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from datacard.arrays import valid_mask
from datacard.columns import ColumnAccumulator, StringAccumulator, _Lengths
from datacard.hashing import U64
from datacard.measured import ColumnSummary
from datacard.text.language import MAX_CHARS, MIN_CHARS, LanguageSample
from datacard.text.options import TextOptions
from datacard.text.strings import I64, StringValues
from datacard.text.tokenizer import count_texts, count_tokens

#: The language mix is shown for columns whose values are at least this long on average.
TEXT_MEAN_CHARS = 20.0
#: ... and whose sample is at least this share words (not ids, numbers or code).
TEXT_SHARE = 0.5


def attach(summary: ColumnSummary, fields: dict[str, Any]) -> ColumnSummary:
    """``summary`` with the text fields set (``tokenizer``, ``language``, ``chat``)."""
    for name, value in fields.items():
        setattr(summary, name, value)
    return summary


class RecordedLengths(_Lengths):
    """A length histogram that also keeps the lengths of its last update (not state).

    The string accumulator updates its character and token histograms with one length per
    non-null value, in order; keeping them lets the chat accumulator reuse them per turn.
    """

    def __init__(self) -> None:
        super().__init__()
        self.last: I64 | None = None

    def update(self, lengths: npt.NDArray[np.integer[Any]]) -> None:
        self.last = lengths.astype(np.int64, copy=False)
        super().update(lengths)

    @classmethod
    def of(cls, lengths: _Lengths) -> RecordedLengths:
        out = cls()
        out.counts = lengths.counts
        return out

    def __getstate__(self) -> dict[str, Any]:
        return {"counts": self.counts, "last": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)


def _mean(lengths: _Lengths) -> float:
    n = sum(lengths.counts.values())
    return sum(v * c for v, c in lengths.counts.items()) / n if n else 0.0


class TextAccumulator(StringAccumulator):
    """Strings with tokenizer counts and/or languages (registered as kind ``text``)."""

    kind = "text"  # the sidecar's key; the card shows kind "string"

    def __init__(self, type_name: str, options: TextOptions) -> None:
        super().__init__(type_name)
        self.length: RecordedLengths = RecordedLengths()
        self.tokens: RecordedLengths = RecordedLengths()
        self.options = options
        self.model_tokens: _Lengths | None = _Lengths() if options.tokenizer else None
        self.languages = LanguageSample(options.language_sample) if options.language else None
        #: characters and tokens (the tokenizer's, else whitespace) of the last update's
        #: non-null values, in order: the chat accumulator reuses them for each turn
        self.last: tuple[I64, I64] | None = None

    def _update(self, arr: pa.Array) -> U64:
        self.length.last = self.tokens.last = self.last = None
        hashes = super()._update(arr)
        chars, tokens = self.length.last, self.tokens.last
        if self.model_tokens is None and self.languages is None:
            if chars is not None and tokens is not None:
                self.last = (chars, tokens)
            return hashes
        v = StringValues(arr)
        if len(v) == 0:
            return hashes
        valid = hashes[valid_mask(arr)] if arr.null_count else hashes
        if self.model_tokens is not None:
            tokens = self._model_tokens(v, valid)
            self.model_tokens.update(tokens)
        if chars is not None and tokens is not None:
            self.last = (chars, tokens)
        if self.languages is not None:
            lengths = chars if chars is not None and len(chars) == len(v) else v.char_lengths()
            eligible = np.flatnonzero(lengths >= MIN_CHARS)
            self.languages.offer(
                valid[eligible], lambda positions: v.texts(eligible[positions], MAX_CHARS)
            )
        return hashes

    def _model_tokens(self, v: StringValues, hashes: U64) -> I64:
        """The tokenizer's counts per value; values repeated a lot are tokenized once each
        (distinct by 64-bit value hash: labels, templates, roles)."""
        spec = self.options.tokenizer
        assert spec is not None
        if v.index is not None:  # dictionary-encoded: once per entry already
            return count_tokens(v, spec)
        _, first, inverse = np.unique(hashes, return_index=True, return_inverse=True)
        if 2 * len(first) > len(hashes):  # mostly distinct (prose): all of them
            return count_tokens(v, spec)
        counts: I64 = count_texts(v.texts(first.astype(np.int64)), spec)[inverse]
        return counts

    def merge(self, other: ColumnAccumulator) -> None:
        assert isinstance(other, TextAccumulator)
        if other.options != self.options:
            raise TypeError(
                f"cannot merge text measured with {other.options.tokenizer_label} "
                f"into text measured with {self.options.tokenizer_label} (other text options)"
            )
        super().merge(other)
        if self.model_tokens is not None and other.model_tokens is not None:
            self.model_tokens.merge(other.model_tokens)
        if self.languages is not None and other.languages is not None:
            self.languages.merge(other.languages)

    def __getstate__(self) -> dict[str, Any]:
        return self.__dict__ | {"last": None}  # per-batch scratch, not state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def reads_as_text(self) -> bool:
        """Long enough on average, and mostly words: a column of natural-language text."""
        if self.languages is None or _mean(self.length) < TEXT_MEAN_CHARS:
            return False
        return self.languages.text_share() >= TEXT_SHARE

    def extras(self) -> dict[str, Any]:
        """The summary fields this accumulator adds (``tokenizer``, ``language``)."""
        out: dict[str, Any] = {"tokenizer": self.options.tokenizer_label}
        if self.languages is not None and self.reads_as_text():
            out["language"] = self.languages.summary()
        return out

    def summary(self) -> ColumnSummary:
        s = super().summary()
        s.kind = StringAccumulator.kind
        if self.model_tokens is not None:
            s.tokens = self.model_tokens.summary()
        return attach(s, self.extras())

    def to_dict(self) -> dict[str, Any]:
        return super().to_dict() | {
            "options": self.options.to_dict(),
            "model_tokens": self.model_tokens.to_dict() if self.model_tokens else None,
            "languages": self.languages.to_dict() if self.languages else None,
        }

    def _load(self, data: dict[str, Any]) -> None:
        super()._load(data)
        self.length, self.tokens = RecordedLengths.of(self.length), RecordedLengths.of(self.tokens)
        self.options = TextOptions.from_dict(data["options"])
        tokens, languages = data["model_tokens"], data["languages"]
        self.model_tokens = _Lengths.from_dict(tokens) if tokens is not None else None
        self.languages = LanguageSample.from_dict(languages) if languages is not None else None
        self.last = None
