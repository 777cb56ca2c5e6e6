"""Scanning a partition: per column and kind, how many values hold it, masked examples, rows.

:func:`scan_partition` is pure (a :class:`ScanSpec` and a Partition in, a :class:`PartScan`
out), so it runs in worker processes. A batch's string values are joined by NUL bytes straight
from the Arrow buffers and searched in one pass (:func:`datacard.audit.pii.engine.find`); match
offsets map back to rows with one ``searchsorted``. Only masked examples leave the worker.

>>> import pyarrow as pa
>>> t = pa.table({"contact": ["a@b.com", None, "call +1 415 555 2671", "x"]})
>>> s = scan_batches(t.to_batches(), ScanSpec(), file="mem", row_offset=0)
>>> c = s.columns["contact"]
>>> c.values, sorted(c.kinds), c.kinds["email"].examples, c.kinds["phone"].rows
(3, ['email', 'phone'], ['a***@b***.com'], [('mem', 2)])
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from datacard.arrays import string_bytes, valid_mask, values
from datacard.audit.pii.engine import DEFAULT_REGIONS, Found, find, whole_value_secret
from datacard.audit.pii.names import ColumnHint, column_hint
from datacard.readers.base import DataFile, Partition

#: Masked examples and row locations kept per column and kind.
EXAMPLES = 3
ROWS = 5
#: Kinds an integer column is read for when its name asks for them (phones stored as numbers).
INTEGER_KINDS = frozenset({"phone", "ssn", "payment-card"})
_EPOCH = dt.date(1970, 1, 1)
_UNITS_PER_DAY = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}


@dataclass(frozen=True)
class ScanSpec:
    """How to scan: phone regions, and rows to read per partition unit (sample mode)."""

    regions: tuple[str, ...] = DEFAULT_REGIONS
    limits: dict[str, int] = field(default_factory=dict)
    backend: str = "datacard"


@dataclass
class KindTally:
    """One kind in one column: rows holding it, masked examples, first rows, what was seen."""

    count: int = 0
    high: int = 0  # rows with a high-confidence match
    examples: list[str] = field(default_factory=list)
    rows: list[tuple[str, int]] = field(default_factory=list)
    details: Counter[str] = field(default_factory=Counter)
    bases: Counter[str] = field(default_factory=Counter)

    def add(self, found: Iterable[Found], file: str, row: int) -> None:
        """Count one row holding ``found`` (matches of this kind)."""
        self.count += 1
        if len(self.rows) < ROWS:
            self.rows.append((file, row))
        sure = False
        for f in found:
            sure = sure or f.confidence == "high"
            if f.masked not in self.examples and len(self.examples) < EXAMPLES:
                self.examples.append(f.masked)
            if f.detail:
                self.details[f.detail] += 1
            self.bases[f.basis] += 1
        self.high += sure

    def merge(self, other: KindTally) -> None:
        """Add ``other`` (a later partition's tally) to this one."""
        self.count += other.count
        self.high += other.high
        self.rows.extend(other.rows[: ROWS - len(self.rows)])
        for masked in other.examples:
            if masked not in self.examples and len(self.examples) < EXAMPLES:
                self.examples.append(masked)
        self.details.update(other.details)
        self.bases.update(other.bases)


@dataclass
class ColumnTally:
    """One column: non-null values scanned, and a tally per kind found."""

    values: int = 0
    kinds: dict[str, KindTally] = field(default_factory=dict)

    def merge(self, other: ColumnTally) -> None:
        self.values += other.values
        for kind, tally in other.kinds.items():
            self.kinds.setdefault(kind, KindTally()).merge(tally)


@dataclass
class PartScan:
    """What one partition held (rows scanned; columns in the order first seen)."""

    rows: int = 0
    columns: dict[str, ColumnTally] = field(default_factory=dict)

    def merge(self, other: PartScan) -> None:
        self.rows += other.rows
        for name, tally in other.columns.items():
            self.columns.setdefault(name, ColumnTally()).merge(tally)


def scannable(arrow_type: pa.DataType, hint: ColumnHint) -> bool:
    """Whether a column of this type (and name) is read: strings always; integers when the name
    says phone, SSN or card; dates and timestamps when it says date of birth."""
    if pa.types.is_dictionary(arrow_type):
        return scannable(arrow_type.value_type, hint)
    if _is_string(arrow_type):
        return True
    if pa.types.is_integer(arrow_type):
        return bool(INTEGER_KINDS & hint.kinds)
    if pa.types.is_date(arrow_type) or pa.types.is_timestamp(arrow_type):
        return "date-of-birth" in hint.kinds
    return False


def _is_string(arrow_type: pa.DataType) -> bool:
    return bool(
        pa.types.is_string(arrow_type)
        or pa.types.is_large_string(arrow_type)
        or getattr(pa.types, "is_string_view", lambda _t: False)(arrow_type)
    )


# -- one array -------------------------------------------------------------------------------


Hits = dict[str, dict[int, list[Found]]]  # kind -> row in the array -> matches


def _joined(arr: pa.Array) -> tuple[bytes, npt.NDArray[np.int64]]:
    """The array's UTF-8 values joined by NUL bytes, and each value's start in that buffer."""
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.large_string())
    offsets, data = string_bytes(arr)
    n = len(arr)
    starts = offsets[:-1] + np.arange(n, dtype=np.int64)
    return np.insert(data, offsets[1:-1], 0).tobytes(), starts


def _string_hits(arr: pa.Array, hint: ColumnHint, spec: ScanSpec) -> Hits:
    if len(arr) == 0:
        return {}
    buf, starts = _joined(arr)
    texts = arr.to_pylist if "secret" in hint.kinds else None
    return _buffer_hits(buf, starts, hint, spec, texts)


