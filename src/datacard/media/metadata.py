"""Metadata files beside media files: their rows joined to the files on ``file_name``.

A ``metadata.csv``/``.jsonl``/``.parquet`` is read with datacard's own readers (bad input is
one line naming the file and row), through fsspec under a URL root. ``file_name`` is relative
to the metadata file's folder; its other columns become columns of the media table. A row whose
file is not there, or that names a file a second time, is left out with a warning; a file
without a row gets nulls.

>>> resolve("train", "./cat/1.png"), resolve("", "a\\\\b.png"), resolve("train", "../x.png")
('train/cat/1.png', 'a/b.png', 'x.png')
>>> resolve("", "../outside.png") is None, resolve("", "/etc/x.png") is None
(True, True)
"""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from datacard.arrays import string_bytes, valid_mask
from datacard.errors import SourceError
from datacard.media.collections import METADATA_NAMES, folder_of, nearest_metadata
from datacard.readers.base import DataFile
from datacard.remote import file_version, is_url, list_files, locate

#: The column naming each row's file.
FILE_NAME = "file_name"


def resolve(folder: str, name: str) -> str | None:
    """The root-relative path ``name`` (relative to ``folder``) points at; None if it leaves
    the root or is absolute."""
    name = name.replace("\\", "/").strip()
    if not name or name.startswith("/"):
        return None
    joined = posixpath.normpath(posixpath.join(folder, name))
    if joined == ".." or joined.startswith("../"):
        return None
    return joined


@dataclass(frozen=True)
class Metadata:
    """One metadata file: its columns (without ``file_name``) and the row of each file."""

    rel: str
    table: pa.Table
    rows: dict[str, int]  # root-relative file path -> row
    repeated: tuple[str, ...]  # file paths named on more than one row (the first row is used)


def _names(table: pa.Table, rel: str) -> list[str | None]:
    column = table.column(FILE_NAME).combine_chunks()
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        raise SourceError(
            f"column '{FILE_NAME}' holds {column.type}, not file names",
            where=rel,
            hint="write each row's file name, relative to the metadata file's folder",
        )
    offsets, data = string_bytes(column)
    raw = data.tobytes()
    valid = valid_mask(column)
    return [
        raw[offsets[i] : offsets[i + 1]].decode("utf-8") if valid[i] else None
        for i in range(len(column))
    ]


@functools.lru_cache(maxsize=32)
def _load(root: str, rel: str, size: int, changed: int | str) -> Metadata:
    from datacard.readers import reader_for

    fmt = METADATA_NAMES[posixpath.basename(rel)]
    file = DataFile(path=locate(root, rel), rel=rel, split="", format=fmt)
    reader = reader_for(fmt)
    schema = reader.inspect(file).schema
    batches = [b for p in reader.partitions(file) for b in reader.batches(p)]
    table = pa.Table.from_batches(batches, schema=schema if not batches else None)
    table = pa.table(  # plain values: rows are taken per member, from one or more files
        {
            name: column.cast(column.type.value_type)
            if pa.types.is_dictionary(column.type)
            else column
            for name, column in zip(table.schema.names, table.columns)
        }
    )
    if FILE_NAME not in table.schema.names:
        raise SourceError(
            f"no '{FILE_NAME}' column",
            where=rel,
            hint=f"name each row's file in a '{FILE_NAME}' column (columns: "
            f"{', '.join(table.schema.names)})",
        )
    folder = folder_of(rel)
    rows: dict[str, int] = {}
    repeated: list[str] = []
    for i, name in enumerate(_names(table, rel)):
        target = resolve(folder, name) if name is not None else None
        if target is None:
            continue
        if target in rows:
            repeated.append(target)
        else:
            rows[target] = i
    table = table.drop_columns([FILE_NAME])
    return Metadata(rel, table, rows, tuple(repeated))


def load(root: str, rel: str) -> Metadata:
    """The metadata file ``rel`` under ``root``, a folder or a URL (cached per process while it
    is unchanged)."""
    try:
        size, changed = file_version(locate(root, rel))
    except OSError as exc:
        raise SourceError(
            f"cannot read the metadata file: {exc.strerror or exc}", where=rel
        ) from exc
    return _load(root, rel, size, changed)


