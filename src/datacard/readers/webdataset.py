"""WebDataset tar shards: one sample per key, one column per extension; never extracted.

A shard (``train-000000.tar``, also gzip/bz2/xz-compressed) holds members named ``KEY.EXT``:
the key is the path up to the first dot of the file name, the rest is the extension
(``a/s001.seg.png`` is sample ``a/s001``, column ``seg.png``). The members of a sample make one
row, plus a ``__key__`` column. A column's type follows the last part of its extension:

- ``txt``, ``text``, ``caption``, ``transcript``: string (UTF-8);
- ``cls``, ``cls2``, ``index``, ``id``: int64 when every value in the shard is an integer,
  else string;
- ``json``: objects are flattened one level into ``json.FIELD`` columns (types inferred over
  the whole shard); a shard whose ``json`` members are not all objects, or whose fields change
  type, keeps one ``json`` string column with the JSON text (and says so in a warning);
- ``pyd``, ``pth``, ``pickle``, ``pkl``: pickled Python objects, kept as opaque binary and
  never unpickled (a warning names them);
- anything else (``jpg``, ``png``, ``wav``, ``npy``, ...): binary, the member's bytes.

Shards are read as tar streams (``r|*``), never written to disk; a shard under a URL
(:mod:`datacard.remote`) is read through fsspec. ``inspect`` walks the whole shard once, seeking
over binary members, so the schema holds every column (a column that appears only late in a
shard is null before), knows the sample count, and knows which samples have members apart from
each other (WebDataset loaders would split those; we group them by key and warn). Member names
that leave the shard (``../x``, ``/etc/x``), links and devices are refused with one line naming
the shard and the member.

>>> split_name("shard/sample001.seg.png")
('shard/sample001', 'seg.png')
>>> split_name("README") is None, split_name(".hidden.txt") is None
(True, True)
>>> kind_of("seg.PNG"), kind_of("cls"), kind_of("meta.json"), kind_of("pyd")
('binary', 'int', 'json', 'pickle')
"""

from __future__ import annotations

import functools
import json
import re
import tarfile
import zlib
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import IO, ClassVar, Literal

import numpy as np
import pyarrow as pa
import pyarrow.json as pajson

from datacard.errors import SourceError
from datacard.readers.base import (
    DataFile,
    FileInfo,
    Partition,
    check_file,
    pyarrow_message,
    rename_warnings,
    unique_names,
    where,
)
from datacard.remote import file_version, open_input

#: The column holding each sample's key.
KEY = "__key__"
#: Extensions (their last part, lower case) read as UTF-8 text.
TEXT_EXTENSIONS = frozenset({"txt", "text", "caption", "transcript"})
#: Extensions read as integers when every value of the shard is one.
INTEGER_EXTENSIONS = frozenset({"cls", "cls2", "index", "id"})
#: Extensions holding pickled Python objects: kept as opaque bytes, never unpickled.
PICKLE_EXTENSIONS = frozenset({"pyd", "pth", "pickle", "pkl"})
#: A batch holds at most this many samples ...
BATCH_SAMPLES = 1000
#: ... and about this many bytes of member data (images are large).
BATCH_BYTES = 64 << 20
#: A member this large cannot go in an Arrow binary column.
MAX_MEMBER = (1 << 31) - 1

_NAME = re.compile(r"^((?:.*/|)[^./][^.]*)\.([^/]+)$")  # WebDataset's key/extension rule
_INTEGER = re.compile(rb"\s*[+-]?[0-9]{1,19}\s*")
_TAR_ERRORS = (tarfile.TarError, EOFError, OSError, zlib.error)


def split_name(name: str) -> tuple[str, str] | None:
    """``(key, extension)`` of a member name; None when the file name has no extension."""
    match = _NAME.match(name)
    return (match.group(1), match.group(2)) if match else None


@functools.lru_cache(maxsize=1024)
def kind_of(ext: str) -> str:
    """How a column is read, by the last part of its extension: text, int, json, pickle, binary."""
    last = ext.rsplit(".", 1)[-1].lower()
    if last in TEXT_EXTENSIONS:
        return "text"
    if last in INTEGER_EXTENSIONS:
        return "int"
    if last == "json":
        return "json"
    return "pickle" if last in PICKLE_EXTENSIONS else "binary"


