"""The Renderer protocol: how a card and its findings are shown to one audience.

Every output format (HTML report, Markdown datasheet, Hugging Face card, Croissant JSON-LD,
JSON) is a Renderer over the same card, so the views cannot disagree with each other.
Renderers register under the ``datacard.renderers`` entry point.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar, Protocol

if TYPE_CHECKING:
    from pathlib import Path

    from datacard.card import Card
    from datacard.findings import Finding


class Renderer(Protocol):
    """``render`` is pure: the same card and findings give the same bytes."""

    name: ClassVar[str]
    suffix: ClassVar[str]  # the default output file's suffix, e.g. ".html"

    def render(self, card: Card, findings: Sequence[Finding]) -> str | bytes: ...


class Importer(Protocol):
    """Reads documentation people already wrote into the human-owned part of a card.

    Registered under ``datacard.importers``. ``read`` returns the human-owned fields (``name``,
    ``summary``, ``license``, ``creators``, ``citation``, ``sources``, ``datasheet``, ...) as
    plain data ready for :meth:`datacard.card.Card.model_validate`; absent fields are left out.
    """

    name: ClassVar[str]

    def read(self, path: Path) -> dict[str, object]: ...
