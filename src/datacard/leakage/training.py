"""Which files and columns of a dataset are the training text searched for benchmark items.

The training set is every file of the split named ``train``; a dataset without a ``train``
split (say, one folder of files) is searched whole. The text of a row is its string columns
(or the ``--text`` columns) in schema order; a file without any of them is skipped.

>>> text_columns(__import__("pyarrow").schema([("q", "string"), ("n", "int64")]), ())
('q',)
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass

import pyarrow as pa

from datacard.errors import UsageError
from datacard.layout import discover
from datacard.readers import reader_for
from datacard.readers.base import DataFile

__all__ = ["TrainingText", "text_columns", "training_text"]


@dataclass(frozen=True)
class TrainingText:
    """The files searched (each with its text columns), files skipped, and which split."""

    files: tuple[tuple[DataFile, tuple[str, ...]], ...]
    skipped: tuple[str, ...]
    split: str  # "train" or "all"


def _is_text(t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        t = t.value_type
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t))


def text_columns(schema: pa.Schema, wanted: tuple[str, ...]) -> tuple[str, ...]:
    """The columns of ``schema`` searched: ``wanted`` ones present, else every string column."""
    if wanted:
        return tuple(c for c in wanted if c in schema.names)
    return tuple(f.name for f in schema if _is_text(f.type))


def training_text(root: str | os.PathLike[str], wanted: tuple[str, ...]) -> TrainingText:
    """The training files of the dataset at ``root`` and the text columns of each."""
    layout = discover(root)
    files = layout.files_of("train") or layout.files
    split = "train" if layout.files_of("train") else "all"
    chosen: list[tuple[DataFile, tuple[str, ...]]] = []
    skipped: list[str] = []
    seen: set[str] = set()
    for f in files:
        schema = reader_for(f.format).inspect(f).schema
        seen.update(schema.names)
        cols = text_columns(schema, wanted)
        if cols:
            chosen.append((f, cols))
        else:
            skipped.append(f.rel)
    missing = [c for c in wanted if c not in seen]
    if missing:
        close = difflib.get_close_matches(missing[0], sorted(seen), n=1)
        raise UsageError(
            f"--text column '{missing[0]}' is in no training file",
            where=str(root),
            hint=f"did you mean '{close[0]}'?"
            if close
            else f"columns are: {', '.join(sorted(seen))}",
        )
    if not chosen:
        raise UsageError(
            "the training data has no text columns",
            where=str(root),
            hint="name the columns to search with --text COL",
        )
    return TrainingText(files=tuple(chosen), skipped=tuple(skipped), split=split)
