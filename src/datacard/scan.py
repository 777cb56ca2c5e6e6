"""Map a pure function over a dataset's partitions in worker processes, results in plan order.

For checks that must read the rows themselves (PII, sensitive attributes, poisoning hints):
:func:`plan_partitions` lists the units of work (Parquet files are cut per row group, so two
workers share a big file), :func:`map_partitions` runs ``fn(partition)`` in the fork pool and
returns the results in the plan's order, so what is merged from them is deterministic.
``fn`` must be a module-level function (or a ``functools.partial`` of one).

>>> import pyarrow as pa
>>> from datacard.readers.memory import memory_partitions
>>> parts = memory_partitions("train", pa.table({"x": [1, 2, 3]}))
>>> map_partitions(rows_of, parts, workers=1)
[3]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from datacard.executors.local import LocalExecutor
from datacard.layout import discover
from datacard.readers import reader_for
from datacard.readers.base import DataFile, Partition

R = TypeVar("R")
Progress = Callable[[int, int], None]
#: Columns a check needs from one file (given its column names); None: every column.
ColumnChoice = Callable[[DataFile, list[str]], Sequence[str] | None]


def plan_partitions(
    root: str | Path,
    *,
    splits: Mapping[str, Sequence[str]] | None = None,
    columns: ColumnChoice | None = None,
) -> list[Partition]:
    """The partitions of the data under ``root``, reading only the columns ``columns`` picks.

    A file for which ``columns`` returns an empty list is left out.
    """
    parts: list[Partition] = []
    for file in discover(root, splits or None).files:
        reader = reader_for(file.format)
        wanted: Sequence[str] | None = None
        if columns is not None:
            wanted = columns(file, list(reader.inspect(file).schema.names))
            if wanted is not None and not wanted:
                continue
        for part in by_row_group(reader.partitions(file)):
            parts.append(replace(part, columns=tuple(wanted)) if wanted is not None else part)
    return parts


def by_row_group(parts: Sequence[Partition]) -> list[Partition]:
    """Parquet partitions cut into one partition per row group, so that workers share a file."""
    out: list[Partition] = []
    for part in parts:
        groups = part.row_groups
        if part.file.format != "parquet" or not groups or len(groups) == 1:
            out.append(part)
            continue
        from datacard.readers.parquet import footer

        meta = footer(part.file)
        offset = part.row_offset
        for g in groups:
            out.append(replace(part, unit=f"{part.unit}/rg{g}", row_groups=(g,), row_offset=offset))
            offset += meta.row_group(g).num_rows
    return out


def map_partitions(
    fn: Callable[[Partition], R],
    parts: Sequence[Partition],
    *,
    workers: int | None = None,
    progress: Progress | None = None,
) -> list[R]:
    """``[fn(p) for p in parts]``, computed in up to ``workers`` processes."""
    results: list[R | None] = [None] * len(parts)
    for done, (index, result) in enumerate(LocalExecutor(workers).map(fn, parts), 1):
        results[index] = result
        if progress is not None:
            progress(done, len(parts))
    return results  # type: ignore[return-value]


def rows_of(partition: Partition) -> int:
    """The number of rows in a partition (an example ``fn``)."""
    return sum(batch.num_rows for batch in partition.batches())


def first_file_rows(parts: Sequence[Partition], counts: Sequence[int]) -> list[int]:
    """Each partition's first row within its file, given how many rows each one had: its
    ``row_offset``, or, for a byte range (which cannot know it), the rows of the earlier ranges
    of the same file.

    >>> from datacard.readers.base import DataFile
    >>> f = DataFile(path="a.csv", rel="a.csv", split="train", format="csv")
    >>> later = Partition(f, "r2", byte_range=(100, 200))
    >>> first_file_rows([later, Partition(f, "r1", byte_range=(0, 100))], [7, 5])
    [5, 0]
    """
    firsts = [p.row_offset for p in parts]
    ranged: dict[str, list[tuple[int, int]]] = {}
    for i, p in enumerate(parts):
        if p.byte_range is not None:
            ranged.setdefault(p.file.rel, []).append((p.byte_range[0], i))
    for pieces in ranged.values():
        done = 0
        for _, i in sorted(pieces):
            firsts[i] = done
            done += counts[i]
    return firsts
