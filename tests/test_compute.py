"""Training-compute estimates: hand-computed numbers, missing assumptions, real data, reports.

Regenerate the golden sections after an intended change with::

    DATACARD_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_compute.py -k golden
"""

from __future__ import annotations

import doctest
import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import datacard.compute as compute_module
import datacard.compute_lengths as lengths_module
import datacard.compute_text as text_module
from datacard.card import Card, ComputePolicy, Policy
from datacard.compute import Estimate, compute_estimates, compute_json, text_column
from datacard.compute_lengths import LengthCurve
from datacard.errors import CardError
from datacard.measured import ColumnSummary, LengthStats, Measured, SplitSummary
from datacard.render.html import HtmlRenderer
from datacard.render.markdown import MarkdownRenderer
from datacard.workflow import init_card
from datacard.yamlio import parse_card, render_new_card
from golden_files import assert_golden

#: Lengths 0..100 spread evenly: the stored quantiles make Q(u) = 100·u exactly.
UNIFORM = LengthStats(
    min=0,
    max=100,
    mean=50.0,
    total=5000,
    quantiles={"0.01": 1, "0.05": 5, "0.25": 25, "0.5": 50, "0.75": 75, "0.95": 95, "0.99": 99},
)

FULL = ComputePolicy(
    context_length=80,
    batch_size=4,
    epochs=2,
    parameters=1e9,
    layers=2,
    kv_heads=4,
    head_dim=8,
    bytes_per_value=2,
    utilization=0.5,
    peak_tflops=100,
)


def text_col(tokens: LengthStats = UNIFORM, count: int = 100) -> ColumnSummary:
    return ColumnSummary(type="string", kind="string", count=count, nulls=0, tokens=tokens)


def word_col(count: int = 100) -> ColumnSummary:
    """A one-word category column: not text."""
    stats = LengthStats(min=1, max=1, total=count, quantiles=dict.fromkeys(UNIFORM.quantiles, 1))
    return text_col(stats, count)


def image_col(width: float | None = 640.0, height: float = 480.0, **more: float) -> ColumnSummary:
    """An image column of 10 images whose facts have these means."""
    means = {"height": height, **({"width": width} if width is not None else {}), **more}
    fields = {
        name: ColumnSummary(type="int64", kind="numeric", count=10, nulls=0, mean=mean)
        for name, mean in means.items()
    }
    return ColumnSummary(type="image", kind="image", count=10, nulls=0, fields=fields)


def card_of(columns: dict[str, ColumnSummary], policy: ComputePolicy | None = None) -> Card:
    measured = Measured(
        generated_by="test",
        content_hash="sha256:0",
        splits_from="single file",
        splits={"train": SplitSummary(rows=100, duplicate_rows=0, columns=columns)},
    )
    return Card(name="d", measured=measured, policy=Policy(compute=policy or ComputePolicy()))


def by_key(card: Card, split: int = 0) -> dict[str, Estimate]:
    report = compute_estimates(card)
    assert report is not None
    return {e.key: e for e in report.splits[split].estimates}


# ---------------------------------------------------------------------------------------------
# Exact numbers on a hand-made card


def test_hand_computed_numbers() -> None:
    got = by_key(card_of({"category": word_col(), "text": text_col()}, FULL))
    assert got["tokens"].value == 5000 and got["tokens"].column == "text"
    # share above 80 of Q(u) = 100u is 0.2; the stored p75 = 75 ≤ 80 < p95 = 95 bounds it
    truncated = got["truncated"]
    assert truncated.value == pytest.approx(0.2)
    assert (truncated.low, truncated.high) == pytest.approx((0.05, 0.25))
    # L' = min(L, 80): E[L'] = ∫₀^0.8 100u du + 0.2·80 = 48;
    # E[max of 4] = ∫₀^80 1 − (x/100)⁴ dx = 80 − 80⁵/(5·100⁴) = 73.4464
    assert got["padding.random"].value == pytest.approx(1 - 48 / 73.4464)
    # 25 groups of 4 from K = 100 draws (n = 100 rows), the k-th at Q(k/101) = 100k/101 (< 80
    # until k = 81): computed directly below
    ks = [min(100 * k / 101, 80) for k in range(1, 101)]
    padded = sum(4 * ks[end - 1] for end in range(4, 101, 4))
    assert got["padding.grouped"].value == pytest.approx(1 - sum(ks) / padded)
    # 5,000 tokens in rows of 80: ⌈62.5⌉ = 63 rows, 63·80 − 5000 = 40 pad tokens
    assert got["padding.packed"].value == pytest.approx(40 / 5040)
    assert "40 pad tokens in 63 rows" in got["padding.packed"].text
    # 6·N·D·epochs = 6 × 1e9 × 5000 × 2; at 50 % of 100 TFLOP/s
    assert got["flops"].value == pytest.approx(6e13)
    assert got["gpu_hours"].value == pytest.approx(6e13 / (0.5 * 100e12) / 3600)
    assert got["flops"].text == "≈ 6e13 FLOPs"
    # 2 · layers · kv_heads · head_dim · bytes · length; p95 = 95 and p99 = 99 are cut at 80
    per_token = 2 * 2 * 4 * 8 * 2
    assert got["kv_cache.p50"].value == per_token * 50
    assert got["kv_cache.p95"].value == got["kv_cache.p99"].value == per_token * 80
    assert "cut at the context length" in got["kv_cache.p99"].how
    assert got["kv_cache.p50"].text == "12.5 KiB"


