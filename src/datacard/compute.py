"""What training on the data will cost: tokens, truncation, padding, FLOPs, KV cache, pixels.

Derived at render time from ``measured`` (the token lengths of a text column, the width and
height of image columns) and the card's ``policy.compute`` assumptions. Nothing is stored: the
numbers are a pure function of the card, so editing the policy changes the reports without
re-measuring. Every estimate carries its formula and assumptions (``how``); one that needs an
unset policy field says which field to set instead of guessing. ``docs/compute.md`` derives
every formula.

>>> from datacard.card import Card
>>> compute_estimates(Card(name="empty")) is None
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Final

from datacard.card import Card, ComputePolicy
from datacard.compute_lengths import GROUP_BATCHES, LengthCurve, packing_padding
from datacard.compute_text import (
    count_text,
    hours_text,
    memory_text,
    plain_text,
    sci_text,
    share_text,
    volume_text,
)
from datacard.measured import ColumnSummary, Measured, SplitSummary

#: Estimate key -> (what it is, the unit of its value).
KINDS: Final = {
    "tokens": ("tokens per epoch", "tokens"),
    "truncated": ("sequences longer than the context", "share"),
    "padding.random": ("padding, random batches", "share"),
    "padding.grouped": ("padding, length-grouped batches", "share"),
    "padding.packed": ("padding, packed rows", "share"),
    "flops": ("training compute", "FLOP"),
    "gpu_hours": ("GPU time", "GPU-hours"),
    "kv_cache": ("KV cache per sequence", "bytes"),
    "pixels": ("pixels per epoch", "pixels"),
    "read_bytes": ("read per epoch", "bytes"),
    "decoded_bytes": ("decoded per epoch", "bytes"),
}

#: Stored length quantiles at which the KV cache is sized.
KV_RANKS: Final = (("0.5", "p50"), ("0.95", "p95"), ("0.99", "p99"))

_KV_FORMULA: Final = "2 · layers · kv_heads · head_dim · bytes_per_value · length"


@dataclass(frozen=True)
class Estimate:
    """One number: what it is, its value as text, and how it was derived.

    ``value`` is in ``unit`` (``tokens``, ``share`` of 1, ``FLOP``, ``GPU-hours``, ``bytes``,
    ``pixels``). It is None when an assumption is unset; ``needs`` then names the policy
    fields to set. ``low`` and ``high`` bound an estimate when the stored quantiles allow it.
    """

    key: str
    label: str
    unit: str
    text: str
    how: str
    column: str | None = None
    value: float | None = None
    low: float | None = None
    high: float | None = None
    needs: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The estimate as plain JSON values."""
        return {
            "key": self.key,
            "label": self.label,
            "column": self.column,
            "value": self.value,
            "unit": self.unit,
            "low": self.low,
            "high": self.high,
            "text": self.text,
            "how": self.how,
            "needs": list(self.needs),
        }


