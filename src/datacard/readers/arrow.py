"""Arrow IPC files (``.arrow``, ``.feather``, ``.ipc``): the random-access *file* format (also
Feather v2) and the *stream* format (what Hugging Face ``save_to_disk`` writes).

IPC files are split into partitions of about 256k rows by record batch (``row_groups`` holds the
batch indices); a stream is one partition. A URL (:mod:`datacard.remote`) is read through fsspec
instead of a memory map.

>>> ipc_kind(b"ARROW1\\x00\\x00"), ipc_kind(b"\\xff\\xff\\xff\\xff"), ipc_kind(b"FEA1")
('file', 'stream', 'feather1')
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import ClassVar

import pyarrow as pa
import pyarrow.ipc as ipc

from datacard.errors import SourceError
from datacard.readers.base import (
    PARTITION_ROWS,
    DataFile,
    FileInfo,
    Partition,
    check_file,
    columns_to_read,
    finish_batch,
    pyarrow_message,
    rename_warnings,
    unique_names,
    where,
)
from datacard.remote import is_url, open_input

_ERRORS = (pa.ArrowException, OSError, ValueError)


def ipc_kind(head: bytes) -> str:
    """Which Arrow layout a file's first bytes announce: ``file``, ``feather1`` or ``stream``."""
    if head.startswith(b"ARROW1"):
        return "file"
    return "feather1" if head.startswith(b"FEA1") else "stream"


def _bad(file: DataFile, exc: BaseException, kind: str) -> SourceError:
    return SourceError(
        f"not a readable Arrow IPC {kind}: {pyarrow_message(exc)}",
        where=where(file),
        hint="the file is truncated or not Arrow; re-download or re-export it",
    )


def _kind(file: DataFile) -> str:
    check_file(file)
    with open_input(file.path) as handle:
        return ipc_kind(handle.read(8))


def _source(file: DataFile) -> pa.NativeFile:
    """A memory map of a local file; a URL's file through fsspec (random access reads)."""
    if is_url(file.path):
        return pa.PythonFile(open_input(file.path), mode="r")
    return pa.memory_map(file.path)


def _open_file(file: DataFile) -> ipc.RecordBatchFileReader:
    try:
        return ipc.open_file(_source(file))
    except _ERRORS as exc:
        raise _bad(file, exc, "file") from exc


def _stream_batches(file: DataFile) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    try:
        reader = ipc.open_stream(_source(file))
    except _ERRORS as exc:
        raise _bad(file, exc, "stream") from exc

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            yield from reader
        except _ERRORS as exc:
            raise _bad(file, exc, "stream") from exc

    return reader.schema, batches()


def _no_feather1(file: DataFile) -> SourceError:
    return SourceError(
        "legacy Feather v1 files are not supported (pyarrow deprecated them)",
        where=where(file),
        hint="rewrite it as Feather v2: pyarrow.feather.write_feather(read_table(path), path)",
    )


def _schema_and_rows(file: DataFile) -> tuple[pa.Schema, int | None]:
    kind = _kind(file)
    if kind == "file":
        reader = _open_file(file)
        rows = sum(reader.get_batch(i).num_rows for i in range(reader.num_record_batches))
        return reader.schema, rows
    if kind == "feather1":
        raise _no_feather1(file)
    schema, _ = _stream_batches(file)
    return schema, None


class ArrowReader:
    """Reads Arrow IPC files and streams; legacy Feather v1 gets a clear error."""

    name: ClassVar[str] = "arrow"
    formats: ClassVar[frozenset[str]] = frozenset({"arrow"})

    def inspect(self, file: DataFile) -> FileInfo:
        """Schema (duplicate names renamed); rows when the format records them."""
        schema, rows = _schema_and_rows(file)
        names = schema.names
        unique = unique_names(names)
        renamed = pa.schema([f.with_name(n) for f, n in zip(schema, unique, strict=True)])
        return FileInfo(schema=renamed, rows=rows, warnings=rename_warnings(file, names, unique))

    def partitions(self, file: DataFile) -> Sequence[Partition]:
        """IPC file: record batches grouped to about 256k rows; stream: the whole file."""
        if _kind(file) != "file":
            return [Partition(file=file, unit=file.rel)]
        reader = _open_file(file)
        parts: list[Partition] = []
        group: list[int] = []
        rows = offset = 0
        last = reader.num_record_batches - 1
        for i in range(reader.num_record_batches):
            group.append(i)
            rows += reader.get_batch(i).num_rows
            if rows >= PARTITION_ROWS or i == last:
                unit = f"{file.rel}#b{group[0]}" + (f"-{group[-1]}" if len(group) > 1 else "")
                parts.append(
                    Partition(file=file, unit=unit, row_groups=tuple(group), row_offset=offset)
                )
                offset += rows
                group, rows = [], 0
        return parts or [Partition(file=file, unit=file.rel, row_groups=())]

    def batches(self, partition: Partition) -> Iterator[pa.RecordBatch]:
        """Record batches of the partition (``row_groups`` are IPC record batch indices)."""
        file = partition.file
        kind = _kind(file)
        batches: Iterator[pa.RecordBatch]
        if kind == "file":
            reader = _open_file(file)
            schema = reader.schema
            indices = partition.row_groups
            if indices is None:
                indices = tuple(range(reader.num_record_batches))
            batches = (reader.get_batch(i) for i in indices)
        elif kind == "feather1":
            raise _no_feather1(file)
        else:
            schema, batches = _stream_batches(file)
        names = schema.names
        read = columns_to_read(file, names, partition.columns)
        rename = None if read is not None else unique_names(names)
        try:
            for batch in batches:
                if read is not None:
                    batch = batch.select(read)
                yield finish_batch(batch, rename, partition.columns)
        except _ERRORS as exc:
            raise _bad(file, exc, kind) from exc
