"""Column accumulators: one per column and split, fed Arrow arrays, merged, summarised.

Each accumulator's ``update(array)`` returns the per-row 64-bit hashes of the values (nulls
included), which the profile folds into row hashes for duplicate detection.

>>> import pyarrow as pa
>>> acc = accumulator_for(pa.int64())
>>> _ = acc.update(pa.array([3, 1, None, 2]))
>>> s = acc.summary(); (s.count, s.nulls, s.min, s.max, s.mean)
(3, 1, 1, 3, 2.0)
"""

from __future__ import annotations

import importlib
import itertools
import math
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from datacard.arrays import int64_array, string_bytes, valid_mask, values
from datacard.hashing import (
    NULL_HASH,
    U64,
    add_column_hash,
    hash_array,
    hash_numbers,
    mix64,
)
from datacard.logical_types import type_name
from datacard.measured import ColumnSummary, Histogram, LengthStats, Number, TopValue
from datacard.sketches import DistinctCount, FrequentItems, Moments, Quantiles

QUANTILE_RANKS = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
HISTOGRAM_BINS = 20
TOP_K = 10


def finite(x: float | int | None) -> Number | None:
    """A JSON-safe number: non-finite floats become the strings 'nan', 'inf', '-inf'."""
    if x is None or isinstance(x, int):
        return x
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return float(x)


def _rank_key(rank: float) -> str:
    return f"{rank:g}"


class ColumnAccumulator:
    """Counts shared by every kind; subclasses add what applies to them."""

    kind: ClassVar[str] = "other"

    def __init__(self, type_name: str) -> None:
        self.type = type_name
        self.count = 0
        self.nulls = 0

    def update(self, arr: pa.Array) -> U64:
        """Add one array of values; return its per-row hashes."""
        self.nulls += arr.null_count
        self.count += len(arr) - arr.null_count
        return self._update(arr)

    def _update(self, arr: pa.Array) -> U64:
        return np.full(len(arr), NULL_HASH, np.uint64)

    def merge(self, other: ColumnAccumulator) -> None:
        """Fold ``other`` (same column, other rows) into this accumulator."""
        self.count += other.count
        self.nulls += other.nulls

    def summary(self) -> ColumnSummary:
        return ColumnSummary(type=self.type, kind=self.kind, count=self.count, nulls=self.nulls)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "type": self.type, "count": self.count, "nulls": self.nulls}

    def _load(self, data: dict[str, Any]) -> None:
        self.count, self.nulls = int(data["count"]), int(data["nulls"])


class NullAccumulator(ColumnAccumulator):
    """A column with no values at all (Arrow's null type)."""

    kind = "null"


