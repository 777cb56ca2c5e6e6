"""``datacard audit``: run the audit's parts, evaluate the compliance checklists, and keep the
findings in the card (``measured.audit``) where ``check``, the reports and exports find them.

Parts: ``pii`` (personal data in the values), ``sensitive`` (protected characteristics and
their representation), ``licenses`` (the dataset's and sources' licences), ``poisoning``
(hints of label noise or planted triggers). Each yields findings; a part that fails on bad
input raises, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from datacard.audit.context import AuditContext, Progress
from datacard.audit.record import to_stored
from datacard.errors import CardError, UsageError
from datacard.findings import Finding

PARTS: Final = ("pii", "sensitive", "licenses", "poisoning")


@dataclass
class AuditResult:
    """What one audit found; ``compliance`` maps a framework to its evaluated items."""

    findings: list[Finding]
    compliance: dict[str, list[dict[str, Any]]]
    completeness: float
    representation: list[dict[str, Any]] = field(default_factory=list)
    parts: tuple[str, ...] = PARTS
    accepted: int = 0  # findings the card's policy.audit.accept left out
    written: Path | None = None

    def to_json(self) -> dict[str, Any]:
        """``{"findings": [...], "compliance": {FRAMEWORK: [...]}, ...}`` (issue 6's shape)."""
        from datacard.audit.compliance import DISCLAIMER

        return {
            "findings": [_finding_json(f) for f in self.findings],
            "compliance": self.compliance,
            "completeness": self.completeness,
            "representation": self.representation,
            "parts": list(self.parts),
            "accepted": self.accepted,
            "disclaimer": DISCLAIMER,
        }


def _finding_json(f: Finding) -> dict[str, Any]:
    loc = (
        f.location.to_dict()
        if f.location is not None
        else dict.fromkeys(("split", "column", "file", "row"))
    )
    return {
        "code": f.code,
        "severity": str(f.severity),
        "message": f.message,
        "where": loc,
        "at": f.where,
        "evidence": f.evidence,
    }


def _parts(parts: Sequence[str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(parts)) or PARTS
    for part in chosen:
        if part not in PARTS:
            raise UsageError(f"unknown audit part '{part}'", hint=f"use one of: {', '.join(PARTS)}")
    return chosen


def _runners(
    ctx: AuditContext, pii_backend: str
) -> dict[str, Callable[[], tuple[list[Finding], list[Any]]]]:
    def pii() -> tuple[list[Finding], list[Any]]:
        from datacard.audit.pii import pii_findings

        return list(pii_findings(ctx, backend=pii_backend)), []

    def sensitive() -> tuple[list[Finding], list[Any]]:
        from datacard.audit.sensitive import sensitive_findings

        result = sensitive_findings(ctx)
        return list(result.findings), list(result.tables)

    def licenses() -> tuple[list[Finding], list[Any]]:
        from datacard.audit.licenses import license_findings

        return list(license_findings(ctx)), []

    def poisoning() -> tuple[list[Finding], list[Any]]:
        from datacard.audit.poisoning import poisoning_findings

        return list(poisoning_findings(ctx)), []

    return {"pii": pii, "sensitive": sensitive, "licenses": licenses, "poisoning": poisoning}


def run_audit(
    root: str | Path,
    *,
    parts: Sequence[str] = (),
    frameworks: Sequence[str] = (),
    sample: int | None = None,
    workers: int | None = None,
    progress: Callable[[str], Progress | None] | None = None,
    store: bool = True,
    pii_backend: str = "datacard",
) -> AuditResult:
    """Audit the dataset at ``root`` against its card; with ``store``, keep the result in the
    card's ``measured.audit`` (the rest of the card is left byte for byte as it was).

    ``progress(label)`` gives a progress callback for each part that scans the data.
    """
    from datacard.audit.compliance import FRAMEWORKS, completeness, evaluate
    from datacard.workflow import card_path, open_card

    chosen = _parts(parts)
    for name in frameworks:
        if name not in FRAMEWORKS:
            evaluate(name, open_card(root).card, [], set())  # raises the "did you mean" error
    if sample is not None and sample < 1:
        raise UsageError(f"--sample {sample} is not a positive number of rows", hint="e.g. 10000")
    loaded = open_card(root)
    card = loaded.card
    if card.measured is None:
        raise CardError(
            "the card has not measured the data yet",
            where=str(loaded.path),
            hint=f"run 'datacard update {root}' first",
        )
    findings: list[Finding] = []
    tables: list[Any] = []
    for part in chosen:
        bar = progress(part) if progress is not None else None
        ctx = AuditContext(Path(root), card, workers=workers, sample=sample, progress=bar)
        found, extra = _runners(ctx, pii_backend)[part]()
        findings += found
        tables += extra
    policy = card.policy.audit
    reported = [
        f
        for f in findings
        if not policy.accepts(f.code, f.location.column if f.location is not None else None)
    ]
    audited = set(chosen)
    compliance = {
        name: [item.to_json() for item in evaluate(name, card, reported, audited)]
        for name in (frameworks or FRAMEWORKS)
    }
    score = completeness(card)
    result = AuditResult(
        reported, compliance, score, tables, chosen, accepted=len(findings) - len(reported)
    )
    if store:
        result.written = _store(card_path(Path(root)), findings, result, sample)
    return result


def _store(path: Path, findings: list[Finding], result: AuditResult, sample: int | None) -> Path:
    """Keep every finding (accepted ones too: accepting is a policy, the finding is a fact)."""
    from datacard import __version__
    from datacard.audit.compliance import FRAMEWORKS, evaluate
    from datacard.audit.redact import flagged_columns, redact_measured
    from datacard.measured import AuditRecord
    from datacard.yamlio import load_card, save_measured

    card = load_card(path).card
    assert card.measured is not None
    counts: dict[str, dict[str, int]] = {}
    for name in FRAMEWORKS:
        items = evaluate(name, card, result.findings, set(result.parts))
        tally: dict[str, int] = {"satisfied": 0, "partial": 0, "missing": 0}
        for item in items:
            tally[item.status] = tally.get(item.status, 0) + 1
        counts[name] = tally
    record = AuditRecord(
        generated_by=f"datacard {__version__}",
        date=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        content_hash=card.measured.content_hash,
        parts=list(result.parts),
        sample=sample,
        completeness=round(result.completeness, 4),
        findings=[to_stored(f) for f in findings],
        representation=result.representation,
        compliance=counts,
    )
    measured = card.measured.model_copy(update={"audit": record})
    save_measured(path, redact_measured(measured, flagged_columns(record)))
    return path
