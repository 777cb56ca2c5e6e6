"""The card and its findings as one strict JSON document (``export --format json``).

>>> from datacard.card import Card
>>> JsonRenderer().render(Card(name="x"), []).splitlines()[1]
'  "card": {'
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import ClassVar

from datacard.card import Card
from datacard.findings import Finding


class JsonRenderer:
    """``{"card": {...every field...}, "findings": [...]}``; non-finite floats are strings."""

    name: ClassVar[str] = "json"
    suffix: ClassVar[str] = ".json"

    def render(self, card: Card, findings: Sequence[Finding]) -> str:
        payload = {
            "card": card.model_dump(mode="json", exclude_none=True),
            "findings": [f.to_dict() for f in findings],
        }
        return json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
