"""The rows of a leak search: split, file and row within the file of any global row.

Pairs are found between global row numbers (0..n-1 in plan order). :class:`Rows` names them
from a :class:`~datacard.rowmap.RowMap` (numbers per partition, not per row, so the client of
a Dask run holds nothing that grows with the rows) plus the members of media collections that
pairs name (:meth:`Rows.renamed`).

>>> from datacard.readers.base import DataFile, Partition
>>> a = DataFile(path="", rel="a.csv", split="train", format="csv")
>>> b = DataFile(path="", rel="b.csv", split="test", format="csv")
>>> rows = Rows.of([Partition(a, "a"), Partition(b, "b")], [3, 2], [a, b])
>>> rows.split_names, rows.split(np.array([2, 3])).tolist(), rows.row(np.array([4])).tolist()
(['test', 'train'], [1, 0], [1])
>>> rows.split_sizes()
{'test': 2, 'train': 3}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from datacard.readers.base import DataFile, Partition
from datacard.rowmap import RowMap

I64 = npt.NDArray[np.int64]

__all__ = ["Rows", "split_ids", "split_names"]


def split_names(files: Sequence[DataFile]) -> list[str]:
    """The splits of the files, sorted: a split's id is its index here."""
    return sorted({f.split for f in files})


def split_ids(parts: Sequence[Partition], names: Sequence[str]) -> list[int]:
    """Each partition's split id (the index of its split in ``names``)."""
    index = {name: i for i, name in enumerate(names)}
    return [index[p.file.split] for p in parts]


def _none() -> I64:
    return np.zeros(0, np.int64)


@dataclass(frozen=True)
class Rows:
    """Split names (sorted), files, and per partition its split id and file id."""

    split_names: list[str]
    files: list[DataFile]
    map: RowMap
    part_split: I64
    part_file: I64
    renamed_rows: I64 = field(default_factory=_none)  # sorted global rows filed elsewhere
    renamed_files: I64 = field(default_factory=_none)  # ... and the file id of each

    @classmethod
    def of(
        cls, parts: Sequence[Partition], counts: Sequence[int], files: Sequence[DataFile]
    ) -> Rows:
        """Rows of the partitions ``parts`` (in plan order), ``counts[i]`` rows in part ``i``."""
        file_ids = {f.rel: i for i, f in enumerate(files)}
        names = split_names(files)
        split = np.array(split_ids(parts, names), np.int64)
        file = np.array([file_ids[p.file.rel] for p in parts], np.int64)
        return cls(names, list(files), RowMap.of(parts, counts), split, file)

    @property
    def total(self) -> int:
        return self.map.total

    def split(self, rows: I64) -> I64:
        """The split id (index in :attr:`split_names`) of each global row."""
        return self.part_split[self.map.part_of(rows)]

    def file(self, rows: I64) -> I64:
        """The file id (index in :attr:`files`) of each global row."""
        file = self.part_file[self.map.part_of(rows)]
        if len(self.renamed_rows):
            at = np.minimum(np.searchsorted(self.renamed_rows, rows), len(self.renamed_rows) - 1)
            hit = self.renamed_rows[at] == rows
            file = np.where(hit, self.renamed_files[at], file)
        return file

    def row(self, rows: I64) -> I64:
        """Each global row's 0-based row within its file (a media member's index)."""
        return self.map.file_rows_of(rows)

    def all_splits(self) -> I64:
        """The split id of every global row (O(rows): for data held on this machine anyway)."""
        return self.map.per_part(self.part_split.tolist())

    def split_sizes(self) -> dict[str, int]:
        """Rows per split name."""
        sizes = np.bincount(self.part_split, self.map.counts, minlength=len(self.split_names))
        return {s: int(n) for s, n in zip(self.split_names, sizes)}

    def renamed(self, files: list[DataFile], rows: I64, file_ids: I64) -> Rows:
        """These rows filed under other files (``files`` extends :attr:`files`); ``rows``
        sorted and distinct."""
        return replace(self, files=files, renamed_rows=rows, renamed_files=file_ids)
