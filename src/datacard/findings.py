"""Findings are data: a check yields them, the CLI decides what they mean for the exit code.

Every finding has a stable ``code`` from :data:`CATALOG`, so tests and users compare codes, not
prose.

>>> f = Finding("file.changed", Severity.ERROR, "sha256 differs", where="train/a.csv")
>>> f.to_dict()["code"]
'file.changed'
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


class Severity(enum.IntEnum):
    """How bad a finding is; ordered so ``>=`` works for ``--fail-on``."""

    INFO = 10
    WARNING = 20
    ERROR = 30

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        """``Severity.parse("warning") is Severity.WARNING``."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(s.name.lower() for s in cls)
            from datacard.errors import UsageError

            raise UsageError(f"unknown severity '{text}'", hint=f"use one of: {names}") from None


#: code -> (default severity, title). Codes are stable; titles may be reworded.
CATALOG: dict[str, tuple[Severity, str]] = {
    "file.added": (Severity.ERROR, "A data file is not in the card"),
    "file.removed": (Severity.ERROR, "A file in the card is missing"),
    "file.changed": (Severity.ERROR, "A file's content differs from the card"),
    "file.skipped": (Severity.WARNING, "A file was skipped"),
    "schema.column-added": (Severity.ERROR, "A column is not in the card"),
    "schema.column-removed": (Severity.ERROR, "A column in the card is missing"),
    "schema.type-changed": (Severity.ERROR, "A column's type differs from the card"),
    "schema.nullability-changed": (Severity.ERROR, "A column has nulls where the card has none"),
    "schema.duplicate-column": (Severity.WARNING, "Two columns share a name"),
    "split.added": (Severity.ERROR, "A split is not in the card"),
    "split.removed": (Severity.ERROR, "A split in the card is missing"),
    "split.rows-changed": (Severity.ERROR, "A split's row count differs from the card"),
    "stats.null-fraction": (Severity.ERROR, "A column's share of nulls moved beyond tolerance"),
    "stats.range": (Severity.ERROR, "A column's values left the recorded range"),
    "stats.distinct": (Severity.WARNING, "A column's distinct count moved beyond tolerance"),
    "stats.mean-shift": (Severity.ERROR, "A column's mean moved beyond tolerance"),
    "stats.duplicates": (Severity.WARNING, "The number of duplicate rows changed"),
    "card.required-empty": (Severity.WARNING, "A required human-written field is empty"),
    "card.content-hash": (Severity.ERROR, "The dataset's content hash differs from the card"),
    "leakage.exact-overlap": (Severity.ERROR, "The same examples appear in two splits"),
    "leakage.near-overlap": (Severity.WARNING, "Near-duplicates appear in two splits"),
    "leakage.duplicates": (Severity.WARNING, "A split repeats examples"),
    "leakage.label-conflict": (Severity.ERROR, "The same input carries different labels"),
    "contamination.exact": (Severity.ERROR, "Benchmark items appear verbatim in training data"),
    "contamination.ngram": (Severity.ERROR, "Benchmark items share long n-grams with training"),
    "contamination.near": (Severity.WARNING, "Benchmark items have near-duplicates in training"),
    "pii.email": (Severity.WARNING, "A column holds e-mail addresses"),
    "pii.phone": (Severity.WARNING, "A column holds phone numbers"),
    "pii.payment-card": (Severity.ERROR, "A column holds payment card numbers"),
    "pii.iban": (Severity.ERROR, "A column holds bank account numbers (IBAN)"),
    "pii.ssn": (Severity.ERROR, "A column holds US social security numbers"),
    "pii.ip-address": (Severity.WARNING, "A column holds IP addresses"),
    "pii.url-credentials": (Severity.ERROR, "A column holds URLs with credentials"),
    "pii.secret": (Severity.ERROR, "A column holds secrets (API keys, tokens)"),
    "pii.date-of-birth": (Severity.WARNING, "A column holds dates of birth"),
    "pii.column-name": (Severity.INFO, "A column's name suggests personal data"),
    "sensitive.attribute": (Severity.INFO, "A column looks like a protected characteristic"),
    "sensitive.imbalance": (Severity.WARNING, "A protected group is strongly under-represented"),
    "sensitive.label-gap": (Severity.WARNING, "Label rates differ strongly between groups"),
    "license.missing": (Severity.WARNING, "The dataset declares no licence"),
    "license.unknown": (Severity.WARNING, "A licence is not a known SPDX expression"),
    "license.conflict": (Severity.ERROR, "A source's licence conflicts with the dataset's"),
    "license.attribution": (Severity.WARNING, "A source's licence requires attribution"),
    "poisoning.label-conflict": (Severity.WARNING, "Identical inputs carry conflicting labels"),
    "poisoning.trigger": (Severity.WARNING, "A rare token or value predicts one label"),
    "poisoning.cluster": (Severity.WARNING, "Near-identical rows cluster in one label"),
    "poisoning.outlier": (Severity.WARNING, "Extreme outliers"),
    "audit.stale": (Severity.WARNING, "The stored audit describes other data"),
    "media.corrupt": (Severity.ERROR, "A media file cannot be decoded"),
    "media.bomb": (Severity.ERROR, "An image claims more pixels than the decoding budget"),
    "media.extreme-size": (Severity.WARNING, "Images are tiny or huge"),
    "media.clipping": (Severity.WARNING, "Audio clips clip at full scale"),
    "media.silence": (Severity.WARNING, "Audio clips are silent"),
    "pii.gps": (Severity.WARNING, "Images carry GPS coordinates in EXIF"),
}


@dataclass(frozen=True)
class Location:
    """Where a finding points: split, column, file (relative to the card) and 0-based row.

    >>> str(Location(split="train", column="email", file="train.csv", row=3))
    'train.csv:row 3, column email'
    """

    split: str | None = None
    column: str | None = None
    file: str | None = None
    row: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"split": self.split, "column": self.column, "file": self.file, "row": self.row}

    def __str__(self) -> str:
        head = self.file or self.split or ""
        parts = [f"row {self.row}" if self.row is not None else "", self.column or ""]
        tail = ", ".join(p if not p or p.startswith("row") else f"column {p}" for p in parts if p)
        return f"{head}:{tail}" if head and tail else head or tail


@dataclass(frozen=True)
class Finding:
    """One conclusion about the data, with a stable code and the evidence behind it."""

    code: str
    severity: Severity
    message: str
    where: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    location: Location | None = None

    def __post_init__(self) -> None:
        if self.code not in CATALOG:
            raise ValueError(f"finding code '{self.code}' is not in the catalog")

    @classmethod
    def of(
        cls,
        code: str,
        message: str,
        where: str = "",
        *,
        location: Location | None = None,
        **evidence: Any,
    ) -> Finding:
        """A finding with the catalog's default severity for ``code``; ``where`` defaults to
        ``str(location)``."""
        where = where or (str(location) if location is not None else "")
        return cls(code, CATALOG[code][0], message, where, evidence, location)

    def to_dict(self) -> dict[str, Any]:
        out = {
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message,
            "where": self.where,
            "evidence": self.evidence,
        }
        if self.location is not None:
            out["location"] = self.location.to_dict()
        return out


def worst(findings: Iterable[Finding]) -> Severity | None:
    """The highest severity among ``findings`` (None when there are none)."""
    return max((f.severity for f in findings), default=None)


def failing(findings: Sequence[Finding], fail_on: Severity) -> list[Finding]:
    """The findings at or above ``fail_on``."""
    return [f for f in findings if f.severity >= fail_on]
