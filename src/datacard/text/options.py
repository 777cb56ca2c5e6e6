"""What the text add-ons should measure: handed from ``profile()`` down to every worker.

>>> TextOptions.from_dict(TextOptions(language=True).to_dict())
TextOptions(tokenizer=None, language=True, language_sample=1000)
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from datacard.text.language import SAMPLE_SIZE
from datacard.text.tokenizer import WHITESPACE_LABEL, TokenizerSpec, resolve_tokenizer


@dataclass(frozen=True)
class TextOptions:
    """A tokenizer to count tokens with (None: whitespace), and whether to identify languages."""

    tokenizer: TokenizerSpec | None = None
    language: bool = False
    language_sample: int = SAMPLE_SIZE

    @classmethod
    def of(
        cls, tokenizer: str | os.PathLike[str] | None = None, language: bool = False
    ) -> TextOptions:
        """Options from user input: the tokenizer file is checked here (UsageError if bad)."""
        spec = resolve_tokenizer(tokenizer) if tokenizer is not None else None
        return cls(tokenizer=spec, language=language)

    @property
    def active(self) -> bool:
        """Whether string columns need more than the built-in string accumulator."""
        return self.tokenizer is not None or self.language

    @property
    def tokenizer_label(self) -> str:
        return self.tokenizer.label if self.tokenizer is not None else WHITESPACE_LABEL

    def to_dict(self) -> dict[str, Any]:
        return {
            "tokenizer": self.tokenizer.to_dict() if self.tokenizer is not None else None,
            "language": self.language,
            "language_sample": self.language_sample,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TextOptions:
        raw = data.get("tokenizer")
        return cls(
            tokenizer=TokenizerSpec.from_dict(raw) if raw is not None else None,
            language=bool(data.get("language", False)),
            language_sample=int(data.get("language_sample", SAMPLE_SIZE)),
        )


_CURRENT: list[TextOptions] = [TextOptions()]


def current() -> TextOptions:
    """The options of the profile being run (worker processes inherit them when forked)."""
    return _CURRENT[-1]


@contextmanager
def use(options: TextOptions | None) -> Iterator[TextOptions]:
    """Make ``options`` :func:`current` for the duration (``None``: the defaults).

    >>> with use(TextOptions(language=True)):
    ...     current().language
    True
    >>> current().language
    False
    """
    _CURRENT.append(options or TextOptions())
    try:
        yield _CURRENT[-1]
    finally:
        _CURRENT.pop()
