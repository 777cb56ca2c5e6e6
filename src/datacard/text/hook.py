"""How ``accumulator_for`` picks the text accumulators (the registration hook).

>>> import pyarrow as pa
>>> text_accumulator_for(pa.string(), TextOptions()) is None
True
>>> type(text_accumulator_for(pa.string(), TextOptions(language=True))).__name__
'TextAccumulator'
"""

from __future__ import annotations

import pyarrow as pa

from datacard.columns import ColumnAccumulator
from datacard.logical_types import type_name
from datacard.text.accumulator import TextAccumulator
from datacard.text.chat import ChatAccumulator
from datacard.text.chatformat import chat_format, is_textual
from datacard.text.options import TextOptions


def text_accumulator_for(t: pa.DataType, options: TextOptions) -> ColumnAccumulator | None:
    """A text accumulator for a column of type ``t``, or None to use the built-in one.

    Conversations always get a :class:`ChatAccumulator`; strings get a
    :class:`TextAccumulator` when the options ask for a tokenizer or languages.
    """
    fmt = chat_format(t)
    if fmt is not None:
        return ChatAccumulator(type_name(t), t.value_type, fmt, options)
    if options.active and is_textual(t):
        return TextAccumulator(type_name(t), options)
    return None
