"""Exact token counts with a user's Hugging Face tokenizer (``--tokenizer tokenizer.json``).

:func:`resolve_tokenizer` checks the file once, in the main process, and names it by file
and sha256 (the label the card records). :func:`count_tokens` loads the tokenizer once per
process (cached by path and sha256), with truncation and padding switched off, and counts the
tokens of each value with ``encode_batch_fast(..., add_special_tokens=False)`` in chunks.

Worker processes of our fork pool never use the tokenizer's own threads
(``TOKENIZERS_PARALLELISM=false``): one process per core already keeps every core busy, and
Rust threads inherited through ``fork`` would deadlock. In the main process the variable is
set to ``true`` when unset, which also silences the library's warning at a later fork.

>>> WHITESPACE_LABEL
'whitespace (approximate)'
"""

from __future__ import annotations

import functools
import hashlib
import multiprocessing
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from datacard.errors import MissingDependency, UsageError
from datacard.text.strings import I64, StringValues, whitespace_tokens

#: The ``tokenizer`` label of token counts made by splitting on whitespace.
WHITESPACE_LABEL = "whitespace (approximate)"
#: Characters handed to the tokenizer per call (bounds the memory of the encodings).
CHUNK_CHARS = 4 << 20
CHUNK_VALUES = 4096
_HINT = "pass the tokenizer.json of a Hugging Face tokenizer (saved by the tokenizers library)"


@dataclass(frozen=True)
class TokenizerSpec:
    """A tokenizer file, checked once: where it is and what it is (name and sha256)."""

    path: str  # absolute
    name: str  # file name, with its folder when the file is the generic tokenizer.json
    sha256: str

    @property
    def label(self) -> str:
        """How the card names this tokenizer: ``"<name> sha256:<hex>"``."""
        return f"{self.name} sha256:{self.sha256}"

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "name": self.name, "sha256": self.sha256}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TokenizerSpec:
        return cls(str(data["path"]), str(data["name"]), str(data["sha256"]))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _tokenizer_class() -> Any:
    try:
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise MissingDependency("tokenizers", "text", "--tokenizer") from exc
    return Tokenizer


def _read(path: Path, shown: str) -> Any:
    """The tokenizer in ``path``; one-line UsageError naming ``shown`` when it is not one."""
    cls = _tokenizer_class()
    try:
        tokenizer = cls.from_file(str(path))
    # the Rust binding raises a bare Exception for every parse or I/O problem
    except Exception as exc:  # noqa: BLE001
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(f"cannot read tokenizer {shown}: {reason}", hint=_HINT) from None
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def resolve_tokenizer(path: str | os.PathLike[str]) -> TokenizerSpec:
    """Check a tokenizer file and name it; UsageError (one line, naming the path) if unusable."""
    shown = str(path)
    file = Path(path).expanduser()
    if not file.is_file():
        what = "is a folder, not a file" if file.is_dir() else "does not exist"
        raise UsageError(f"tokenizer file {shown} {what}", hint=_HINT)
    file = file.resolve()
    spec = TokenizerSpec(str(file), _display_name(file), _sha256(file))
    _loaded(spec)  # parse it now: a bad file fails here, not in a worker
    return spec


def _display_name(file: Path) -> str:
    if file.name == "tokenizer.json" and file.parent.name:
        return f"{file.parent.name}/{file.name}"
    return file.name


@functools.lru_cache(maxsize=4)
def _loaded(spec: TokenizerSpec) -> Any:
    """The tokenizer of ``spec``, read once per process (a changed file is refused)."""
    file = Path(spec.path)
    if not file.is_file() or _sha256(file) != spec.sha256:
        raise UsageError(
            f"tokenizer {spec.path} changed or disappeared while measuring",
            hint="measure again",
        )
    return _read(file, spec.path)


_configured_pid: int | None = None


def _configure_threads() -> None:
    """Worker processes: no tokenizer threads. Main process: the library's threads, explicitly."""
    global _configured_pid
    if _configured_pid == os.getpid():
        return
    if multiprocessing.parent_process() is not None:
        os.environ["TOKENIZERS_PARALLELISM"] = "false"
    else:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "true")
    _configured_pid = os.getpid()


def count_texts(texts: list[str], spec: TokenizerSpec) -> I64:
    """The tokenizer's tokens in each text (no special tokens), in chunks."""
    _configure_threads()
    tokenizer = _loaded(spec)
    counts = np.zeros(len(texts), np.int64)
    start = 0
    while start < len(texts):
        end, size = start, 0
        while end < len(texts) and end - start < CHUNK_VALUES and size < CHUNK_CHARS:
            size += len(texts[end])
            end += 1
        encodings = tokenizer.encode_batch_fast(texts[start:end], add_special_tokens=False)
        counts[start:end] = [len(e) for e in encodings]
        start = end
    return counts


def count_tokens(v: StringValues, spec: TokenizerSpec | None) -> I64:
    """Tokens per value: the tokenizer's (no special tokens), or whitespace tokens without one.

    A dictionary-encoded column is tokenized once per dictionary entry.
    """
    if spec is None:
        return whitespace_tokens(v)
    return v.per_value(count_texts(v.entry_texts(), spec))