def test_uncut_random_padding_is_the_expected_maximum() -> None:
    # no context length: E[L] = 50, E[max of 4 uniform on 0..100] = 100·4/5 = 80
    policy = ComputePolicy(batch_size=4)
    got = by_key(card_of({"text": text_col()}, policy))
    assert got["padding.random"].value == pytest.approx(1 - 50 / 80)
    assert "nothing is cut" in got["padding.random"].how
    # 25 sorted batches of 100k/101 (k = 1..100), each wasting (3 + 2 + 1)·100/101 tokens:
    # 15,000/101 of padding beside 505,000/101 real tokens, 3/104 of what is processed
    assert got["padding.grouped"].value == pytest.approx(3 / 104)


def test_curve_against_closed_forms() -> None:
    curve = LengthCurve.of(UNIFORM)
    assert curve is not None
    for draws in (1, 2, 8, 64):
        assert curve.expected_max(draws) == pytest.approx(100 * draws / (draws + 1))
    assert curve.mean() == pytest.approx(50)
    assert curve.capped(80).mean() == pytest.approx(48)
    assert curve.share_above(-1) == 1 and curve.share_above(100) == 0
    assert curve.share_above_bounds(100) == (0.0, 0.0)
    # a flat stretch (point mass) keeps its whole rank: F(4) = 0.5 below
    ties = LengthCurve.of(LengthStats(min=1, max=9, quantiles={"0.25": 4, "0.5": 4}))
    assert ties is not None and ties.cdf(4) == 0.5 and ties.share_above_bounds(4) == (0.0, 0.5)
    assert LengthCurve.of(LengthStats(min=1, max=2)) is None


def test_constant_lengths_waste_nothing() -> None:
    same = LengthStats(min=7, max=7, total=700, quantiles=dict.fromkeys(UNIFORM.quantiles, 7))
    got = by_key(card_of({"text": text_col(same)}, ComputePolicy(batch_size=8, context_length=7)))
    assert got["padding.random"].value == 0 and got["padding.grouped"].value == 0
    assert got["truncated"].value == 0 and got["truncated"].text == "0% of 100 sequences (exact)"


# ---------------------------------------------------------------------------------------------
# Missing assumptions


def test_missing_fields_are_named_not_guessed() -> None:
    got = by_key(card_of({"text": text_col()}))
    for key, field in (
        ("truncated", "context_length"),
        ("padding.random", "batch_size"),
        ("padding.grouped", "batch_size"),
        ("padding.packed", "context_length"),
        ("flops", "parameters"),
        ("gpu_hours", "parameters"),
    ):
        assert got[key].value is None and got[key].needs == (field,), key
        assert got[key].text == f"set policy.compute.{field} to estimate"
    kv = got["kv_cache"]
    assert kv.needs == ("layers", "kv_heads", "head_dim") and kv.value is None
    assert kv.text == (
        "set policy.compute.layers, policy.compute.kv_heads, policy.compute.head_dim to estimate"
    )
    assert got["tokens"].value == 5000  # needs nothing


def test_partly_set_attention_shape_names_only_what_is_missing() -> None:
    got = by_key(card_of({"text": text_col()}, ComputePolicy(layers=32, head_dim=128)))
    assert got["kv_cache"].needs == ("kv_heads",)
    assert got["kv_cache"].text == "set policy.compute.kv_heads to estimate"


# ---------------------------------------------------------------------------------------------
# Columns


def test_the_longest_text_column_is_chosen() -> None:
    short = LengthStats(min=1, max=3, total=200, quantiles=dict.fromkeys(UNIFORM.quantiles, 2))
    card = card_of({"tag": word_col(), "title": text_col(short), "body": text_col()})
    assert card.measured is not None
    assert text_column(card.measured, card.policy.compute) == "body"
    assert compute_estimates(card_of({"tag": word_col()})) is None  # categories are not text
    chosen = card_of({"tag": word_col()}, ComputePolicy(text_column="tag"))
    assert by_key(chosen)["tokens"].column == "tag"  # the policy decides


