"""Mask personal data in what the card itself shows about a column (its frequent values).

Once the audit finds personal data in a column, the card must not publish it either: the
``top`` values (and label balance) of that column are rewritten with every detected value
masked, as the findings' examples are. ``update`` applies it again after re-measuring.

>>> from datacard.measured import ColumnSummary, Measured, SplitSummary, TopValue
>>> col = ColumnSummary(type="string", kind="string", count=2, nulls=0,
...                     top=[TopValue(value="mail jane.doe@example.org", count=2)])
>>> m = Measured(generated_by="t", content_hash="h", splits_from="default",
...              splits={"train": SplitSummary(rows=2, duplicate_rows=0, columns={"c": col})})
>>> redact_measured(m, {("train", "c")}).splits["train"].columns["c"].top[0].value
'mail j***@e***.org'
"""

from __future__ import annotations

from collections.abc import Iterable, Set

from datacard.measured import AuditRecord, ColumnSummary, Measured, TopValue


def redact_text(text: str) -> str:
    """``text`` with every value the PII detectors find replaced by its masked form."""
    from datacard.audit.pii import detect

    out = text
    for match in sorted(detect(text), key=lambda m: m.span[0], reverse=True):
        start, end = match.span
        out = out[:start] + match.masked + out[end:]
    return out


def _top(values: Iterable[TopValue]) -> list[TopValue]:
    return [
        TopValue(value=redact_text(v.value), count=v.count) if isinstance(v.value, str) else v
        for v in values
    ]


def _column(col: ColumnSummary) -> ColumnSummary:
    update: dict[str, object] = {}
    if col.top:
        update["top"] = _top(col.top)
    for bound in ("min", "max"):
        value = getattr(col, bound)
        if col.kind == "string" and isinstance(value, str):
            update[bound] = redact_text(value)
    return col.model_copy(update=update) if update else col


def flagged_columns(record: AuditRecord | None) -> set[tuple[str, str]]:
    """(split, column) pairs where the audit found personal data in the values."""
    if record is None:
        return set()
    return {
        (f.location.split, f.location.column)
        for f in record.findings
        if f.code.startswith("pii.")
        and f.code != "pii.column-name"
        and f.location is not None
        and f.location.split is not None
        and f.location.column is not None
    }


def redact_measured(measured: Measured, columns: Set[tuple[str, str]]) -> Measured:
    """``measured`` with the shown values of ``columns`` ((split, column) pairs) masked."""
    if not columns:
        return measured
    splits = {}
    for name, split in measured.splits.items():
        cols = {c: _column(s) if (name, c) in columns else s for c, s in split.columns.items()}
        balance = split.label_balance
        if balance and measured.label and (name, measured.label) in columns:
            balance = _top(balance)
        splits[name] = split.model_copy(update={"columns": cols, "label_balance": balance})
    return measured.model_copy(update={"splits": splits})
