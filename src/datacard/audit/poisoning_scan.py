"""One pass over a partition: what the poisoning hints need, as hashes (no raw text).

:func:`scan_part` is pure, so it runs in worker processes. With a label it reuses the leakage
scan (:func:`datacard.leakage.partscan.scan_batches`: input and label hashes, per text column the
distinct word hashes and MinHash signatures of every row) and adds, per row, the symbols of the
text columns (emoji, pictographs, odd punctuation: tokens the word tokenizer drops), the hashed
values of categorical columns, and the display value of every label. Without a label (or in a
file without it) only the numeric tails for outliers are kept.

>>> import pyarrow as pa
>>> from datacard.readers.memory import memory_partitions
>>> t = pa.table({"q": ["good ☃ film", "bad film"], "c": ["x", None], "y": [1, 0], "v": [1.0, 2.0]})
>>> spec = PoisonSpec(label="y", text=("q",), values=("c",), inputs=("q",), numeric=("v",))
>>> part = scan_part(memory_partitions("train", t)[0], spec)
>>> part.rows, sorted(part.label_values.values()), part.symbols["q"][0].tolist()
(2, [0, 1], [0, 1, 1])
>>> part.scan is not None and part.scan.text["q"].offsets.tolist()
[0, 2, 4]
>>> int(part.values[1, 0]), part.tails["v"].n
(0, 2)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from datacard.arrays import int64_array, string_bytes, valid_mask, values
from datacard.audit.poisoning_outliers import Tail
from datacard.audit.sensitive_scan import limited
from datacard.hashing import hash_array, mix64
from datacard.leakage.partscan import PartScan, ScanSpec, scan_batches
from datacard.readers.base import Partition
from datacard.sketches import sorted_unique

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

#: MinHash values per row (the bands are in :mod:`.poisoning_clusters`).
NUM_PERM = 16
#: More distinct labels than this and the label is not a class: no label-based hints.
MAX_LABELS = 50
_SYMBOL_KEY = np.uint64(0x5EED_5E1F_B0B0_CAFE)


@dataclass(frozen=True)
class PoisonSpec:
    """The label, text columns (tokens, near-duplicates), categorical columns (values), the
    columns that make "the same input", and numeric columns (outliers)."""

    label: str | None
    text: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    numeric: tuple[str, ...] = ()
    limit: int | None = None  # rows read per partition (the audit's --sample)


@dataclass
class PoisonPart:
    """What one partition contributes (see the module docstring); ``scan`` is None without a
    label. ``symbols[column]`` is ``(offsets, hashes)`` per row; ``values`` is rows × columns
    (0 for null)."""

    split: str
    rows: int = 0
    scan: PartScan | None = None
    text: tuple[str, ...] = ()
    label_values: dict[int, Any] = field(default_factory=dict)
    label_overflow: bool = False
    symbols: dict[str, tuple[I64, U32]] = field(default_factory=dict)
    values: U32 = field(default_factory=lambda: np.zeros((0, 0), np.uint32))
    tails: dict[str, Tail] = field(default_factory=dict)


def scan_part(partition: Partition, spec: PoisonSpec) -> PoisonPart:
    """Read ``partition`` once and keep what the hints need (pure; runs in any process)."""
    part = PoisonPart(split=partition.file.split)
    batches = limited(partition.batches(), spec.limit)
    first = next(batches, None)
    if first is None:
        return part
    names = set(first.schema.names)
    labelled = spec.label is not None and spec.label in names
    text = tuple(c for c in spec.text if c in names) if labelled else ()
    extra = _Extra(part, spec, names, text, labelled)
    stream = extra.tee(chain([first], batches))
    if labelled:
        inputs = tuple(c for c in spec.inputs if c in names)
        scan_spec = ScanSpec(
            exact=(), inputs=inputs, label=spec.label, text=text, num_perm=NUM_PERM
        )
        part.scan = scan_batches(stream, scan_spec)
        part.text = text
    else:
        for _ in stream:
            pass
    extra.finish()
    return part


class _Extra:
    """The per-batch additions to the leakage scan (symbols, values, labels, numeric tails)."""

    def __init__(
        self,
        part: PoisonPart,
        spec: PoisonSpec,
        names: set[str],
        text: tuple[str, ...],
        labelled: bool,
    ) -> None:
        self.part, self.spec, self.labelled = part, spec, labelled
        self.text = text
        self.values = [c for c in spec.values if c in names] if labelled else []
        self.numeric = [c for c in spec.numeric if c in names]
        self.symbols: dict[str, list[tuple[I64, U32]]] = {c: [] for c in text}
        self.value_rows: list[U32] = []

    def tee(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            self.update(batch)
            yield batch

    def update(self, batch: pa.RecordBatch) -> None:
        start = self.part.rows
        self.part.rows += batch.num_rows
        rows = np.arange(start, start + batch.num_rows, dtype=np.int64)
        for name in self.numeric:
            x = numbers(batch.column(name))
            if x is not None:
                valid = valid_mask(batch.column(name))
                self.part.tails.setdefault(name, Tail.empty()).update(x[valid], rows[valid])
        if not self.labelled:
            return
        assert self.spec.label is not None
        self._labels(batch.column(self.spec.label))
        for name in self.text:
            doc, feats = symbols(batch.column(name))
            self.symbols[name].append((doc + start, feats))
        if self.values:
            matrix = np.zeros((batch.num_rows, len(self.spec.values)), np.uint32)
            for j, name in enumerate(self.spec.values):
                if name in self.values:
                    matrix[:, j] = value_hashes(batch.column(name))
            self.value_rows.append(matrix)

    def _labels(self, arr: pa.Array) -> None:
        if self.part.label_overflow:
            return
        hashes = hash_array(arr)
        unique, first = np.unique(hashes, return_index=True)
        new = [
            i for h, i in zip(unique.tolist(), first.tolist()) if h not in self.part.label_values
        ]
        if not new:
            return
        shown = arr.take(int64_array(np.array(new, np.int64))).to_pylist()
        for i, value in zip(new, shown):
            self.part.label_values[int(hashes[i])] = value
        if len(self.part.label_values) > MAX_LABELS:
            self.part.label_overflow = True

    def finish(self) -> None:
        n = self.part.rows
        for name, pieces in self.symbols.items():
            doc = np.concatenate([d for d, _ in pieces]) if pieces else np.zeros(0, np.int64)
            feats = np.concatenate([f for _, f in pieces]) if pieces else np.zeros(0, np.uint32)
            offsets = np.searchsorted(doc, np.arange(n + 1), side="left").astype(np.int64)
            self.part.symbols[name] = (offsets, feats)
        if self.labelled:
            width = len(self.spec.values)
            self.part.values = (
                np.concatenate(self.value_rows)
                if self.value_rows
                else np.zeros((n, width), np.uint32)
            )


def numbers(arr: pa.Array) -> npt.NDArray[np.float64] | None:
    """A numeric column as float64 (values under nulls arbitrary); None if not numeric."""
    t = arr.type
    if pa.types.is_decimal(t) or pa.types.is_float16(t):
        arr = arr.cast(pa.float64())
    elif not (pa.types.is_integer(t) or pa.types.is_floating(t)):
        return None
    return values(arr).astype(np.float64)


def value_hashes(arr: pa.Array) -> U32:
    """32-bit hashes of a categorical column's values (0 for null)."""
    hashes = (hash_array(arr) & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    hashes[hashes == 0] = 1
    hashes[~valid_mask(arr)] = 0
    return hashes


def _is_symbol(cp: I64) -> npt.NDArray[np.bool_]:
    """Code points that are symbols, emoji or odd punctuation (not letters, digits, spaces)."""
    latin1 = (cp >= 0xA1) & (cp <= 0xBF) & ~np.isin(cp, (0xAA, 0xB2, 0xB3, 0xB5, 0xB9, 0xBA))
    latin1 &= cp < 0xBC
    symbol: npt.NDArray[np.bool_] = (
        latin1
        | (cp == 0xD7)
        | (cp == 0xF7)
        | ((cp >= 0x2000) & (cp < 0x2C00))
        | ((cp >= 0x3000) & (cp < 0x3040))
        | ((cp >= 0xFE10) & (cp < 0xFE70))
        | ((cp >= 0x1F000) & (cp < 0x20000))
    )
    return symbol


def symbols(arr: pa.Array) -> tuple[I64, U32]:
    """``(row, symbol hash)`` of every distinct symbol character of every row.

    >>> doc, h = symbols(pa.array(["a ☃ b ☃", "plain", "x 🙂"]))
    >>> doc.tolist(), len(set(h.tolist()))
    ([0, 2], 2)
    """
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.large_string())
    offsets, data = string_bytes(arr)
    empty = np.zeros(0, np.int64), np.zeros(0, np.uint32)
    if not len(data) or int(data.max()) < 0xC0:
        return empty
    lead = np.flatnonzero(data >= 0xC0).astype(np.int64)
    padded = np.zeros(len(data) + 4, np.int64)
    padded[: len(data)] = data
    b0 = padded[lead]
    c1, c2, c3 = (padded[lead + k] & 0x3F for k in (1, 2, 3))
    cp = np.where(
        b0 < 0xE0,
        ((b0 & 0x1F) << 6) | c1,
        np.where(
            b0 < 0xF0,
            ((b0 & 0x0F) << 12) | (c1 << 6) | c2,
            ((b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3,
        ),
    )
    keep = _is_symbol(cp)
    if not keep.any():
        return empty
    doc = np.searchsorted(offsets, lead[keep], side="right").astype(np.int64) - 1
    key = sorted_unique((doc.astype(np.uint64) << np.uint64(32)) | cp[keep].astype(np.uint64))
    doc = (key >> np.uint64(32)).astype(np.int64)
    return doc, symbol_hash(key & np.uint64(0xFFFFFFFF))


def symbol_hash(codepoints: U64) -> U32:
    """The 32-bit feature hash of symbol code points."""
    return (mix64(codepoints.astype(np.uint64) ^ _SYMBOL_KEY) & np.uint64(0xFFFFFFFF)).astype(
        np.uint32
    )
