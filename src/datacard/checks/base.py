"""The Check protocol: what we conclude from a card (and, optionally, a reference card)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar, Protocol

if TYPE_CHECKING:
    from datacard.card import Card
    from datacard.findings import Finding


class Check(Protocol):
    """A check never prints and never raises for a data problem: it yields findings."""

    name: ClassVar[str]
    needs: ClassVar[frozenset[str]]  # which measured facts it reads

    def run(self, card: Card, reference: Card | None = None) -> Iterable[Finding]: ...