def schema(root: str, rels: Sequence[str]) -> pa.Schema:
    """The columns the metadata files ``rels`` add (one schema; SourceError if they disagree)."""
    schemas = [load(root, rel).table.schema for rel in rels]
    if not schemas:
        return pa.schema([])
    try:
        return pa.unify_schemas(schemas, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise SourceError(
            f"metadata files disagree on column types: {exc}",
            where=", ".join(rels),
            hint="give a column one type in every metadata file",
        ) from exc


def warnings(root: str, rels: Sequence[str], members: Sequence[str]) -> list[str]:
    """Rows that name a file that is not there, and files named twice (one line per file).

    Whether the named files exist is asked once for all of ``rels`` (under a URL, one listing
    of the root).
    """
    known = set(members)
    loaded = [load(root, rel) for rel in rels]
    others = {meta.rel: [name for name in meta.rows if name not in known] for meta in loaded}
    existing = _existing(root, [name for names in others.values() for name in names])
    out = []
    for meta in loaded:
        rel = meta.rel
        missing = sorted(set(others[rel]) - existing)
        if missing:
            out.append(
                f"{rel}: {len(missing):,} rows name files that are not there "
                f"(first: {missing[0]}); left out"
            )
        if meta.repeated:
            out.append(
                f"{rel}: {len(meta.repeated):,} files are named on more than one row "
                f"(first: {meta.repeated[0]}); the first row is used"
            )
    return out


def _existing(root: str, names: Sequence[str]) -> set[str]:
    """Which of ``names`` (root-relative paths) are files: one ``stat`` each under a folder, one
    listing of the root under a URL (never a request per name)."""
    if not names:
        return set()
    if is_url(root):
        listed = {rel for rel, _ in list_files(root)}
        return {name for name in names if name in listed}
    return {name for name in names if Path(root, name).is_file()}


def columns(root: str, rels: Sequence[str], members: Sequence[str], target: pa.Schema) -> pa.Table:
    """The metadata rows of ``members`` (in order) as a table of ``target``'s columns."""
    by_folder = {folder_of(rel): rel for rel in rels}
    serving = [nearest_metadata(m, by_folder) for m in members]
    parts: list[pa.Table] = []
    for rel in rels:
        meta = load(root, rel)
        index = np.full(len(members), -1, np.int64)
        for i, (member, source) in enumerate(zip(members, serving)):
            if source == rel:
                index[i] = meta.rows.get(member, -1)
        taken = _take(meta.table, index)
        parts.append(_conform(taken, target))
    if not parts:
        return pa.table({f.name: pa.nulls(len(members), f.type) for f in target})
    out = parts[0]
    for part in parts[1:]:  # a file is served by one metadata file: fill the gaps
        out = pa.table(
            {name: pc.coalesce(out.column(name), part.column(name)) for name in target.names}
        )
    return out


def _take(table: pa.Table, index: np.ndarray[tuple[int], np.dtype[np.int64]]) -> pa.Table:
    """Rows ``index`` of ``table`` (-1: a row of nulls)."""
    missing = index < 0
    bitmap = pa.py_buffer(np.packbits(~missing, bitorder="little")) if missing.any() else None
    safe = np.where(missing, 0, index)
    indices = pa.Array.from_buffers(pa.int64(), len(index), [bitmap, pa.py_buffer(safe)])
    if table.num_rows == 0:
        return pa.table({f.name: pa.nulls(len(index), f.type) for f in table.schema})
    return table.take(indices)


def _conform(table: pa.Table, target: pa.Schema) -> pa.Table:
    arrays = []
    for field in target:
        if field.name in table.schema.names:
            column = table.column(field.name)
            arrays.append(column if column.type == field.type else column.cast(field.type))
        else:
            arrays.append(pa.nulls(table.num_rows, field.type))
    return pa.Table.from_arrays(arrays, schema=target)
