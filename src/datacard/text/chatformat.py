"""Which columns hold conversations: a list of ``{role, content}`` (or ``{from, value}``) structs.

JSON Lines files type a ``messages`` field of ``{"role": ..., "content": ...}`` objects as
``list<struct<role: string, content: string, ...>>`` (extra keys such as ``name`` become
more fields), as Parquet files written from the same data do.

>>> import pyarrow as pa
>>> t = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))
>>> is_chat(t), is_chat(pa.list_(pa.string())), chat_format(t).reply
(True, False, 'assistant')
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa


@dataclass(frozen=True)
class ChatFormat:
    """Field names of a turn, the roles expected, and the role a conversation should end on."""

    name: str
    role: str
    content: str
    roles: frozenset[str]
    reply: str


FORMATS = (
    ChatFormat(
        "role/content",  # OpenAI messages, Hugging Face chat templates
        "role",
        "content",
        frozenset({"system", "user", "assistant", "tool"}),
        "assistant",
    ),
    ChatFormat(
        "from/value",  # ShareGPT
        "from",
        "value",
        frozenset({"system", "human", "gpt", "function_call", "observation"}),
        "gpt",
    ),
)


def is_textual(t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        t = t.value_type
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t))


def chat_format(t: pa.DataType) -> ChatFormat | None:
    """The chat format of a column type, or None when it is not a conversations column."""
    if not (pa.types.is_list(t) or pa.types.is_large_list(t)):
        return None
    item = t.value_type
    if not pa.types.is_struct(item):
        return None
    fields = {f.name: f.type for f in item}
    for fmt in FORMATS:
        role, content = fields.get(fmt.role), fields.get(fmt.content)
        if role is not None and content is not None and is_textual(role) and is_textual(content):
            return fmt
    return None


def is_chat(t: pa.DataType) -> bool:
    """Whether a column of type ``t`` holds conversations (see :func:`chat_format`)."""
    return chat_format(t) is not None


def format_named(name: str) -> ChatFormat:
    """The chat format called ``name`` (as stored in a sidecar)."""
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    raise ValueError(f"unknown chat format {name!r}")
