"""Benchmark items as hashes: exact keys and every n-gram of each item, with its position.

>>> import pyarrow as pa
>>> items = hash_items(pa.array(["one two three four", "hi", None]), ns=(3,))
>>> items.words.tolist(), items.exact.tolist()[2] == int(EMPTY_KEY)
([4, 1, 0], True)
>>> items.grams[3].items.tolist(), items.grams[3].starts.tolist()
([0, 0], [0, 1])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from datacard.leakage.ngrams import (
    EMPTY_KEY,
    exact_keys,
    nfkc,
    ngram_positions,
    normalized,
    tokens,
)

__all__ = ["EMPTY_KEY", "ItemGrams", "ItemHashes", "hash_items"]

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class ItemGrams:
    """Every n-gram of the items: its item, hash, and first word (index into all words)."""

    n: int
    items: I64
    hashes: U64
    starts: I64


@dataclass(frozen=True)
class ItemHashes:
    """Per item: exact key, word offsets; per ``n``: the items' n-grams."""

    exact: U64
    offsets: I64
    grams: dict[int, ItemGrams]
    normalized: pa.Array

    @property
    def words(self) -> I64:
        """Words per item."""
        return np.diff(self.offsets)

    def __len__(self) -> int:
        return len(self.exact)


def hash_items(texts: pa.Array, ns: tuple[int, ...]) -> ItemHashes:
    """Canonicalise and hash benchmark texts (see :mod:`datacard.leakage.ngrams`)."""
    composed = nfkc(texts)
    norm = normalized(composed, composed=True)
    offsets, words = tokens(composed)
    grams = {n: ItemGrams(n, *ngram_positions(offsets, words, n)) for n in ns}
    return ItemHashes(exact=exact_keys(norm), offsets=offsets, grams=grams, normalized=norm)
