"""The non-null values of an Arrow string column as Python text, read from Arrow buffers.

pyarrow's ``to_pylist`` imports pandas on first use (see ``arrays.py``); tokenizers and the
language detector need ``str`` objects, so they are decoded here from the raw UTF-8 bytes.
A dictionary-encoded column is decoded once per dictionary entry.

>>> import pyarrow as pa
>>> v = StringValues(pa.array(["a b", None, "ccc"]))
>>> len(v), v.texts(), v.char_lengths().tolist(), whitespace_tokens(v).tolist()
(2, ['a b', 'ccc'], [3, 3], [2, 1])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from datacard.arrays import string_bytes, values
from datacard.columns import token_counts

I64 = npt.NDArray[np.int64]


class StringValues:
    """The non-null values of a (large, view or dictionary-encoded) string array.

    Values live in ``entries`` (the dictionary, or the non-null strings themselves); ``index``
    maps each non-null value to its entry (None: value ``i`` is entry ``i``).
    """

    def __init__(self, arr: pa.Array) -> None:
        if pa.types.is_dictionary(arr.type) and len(arr.dictionary) > len(arr):
            arr = arr.dictionary_decode()  # a slice of a big dictionary: use what it uses
        self.index: I64 | None = None
        if pa.types.is_dictionary(arr.type):
            indices = arr.indices.drop_null() if arr.null_count else arr.indices
            self.index = values(indices).astype(np.int64)
            entries = arr.dictionary
            if entries.null_count:
                entries = pc.if_else(entries.is_null(), pa.scalar("", entries.type), entries)
        else:
            entries = arr.drop_null() if arr.null_count else arr
        if pa.types.is_string_view(entries.type):
            entries = entries.cast(pa.large_string())
        self.entries: pa.Array = entries
        self._bytes: tuple[I64, npt.NDArray[np.uint8]] | None = None

    def __len__(self) -> int:
        return len(self.entries) if self.index is None else len(self.index)

    def per_value(self, per_entry: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """Spread one number per entry to one per value."""
        return per_entry if self.index is None else per_entry[self.index]

    def char_lengths(self) -> I64:
        """Length of each value in characters (code points)."""
        return self.per_value(values(pc.utf8_length(self.entries)).astype(np.int64))

    def entry_texts(self, entries: I64 | None = None, max_chars: int | None = None) -> list[str]:
        """The text of the given entries (all by default), cut to ``max_chars`` characters."""
        if self._bytes is None:
            self._bytes = string_bytes(self.entries)
        offsets, data = self._bytes
        starts = offsets[:-1] if entries is None else offsets[entries]
        ends = offsets[1:] if entries is None else offsets[entries + 1]
        if max_chars is not None:  # a character is at most 4 bytes
            ends = np.minimum(ends, starts + 4 * max_chars)
        pairs = zip(starts.tolist(), ends.tolist())
        if entries is None:  # all values: one copy of the bytes
            raw = data.tobytes()
            texts = [raw[a:b].decode("utf-8", "ignore") for a, b in pairs]
        else:  # a few: only theirs
            texts = [data[a:b].tobytes().decode("utf-8", "ignore") for a, b in pairs]
        return texts if max_chars is None else [t[:max_chars] for t in texts]

    def texts(self, positions: I64 | None = None, max_chars: int | None = None) -> list[str]:
        """The text of the values at ``positions`` (all by default)."""
        if self.index is None:
            return self.entry_texts(positions, max_chars)
        entries = self.index if positions is None else self.index[positions]
        return self.entry_texts(entries, max_chars)


def whitespace_tokens(v: StringValues) -> I64:
    """Whitespace-separated tokens per value, as ``len(str.split())`` counts them (the
    built-in string column's count, :func:`datacard.columns.token_counts`)."""
    return v.per_value(token_counts(v.entries))
