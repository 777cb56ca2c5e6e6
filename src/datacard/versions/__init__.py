"""A card's versions: compare two of them, record a changelog entry, list and match them.

- :mod:`~datacard.versions.diff`: what changed between two cards and the version bump it asks
  for (:func:`diff_cards`); :mod:`~datacard.versions.human` compares the human-owned sections.
- :mod:`~datacard.versions.sides`: what ``datacard diff`` compares (a card, a card at a git
  revision, or data measured in full).
- :mod:`~datacard.versions.bump`: semantic versions (parse, order, bump).
- :mod:`~datacard.versions.changelog`: ``--record`` as a splice of the card's text.
- :mod:`~datacard.versions.gitrepo`, :mod:`~datacard.versions.history`: the card's commits.
- :mod:`~datacard.versions.which`: which recorded version some data is.

>>> bump_version("1.4.2", "major")
'2.0.0'
"""

from __future__ import annotations

from datacard.versions.bump import Bump, bump_version
from datacard.versions.diff import CardDiff, diff_cards

__all__ = ["Bump", "CardDiff", "bump_version", "diff_cards"]
