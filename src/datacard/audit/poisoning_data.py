"""Every scanned row at once: labels, inputs, and the features of its content.

The workers' pieces (:class:`.poisoning_scan.PoisonPart`, in plan order) are concatenated into
global arrays: a label id per row (rows without a label are not ``valid``), the input hash per
row (for label conflicts), per text column the word features and MinHash signatures, and the
:class:`.poisoning_features.Source` list (words and symbols of each text column, values of each
categorical column) that triggers and the content check read.

>>> import pyarrow as pa
>>> from datacard.readers.memory import memory_partitions
>>> from datacard.audit.poisoning_scan import PoisonSpec, scan_part
>>> t = pa.table({"q": ["a b", "c ☃", "d"], "y": ["x", "z", None]})
>>> parts = memory_partitions("train", t)
>>> spec = PoisonSpec(label="y", text=("q",), inputs=("q",))
>>> scanned = [scan_part(p, spec) for p in parts]
>>> data = Labelled.of(scanned, spec, RowMap.of(parts, [s.rows for s in scanned]))
>>> data is not None and (sorted(data.values), data.valid.tolist(), [s.kind for s in data.sources])
(['x', 'z'], [True, True, False], ['word', 'symbol'])
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from datacard.audit.poisoning_content import ContentCheck
from datacard.audit.poisoning_features import (
    LabelCounts,
    Source,
    csr,
    label_counts,
    merge_counts,
    salted,
)
from datacard.audit.poisoning_scan import MAX_LABELS, NUM_PERM, PoisonPart, PoisonSpec
from datacard.hashing import NULL_HASH
from datacard.leakage.minhash import EMPTY32
from datacard.rowmap import RowMap
from datacard.sketches import sorted_unique

I64 = npt.NDArray[np.int64]
U32 = npt.NDArray[np.uint32]
Bools = npt.NDArray[np.bool_]


@dataclass
class Labelled:
    """Every scanned row with a label: label ids, inputs, and the features of its content."""

    y: I64
    valid: Bools
    values: list[Any]  # label id -> value
    inputs: npt.NDArray[np.uint64]
    empty: Bools  # rows without a word in any text column
    text: dict[str, tuple[I64, U32, U32]]  # column -> offsets, word features, signatures
    sources: list[Source]

    @property
    def labels(self) -> int:
        return len(self.values)

    @functools.cached_property
    def counts(self) -> list[LabelCounts]:
        """Rows per (feature, label), one table per source."""
        return [label_counts([s], self.y, self.valid, self.labels) for s in self.sources]

    def check(self) -> ContentCheck:
        """The content check over every source."""
        merged = merge_counts(self.counts, self.labels)
        return ContentCheck.of(self.sources, self.y, self.valid, merged)

    @classmethod
    def of(cls, scanned: Sequence[PoisonPart], spec: PoisonSpec, rows: RowMap) -> Labelled | None:
        if any(p.label_overflow for p in scanned):
            return None
        n = rows.total
        hashes = (
            np.concatenate(
                [
                    p.scan.labels if p.scan is not None else np.full(p.rows, NULL_HASH)
                    for p in scanned
                ]
            )
            if scanned
            else np.zeros(0, np.uint64)
        )
        valid = (
            np.concatenate([np.full(p.rows, p.scan is not None) for p in scanned])
            if scanned
            else np.zeros(0, bool)
        )
        valid &= hashes != NULL_HASH
        shown: dict[int, Any] = {}
        for p in scanned:
            shown.update(p.label_values)
        distinct = sorted_unique(hashes[valid])
        if len(distinct) < 2 or len(distinct) > MAX_LABELS:
            return None
        y = np.searchsorted(distinct, hashes).astype(np.int64)
        y[~valid] = 0
        inputs = np.concatenate(
            [p.scan.inputs if p.scan is not None else np.zeros(p.rows, np.uint64) for p in scanned]
        )
        text: dict[str, tuple[I64, U32, U32]] = {}
        sources: list[Source] = []
        words_per_row = np.zeros(n, np.int64)
        for column in spec.text:
            offsets, words, sig = _text_of(scanned, column)
            words = salted(words, column, "word")  # a bijection: Jaccard similarity unchanged
            text[column] = (offsets, words, sig)
            words_per_row += np.diff(offsets)
            sources.append(Source(column, "word", offsets, words))
            sym_offsets, sym = _symbols_of(scanned, column)
            sources.append(Source(column, "symbol", sym_offsets, salted(sym, column, "symbol")))
        for j, column in enumerate(spec.values):
            value = np.concatenate([_value_column(p, j) for p in scanned])
            at = np.flatnonzero(value)
            offsets, feats = csr(at, value[at], n)
            sources.append(Source(column, "value", offsets, salted(feats, column, "value")))
        return cls(
            y=y,
            valid=valid,
            values=[shown.get(int(h)) for h in distinct.tolist()],
            inputs=inputs,
            empty=(words_per_row == 0) if spec.text else np.zeros(n, bool),
            text=text,
            sources=sources,
        )


def _text_of(scanned: Sequence[PoisonPart], column: str) -> tuple[I64, U32, U32]:
    """One text column's word hashes (CSR) and signatures over every scanned row."""
    offsets = [np.zeros(1, np.int64)]
    words: list[U32] = []
    sigs: list[U32] = []
    base = 0
    for p in scanned:
        if p.scan is not None and column in p.scan.text:
            t = p.scan.text[column]
            offsets.append(t.offsets[1:] + base)
            base += int(t.offsets[-1])
            words.append(t.hashes)
            sigs.append(t.signatures)
        else:
            offsets.append(np.full(p.rows, base, np.int64))
            sigs.append(np.full((p.rows, NUM_PERM), EMPTY32, np.uint32))
    return (
        np.concatenate(offsets),
        np.concatenate(words) if words else np.zeros(0, np.uint32),
        np.concatenate(sigs) if sigs else np.zeros((0, NUM_PERM), np.uint32),
    )


def _symbols_of(scanned: Sequence[PoisonPart], column: str) -> tuple[I64, U32]:
    offsets = [np.zeros(1, np.int64)]
    feats: list[U32] = []
    base = 0
    for p in scanned:
        sym = p.symbols.get(column)
        if sym is None:
            offsets.append(np.full(p.rows, base, np.int64))
            continue
        offsets.append(sym[0][1:] + base)
        base += int(sym[0][-1])
        feats.append(sym[1])
    return np.concatenate(offsets), np.concatenate(feats) if feats else np.zeros(0, np.uint32)


def _value_column(part: PoisonPart, j: int) -> U32:
    if part.values.shape[0] == part.rows and part.values.shape[1] > j:
        return part.values[:, j]
    return np.zeros(part.rows, np.uint32)
