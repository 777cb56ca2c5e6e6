"""CSV and TSV files (optionally .gz/.bz2/.zst): pyarrow's streaming reader, one partition per file.

A URL (:mod:`datacard.remote`) is read through fsspec; its byte ranges are ranged reads.

The happy path is all pyarrow. Only when pyarrow reports a problem (or a cell holds a line break,
the mark of a quote that swallowed later rows) do we re-scan the text with Python's ``csv``
module to name the line, and the column, at fault.

>>> sorted(CsvReader.formats)
['csv', 'tsv']
"""

from __future__ import annotations

import csv
import functools
import itertools
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import ClassVar

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from datacard.errors import SourceError
from datacard.readers.base import (
    DataFile,
    FileInfo,
    Partition,
    check_file,
    columns_to_read,
    finish_batch,
    open_stream,
    pyarrow_message,
    read_range,
    rename_warnings,
    unique_names,
    where,
)
from datacard.remote import file_size, file_version, open_input

#: Bytes per block read (and type-inferred) at a time; ~50-100k rows of a typical table.
BLOCK_SIZE = 8 << 20
#: Target size of a byte range of a large uncompressed file (a unit of parallel work).
RANGE_BYTES = 32 << 20
#: Text read as null. Unlike pyarrow's default, "NaN"/"nan" stay NaN in float columns.
NULL_VALUES = ["", "NULL", "null", "NA", "N/A", "n/a", "#N/A", "#NA", "<NA>"]

_ERRORS = (pa.ArrowException, OSError, ValueError)
_CONVERSION = re.compile(r"column #(\d+): CSV conversion error to (\S+): invalid value '(.*)'$")


def _delimiter(file: DataFile) -> str:
    return "\t" if file.format == "tsv" else ","


def _open(
    file: DataFile,
    include: Sequence[str] | None = None,
    byte_range: tuple[int, int] | None = None,
) -> pacsv.CSVStreamingReader:
    """A streaming reader of the whole file, or of one byte range of an uncompressed file.

    A range after the first starts at a record boundary and has no header: it gets the file's
    column names, and every range gets the column types of the file's first block, so all
    ranges agree.
    """
    names: list[str] | None = None
    types: dict[str, pa.DataType] | None = None
    stream: pa.NativeFile
    if byte_range is None:
        stream = open_stream(file)
    else:
        schema = _range_schema(file)
        start, end = byte_range
        names = schema.names if start > 0 else None
        if len(set(schema.names)) == len(schema.names):
            types = {f.name: f.type for f in schema}
        stream = pa.BufferReader(read_range(file.path, start, end))
    try:
        reader = pacsv.open_csv(
            stream,
            read_options=pacsv.ReadOptions(block_size=BLOCK_SIZE, column_names=names),
            parse_options=pacsv.ParseOptions(delimiter=_delimiter(file), newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                null_values=NULL_VALUES,
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
                include_columns=list(include) if include is not None else None,
                column_types=types,
            ),
        )
        _ = reader.schema.names  # a header that is not UTF-8 fails here
    except _ERRORS as exc:
        stream.close()
        raise diagnose(file, exc) from exc
    return reader


