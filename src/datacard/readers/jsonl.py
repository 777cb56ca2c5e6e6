"""JSON Lines files (optionally .gz/.bz2/.zst): one JSON object per line.

A file is read whole (types unified over all lines), except a large uncompressed one, which is
read in byte ranges of lines (bounded memory, in parallel) with the types of its first range.
A URL (:mod:`datacard.remote`) is read through fsspec; its byte ranges are ranged reads.
Only if pyarrow fails do we re-scan the lines with Python's ``json`` to name the line and field.

>>> kind_of(3), kind_of(2.5), kind_of(True), kind_of("x")
('number', 'number', 'boolean', 'string')
"""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO, ClassVar

import pyarrow as pa
import pyarrow.json as pajson

from datacard.errors import SourceError
from datacard.readers.base import (
    BATCH_ROWS,
    DataFile,
    FileInfo,
    Partition,
    check_file,
    columns_to_read,
    finish_batch,
    open_stream,
    pyarrow_message,
    read_range,
    unique_names,
    where,
)
from datacard.remote import file_size, file_version, open_input

#: Bytes parsed per block; a line longer than this is retried with a bigger block.
BLOCK_SIZE = 16 << 20
#: A larger uncompressed file is read in byte ranges of about this size (bounded memory).
RANGE_BYTES = 64 << 20

_ERRORS = (pa.ArrowException, OSError, ValueError)


def _raw_lines(file: DataFile) -> Iterator[bytes]:
    with open_stream(file) as stream:
        rest = b""
        while chunk := stream.read(1 << 20):
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop()
            yield from lines
        if rest:
            yield rest


def read_table(
    file: DataFile,
    byte_range: tuple[int, int] | None = None,
    schema: pa.Schema | None = None,
) -> pa.Table:
    """The whole file (or one byte range of lines) as a table; SourceError naming the line.

    With ``schema`` the lines are parsed to those types (a field or type outside it is an
    error naming the line), which keeps the byte ranges of one file consistent.
    """
    check_file(file)
    block = BLOCK_SIZE
    parse = pajson.ParseOptions(explicit_schema=schema, unexpected_field_behavior="error")
    for _attempt in range(2):
        try:
            with _open_range(file, byte_range) as stream:
                table = pajson.read_json(
                    stream,
                    read_options=pajson.ReadOptions(block_size=block),
                    parse_options=parse if schema is not None else None,
                )
            table.validate(full=True)  # pyarrow's JSON parser lets invalid UTF-8 through
            return table
        except _ERRORS as exc:
            if "straddl" in str(exc) and _attempt == 0:
                block = max(len(line) for line in _raw_lines(file)) + (1 << 20)
                continue
            raise diagnose(file, exc) from exc
    raise AssertionError("unreachable")  # pragma: no cover


def _open_range(file: DataFile, byte_range: tuple[int, int] | None) -> pa.NativeFile:
    if byte_range is None:
        return open_stream(file)
    return pa.BufferReader(read_range(file.path, *byte_range))


def line_boundaries(path: str, target: int) -> list[int]:
    """Offsets ``[0, ..., size]`` cutting the file after a newline every ``target`` bytes.

    A JSON line holds no raw newline (inside strings it is escaped), so any newline ends a
    record.
    """
    size = file_size(path)
    bounds = [0]
    with open_input(path) as handle:
        while size - bounds[-1] > 2 * target:
            cut = _line_end(handle, bounds[-1] + target)
            if cut is None:
                break
            bounds.append(cut)
    bounds.append(size)
    return bounds


def first_range_end(path: str, target: int) -> int:
    """Where the first range of :func:`line_boundaries` ends: one seek and read, not all."""
    size = file_size(path)
    if size <= 2 * target:
        return size
    with open_input(path) as handle:
        cut = _line_end(handle, target)
    return size if cut is None else cut


def _line_end(handle: BinaryIO, offset: int) -> int | None:
    """The offset just after the first newline at or after ``offset``; None if there is none."""
    handle.seek(offset)
    skipped = 0
    while chunk := handle.read(1 << 20):
        newline = chunk.find(b"\n")
        if newline >= 0:
            return offset + skipped + newline + 1
        skipped += len(chunk)
    return None


@functools.lru_cache(maxsize=32)
def _first_range_schema(path: str, size: int, version: int | str, end: int) -> pa.Schema:
    file = DataFile(path=path, rel=Path(path).name, split="", format="jsonl")
    return read_table(file, (0, end)).schema


