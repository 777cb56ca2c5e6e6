"""What every part of the audit is given: the dataset, its card and how to run.

>>> from datacard.card import Card
>>> ctx = AuditContext(root=Path("."), card=Card(name="x"))
>>> ctx.label, ctx.sample
(None, None)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from datacard.card import Card

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class AuditContext:
    """The dataset folder (or file), its card, and the run's options."""

    root: Path
    card: Card
    workers: int | None = None
    #: Scan at most this many rows per split (None: every row).
    sample: int | None = None
    progress: Progress | None = None

    @property
    def label(self) -> str | None:
        """The label column named by the card's policy (or its measurement)."""
        if self.card.policy.label:
            return self.card.policy.label
        return self.card.measured.label if self.card.measured is not None else None

    @property
    def splits(self) -> dict[str, list[str]]:
        """The card's split globs (``policy.splits``), for :func:`datacard.scan.plan_partitions`."""
        return {k: list(v) for k, v in self.card.policy.splits.items()}