# -- members ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Member:
    index: int  # among the members that belong to samples, in tar order
    name: str
    key: str
    ext: str


def _refuse(file: DataFile, info: tarfile.TarInfo) -> SourceError | None:
    """Why a member may not be read (unsafe name, link, device), or None."""
    name = info.name
    if name.startswith("/") or (".." in name and ".." in name.split("/")):
        return SourceError(
            f"member '{name}' has a path outside the shard (absolute or with '..')",
            where=where(file),
            hint="datacard never extracts shards; rebuild the shard with relative member names",
        )
    what = None
    if info.issym() or info.islnk():
        kind = "symlink" if info.issym() else "hard link"
        what = f"a {kind} to '{info.linkname}'"
    elif info.ischr() or info.isblk() or info.isfifo():
        what = "a device or pipe"
    elif not (info.isreg() or info.isdir()):
        what = f"of tar type {info.type!r}"
    if what is None:
        return None
    return SourceError(
        f"member '{name}' is {what}; a shard holds only regular files",
        where=where(file),
        hint="rebuild the shard with the files themselves (tar --dereference)",
    )


def _broken(file: DataFile, exc: BaseException, after: str | None) -> SourceError:
    place = f" after member '{after}'" if after else ""
    return SourceError(
        f"cannot read the tar shard{place}: {pyarrow_message(exc)}",
        where=where(file),
        hint="the shard is truncated or not a tar file; re-download or rebuild it",
    )


@contextmanager
def _open(file: DataFile, mode: Literal["r:*", "r|*"]) -> Iterator[tarfile.TarFile]:
    """The shard as a tar file (a URL's read through fsspec); both are closed on exit."""
    check_file(file)
    with ExitStack() as stack:
        try:
            handle = stack.enter_context(open_input(file.path))
            tar = stack.enter_context(tarfile.open(fileobj=handle, mode=mode))
        except _TAR_ERRORS as exc:
            raise _broken(file, exc, None) from exc
        yield tar


def _forget_headers(tar: tarfile.TarFile) -> None:
    """Keep memory flat: TarFile keeps every header it reads (``members``); we need none."""
    headers = vars(tar).get("members")
    if isinstance(headers, list) and len(headers) >= 1024:
        headers.clear()


def _members(
    file: DataFile, tar: tarfile.TarFile, skipped: list[str]
) -> Iterator[tuple[_Member, tarfile.TarInfo]]:
    """The members that belong to samples, in tar order; unsafe ones raise, others are skipped."""
    index = 0
    last: str | None = None
    while True:
        try:
            info = tar.next()
        except _TAR_ERRORS as exc:
            raise _broken(file, exc, last) from exc
        if info is None:
            return
        _forget_headers(tar)
        last = info.name
        problem = _refuse(file, info)
        if problem is not None:
            raise problem
        if info.isdir():
            continue
        parts = split_name(info.name)
        if parts is None:
            skipped.append(info.name)
            continue
        if info.size > MAX_MEMBER:
            raise SourceError(
                f"member '{info.name}' is {info.size} bytes, too large to profile",
                where=where(file),
                hint="members must be smaller than 2 GiB",
            )
        yield _Member(index, info.name, parts[0], parts[1]), info
        index += 1


def _read(file: DataFile, tar: tarfile.TarFile, info: tarfile.TarInfo) -> bytes:
    handle: IO[bytes] | None
    try:
        handle = tar.extractfile(info)
        return handle.read() if handle is not None else b""
    except _TAR_ERRORS as exc:
        raise _broken(file, exc, info.name) from exc


def _text(file: DataFile, member: str, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"member '{member}': byte 0x{data[exc.start]:02X} at offset {exc.start} "
            "is not valid UTF-8",
            where=where(file),
            hint="re-encode the text as UTF-8",
        ) from exc


def _json(file: DataFile, member: str, data: bytes) -> object:
    text = _text(file, member, data)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"member '{member}': invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
            where=where(file),
            hint="each .json member must hold one JSON value",
        ) from exc


def _json_line(file: DataFile, member: str, data: bytes) -> bytes | None:
    """The member's JSON object on one line (for pyarrow), or None if it is not an object."""
    value = _json(file, member, data)
    if not isinstance(value, dict):
        return None
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _parse_json_lines(lines: Sequence[bytes], schema: pa.Schema | None) -> pa.Table:
    data = b"\n".join(lines)
    read = pajson.ReadOptions(use_threads=False, block_size=max(1 << 20, len(data) + 1))
    parse = (
        pajson.ParseOptions(explicit_schema=schema, unexpected_field_behavior="error")
        if schema is not None
        else None
    )
    return pajson.read_json(pa.BufferReader(data), read_options=read, parse_options=parse)


