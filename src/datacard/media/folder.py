"""The reader shared by ``imagefolder`` and ``audiofolder``: a collection as a table.

Each member is one row: the media column (facts measured from the file, see
:mod:`datacard.media.types`), ``label`` when class folders name classes, then the columns of
the metadata files. Partitions are ranges of :data:`PARTITION_ITEMS` members, so the worker
pool decodes files in parallel; a partition that does not ask for the media column does not
decode anything. Under a URL root (:mod:`datacard.remote`) each member is read through fsspec
by the process that decodes it; a member that cannot be read is one line naming its URL.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

import pyarrow as pa

from datacard.errors import SourceError
from datacard.media import metadata
from datacard.media.build import column, rows_to_struct
from datacard.readers.base import (
    Collection,
    DataFile,
    FileInfo,
    Partition,
    rename_warnings,
    unique_names,
    unreadable,
    where,
)
from datacard.remote import locate

#: Members per partition (a unit of work for one worker process).
PARTITION_ITEMS = 128
#: The label column's name (class folders).
LABEL = "label"


def collection_of(file: DataFile) -> Collection:
    """The collection behind ``file``; SourceError if it is a plain file."""
    if file.collection is None:
        raise SourceError(
            f"is not a folder of media files (format {file.format})", where=where(file)
        )
    return file.collection


def class_of(member: str) -> str:
    """A member's class: the name of its parent folder."""
    return posixpath.basename(posixpath.dirname(member))


class FolderReader:
    """Reads a collection of media files; subclasses say which column and how to measure."""

    name: ClassVar[str]
    formats: ClassVar[frozenset[str]]
    column: ClassVar[str]
    value_type: ClassVar[pa.ExtensionType]

    def facts(self, path: str) -> dict[str, Any]:
        """The facts of one member file, a local path or a URL (the storage fields of
        :attr:`value_type`); OSError when it cannot be read."""
        raise NotImplementedError

    def _schema(self, file: DataFile) -> tuple[pa.Schema, list[str]]:
        collection = collection_of(file)
        fields = [pa.field(self.column, self.value_type)]
        if collection.labels:
            fields.append(pa.field(LABEL, pa.string()))
        fields += list(metadata.schema(file.path, collection.metadata))
        names = [f.name for f in fields]
        unique = unique_names(names)
        schema = pa.schema([f.with_name(n) for f, n in zip(fields, unique)])
        return schema, names

    def inspect(self, file: DataFile) -> FileInfo:
        """Columns and row count (one row per member); reads only the metadata files."""
        collection = collection_of(file)
        schema, names = self._schema(file)
        notes = metadata.warnings(file.path, collection.metadata, collection.members)
        notes += rename_warnings(file, names, schema.names)
        return FileInfo(schema=schema, rows=len(collection.members), warnings=tuple(notes))

    def partitions(self, file: DataFile) -> Sequence[Partition]:
        """Ranges of :data:`PARTITION_ITEMS` members, each carrying only its own members."""
        count = len(collection_of(file).members)
        return [
            Partition(
                file=file.slice(start, min(start + PARTITION_ITEMS, count)),
                unit=f"{file.rel}@{start}",
                row_offset=start,
                items=(start, min(start + PARTITION_ITEMS, count)),
            )
            for start in range(0, count, PARTITION_ITEMS)
        ]

    def batches(self, partition: Partition) -> Iterator[pa.RecordBatch]:
        """One batch: the partition's members as rows, only the columns it asks for."""
        file = partition.file
        collection = collection_of(file)
        members = collection.members
        schema, _ = self._schema(file)
        wanted = list(partition.columns) if partition.columns is not None else schema.names
        missing = [c for c in wanted if c not in schema.names]
        if missing:
            raise SourceError(
                f"column '{missing[0]}' is not in the collection",
                where=where(file),
                hint=f"columns are: {', '.join(schema.names)}; was it changed?",
            )
        arrays: dict[str, pa.Array] = {}
        media, label = schema.names[0], LABEL if collection.labels else None
        if media in wanted:
            arrays[media] = self._media(file, members)
        if label is not None and label in wanted:
            arrays[label] = column([class_of(m) for m in members], pa.string())
        extra = [f for f in schema if f.name not in (media, label) and f.name in wanted]
        if extra:
            target = metadata.schema(file.path, collection.metadata)
            table = metadata.columns(file.path, collection.metadata, members, target)
            own = list(target.names)
            renamed = dict(zip(own, schema.names[len(schema) - len(own) :]))
            for name in own:
                if renamed[name] in wanted:
                    arrays[renamed[name]] = table.column(name).combine_chunks()
        yield pa.RecordBatch.from_arrays(
            [arrays[c] for c in wanted], schema=pa.schema([schema.field(c) for c in wanted])
        )

    def _media(self, file: DataFile, members: Sequence[str]) -> pa.Array:
        rows = []
        for member in members:
            path = locate(file.path, member)
            try:
                facts = self.facts(path)
            except OSError as exc:
                raise unreadable(path, member, exc) from exc
            facts["path"] = member
            rows.append(facts)
        storage = rows_to_struct(rows, self.value_type.storage_type)
        return pa.ExtensionArray.from_storage(self.value_type, storage)
