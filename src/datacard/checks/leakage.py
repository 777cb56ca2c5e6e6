"""Leakage between splits as a check: ``check`` runs it when ``policy.leakage.enabled``.

A Check receives cards, not data, so the data's folder is given when the check is made;
:func:`leakage_findings` is the same as a plain function (``workflow.check_card`` calls it).

>>> from datacard.card import Card
>>> list(LeakageCheck(".").run(Card(name="x")))  # disabled by default: nothing to do
[]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar

from datacard.card import Card, Policy
from datacard.executors import Engine
from datacard.findings import Finding


def leakage_findings(
    root: str | Path,
    policy: Policy,
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    engine: Engine = None,
) -> list[Finding]:
    """The findings of ``datacard leaks`` with the card's policy (none when it is disabled)."""
    settings = policy.leakage
    if not settings.enabled:
        return []
    from datacard.leakage.leaks import run_leaks

    result = run_leaks(
        root,
        text=settings.text,
        key=settings.key,
        label=policy.label,
        threshold=settings.threshold,
        workers=workers,
        progress=progress,
        splits={k: list(v) for k, v in policy.splits.items()},
        engine=engine,
    )
    return result.findings


class LeakageCheck:
    """Exact, near-duplicate and label-conflict leaks between the splits of the data at ``root``."""

    name: ClassVar[str] = "leakage"
    needs: ClassVar[frozenset[str]] = frozenset({"data"})

    def __init__(self, root: str | Path, workers: int | None = None) -> None:
        self.root = root
        self.workers = workers

    def run(self, card: Card, reference: Card | None = None) -> Iterator[Finding]:
        policy = (reference or card).policy
        yield from leakage_findings(self.root, policy, workers=self.workers)