# -- the scan: schema, sample count and the samples split across the shard ------------------------


@dataclass(frozen=True)
class Column:
    """One output column: its name, the extension it comes from, how it is read, its type."""

    name: str
    ext: str
    kind: str  # text, int, json (one field of an object), json-text, binary
    type: pa.DataType
    json_field: str | None = None  # the JSON object's field, for kind "json"


@dataclass(frozen=True)
class ShardScan:
    """What a walk over a whole shard learns (cached per file, size and mtime)."""

    columns: tuple[Column, ...]
    samples: int
    late: dict[str, int] = field(default_factory=dict)  # apart key -> index of its last member
    json_schemas: dict[str, pa.Schema] = field(default_factory=dict)  # ext -> object schema
    warnings: tuple[str, ...] = ()

    @property
    def schema(self) -> pa.Schema:
        """The Arrow schema of the shard's rows."""
        return pa.schema([pa.field(c.name, c.type) for c in self.columns])


@dataclass
class _Walk:
    file: DataFile
    order: list[str] = field(default_factory=list)
    integers: dict[str, bool] = field(default_factory=dict)
    objects: dict[str, list[bytes]] = field(default_factory=dict)
    not_objects: set[str] = field(default_factory=set)
    last: dict[str, int] = field(default_factory=dict)
    apart: dict[str, None] = field(default_factory=dict)  # keys seen again after another key
    pickles: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def run(self, tar: tarfile.TarFile) -> None:
        current: str | None = None
        exts: dict[str, set[str]] = {}
        for member, info in _members(self.file, tar, self.skipped):
            if member.key != current and member.key in self.last:
                self.apart[member.key] = None
            seen = exts.setdefault(member.key, set())
            if member.ext in seen:
                raise _duplicate(self.file, member)
            seen.add(member.ext)
            self.last[member.key] = member.index
            current = member.key
            self._add(tar, member, info)

    def _add(self, tar: tarfile.TarFile, member: _Member, info: tarfile.TarInfo) -> None:
        ext = member.ext
        if ext not in self.order:
            self.order.append(ext)
        kind = kind_of(ext)
        if kind == "pickle":
            self.pickles[ext] = self.pickles.get(ext, 0) + 1
        elif kind == "int" and self.integers.get(ext, True):
            data = _read(self.file, tar, info)
            self.integers[ext] = _is_int64(data)
            if not self.integers[ext]:
                _text(self.file, member.name, data)
        elif kind == "json":  # every member is parsed: bad JSON is an error either way
            line = _json_line(self.file, member.name, _read(self.file, tar, info))
            if line is None or ext in self.not_objects:
                self.not_objects.add(ext)
                self.objects.pop(ext, None)
            else:
                self.objects.setdefault(ext, []).append(line)

    def result(self) -> ShardScan:
        warnings = [self._note(text) for text in self._notes()]
        schemas: dict[str, pa.Schema] = {}
        raw: list[Column] = [Column(KEY, "", "key", pa.string())]
        for ext in self.order:
            kind = kind_of(ext)
            if kind == "json":
                schema = self._json_schema(ext, warnings)
                if schema is not None:
                    schemas[ext] = schema
                    raw += [Column(f"{ext}.{f.name}", ext, "json", f.type, f.name) for f in schema]
                else:
                    raw.append(Column(ext, ext, "json-text", pa.string()))
            elif kind == "text" or (kind == "int" and not self.integers.get(ext, True)):
                raw.append(Column(ext, ext, "text", pa.string()))
            elif kind == "int":
                raw.append(Column(ext, ext, "int", pa.int64()))
            else:
                raw.append(Column(ext, ext, "binary", pa.binary()))
        names = [c.name for c in raw]
        unique = unique_names(names)
        columns = tuple(
            Column(n, c.ext, c.kind, c.type, c.json_field) for c, n in zip(raw, unique, strict=True)
        )
        warnings += rename_warnings(self.file, names, unique)
        late = {key: self.last[key] for key in self.apart}
        return ShardScan(columns, len(self.last), late, schemas, tuple(warnings))

    def _json_schema(self, ext: str, warnings: list[str]) -> pa.Schema | None:
        if ext in self.not_objects:
            warnings.append(self._note(f"'{ext}' members are not all JSON objects; kept as text"))
            return None
        try:
            schema = _parse_json_lines(self.objects.get(ext, []), None).schema
        except (pa.ArrowException, ValueError) as exc:
            warnings.append(
                self._note(
                    f"'{ext}' objects do not share one type per field ({pyarrow_message(exc)}); "
                    "kept as text"
                )
            )
            return None
        if not schema.names:
            return None
        return schema

    def _notes(self) -> Iterator[str]:
        for ext, n in self.pickles.items():
            yield (
                f"{n} '{ext}' member(s) hold pickled Python objects: "
                "kept as opaque bytes, never unpickled"
            )
        if self.apart:
            first = next(iter(self.apart))
            yield (
                f"{len(self.apart)} sample(s) have members apart from each other in the tar "
                f"(first: '{first}'); WebDataset loaders would split them, datacard "
                "groups them by key (rebuild the shard with each sample's members together)"
            )
        if self.skipped:
            yield (
                f"{len(self.skipped)} member(s) without an extension skipped "
                f"(first: '{self.skipped[0]}')"
            )

    def _note(self, text: str) -> str:
        return f"{where(self.file)}: {text}"


