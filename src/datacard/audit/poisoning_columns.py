"""Which columns the poisoning hints read, and as what.

- **text**: string columns of running text (on average at least :data:`TEXT_WORDS` words or
  :data:`TEXT_CHARS` characters in a file's first rows), or the card's ``policy.leakage.text``;
- **values**: categorical columns (booleans, dictionaries, short strings with few distinct
  values) — their values are features like words (the first :data:`MAX_VALUE_COLUMNS`);
- **inputs**: what makes two rows "the same input" for label conflicts: ``policy.leakage.key``,
  else the text columns, else every other column but the label;
- **numeric**: integer and float columns, for outliers.

Identifier-like columns (named ``id``, ``uuid``, ``key``, ``url``, ``path``...) are none of
these. The choice is made once per column name, from the first file that has it.

>>> is_identifier("user_id"), is_identifier("video"), is_identifier("ImageURL")
(True, False, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from datacard.arrays import values
from datacard.audit.poisoning_scan import PoisonSpec
from datacard.audit.sensitive_names import name_tokens
from datacard.audit.sensitive_scan import limited
from datacard.card import Policy
from datacard.readers import reader_for
from datacard.readers.base import DataFile

TEXT_WORDS = 4
TEXT_CHARS = 40
#: A string column is categorical with at most this share of distinct values in its first rows.
CATEGORICAL_SHARE = 0.5
PEEK_ROWS = 2000
#: Categorical columns used as features at most (the first ones; 4 bytes per row each).
MAX_VALUE_COLUMNS = 32
_IDENTIFIERS = frozenset(["id", "ids", "uuid", "guid", "idx", "index", "key", "hash", "sha"])
_IDENTIFIERS |= {"md5", "url", "uri", "path", "file", "filename", "link"}


def is_identifier(name: str) -> bool:
    """Whether a column name says it identifies rows or points elsewhere."""
    return bool(_IDENTIFIERS.intersection(name_tokens(name)))


@dataclass
class ColumnChooser:
    """Called by :func:`datacard.scan.plan_partitions` for every file; remembers the kinds."""

    policy: Policy
    label: str | None
    kinds: dict[str, str] = field(default_factory=dict)  # column -> text/values/numeric/other
    order: dict[str, None] = field(default_factory=dict)

    def __call__(self, file: DataFile, names: list[str]) -> list[str]:
        unknown = [n for n in names if n not in self.kinds and n != self.label]
        if unknown:
            self._learn(file, unknown)
        for name in names:
            self.order.setdefault(name, None)
        wanted = [n for n in names if self.kinds.get(n, "other") != "other" or n == self.label]
        return wanted if any(n != self.label for n in wanted) else []

    def _learn(self, file: DataFile, names: list[str]) -> None:
        reader = reader_for(file.format)
        schema = reader.inspect(file).schema
        forced = set(self.policy.leakage.text)
        peek: pa.RecordBatch | None = None
        for name in names:
            t = schema.field(name).type
            if name in forced:
                self.kinds[name] = "text"
            elif is_identifier(name):
                self.kinds[name] = "other"
            elif pa.types.is_boolean(t) or pa.types.is_dictionary(t):
                self.kinds[name] = "values"
            elif pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
                self.kinds[name] = "numeric"
            elif pa.types.is_string(t) or pa.types.is_large_string(t):
                if peek is None:
                    peek = _peek(file, names)
                self.kinds[name] = _string_kind(peek.column(name)) if peek is not None else "other"
            else:
                self.kinds[name] = "other"

    def spec(self, sample: int | None) -> PoisonSpec:
        def of(kind: str) -> tuple[str, ...]:
            return tuple(n for n in self.order if self.kinds.get(n) == kind and n != self.label)

        text = of("text")
        inputs = tuple(self.policy.leakage.key) or text
        if not inputs:
            inputs = tuple(n for n in self.order if n != self.label and not is_identifier(n))
        return PoisonSpec(
            label=self.label,
            text=text,
            values=of("values")[:MAX_VALUE_COLUMNS],
            inputs=inputs,
            numeric=of("numeric"),
            limit=sample,
        )


def _peek(file: DataFile, names: list[str]) -> pa.RecordBatch | None:
    """The first rows of ``file`` (only ``names``)."""
    reader = reader_for(file.format)
    for part in reader.partitions(file):
        for batch in limited(part.batches(), PEEK_ROWS):
            return batch.select(names) if set(names) <= set(batch.schema.names) else batch
    return None


def _string_kind(arr: pa.Array) -> str:
    """``text``, ``values`` or ``other`` for a string column's first rows."""
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    arr = arr.drop_null()
    if not len(arr):
        return "other"
    words = values(pc.list_value_length(pc.utf8_split_whitespace(arr))).astype(np.float64)
    chars = values(pc.utf8_length(arr)).astype(np.float64)
    if words.mean() >= TEXT_WORDS or chars.mean() >= TEXT_CHARS:
        return "text"
    distinct = int(pc.count_distinct(arr).as_py())
    return "values" if distinct <= max(2, CATEGORICAL_SHARE * len(arr)) else "other"
