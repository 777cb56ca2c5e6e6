"""Evaluation sets named on the command line: ``PATH[:FIELD[,FIELD...]]`` → one text per item.

A benchmark is a JSON Lines, CSV/TSV or Parquet (or Arrow) file; each row is an item, numbered
from 0 in file order. The text of an item is its fields joined by a space (default: every
string field, in file order). Paths are taken relative to ``base`` when not absolute.

>>> parse_spec("gsm8k_test.jsonl:question,answer")
('gsm8k_test.jsonl', ('question', 'answer'))
>>> parse_spec("mmlu.parquet")
('mmlu.parquet', ())
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from datacard.errors import SourceError, UsageError
from datacard.layout import detect_format, supported_suffixes
from datacard.readers import reader_for
from datacard.readers.base import DataFile

__all__ = ["Benchmark", "load_benchmark", "parse_spec", "text_of"]


@dataclass(frozen=True)
class Benchmark:
    """One evaluation set: its spec path, the fields matched, and one text per item."""

    path: str
    fields: tuple[str, ...]
    texts: pa.Array  # large_string, one per item (nulls for items with no text)

    @property
    def items(self) -> int:
        """How many items the benchmark has."""
        return len(self.texts)


def parse_spec(spec: str) -> tuple[str, tuple[str, ...]]:
    """``(path, fields)`` of ``PATH[:FIELD[,FIELD...]]``; an existing path may contain ``:``."""
    spec = spec.strip()
    if not spec:
        raise UsageError("empty --benchmark", hint="use --benchmark PATH[:FIELD[,FIELD...]]")
    path, sep, tail = spec.rpartition(":")
    if not sep or Path(spec).exists() or "/" in tail or "\\" in tail or not path:
        return spec, ()
    fields = tuple(f.strip() for f in tail.split(","))
    if any(not f for f in fields):
        raise UsageError(
            f"empty field name in --benchmark {spec}",
            hint="use --benchmark PATH:FIELD[,FIELD...] without empty names",
        )
    return path, fields


def load_benchmark(spec: str, base: str | os.PathLike[str] = ".") -> Benchmark:
    """Read the items of one benchmark spec; SourceError/UsageError with a hint on bad input."""
    path, fields = parse_spec(spec)
    full = Path(path) if Path(path).is_absolute() else Path(base) / path
    if not full.exists():
        raise SourceError(
            "benchmark file not found",
            where=path,
            hint="check the path (relative paths are from the current folder, or the card's "
            "folder in a card's policy)",
        )
    found = detect_format(full.name)
    if found is None or full.is_dir():
        raise SourceError(
            "not a benchmark format datacard reads",
            where=path,
            hint=f"use one of {supported_suffixes()}",
        )
    fmt, compression = found
    file = DataFile(
        path=str(full), rel=path, split="benchmark", format=fmt, compression=compression
    )
    reader = reader_for(fmt)
    schema = reader.inspect(file).schema
    chosen = _choose_fields(path, schema, fields)
    batches = [b for p in reader.partitions(file) for b in p.batches()]
    columns = [
        pa.concat_arrays([text_of(b.column(b.schema.get_field_index(f)), path, f) for b in batches])
        if batches
        else pa.array([], pa.large_string())
        for f in chosen
    ]
    return Benchmark(path=path, fields=chosen, texts=_join(columns))


def _choose_fields(path: str, schema: pa.Schema, fields: tuple[str, ...]) -> tuple[str, ...]:
    names = list(schema.names)
    for f in fields:
        if f not in names:
            close = difflib.get_close_matches(f, names, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"fields are: {', '.join(names)}"
            raise UsageError(f"unknown field '{f}' in benchmark", where=path, hint=hint)
    if fields:
        return fields
    text = tuple(
        f.name
        for f in schema
        if pa.types.is_string(f.type)
        or pa.types.is_large_string(f.type)
        or pa.types.is_string_view(f.type)
    )
    if not text:
        raise UsageError(
            "the benchmark has no text fields",
            where=path,
            hint=f"name the fields to match: {path}:FIELD (fields are: {', '.join(names)})",
        )
    return text


def text_of(arr: pa.Array, where: str, field: str) -> pa.Array:
    """A field as ``large_string`` (numbers and booleans as their text); UsageError otherwise."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    t = arr.type
    if not (
        pa.types.is_primitive(t)
        or pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or pa.types.is_string_view(t)
    ):
        raise UsageError(
            f"field '{field}' is not text ({t})",
            where=where,
            hint="name text fields only: PATH:FIELD[,FIELD...]",
        )
    return arr.cast(pa.large_string())


def _join(columns: list[pa.Array]) -> pa.Array:
    if len(columns) == 1:
        return columns[0]
    narrow = [c.cast(pa.string()) for c in columns]  # the separator is a string scalar
    return pc.binary_join_element_wise(*narrow, " ", null_handling="replace", null_replacement="")