class _Lengths:
    """Exact distribution of non-negative integer lengths (characters, tokens, list items).

    Kept as a histogram with one entry per distinct length, so merges and quantiles are exact.
    """

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}

    def update(self, lengths: npt.NDArray[np.integer[Any]]) -> None:
        if len(lengths) == 0:
            return
        if int(lengths.max()) < 1 << 20:
            tally = np.bincount(lengths)
            values = np.flatnonzero(tally)
            counts = tally[values]
        else:
            values, counts = np.unique(lengths, return_counts=True)
        for value, count in zip(values.tolist(), counts.tolist()):
            self.counts[value] = self.counts.get(value, 0) + count

    def merge(self, other: _Lengths) -> None:
        for value, count in other.counts.items():
            self.counts[value] = self.counts.get(value, 0) + count

    def summary(self) -> LengthStats | None:
        if not self.counts:
            return None
        values = np.array(sorted(self.counts), dtype=np.float64)
        counts = np.array([self.counts[int(v)] for v in values], dtype=np.float64)
        n = counts.sum()
        total = float((values * counts).sum())
        mean = total / n
        std = math.sqrt(float(((values - mean) ** 2 * counts).sum()) / (n - 1)) if n > 1 else None
        cumulative = np.cumsum(counts)
        quantiles = {
            _rank_key(r): int(values[min(int(np.searchsorted(cumulative, r * n)), len(values) - 1)])
            for r in QUANTILE_RANKS
        }
        return LengthStats(
            min=int(values[0]),
            max=int(values[-1]),
            mean=mean,
            std=std,
            total=int(total),
            quantiles=quantiles,
        )

    def to_dict(self) -> dict[str, Any]:
        return {"counts": [[v, c] for v, c in sorted(self.counts.items())]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> _Lengths:
        out = cls()
        out.counts = {int(v): int(c) for v, c in data["counts"]}
        return out


class NumericAccumulator(ColumnAccumulator):
    """Integers, floats and decimals: moments, quantiles, histogram, distinct, ±inf and NaN."""

    kind = "numeric"

    def __init__(self, type_name: str, integer: bool = False) -> None:
        super().__init__(type_name)
        self.integer = integer
        self.nan = 0
        self.posinf = 0
        self.neginf = 0
        self.min: float | int | None = None
        self.max: float | int | None = None
        self.moments = Moments()
        self.quantiles = Quantiles()
        self.distinct = DistinctCount()
        self.frequent = FrequentItems() if integer else None

    def _values(self, arr: pa.Array) -> npt.NDArray[Any]:
        """The non-null values as a numpy array (integers stay integers)."""
        if pa.types.is_decimal(arr.type):
            arr = pc.cast(arr, pa.float64())
        elif pa.types.is_float16(arr.type):
            arr = pc.cast(arr, pa.float32())
        if arr.null_count:
            arr = arr.drop_null()
        return values(arr)

    def _update(self, arr: pa.Array) -> U64:
        hashes = hash_array(arr)
        values = self._values(arr)
        if len(values) == 0:
            return hashes
        ordered = np.sort(values)
        if ordered.dtype.kind == "f":
            nan = int(np.count_nonzero(np.isnan(ordered[-1:]))) and int(
                np.count_nonzero(np.isnan(ordered))
            )
            body = ordered[: len(ordered) - nan]
            neginf = int(np.searchsorted(body, -np.inf, side="right"))
            posinf = len(body) - int(np.searchsorted(body, np.inf, side="left"))
            body = body[neginf : len(body) - posinf]
            self.nan += nan
            self.neginf += neginf
            self.posinf += posinf
            lo, hi = (float(body[0]), float(body[-1])) if len(body) else (None, None)
            as_float = body.astype(np.float64, copy=False)
        else:
            lo, hi = int(ordered[0]), int(ordered[-1])
            as_float = ordered.astype(np.float64)
        if lo is not None and hi is not None:
            self.min = lo if self.min is None else min(self.min, lo)
            self.max = hi if self.max is None else max(self.max, hi)
        self.moments.update(as_float)
        self.quantiles.update_sorted(as_float)
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        distinct_values = ordered[starts]
        if len(distinct_values) * 2 < len(ordered):  # few values: hash each once
            self.distinct.update_hashes(hash_numbers(distinct_values))
        else:
            valid = hashes if not arr.null_count else hashes[valid_mask(arr)]
            self.distinct.update_hashes(valid)
        if self.frequent is not None:  # integers: codes, classes, ratings...
            counts = np.diff(np.r_[starts, len(ordered)]).astype(np.int64)
            self.frequent.update_counts(
                hash_numbers(distinct_values),
                counts,
                lambda positions: [int(v) for v in distinct_values[positions].tolist()],
            )
        return hashes

    def merge(self, other: ColumnAccumulator) -> None:
        assert isinstance(other, NumericAccumulator)
        super().merge(other)
        self.nan += other.nan
        self.posinf += other.posinf
        self.neginf += other.neginf
        if other.min is not None:
            self.min = other.min if self.min is None else min(self.min, other.min)
        if other.max is not None:
            self.max = other.max if self.max is None else max(self.max, other.max)
        self.moments.merge(other.moments)
        self.quantiles.merge(other.quantiles)
        self.distinct.merge(other.distinct)
        if self.frequent is not None and other.frequent is not None:
            self.frequent.merge(other.frequent)

    def _histogram(self) -> Histogram | None:
        n = self.quantiles.n
        if n == 0 or self.min is None or self.max is None:
            return None
        lo, hi = float(self.min), float(self.max)
        if lo == hi:
            return Histogram(edges=[self.min, self.max], counts=[n])
        if self.integer and hi - lo < HISTOGRAM_BINS:
            edges = [lo - 0.5 + i for i in range(int(hi - lo) + 2)]
        else:
            edges = np.linspace(lo, hi, HISTOGRAM_BINS + 1).tolist()
        cdf = [0.0, *self.quantiles.cdf(edges[1:-1]), 1.0]
        cumulative = [round(c * n) for c in cdf]
        counts = [b - a for a, b in itertools.pairwise(cumulative)]
        return Histogram(edges=[self._edge(e) for e in edges], counts=counts)

    def _edge(self, value: float) -> Number:
        """A histogram edge: integer columns get half-integer edges around each value."""
        if self.integer and float(value).is_integer():
            return int(value)
        out = finite(value)
        assert out is not None
        return out

    def _show(self, value: float) -> Number:
        """How a value of this column is written in the card (overridden for timestamps)."""
        if self.integer and math.isfinite(value):
            return int(value)
        out = finite(value)
        assert out is not None
        return out

    def summary(self) -> ColumnSummary:
        s = super().summary()
        floating = not self.integer
        s.nan, s.posinf, s.neginf = (
            (self.nan, self.posinf, self.neginf) if floating else (None, None, None)
        )
        s.distinct = self.distinct.estimate() if self.count else 0
        if self.moments.n:
            s.min = self._show(self.min) if self.min is not None else None
            s.max = self._show(self.max) if self.max is not None else None
            s.mean = finite(self.moments.mean)
            s.std = finite(self.moments.std)
            s.skewness = finite(self.moments.skewness)
            qs = self.quantiles.quantiles(list(QUANTILE_RANKS))
            s.quantiles = {_rank_key(r): self._show(q) for r, q in zip(QUANTILE_RANKS, qs)}
            s.histogram = self._histogram()
        if self.frequent is not None:
            s.top = [TopValue(value=v, count=c) for v, c in self.frequent.top(TOP_K)]
        return s

    def to_dict(self) -> dict[str, Any]:
        return super().to_dict() | {
            "integer": self.integer,
            "nan": self.nan,
            "posinf": self.posinf,
            "neginf": self.neginf,
            "min": self.min,
            "max": self.max,
            "moments": self.moments.to_dict(),
            "quantiles": self.quantiles.to_dict(),
            "distinct": self.distinct.to_dict(),
            "frequent": self.frequent.to_dict() if self.frequent is not None else None,
        }

    def _load(self, data: dict[str, Any]) -> None:
        super()._load(data)
        self.integer = bool(data["integer"])
        frequent = data.get("frequent")
        self.frequent = FrequentItems.from_dict(frequent) if frequent is not None else None
        self.nan, self.posinf, self.neginf = data["nan"], data["posinf"], data["neginf"]
        self.min, self.max = data["min"], data["max"]
        self.moments = Moments.from_dict(data["moments"])
        self.quantiles = Quantiles.from_dict(data["quantiles"])
        self.distinct = DistinctCount.from_dict(data["distinct"])


_UNIT_SECONDS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9, "D": 86400.0}


