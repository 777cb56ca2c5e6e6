"""The PII findings: one per split, column and kind, with masked evidence.

:func:`pii_findings` plans the dataset's string columns (plus integer and date columns whose
names ask for it), scans them in worker processes, merges the tallies in plan order and turns
each (split, column, kind) into a finding. With ``ctx.sample``, at most that many rows per split
are read, spread over the split's partitions.

>>> plan_sample(4, 6)
[(0, 2), (1, 2), (2, 1), (3, 1)]
>>> plan_sample(100, 3)
[(0, 1), (33, 1), (67, 1)]
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from datacard.audit.context import AuditContext
from datacard.audit.pii.engine import DEFAULT_REGIONS, KINDS
from datacard.audit.pii.names import KIND_PERSONAL, column_hint
from datacard.audit.pii.scan import ColumnTally, KindTally, PartScan, ScanSpec, scan_partition
from datacard.audit.pii.scan import text_columns as _text_columns
from datacard.findings import Finding, Location
from datacard.readers.base import Partition
from datacard.scan import map_partitions, plan_partitions

#: Partitions a sample is spread over (per split), at most.
SAMPLE_PARTS = 32
#: What the message calls each kind.
KIND_WORDS: dict[str, str] = {
    "email": "e-mail addresses",
    "phone": "phone numbers",
    "payment-card": "payment card numbers",
    "iban": "IBANs",
    "ssn": "US social security numbers",
    "ip-address": "IP addresses",
    "url-credentials": "URLs with credentials",
    "secret": "secrets",
    "date-of-birth": "dates of birth",
}
BASIS_WORDS: dict[str, str] = {
    "format": "address format with a domain",
    "url": "scheme://user:password@host",
    "e164": "valid +CC number (phonenumbers)",
    "national+name": "valid national number, region from the column name",
    "national+context": "valid national number after a phone word",
    "luhn+iin": "Luhn checksum, card network prefix and length",
    "mod-97": "ISO 7064 mod-97 checksum and country length",
    "ranges+dashes": "SSA area/group/serial ranges, written 123-45-6789",
    "ranges+context": "SSA ranges, after 'SSN' or 'social security'",
    "ranges+name": "SSA ranges, column named for SSNs",
    "ipv4": "valid IPv4 address, no version word before it",
    "ipv6": "valid IPv6 address",
    "prefix": "known key prefix and length",
    "jwt": "JSON web token with an 'alg' header",
    "pem": "PEM private key header",
    "keyword": "high-entropy value after a key, token or password name",
    "name": "whole value in a column named for secrets",
    "date+context": "calendar date after 'born', 'DOB' or 'date of birth'",
    "date+name": "calendar date in a column named for birth dates",
    "presidio": "Presidio recognizer",
}


@dataclass(frozen=True)
class SplitScan:
    """The merged scan of one split."""

    split: str
    rows: int
    columns: dict[str, ColumnTally]


def plan_sample(n: int, sample: int) -> list[tuple[int, int]]:
    """``(partition index, rows)``: a sample of ``sample`` rows spread evenly over ``n``
    partitions (the first rows of up to :data:`SAMPLE_PARTS` evenly spaced partitions)."""
    k = max(1, min(n, SAMPLE_PARTS, sample))
    picks = [round(j * n / k) for j in range(k)]
    base, extra = divmod(sample, k)
    return [(p, base + (1 if j < extra else 0)) for j, p in enumerate(picks)]


def _sampled(parts: list[Partition], sample: int | None) -> tuple[list[Partition], ScanSpec]:
    if sample is None:
        return parts, ScanSpec()
    chosen: list[Partition] = []
    limits: dict[str, int] = {}
    by_split: dict[str, list[Partition]] = {}
    for part in parts:
        by_split.setdefault(part.file.split, []).append(part)
    for split_parts in by_split.values():
        for index, rows in plan_sample(len(split_parts), sample):
            part = split_parts[index]
            chosen.append(part)
            limits[part.unit] = rows
    return chosen, ScanSpec(limits=limits)


def scan_dataset(
    ctx: AuditContext,
    *,
    regions: tuple[str, ...] = DEFAULT_REGIONS,
    backend: str = "datacard",
) -> list[SplitScan]:
    """Scan the dataset's text columns; one merged :class:`SplitScan` per split, plan order."""
    parts = plan_partitions(ctx.root, splits=ctx.splits or None, columns=_text_columns)
    parts, spec = _sampled(parts, ctx.sample)
    spec = ScanSpec(regions=regions, limits=spec.limits, backend=backend)
    scans = map_partitions(
        functools.partial(scan_partition, spec), parts, workers=ctx.workers, progress=ctx.progress
    )
    merged: dict[str, PartScan] = {}
    for part, scan in zip(parts, scans, strict=True):
        merged.setdefault(part.file.split, PartScan()).merge(scan)
    return [SplitScan(split, s.rows, s.columns) for split, s in merged.items()]


