"""What every reader shares: the file it reads, the unit of work, and the Reader protocol.

A :class:`Partition` is a small, picklable description of work (a file, a slice of its rows, a
subset of its columns); any process can turn it into Arrow record batches with
:meth:`Partition.batches`. Readers never compute statistics.

>>> f = DataFile(path="/d/train.csv", rel="train.csv", split="train", format="csv")
>>> Partition(file=f, unit="train.csv").columns is None
True
>>> pics = DataFile(path="/d", rel="train/", split="train", format="imagefolder",
...                 collection=Collection(members=("train/a.png", "train/b.png")))
>>> pics.sources(), pics.slice(1, 2).collection.members
(('/d/train/a.png', '/d/train/b.png'), ('train/b.png',))
>>> unique_names(["a", "b", "a"])
['a', 'b', 'a__2']
"""

from __future__ import annotations

import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, ClassVar, Protocol

from datacard.errors import SourceError
from datacard.remote import file_size, is_url, locate, open_input
from datacard.remote import read_range as remote_range

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
    ".tar": "webdataset",
    ".tgz": "webdataset",
}
#: Compression suffixes for text formats.
COMPRESSION_SUFFIXES: dict[str, str] = {".gz": "gzip", ".bz2": "bz2", ".zst": "zstd"}


@dataclass(frozen=True)
class Collection:
    """The many small files one :class:`DataFile` stands for (the images or clips of a split).

    ``members`` and ``metadata`` are POSIX paths relative to the dataset root, sorted; each
    member is one row. ``metadata`` files (``metadata.csv``/``.jsonl``/``.parquet``) add columns,
    joined on their ``file_name``. ``labels``: each member's parent folder names its class.
    """

    members: tuple[str, ...]
    metadata: tuple[str, ...] = ()
    labels: bool = False


@dataclass(frozen=True)
class DataFile:
    """One data file of the dataset, or a collection of media files read as one table.

    ``path`` is absolute (or a URL, :mod:`datacard.remote`); ``rel`` is the POSIX path relative
    to the card's folder (what the card records); ``format`` is one of the values of
    :data:`FORMAT_SUFFIXES`. For a collection (format ``imagefolder`` or ``audiofolder``),
    ``rel`` names it (``train/``), ``path`` is the dataset root (folder or URL) its member paths
    are relative to, and ``collection`` lists the members.
    """

    path: str
    rel: str
    split: str
    format: str
    compression: str | None = None
    collection: Collection | None = None

    def sources(self) -> tuple[str, ...]:
        """Absolute paths (URLs under a URL) of the bytes behind this file: itself, or members
        then metadata."""
        if self.collection is None:
            return (self.path,)
        names = (*self.collection.members, *self.collection.metadata)
        return tuple(locate(self.path, name) for name in names)

    def slice(self, start: int, end: int) -> DataFile:
        """This collection restricted to members ``[start, end)`` (what one partition reads)."""
        assert self.collection is not None
        members = self.collection.members[start:end]
        return replace(self, collection=replace(self.collection, members=members))


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

    ``items`` is the ``[start, end)`` range of a collection's members the partition reads; its
    ``file`` then carries only those members (:meth:`DataFile.slice`), so a task pickles a few
    hundred names, not the whole collection.
    """

    file: DataFile
    unit: str
    row_groups: tuple[int, ...] | None = None
    columns: tuple[str, ...] | None = None
    row_offset: int = 0
    byte_range: tuple[int, int] | None = None
    items: tuple[int, int] | None = None
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


# -- small helpers shared by the built-in readers ------------------------------------------------

#: Rows per partition the built-in readers aim for.
PARTITION_ROWS = 256 * 1024
#: Rows per record batch the built-in readers aim for.
BATCH_ROWS = 64 * 1024


def where(file: DataFile, line: int | None = None) -> str:
    """How an error names a place: ``rel`` or ``rel:line`` (lines are 1-based).

    >>> where(DataFile(path="/d/a.csv", rel="a.csv", split="train", format="csv"), 12)
    'a.csv:12'
    """
    name = file.rel or file.path
    return f"{name}:{line}" if line is not None else name


def pyarrow_message(exc: BaseException, limit: int = 200) -> str:
    """The first line of a pyarrow error, without its prefix noise and cut to ``limit`` chars."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_file(file: DataFile) -> int:
    """The size of ``file`` in bytes; SourceError if it is missing, not a file, or empty."""
    if is_url(file.path):
        return _check_url(file)
    try:
        info = Path(file.path).stat()
    except OSError as exc:
        raise SourceError(
            f"cannot open the file: {exc.strerror or exc}",
            where=where(file),
            hint="check that it exists and is readable (a broken symlink?)",
        ) from exc
    if not stat.S_ISREG(info.st_mode):
        raise SourceError(
            "is not a regular file (a folder?)",
            where=where(file),
            hint="rename it, or point datacard at a file",
        )
    if info.st_size == 0:
        raise SourceError(
            "the file is empty (0 bytes)",
            where=where(file),
            hint="remove it, or regenerate it",
        )
    return info.st_size