class TemporalAccumulator(NumericAccumulator):
    """Dates and timestamps: the numeric sketches over their integer storage, shown as ISO text."""

    kind = "temporal"

    def __init__(self, type_name: str, unit: str = "us", tz: str | None = None) -> None:
        super().__init__(type_name, integer=True)
        self.unit, self.tz = unit, tz
        self.frequent = None  # frequent instants say little; the histogram shows the spread

    def _values(self, arr: pa.Array) -> npt.NDArray[Any]:
        storage = arr.view(pa.int64() if arr.type.bit_width == 64 else pa.int32())
        return super()._values(storage)

    def _edge(self, value: float) -> Number:
        return self._show(value)

    def _show(self, value: float) -> Number:
        ticks = round(value)
        stamp: Any = np.datetime64(ticks, self.unit)  # type: ignore[call-overload]
        if self.unit == "D":
            shown = "D"
        else:
            per_second = round(1 / _UNIT_SECONDS[self.unit])
            shown = "s" if ticks % per_second == 0 else self.unit
        text = str(np.datetime_as_string(stamp, unit=shown))  # type: ignore[call-overload]
        return text + "Z" if self.tz else text

    def summary(self) -> ColumnSummary:
        s = super().summary()
        s.mean = s.std = s.skewness = None
        if self.min is not None and self.max is not None:
            s.span_seconds = (float(self.max) - float(self.min)) * _UNIT_SECONDS[self.unit]
        return s

    def to_dict(self) -> dict[str, Any]:
        return super().to_dict() | {"unit": self.unit, "tz": self.tz}

    def _load(self, data: dict[str, Any]) -> None:
        super()._load(data)
        self.unit, self.tz = data["unit"], data["tz"]


