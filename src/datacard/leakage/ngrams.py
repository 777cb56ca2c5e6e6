"""Vectorised text canonicalisation and n-gram hashing over Arrow string arrays.

Every step is an Arrow compute kernel or a numpy operation over the whole array: there is no
Python loop per row, word or n-gram. The same functions run on benchmark items and on training
rows, so both sides are canonicalised identically.

- :func:`normalized` is :func:`datacard.leakage.normalize.normalize_text` done by Arrow kernels
  (NFKC, case-folded, whitespace collapsed, punctuation stripped at the ends); unlike Python's
  ``\\w`` it keeps combining marks, so Devanagari or Thai words are not cut at vowel signs.
- :func:`tokens` splits NFKC text into folded words: every number (``12``, ``3.5``,
  ``12,500``) and every capitalised word after a lower-case word (a name, mid-sentence) becomes
  the placeholder ``0``, and each Han, kana, Thai, Lao, Khmer or Myanmar character is a
  word of its own (those scripts do not separate words by spaces).
- :func:`ngram_hashes` folds ``n`` consecutive word hashes into one 64-bit hash per n-gram,
  leaving out n-grams that are more than half placeholders (tables of numbers would all match).

>>> import pyarrow as pa
>>> text = pa.array(["  Tom has 12,500 apples!  "])
>>> normalized(text).to_pylist()
['tom has 12,500 apples']
>>> offsets, words = tokens(nfkc(pa.array(["Tom gave Ann 3 ripe pears"])))
>>> offsets.tolist(), int((words == PLACEHOLDER).sum())  # Ann and 3 (Tom starts the text)
([0, 6], 2)
>>> rows, grams = ngram_hashes(offsets, words, 3)  # not "gave 0 0", "0 0 ripe"
>>> rows.tolist(), grams.dtype.name
([0, 0], 'uint64')
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from datacard.arrays import string_bytes, valid_mask
from datacard.hashing import hash_array, hash_bytes_buffer, mix64

__all__ = [
    "PLACEHOLDER",
    "exact_keys",
    "nfkc",
    "ngram_hashes",
    "ngram_positions",
    "normalized",
    "tokens",
]

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

_SPACE = r"[\s\p{Z}\x{0B}\x{85}]+"
_EDGES = r"^[^\pL\pN\pM]+|[^\pL\pN\pM]+$"
_NUMBER = r"\pN+(?:[.,]\pN+)*"
_NAME = r"([\p{Ll}\pN][\pM]*[,;:]?\s+)\p{Lu}\p{Ll}[\p{Ll}\pM]*"
_UNSPACED = r"(\p{Han}|\p{Hiragana}|\p{Katakana}|\p{Thai}|\p{Lao}|\p{Khmer}|\p{Myanmar})"
_NOT_WORD = r"[^\pL\pN\pM_]+"
_PRIME = np.uint64(0x100000001B3)
#: The placeholder word's hash (numbers and names).
PLACEHOLDER = np.uint64(hash_bytes_buffer(b"0"))
#: What an empty text hashes to as an exact key (never matched).
EMPTY_KEY = np.uint64(hash_bytes_buffer(b""))


def nfkc(arr: pa.Array) -> pa.Array:
    """Unicode NFKC of a string array (other types are cast to text first)."""
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.large_string())
    return pc.utf8_normalize(arr, form="NFKC")


def _fold(arr: pa.Array) -> pa.Array:
    out = pc.utf8_lower(arr)
    # The case folds that lower-casing misses (str.casefold does these).
    out = pc.replace_substring(out, pattern="ß", replacement="ss")
    return pc.replace_substring(out, pattern="ς", replacement="σ")


def normalized(arr: pa.Array, *, composed: bool = False) -> pa.Array:
    """NFKC, case-folded, whitespace collapsed, punctuation stripped at both ends (nulls stay).

    Pass ``composed=True`` when ``arr`` is already the output of :func:`nfkc`.
    """
    out = _fold(arr if composed else nfkc(arr))
    out = pc.replace_substring_regex(out, pattern=_SPACE, replacement=" ")
    return pc.replace_substring_regex(out, pattern=_EDGES, replacement="")


def exact_keys(norm: pa.Array) -> U64:
    """One 64-bit hash per normalised text; empty texts and nulls get :data:`EMPTY_KEY`."""
    keys = hash_array(norm)
    offsets, _ = string_bytes(norm)
    empty = (np.diff(offsets) == 0) | ~valid_mask(norm)
    keys[empty] = EMPTY_KEY
    return keys


def tokens(composed: pa.Array) -> tuple[I64, U64]:
    """``(offsets, word hashes)``: the words of row ``i`` are ``hashes[offsets[i]:offsets[i+1]]``.

    ``composed`` is NFKC text (:func:`nfkc`), not yet case-folded: a capitalised word after a
    lower-case word or a number (a name, mid-sentence) and every number become the placeholder
    ``0``; unspaced scripts are split per character.
    """
    text = pc.replace_substring_regex(composed, pattern=_NAME, replacement=r"\1 0")
    text = pc.replace_substring_regex(_fold(text), pattern=_NUMBER, replacement="0")
    text = pc.replace_substring_regex(text, pattern=_UNSPACED, replacement=r" \1 ")
    text = pc.replace_substring_regex(text, pattern=_NOT_WORD, replacement=" ")
    lists = pc.split_pattern(text, pattern=" ")
    rows = len(composed)
    list_offsets = _list_offsets(lists)
    flat = lists.values
    if len(flat) == 0:
        return np.zeros(rows + 1, np.int64), np.zeros(0, np.uint64)
    word_offsets, _ = string_bytes(flat)
    row_of_word = np.repeat(np.arange(rows), np.diff(list_offsets))
    keep = np.diff(word_offsets) > 0
    if lists.null_count:
        keep &= valid_mask(lists)[row_of_word]
    hashes = hash_array(flat)[keep]
    counts = np.bincount(row_of_word[keep], minlength=rows)
    offsets = np.zeros(rows + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    return offsets, hashes


def _list_offsets(lists: pa.Array) -> I64:
    raw = np.frombuffer(lists.buffers()[1], dtype=np.int32)
    return raw[lists.offset : lists.offset + len(lists) + 1].astype(np.int64) - int(
        raw[lists.offset]
    )


def ngram_hashes(offsets: I64, words: U64, n: int) -> tuple[I64, U64]:
    """``(row, hash)`` of every n-gram of ``n`` consecutive words within a row (see
    :func:`ngram_positions`, which also returns where each n-gram starts).

    Rows shorter than ``n`` words have none.
    """
    rows, hashes, _ = ngram_positions(offsets, words, n)
    return rows, hashes


def ngram_positions(offsets: I64, words: U64, n: int) -> tuple[I64, U64, I64]:
    """``(row, hash, index of its first word)`` of every n-gram within a row.

    Rows shorter than ``n`` words have none. The hash depends on ``n`` (n-grams of different
    lengths never collide by construction), loops ``n`` times over all n-grams at once.
    """
    lengths = np.diff(offsets)
    counts = np.maximum(lengths - n + 1, 0)
    total = int(counts.sum())
    rows = np.repeat(np.arange(len(lengths), dtype=np.int64), counts)
    if total == 0:
        return rows, np.zeros(0, np.uint64), rows
    first = np.zeros(len(counts) + 1, np.int64)
    np.cumsum(counts, out=first[1:])
    starts = np.arange(total, dtype=np.int64) + np.repeat(offsets[:-1] - first[:-1], counts)
    acc = np.full(total, np.uint64(n), np.uint64)
    for k in range(n):
        acc *= _PRIME
        acc += words[starts + k]
    # Drop n-grams that are mostly placeholders (tables of numbers, lists of names).
    slots = np.zeros(len(words) + 1, np.int64)
    np.cumsum(words == PLACEHOLDER, out=slots[1:])
    specific = (slots[starts + n] - slots[starts]) * 2 <= n
    return rows[specific], mix64(acc[specific]), starts[specific]
