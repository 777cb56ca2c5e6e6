"""Each accumulator merges like the one built from all the data at once."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datacard.hashing import hash_numbers
from datacard.sketches import DistinctCount, FrequentItems, Moments, Quantiles

finite_floats = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@given(st.lists(finite_floats, max_size=50), st.lists(finite_floats, max_size=50))
def test_moments_merge_equals_whole(a: list[float], b: list[float]) -> None:
    left, right, whole = Moments(), Moments(), Moments()
    left.update(np.array(a, np.float64))
    right.update(np.array(b, np.float64))
    whole.update(np.array(a + b, np.float64))
    left.merge(right)
    assert left.n == whole.n
    scale = max(1.0, *(abs(x) for x in a + b)) if a + b else 1.0
    assert math.isclose(left.mean, whole.mean, rel_tol=1e-9, abs_tol=1e-9 * scale)
    assert math.isclose(left.m2, whole.m2, rel_tol=1e-6, abs_tol=1e-6 * scale**2)
    assert math.isclose(left.m3, whole.m3, rel_tol=1e-5, abs_tol=1e-5 * scale**3)


def test_moments_match_numpy() -> None:
    x = np.random.default_rng(1).lognormal(size=10_000)
    m = Moments()
    for chunk in np.array_split(x, 7):
        part = Moments()
        part.update(chunk)
        m.merge(part)
    assert m.std == pytest.approx(x.std(ddof=1), rel=1e-9)
    d = x - x.mean()
    g1 = math.sqrt(len(x)) * (d**3).sum() / ((d**2).sum() ** 1.5)
    assert m.skewness == pytest.approx(g1, rel=1e-9)


@pytest.mark.parametrize("n", [10, 4096, 50_000, 1_000_000])
def test_distinct_count_within_two_percent(n: int) -> None:
    sketch = DistinctCount()
    values = np.random.default_rng(n).permutation(n).astype(np.int64)
    for chunk in np.array_split(values, 4):
        part = DistinctCount()
        part.update_hashes(hash_numbers(np.concatenate([chunk, chunk[:10]])))
        sketch.merge(part)
    estimate = sketch.estimate()
    if n <= DistinctCount.EXACT_LIMIT:
        assert estimate == n
    assert abs(estimate - n) <= 0.02 * n
    again = DistinctCount.from_dict(json.loads(json.dumps(sketch.to_dict())))
    assert again.estimate() == estimate


def test_quantiles_rank_error_within_one_percent() -> None:
    x = np.random.default_rng(7).normal(size=200_000)
    q = Quantiles()
    for chunk in np.array_split(x, 5):
        part = Quantiles()
        part.update_sorted(np.sort(chunk))
        q.merge(part)
    ordered = np.sort(x)
    for rank, value in zip(
        [0.01, 0.25, 0.5, 0.75, 0.99], q.quantiles([0.01, 0.25, 0.5, 0.75, 0.99])
    ):
        true_rank = np.searchsorted(ordered, value) / len(x)
        assert abs(true_rank - rank) <= 0.01
    assert Quantiles.from_dict(q.to_dict()).quantiles([0.5]) == q.quantiles([0.5])


@settings(max_examples=60)
@given(st.lists(st.integers(0, 400), max_size=800), st.integers(1, 5))
def test_frequent_items_counts_are_bounded_lower_estimates(values: list[int], parts: int) -> None:
    summary = FrequentItems()
    for chunk in np.array_split(np.array(values, np.int64), parts):
        uniq, counts = np.unique(chunk, return_counts=True)
        part = FrequentItems()
        part.update_counts(hash_numbers(uniq), counts, lambda pos, u=uniq: u[pos].tolist())
        summary.merge(part)
    truth = {v: values.count(v) for v in set(values)}
    assert summary.total == len(values)
    assert summary.error <= len(values) / (FrequentItems.CAPACITY + 1)
    for value, count in summary.top(FrequentItems.CAPACITY):
        assert truth[value] - summary.error <= count <= truth[value]
    if len(truth) <= FrequentItems.CAPACITY:
        assert summary.exact
        assert dict(summary.top(len(truth))) == truth
    again = FrequentItems.from_dict(json.loads(json.dumps(summary.to_dict())))
    assert again.top(5) == summary.top(5)


def test_cdf_counts_values_at_the_split_point() -> None:
    q = Quantiles()
    q.update_sorted(np.array([1.0, 2.0, 2.0, 3.0]))
    assert q.cdf([2.0]) == [0.75]
    assert q.cdf([0.5, 3.0]) == [0.0, 1.0]


def test_skewness_of_a_vanishing_spread_is_undefined_not_a_crash() -> None:
    from datacard.sketches import Moments

    m = Moments()
    m.update(np.array([0.0, 0.0, 3.0768427212398532e-120]))
    assert m.skewness is None


def test_skewness_of_a_huge_spread_is_undefined_not_a_crash() -> None:
    """M2^1.5 of a spread near 1e220 raises OverflowError in Python floats."""
    from datacard.sketches import Moments

    m = Moments()
    with np.errstate(all="ignore"):  # M3 itself overflows
        m.update(np.array([0.0, 1e110, -1e110, 5e109]))
    assert m.skewness is None
    assert Moments(3, 0.0, 1e250, 1e300).skewness == pytest.approx(3**0.5 * 1e300 / 1e375)
    large = Moments()
    large.update(np.array([0.0, 0.0, 3e60]))
    assert large.skewness == pytest.approx(2**-0.5)