class BooleanAccumulator(ColumnAccumulator):
    """True and false counts."""

    kind = "boolean"

    def __init__(self, type_name: str) -> None:
        super().__init__(type_name)
        self.trues = 0

    def _update(self, arr: pa.Array) -> U64:
        bits: npt.NDArray[np.bool_] = values(arr)
        self.trues += int(np.count_nonzero(bits & valid_mask(arr)))
        return hash_array(arr)

    def merge(self, other: ColumnAccumulator) -> None:
        assert isinstance(other, BooleanAccumulator)
        super().merge(other)
        self.trues += other.trues

    def summary(self) -> ColumnSummary:
        s = super().summary()
        falses = self.count - self.trues
        s.distinct = int(self.trues > 0) + int(falses > 0)
        s.mean = self.trues / self.count if self.count else None
        ranked = sorted([(True, self.trues), (False, falses)], key=lambda vc: -vc[1])
        s.top = [TopValue(value=v, count=c) for v, c in ranked if c]
        return s

    def to_dict(self) -> dict[str, Any]:
        return super().to_dict() | {"trues": self.trues}

    def _load(self, data: dict[str, Any]) -> None:
        super()._load(data)
        self.trues = int(data["trues"])


def _first_rows(hashes: U64, wanted: U64) -> npt.NDArray[np.int64]:
    """For each of ``wanted`` (sorted, all present in ``hashes``), the first row holding it."""
    if len(wanted) == 0:
        return np.zeros(0, np.int64)
    slot = np.minimum(np.searchsorted(wanted, hashes), len(wanted) - 1)
    rows = np.flatnonzero(wanted[slot] == hashes)
    first = np.full(len(wanted), len(hashes), np.int64)
    np.minimum.at(first, slot[rows], rows)
    return first


def _maybe_space(arr: pa.Array) -> bool:
    """Whether the strings hold a byte <= 32 or a non-ASCII byte (possible whitespace)."""
    _, raw = string_bytes(arr)
    return bool(np.any((raw - np.uint8(33)) >= np.uint8(95)))  # outside 33..127


def token_counts(arr: pa.Array) -> npt.NDArray[np.int64]:
    """Whitespace-separated tokens per (non-null) string, as ``len(str.split())`` counts them."""
    if not _maybe_space(arr):
        offsets, _ = string_bytes(arr)
        return (np.diff(offsets) > 0).astype(np.int64)
    pieces = pc.utf8_split_whitespace(arr)
    offsets = values(pieces.offsets).astype(np.int64)
    piece_offsets, _ = string_bytes(pieces.flatten())
    nonempty = np.diff(piece_offsets) > 0
    running = np.concatenate([[0], np.cumsum(nonempty, dtype=np.int64)])
    counts: npt.NDArray[np.int64] = (
        running[offsets[1:] - offsets[0]] - running[offsets[:-1] - offsets[0]]
    )
    return counts