def _is_int64(data: bytes) -> bool:
    return _INTEGER.fullmatch(data) is not None and -(1 << 63) <= int(data) < (1 << 63)


def _duplicate(file: DataFile, member: _Member) -> SourceError:
    return SourceError(
        f"member '{member.name}' repeats extension '{member.ext}' of sample '{member.key}'",
        where=where(file),
        hint="a sample holds one member per extension; rename or remove the copy",
    )


@functools.lru_cache(maxsize=64)
def _scan(file: DataFile, size: int, changed: int | str) -> ShardScan:
    walk = _Walk(file)
    with _open(file, "r:*") as tar:  # seekable: binary members are skipped, not read
        walk.run(tar)
    return walk.result()


def scan_shard(file: DataFile) -> ShardScan:
    """Walk ``file`` once (cached while its size and mtime, or a URL's version, stay the same)."""
    check_file(file)
    return _scan(file, *file_version(file.path))


# -- building record batches ----------------------------------------------------------------------


def _validity(present: list[bool]) -> tuple[pa.Buffer | None, int]:
    nulls = present.count(False)
    if nulls == 0:
        return None, 0
    bits = np.packbits(np.array(present, dtype=bool), bitorder="little")
    return pa.py_buffer(bits.tobytes()), nulls


def bytes_array(items: Sequence[bytes | None], kind: pa.DataType) -> pa.Array:
    """A binary or string array from bytes (None is null), built from buffers.

    >>> bytes_array([b"ab", None, b"c"], pa.string()).to_pylist()
    ['ab', None, 'c']
    """
    validity, nulls = _validity([v is not None for v in items])
    lengths = np.fromiter((len(v) if v is not None else 0 for v in items), np.int64, len(items))
    offsets = np.zeros(len(items) + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    data = b"".join(v for v in items if v)
    buffers = [validity, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(data)]
    return pa.Array.from_buffers(kind, len(items), buffers, null_count=nulls)


def _int_array(items: Sequence[int | None]) -> pa.Array:
    validity, nulls = _validity([v is not None for v in items])
    data = np.fromiter((v or 0 for v in items), np.int64, len(items))
    return pa.Array.from_buffers(
        pa.int64(), len(items), [validity, pa.py_buffer(data)], null_count=nulls
    )


Sample = tuple[str, dict[str, bytes]]


@dataclass(frozen=True)
class _Builder:
    file: DataFile
    scan: ShardScan
    columns: tuple[Column, ...]

    def batch(self, samples: Sequence[Sample]) -> pa.RecordBatch:
        arrays: list[pa.Array] = []
        parsed: dict[str, pa.Table] = {}
        for column in self.columns:
            if column.kind == "key":
                arrays.append(bytes_array([k.encode("utf-8") for k, _ in samples], pa.string()))
            elif column.kind == "json":
                table = parsed.get(column.ext)
                if table is None:
                    table = parsed[column.ext] = self._objects(column.ext, samples)
                arrays.append(table.column(column.json_field).combine_chunks())
            else:
                arrays.append(self._simple(column, samples))
        schema = pa.schema([pa.field(c.name, c.type) for c in self.columns])
        return pa.RecordBatch.from_arrays(arrays, schema=schema)

    def _simple(self, column: Column, samples: Sequence[Sample]) -> pa.Array:
        ext = column.ext
        items = [s.get(ext) for _, s in samples]
        if column.kind == "binary":
            return bytes_array(items, pa.binary())
        for (key, _), data in zip(samples, items, strict=True):
            if data is not None:
                _text(self.file, f"{key}.{ext}", data)
        if column.kind == "int":
            return _int_array([int(v) if v is not None else None for v in items])
        return bytes_array(items, pa.string())

    def _objects(self, ext: str, samples: Sequence[Sample]) -> pa.Table:
        lines = []
        for key, sample in samples:
            data = sample.get(ext)
            line = _json_line(self.file, f"{key}.{ext}", data) if data is not None else b"{}"
            lines.append(line or b"{}")
        try:
            return _parse_json_lines(lines, self.scan.json_schemas[ext])
        except (pa.ArrowException, ValueError) as exc:
            raise SourceError(
                f"'{ext}' members changed type within the shard: {pyarrow_message(exc)}",
                where=where(self.file),
                hint="was the shard rewritten while being read?",
            ) from exc


def _wanted(file: DataFile, scan: ShardScan, names: Sequence[str] | None) -> tuple[Column, ...]:
    if names is None:
        return scan.columns
    by_name = {c.name: c for c in scan.columns}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise SourceError(
            f"column '{missing[0]}' is not in the shard",
            where=where(file),
            hint=f"columns are: {', '.join(by_name)}; was the shard changed?",
        )
    return tuple(by_name[n] for n in names)


def read_samples(file: DataFile, scan: ShardScan, exts: frozenset[str]) -> Iterator[Sample]:
    """The shard's samples in stream order (a sample when its last member has been read).

    Only members whose extension is in ``exts`` are read; others are present as ``b""``.
    """
    pending: dict[str, dict[str, bytes]] = {}
    current: str | None = None
    with _open(file, "r|*") as tar:
        for member, info in _members(file, tar, []):
            if member.key != current and current in pending and current not in scan.late:
                yield current, pending.pop(current)
            sample = pending.setdefault(member.key, {})
            if member.ext in sample:
                raise _duplicate(file, member)
            sample[member.ext] = _read(file, tar, info) if member.ext in exts else b""
            if scan.late.get(member.key) == member.index:
                yield member.key, pending.pop(member.key)
            current = member.key
    yield from pending.items()


class WebDatasetReader:
    """Reads WebDataset ``.tar`` shards: one partition per shard."""

    name: ClassVar[str] = "webdataset"
    formats: ClassVar[frozenset[str]] = frozenset({"webdataset"})

    def inspect(self, file: DataFile) -> FileInfo:
        """Schema and sample count from one walk over the shard's headers (and small members)."""
        scan = scan_shard(file)
        return FileInfo(schema=scan.schema, rows=scan.samples, warnings=scan.warnings)

    def partitions(self, file: DataFile) -> Sequence[Partition]:
        """A shard is the unit of work: one partition each."""
        return [Partition(file=file, unit=file.rel)]

    def batches(self, partition: Partition) -> Iterator[pa.RecordBatch]:
        """Record batches of up to :data:`BATCH_SAMPLES` samples (fewer when images are large)."""
        file = partition.file
        scan = scan_shard(file)
        columns = _wanted(file, scan, partition.columns)
        builder = _Builder(file, scan, columns)
        exts = frozenset(c.ext for c in columns if c.kind != "key")
        ready: list[Sample] = []
        size = 0
        for sample in read_samples(file, scan, exts):
            grow = sum(len(v) for v in sample[1].values())
            # A sample that would overflow the batch starts the next one, so a column's bytes
            # stay below 2 GiB (int32 offsets): BATCH_BYTES, or one member under MAX_MEMBER.
            if ready and (len(ready) >= BATCH_SAMPLES or size + grow > BATCH_BYTES):
                yield builder.batch(ready)
                ready, size = [], 0
            ready.append(sample)
            size += grow
        if ready:
            yield builder.batch(ready)
