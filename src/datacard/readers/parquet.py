"""Parquet files: one partition per group of row groups (about 256k rows).

A URL (:mod:`datacard.remote`) is read through its fsspec filesystem: the footer, then only the
column chunks a partition asks for (ranged reads).

Strings stored dictionary-encoded are read as Arrow dictionaries (cheap for low-cardinality
columns); everything else is read as stored.

>>> ParquetReader.formats
frozenset({'parquet'})
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.parquet as pq

from datacard.errors import SourceError
from datacard.readers.base import (
    BATCH_ROWS,
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
from datacard.remote import filesystem, is_url, open_input, shares_handles

_ERRORS = (pa.ArrowException, OSError, ValueError)
_DICT_ENCODINGS = frozenset({"PLAIN_DICTIONARY", "RLE_DICTIONARY"})


def _open(
    file: DataFile,
    read_dictionary: Sequence[str] | None = None,
    metadata: pq.FileMetaData | None = None,
) -> pq.ParquetFile:
    if metadata is None:
        check_file(file)
    source: Any = file.path
    fs = None
    if is_url(file.path):
        fs, source = filesystem(file.path)
        if shares_handles(fs):
            source, fs = open_input(file.path), None
    try:
        return pq.ParquetFile(
            source,
            memory_map=False,
            read_dictionary=read_dictionary,
            metadata=metadata,
            filesystem=fs,
        )
    except _ERRORS as exc:
        raise SourceError(
            f"not a readable Parquet file: {pyarrow_message(exc)}",
            where=where(file),
            hint="the file is truncated or not Parquet; re-download or re-export it",
        ) from exc


def footer(file: DataFile) -> pq.FileMetaData:
    """The file's footer (row groups, their rows, column chunks), read as :class:`ParquetReader`
    reads it: through fsspec for a URL; SourceError if it is not readable Parquet."""
    return _open(file).metadata


def _small_dictionary(chunk: pq.ColumnChunkMetaData) -> bool:
    """Dictionary-encoded with a dictionary small next to the data (a low-cardinality column).

    A writer falls back to plain pages when the dictionary grows too large (high cardinality);
    reading such a column as a dictionary would only rebuild one, slowly.
    """
    if not (chunk.has_dictionary_page and _DICT_ENCODINGS.intersection(chunk.encodings)):
        return False
    dictionary_bytes = chunk.data_page_offset - chunk.dictionary_page_offset
    if dictionary_bytes <= 4096:
        return True
    # A writer caps the dictionary page (1 MiB by default) and falls back to plain pages:
    # a dictionary near that cap belongs to a high-cardinality column.
    return bool(
        dictionary_bytes <= 256 << 10 and dictionary_bytes * 10 < chunk.total_compressed_size
    )


def dictionary_columns(pf: pq.ParquetFile, row_groups: Sequence[int]) -> list[str]:
    """Top-level string columns whose chunks in ``row_groups`` are all dictionary-encoded."""
    schema = pf.schema_arrow
    names = schema.names
    strings = {
        f.name
        for f in schema
        if (pa.types.is_string(f.type) or pa.types.is_large_string(f.type))
        and names.count(f.name) == 1
    }
    md = pf.metadata
    out: list[str] = []
    for j in range(md.num_columns):
        path = md.schema.column(j).path
        if path not in strings:
            continue
        chunks = [md.row_group(i).column(j) for i in row_groups]
        if chunks and all(_small_dictionary(c) for c in chunks):
            out.append(path)
    return out


class ParquetReader:
    """Reads ``.parquet`` files with pyarrow."""

    name: ClassVar[str] = "parquet"
    formats: ClassVar[frozenset[str]] = frozenset({"parquet"})

    def inspect(self, file: DataFile) -> FileInfo:
        """Schema (duplicate names renamed) and row count from the footer."""
        pf = _open(file)
        names = pf.schema_arrow.names
        unique = unique_names(names)
        schema = pa.schema([f.with_name(n) for f, n in zip(pf.schema_arrow, unique, strict=True)])
        return FileInfo(
            schema=schema,
            rows=pf.metadata.num_rows,
            warnings=rename_warnings(file, names, unique),
        )

    def partitions(self, file: DataFile) -> Sequence[Partition]:
        """Consecutive row groups grouped to about :data:`PARTITION_ROWS` rows each."""
        md = footer(file)
        parts: list[Partition] = []
        group: list[int] = []
        rows = offset = 0
        for i in range(md.num_row_groups):
            group.append(i)
            rows += md.row_group(i).num_rows
            if rows >= PARTITION_ROWS or i == md.num_row_groups - 1:
                parts.append(self._partition(file, group, offset))
                offset += rows
                group, rows = [], 0
        return parts or [Partition(file=file, unit=file.rel, row_groups=())]

    @staticmethod
    def _partition(file: DataFile, group: list[int], offset: int) -> Partition:
        unit = f"{file.rel}#rg{group[0]}" + (f"-{group[-1]}" if len(group) > 1 else "")
        return Partition(file=file, unit=unit, row_groups=tuple(group), row_offset=offset)

    def batches(self, partition: Partition) -> Iterator[pa.RecordBatch]:
        """Record batches of the partition's row groups and columns."""
        file = partition.file
        pf = _open(file)
        groups = (
            list(range(pf.metadata.num_row_groups))
            if partition.row_groups is None
            else list(partition.row_groups)
        )
        if not groups:
            return
        names = pf.schema_arrow.names
        read = columns_to_read(file, names, partition.columns)
        rename = None if read is not None else unique_names(names)
        dictionary = dictionary_columns(pf, groups)
        if read is not None:
            dictionary = [c for c in dictionary if c in read]
        if dictionary:
            pf = _open(file, dictionary, pf.metadata)
        row = partition.row_offset
        try:
            for batch in pf.iter_batches(
                batch_size=BATCH_ROWS, row_groups=groups, columns=read, use_threads=False
            ):
                yield finish_batch(batch, rename, partition.columns)
                row += batch.num_rows
        except _ERRORS as exc:
            raise SourceError(
                f"cannot read Parquet data after row {row}: {pyarrow_message(exc)}",
                where=where(file),
                hint="the file is corrupt; re-download or re-export it",
            ) from exc