def test_a_named_column_missing_from_a_split_is_a_note() -> None:
    report = compute_estimates(card_of({"text": text_col()}, ComputePolicy(text_column="body")))
    assert report is not None
    (split,) = report.splits
    assert split.estimates == ()
    assert split.notes == ("'body' is not a text column of split 'train': no token estimates",)


def test_tokenizer_counts_are_exact() -> None:
    column = text_col().model_copy(update={"tokenizer": "tokenizer.json sha256:ab12"})
    report = compute_estimates(card_of({"text": column}))
    assert report is not None
    assert report.splits[0].tokenizer == "tokenizer.json sha256:ab12"
    text = report.splits[0].estimates[0].text
    assert text == "5,000 (exact: tokenizer tokenizer.json sha256:ab12)"
    assert "≈" not in by_key(card_of({"text": column}, FULL))["padding.packed"].text
    for label in ("whitespace (approximate)", None):
        plain = text_col().model_copy(update={"tokenizer": label})
        report = compute_estimates(card_of({"text": plain}))
        assert report is not None and report.splits[0].tokenizer is None
        assert report.splits[0].estimates[0].text.startswith("≈ 5,000 (approximate: whitespace")


def test_images() -> None:
    got = by_key(card_of({"img": image_col()}))
    assert set(got) == {"pixels", "decoded_bytes"}
    assert got["pixels"].value == 640 * 480 * 10
    assert got["decoded_bytes"].value == 640 * 480 * 10 * 3
    assert "mean(w·h) differs from mean(w)·mean(h)" in got["pixels"].how
    assert got["decoded_bytes"].text == "≈ 9.22 MB"
    assert got["decoded_bytes"].how.startswith("pixels × 3 bytes")
    gray = by_key(card_of({"img": image_col()}, ComputePolicy(image_channels=1)))
    assert gray["decoded_bytes"].value == 640 * 480 * 10
    report = compute_estimates(card_of({"img": image_col(width=None, bytes=50_000.0)}))
    assert report is not None
    (split,) = report.splits
    assert split.notes == (
        "image column 'img' has no width and height statistics: no pixel counts",
    )
    (read,) = split.estimates
    assert read.key == "read_bytes" and read.value == 500_000 and read.text == "500 kB"


def test_json_is_strict() -> None:
    data = compute_json(card_of({"text": text_col(), "img": image_col()}, FULL))
    assert data is not None
    again = json.loads(json.dumps(data, allow_nan=False))
    split = again["splits"]["train"]
    assert split["column"] == "text" and split["exact_tokens"] is False
    keys = [e["key"] for e in split["estimates"]]
    assert keys[:3] == ["tokens", "truncated", "padding.random"] and keys[-1] == "decoded_bytes"
    assert split["estimates"][1]["low"] == pytest.approx(0.05)
    assert compute_json(Card(name="nothing")) is None


# ---------------------------------------------------------------------------------------------
# Real data: the estimates against direct counts


def lengths_dataset(root: Path, lengths: np.ndarray[Any, Any]) -> Card:
    root.mkdir()
    texts = [" ".join(["w"] * int(n)) for n in lengths]
    pq.write_table(pa.table({"id": np.arange(len(texts)), "text": texts}), root / "train.parquet")
    return init_card(root, workers=1).card


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Card, np.ndarray[Any, Any]]:
    rng = np.random.default_rng(11)
    lengths = np.maximum(1, rng.lognormal(5.0, 1.0, 20_000).astype(np.int64))
    return lengths_dataset(tmp_path_factory.mktemp("gen") / "d", lengths), lengths


def with_policy(card: Card, **fields: Any) -> Card:
    return card.model_copy(update={"policy": Policy(compute=ComputePolicy(**fields))})


@pytest.mark.parametrize("context", [64, 150, 400, 1024, 2048])
def test_truncation_against_a_direct_count(
    generated: tuple[Card, np.ndarray[Any, Any]], context: int
) -> None:
    card, lengths = generated
    got = by_key(with_policy(card, context_length=context))["truncated"]
    direct = float(np.mean(lengths > context))
    assert got.low is not None and got.high is not None and got.value is not None
    assert got.low <= direct <= got.high  # the stored quantiles bound the truth
    assert abs(got.value - direct) <= got.high - got.low  # within the interpolation error


