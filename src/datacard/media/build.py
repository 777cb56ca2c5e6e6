"""Arrow arrays from Python lists, built from buffers (``pa.array`` would import pandas).

>>> column([3, None], pa.int64()).to_pylist(), column(["é", None], pa.string()).to_pylist()
([3, None], ['é', None])
>>> column([[1, 2], None, []], pa.list_(pa.int64())).to_pylist()
[[1, 2], None, []]
>>> t = pa.struct([("a", pa.float64()), ("b", pa.bool_())])
>>> struct({"a": [1.5], "b": [True]}, t).to_pylist()
[{'a': 1.5, 'b': True}]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

_NUMPY = {
    pa.int64(): np.int64,
    pa.uint64(): np.uint64,
    pa.float64(): np.float64,
}


def _validity(values: Sequence[Any]) -> tuple[pa.Buffer | None, npt.NDArray[np.bool_]]:
    mask = np.fromiter((v is not None for v in values), bool, len(values))
    if mask.all():
        return None, mask
    return pa.py_buffer(np.packbits(mask, bitorder="little")), mask


def column(values: Sequence[Any], t: pa.DataType) -> pa.Array:
    """An array of type ``t`` over ``values`` (int64, uint64, float64, bool, string, lists)."""
    n = len(values)
    bitmap, mask = _validity(values)
    if t in _NUMPY:
        dtype = _NUMPY[t]
        data = np.zeros(n, dtype)
        if mask.any():
            data[mask] = np.array([v for v in values if v is not None], dtype=dtype)
        return pa.Array.from_buffers(t, n, [bitmap, pa.py_buffer(data)])
    if pa.types.is_boolean(t):
        bits = np.fromiter((bool(v) for v in values), bool, n)
        return pa.Array.from_buffers(
            t, n, [bitmap, pa.py_buffer(np.packbits(bits, bitorder="little"))]
        )
    if pa.types.is_string(t):
        raw = [v.encode("utf-8") if v is not None else b"" for v in values]
        offsets = np.zeros(n + 1, np.int32)
        np.cumsum([len(r) for r in raw], out=offsets[1:])
        return pa.Array.from_buffers(
            t, n, [bitmap, pa.py_buffer(offsets), pa.py_buffer(b"".join(raw))]
        )
    if pa.types.is_list(t):
        lists = [v if v is not None else [] for v in values]
        offsets = np.zeros(n + 1, np.int32)
        np.cumsum([len(v) for v in lists], out=offsets[1:])
        flat = [x for v in lists for x in v]
        child = column(flat, t.value_type)
        return pa.Array.from_buffers(t, n, [bitmap, pa.py_buffer(offsets)], children=[child])
    raise TypeError(f"cannot build a {t} column")


def struct(fields: Mapping[str, Sequence[Any]], t: pa.StructType) -> pa.StructArray:
    """A struct array of type ``t`` from one list per field (missing fields are all null)."""
    n = len(next(iter(fields.values()))) if fields else 0
    arrays = [column(fields.get(f.name, [None] * n), f.type) for f in t]
    return pa.StructArray.from_arrays(arrays, fields=list(t))


def rows_to_struct(rows: Sequence[Mapping[str, Any]], t: pa.StructType) -> pa.StructArray:
    """A struct array of type ``t`` from one dict per row (absent keys are null)."""
    return struct({f.name: [row.get(f.name) for row in rows] for f in t}, t)
