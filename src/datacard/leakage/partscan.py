"""One pass over a partition: the per-row hashes and signatures that leakage needs.

:func:`scan_partition` is pure (a :class:`ScanSpec` and a Partition in, a :class:`PartScan` out),
so it runs in worker processes; the parent concatenates the pieces in plan order. No raw text
leaves the worker: only 64-bit row hashes, 32-bit shingle hashes and 32-bit MinHash signatures.

>>> import pyarrow as pa
>>> from datacard.readers.base import DataFile, Partition
>>> t = pa.table({"q": ["a b c", "A b c!"], "y": [0, 1]})
>>> f = DataFile(path="", rel="mem", split="train", format="memory")
>>> spec = ScanSpec(exact=("q", "y"), inputs=("q",), label="y", text=("q",))
>>> s = scan_batches([t.to_batches()[0]], spec)
>>> s.rows, bool(s.inputs[0] == s.inputs[1]), bool(s.exact[0] == s.exact[1])
(2, True, False)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from datacard.hashing import hash_array
from datacard.leakage.minhash import shingle_hashes, signatures
from datacard.leakage.textkey import column_hashes, row_hashes
from datacard.readers.base import Partition

U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]

#: Word unigrams: a ~10 % edit keeps word-set Jaccard near 0.85; bigrams would drop it to ~0.7.
SHINGLE = 1
NUM_PERM = 128
SEED = 1


@dataclass(frozen=True)
class ScanSpec:
    """What to hash: exact-match columns, the input (for label conflicts), label, text columns."""

    exact: tuple[str, ...]
    inputs: tuple[str, ...] = ()
    label: str | None = None
    text: tuple[str, ...] = ()
    shingle: int = SHINGLE
    num_perm: int = NUM_PERM
    seed: int = SEED


@dataclass
class TextScan:
    """Per document of one text column: distinct shingle hashes (32 bits) and a signature."""

    offsets: I64
    hashes: U32
    signatures: U32  # (rows, num_perm); all EMPTY32 for documents without words


@dataclass
class PartScan:
    """What one partition contributes: row count, exact/input/label hashes, text sketches."""

    rows: int
    exact: U64
    inputs: U64
    labels: U64
    text: dict[str, TextScan] = field(default_factory=dict)


def scan_partition(partition: Partition, spec: ScanSpec) -> PartScan:
    """Read ``partition`` and hash it for leakage (pure; runs in any process)."""
    return scan_batches(partition.batches(), spec)


def scan_batches(batches: Iterable[pa.RecordBatch], spec: ScanSpec) -> PartScan:
    """The scan of a stream of record batches (see :func:`scan_partition`)."""
    exact: list[U64] = []
    inputs: list[U64] = []
    labels: list[U64] = []
    texts: dict[str, list[tuple[I64, U32, U32]]] = {c: [] for c in spec.text}
    rows = 0
    for whole in batches:
        for batch in _slices(whole):
            rows += batch.num_rows
            _scan_batch(batch, spec, exact, inputs, labels, texts)
    empty = np.zeros(0, np.uint64)
    scan = PartScan(
        rows=rows,
        exact=np.concatenate(exact) if exact else empty,
        inputs=np.concatenate(inputs) if inputs else empty,
        labels=np.concatenate(labels) if labels else empty,
    )
    for name, pieces in texts.items():
        scan.text[name] = _join_pieces(pieces, spec.num_perm)
    return scan


def scan_texts(batches: Iterable[pa.RecordBatch], spec: ScanSpec) -> dict[str, TextScan]:
    """Only the text sketches of :func:`scan_batches` (shingle hashes and signatures)."""
    texts: dict[str, list[tuple[I64, U32, U32]]] = {c: [] for c in spec.text}
    for whole in batches:
        for batch in _slices(whole):
            for name in spec.text:
                texts[name].append(_text_piece(batch.column(name), spec))
    return {name: _join_pieces(pieces, spec.num_perm) for name, pieces in texts.items()}


def take_rows(batches: Iterable[pa.RecordBatch], rows: I64) -> Iterable[pa.RecordBatch]:
    """The rows ``rows`` (sorted, 0-based over the stream) of a stream of record batches; the
    stream is not read past the last one.

    >>> b = pa.record_batch({"x": [0, 1, 2]})
    >>> [t.column(0).to_pylist() for t in take_rows([b, b], np.array([1, 3, 4]))]
    [[1], [0, 1]]
    """
    start = 0
    for batch in batches:
        if start > (rows[-1] if len(rows) else -1):
            return
        lo, hi = np.searchsorted(rows, [start, start + batch.num_rows])
        if hi > lo:
            yield batch.take(pa.array(rows[lo:hi] - start))
        start += batch.num_rows


def join_texts(pieces: list[TextScan], num_perm: int = NUM_PERM) -> TextScan:
    """Text scans of consecutive rows, as one.

    >>> one = TextScan(np.array([0, 2]), np.array([5, 6], np.uint32), np.zeros((1, 2), np.uint32))
    >>> join_texts([one, one], 2).offsets.tolist()
    [0, 2, 4]
    """
    return _join_pieces([(t.offsets, t.hashes, t.signatures) for t in pieces], num_perm)


def documents(scan: TextScan, docs: I64) -> TextScan:
    """The documents ``docs`` of a text scan (their shingle hashes and signatures).

    >>> t = TextScan(np.array([0, 1, 3]), np.array([7, 8, 9], np.uint32), np.eye(2, dtype="u4"))
    >>> documents(t, np.array([1])).hashes.tolist()
    [8, 9]
    """
    lengths = scan.offsets[docs + 1] - scan.offsets[docs]
    offsets = np.concatenate([np.zeros(1, np.int64), np.cumsum(lengths)])
    index = np.arange(int(offsets[-1]), dtype=np.int64) + np.repeat(
        scan.offsets[docs] - offsets[:-1], lengths
    )
    return TextScan(offsets, scan.hashes[index], scan.signatures[docs])


#: Text bytes per slice of a record batch: bounds the temporary arrays of one step.
SLICE_BYTES = 8 << 20


def _slices(batch: pa.RecordBatch) -> Iterable[pa.RecordBatch]:
    """``batch`` cut into slices of about :data:`SLICE_BYTES` (at least 1,024 rows each)."""
    size = batch.nbytes
    if size <= SLICE_BYTES or batch.num_rows <= 1024:
        yield batch
        return
    step = max(1024, int(batch.num_rows * SLICE_BYTES / size))
    for start in range(0, batch.num_rows, step):
        yield batch.slice(start, step)


def _scan_batch(
    batch: pa.RecordBatch,
    spec: ScanSpec,
    exact: list[U64],
    inputs: list[U64],
    labels: list[U64],
    texts: dict[str, list[tuple[I64, U32, U32]]],
) -> None:
    exact.append(row_hashes(batch, spec.exact))
    if spec.label is not None:
        inputs.append(row_hashes(batch, spec.inputs))
        labels.append(hash_array(_plain(batch.column(spec.label))))
    for name in spec.text:
        texts[name].append(_text_piece(batch.column(name), spec))


def _plain(arr: pa.Array) -> pa.Array:
    if pa.types.is_dictionary(arr.type):
        return column_hashes_input(arr)
    return arr


def column_hashes_input(arr: pa.Array) -> pa.Array:
    """A dictionary array decoded (labels are hashed by value)."""
    return arr.dictionary_decode()


def _text_piece(arr: pa.Array, spec: ScanSpec) -> tuple[I64, U32, U32]:
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.large_string())
    offsets, hashes = shingle_hashes(arr, spec.shingle)
    sig = signatures(offsets, hashes, spec.num_perm, spec.seed)
    # Narrow to 32 bits: EMPTY (all ones) stays all ones, collisions are ~2**-32 per value.
    return offsets, hashes.astype(np.uint32), sig.astype(np.uint32)


def _join_pieces(pieces: list[tuple[I64, U32, U32]], num_perm: int) -> TextScan:
    if not pieces:
        return TextScan(
            np.zeros(1, np.int64), np.zeros(0, np.uint32), np.zeros((0, num_perm), np.uint32)
        )
    offsets = [np.zeros(1, np.int64)]
    base = 0
    for o, _, _ in pieces:
        offsets.append(o[1:] + base)
        base += int(o[-1])
    return TextScan(
        np.concatenate(offsets),
        np.concatenate([h for _, h, _ in pieces]),
        np.concatenate([s for _, _, s in pieces]),
    )


__all__ = [
    "PartScan",
    "ScanSpec",
    "TextScan",
    "column_hashes",
    "documents",
    "join_texts",
    "scan_batches",
    "scan_partition",
    "scan_texts",
    "take_rows",
]
