"""In-memory sources: pyarrow, pandas, polars and Hugging Face ``datasets`` objects.

pandas, polars and datasets are imported only when given one of their objects, never at import.

>>> import pyarrow as pa
>>> [(split, t.num_rows) for split, t in from_object(pa.table({"x": [1, 2]}))]
[('train', 2)]
>>> [p.unit for p in memory_partitions("test", pa.table({"x": [1]}))]
['<memory:test>']
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

import pyarrow as pa

from datacard.errors import SourceError, UsageError
from datacard.readers.base import (
    BATCH_ROWS,
    PARTITION_ROWS,
    DataFile,
    FileInfo,
    Partition,
    columns_to_read,
    finish_batch,
    pyarrow_message,
    rename_warnings,
    unique_names,
)

_ERRORS = (pa.ArrowException, ValueError, TypeError)


def _library(obj: object) -> str:
    """The top-level package defining ``obj``'s type (or a base class of it)."""
    for cls in type(obj).__mro__:
        root = cls.__module__.split(".")[0]
        if root in {"pandas", "polars", "datasets", "pyarrow"}:
            return root
    return type(obj).__module__.split(".")[0]


def _type_name(obj: object) -> str:
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def from_object(obj: object) -> list[tuple[str, pa.Table]]:
    """``(split, table)`` pairs for an in-memory dataset object.

    Accepts a pyarrow Table, RecordBatch or ``pyarrow.dataset.Dataset``, a pandas or polars
    DataFrame, a ``datasets.Dataset`` (split from its ``.split``, else ``train``), a
    ``datasets.DatasetDict`` or any mapping of split name to one of these.
    """
    if isinstance(obj, Mapping):  # also datasets.DatasetDict
        return [(str(split), _table(value)) for split, value in obj.items()]
    split = "train"
    if _library(obj) == "datasets":
        split = str(getattr(obj, "split", None) or "train")
    return [(split, _table(obj))]


def _table(obj: object) -> pa.Table:
    library = _library(obj)
    if isinstance(obj, pa.Table):
        return obj
    if isinstance(obj, pa.RecordBatch):
        return pa.Table.from_batches([obj])
    if library == "pyarrow" and hasattr(obj, "to_table"):  # pyarrow.dataset.Dataset
        return _convert(obj, lambda o: o.to_table())
    if library == "pandas" and hasattr(obj, "columns"):
        return _convert(obj, _pandas_table)
    if library == "polars" and hasattr(obj, "to_arrow"):
        return _convert(obj, lambda o: o.to_arrow())
    if library == "datasets" and hasattr(obj, "data") and hasattr(obj, "with_format"):
        return _hf_table(obj)
    hint = "pass a pyarrow Table, a pandas or polars DataFrame, or a datasets.Dataset"
    if library == "polars" and hasattr(obj, "collect"):
        hint = "call .collect() on the LazyFrame first"
    elif library == "datasets":
        hint = "materialise a streaming dataset first, e.g. Dataset.from_list(list(ds.take(n)))"
    raise UsageError(f"cannot read an object of type {_type_name(obj)}", hint=hint)


def _convert(obj: Any, how: Any) -> pa.Table:
    try:
        table: pa.Table = how(obj)
    except _ERRORS as exc:
        raise SourceError(
            f"cannot convert {_type_name(obj)} to Arrow: {pyarrow_message(exc)}",
            where="<memory>",
            hint="give each column one type (mixed-type object columns cannot be converted)",
        ) from exc
    return table


def _pandas_table(df: Any) -> pa.Table:
    names = unique_names([str(c) for c in df.columns])
    if list(df.columns) != names:
        df = df.set_axis(names, axis=1)
    keep_index = any(name is not None for name in df.index.names)
    table: pa.Table = pa.Table.from_pandas(df, preserve_index=keep_index)
    return table


def _hf_table(ds: Any) -> pa.Table:
    """The rows of a ``datasets.Dataset`` as Arrow (honours select/filter indices; no network)."""
    if getattr(ds, "_indices", None) is None:
        table: pa.Table = ds.data.table
        return table
    return _convert(ds, lambda d: d.with_format("arrow")[:])


def memory_file(split: str) -> DataFile:
    """The stand-in DataFile of an in-memory split."""
    return DataFile(path="", rel=f"<memory:{split}>", split=split, format="memory")


def memory_partitions(split: str, table: pa.Table) -> list[Partition]:
    """Partitions over ``table`` (slices of about 256k rows; duplicate names renamed)."""
    unique = unique_names(table.schema.names)
    if unique != table.schema.names:
        table = table.rename_columns(unique)
    file = memory_file(split)
    if table.num_rows <= PARTITION_ROWS:
        return [Partition(file=file, unit=file.rel, table=table)]
    return [
        Partition(
            file=file,
            unit=f"{file.rel}#{start}",
            row_offset=start,
            table=table.slice(start, PARTITION_ROWS),
        )
        for start in range(0, table.num_rows, PARTITION_ROWS)
    ]


class MemoryReader:
    """The reader of partitions made by :func:`memory_partitions`.

    ``inspect`` and ``partitions`` need the tables: ``MemoryReader({"train": table})``.
    """

    name: ClassVar[str] = "memory"
    formats: ClassVar[frozenset[str]] = frozenset({"memory"})

    def __init__(self, tables: Mapping[str, pa.Table] | None = None) -> None:
        self.tables = dict(tables or {})

    def _table_of(self, file: DataFile) -> pa.Table:
        if file.split not in self.tables:
            raise UsageError(
                f"no in-memory table for split '{file.split}'",
                hint="build the reader as MemoryReader({split: table})",
            )
        return self.tables[file.split]

    def inspect(self, file: DataFile) -> FileInfo:
        """Schema (duplicate names renamed) and row count of the split's table."""
        table = self._table_of(file)
        names = table.schema.names
        unique = unique_names(names)
        schema = pa.schema([f.with_name(n) for f, n in zip(table.schema, unique, strict=True)])
        return FileInfo(
            schema=schema, rows=table.num_rows, warnings=rename_warnings(file, names, unique)
        )

    def partitions(self, file: DataFile) -> Sequence[Partition]:
        """Slices of the split's table."""
        return memory_partitions(file.split, self._table_of(file))

    def batches(self, partition: Partition) -> Iterator[pa.RecordBatch]:
        """The slice's record batches, restricted to the partition's columns."""
        table = partition.table
        if table is None:
            raise UsageError(
                f"partition {partition.unit} carries no table",
                hint="make in-memory partitions with memory_partitions()",
            )
        names = table.schema.names
        read = columns_to_read(partition.file, names, partition.columns)
        rename = None if read is not None else unique_names(names)
        if read is not None:
            table = table.select(read)
        for batch in table.to_batches(max_chunksize=BATCH_ROWS):
            yield finish_batch(batch, rename, partition.columns)
