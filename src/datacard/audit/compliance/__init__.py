"""Compliance gap report: which parts of a card and which audit findings speak to each item of a
framework's checklist (EU AI Act Article 10, NIST AI RMF 1.0, ISO/IEC 42001 Annex A.7, the
Datasheets-for-Datasets questions), and how complete the datasheet is.

This is documentation support, not legal advice (:data:`DISCLAIMER`). See docs/compliance.md.

>>> from datacard.card import Card
>>> evaluate("nist-ai-rmf", Card(name="x"), [], set())[0].status
'missing'
"""

from __future__ import annotations

from typing import Final

from datacard.audit.compliance.checklist import (
    FRAMEWORKS,
    Checklist,
    Item,
    load_checklist,
    problems,
)
from datacard.audit.compliance.evaluate import ItemResult, Status, evaluate
from datacard.audit.compliance.score import completeness, section_scores

#: Shown with every compliance output.
DISCLAIMER: Final = (
    "This compliance report is documentation support, not legal advice: it shows which parts "
    "of the card and which audit findings speak to each item, not whether the dataset or an AI "
    "system built on it complies with a law or standard. Have a qualified person review it."
)

__all__ = [
    "DISCLAIMER",
    "FRAMEWORKS",
    "Checklist",
    "Item",
    "ItemResult",
    "Status",
    "completeness",
    "evaluate",
    "load_checklist",
    "problems",
    "section_scores",
]
