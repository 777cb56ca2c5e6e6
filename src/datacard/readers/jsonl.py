"""JSON Lines files (optionally .gz/.bz2/.zst): one JSON object per line, one partition per file.

pyarrow reads the whole file (types are unified over all lines); only if it fails do we re-scan
the lines with Python's ``json`` to name the line and field at fault.

>>> kind_of(3), kind_of(2.5), kind_of(True), kind_of("x")
('number', 'number', 'boolean', 'string')
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import ClassVar

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
    pyarrow_message,
    unique_names,
    where,
)

#: Bytes parsed per block; a line longer than this is retried with a bigger block.
BLOCK_SIZE = 16 << 20

_ERRORS = (pa.ArrowException, OSError, ValueError)


def _raw_lines(file: DataFile) -> Iterator[bytes]:
    with pa.input_stream(file.path, compression=file.compression) as stream:
        rest = b""
        while chunk := stream.read(1 << 20):
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop()
            yield from lines
        if rest:
            yield rest


def read_table(file: DataFile) -> pa.Table:
    """The whole file as one table; SourceError naming line and field on bad input."""
    check_file(file)
    block = BLOCK_SIZE
    for _attempt in range(2):
        try:
            with pa.input_stream(file.path, compression=file.compression) as stream:
                table = pajson.read_json(stream, read_options=pajson.ReadOptions(block_size=block))
            table.validate(full=True)  # pyarrow's JSON parser lets invalid UTF-8 through
            return table
        except _ERRORS as exc:
            if "straddl" in str(exc) and _attempt == 0:
                block = max(len(line) for line in _raw_lines(file)) + (1 << 20)
                continue
            raise diagnose(file, exc) from exc
    raise AssertionError("unreachable")  # pragma: no cover


class JsonlReader:
    """Reads ``.jsonl`` / ``.ndjson`` files."""

    name: ClassVar[str] = "jsonl"
    formats: ClassVar[frozenset[str]] = frozenset({"jsonl"})

    def inspect(self, file: DataFile) -> FileInfo:
        """Schema and row count (JSON types need the whole file)."""
        table = read_table(file)
        return FileInfo(schema=table.schema, rows=table.num_rows)

    def partitions(self, file: DataFile) -> Sequence[Partition]:
        """One partition per file."""
        return [Partition(file=file, unit=file.rel)]

    def batches(self, partition: Partition) -> Iterator[pa.RecordBatch]:
        """Record batches of the file, restricted to the partition's columns."""
        table = read_table(partition.file)
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