class StringAccumulator(ColumnAccumulator):
    """Text and categories: distinct count, frequent values, lengths in characters and tokens."""

    kind = "string"

    def __init__(self, type_name: str) -> None:
        super().__init__(type_name)
        self.distinct = DistinctCount()
        self.frequent = FrequentItems()
        self.length = _Lengths()
        self.tokens = _Lengths()

    def _update(self, arr: pa.Array) -> U64:
        if pa.types.is_dictionary(arr.type) and len(arr.dictionary) > len(arr):
            arr = arr.dictionary_decode()  # a slice of a big dictionary: profile what it uses
        if pa.types.is_dictionary(arr.type):
            return self._update_dictionary(arr)
        if pa.types.is_string_view(arr.type):
            arr = arr.cast(pa.large_string())
        valid_arr = arr.drop_null() if arr.null_count else arr
        if len(valid_arr) == 0:
            return np.full(len(arr), NULL_HASH, np.uint64)
        hashes = hash_array(valid_arr)
        ordered = np.sort(hashes)
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        unique = ordered[starts]
        counts = np.diff(np.r_[starts, len(ordered)]).astype(np.int64)

        def fetch(positions: npt.NDArray[np.intp]) -> list[Any]:
            ascending = np.sort(positions)  # unique is sorted, so these hashes are too
            rows = _first_rows(hashes, unique[ascending])
            by_position = dict(zip(ascending.tolist(), rows.tolist()))
            wanted = int64_array(np.array([by_position[p] for p in positions.tolist()]))
            return valid_arr.take(wanted).to_pylist()  # type: ignore[no-any-return]

        self.frequent.update_counts(unique, counts, fetch)
        self.distinct.update_hashes(unique)
        self.length.update(values(pc.utf8_length(valid_arr)))
        self.tokens.update(token_counts(valid_arr))
        if not arr.null_count:
            return hashes
        full = np.full(len(arr), NULL_HASH, np.uint64)
        full[valid_mask(arr)] = hashes
        return full

    def _update_dictionary(self, arr: pa.DictionaryArray) -> U64:
        dictionary = arr.dictionary
        if pa.types.is_string_view(dictionary.type) or pa.types.is_large_string(dictionary.type):
            dictionary = dictionary.cast(pa.string())
        per_value = hash_array(dictionary)
        indices = arr.indices
        valid_idx = values(indices.drop_null() if arr.null_count else indices)
        counts = np.bincount(valid_idx, minlength=len(dictionary)).astype(np.int64)
        present = np.flatnonzero(counts)
        order = np.argsort(per_value[present], kind="stable")
        ordered = per_value[present][order]
        first = np.r_[True, ordered[1:] != ordered[:-1]]
        unique = ordered[first]
        merged = np.add.reduceat(counts[present][order], np.flatnonzero(first))
        representative = present[order][first]

        def fetch(positions: npt.NDArray[np.intp]) -> list[Any]:
            rows = int64_array(representative[positions])
            return dictionary.take(rows).to_pylist()  # type: ignore[no-any-return]

        self.frequent.update_counts(unique, merged, fetch)
        self.distinct.update_hashes(unique)
        if dictionary.null_count:
            dictionary = pc.if_else(
                dictionary.is_null(), pa.scalar("", dictionary.type), dictionary
            )
        char_len = values(pc.utf8_length(dictionary))
        token_len = token_counts(dictionary)
        self.length.update(char_len[valid_idx])
        self.tokens.update(token_len[valid_idx])
        if not arr.null_count:
            return np.asarray(per_value[valid_idx], dtype=np.uint64)
        rows = np.full(len(arr), NULL_HASH, np.uint64)
        rows[valid_mask(arr)] = per_value[valid_idx]
        return rows

    def merge(self, other: ColumnAccumulator) -> None:
        assert isinstance(other, StringAccumulator)
        super().merge(other)
        self.distinct.merge(other.distinct)
        self.frequent.merge(other.frequent)
        self.length.merge(other.length)
        self.tokens.merge(other.tokens)

    def summary(self) -> ColumnSummary:
        s = super().summary()
        s.distinct = self.distinct.estimate() if self.count else 0
        s.top = [TopValue(value=v, count=c) for v, c in self.frequent.top(TOP_K)]
        s.length = self.length.summary()
        s.tokens = self.tokens.summary()
        return s

    def to_dict(self) -> dict[str, Any]:
        return super().to_dict() | {
            "distinct": self.distinct.to_dict(),
            "frequent": self.frequent.to_dict(),
            "length": self.length.to_dict(),
            "tokens": self.tokens.to_dict(),
        }

    def _load(self, data: dict[str, Any]) -> None:
        super()._load(data)
        self.distinct = DistinctCount.from_dict(data["distinct"])
        self.frequent = FrequentItems.from_dict(data["frequent"])
        self.length = _Lengths.from_dict(data["length"])
        self.tokens = _Lengths.from_dict(data["tokens"])


