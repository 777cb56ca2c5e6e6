"""A conversations column: the list statistics of any list, plus :class:`ChatStats`.

:class:`ChatAccumulator` is a list accumulator (turns per conversation, and the fields of the
turns: roles as top values, content as a string column) that also keeps
:class:`~datacard.text.chatstats.ChatStats`. With text options the turns' content is a
:class:`~datacard.text.accumulator.TextAccumulator`, whose tokenizer counts the chat
statistics reuse (characters and tokens of each turn are counted once). Its summary is a
``list`` column with ``chat`` added.

>>> import pyarrow as pa
>>> hi, hello = {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}
>>> turns = pa.array([[hi, hello]])
>>> acc = ChatAccumulator("messages", turns.type.value_type, FORMATS[0], TextOptions())
>>> _ = acc.update(turns)
>>> c = acc.chat.summary(); (c.conversations, sorted(c.roles), c.not_ending_with_reply)
(1, ['assistant', 'user'], 0)
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from datacard.columns import (
    ColumnAccumulator,
    ListAccumulator,
    StringAccumulator,
    StructAccumulator,
)
from datacard.hashing import U64
from datacard.logical_types import type_name
from datacard.measured import ColumnSummary
from datacard.text.accumulator import TextAccumulator, attach
from datacard.text.chatformat import FORMATS, ChatFormat, format_named
from datacard.text.chatstats import ChatStats
from datacard.text.options import TextOptions
from datacard.text.strings import I64, StringValues
from datacard.text.tokenizer import count_tokens

__all__ = ["FORMATS", "ChatAccumulator"]


class ChatAccumulator(ListAccumulator):
    """Conversations: a list of turns with chat statistics (registered as kind ``chat``)."""

    kind = "chat"  # the sidecar's key; the card shows kind "list" with a ``chat`` summary

    def __init__(
        self, column_type: str, item_type: pa.DataType, fmt: ChatFormat, options: TextOptions
    ) -> None:
        super().__init__(column_type, item_type)
        self.format = fmt
        self.options = options
        if isinstance(self.item, StructAccumulator):
            content = item_type.field(fmt.content).type
            self.item.fields[fmt.content] = TextAccumulator(type_name(content), options)
            role = item_type.field(fmt.role).type  # labels: no tokens or languages to measure
            self.item.fields[fmt.role] = StringAccumulator(type_name(role))
        self.chat = ChatStats(fmt, options.tokenizer_label)

    def _content(self) -> TextAccumulator | None:
        if not isinstance(self.item, StructAccumulator):
            return None
        acc = self.item.fields.get(self.format.content)
        return acc if isinstance(acc, TextAccumulator) else None

    def _update(self, arr: pa.Array) -> U64:
        content = self._content()
        if content is not None:
            content.last = None
        hashes = super()._update(arr)

        def measure(text: StringValues) -> tuple[I64, I64]:
            last = content.last if content is not None else None
            if last is not None and len(last[0]) == len(last[1]) == len(text):
                return last  # the content column's counts of this very batch
            return text.char_lengths(), count_tokens(text, self.options.tokenizer)

        self.chat.update(arr, measure)
        return hashes

    def merge(self, other: ColumnAccumulator) -> None:
        assert isinstance(other, ChatAccumulator)
        if other.options != self.options or other.format != self.format:
            raise TypeError(f"cannot merge conversations measured differently ({self.type})")
        super().merge(other)
        self.chat.merge(other.chat)

    def summary(self) -> ColumnSummary:
        s = super().summary()
        s.kind = ListAccumulator.kind
        return attach(s, {"chat": self.chat.summary()})

    def to_dict(self) -> dict[str, Any]:
        return super().to_dict() | {
            "format": self.format.name,
            "options": self.options.to_dict(),
            "chat": self.chat.to_dict(),
        }

    def _load(self, data: dict[str, Any]) -> None:
        super()._load(data)
        self.format = format_named(data["format"])
        self.options = TextOptions.from_dict(data["options"])
        self.chat = ChatStats.from_dict(data["chat"])