def test_padding_against_simulated_batches(generated: tuple[Card, np.ndarray[Any, Any]]) -> None:
    card, lengths = generated
    batch, context = 16, 1024
    got = by_key(with_policy(card, context_length=context, batch_size=batch))
    cut = np.minimum(lengths, context)
    rng = np.random.default_rng(3)
    shuffled = rng.permutation(np.tile(cut, 5))[: len(cut) * 5 // batch * batch]
    batches = shuffled.reshape(-1, batch)
    random = 1 - batches.sum() / (batches.max(axis=1).sum() * batch)
    assert got["padding.random"].value == pytest.approx(random, abs=0.03)
    groups = shuffled[: len(shuffled) // (50 * batch) * 50 * batch].reshape(-1, 50 * batch)
    ordered = np.sort(groups, axis=1).reshape(-1, batch)
    grouped = 1 - ordered.sum() / (ordered.max(axis=1).sum() * batch)
    assert got["padding.grouped"].value == pytest.approx(grouped, abs=0.03)
    total = int(lengths.sum())
    assert got["tokens"].value == total
    rows = math.ceil(total / context)
    assert got["padding.packed"].value == pytest.approx((rows * context - total) / (rows * context))


# ---------------------------------------------------------------------------------------------
# Reports


def section(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


@pytest.fixture(scope="module")
def reviews(tmp_path_factory: pytest.TempPathFactory) -> Card:
    """A small real dataset: a category, a text of 1 to 200 words and a label."""
    lengths = np.array([(i * 37) % 200 + 1 for i in range(300)])
    card = lengths_dataset(tmp_path_factory.mktemp("rev") / "d", lengths)
    return with_policy(
        card,
        context_length=128,
        batch_size=8,
        parameters=1.3e9,
        layers=24,
        kv_heads=16,
        head_dim=64,
    )


def test_golden_sections(reviews: Card) -> None:
    html = HtmlRenderer().render(reviews, [])
    assert_golden("compute/section.html", section(html, '<section class="compute"', "</section>"))
    markdown = MarkdownRenderer().render(reviews, [])
    assert_golden("compute/section.md", section(markdown, "## Training compute", "## Findings"))
    assert '<li><a href="#compute">Training compute</a></li>' in html


def test_no_section_without_text_or_images() -> None:
    card = card_of({"tag": word_col()})
    assert "Training compute" not in HtmlRenderer().render(card, [])
    assert "Training compute" not in MarkdownRenderer().render(card, [])


HOSTILE = "<script>x()</script>|*a*"


def test_values_are_escaped() -> None:
    card = card_of({HOSTILE: text_col(), f"{HOSTILE}img": image_col()}, FULL)
    html = section(HtmlRenderer().render(card, []), '<section class="compute"', "</section>")
    assert "<script>" not in html and "&lt;script&gt;x()&lt;/script&gt;|*a*" in html
    markdown = section(MarkdownRenderer().render(card, []), "## Training compute", "## Findings")
    assert "<script>" not in markdown and "&lt;script&gt;x()&lt;/script&gt;\\|\\*a\\*" in markdown
    for block in re.findall(r"(?:^\|.*\|\n)+", markdown, flags=re.MULTILINE):
        widths = {len(re.findall(r"(?<!\\)\|", line)) for line in block.splitlines()}
        assert widths == {4}, block
    note = card_of({"text": text_col()}, ComputePolicy(text_column=HOSTILE))
    page = HtmlRenderer().render(note, [])
    assert "<script>x()" not in page and "&#39;&lt;script&gt;x()" in page


# ---------------------------------------------------------------------------------------------
# The card file


def test_new_cards_show_the_compute_policy_and_load_back() -> None:
    text = render_new_card(Card(name="d", policy=Policy(compute=FULL)))
    block = text[text.index("  compute:") :]
    assert "    context_length: 80  # tokens per training sequence\n" in block
    assert "    peak_tflops: 100.0  # peak TFLOP/s per GPU (989: H100 SXM, bf16 dense)\n" in block
    assert parse_card(text).policy.compute == FULL


def test_policy_is_validated() -> None:
    written = "name: d\npolicy:\n  compute:\n    parameters: 7.0e9\n    context_length: 4096\n"
    assert parse_card(written).policy.compute.parameters == 7e9
    with pytest.raises(CardError, match=r"policy\.compute\.batch_sise"):
        parse_card("name: d\npolicy:\n  compute:\n    batch_sise: 8\n")
    with pytest.raises(CardError, match=r"policy\.compute\.utilization"):
        parse_card("name: d\npolicy:\n  compute:\n    utilization: 1.5\n")


def test_doctests() -> None:
    for module in (compute_module, lengths_module, text_module):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0, module.__name__