class BinaryAccumulator(ColumnAccumulator):
    """Bytes: distinct count and lengths."""

    kind = "binary"

    def __init__(self, type_name: str) -> None:
        super().__init__(type_name)
        self.distinct = DistinctCount()
        self.length = _Lengths()

    def _update(self, arr: pa.Array) -> U64:
        hashes = hash_array(arr)
        valid = arr.drop_null() if arr.null_count else arr
        self.distinct.update_hashes(hashes[valid_mask(arr)] if arr.null_count else hashes)
        self.length.update(values(pc.binary_length(valid)))
        return hashes

    def merge(self, other: ColumnAccumulator) -> None:
        assert isinstance(other, BinaryAccumulator)
        super().merge(other)
        self.distinct.merge(other.distinct)
        self.length.merge(other.length)

    def summary(self) -> ColumnSummary:
        s = super().summary()
        s.distinct = self.distinct.estimate() if self.count else 0
        s.length = self.length.summary()
        return s

    def to_dict(self) -> dict[str, Any]:
        return super().to_dict() | {
            "distinct": self.distinct.to_dict(),
            "length": self.length.to_dict(),
        }

    def _load(self, data: dict[str, Any]) -> None:
        super()._load(data)
        self.distinct = DistinctCount.from_dict(data["distinct"])
        self.length = _Lengths.from_dict(data["length"])


class ListAccumulator(ColumnAccumulator):
    """Lists: their lengths, and the statistics of their items (as field ``item``)."""

    kind = "list"

    def __init__(self, type_name: str, item_type: pa.DataType) -> None:
        super().__init__(type_name)
        self.length = _Lengths()
        self.item = accumulator_for(item_type)

    def _update(self, arr: pa.Array) -> U64:
        if pa.types.is_fixed_size_list(arr.type):
            size = arr.type.list_size
            offsets = np.arange(len(arr) + 1, dtype=np.int64) * size
            items = (
                arr.flatten()
                if not arr.null_count
                else arr.values.slice(arr.offset * size, len(arr) * size)
            )
        else:
            raw = values(arr.offsets).astype(np.int64)
            offsets = raw - raw[0]
            items = arr.values.slice(int(raw[0]), int(raw[-1] - raw[0]))
        lengths = np.diff(offsets)
        valid = valid_mask(arr) if arr.null_count else None
        self.length.update(lengths if valid is None else lengths[valid])
        item_hashes = self.item.update(items)
        sums = np.zeros(len(arr), np.uint64)
        nonempty = np.flatnonzero(lengths)
        if len(nonempty):
            sums[nonempty] = np.add.reduceat(item_hashes, offsets[:-1][nonempty])
        hashes = mix64(sums ^ mix64(lengths.astype(np.uint64)))
        if valid is not None:
            hashes[~valid] = NULL_HASH
        return hashes

    def merge(self, other: ColumnAccumulator) -> None:
        assert isinstance(other, ListAccumulator)
        super().merge(other)
        self.length.merge(other.length)
        merge_into(self.item, other.item)

    def summary(self) -> ColumnSummary:
        s = super().summary()
        s.length = self.length.summary()
        s.fields = {"item": self.item.summary()}
        return s

    def to_dict(self) -> dict[str, Any]:
        return super().to_dict() | {"length": self.length.to_dict(), "item": self.item.to_dict()}

    def _load(self, data: dict[str, Any]) -> None:
        super()._load(data)
        self.length = _Lengths.from_dict(data["length"])
        self.item = accumulator_from_dict(data["item"])