class JsonlReader:
    """Reads ``.jsonl`` / ``.ndjson`` files."""

    name: ClassVar[str] = "jsonl"
    formats: ClassVar[frozenset[str]] = frozenset({"jsonl"})

    def inspect(self, file: DataFile) -> FileInfo:
        """Schema and row count: over the whole file, or over the first range of a large one."""
        if not self._ranged(file):
            table = read_table(file)
            return FileInfo(schema=table.schema, rows=table.num_rows)
        return FileInfo(
            schema=self._schema(file, first_range_end(file.path, RANGE_BYTES)), rows=None
        )

    def partitions(self, file: DataFile) -> Sequence[Partition]:
        """One partition per file; byte ranges of lines for a large uncompressed file."""
        if not self._ranged(file):
            return [Partition(file=file, unit=file.rel)]
        return [
            Partition(file=file, unit=f"{file.rel}@{start}", byte_range=(start, end))
            for start, end in itertools.pairwise(line_boundaries(file.path, RANGE_BYTES))
        ]

    @staticmethod
    def _ranged(file: DataFile) -> bool:
        return file.compression is None and file_size(file.path) >= 2 * RANGE_BYTES

    @staticmethod
    def _schema(file: DataFile, first_end: int) -> pa.Schema:
        return _first_range_schema(file.path, *file_version(file.path), first_end)

    def batches(self, partition: Partition) -> Iterator[pa.RecordBatch]:
        """Record batches of the file (or range), restricted to the partition's columns."""
        if partition.byte_range is None:
            table = read_table(partition.file)
        else:
            start, end = partition.byte_range
            first_end = end if start == 0 else first_range_end(partition.file.path, RANGE_BYTES)
            schema = self._schema(partition.file, first_end)
            table = read_table(partition.file, partition.byte_range, schema)
        names = table.schema.names
        read = columns_to_read(partition.file, names, partition.columns)
        rename = None if read is not None else unique_names(names)
        if read is not None:
            table = table.select(read)
        for batch in table.to_batches(max_chunksize=BATCH_ROWS):
            yield finish_batch(batch, rename, partition.columns)


# -- diagnosis (only after pyarrow reported a problem) -------------------------------------------


def kind_of(value: object) -> str:
    """The JSON kind pyarrow tells apart (ints and floats are both numbers)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else "null"


class _Duplicate(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


def _kinds(value: object, path: str) -> Iterator[tuple[str, str]]:
    """(field path, kind) for every non-null value inside one JSON value."""
    kind = kind_of(value)
    if kind == "null":
        return
    yield path, kind
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _kinds(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for item in value:
            yield from _kinds(item, f"{path}[]")


def diagnose(file: DataFile, exc: BaseException) -> SourceError:
    """A SourceError naming the line (and field) behind a pyarrow JSON error."""
    if "Empty JSON file" in str(exc):
        return SourceError(
            "the file holds no JSON lines", where=where(file), hint="remove it, or fill it"
        )
    return scan(file) or SourceError(
        f"cannot read as JSON Lines: {pyarrow_message(exc)}",
        where=where(file),
        hint="each line must be one JSON object, with one type per field",
    )


def scan(file: DataFile) -> SourceError | None:
    """Re-read ``file`` line by line with Python's json; the first problem found, or None."""
    seen: dict[str, tuple[str, int]] = {}
    try:
        for n, raw in enumerate(_raw_lines(file), 1):
            if not raw.strip():
                continue
            problem = _check_line(file, n, raw, seen)
            if problem is not None:
                return problem
    except _ERRORS as exc:
        return SourceError(
            f"cannot read the file: {pyarrow_message(exc)}",
            where=where(file),
            hint="is the compressed file complete?",
        )
    return None


def _check_line(
    file: DataFile, n: int, raw: bytes, seen: dict[str, tuple[str, int]]
) -> SourceError | None:
    at = where(file, n)
    try:
        text = raw.decode("utf-8-sig" if n == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        return SourceError(
            f"byte 0x{raw[exc.start]:02X} is not valid UTF-8",
            where=at,
            hint="re-encode the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)",
        )
    try:
        obj = json.loads(text, object_pairs_hook=_no_duplicates)
    except _Duplicate as dup:
        return SourceError(
            f"field '{dup.key}' appears twice in one object",
            where=at,
            hint="keep one of them",
        )
    except json.JSONDecodeError as exc:
        return SourceError(
            f"invalid JSON at column {exc.colno}: {exc.msg}",
            where=at,
            hint="each line must be one complete JSON object",
        )
    if not isinstance(obj, dict):
        return SourceError(
            f"line is a JSON {kind_of(obj)}, not an object",
            where=at,
            hint='wrap it as an object, e.g. {"value": ...}',
        )
    for path, kind in _kinds(obj, ""):
        first = seen.setdefault(path, (kind, n))
        if first[0] != kind:
            return SourceError(
                f"field '{path}' is a {kind} here but a {first[0]} on line {first[1]}",
                where=at,
                hint="give the field one type in every line (e.g. quote the numbers)",
            )
    return None
