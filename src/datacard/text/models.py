"""What the text add-ons measure, as card models (defined in :mod:`datacard.measured`).

These are the exact pydantic models proposed for ``measured.py``; ``ColumnSummary`` gains
``tokenizer: str | None``, ``language: LanguageMix | None`` and ``chat: ChatSummary | None``.

>>> LanguageShare(language="en", count=3, share=0.75).model_dump()
{'language': 'en', 'count': 3, 'share': 0.75}
"""

from __future__ import annotations

from datacard.measured import ChatSummary, LanguageMix, LanguageShare, RoleStats, TruncationCap

__all__ = ["ChatSummary", "LanguageMix", "LanguageShare", "RoleStats", "TruncationCap"]
