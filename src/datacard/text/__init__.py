"""Text corpora and chat data: tokenizer counts, language mix, conversation statistics.

See ``docs/text.md``. The pieces ``profile()`` needs:

- :class:`TextOptions` (``TextOptions.of(tokenizer=path, language=True)``), handed to workers;
- :func:`text_accumulator_for` (the ``accumulator_for`` hook; sidecars find the kinds through
  ``datacard.columns.EXTRA_KINDS``);
- :func:`is_chat`, :class:`TextAccumulator`, :class:`ChatAccumulator`.

>>> import pyarrow as pa
>>> is_chat(pa.list_(pa.struct([("from", pa.string()), ("value", pa.string())])))
True
"""

from __future__ import annotations

from datacard.text.accumulator import TextAccumulator
from datacard.text.chat import ChatAccumulator
from datacard.text.chatformat import ChatFormat, chat_format, is_chat
from datacard.text.hook import text_accumulator_for
from datacard.text.options import TextOptions
from datacard.text.tokenizer import WHITESPACE_LABEL, TokenizerSpec, resolve_tokenizer

__all__ = [
    "WHITESPACE_LABEL",
    "ChatAccumulator",
    "ChatFormat",
    "TextAccumulator",
    "TextOptions",
    "TokenizerSpec",
    "chat_format",
    "is_chat",
    "resolve_tokenizer",
    "text_accumulator_for",
]
