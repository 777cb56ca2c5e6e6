"""Evaluate a checklist against a card and an audit's findings: satisfied, partial or missing.

An item's evidence units are its card ``fields`` (filled or not) and its ``findings`` (examined
or not: a finding of that code or family is present, or the audit part that yields them ran,
as named in ``audited``). Then:

- **satisfied**: every field filled, every check examined, and no finding among ``findings``
  or ``unresolved`` left at warning or above;
- **missing**: no field filled and nothing examined;
- **partial**: anything in between, including full evidence with unresolved findings.

``audited`` holds the audit parts that ran (``pii``, ``sensitive``, ``licenses``,
``poisoning``, as in :data:`datacard.audit.run.PARTS`) or finding families (``leakage``).

>>> from datacard.card import Card
>>> [r.status for r in evaluate("iso-42001", Card(name="x"), [], set())][:2]
['missing', 'missing']
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import dataclass
from typing import Any, Final, Literal

from datacard.audit.compliance.checklist import Item, load_checklist
from datacard.audit.compliance.paths import filled
from datacard.card import Card
from datacard.findings import Finding, Severity

Status = Literal["satisfied", "partial", "missing"]

#: Audit part name -> the finding family it yields, where they differ.
PART_FAMILIES: Final = {"licenses": "license"}


@dataclass(frozen=True)
class ItemResult:
    """One evaluated item: its status, the evidence found and what is still to do."""

    id: str
    title: str
    reference: str
    status: Status
    filled: tuple[str, ...]
    empty: tuple[str, ...]
    examined: tuple[str, ...]
    not_examined: tuple[str, ...]
    #: Codes of findings at warning or above that this item names, with their counts.
    open_findings: tuple[tuple[str, int], ...]
    guidance: str

    @property
    def evidence(self) -> list[str]:
        """What speaks for the item, in words."""
        out = [f"{path} filled" for path in self.filled]
        out += [f"{ref} examined" for ref in self.examined]
        return out

    @property
    def todo(self) -> list[str]:
        """What is still missing, in words."""
        out = [f"fill {path}" for path in self.empty]
        out += [f"run the check for {ref}" for ref in self.not_examined]
        out += [f"resolve {code} ({n})" for code, n in self.open_findings]
        return out

    def to_json(self) -> dict[str, Any]:
        """The item as plain data (``audit --json``)."""
        return {
            "item": self.id,
            "title": self.title,
            "reference": self.reference,
            "status": self.status,
            "evidence": self.evidence,
            "todo": self.todo,
            "guidance": self.guidance,
        }


def _matches(ref: str, code: str) -> bool:
    return code.startswith(ref[:-1]) if ref.endswith(".*") else code == ref


def _family(ref: str) -> str:
    return ref.split(".", 1)[0]


def _evaluate(
    item: Item, card: Card, findings: Sequence[Finding], families: Set[str]
) -> ItemResult:
    full = [path for path in item.fields if filled(card, path)]
    empty = [path for path in item.fields if path not in full]
    examined = [
        ref
        for ref in item.findings
        if _family(ref) in families or any(_matches(ref, f.code) for f in findings)
    ]
    not_examined = [ref for ref in item.findings if ref not in examined]
    counts: dict[str, int] = {}
    for f in findings:
        if f.severity >= Severity.WARNING and any(
            _matches(ref, f.code) for ref in item.findings + item.unresolved
        ):
            counts[f.code] = counts.get(f.code, 0) + 1
    status: Status
    if not (empty or not_examined or counts):
        status = "satisfied"
    elif not (full or examined or counts):
        status = "missing"
    else:
        status = "partial"
    return ItemResult(
        item.id,
        item.title,
        item.reference,
        status,
        tuple(full),
        tuple(empty),
        tuple(examined),
        tuple(not_examined),
        tuple(sorted(counts.items())),
        item.guidance,
    )


def evaluate(
    framework: str, card: Card, findings: Sequence[Finding], audited: Set[str]
) -> list[ItemResult]:
    """Every item of ``framework``'s checklist, evaluated; UsageError for an unknown framework."""
    checklist = load_checklist(framework)
    families = {PART_FAMILIES.get(name, name) for name in audited}
    return [_evaluate(item, card, findings, families) for item in checklist.items]