def _reasons(kind: str, column: str, tally: KindTally) -> tuple[str, list[str]]:
    hint = column_hint(column)
    reasons = [BASIS_WORDS.get(b, b) for b, _ in tally.bases.most_common()]
    named = kind in hint.kinds
    if named:
        reasons.append(hint.reason(kind))
    confidence = "high" if named or tally.high * 2 >= tally.count else "medium"
    return confidence, reasons


def kind_finding(
    split: str, column: str, values: int, kind: str, tally: KindTally, sampled: bool
) -> Finding:
    """The finding for one kind in one column of one split."""
    fraction = tally.count / values if values else 0.0
    confidence, reasons = _reasons(kind, column, tally)
    first_file, first_row = tally.rows[0] if tally.rows else (None, None)
    scope = "sampled " if sampled else ""
    message = (
        f"{tally.count:,} of {values:,} {scope}values of column '{column}' in split '{split}' "
        f"contain {KIND_WORDS[kind]} ({fraction:.2%})"
    )
    return Finding.of(
        f"pii.{kind}",
        message,
        location=Location(split=split, column=column, file=first_file, row=first_row),
        count=tally.count,
        fraction=round(fraction, 6),
        scanned=values,
        sampled=sampled,
        examples=list(tally.examples),
        rows=[{"file": f, "row": r} for f, r in tally.rows],
        confidence=confidence,
        reasons=reasons,
        details=dict(tally.details.most_common()),
    )


def findings_of(scans: list[SplitScan], sampled: bool) -> list[Finding]:
    """Findings from merged scans: per split, column (first seen) and kind (catalog order)."""
    out: list[Finding] = []
    for scan in scans:
        for column, tally in scan.columns.items():
            kinds = [k for k in KINDS if k in tally.kinds and tally.kinds[k].count]
            for kind in kinds:
                out.append(
                    kind_finding(scan.split, column, tally.values, kind, tally.kinds[kind], sampled)
                )
            hint = column_hint(column)
            if not kinds and hint.personal and tally.values:
                out.append(
                    Finding.of(
                        "pii.column-name",
                        f"column '{column}' in split '{scan.split}' is named like "
                        f"{hint.personal}; no such values were detected in "
                        f"{tally.values:,} {'sampled ' if sampled else ''}values",
                        location=Location(split=scan.split, column=column),
                        suggests=hint.personal,
                        kinds=sorted(k for k in hint.kinds if k in KIND_PERSONAL),
                        scanned=tally.values,
                        sampled=sampled,
                    )
                )
    return out


def pii_findings(
    ctx: AuditContext,
    *,
    regions: tuple[str, ...] = DEFAULT_REGIONS,
    backend: str = "datacard",
) -> list[Finding]:
    """Personal data and secrets in the dataset's text columns, one finding per split, column
    and kind (``backend="presidio"``: Presidio's recognizers instead of datacard's)."""
    if backend == "presidio":
        from datacard.audit.pii.presidio import require_presidio

        require_presidio()
    elif backend != "datacard":
        from datacard.errors import UsageError

        raise UsageError(f"unknown PII backend '{backend}'", hint="use 'datacard' or 'presidio'")
    return findings_of(scan_dataset(ctx, regions=regions, backend=backend), ctx.sample is not None)
