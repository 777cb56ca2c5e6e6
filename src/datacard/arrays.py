"""Zero-copy views of Arrow arrays as numpy (validity masks, string bytes).

>>> import pyarrow as pa
>>> valid_mask(pa.array([1, None, 3])).tolist()
[True, False, True]
>>> offsets, data = string_bytes(pa.array(["ab", "c"]))
>>> offsets.tolist(), bytes(data)
([0, 2, 3], b'abc')
>>> values(pa.array([1.5, 2.5])).tolist(), int64_array(np.array([7])).to_pylist()
([1.5, 2.5], [7])

These read Arrow buffers directly. pyarrow's own conversions (``np.asarray(array)``,
``to_numpy``, ``pa.array``, Python scalars) import pandas on first use (~0.4 s) just to look
for pandas types; the profiling path never needs it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa


def valid_mask(arr: pa.Array) -> npt.NDArray[np.bool_]:
    """True where ``arr`` has a value (unpacks the validity bitmap; no pyarrow kernel)."""
    if arr.null_count == 0:
        return np.ones(len(arr), bool)
    if pa.types.is_null(arr.type):
        return np.zeros(len(arr), bool)
    bitmap = arr.buffers()[0]
    if bitmap is None:  # e.g. unions: nulls without a top-level bitmap
        return values(arr.is_valid())
    bits = np.unpackbits(np.frombuffer(bitmap, np.uint8), bitorder="little")
    return bits[arr.offset : arr.offset + len(arr)].astype(bool)


def values(arr: pa.Array) -> npt.NDArray[Any]:
    """The values of a fixed-width numeric (or boolean) array as numpy, zero-copy for numbers.

    Values under nulls are arbitrary: callers mask them with :func:`valid_mask`.
    """
    if pa.types.is_boolean(arr.type):
        bits = np.unpackbits(np.frombuffer(arr.buffers()[1], np.uint8), bitorder="little")
        return bits[arr.offset : arr.offset + len(arr)].astype(bool)
    dtype = np.dtype(arr.type.to_pandas_dtype())
    raw = arr.buffers()[1]
    if raw is None:
        return np.zeros(len(arr), dtype)
    return np.frombuffer(raw, dtype=dtype)[arr.offset : arr.offset + len(arr)]


def int64_array(data: npt.NDArray[np.integer[Any]]) -> pa.Array:
    """A pyarrow int64 array over numpy integers (for ``take`` indices)."""
    data = np.ascontiguousarray(data, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(data), [None, pa.py_buffer(data)])


def string_bytes(arr: pa.Array) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint8]]:
    """Offsets (int64, into the returned bytes) and bytes of a (large) string/binary array."""
    large = pa.types.is_large_string(arr.type) or pa.types.is_large_binary(arr.type)
    buffers = arr.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int64 if large else np.int32)
    offsets = offsets[arr.offset : arr.offset + len(arr) + 1].astype(np.int64)
    raw = buffers[2]
    data = np.frombuffer(raw, dtype=np.uint8) if raw is not None else np.zeros(0, np.uint8)
    return offsets - offsets[0], data[offsets[0] : offsets[-1]]