@dataclass(frozen=True)
class SplitCompute:
    """The estimates of one split: its text column's (if any), then its image columns'."""

    split: str
    column: str | None  # the text column whose tokens are counted
    tokenizer: str | None  # the tokenizer that counted them (None: whitespace words)
    sequences: int  # non-null values of the text column
    estimates: tuple[Estimate, ...] = ()
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The split's estimates as plain JSON values."""
        return {
            "column": self.column,
            "tokenizer": self.tokenizer,
            "exact_tokens": self.tokenizer is not None,
            "sequences": self.sequences,
            "estimates": [e.to_json() for e in self.estimates],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class ComputeReport:
    """The card's training-compute estimates per split, with the card-wide assumptions."""

    assumptions: tuple[str, ...]
    splits: tuple[SplitCompute, ...]

    def to_json(self) -> dict[str, Any]:
        """The ``compute`` part of ``show --json`` (documented in ``docs/compute.md``)."""
        return {
            "assumptions": list(self.assumptions),
            "splits": {s.split: s.to_json() for s in self.splits},
        }


def _estimate(
    key: str,
    text: str,
    how: str,
    column: str,
    value: float,
    *,
    label: str | None = None,
    low: float | None = None,
    high: float | None = None,
) -> Estimate:
    kind, unit = KINDS.get(key) or KINDS[key.split(".")[0]]
    return Estimate(key, label or kind, unit, text, how, column, value, low, high)


def _missing(key: str, fields: tuple[str, ...], how: str) -> Estimate:
    label, unit = KINDS[key]
    names = ", ".join(f"policy.compute.{f}" for f in fields)
    return Estimate(key, label, unit, f"set {names} to estimate", how, needs=fields)


# ---------------------------------------------------------------------------------------------
# Which columns


def text_column(measured: Measured, policy: ComputePolicy) -> str | None:
    """``policy.text_column``, else the string column with the most words per value.

    A column counts as text when its values average more than one word, so single-word
    categories are not text. Ties go to the first column in file order.
    """
    if policy.text_column:
        return policy.text_column
    sums: dict[str, list[int]] = {}
    for split in measured.splits.values():
        for name, col in split.columns.items():
            if col.kind == "string" and col.tokens is not None and col.tokens.total is not None:
                words_values = sums.setdefault(name, [0, 0])
                words_values[0] += col.tokens.total
                words_values[1] += col.count
    per_value = {name: words / n for name, (words, n) in sums.items() if n}
    texts = [name for name, w in per_value.items() if w > 1]
    return max(texts, key=per_value.__getitem__) if texts else None


#: How a card labels whitespace token counts (``datacard.text.WHITESPACE_LABEL`` starts so).
WHITESPACE: Final = "whitespace"


def tokenizer_of(col: ColumnSummary) -> str | None:
    """The tokenizer that counted ``col.tokens`` when the card names a real one (a
    ``tokenizer`` field on the column or on its token statistics); None for whitespace words
    (``str.split()``, labelled ``whitespace (approximate)`` or not labelled at all)."""
    for owner in (col, col.tokens):
        label = getattr(owner, "tokenizer", None)
        if isinstance(label, str) and label.strip():
            real = not label.strip().lower().startswith(WHITESPACE)
            return label.strip() if real else None
    return None


def is_image(col: ColumnSummary) -> bool:
    """Whether ``col`` holds images (its type or kind is ``image``)."""
    return "image" in (col.type, col.kind)


# ---------------------------------------------------------------------------------------------
# Text


def _tokens(name: str, col: ColumnSummary, total: int, tokenizer: str | None) -> Estimate:
    values = f"{count_text(col.count)} value{'' if col.count == 1 else 's'}"
    if tokenizer is not None:
        text = f"{count_text(total)} (exact: tokenizer {tokenizer})"
        how = f"tokens.total of {name}: the tokens of its {values} under {tokenizer}"
    else:
        text = f"≈ {count_text(total)} (approximate: whitespace words, not model tokens)"
        how = (
            f"tokens.total of {name}: the words of its {values} as str.split() counts "
            "them; a subword tokenizer usually gives more"
        )
    return _estimate("tokens", text, how, name, float(total))


def _truncated(name: str, curve: LengthCurve, n: int, context: int | None) -> Estimate:
    if context is None:
        how = "share of values longer than the context length, from the length quantiles"
        return _missing("truncated", ("context_length",), how)
    share = curve.share_above(context)
    low, high = curve.share_above_bounds(context)
    how = (
        f"1 − F({context:,}), F interpolated linearly between the stored length quantiles "
        "(min, p1 … p99, max); the bounds are the stored quantiles either side"
    )
    sequences = f"{share_text(share)} of {count_text(n)} sequences"
    if low == high:
        text = f"{sequences} (exact)"
    else:
        bounds = f"between {share_text(low)} and {share_text(high)}"
        text = f"≈ {sequences}, ≈ {count_text(share * n)} ({bounds})"
    return _estimate("truncated", text, how, name, share, low=low, high=high)


def _batched(name: str, curve: LengthCurve, n: int, policy: ComputePolicy) -> list[Estimate]:
    batch, context = policy.batch_size, policy.context_length
    if batch is None:
        how = "each batch padded to its longest sequence, from the length quantiles"
        return [
            _missing(key, ("batch_size",), how) for key in ("padding.random", "padding.grouped")
        ]
    if context is None:
        cut = "no context length set, so nothing is cut"
    else:
        cut, curve = f"lengths cut at {context:,} tokens", curve.capped(context)
    random = curve.random_padding(batch)
    how = (
        f"batches of {batch:,} random sequences, each padded to its longest: 1 − E[L] / "
        f"E[max of {batch:,}], E[max] = ∫ Q(u)·{batch}·u^{batch - 1} du over the interpolated "
        f"quantile curve; {cut}"
    )
    groups = min(GROUP_BATCHES, max(1, n // batch))
    grouped = curve.grouped_padding(batch, n)
    how_grouped = (
        f"groups of {groups} batches ({groups * batch:,} random sequences) sorted by length, "
        f"then cut into batches of {batch:,} (like group_by_length), the k-th shortest of "
        f"K taken as Q(k/(K+1)); {cut}"
    )
    return [
        _estimate("padding.random", f"≈ {share_text(random)} of padded tokens", how, name, random),
        _estimate(
            "padding.grouped",
            f"≈ {share_text(grouped)} of padded tokens",
            how_grouped,
            name,
            grouped,
        ),
    ]


def _packed(name: str, total: int, context: int | None, approx: str) -> Estimate:
    if context is None:
        how = "tokens concatenated and cut into rows of the context length"
        return _missing("padding.packed", ("context_length",), how)
    rows, pad = packing_padding(total, context)
    share = pad / (rows * context)
    how = (
        f"all {count_text(total)} tokens concatenated and cut into rows of {context:,}: only "
        "the last row is padded, ⌈T/C⌉·C − T; separator tokens not counted"
    )
    in_rows = f"{count_text(rows)} row{'' if rows == 1 else 's'}"
    text = f"{approx}{share_text(share)} ({pad:,} pad tokens in {in_rows})"
    return _estimate("padding.packed", text, how, name, share)


def _flops(name: str, total: int, policy: ComputePolicy) -> list[Estimate]:
    n, epochs = policy.parameters, policy.epochs
    if n is None:
        return [
            _missing("flops", ("parameters",), "6 · N · D · epochs for N parameters, D tokens"),
            _missing("gpu_hours", ("parameters",), "training compute / (utilisation × peak)"),
        ]
    flops = 6 * n * total * epochs
    how = (
        f"6 · N · D · epochs = 6 × {plain_text(n)} × {count_text(total)} × {plain_text(epochs)}: "
        "forward and backward pass of a dense model over every token (attention not counted)"
    )
    hours = flops / (policy.utilization * policy.peak_tflops * 1e12) / 3600
    how_hours = (
        f"FLOPs / ({share_text(policy.utilization)} × {plain_text(policy.peak_tflops)} "
        "TFLOP/s) / 3,600 s: the assumed utilisation and peak of one GPU "
        "(policy.compute.utilization, peak_tflops)"
    )
    return [
        _estimate("flops", f"≈ {sci_text(flops)} FLOPs", how, name, flops),
        _estimate("gpu_hours", f"≈ {hours_text(hours)}", how_hours, name, hours),
    ]


def _kv_cache(name: str, col: ColumnSummary, policy: ComputePolicy) -> list[Estimate]:
    layers, heads, dim = policy.layers, policy.kv_heads, policy.head_dim
    if layers is None or heads is None or dim is None:
        shape = {"layers": layers, "kv_heads": heads, "head_dim": dim}
        return [_missing("kv_cache", tuple(k for k, v in shape.items() if v is None), _KV_FORMULA)]
    quantiles = (col.tokens.quantiles if col.tokens else None) or {}
    out: list[Estimate] = []
    for rank, tag in KV_RANKS:
        stored = quantiles.get(rank)
        if isinstance(stored, bool) or not isinstance(stored, int | float):
            continue
        context = policy.context_length
        length = float(stored) if context is None else float(min(stored, context))
        size = 2 * layers * heads * dim * policy.bytes_per_value * length
        how = (
            f"{_KV_FORMULA} = 2 × {layers} × {heads} × {dim} × "
            f"{plain_text(policy.bytes_per_value)} × {plain_text(length)}"
        )
        if length < stored:
            how += f" (the {tag} length is cut at the context length)"
        label = f"KV cache per sequence, {tag} length ({plain_text(length)} tokens)"
        out.append(_estimate(f"kv_cache.{tag}", memory_text(size), how, name, size, label=label))
    return out


def _text_split(
    name: str, split_name: str, split: SplitSummary, policy: ComputePolicy
) -> SplitCompute:
    col = split.columns.get(name)
    if col is None or col.tokens is None or col.tokens.total is None:
        note = f"'{name}' is not a text column of split '{split_name}': no token estimates"
        return SplitCompute(split_name, name, None, 0, notes=(note,))
    tokenizer = tokenizer_of(col)
    total = col.tokens.total
    estimates = [_tokens(name, col, total, tokenizer)]
    notes: tuple[str, ...] = ()
    curve = LengthCurve.of(col.tokens)
    if curve is None:
        notes = (f"'{name}' has no token-length quantiles: no truncation or padding estimates",)
    else:
        estimates.append(_truncated(name, curve, col.count, policy.context_length))
        estimates += _batched(name, curve, col.count, policy)
    estimates.append(_packed(name, total, policy.context_length, "" if tokenizer else "≈ "))
    estimates += _flops(name, total, policy)
    estimates += _kv_cache(name, col, policy)
    return SplitCompute(split_name, name, tokenizer, col.count, tuple(estimates), notes)


# ---------------------------------------------------------------------------------------------
# Images


def _mean_of(col: ColumnSummary, field: str) -> float | None:
    sub = (col.fields or {}).get(field)
    mean = sub.mean if sub is not None else None
    if isinstance(mean, bool) or not isinstance(mean, int | float) or not math.isfinite(mean):
        return None
    return float(mean)


def _images(
    name: str, col: ColumnSummary, policy: ComputePolicy, notes: list[str]
) -> list[Estimate]:
    out: list[Estimate] = []
    size = _mean_of(col, "bytes")
    if size is not None:
        read = size * col.count
        how = (
            f"mean file size × images = {volume_text(size)} × {count_text(col.count)}: the "
            "encoded files, read again every epoch unless cached"
        )
        out.append(
            _estimate(
                "read_bytes", volume_text(read), how, name, read, label=f"read per epoch, {name}"
            )
        )
    width, height = _mean_of(col, "width"), _mean_of(col, "height")
    if width is None or height is None:
        notes.append(f"image column '{name}' has no width and height statistics: no pixel counts")
        return out
    pixels = width * height * col.count
    how = (
        f"mean width × mean height × images = {plain_text(round(width, 2))} × "
        f"{plain_text(round(height, 2))} × {count_text(col.count)}; approximate: mean(w·h) "
        "differs from mean(w)·mean(h) when sizes vary (by their covariance)"
    )
    decoded = pixels * policy.image_channels
    how_decoded = (
        f"pixels × {policy.image_channels} bytes (policy.compute.image_channels, 8-bit "
        "values): the decoding work of every epoch unless decoded images are cached"
    )
    return [
        *out,
        _estimate(
            "pixels",
            f"≈ {count_text(pixels)} pixels",
            how,
            name,
            pixels,
            label=f"pixels per epoch, {name}",
        ),
        _estimate(
            "decoded_bytes",
            f"≈ {volume_text(decoded)}",
            how_decoded,
            name,
            decoded,
            label=f"decoded per epoch, {name}",
        ),
    ]


# ---------------------------------------------------------------------------------------------
# The report


def _assumptions(policy: ComputePolicy, text: bool) -> tuple[str, ...]:
    if not text:
        return ("≈ marks an estimate.",)
    return (
        "≈ marks an estimate. Lengths between the stored quantiles (min, p1, p5, p25, p50, "
        "p75, p95, p99, max) are interpolated linearly, so the longest 1% is the least certain.",
        f"Training: {plain_text(policy.epochs)} epoch(s) on GPUs that reach "
        f"{share_text(policy.utilization)} of a {plain_text(policy.peak_tflops)} TFLOP/s peak "
        "(policy.compute.epochs, utilization, peak_tflops; the default peak is an H100 SXM's, "
        "bf16, dense).",
    )


def compute_estimates(card: Card) -> ComputeReport | None:
    """The training-compute estimates of ``card``; None when it has no text or image column.

    >>> from datacard.measured import LengthStats
    >>> col = ColumnSummary(type="string", kind="string", count=2, nulls=0,
    ...     tokens=LengthStats(min=1, max=3, total=4, quantiles={"0.5": 1}))
    >>> m = Measured(generated_by="t", content_hash="h", splits_from="x",
    ...     splits={"train": SplitSummary(rows=2, duplicate_rows=0, columns={"t": col})})
    >>> compute_estimates(Card(name="d", measured=m)).splits[0].estimates[0].text
    '≈ 4 (approximate: whitespace words, not model tokens)'
    """
    measured = card.measured
    if measured is None:
        return None
    policy = card.policy.compute
    name = text_column(measured, policy)
    splits: list[SplitCompute] = []
    for split_name, split in measured.splits.items():
        part = SplitCompute(split_name, None, None, 0)
        if name is not None:
            part = _text_split(name, split_name, split, policy)
        estimates, notes = list(part.estimates), list(part.notes)
        for col_name, col in split.columns.items():
            if is_image(col):
                estimates += _images(col_name, col, policy, notes)
        if estimates or notes:
            splits.append(replace(part, estimates=tuple(estimates), notes=tuple(notes)))
    if not splits:
        return None
    return ComputeReport(_assumptions(policy, name is not None), tuple(splits))


def compute_json(card: Card) -> dict[str, Any] | None:
    """The ``compute`` of ``show --json``: the estimates as JSON, or None without any."""
    report = compute_estimates(card)
    return report.to_json() if report is not None else None