def _check_url(file: DataFile) -> int:
    try:
        size = file_size(file.path)
    except IsADirectoryError as exc:
        raise SourceError(
            "is not a file (a folder?)", where=where(file), hint="point datacard at a file"
        ) from exc
    except OSError as exc:
        raise SourceError(
            f"cannot open the URL: {exc.strerror or exc}",
            where=where(file),
            hint="check that it exists and that your credentials can read it",
        ) from exc
    if size == 0:
        raise SourceError(
            "the file is empty (0 bytes)", where=where(file), hint="remove it, or regenerate it"
        )
    return size


def unreadable(path: str, rel: str, exc: OSError) -> SourceError:
    """The error for a file of the dataset that cannot be read (``path``, known to the card as
    ``rel``): one line naming its URL under a URL, else its path relative to the root.

    >>> error = unreadable("memory://ds/a.png", "a.png", FileNotFoundError(2, "No such file"))
    >>> error.where, error.message
    ('memory://ds/a.png', 'cannot read the file: No such file')
    """
    if is_url(path):
        where, hint = path, "check that it exists and that your credentials can read it"
    else:
        where, hint = rel, "check that it exists and is readable"
    return SourceError(f"cannot read the file: {exc.strerror or exc}", where=where, hint=hint)


def open_stream(file: DataFile) -> pa.NativeFile:
    """The file's bytes as a (decompressing) Arrow input stream, read through fsspec for a URL."""
    import pyarrow as pa

    source: str | BinaryIO = open_input(file.path) if is_url(file.path) else file.path
    return pa.input_stream(source, compression=file.compression)


def read_range(path: str, start: int, end: int) -> pa.Buffer:
    """Bytes ``[start, end)`` of an uncompressed file, as one bounded read."""
    import pyarrow as pa

    if is_url(path):
        return pa.py_buffer(remote_range(path, start, end))
    with pa.OSFile(path) as handle:  # a plain read: bounded, unlike mapped pages
        return handle.read_at(end - start, start)


def unique_names(names: Sequence[str]) -> list[str]:
    """Column names made unique: later copies of a name become ``name__2``, ``name__3``, ...

    >>> unique_names(["x", "x", "x__2", "x"])
    ['x', 'x__3', 'x__2', 'x__4']
    """
    taken = set(names)
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        if name not in seen:
            seen.add(name)
            out.append(name)
            continue
        n = 2
        while f"{name}__{n}" in taken:
            n += 1
        new = f"{name}__{n}"
        taken.add(new)
        seen.add(new)
        out.append(new)
    return out


def rename_warnings(file: DataFile, names: Sequence[str], unique: Sequence[str]) -> tuple[str, ...]:
    """One warning per renamed duplicate column, naming file and column."""
    return tuple(
        f"{where(file)}: duplicate column '{old}' kept as '{new}'"
        for old, new in zip(names, unique, strict=True)
        if old != new
    )


def columns_to_read(
    file: DataFile, names: Sequence[str], columns: Sequence[str] | None
) -> list[str] | None:
    """File column names to ask a format reader for, or None to read every column.

    ``names`` are the file's own names (maybe duplicated); ``columns`` the renamed names a
    partition asks for. Duplicated names cannot be selected by name, so we then read all.
    """
    if columns is None:
        return None
    unique = unique_names(names)
    missing = [c for c in columns if c not in unique]
    if missing:
        raise SourceError(
            f"column '{missing[0]}' is not in the file",
            where=where(file),
            hint=f"columns are: {', '.join(unique)}; was the file changed?",
        )
    original = [names[unique.index(c)] for c in columns]
    if any(names.count(name) > 1 for name in original):
        return None
    return original


def finish_batch(
    batch: pa.RecordBatch, rename: Sequence[str] | None, columns: Sequence[str] | None
) -> pa.RecordBatch:
    """Give a batch read with every column the ``rename`` names, then keep ``columns`` in order.

    Pass ``rename=None`` for a batch read with :func:`columns_to_read`'s subset (its names are
    already unique).
    """
    if rename is not None and list(batch.schema.names) != list(rename):
        batch = batch.rename_columns(list(rename))
    if columns is not None and list(batch.schema.names) != list(columns):
        batch = batch.select(list(columns))
    return batch
