"""Exact token counts with a user's tokenizer file: counts, label, workers, bad files, merge."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from datacard.columns import accumulator_from_dict
from datacard.errors import UsageError
from datacard.executors.local import LocalExecutor
from datacard.text import TextAccumulator, TextOptions, resolve_tokenizer
from datacard.text.tokenizer import count_texts
from test_text_support import WORDS, train_tokenizer

TEXTS = [
    "the quick brown fox jumps over a lazy dog",
    "",
    "   ",
    "der schnelle Hund und le chat dort",
    "unseen words zebra quixotic 12345 !!",
    "tokens and counts",
]


@pytest.fixture(scope="module")
def tokenizer_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tok")
    return train_tokenizer(folder / "tokenizer.json")


def _expected(path: Path, texts: list[str]) -> list[int]:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    tok.no_truncation()
    return [len(tok.encode(t, add_special_tokens=False).ids) for t in texts]


@pytest.mark.parametrize("kind", ["bpe", "wordlevel"])
def test_counts_match_the_tokenizer(tmp_path: Path, kind: str) -> None:
    path = train_tokenizer(tmp_path / f"{kind}.json", kind)
    expected = _expected(path, TEXTS)
    assert max(expected) > 4  # the file's truncation (max_length=4) is switched off
    acc = TextAccumulator("string", TextOptions.of(tokenizer=path))
    acc.update(pa.array([*TEXTS[:3], None, *TEXTS[3:]]))
    s = acc.summary()
    assert s.tokens is not None
    assert (s.tokens.min, s.tokens.max, s.tokens.total) == (
        min(expected),
        max(expected),
        sum(expected),
    )
    assert s.tokens.mean == pytest.approx(np.mean(expected))
    assert s.tokens.std == pytest.approx(np.std(expected, ddof=1))
    whitespace = acc.tokens.summary()  # the whitespace counts stay in the sketch
    assert whitespace is not None and whitespace.total == sum(len(t.split()) for t in TEXTS)
    assert (
        acc.extras()["tokenizer"]
        == f"{kind}.json sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    )


def test_label_names_the_folder_of_a_generic_file(tokenizer_path: Path) -> None:
    spec = resolve_tokenizer(tokenizer_path)
    assert spec.label.startswith(f"{tokenizer_path.parent.name}/tokenizer.json sha256:")
    assert len(spec.sha256) == 64


def test_repeated_values_are_tokenized_once_each(
    tokenizer_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A column of few distinct values (labels, templates) sends each to the tokenizer once."""
    from datacard.text import accumulator

    seen: list[str] = []

    def recording(texts: list[str], spec: Any) -> Any:
        seen.extend(texts)
        return count_texts(texts, spec)

    monkeypatch.setattr(accumulator, "count_texts", recording)
    acc = TextAccumulator("string", TextOptions.of(tokenizer=tokenizer_path))
    acc.update(pa.array(TEXTS * 5))
    assert sorted(seen) == sorted(set(TEXTS))
    tokens = acc.summary().tokens
    assert tokens is not None and tokens.total == 5 * sum(_expected(tokenizer_path, TEXTS))


def test_repeated_dictionary_encoded_and_sliced_values_count_alike(tokenizer_path: Path) -> None:
    options = TextOptions.of(tokenizer=tokenizer_path)
    plain, encoded, sliced = (TextAccumulator("string", options) for _ in range(3))
    arr = pa.array(TEXTS * 3)
    plain.update(arr)
    encoded.update(arr.dictionary_encode())
    sliced.update(pa.array(["x", *TEXTS * 3, "y"]).slice(1, len(arr)))
    assert plain.summary() == encoded.summary() == sliced.summary()
    tokens = plain.summary().tokens
    assert tokens is not None and tokens.total == 3 * sum(_expected(tokenizer_path, TEXTS))


def test_without_a_tokenizer_tokens_are_whitespace_and_labelled() -> None:
    acc = TextAccumulator("string", TextOptions(language=True))
    acc.update(pa.array(TEXTS))
    assert acc.extras()["tokenizer"] == "whitespace (approximate)"
    tokens = acc.summary().tokens
    assert tokens is not None and tokens.total == sum(len(t.split()) for t in TEXTS)


