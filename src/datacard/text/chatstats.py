"""The statistics of a conversations column, vectorised over Arrow buffers and mergeable.

Per batch of conversations (a list of ``{role, content}`` structs) this counts, without a
Python loop over turns: conversations and their turns, tokens per conversation, per role the
turns, empty turns (content ``""`` or only whitespace), absent content and the length of the
content in characters and tokens, adjacent turns of one conversation with the same role,
conversations whose last turn is not the reply role, and the lengths of turns that end open
(on a letter or digit) for :mod:`datacard.text.caps`.

>>> import pyarrow as pa
>>> from datacard.text.chatformat import FORMATS
>>> stats = ChatStats(FORMATS[0], "whitespace (approximate)")
>>> stats.update(pa.array([[{"role": "user", "content": "Hi there"},
...                         {"role": "user", "content": " "}]]), whitespace_measure)
>>> s = stats.summary()
>>> (s.conversations, s.empty_turns, s.same_role_pairs, s.not_ending_with_reply)
(1, 1, 1, 1)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from datacard.arrays import valid_mask, values
from datacard.columns import _Lengths
from datacard.measured import ChatSummary, RoleStats, TruncationCap
from datacard.text.caps import find_caps
from datacard.text.chatformat import ChatFormat, format_named
from datacard.text.strings import I64, StringValues, whitespace_tokens

#: How a turn without a role is counted.
NULL_ROLE = "(null)"
#: Roles beyond the first MAX_ROLES distinct ones are counted together under this name.
OTHER_ROLE = "(other)"
MAX_ROLES = 64

Bools = npt.NDArray[np.bool_]
#: Characters and tokens of each non-null content value.
Measure = Callable[[StringValues], tuple[I64, I64]]


class RoleTally:
    """The turns of one role: counts, and content lengths (all turns, and those ending open)."""

    def __init__(self) -> None:
        self.turns = 0
        self.empty = 0
        self.null_content = 0
        self.chars = _Lengths()
        self.tokens = _Lengths()
        self.open_chars = _Lengths()
        self.open_tokens = _Lengths()

    def merge(self, other: RoleTally) -> None:
        self.turns += other.turns
        self.empty += other.empty
        self.null_content += other.null_content
        for mine, theirs in zip(self._lengths(), other._lengths()):
            mine.merge(theirs)

    def _lengths(self) -> tuple[_Lengths, _Lengths, _Lengths, _Lengths]:
        return (self.chars, self.tokens, self.open_chars, self.open_tokens)

    def caps(self, role: str) -> tuple[list[TruncationCap], int]:
        """This role's truncation caps, and the turns they hold (the larger unit's sum)."""
        found: list[TruncationCap] = []
        held = 0
        for unit, all_, open_ in (
            ("characters", self.chars, self.open_chars),
            ("tokens", self.tokens, self.open_tokens),
        ):
            caps = find_caps(all_.counts, open_.counts, unit)
            found += [TruncationCap(role=role, unit=unit, length=n, turns=t) for n, t in caps]
            held = max(held, sum(t for _, t in caps))
        return found, held

    def to_dict(self) -> dict[str, Any]:
        names = ("chars", "tokens", "open_chars", "open_tokens")
        return {
            "turns": self.turns,
            "empty": self.empty,
            "null_content": self.null_content,
        } | {name: lengths.to_dict() for name, lengths in zip(names, self._lengths())}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RoleTally:
        out = cls()
        out.turns, out.empty = int(data["turns"]), int(data["empty"])
        out.null_content = int(data["null_content"])
        out.chars = _Lengths.from_dict(data["chars"])
        out.tokens = _Lengths.from_dict(data["tokens"])
        out.open_chars = _Lengths.from_dict(data["open_chars"])
        out.open_tokens = _Lengths.from_dict(data["open_tokens"])
        return out


def _plain(arr: pa.Array) -> pa.Array:
    """A string array without dictionary or view encoding (for the utf8 kernels)."""
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if pa.types.is_string_view(arr.type):
        arr = arr.cast(pa.large_string())
    return arr


def _role_codes(arr: pa.Array) -> tuple[I64, list[str]]:
    """Per turn an index into the returned role names; -1 for a turn without a role."""
    if pa.types.is_string_view(arr.type):
        arr = arr.cast(pa.large_string())
    encoded = arr if pa.types.is_dictionary(arr.type) else pc.dictionary_encode(arr)
    dictionary = encoded.dictionary
    if dictionary.null_count:
        dictionary = pc.if_else(dictionary.is_null(), pa.scalar("", dictionary.type), dictionary)
    if pa.types.is_string_view(dictionary.type):
        dictionary = dictionary.cast(pa.large_string())
    names = StringValues(dictionary).entry_texts()
    codes = values(encoded.indices).astype(np.int64)
    if encoded.null_count:
        codes[~valid_mask(encoded)] = -1
    return codes, names


def whitespace_measure(text: StringValues) -> tuple[I64, I64]:
    """Characters and whitespace tokens of each value."""
    return text.char_lengths(), whitespace_tokens(text)


class ChatStats:
    """Mergeable statistics of one conversations column (see the module docstring)."""

    def __init__(self, fmt: ChatFormat, tokenizer: str) -> None:
        self.format = fmt
        self.tokenizer = tokenizer
        self.conversations = 0
        self.empty_conversations = 0
        self.turns = _Lengths()
        self.tokens = _Lengths()  # per conversation
        self.roles: dict[str, RoleTally] = {}
        self.same_role_pairs = 0
        self.conversations_with_same_role_pairs = 0
        self.not_ending_with_reply = 0

    def _keys(self, names: list[str]) -> list[str]:
        """The key of each role name: itself, or OTHER_ROLE past MAX_ROLES distinct roles."""
        taken = set(self.roles)
        out = []
        for name in names:
            if name in taken or len(taken) < MAX_ROLES:
                taken.add(name)
                out.append(name)
            else:
                out.append(OTHER_ROLE)
        return out

    def update(self, arr: pa.Array, measure: Measure) -> None:
        """Add a list array of conversations; ``measure`` gives each content's lengths."""
        raw = values(arr.offsets).astype(np.int64)
        offsets = raw - raw[0]
        lengths = np.diff(offsets)
        items = arr.values.slice(int(raw[0]), int(raw[-1] - raw[0]))
        conversation = valid_mask(arr)
        owner = np.repeat(np.arange(len(arr)), lengths)
        kept = conversation[owner]
        fields = dict(zip([f.name for f in items.type], items.flatten()))

        codes, names = _role_codes(fields[self.format.role])
        named = self._keys(names)
        keys = sorted({*named, NULL_ROLE})
        position = {k: i for i, k in enumerate(keys)}
        role = np.array([position[k] for k in [*named, NULL_ROLE]], np.int64)[codes]

        content = _plain(fields[self.format.content])
        has = valid_mask(content)
        text = StringValues(content)
        chars = np.zeros(len(items), np.int64)
        tokens = np.zeros(len(items), np.int64)
        chars[has], tokens[has] = measure(text)
        blank = has & ((chars == 0) | values(pc.utf8_is_space(content)))
        last = pc.utf8_slice_codeunits(content, -1)
        open_end = has & ~blank & values(pc.utf8_is_alnum(last))

        for k, key in enumerate(keys):
            mine = kept & (role == k)
            if not mine.any():
                continue
            tally = self.roles.setdefault(key, RoleTally())
            tally.turns += int(np.count_nonzero(mine))
            tally.null_content += int(np.count_nonzero(mine & ~has))
            tally.empty += int(np.count_nonzero(mine & blank))
            tally.chars.update(chars[mine & has])
            tally.tokens.update(tokens[mine & has])
            tally.open_chars.update(chars[mine & open_end])
            tally.open_tokens.update(tokens[mine & open_end])
        self._conversations(conversation, offsets, lengths, tokens)
        self._order(role, owner, kept, position, conversation, offsets, lengths)

    def _conversations(self, conversation: Bools, offsets: I64, lengths: I64, tokens: I64) -> None:
        self.conversations += int(np.count_nonzero(conversation))
        self.empty_conversations += int(np.count_nonzero(conversation & (lengths == 0)))
        self.turns.update(lengths[conversation])
        per_conversation = np.zeros(len(lengths), np.int64)
        nonempty = np.flatnonzero(lengths)
        if len(nonempty):
            per_conversation[nonempty] = np.add.reduceat(tokens, offsets[:-1][nonempty])
        self.tokens.update(per_conversation[conversation])

    def _order(
        self,
        role: I64,
        owner: I64,
        kept: Bools,
        position: dict[str, int],
        conversation: Bools,
        offsets: I64,
        lengths: I64,
    ) -> None:
        """Adjacent same-role turns, and conversations not ending with the reply role."""
        same = (
            (role[1:] == role[:-1])
            & (owner[1:] == owner[:-1])
            & kept[1:]
            & (role[1:] != position[NULL_ROLE])
        )
        self.same_role_pairs += int(np.count_nonzero(same))
        self.conversations_with_same_role_pairs += len(np.unique(owner[1:][same]))
        ended = conversation & (lengths > 0)
        last_roles = role[offsets[1:][ended] - 1]
        reply = position.get(self.format.reply, -2)
        self.not_ending_with_reply += int(np.count_nonzero(last_roles != reply))

    def merge(self, other: ChatStats) -> None:
        self.conversations += other.conversations
        self.empty_conversations += other.empty_conversations
        self.turns.merge(other.turns)
        self.tokens.merge(other.tokens)
        for key, tally in zip(self._keys(list(other.roles)), other.roles.values()):
            if key in self.roles:
                self.roles[key].merge(tally)
            else:
                self.roles[key] = RoleTally.from_dict(tally.to_dict())
        self.same_role_pairs += other.same_role_pairs
        self.conversations_with_same_role_pairs += other.conversations_with_same_role_pairs
        self.not_ending_with_reply += other.not_ending_with_reply

    def summary(self) -> ChatSummary:
        ranked = sorted(self.roles.items(), key=lambda kv: (-kv[1].turns, kv[0]))
        caps: list[TruncationCap] = []
        truncated = 0
        for name, tally in ranked:
            found, held = tally.caps(name)
            caps += found
            truncated += held
        return ChatSummary(
            format=self.format.name,
            conversations=self.conversations,
            empty_conversations=self.empty_conversations,
            turns=self.turns.summary(),
            tokens=self.tokens.summary(),
            tokenizer=self.tokenizer,
            roles={
                name: RoleStats(
                    turns=t.turns,
                    empty=t.empty,
                    null_content=t.null_content,
                    length=t.chars.summary(),
                    tokens=t.tokens.summary(),
                )
                for name, t in ranked
            },
            empty_turns=sum(t.empty for t in self.roles.values()),
            null_content=sum(t.null_content for t in self.roles.values()),
            unexpected_roles=sum(
                t.turns for name, t in self.roles.items() if name not in self.format.roles
            ),
            same_role_pairs=self.same_role_pairs,
            conversations_with_same_role_pairs=self.conversations_with_same_role_pairs,
            not_ending_with_reply=self.not_ending_with_reply,
            truncated_turns=truncated,
            truncation_caps=caps,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format.name,
            "tokenizer": self.tokenizer,
            "conversations": self.conversations,
            "empty_conversations": self.empty_conversations,
            "turns": self.turns.to_dict(),
            "tokens": self.tokens.to_dict(),
            "roles": {name: tally.to_dict() for name, tally in sorted(self.roles.items())},
            "same_role_pairs": self.same_role_pairs,
            "conversations_with_same_role_pairs": self.conversations_with_same_role_pairs,
            "not_ending_with_reply": self.not_ending_with_reply,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChatStats:
        out = cls(format_named(data["format"]), str(data["tokenizer"]))
        out.conversations = int(data["conversations"])
        out.empty_conversations = int(data["empty_conversations"])
        out.turns = _Lengths.from_dict(data["turns"])
        out.tokens = _Lengths.from_dict(data["tokens"])
        out.roles = {name: RoleTally.from_dict(t) for name, t in data["roles"].items()}
        out.same_role_pairs = int(data["same_role_pairs"])
        out.conversations_with_same_role_pairs = int(data["conversations_with_same_role_pairs"])
        out.not_ending_with_reply = int(data["not_ending_with_reply"])
        return out