class CsvReader:
    """Reads ``.csv`` and ``.tsv`` files, compressed or not."""

    name: ClassVar[str] = "csv"
    formats: ClassVar[frozenset[str]] = frozenset({"csv", "tsv"})

    def inspect(self, file: DataFile) -> FileInfo:
        """Schema inferred from the first block (duplicate names renamed); rows unknown."""
        check_file(file)
        reader = _open(file)
        try:
            schema = reader.schema
            _check_text(file, schema)
        finally:
            reader.close()
        names = schema.names
        unique = unique_names(names)
        renamed = pa.schema([f.with_name(n) for f, n in zip(schema, unique, strict=True)])
        return FileInfo(schema=renamed, rows=None, warnings=rename_warnings(file, names, unique))

    def partitions(self, file: DataFile) -> Sequence[Partition]:
        """Byte ranges of about :data:`RANGE_BYTES` for a large uncompressed file, else one.

        A range ends after a newline with an even number of quote characters before it, so it
        never cuts a quoted field (RFC 4180 quoting: a doubled quote keeps the parity).
        """
        size = file_size(file.path)
        if file.compression is not None or size < 2 * RANGE_BYTES:
            return [Partition(file=file, unit=file.rel)]
        bounds = record_boundaries(file.path, RANGE_BYTES)
        return [
            Partition(file=file, unit=f"{file.rel}@{start}", byte_range=(start, end))
            for start, end in itertools.pairwise(bounds)
        ]

    def batches(self, partition: Partition) -> Iterator[pa.RecordBatch]:
        """Record batches of the file, renamed and restricted to the partition's columns."""
        file = partition.file
        size = check_file(file)
        if partition.byte_range is None:
            reader = _open(file)
            names = reader.schema.names
            read = columns_to_read(file, names, partition.columns)
            if read is not None:  # the header is known only once the file is open
                reader.close()
                reader = _open(file, read)
        else:  # the names are the first block's (cached): one ranged read
            names = _range_schema(file).names
            read = columns_to_read(file, names, partition.columns)
            reader = _open(file, read, partition.byte_range)
        rename = None if read is not None else unique_names(names)
        last = partition.byte_range is None or partition.byte_range[1] == size
        verified = False
        try:
            _check_text(file, reader.schema)
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    if (
                        last
                        and not verified
                        and _open_quote_at_end(file)
                        and (problem := scan(file))
                    ):
                        raise problem from None
                    return
                except _ERRORS as exc:
                    raise diagnose(file, exc) from exc
                if not verified and _has_line_break(batch):
                    if (problem := scan(file)) is not None:
                        raise problem
                    verified = True
                yield finish_batch(batch, rename, partition.columns)
        finally:
            reader.close()


def _check_text(file: DataFile, schema: pa.Schema) -> None:
    """pyarrow types a column holding invalid UTF-8 as binary: name the line instead."""
    binary = [f.name for f in schema if pa.types.is_binary(f.type)]
    if binary:
        raise scan(file) or SourceError(
            f"column '{binary[0]}' is not valid UTF-8 text",
            where=where(file),
            hint="re-encode the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)",
        )


def _range_schema(file: DataFile) -> pa.Schema:
    """The column names and types every byte range of an uncompressed ``file`` is read with."""
    return _file_schema(file.path, *file_version(file.path), file.format)


@functools.lru_cache(maxsize=32)
def _file_schema(path: str, size: int, version: int | str, fmt: str) -> pa.Schema:
    """The column names and types pyarrow infers from the file's first block (cached)."""
    file = DataFile(path=path, rel=Path(path).name, split="", format=fmt)
    reader = _open(file)
    try:
        return reader.schema
    finally:
        reader.close()


def record_boundaries(path: str, target: int) -> list[int]:
    """Offsets ``[0, ..., size]`` cutting the file after newlines outside quoted fields.

    One sequential read of the file (counting quote characters), so it costs about as much as
    hashing it and keeps no more than a window in memory.
    """
    window = 1 << 20
    size = file_size(path)
    bounds = [0]
    with open_input(path) as handle:
        position = 0  # bytes read so far
        quotes = 0  # quote characters before ``position``
        while size - bounds[-1] > 2 * target:
            goal = bounds[-1] + target
            while position < goal:  # count quotes up to the goal
                chunk = handle.read(min(window, goal - position))
                quotes += chunk.count(b'"')
                position += len(chunk)
            cut = None
            while cut is None and position < size:
                chunk = handle.read(window)
                start = 0
                while (newline := chunk.find(b"\n", start)) >= 0:
                    if (quotes + chunk.count(b'"', 0, newline + 1)) % 2 == 0:
                        cut = position + newline + 1
                        break
                    start = newline + 1
                if cut is None:
                    quotes += chunk.count(b'"')
                    position += len(chunk)
                else:
                    quotes += chunk.count(b'"', 0, cut - position)
                    position = cut
                    handle.seek(cut)
            if cut is None or cut >= size:
                break
            bounds.append(cut)
    bounds.append(size)
    return bounds


def _has_line_break(batch: pa.RecordBatch) -> bool:
    for column in batch.columns:
        is_text = pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
        if is_text and pc.any(pc.match_substring(column, "\n")).as_py():
            return True
    return False


