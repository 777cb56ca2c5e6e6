"""Exact-match keys: per-row hashes of normalised text and of whole rows, vectorised.

Text is compared after :func:`datacard.leakage.normalize.normalize_text` (NFKC, lower-cased,
whitespace collapsed, punctuation stripped at the ends); :func:`text_hashes` hashes exactly that
without building the normalised strings.

>>> import pyarrow as pa
>>> h = text_hashes(pa.array(["  Hello,   WORLD!! ", "hello, world", "hello world", None]))
>>> bool(h[0] == h[1]), bool(h[1] == h[2]), bool(h[3] == NULL_HASH)
(True, False, True)
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from datacard.arrays import int64_array, string_bytes, valid_mask
from datacard.hashing import NULL_HASH, add_column_hash, hash_array, mix64
from datacard.media.types import is_media

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

__all__ = ["NULL_HASH", "bytes_hashes", "row_hashes", "text_hashes"]

#: ASCII characters trimmed from the ends of a text (everything but letters and digits).
_ASCII_EDGE = "".join(chr(c) for c in range(128) if not chr(c).isalnum())


def text_hashes(texts: pa.Array) -> U64:
    """One hash per row of the normalised text (nulls hash to ``NULL_HASH``).

    ASCII texts go through pyarrow's ASCII kernels (lower, trim); only texts with doubled or
    unusual whitespace, or with non-ASCII characters, take the slower regular-expression path.
    """
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    if pa.types.is_dictionary(texts.type):
        texts = texts.dictionary_decode()
    if not (pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type)):
        texts = texts.cast(pa.large_string())
    n = len(texts)
    out = np.empty(n, np.uint64)
    if n == 0:
        return out
    valid = valid_mask(texts)
    filled = pc.if_else(pc.is_valid(texts), texts, "") if texts.null_count else texts
    offsets, data = string_bytes(filled)
    if not len(data) or int(data.max()) < 0x80:
        out[:] = _ascii_hashes(filled)
    else:
        lengths = np.diff(offsets)
        nonempty = lengths > 0
        high = np.zeros(n, bool)
        high[nonempty] = np.maximum.reduceat(data, offsets[:-1][nonempty]) >= 0x80
        asc = np.flatnonzero(~high)
        uni = np.flatnonzero(high)
        if len(asc):
            out[asc] = _ascii_hashes(filled.take(int64_array(asc)))
        out[uni] = bytes_hashes(*string_bytes(_unicode_normalised(filled.take(int64_array(uni)))))
    out[~valid] = NULL_HASH
    return out


def _ascii_hashes(texts: pa.Array) -> U64:
    """Hashes of normalised ASCII texts."""
    trimmed = pc.ascii_trim(pc.ascii_lower(texts), characters=_ASCII_EDGE)
    offsets, data = string_bytes(trimmed)
    # whitespace other than single spaces needs collapsing (rare): find those texts
    space = data == 32
    odd = (data - np.uint8(9)) < np.uint8(5)
    odd[1:] |= space[1:] & space[:-1]
    out = bytes_hashes(offsets, data)
    if odd.any():
        bad = np.unique(np.searchsorted(offsets, np.flatnonzero(odd), side="right") - 1)
        fixed = pc.replace_substring_regex(trimmed.take(int64_array(bad)), r"\s+", " ")
        out[bad] = bytes_hashes(*string_bytes(fixed))
    return out


def bytes_hashes(offsets: I64, data: npt.NDArray[np.uint8]) -> U64:
    """A 64-bit hash of each byte string ``data[offsets[i]:offsets[i + 1]]``.

    Strings of :data:`LONG_BYTES` or more are hashed by SHA-1 (OpenSSL, ~1 GB/s, one call per
    string); shorter ones in one vectorised pass: every 8-byte word is mixed with its position
    and length and the words of a string are added up (``np.add.reduceat``). The choice depends
    only on the string's own length, so a string hashes alike in every batch.

    >>> o, d = np.array([0, 3, 6, 9]), np.frombuffer(b"abcabcabd", np.uint8)
    >>> h = bytes_hashes(o, d)
    >>> bool(h[0] == h[1]), bool(h[0] == h[2])
    (True, False)
    """
    lengths = np.diff(offsets)
    long = np.flatnonzero(lengths >= LONG_BYTES)
    words_per = (np.where(lengths >= LONG_BYTES, 0, lengths) + 7) // 8
    total_words = int(words_per.sum())
    padded = np.zeros(len(data) + 8, np.uint8)
    padded[: len(data)] = data
    view = np.ndarray(shape=(len(data) + 1,), dtype=np.uint64, buffer=padded, strides=(1,))
    first = np.cumsum(words_per) - words_per  # index of each string's first word
    # word j of the flat list starts at byte 8 * j + shift of its string
    shift = np.repeat(offsets[:-1] - 8 * first, words_per)
    k = np.arange(total_words, dtype=np.int64)
    start = k * 8
    start += shift
    word = view[start]
    nonempty = words_per > 0
    last = (first + words_per - 1)[nonempty]
    word[last] &= _MASKS[lengths[nonempty] - 8 * (words_per[nonempty] - 1)]
    long_hashes = _long_hashes(offsets, data, long)
    # position salt: the word's index within its string
    k -= np.repeat(first, words_per)
    salted = k.view(np.uint64)
    salted *= _GOLD
    word ^= salted
    # one multiply and shift per word (the sum is finalised with mix64 below)
    word *= _ODD
    word ^= word >> np.uint64(29)
    mixed = word
    total = np.zeros(len(lengths), np.uint64)
    if nonempty.any():
        total[nonempty] = np.add.reduceat(mixed, first[nonempty])
    out = mix64(total ^ (lengths.astype(np.uint64) * _GOLD))
    out[long] = long_hashes
    return out


def _long_hashes(offsets: I64, data: npt.NDArray[np.uint8], which: I64) -> U64:
    """SHA-1 (first 8 bytes) of the strings ``which``; hashlib releases the GIL on big inputs."""
    out = np.empty(len(which), np.uint64)
    view = np.ascontiguousarray(data).data
    sha1 = hashlib.sha1
    starts, ends = offsets[which].tolist(), offsets[which + 1].tolist()
    for i, (start, end) in enumerate(zip(starts, ends)):
        out[i] = int.from_bytes(sha1(view[start:end]).digest()[:8], "little")
    return out


#: Strings at least this long are hashed one call each (cheaper than the vectorised pass).
LONG_BYTES = 128
_MASKS = np.array([0] + [(1 << (8 * k)) - 1 for k in range(1, 8)] + [(1 << 64) - 1], np.uint64)
_GOLD = np.uint64(0x9E3779B97F4A7C15)
_ODD = np.uint64(0xBF58476D1CE4E5B9)


def _unicode_normalised(texts: pa.Array) -> pa.Array:
    """NFKC, lower-cased (``ß`` as ``ss``), whitespace collapsed, non-alphanumerics trimmed."""
    folded = pc.utf8_lower(pc.utf8_normalize(texts, "NFKC"))
    folded = pc.replace_substring(folded, "ß", "ss")
    folded = pc.replace_substring_regex(folded, r"\s+", " ")
    return pc.replace_substring_regex(folded, r"^[^\pL\pN]+|[^\pL\pN]+$", "")


def row_hashes(batch: pa.RecordBatch, columns: Sequence[str], n: int | None = None) -> U64:
    """Per-row hash of ``columns`` (text normalised, other values as they are).

    >>> b = pa.record_batch({"q": ["Hi!", "hi"], "n": [1, 1]})
    >>> h = row_hashes(b, ["q", "n"])
    >>> bool(h[0] == h[1])
    True
    """
    rows = batch.num_rows if n is None else n
    out = np.zeros(rows, np.uint64)
    for name in columns:
        out_col = column_hashes(batch.column(name))
        add_column_hash(out, out_col, name)
    return out


def column_hashes(arr: pa.Array) -> U64:
    """Hashes of one column: normalised text for strings, values otherwise; an image or audio
    column by its files' sha256 (the same content is the same example)."""
    t = arr.type
    if is_media(t):
        return hash_array(arr.storage.field("sha256"))
    if pa.types.is_dictionary(t) and len(arr.dictionary) > len(arr):
        arr = arr.dictionary_decode()  # a slice of a big dictionary: hash what it uses
        t = arr.type
    if pa.types.is_dictionary(t):
        if pa.types.is_string(t.value_type) or pa.types.is_large_string(t.value_type):
            per_value = text_hashes(arr.dictionary)
            idx = arr.indices.cast(pa.int64())
            hashes = per_value[np.asarray(string_free_indices(idx), np.intp)]
            hashes[~valid_mask(arr)] = NULL_HASH
            return hashes
        arr = arr.dictionary_decode()
        t = arr.type
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return text_hashes(arr)
    if pa.types.is_nested(t):
        # lists, structs, maps: hash a canonical text form (rare as keys)
        return hash_array(pc.cast(arr, pa.large_string()) if _castable(arr) else _as_text(arr))
    return hash_array(arr)


def string_free_indices(idx: pa.Array) -> npt.NDArray[np.int64]:
    """Dictionary indices as numpy (nulls read as 0)."""
    from datacard.arrays import values

    vals = values(idx).astype(np.int64)
    if idx.null_count:
        vals[~valid_mask(idx)] = 0
    return vals


def _castable(arr: pa.Array) -> bool:
    try:
        pc.cast(arr.slice(0, 0), pa.large_string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        return False
    return True


def _as_text(arr: pa.Array) -> pa.Array:
    """Nested values as their Python repr (slow, but only for nested key columns)."""
    return pa.array([repr(v) for v in arr.to_pylist()], pa.large_string())
