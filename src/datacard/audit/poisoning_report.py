"""Findings under construction, and the evidence rows they show.

A hint adds its finding with the global rows to show (:meth:`Report.add`); at the end the few
rows' values are read back in one pass (:func:`.poisoning_rows.fetch_texts`), a trigger's token
is named from its rows' text (the scan kept only hashes), and excerpts are cut short.

>>> _, h = shingle_hashes(_strings(["cf"]))
>>> feature = int(salted(h.astype(np.uint32), "text", "word")[0])
>>> find_token("A good CF film", feature, "text", "word")
'cf'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from datacard.audit.context import AuditContext
from datacard.audit.poisoning_features import salted
from datacard.audit.poisoning_rows import excerpt, fetch_texts
from datacard.audit.poisoning_scan import PoisonSpec, symbol_hash
from datacard.audit.poisoning_triggers import Trigger
from datacard.findings import Finding, Location
from datacard.leakage.minhash import shingle_hashes
from datacard.rowmap import RowMap

#: Evidence rows per finding.
EVIDENCE = 10
#: A finding's message, or how to write it from its evidence (once the evidence is complete).
Message = str | Callable[[dict[str, Any]], str]


class Report:
    """Findings under construction; their evidence rows are read back once, at the end."""

    def __init__(self, ctx: AuditContext, rows: RowMap, spec: PoisonSpec) -> None:
        self.ctx, self.rows, self.spec = ctx, rows, spec
        self.pending: list[tuple[str, Message, Location, dict[str, Any], list[dict[str, Any]]]] = []
        self.wanted: dict[int, set[str]] = {}
        #: Triggers to name once their rows are read: (pending index, trigger, column, kind).
        self.tokens: list[tuple[int, Trigger, str, str]] = []

    def add(
        self,
        code: str,
        message: Message,
        location: Location,
        evidence: dict[str, Any],
        shown: Sequence[tuple[int, str | None, dict[str, Any]]],
    ) -> int:
        """A finding whose ``rows`` evidence lists ``shown``: (global row, column to excerpt,
        extra fields)."""
        rows = []
        for row, column, extra in shown[:EVIDENCE]:
            entry = self.rows.where(row) | extra
            if column is not None:
                self.wanted.setdefault(row, set()).add(column)
                entry["_column"] = column
            entry["_row"] = row
            rows.append(entry)
        self.pending.append((code, message, location, evidence, rows))
        return len(self.pending) - 1

    def finish(self) -> list[Finding]:
        texts = fetch_texts(self.rows, self.wanted, limit=self.spec.limit, workers=self.ctx.workers)
        for index, trigger, column, kind in self.tokens:
            self._name_token(index, trigger, column, kind, texts)
        out = []
        for code, message, location, evidence, rows in self.pending:
            for entry in rows:
                row, column = entry.pop("_row"), entry.pop("_column", None)
                if column is not None and "excerpt" not in entry:
                    value = texts.get((row, column))
                    entry["excerpt"] = excerpt(value) if value is not None else None
            text = message if isinstance(message, str) else message(evidence)
            out.append(Finding.of(code, text, location=location, **evidence, rows=rows))
        return out

    def _name_token(
        self,
        index: int,
        trigger: Trigger,
        column: str,
        kind: str,
        texts: dict[tuple[int, str], Any],
    ) -> None:
        """Find the trigger's text in its evidence rows; put it in the evidence and excerpts."""
        code, message, location, evidence, rows = self.pending[index]
        token = None
        for entry in rows:
            value = texts.get((entry["_row"], column))
            if value is None:
                continue
            if kind == "value":
                token = str(value)
            else:
                token = token or find_token(str(value), trigger.feature, column, kind)
            if token is not None and kind != "value":
                at = str(value).lower().find(token.lower())
                entry["excerpt"] = excerpt(value, at=max(at, 0))
        shown = token if token is not None else f"#{trigger.feature:08x}"
        evidence["token"] = excerpt(shown, limit=40)
        self.pending[index] = (code, message, location, evidence, rows)


def find_token(text: str, feature: int, column: str, kind: str) -> str | None:
    """The word or symbol of ``text`` whose feature hash is ``feature``."""
    folded = unicodedata.normalize("NFKC", text).lower()
    if kind == "symbol":
        chars = sorted(set(text))
        cps = np.array([ord(c) for c in chars], np.uint64)
        hits = np.flatnonzero(salted(symbol_hash(cps), column, "symbol") == np.uint32(feature))
        return chars[int(hits[0])] if len(hits) else None
    words = sorted(set(re.findall(r"\w+", folded)) | set(folded) - {" "})
    if not words:
        return None
    offsets, hashes = shingle_hashes(_strings(words))
    per_word = np.diff(offsets)
    single = np.flatnonzero(per_word == 1)
    word_hashes = hashes[offsets[single]].astype(np.uint32)
    hits = np.flatnonzero(salted(word_hashes, column, "word") == np.uint32(feature))
    return words[int(single[hits[0]])] if len(hits) else None


def _strings(items: Sequence[str]) -> pa.Array:
    """A large_string Arrow array of ``items``, built from buffers (no pandas import)."""
    data = [s.encode("utf-8") for s in items]
    offsets = np.concatenate([[0], np.cumsum([len(b) for b in data])]).astype(np.int64)
    return pa.Array.from_buffers(
        pa.large_string(), len(data), [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(data))]
    )
