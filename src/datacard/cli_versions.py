"""``datacard diff``, ``history`` and ``which``: a card's versions (see docs/versions.md)."""

from __future__ import annotations

from datacard.cli import app  # noqa: F401
