"""What every reader shares: the file it reads, the unit of work, and the Reader protocol.

A :class:`Partition` is a small, picklable description of work (a file, a slice of its rows, a
subset of its columns); any process can turn it into Arrow record batches with
:meth:`Partition.batches`. Readers never compute statistics.

>>> f = DataFile(path="/d/train.csv", rel="train.csv", split="train", format="csv")
>>> Partition(file=f, unit="train.csv").columns is None
True
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Protocol

if TYPE_CHECKING:
    import pyarrow as pa

#: Formats we read, by file suffix (after removing a compression suffix).
FORMAT_SUFFIXES: dict[str, str] = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".arrow": "arrow",
    ".feather": "arrow",
    ".ipc": "arrow",
}
#: Compression suffixes for text formats.
COMPRESSION_SUFFIXES: dict[str, str] = {".gz": "gzip", ".bz2": "bz2", ".zst": "zstd"}


@dataclass(frozen=True)
class DataFile:
    """One data file of the dataset.

    ``path`` is absolute; ``rel`` is the POSIX path relative to the card's folder (what the card
    records); ``format`` is one of the values of :data:`FORMAT_SUFFIXES`.
    """

    path: str
    rel: str
    split: str
    format: str
    compression: str | None = None


@dataclass(frozen=True)
class FileInfo:
    """What a reader learns about a file without a full scan (used by ``check --fast``)."""

    schema: pa.Schema
    rows: int | None  # known from metadata (Parquet, Arrow), else None
    warnings: tuple[str, ...] = ()  # e.g. a renamed duplicate column, said once per file


@dataclass(frozen=True)
class Partition:
    """A picklable unit of work: which rows and columns of which file (or in-memory table).

    ``unit`` names the rows (unique within a dataset); two partitions with the same ``unit`` cover
    the same rows and must have disjoint ``columns``. ``row_offset`` is the 0-based position of the
    partition's first row within its file, so findings can name rows.
    """

    file: DataFile
    unit: str
    row_groups: tuple[int, ...] | None = None
    columns: tuple[str, ...] | None = None
    row_offset: int = 0
    byte_range: tuple[int, int] | None = None
    table: pa.Table | None = field(default=None, compare=False, repr=False)

    def batches(self) -> Iterator[pa.RecordBatch]:
        """The partition's rows as Arrow record batches (columns already renamed if duplicated)."""
        from datacard.readers import reader_for

        return reader_for(self.file.format).batches(self)


class Reader(Protocol):
    """Where data comes from. Built-ins register under the ``datacard.readers`` entry point."""

    name: ClassVar[str]
    formats: ClassVar[frozenset[str]]

    def inspect(self, file: DataFile) -> FileInfo:
        """Schema (and row count when cheap) of ``file``; raises SourceError on bad input."""
        ...

    def partitions(self, file: DataFile) -> Sequence[Partition]:
        """Split ``file`` into units of work (at least one)."""
        ...

    def batches(self, partition: Partition) -> Iterator[pa.RecordBatch]:
        """Read one partition; raises SourceError naming file, row and column on bad input."""
        ...