def _buffer_hits(
    buf: bytes,
    starts: npt.NDArray[np.int64],
    hint: ColumnHint,
    spec: ScanSpec,
    texts: Callable[[], list[str | None]] | None = None,
) -> Hits:
    """Matches in values joined by NUL bytes (``starts``: each value's offset), by row."""
    hits: Hits = {}
    found = _detect(buf, hint, spec)
    if found:
        rows = np.searchsorted(starts, np.fromiter((f.start for f in found), np.int64), "right")
        for f, row in zip(found, (rows - 1).tolist(), strict=True):
            hits.setdefault(f.kind, {}).setdefault(row, []).append(f)
    if texts is not None:  # a password or token column: whole values count
        have = hits.get("secret", {})
        for row, value in enumerate(texts()):
            if value is not None and row not in have:
                whole = whole_value_secret(value, hint)
                if whole is not None:
                    hits.setdefault("secret", {})[row] = [whole]
    return hits


def _detect(buf: bytes, hint: ColumnHint, spec: ScanSpec) -> list[Found]:
    if spec.backend == "presidio":
        from datacard.audit.pii.presidio import find_presidio

        return find_presidio(buf)
    return find(buf, hint, spec.regions)


def _dictionary_hits(arr: pa.DictionaryArray, hint: ColumnHint, spec: ScanSpec) -> Hits:
    """Scan the dictionary once, then give each row its entry's matches."""
    entry_hits = _string_hits(arr.dictionary, hint, spec)
    if not entry_hits:
        return {}
    valid = valid_mask(arr)
    indices = values(arr.indices)
    hits: Hits = {}
    for kind, by_entry in entry_hits.items():
        wanted = np.fromiter(by_entry, np.int64)
        rows = np.flatnonzero(valid & np.isin(indices, wanted))
        hits[kind] = {int(r): by_entry[int(indices[r])] for r in rows}
    return hits


def _integer_hits(arr: pa.Array, hint: ColumnHint, spec: ScanSpec) -> Hits:
    """An integer column named phone, SSN or card number, read as decimal text."""
    texts = ["" if v is None else str(v) for v in arr.to_pylist()]
    lengths = np.fromiter((len(t) + 1 for t in texts), np.int64, len(texts))
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    return _buffer_hits("\x00".join(texts).encode(), starts, hint, spec)


def _temporal_hits(arr: pa.Array) -> Hits:
    """A date-of-birth-named date column: every plausible date (1900 to today) counts."""
    arrow_type = arr.type
    raw = values(arr.view(pa.int32() if pa.types.is_date32(arrow_type) else pa.int64()))
    if pa.types.is_date32(arrow_type):
        days = raw.astype(np.int64)
    elif pa.types.is_date64(arrow_type):
        days = raw // 86_400_000
    else:
        days = raw // _UNITS_PER_DAY[arrow_type.unit]
    low = (dt.date(1900, 1, 1) - _EPOCH).days
    high = (dt.date.today() - _EPOCH).days
    rows = np.flatnonzero(valid_mask(arr) & (days >= low) & (days <= high))
    found = Found(0, 0, "date-of-birth", "****-**-**", "", "date+name", "high")
    return {"date-of-birth": {int(r): [found] for r in rows}} if len(rows) else {}


def array_hits(arr: pa.Array, hint: ColumnHint, spec: ScanSpec) -> Hits:
    """Kind -> row (within ``arr``) -> matches, for one column's array."""
    if pa.types.is_dictionary(arr.type):
        return _dictionary_hits(arr, hint, spec)
    if _is_string(arr.type):
        return _string_hits(arr, hint, spec)
    if pa.types.is_integer(arr.type):
        return _integer_hits(arr, hint, spec)
    return _temporal_hits(arr)


# -- a partition -----------------------------------------------------------------------------


def scan_batches(
    batches: Iterable[pa.RecordBatch],
    spec: ScanSpec,
    *,
    file: str,
    row_offset: int,
    limit: int | None = None,
) -> PartScan:
    """Scan record batches (rows numbered from ``row_offset`` in ``file``), at most ``limit``."""
    out = PartScan()
    hints: dict[str, ColumnHint] = {}
    row = row_offset
    for batch in batches:
        if limit is not None:
            if out.rows >= limit:
                break
            batch = batch.slice(0, limit - out.rows)
        for name, arr in zip(batch.schema.names, batch.columns, strict=True):
            hint = hints.get(name) or hints.setdefault(name, column_hint(name))
            if not scannable(arr.type, hint):
                continue
            tally = out.columns.setdefault(name, ColumnTally())
            tally.values += len(arr) - arr.null_count
            for kind, by_row in array_hits(arr, hint, spec).items():
                kind_tally = tally.kinds.setdefault(kind, KindTally())
                for r in sorted(by_row):
                    kind_tally.add(by_row[r], file, row + r)
        out.rows += batch.num_rows
        row += batch.num_rows
    return out


def scan_partition(spec: ScanSpec, part: Partition) -> PartScan:
    """Scan one partition (rows named by file and 0-based row within the file)."""
    return scan_batches(
        part.batches(),
        spec,
        file=part.file.rel,
        row_offset=part.row_offset,
        limit=spec.limits.get(part.unit),
    )


def text_columns(file: DataFile, names: list[str]) -> list[str] | None:
    """The columns of ``file`` worth reading (for :func:`datacard.scan.plan_partitions`)."""
    from datacard.readers import reader_for

    schema = reader_for(file.format).inspect(file).schema
    return [
        name
        for name, arrow_type in zip(names, schema.types, strict=False)
        if scannable(arrow_type, column_hint(name))
    ]