def _open_quote_at_end(file: DataFile) -> bool:
    """Whether an uncompressed file's last line (with no newline after it) has an odd number of
    quotes: a quote opened there is closed by end of file, silently, in pyarrow."""
    if file.compression is not None:
        return False
    with open_input(file.path) as handle:
        size = handle.seek(0, 2)
        handle.seek(max(0, size - (1 << 16)))
        tail = handle.read()
    return not tail.endswith(b"\n") and tail.rsplit(b"\n", 1)[-1].count(b'"') % 2 == 1


# -- diagnosis (only after pyarrow reported a problem) -------------------------------------------


class _BadText(Exception):
    def __init__(self, line: int, raw: bytes, pos: int) -> None:
        super().__init__(line)
        self.line, self.raw, self.pos = line, raw, pos


def _raw_lines(file: DataFile) -> Iterator[bytes]:
    with open_stream(file) as stream:
        rest = b""
        while chunk := stream.read(1 << 20):
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop()
            for line in lines:
                yield line + b"\n"
        if rest:
            yield rest


def _decoded(file: DataFile) -> Iterator[str]:
    for n, raw in enumerate(_raw_lines(file), 1):
        try:
            yield raw.decode("utf-8-sig" if n == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise _BadText(n, raw, exc.start) from exc


def diagnose(file: DataFile, exc: BaseException) -> SourceError:
    """A SourceError naming the line (and column) behind a pyarrow CSV error."""
    if "Empty CSV file" in str(exc):
        return SourceError(
            "the file has no header and no rows",
            where=where(file),
            hint="remove it, or write the header line",
        )
    conversion = None
    if match := _CONVERSION.search(str(exc)):
        conversion = (int(match[1]), match[2], match[3])
    found = scan(file, conversion)
    if found is not None:
        return found
    return SourceError(
        f"cannot read as {file.format.upper()}: {pyarrow_message(exc)}",
        where=where(file),
        hint="check the delimiter, quoting and encoding (UTF-8)",
    )


def scan(file: DataFile, conversion: tuple[int, str, str] | None = None) -> SourceError | None:
    """Re-read ``file`` with Python's csv module; the first problem found, or None.

    ``conversion`` is ``(column index, type, value)`` from a pyarrow conversion error.
    """
    delimiter = _delimiter(file)
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))
    reader = csv.reader(_decoded(file), delimiter=delimiter, strict=True)
    header: list[str] = []
    end = 0  # last line of the previous record
    row = -1
    try:
        for record in reader:
            start, end = end + 1, reader.line_num
            if row < 0:
                header, row = record, 0
                continue
            if not record:
                continue
            if len(record) != len(header):
                return SourceError(
                    f"row has {len(record)} fields, expected {len(header)}",
                    where=where(file, start),
                    hint="fix the row, or check the delimiter",
                )
            if conversion and record[conversion[0]] == conversion[2]:
                index, type_, value = conversion
                return SourceError(
                    f"column '{header[index]}' holds {value!r} (row {row}) but its first rows "
                    f"were read as {type_}",
                    where=where(file, start),
                    hint="make the column's values one type; types are inferred from the "
                    "first rows",
                )
            row += 1
    except csv.Error as exc:
        start = end + 1
        what = (
            f"unterminated quote: the quote opened on line {start} is never closed"
            if "end of data" in str(exc)
            else f"bad quoting in the row starting on line {start}: {exc}"
        )
        return SourceError(
            what,
            where=where(file, start),
            hint='close the quote, or double a quote inside a quoted field ("")',
        )
    except _BadText as bad:
        return _not_utf8(file, bad, header, delimiter)
    except _ERRORS as exc:
        return SourceError(
            f"cannot read the file: {pyarrow_message(exc)}",
            where=where(file),
            hint="is the compressed file complete?",
        )
    return None


def _not_utf8(file: DataFile, bad: _BadText, header: list[str], delimiter: str) -> SourceError:
    column = ""
    fields = bad.raw.count(delimiter.encode()) + 1
    if bad.line > 1 and fields == len(header):
        index = bad.raw[: bad.pos].count(delimiter.encode())
        column = f", column '{header[index]}'"
    return SourceError(
        f"byte 0x{bad.raw[bad.pos]:02X} is not valid UTF-8{column}",
        where=where(file, bad.line),
        hint="re-encode the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)",
    )


__all__ = ["CsvReader", "diagnose", "scan"]
