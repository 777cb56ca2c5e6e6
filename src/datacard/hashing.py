"""Vectorised 64-bit hashes of Arrow arrays (numpy, no per-row Python).

The same value always hashes the same, in any process and on any machine, so hashes from
different partitions can be merged (distinct counts, duplicate rows, frequent items).

>>> import pyarrow as pa
>>> a = hash_array(pa.array(["x", "y", "x", None]))
>>> bool(a[0] == a[2]) and bool(a[0] != a[1]) and bool(a[3] == NULL_HASH)
True
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from datacard.arrays import string_bytes, valid_mask, values

U64 = npt.NDArray[np.uint64]

NULL_HASH = np.uint64(0x6E756C6C6E756C6C)  # what a null hashes to
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_PRIME = np.uint64(0x100000001B3)
_MASKS = np.array([0] + [(1 << (8 * k)) - 1 for k in range(1, 8)] + [(1 << 64) - 1], np.uint64)


def mix64(z: U64) -> U64:
    """The splitmix64 finaliser: a bijection that spreads every input bit over the output."""
    z = z ^ (z >> np.uint64(30))
    z *= _M1
    z ^= z >> np.uint64(27)
    z *= _M2
    z ^= z >> np.uint64(31)
    return z


@functools.cache
def salt(name: str) -> np.uint64:
    """A stable 64-bit salt for a column name (used to combine column hashes into row hashes)."""
    raw = name.encode("utf-8")
    return np.uint64(int(hash_bytes_buffer(raw)))


def add_column_hash(row_hashes: U64, column_hashes: U64, name: str) -> None:
    """Fold one column's value hashes into row hashes, in place.

    The fold is a sum, so columns can be hashed in any order or in different processes and
    added up later; the per-column salt and odd multiplier make the same values in two columns
    count differently.
    """
    key = salt(name)
    column_hashes = column_hashes ^ key
    column_hashes *= key | np.uint64(1)
    row_hashes += column_hashes


def hash_bytes_buffer(raw: bytes) -> int:
    """Hash one bytes value exactly as :func:`hash_array` hashes it inside a string array."""
    offsets = np.array([0, len(raw)], np.int32)
    one = pa.Array.from_buffers(pa.binary(), 1, [None, pa.py_buffer(offsets), pa.py_buffer(raw)])
    return int(_hash_binary(one)[0])


def hash_numbers(values: npt.NDArray[np.generic]) -> U64:
    """Hash a numeric numpy array by value (-0.0 == 0.0; every NaN alike)."""
    if values.dtype.kind == "f":
        as64 = values.astype(np.float64, copy=True)
        as64 += 0.0  # -0.0 -> 0.0
        as64[np.isnan(as64)] = np.nan
        bits = as64.view(np.uint64)
    elif values.dtype.kind == "b":
        bits = values.astype(np.uint64)
    else:
        bits = values.astype(np.int64, copy=False).view(np.uint64)
    return mix64(bits ^ _GOLDEN)


def _hash_binary(arr: pa.Array) -> U64:
    """Hash the bytes of a (large) string or binary array, 8 bytes per step."""
    offsets, data = string_bytes(arr)
    starts = offsets[:-1] - offsets[0]
    lengths = np.diff(offsets)
    padded = np.zeros(len(data) + 8, np.uint8)
    padded[: len(data)] = data
    # An unaligned view: words[i] is the 8 bytes starting at byte i.
    words = np.ndarray(shape=(len(data) + 1,), dtype=np.uint64, buffer=padded, strides=(1,))
    h = lengths.astype(np.uint64) * _GOLDEN + _PRIME
    h = mix64(h ^ (words[starts] & _MASKS[np.minimum(lengths, 8)]))
    shortest = int(lengths.min()) if len(lengths) else 0
    longest = int(lengths.max()) if len(lengths) else 0
    active = np.arange(len(lengths))
    for j in range(8, longest, 8):
        if shortest > j:  # every string has bytes left: no subsetting
            word = words[starts + j]
            if shortest < j + 8:
                word &= _MASKS[np.minimum(lengths - j, 8)]
            h ^= word
            h *= _PRIME
            continue
        active = active[lengths[active] > j]
        word = words[starts[active] + j] & _MASKS[np.minimum(lengths[active] - j, 8)]
        h[active] = (h[active] ^ word) * _PRIME
    return mix64(h)


def hash_array(arr: pa.Array) -> U64:
    """Per-row hashes of a flat Arrow array (numbers, strings, binary, booleans, temporals).

    Nulls hash to :data:`NULL_HASH`. Dictionary arrays hash their dictionary once.
    """
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    t = arr.type
    if pa.types.is_dictionary(t):
        per_value = hash_array(arr.dictionary)
        idx = _integers(arr.indices).astype(np.intp)
        out = per_value[idx] if len(per_value) else np.zeros(len(arr), np.uint64)
    elif _is_flat_binary(t):
        out = _hash_binary(arr)
    elif pa.types.is_string_view(t) or pa.types.is_binary_view(t):
        out = _hash_binary(arr.cast(pa.large_binary()))
    elif pa.types.is_null(t):
        return np.full(len(arr), NULL_HASH, np.uint64)
    elif pa.types.is_boolean(t):
        out = hash_numbers(values(arr))
    elif pa.types.is_fixed_size_binary(t):
        out = _hash_binary(arr.cast(pa.binary()))
    elif pa.types.is_decimal(t):
        out = hash_numbers(_integers(arr.cast(pa.float64())))
    else:
        out = hash_numbers(_integers(_numeric_storage(arr)))
    if arr.null_count:
        out[~valid_mask(arr)] = NULL_HASH
    return out


def _is_flat_binary(t: pa.DataType) -> bool:
    return bool(
        pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or pa.types.is_binary(t)
        or pa.types.is_large_binary(t)
    )


def _integers(arr: pa.Array) -> npt.NDArray[np.generic]:
    """Fixed-width numbers as numpy, zero-copy (values under nulls are arbitrary)."""
    return values(arr)


def _numeric_storage(arr: pa.Array) -> pa.Array:
    """Numbers as themselves; dates, times, timestamps and durations as their integer storage."""
    t = arr.type
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        if pa.types.is_float16(t):
            return pc.cast(arr, pa.float32())
        return arr
    width = t.bit_width
    return arr.view(pa.int64() if width == 64 else pa.int32())