class StructAccumulator(ColumnAccumulator):
    """Structs: one accumulator per field (a null struct makes every field null)."""

    kind = "struct"

    def __init__(self, type_name: str, fields: dict[str, pa.DataType]) -> None:
        super().__init__(type_name)
        self.fields = {name: accumulator_for(t) for name, t in fields.items()}

    def _update(self, arr: pa.Array) -> U64:
        hashes = np.zeros(len(arr), np.uint64)
        for field, child in zip(arr.type, arr.flatten()):
            acc = self.fields.get(field.name)
            if acc is None:  # a field no earlier batch had
                acc = self.fields[field.name] = accumulator_for(field.type)
            add_column_hash(hashes, acc.update(child), field.name)
        if arr.null_count:
            hashes[~valid_mask(arr)] = NULL_HASH
        return hashes

    def merge(self, other: ColumnAccumulator) -> None:
        assert isinstance(other, StructAccumulator)
        super().merge(other)
        for name, acc in other.fields.items():
            if name in self.fields:
                merge_into(self.fields[name], acc)
            else:
                self.fields[name] = acc

    def summary(self) -> ColumnSummary:
        s = super().summary()
        s.fields = {name: acc.summary() for name, acc in self.fields.items()}
        return s

    def to_dict(self) -> dict[str, Any]:
        fields = {name: acc.to_dict() for name, acc in self.fields.items()}
        return super().to_dict() | {"fields": fields}

    def _load(self, data: dict[str, Any]) -> None:
        super()._load(data)
        self.fields = {n: accumulator_from_dict(d) for n, d in data["fields"].items()}


#: Makes an accumulator for a column type, or returns None to leave it to the next one.
AccumulatorFactory = Callable[[pa.DataType], "ColumnAccumulator | None"]


def _media_accumulator(t: pa.DataType) -> ColumnAccumulator | None:
    """Image and audio columns (``datacard.image`` / ``datacard.audio`` extension types)."""
    if not isinstance(t, pa.BaseExtensionType) or t.extension_name not in _MEDIA:
        return None
    return _load_kind(_MEDIA[t.extension_name])(type_name(t))


_MEDIA = {"datacard.image": "image", "datacard.audio": "audio"}


def _text_accumulator(t: pa.DataType) -> ColumnAccumulator | None:
    """Conversations (``messages`` lists), and strings when the text options ask for a real
    tokenizer or languages (:func:`datacard.text.options.current`)."""
    if not (
        pa.types.is_dictionary(t)
        or pa.types.is_list(t)
        or pa.types.is_large_list(t)
        or pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or pa.types.is_string_view(t)
    ):
        return None
    from datacard.text.hook import text_accumulator_for
    from datacard.text.options import current

    return text_accumulator_for(t, current())


