"""Conversations columns: exact counts on a chat JSONL file, formats, merge and the sidecar."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from datacard.columns import ColumnAccumulator, accumulator_from_dict
from datacard.measured import ChatSummary, TruncationCap
from datacard.text import ChatAccumulator, TextOptions, chat_format, is_chat
from test_text_support import measure, write_jsonl


def _turn(role: str | None, content: str | None, **more: Any) -> dict[str, Any]:
    return {"role": role, "content": content, **more}


def _cut(i: int) -> str:
    """An answer cut at exactly 80 characters, inside a word."""
    words = " ".join(["photosynthesis"] * (i + 1) + ["converts light into chemical energy"] * 5)
    text = f"Answer {i}: {words}"
    while not (text[79].isalnum() and text[78].isalnum()):
        text = "x" + text
    return text[:80]


CONVERSATIONS: list[list[dict[str, Any]] | None] = [
    [
        _turn("system", "You are a helpful assistant."),
        _turn("user", "What is the capital of France?"),
        _turn("assistant", "Paris is the capital of France."),
    ],
    [_turn("user", "Say nothing."), _turn("assistant", "")],  # empty turn
    [  # the user twice in a row
        _turn("user", "Hello?"),
        _turn("user", "Are you there?"),
        _turn("assistant", "Yes, I am here."),
    ],
    [_turn("user", "Tell me a joke."), _turn("bot", "Why did the chicken cross the road?")],
    [],  # an empty conversation
    None,  # no conversation at all
    [_turn("user", "Anything?"), _turn("assistant", "  \n ")],  # whitespace only
    [_turn("user", "Last question")],  # no answer
    [  # a tool call: the assistant turn has no content
        _turn("user", "Weather in Paris?"),
        _turn("assistant", None, tool_call="get_weather"),
        _turn("tool", "18 degrees"),
        _turn("assistant", "It is 18 degrees in Paris."),
    ],
    *[[_turn("user", f"Explain topic {i}."), _turn("assistant", _cut(i))] for i in range(6)],
    [  # the assistant twice in a row
        _turn("user", "Thanks!"),
        _turn("assistant", "You are welcome."),
        _turn("assistant", "Anything else?"),
    ],
]


@pytest.fixture
def chat_file(tmp_path: Path) -> Path:
    rows = [{"id": i, "messages": c} for i, c in enumerate(CONVERSATIONS)]
    return write_jsonl(tmp_path / "chat.jsonl", rows)


def _chat(acc: ColumnAccumulator) -> ChatSummary:
    assert isinstance(acc, ChatAccumulator)
    return acc.chat.summary()


def test_jsonl_messages_are_typed_as_conversations(chat_file: Path) -> None:
    accs = measure(chat_file, TextOptions())
    acc = accs["messages"]
    assert isinstance(acc, ChatAccumulator)
    assert acc.type.startswith("list<item: struct<")
    s = acc.summary()
    assert s.kind == "list" and s.count == 15 and s.nulls == 1
    assert s.length is not None and s.length.max == 4  # the list statistics are kept
    assert s.fields is not None and s.fields["item"].fields is not None
    roles = s.fields["item"].fields["role"].top
    assert roles is not None and roles[0].value == "user" and roles[0].count == 15


def test_exact_chat_counts(chat_file: Path) -> None:
    c = _chat(measure(chat_file, TextOptions())["messages"])
    assert c.format == "role/content"
    assert c.tokenizer == "whitespace (approximate)"
    assert (c.conversations, c.empty_conversations) == (15, 1)
    assert {name: r.turns for name, r in c.roles.items()} == {
        "user": 15,
        "assistant": 14,
        "system": 1,
        "bot": 1,
        "tool": 1,
    }
    assert list(c.roles)[:2] == ["user", "assistant"]  # most turns first
    assert c.turns is not None and c.turns.total == 32 and (c.turns.min, c.turns.max) == (0, 4)
    assert c.empty_turns == 2 and c.roles["assistant"].empty == 2
    assert c.null_content == 1 and c.roles["assistant"].null_content == 1
    assert c.unexpected_roles == 1
    assert (c.same_role_pairs, c.conversations_with_same_role_pairs) == (2, 2)
    assert c.not_ending_with_reply == 2
    assert c.truncation_caps == [
        TruncationCap(role="assistant", unit="characters", length=80, turns=6)
    ]
    assert c.truncated_turns == 6
    system = c.roles["system"]
    assert system.length is not None and system.length.total == len("You are a helpful assistant.")
    assert system.tokens is not None and system.tokens.total == 5
    words = sum(
        len(t["content"].split()) for conv in CONVERSATIONS if conv for t in conv if t["content"]
    )
    assert c.tokens is not None and c.tokens.total == words


def test_tokens_per_role_use_the_tokenizer(chat_file: Path, tmp_path: Path) -> None:
    from tokenizers import Tokenizer

    from test_text_support import train_tokenizer

    path = train_tokenizer(tmp_path / "tokenizer.json")
    options = TextOptions.of(tokenizer=path)
    acc = measure(chat_file, options)["messages"]
    c = _chat(acc)
    assert c.tokenizer == options.tokenizer_label and "sha256:" in c.tokenizer
    tok = Tokenizer.from_file(str(path))
    tok.no_truncation()
    user = [t["content"] for conv in CONVERSATIONS if conv for t in conv if t["role"] == "user"]
    expected = [len(tok.encode(text, add_special_tokens=False).ids) for text in user]
    assert c.roles["user"].tokens is not None
    assert c.roles["user"].tokens.total == sum(expected)
    assert c.roles["user"].tokens.max == max(expected)
    content = acc.summary().fields["item"].fields["content"]  # type: ignore[index]
    assert content.tokens is not None and c.tokens is not None
    assert content.tokens.total == c.tokens.total  # each turn tokenized once, counted alike


def test_sharegpt_format_and_parquet(tmp_path: Path) -> None:
    conv = pa.array(
        [
            [{"from": "human", "value": "Hi there"}, {"from": "gpt", "value": "Hello!"}],
            [{"from": "human", "value": "Bye"}, {"from": "user", "value": "Bye again"}],
        ]
    )
    fmt = chat_format(conv.type)
    assert fmt is not None and fmt.name == "from/value"
    pq.write_table(pa.table({"conversations": conv}), tmp_path / "c.parquet")
    c = _chat(measure(tmp_path / "c.parquet", TextOptions())["conversations"])
    assert c.format == "from/value" and c.unexpected_roles == 1 and c.not_ending_with_reply == 1


def test_dictionary_encoded_roles() -> None:
    roles = pa.array(["user", "assistant", "user"]).dictionary_encode()
    content = pa.array(["Question one", "Answer.", "Question two"])
    items = pa.StructArray.from_arrays([roles, content], names=["role", "content"])
    conv = pa.ListArray.from_arrays(pa.array([0, 2, 3], pa.int32()), items)
    assert is_chat(conv.type)
    acc = ChatAccumulator("messages", conv.type.value_type, chat_format(conv.type), TextOptions())  # type: ignore[arg-type]
    acc.update(conv)
    c = acc.chat.summary()
    assert c.roles["user"].turns == 2 and c.not_ending_with_reply == 1


def test_large_list_of_large_strings() -> None:
    t = pa.large_list(pa.struct([("role", pa.large_string()), ("content", pa.large_string())]))
    conv = pa.array([[{"role": "user", "content": "Hi"}], None, []], t).slice(1)
    fmt = chat_format(t)
    assert fmt is not None
    acc = ChatAccumulator(str(t), t.value_type, fmt, TextOptions())
    acc.update(conv)
    acc.update(pa.array([[{"role": "user", "content": "Hi"}, {"role": None, "content": "x"}]], t))
    c = acc.chat.summary()
    assert (c.conversations, c.empty_conversations, c.unexpected_roles) == (2, 1, 1)
    assert c.roles["(null)"].turns == 1 and c.not_ending_with_reply == 1


def test_not_chat() -> None:
    assert not is_chat(pa.list_(pa.struct([("role", pa.string()), ("content", pa.int64())])))
    assert not is_chat(pa.struct([("role", pa.string()), ("content", pa.string())]))
    assert not is_chat(pa.list_(pa.struct([("role", pa.string())])))


# -- merge ----------------------------------------------------------------------------------

TYPE = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))
turns = st.fixed_dictionaries(
    {
        "role": st.sampled_from(["system", "user", "assistant", "tool", "bot", None]),
        "content": st.one_of(
            st.sampled_from([None, "", " ", "ok", "Hello there.", "cut in the midd", "a b c"]),
            st.text(max_size=12),
        ),
    }
)
conversations = st.lists(st.one_of(st.none(), st.lists(turns, max_size=5)), max_size=12)


def _acc(data: list[Any], options: TextOptions) -> ChatAccumulator:
    fmt = chat_format(TYPE)
    assert fmt is not None
    acc = ChatAccumulator(str(TYPE), TYPE.value_type, fmt, options)
    if data:
        acc.update(pa.array(data, TYPE))
    return acc


@given(conversations, conversations)
def test_merge_equals_one_pass_and_survives_the_sidecar(a: list[Any], b: list[Any]) -> None:
    for options in (TextOptions(), TextOptions(language=True, language_sample=4)):
        whole = _acc(a + b, options)
        left, right = _acc(a, options), _acc(b, options)
        left.merge(right)
        assert left.summary() == whole.summary()
        assert left.chat.summary() == whole.chat.summary()
        swapped = _acc(b, options)
        swapped.merge(_acc(a, options))
        assert swapped.chat.summary() == whole.chat.summary()
        again = accumulator_from_dict(json.loads(json.dumps(whole.to_dict())))
        assert isinstance(again, ChatAccumulator)
        assert again.summary() == whole.summary()
        assert again.chat.summary() == whole.chat.summary()
