"""Findings to and from the card's ``measured.audit`` record.

>>> from datacard.card import AuditPolicy
from datacard.findings import Finding, Location
>>> f = Finding.of("pii.email", "2 e-mail addresses", location=Location("train", "contact"))
>>> back = from_stored(to_stored(f))
>>> back == f
True
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from datacard.card import AuditPolicy
from datacard.findings import CATALOG, Finding, Location, Severity
from datacard.measured import AuditRecord, StoredFinding, StoredLocation


def to_stored(finding: Finding) -> StoredFinding:
    """The card's form of a finding."""
    loc = finding.location
    return StoredFinding(
        code=finding.code,
        severity=str(finding.severity),
        message=finding.message,
        where=finding.where,
        location=StoredLocation(**loc.to_dict()) if loc is not None else None,
        evidence=dict(finding.evidence),
    )


def from_stored(stored: StoredFinding) -> Finding:
    """The finding a card keeps (its severity as stored)."""
    loc = stored.location
    return Finding(
        stored.code,
        Severity.parse(stored.severity),
        stored.message,
        stored.where,
        dict(stored.evidence),
        Location(**loc.model_dump()) if loc is not None else None,
    )


def stored_findings(
    record: AuditRecord | None, content_hash: str | None, policy: AuditPolicy | None = None
) -> Iterator[Finding]:
    """The audit's findings kept in a card, less those ``policy`` accepts, plus ``audit.stale``
    when the card's data changed since the audit. Codes this datacard does not know (a newer
    one wrote them) are skipped."""
    if record is None:
        return
    known: Iterable[StoredFinding] = (f for f in record.findings if f.code in CATALOG)
    for stored in known:
        column = stored.location.column if stored.location is not None else None
        if policy is None or not policy.accepts(stored.code, column):
            yield from_stored(stored)
    if content_hash is not None and record.content_hash != content_hash:
        yield Finding.of(
            "audit.stale",
            f"the audit of {record.date[:10]} describes other data than the card; "
            "run 'datacard audit' again",
            audited=record.content_hash,
            card=content_hash,
        )