#: Accumulators defined outside this module, tried in order before the built-in kinds; the
#: first factory that returns an accumulator wins. Append one to add a kind.
FACTORIES: list[AccumulatorFactory] = [_media_accumulator, _text_accumulator]
#: Kinds :func:`accumulator_from_dict` restores besides the built-ins: the class, or
#: ``"module:Class"`` imported on first use (so ``import datacard`` stays light).
EXTRA_KINDS: dict[str, type[ColumnAccumulator] | str] = {
    "image": "datacard.media.accumulators:ImageAccumulator",
    "audio": "datacard.media.accumulators:AudioAccumulator",
    "text": "datacard.text.accumulator:TextAccumulator",
    "chat": "datacard.text.chat:ChatAccumulator",
}


def _load_kind(kind: str) -> type[ColumnAccumulator]:
    target = EXTRA_KINDS[kind]
    if isinstance(target, str):
        module, _, name = target.partition(":")
        target = EXTRA_KINDS[kind] = getattr(importlib.import_module(module), name)
    assert isinstance(target, type)
    return target


def accumulator_for(t: pa.DataType) -> ColumnAccumulator:
    """A fresh accumulator for a column of Arrow type ``t``."""
    name = type_name(t)
    for factory in FACTORIES:
        if (made := factory(t)) is not None:
            return made
    if pa.types.is_dictionary(t):
        value = t.value_type
        if pa.types.is_string(value) or pa.types.is_large_string(value):
            return StringAccumulator(name)
        return accumulator_for(value)
    if pa.types.is_null(t):
        return NullAccumulator(name)
    if pa.types.is_boolean(t):
        return BooleanAccumulator(name)
    if pa.types.is_integer(t):
        return NumericAccumulator(name, integer=True)
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        return NumericAccumulator(name)
    if pa.types.is_timestamp(t):
        return TemporalAccumulator(name, unit=t.unit, tz=t.tz)
    if pa.types.is_date32(t):
        return TemporalAccumulator(name, unit="D")
    if pa.types.is_date64(t):
        return TemporalAccumulator(name, unit="ms")
    if pa.types.is_duration(t) or pa.types.is_time(t):
        return NumericAccumulator(name, integer=True)
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return StringAccumulator(name)
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return BinaryAccumulator(name)
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return ListAccumulator(name, t.value_type)
    if pa.types.is_map(t):
        return ListAccumulator(name, pa.struct([t.key_field, t.item_field]))
    if pa.types.is_struct(t):
        return StructAccumulator(name, {f.name: f.type for f in t})
    return ColumnAccumulator(name)


_KINDS: dict[str, type[ColumnAccumulator]] = {
    cls.kind: cls
    for cls in (
        ColumnAccumulator,
        NullAccumulator,
        NumericAccumulator,
        TemporalAccumulator,
        BooleanAccumulator,
        StringAccumulator,
        BinaryAccumulator,
        ListAccumulator,
        StructAccumulator,
    )
}


def accumulator_from_dict(data: dict[str, Any]) -> ColumnAccumulator:
    """Rebuild an accumulator from :meth:`ColumnAccumulator.to_dict` output."""
    kind = data["kind"]
    cls = _KINDS[kind] if kind in _KINDS else _load_kind(kind)
    acc = cls.__new__(cls)
    ColumnAccumulator.__init__(acc, data["type"])
    acc._load(data)
    return acc


def merge_into(mine: ColumnAccumulator, theirs: ColumnAccumulator) -> ColumnAccumulator:
    """Merge two accumulators of one column; a column of nulls merges into any other kind."""
    if isinstance(theirs, NullAccumulator) and not isinstance(mine, NullAccumulator):
        mine.nulls += theirs.nulls
        return mine
    if isinstance(mine, NullAccumulator) and not isinstance(theirs, NullAccumulator):
        theirs.nulls += mine.nulls
        return theirs
    if type(mine) is not type(theirs):
        raise TypeError(f"cannot merge a {mine.type} column with a {theirs.type} column")
    mine.merge(theirs)
    return mine
