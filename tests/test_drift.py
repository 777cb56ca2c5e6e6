"""Drift from sketches: each metric against a raw-data reference, the null case, planted shifts,
schema changes, empty data and the sidecar round trip."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from datacard.columns import NumericAccumulator, StringAccumulator, accumulator_for
from datacard.drift import DriftReport, DriftThresholds, column_drift, compare_profiles
from datacard.drift.metrics import EPSILON, bin_edges, js_distance, ks, psi, wasserstein
from datacard.errors import UsageError
from datacard.profiling import Profile, profile

scipy_stats = pytest.importorskip("scipy.stats")
scipy_distance = pytest.importorskip("scipy.spatial.distance")

N = 200_000  # rows per side for the calibration tests


def numeric(values: np.ndarray[Any, Any]) -> NumericAccumulator:
    acc = accumulator_for(pa.float64())
    acc.update(pa.array(values))
    assert isinstance(acc, NumericAccumulator)
    return acc


def strings(values: list[str]) -> StringAccumulator:
    acc = accumulator_for(pa.string())
    acc.update(pa.array(values, pa.string()))
    assert isinstance(acc, StringAccumulator)
    return acc


PAIRS = {
    "shift": lambda rng: (rng.normal(size=20_000), rng.normal(0.3, 1.0, 30_000)),
    "scale": lambda rng: (rng.normal(size=20_000), rng.normal(0.0, 2.0, 20_000)),
    "skewed": lambda rng: (rng.lognormal(size=20_000), rng.gamma(2.0, size=15_000)),
    "same": lambda rng: (rng.normal(size=20_000), rng.normal(size=20_000)),
    "integers": lambda rng: (
        rng.integers(0, 10, 20_000).astype(float),
        rng.integers(2, 12, 20_000).astype(float),
    ),
}


@pytest.mark.parametrize("case", sorted(PAIRS))
def test_ks_matches_scipy_within_rank_error(case: str) -> None:
    a, b = PAIRS[case](np.random.default_rng(7))
    expected = scipy_stats.ks_2samp(a, b).statistic
    assert ks(numeric(a), numeric(b)) == pytest.approx(expected, abs=0.01)


def direct_masses(x: np.ndarray[Any, Any], edges: list[float]) -> np.ndarray[Any, Any]:
    """Shares of raw values in (−∞, e1], (e1, e2], …, (ek, ∞)."""
    index = np.searchsorted(np.array(edges), x, side="left")
    return np.bincount(index, minlength=len(edges) + 1) / len(x)


@pytest.mark.parametrize("case", sorted(PAIRS))
def test_psi_and_js_match_direct_histograms(case: str) -> None:
    a, b = PAIRS[case](np.random.default_rng(8))
    ref, cur = numeric(a), numeric(b)
    edges = bin_edges(ref)
    r, c = direct_masses(a, edges), direct_masses(b, edges)
    metrics = column_drift(ref, cur).metrics
    exact_psi = float(
        np.sum(
            (np.maximum(c, EPSILON) - np.maximum(r, EPSILON))
            * np.log(np.maximum(c, EPSILON) / np.maximum(r, EPSILON))
        )
    )
    exact_js = float(scipy_distance.jensenshannon(r, c, base=2))
    assert metrics["psi"] == pytest.approx(exact_psi, rel=0.1, abs=0.005)
    assert metrics["js"] == pytest.approx(exact_js, rel=0.1, abs=0.02)
    assert psi(r, c) == pytest.approx(exact_psi, rel=1e-12, abs=1e-15)
    assert js_distance(r, c) == pytest.approx(exact_js, abs=1e-9)


@pytest.mark.parametrize("case", sorted(PAIRS))
def test_wasserstein_matches_scipy_over_reference_std(case: str) -> None:
    a, b = PAIRS[case](np.random.default_rng(9))
    expected = scipy_stats.wasserstein_distance(a, b) / np.std(a, ddof=1)
    assert wasserstein(numeric(a), numeric(b)) == pytest.approx(expected, rel=0.1, abs=0.01)


def test_mean_shift_and_missing_rate_are_exact() -> None:
    rng = np.random.default_rng(10)
    a, b = rng.normal(5, 2, 5000), rng.normal(5.5, 2, 4000)
    b_missing = np.where(rng.random(4000) < 0.2, np.nan, b)
    ref = numeric(a)
    cur = accumulator_for(pa.float64())
    cur.update(pa.array(b_missing[:2000]))
    cur.update(pa.array(b_missing[2000:], mask=np.arange(2000) % 10 == 0))
    m = column_drift(ref, cur).metrics
    kept = np.concatenate([b_missing[:2000], b_missing[2000:][np.arange(2000) % 10 != 0]])
    expected_shift = (np.nanmean(kept) - a.mean()) / a.std(ddof=1)
    assert m["mean_shift"] == pytest.approx(expected_shift, rel=1e-9)
    expected_missing = (np.isnan(kept).sum() + 200) / 4000
    assert m["missing_current"] == pytest.approx(expected_missing)
    assert m["missing_change"] == pytest.approx(expected_missing)


def test_categorical_metrics_match_direct_frequencies() -> None:
    rng = np.random.default_rng(11)
    ref_values = rng.choice(["a", "b", "c", "gone"], 10_000, p=[0.5, 0.3, 0.19, 0.01]).tolist()
    cur_values = rng.choice(["a", "b", "c", "fresh"], 8_000, p=[0.4, 0.35, 0.2, 0.05]).tolist()
    d = column_drift(strings(ref_values), strings(cur_values))
    names = ["a", "b", "c", "gone", "fresh"]
    p = np.array([ref_values.count(v) for v in names]) / len(ref_values)
    q = np.array([cur_values.count(v) for v in names]) / len(cur_values)
    assert d.kind == "categorical"
    assert d.metrics["category_js"] == pytest.approx(
        scipy_distance.jensenshannon(p, q, base=2), abs=1e-9
    )
    assert d.metrics["category_linf"] == pytest.approx(np.abs(p - q).max(), abs=1e-12)
    assert d.new == ["fresh"] and d.vanished == ["gone"]
    assert d.metrics["new_share"] == pytest.approx(q[-1])
    assert d.drifted


def test_many_values_go_to_an_other_bucket() -> None:
    rng = np.random.default_rng(12)
    ids = [f"id{i}" for i in rng.permutation(5000)]
    d = column_drift(strings(ids), strings([f"x{i}" for i in range(5000)]))
    assert d.metrics["category_js"] < 0.05 and not d.new and not d.vanished


def test_booleans_and_integer_codes_compare_as_categories() -> None:
    ref, cur = accumulator_for(pa.bool_()), accumulator_for(pa.bool_())
    ref.update(pa.array([True] * 30 + [False] * 70))
    cur.update(pa.array([True] * 50 + [False] * 50))
    d = column_drift(ref, cur)
    assert d.kind == "categorical" and d.metrics["category_linf"] == pytest.approx(0.2)
    a, b = accumulator_for(pa.int64()), accumulator_for(pa.int64())
    a.update(pa.array([1, 2, 3] * 100))
    b.update(pa.array([1, 2, 3, 4] * 75))
    codes = column_drift(a, b)
    assert codes.kind == "numeric" and codes.new == [4] and "ks" in codes.metrics


def calibration_table(
    n: int,
    rng: np.random.Generator,
    *,
    shift: float = 0.0,
    scale: float = 1.0,
    share_a: float = 0.30,
    new: float = 0.0,
    missing: float = 0.05,
) -> pa.Table:
    """Eight columns of every kind; the keywords plant one change each."""
    share = np.array([share_a, 0.3, 0.2, 0.2])
    share[1:] *= (1 - share_a) / share[1:].sum()
    cat = rng.choice(np.array(["a", "b", "c", "d"]), n, p=share).astype(object)
    cat[rng.random(n) < new] = "new"
    return pa.table(
        {
            "x": rng.normal(shift, 1.0, n),
            "v": rng.normal(0.0, scale, n),
            "y": rng.lognormal(0.0, 1.0, n),
            "cat": pa.array(cat.tolist(), pa.string()),
            "code": rng.integers(0, 5, n),
            "flag": rng.random(n) < 0.3,
            "m": pa.array(rng.normal(size=n), mask=rng.random(n) < missing),
            "t": pa.array(rng.integers(0, 10**9, n), pa.timestamp("s")),
        }
    )


@pytest.fixture(scope="module")
def reference() -> tuple[Profile, Profile]:
    """Two disjoint random halves (N rows each) of one 2N-row table."""
    rng = np.random.default_rng(2024)
    full = calibration_table(2 * N, rng)
    order = rng.permutation(2 * N)
    return profile(full.take(order[:N])), profile(full.take(order[N:]))


def test_null_case_flags_no_column(reference: tuple[Profile, Profile]) -> None:
    report = compare_profiles(*reference)
    assert report.verdict == "stable"
    assert report.drifted == []
    for name, c in report.columns.items():
        assert c.effect < 0.5, (name, c.metrics)  # far below every threshold


PLANTED = {
    "x": {"shift": 0.1},  # mean shift of 0.1σ
    "v": {"scale": 2**0.5},  # variance doubling
    "cat": {"share_a": 0.35},  # one category's share 30 % → 35 %
    "new": {"new": 0.02},  # a new category with 2 % of the values
    "m": {"missing": 0.15},  # missing rate 5 % → 15 %
}


@pytest.mark.parametrize("plant", sorted(PLANTED))
def test_planted_shift_is_flagged(reference: tuple[Profile, Profile], plant: str) -> None:
    current = profile(calibration_table(N, np.random.default_rng(99), **PLANTED[plant]))
    report = compare_profiles(reference[0], current)
    column = "cat" if plant == "new" else plant
    assert report.drifted == [column], {c: d.reasons for c, d in report.columns.items()}
    assert report.verdict == "drifted"
    assert next(iter(report.columns)) == column  # ranked first
    if plant == "new":
        assert report.columns["cat"].new == ["new"]


def test_retrain_rule() -> None:
    rng = np.random.default_rng(3)
    ref = profile(pa.table({c: rng.normal(size=2000) for c in "abcd"}))
    shifted = {c: rng.normal(1.0 if c in "abc" else 0.0, 1.0, 2000) for c in "abcd"}
    cur = profile(pa.table(shifted))
    assert compare_profiles(ref, cur).verdict == "retrain"  # three columns drifted
    assert compare_profiles(ref, cur, important=["a", "d"]).verdict == "drifted"
    assert compare_profiles(ref, cur, important=["a", "d"], label="a").verdict == "retrain"
    loose = DriftThresholds(retrain_columns=4)
    assert compare_profiles(ref, cur, thresholds=loose).verdict == "drifted"
    wide = DriftThresholds(psi=10, js=10, wasserstein=10, mean_shift=10)
    per_column = compare_profiles(ref, cur, column_thresholds={"a": wide, "b": wide})
    assert per_column.drifted == ["c"]


def test_schema_changes() -> None:
    ref = profile(pa.table({"keep": [1.0, 2.0, 3.0], "gone": [1, 2, 3], "retype": [1, 2, 3]}))
    cur = profile(
        pa.table({"keep": [1.0, 2.0, 3.0], "retype": ["1", "2", "3"], "added": [1, 1, 1]})
    )
    report = compare_profiles(ref, cur)
    assert report.schema.added == ["added"] and report.schema.removed == ["gone"]
    assert report.schema.retyped == {"retype": ("int64", "string")}
    assert report.columns["retype"].drifted and not report.columns["keep"].drifted
    assert report.verdict == "drifted"
    assert json.loads(json.dumps(report.to_json()))["schema"]["removed"] == ["gone"]


def test_empty_current_split_is_a_clear_result() -> None:
    table = pa.table({"x": [1.0, 2.0, 3.0], "s": ["a", "b", "c"]})
    report = compare_profiles(profile(table), profile(table.slice(0, 0)))
    assert report.verdict == "drifted"
    assert report.rows_current == 0 and report.columns == {}
    assert "no rows" in report.notes[0]
    assert json.dumps(report.to_json())


def test_a_column_that_became_all_null_drifts() -> None:
    ref = profile(pa.table({"x": [1.0, 2.0, 3.0, 4.0]}))
    cur = profile(pa.table({"x": pa.array([None] * 4, pa.float64())}))
    d = compare_profiles(ref, cur).columns["x"]
    assert d.drifted and d.metrics["missing_change"] == 1.0 and "psi" not in d.metrics


def test_report_survives_a_sidecar_round_trip(reference: tuple[Profile, Profile]) -> None:
    ref, cur = reference
    stored = Profile.from_dict(json.loads(json.dumps(ref.to_dict())))
    before: DriftReport = compare_profiles(ref, cur)
    after = compare_profiles(stored, cur)
    assert after.to_json() == before.to_json()
    out = after.to_json()
    assert set(out) >= {"verdict", "columns"}
    assert set(out["columns"]["x"]) >= {"drifted", "metrics"}


def test_split_selection() -> None:
    p = profile(pa.table({"x": [1.0, 2.0]}))
    with pytest.raises(UsageError, match="no split 'test'"):
        compare_profiles(p, p, split="test")
    assert compare_profiles(p, p, split="train").split == "train"