def _worker(job: tuple[TextOptions, list[str]]) -> tuple[TextAccumulator, str | None]:
    options, texts = job
    acc = TextAccumulator("string", options)
    acc.update(pa.array(texts))
    return acc, os.environ.get("TOKENIZERS_PARALLELISM")


def test_workers_load_once_and_run_without_tokenizer_threads(
    tokenizer_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TOKENIZERS_PARALLELISM", raising=False)
    options = TextOptions.of(tokenizer=tokenizer_path)
    texts = [" ".join(WORDS[i : i + 7]) for i in range(len(WORDS))] * 50
    jobs = [(options, texts[i::4]) for i in range(4)]
    results = dict(LocalExecutor(2).map(_worker, jobs))
    merged = TextAccumulator("string", options)
    for i in sorted(results):
        acc, parallelism = results[i]
        assert parallelism == "false"
        merged.merge(acc)
    serial, _ = _worker((options, texts))
    assert merged.summary().tokens == serial.summary().tokens


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("missing.json", None, "does not exist"),
        ("folder", "dir", "is a folder"),
        ("broken.json", "{not json", "cannot read tokenizer"),
        ("other.json", '{"model": {"type": "Nope"}}', "cannot read tokenizer"),
    ],
)
def test_bad_tokenizer_file_is_a_one_line_usage_error(
    tmp_path: Path, name: str, content: str | None, says: str
) -> None:
    path = tmp_path / name
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_text(content)
    with pytest.raises(UsageError) as info:
        TextOptions.of(tokenizer=path)
    message = str(info.value)
    assert says in message and str(path) in message and "\n" not in message


# -- merge ----------------------------------------------------------------------------------

sentences = st.lists(
    st.one_of(
        st.none(),
        st.lists(st.sampled_from(WORDS), min_size=0, max_size=12).map(" ".join),
        st.sampled_from(
            [
                "Das ist ein ganz normaler Satz über das Wetter heute.",
                "Le chat dort sur le canapé depuis ce matin.",
                "今日はとても良い天気ですね、散歩に行きましょう。",
                "0x1f 0x2e 0x3d 0x4c 0x5b 0x6a",
            ]
        ),
    ),
    max_size=20,
)


@given(a=sentences, b=sentences)
def test_merge_equals_one_pass(tokenizer_path: Path, a: list[str], b: list[str]) -> None:
    options = TextOptions(
        tokenizer=resolve_tokenizer(tokenizer_path), language=True, language_sample=4
    )

    def acc(data: list[str]) -> TextAccumulator:
        out = TextAccumulator("string", options)
        if data:
            out.update(pa.array(data, pa.string()))
        return out

    whole, left = acc(a + b), acc(a)
    left.merge(acc(b))
    assert left.summary() == whole.summary()
    assert left.extras() == whole.extras()
    for part in ("model_tokens", "languages"):  # the add-ons' state, not only their summary
        assert left.to_dict()[part] == whole.to_dict()[part]
    again = accumulator_from_dict(json.loads(json.dumps(whole.to_dict())))
    assert isinstance(again, TextAccumulator)
    assert again.summary() == whole.summary() and again.extras() == whole.extras()


def test_measuring_text_never_imports_pandas(tokenizer_path: Path, tmp_path: Path) -> None:
    """pyarrow's Python conversions import pandas (~0.4 s); the text add-ons decode buffers."""
    import subprocess
    import sys

    from test_text_support import write_jsonl

    rows = [
        {
            "text": f"{' '.join(WORDS[i:])} number {i}",
            "messages": [
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Hello"},
            ],
        }
        for i in range(40)
    ]
    path = write_jsonl(tmp_path / "d.jsonl", rows)
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from pathlib import Path\n"
        "from test_text_support import measure\n"
        "from datacard.text import TextOptions\n"
        f"options = TextOptions.of(tokenizer={str(tokenizer_path)!r}, language=True)\n"
        f"accs = measure(Path({str(path)!r}), options)\n"
        "[(acc.summary(), getattr(acc, 'extras', dict)()) for acc in accs.values()]\n"
        "print('pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
