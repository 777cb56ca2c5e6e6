"""Helpers for the datacard.text tests (no tests here): a tokenizer trained here, measuring."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa

from datacard.columns import ColumnAccumulator, accumulator_for
from datacard.readers import reader_for
from datacard.readers.base import DataFile
from datacard.text import TextOptions
from datacard.text.options import use

WORDS = [
    "the",
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "a",
    "lazy",
    "dog",
    "while",
    "data",
    "models",
    "learn",
    "language",
    "from",
    "tokens",
    "and",
    "counts",
    "der",
    "schnelle",
    "Hund",
    "le",
    "chat",
    "dort",
    "sur",
    "canapé",
]


def train_tokenizer(path: Path, kind: str = "bpe") -> Path:
    """A small BPE (or WordLevel) tokenizer trained offline and saved as ``path``."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers

    corpus = [" ".join(WORDS[i:] + WORDS[:i]) for i in range(len(WORDS))]
    if kind == "bpe":
        tok = Tokenizer(models.BPE(unk_token="[UNK]"))
        trainer: Any = trainers.BpeTrainer(
            vocab_size=120, special_tokens=["[UNK]", "[CLS]", "[SEP]"], show_progress=False
        )
    else:
        tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
        trainer = trainers.WordLevelTrainer(
            special_tokens=["[UNK]", "[CLS]", "[SEP]"], show_progress=False
        )
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator(corpus, trainer)
    # a post-processor that adds special tokens, and truncation, both of which we switch off
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 1), ("[SEP]", 2)]
    )
    tok.enable_truncation(max_length=4)
    tok.save(str(path))
    return path


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def measure(path: Path, options: TextOptions) -> dict[str, ColumnAccumulator]:
    """Each column of a file through datacard's reader and ``accumulator_for``, under the text
    options (the hook ``profile`` consults)."""
    fmt = "jsonl" if path.suffix == ".jsonl" else "parquet"
    file = DataFile(path=str(path), rel=path.name, split="train", format=fmt)
    accs: dict[str, ColumnAccumulator] = {}
    with use(options):
        for part in reader_for(fmt).partitions(file):
            for batch in part.batches():
                for name, column in zip(batch.schema.names, batch.columns):
                    acc = accs.get(name)
                    if acc is None:
                        acc = accs[name] = accumulator_for(column.type)
                    acc.update(column)
    return accs


def update(acc: ColumnAccumulator, arr: pa.Array) -> ColumnAccumulator:
    acc.update(arr)
    return acc
