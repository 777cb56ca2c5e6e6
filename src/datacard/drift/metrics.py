"""Drift metrics between two accumulators of one column, computed from their sketches only.

Every function takes the *reference* accumulator first and the *current* one second; nothing
here sees a raw value. Numeric and temporal columns are compared through their KLL quantile
sketches and moments, categorical ones (strings, booleans, integer codes) through their
frequent-item summaries, and every column through its missing rate and type.

>>> import numpy as np, pyarrow as pa
>>> from datacard.columns import accumulator_for
>>> ref, cur = accumulator_for(pa.string()), accumulator_for(pa.string())
>>> _ = ref.update(pa.array(["a"] * 50 + ["b"] * 50))
>>> _ = cur.update(pa.array(["a"] * 50 + ["c"] * 50))
>>> d = column_drift(ref, cur)
>>> d.kind, d.new, d.vanished, d.drifted
('categorical', ['c'], ['b'], True)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from datacard.columns import (
    BooleanAccumulator,
    ColumnAccumulator,
    NumericAccumulator,
    StringAccumulator,
)
from datacard.sketches import FrequentItems

F64 = npt.NDArray[np.float64]

#: Bin masses below this are raised to it before PSI takes logarithms (an empty bin would make
#: PSI infinite; 1e-4 caps one empty bin's contribution at about 0.1 · ln(1000) ≈ 0.7).
EPSILON = 1e-4
#: Reference ranks whose quantiles bound the PSI / JS bins (deciles: ten bins).
BIN_RANKS = tuple(i / 10 for i in range(1, 10))
#: Ranks of the quantile grid the Wasserstein distance integrates over (midpoints of 100 cells).
W_GRID = tuple((i + 0.5) / 100 for i in range(100))
#: Ranks whose quantiles (from both sketches) are the points where KS compares the two CDFs.
KS_GRID = tuple(i / 1000 for i in range(1001))
#: Categories are reported as new or vanished from this share of their side's values.
REPORT_SHARE = 0.005
#: A value absent from a Misra–Gries summary counts as absent from the data when its share
#: could be at most this (the summary's error bound); exact summaries have no error.
ABSENT_SHARE = 0.0005
#: Integer columns are also compared as categories when their value summary is exact and holds
#: at most this many distinct values (codes, classes, ratings).
MAX_CODES = 64


@dataclass(frozen=True)
class DriftThresholds:
    """Effect sizes at or above which a column counts as drifted (any one suffices).

    Calibrated on 200k rows a side: disjoint random halves of one table stay well below every
    threshold; a 0.1σ mean shift, a doubled variance, a 5-point category change, a new 2 %
    category and a missing rate going 5 % → 15 % each cross one.

    >>> DriftThresholds().psi, DriftThresholds(psi=0.2).psi
    (0.1, 0.2)
    """

    psi: float = 0.1
    """Numeric: population stability index over the reference deciles. 0.1 is the usual
    'moderate shift' line (0.25 'major')."""
    js: float = 0.1
    """Numeric: Jensen–Shannon distance (base 2, in [0, 1]) over the same ten bins."""
    wasserstein: float = 0.1
    """Numeric: Wasserstein-1 distance divided by the reference standard deviation."""
    mean_shift: float = 0.08
    """Numeric: |mean change| in reference standard deviations. Below 0.1 so a planted 0.1σ shift
    is flagged despite sampling noise (±0.003σ at 200k rows a side)."""
    category_js: float = 0.05
    """Categorical: Jensen–Shannon distance (base 2) of the value frequencies."""
    category_linf: float = 0.04
    """Categorical: largest absolute change of one value's share (L∞). Below 0.05 so a planted
    5-point change is flagged despite sampling noise."""
    category_share: float = 0.01
    """Categorical: a new or vanished value with at least this share drifts the column."""
    missing: float = 0.05
    """All kinds: absolute change of the missing rate (nulls, and NaN for floats)."""
    retrain_columns: int = 3
    """Verdict: this many drifted columns (important ones, when any are named) mean 'retrain'."""


@dataclass
class ColumnDrift:
    """How one column moved: metric values, new/vanished categories, and the decision.

    ``kind`` is ``numeric`` or ``temporal`` (distribution metrics; integer codes add the
    categorical ones), ``categorical`` (strings, booleans) or the reference accumulator's kind
    for columns compared only by missing rate and type (lists, structs, binary, a kind change).
    ``effect`` is the largest metric / threshold ratio, which ranks columns in a report.
    """

    kind: str
    metrics: dict[str, float] = field(default_factory=dict)
    new: list[Any] = field(default_factory=list)
    vanished: list[Any] = field(default_factory=list)
    drifted: bool = False
    reasons: list[str] = field(default_factory=list)
    effect: float = 0.0  # the largest metric / threshold ratio: ranks drifted columns


# ---------------------------------------------------------------------------- distributions


def psi(ref: F64, cur: F64, epsilon: float = EPSILON) -> float:
    """Population stability index Σ (c − r) · ln(c / r) of two bin-mass vectors.

    >>> round(psi(np.array([0.5, 0.5]), np.array([0.6, 0.4])), 4)
    0.0405
    """
    r = np.maximum(ref, epsilon)
    c = np.maximum(cur, epsilon)
    return float(np.sum((c - r) * np.log(c / r)))


def js_distance(ref: F64, cur: F64) -> float:
    """Jensen–Shannon distance, base 2 (the square root of the divergence; in [0, 1]).

    >>> js_distance(np.array([1.0, 0.0]), np.array([0.0, 1.0]))
    1.0
    """
    p = ref / ref.sum() if ref.sum() > 0 else ref
    q = cur / cur.sum() if cur.sum() > 0 else cur
    m = 0.5 * (p + q)

    def kl(a: F64) -> float:
        nz = a > 0
        return float(np.sum(a[nz] * np.log2(a[nz] / m[nz])))

    return math.sqrt(max(0.5 * kl(p) + 0.5 * kl(q), 0.0))


# ---------------------------------------------------------------------------- numeric


def bin_edges(ref: NumericAccumulator) -> list[float]:
    """The distinct reference deciles: the inner edges of the PSI / JS bins."""
    return sorted(set(ref.quantiles.quantiles(list(BIN_RANKS))))


def cdf(acc: NumericAccumulator, points: list[float]) -> F64:
    """F(x) = share of values ≤ x at each (strictly increasing) point, from the KLL sketch.

    Asks the sketch for the inclusive CDF: DataSketches' default (which
    :meth:`~datacard.sketches.Quantiles.cdf` uses) counts values strictly below each point.
    """
    if not points:
        return np.zeros(0)
    raw = acc.quantiles.sketch.get_cdf(points, True)
    return np.array([float(v) for v in raw][: len(points)])


def bin_masses(acc: NumericAccumulator, edges: list[float]) -> F64:
    """Share of the sketch in (−∞, e1], (e1, e2], …, (ek, ∞) from its inclusive KLL CDF."""
    cdf_at = np.concatenate([[0.0], cdf(acc, edges), [1.0]])
    return np.clip(np.diff(cdf_at), 0.0, 1.0)


def scale(ref: NumericAccumulator) -> float:
    """The normaliser of numeric distances: the reference std (IQR / 1.349 if the std is 0)."""
    std = ref.moments.std or 0.0
    if std > 0:
        return std
    q1, q3 = ref.quantiles.quantiles([0.25, 0.75])
    return (q3 - q1) / 1.349


def _ratio(value: float, by: float) -> float:
    if by > 0:
        return value / by
    return 0.0 if value == 0 else math.inf


def wasserstein(ref: NumericAccumulator, cur: NumericAccumulator) -> float:
    """W1 = ∫ |F_ref⁻¹(u) − F_cur⁻¹(u)| du on a 100-cell grid, over :func:`scale`."""
    grid = list(W_GRID)
    a = np.array(ref.quantiles.quantiles(grid))
    b = np.array(cur.quantiles.quantiles(grid))
    return _ratio(float(np.mean(np.abs(a - b))), scale(ref))


def ks(ref: NumericAccumulator, cur: NumericAccumulator) -> float:
    """max |F_ref(x) − F_cur(x)| over the quantile points (1,001 ranks) of both sketches."""
    grid = list(KS_GRID)
    points = sorted(set(ref.quantiles.quantiles(grid)) | set(cur.quantiles.quantiles(grid)))
    return float(np.max(np.abs(cdf(ref, points) - cdf(cur, points))))


def mean_shift(ref: NumericAccumulator, cur: NumericAccumulator) -> float:
    """(mean_cur − mean_ref) / std_ref (signed)."""
    return _ratio(cur.moments.mean - ref.moments.mean, scale(ref))


def numeric_metrics(ref: NumericAccumulator, cur: NumericAccumulator) -> dict[str, float]:
    """PSI, JS distance, normalised Wasserstein, KS and mean shift (both sides need values)."""
    edges = bin_edges(ref)
    r, c = bin_masses(ref, edges), bin_masses(cur, edges)
    return {
        "psi": psi(r, c),
        "js": js_distance(r, c),
        "wasserstein": wasserstein(ref, cur),
        "ks": ks(ref, cur),
        "mean_shift": mean_shift(ref, cur),
    }


# ---------------------------------------------------------------------------- categorical


@dataclass(frozen=True)
class Frequencies:
    """Value → count (lower bounds), the total, and the bound on an absent value's count."""

    counts: dict[Any, int]
    total: int
    error: int = 0

    def share(self, value: Any) -> float:
        return self.counts.get(value, 0) / self.total if self.total else 0.0

    def absent(self, value: Any) -> bool:
        """Whether ``value`` is (almost surely) not in the data at all."""
        if value in self.counts:
            return False
        return self.total == 0 or self.error / self.total <= ABSENT_SHARE


def frequencies(acc: ColumnAccumulator) -> Frequencies | None:
    """The value counts of a categorical accumulator; None when it has none."""
    if isinstance(acc, BooleanAccumulator):
        counts = {True: acc.trues, False: acc.count - acc.trues}
        return Frequencies({v: c for v, c in counts.items() if c}, acc.count)
    codes = isinstance(acc, NumericAccumulator) and is_codes(acc)
    if not (isinstance(acc, StringAccumulator) or codes):
        return None
    summary: FrequentItems | None = getattr(acc, "frequent", None)
    if summary is None:
        return None
    counts = {}
    for value, count in summary.items.values():
        counts[value] = counts.get(value, 0) + int(count)
    return Frequencies(counts, summary.total, summary.error)


def is_codes(acc: NumericAccumulator) -> bool:
    """Integer columns with an exact summary of few values are also compared as categories."""
    f = acc.frequent
    return f is not None and f.exact and 0 < len(f.items) <= MAX_CODES


def categorical_metrics(
    ref: Frequencies, cur: Frequencies
) -> tuple[dict[str, float], list[Any], list[Any]]:
    """JS distance and L∞ of shares, the largest new and vanished shares, and the new and
    vanished values (share ≥ 0.5 %).

    Values below 0.5 % on both sides, and values in neither summary, share one 'other' bucket:
    a long tail of rare values (ids, free text) then cannot add up sampling noise into a
    Jensen–Shannon distance that looks like drift, while a rare value that becomes common
    still counts on its own.
    """
    values = [v for v in ref.counts if max(ref.share(v), cur.share(v)) >= REPORT_SHARE]
    values += [v for v in cur.counts if v not in ref.counts and cur.share(v) >= REPORT_SHARE]
    p = np.array([ref.share(v) for v in values] + [0.0])
    q = np.array([cur.share(v) for v in values] + [0.0])
    p[-1], q[-1] = max(1.0 - p.sum(), 0.0), max(1.0 - q.sum(), 0.0)
    new = [v for v in cur.counts if cur.share(v) >= REPORT_SHARE and ref.absent(v)]
    gone = [v for v in ref.counts if ref.share(v) >= REPORT_SHARE and cur.absent(v)]
    new.sort(key=lambda v: -cur.share(v))
    gone.sort(key=lambda v: -ref.share(v))
    metrics = {
        "category_js": js_distance(p, q),
        "category_linf": float(np.max(np.abs(p - q))),
        "new_share": max((cur.share(v) for v in new), default=0.0),
        "vanished_share": max((ref.share(v) for v in gone), default=0.0),
    }
    return metrics, new, gone


# ---------------------------------------------------------------------------- all kinds


def missing_rate(acc: ColumnAccumulator) -> float | None:
    """(nulls + NaN) / rows; None for a column without rows."""
    nan = acc.nan if isinstance(acc, NumericAccumulator) else 0
    rows = acc.count + acc.nulls
    return (acc.nulls + nan) / rows if rows else None


def _values(acc: ColumnAccumulator) -> int:
    """Values that reach the sketches (finite numbers; non-null others)."""
    if isinstance(acc, NumericAccumulator):
        return acc.quantiles.n
    return acc.count


_CHECKS: tuple[tuple[str, Callable[[DriftThresholds], float]], ...] = (
    ("psi", lambda t: t.psi),
    ("js", lambda t: t.js),
    ("wasserstein", lambda t: t.wasserstein),
    ("mean_shift", lambda t: t.mean_shift),
    ("category_js", lambda t: t.category_js),
    ("category_linf", lambda t: t.category_linf),
    ("new_share", lambda t: t.category_share),
    ("vanished_share", lambda t: t.category_share),
    ("missing_change", lambda t: t.missing),
)


def column_drift(
    ref: ColumnAccumulator,
    cur: ColumnAccumulator,
    thresholds: DriftThresholds | None = None,
) -> ColumnDrift:
    """Compare two accumulators of one column and decide whether it drifted."""
    t = thresholds or DriftThresholds()
    numeric = isinstance(ref, NumericAccumulator) and isinstance(cur, NumericAccumulator)
    ref_freq, cur_freq = frequencies(ref), frequencies(cur)
    kind = ref.kind if numeric else "categorical" if ref_freq and cur_freq else ref.kind
    out = ColumnDrift(kind)
    m = out.metrics
    m["rows_reference"], m["rows_current"] = ref.count + ref.nulls, cur.count + cur.nulls
    before, after = missing_rate(ref), missing_rate(cur)
    if before is not None and after is not None:
        m["missing_reference"], m["missing_current"] = before, after
        m["missing_change"] = after - before
    if ref.type != cur.type:
        m["type_changed"] = 1.0
        out.reasons.append(f"type changed: {ref.type} → {cur.type}")
    has_values = _values(ref) > 0 and _values(cur) > 0
    if numeric and has_values:
        assert isinstance(ref, NumericAccumulator) and isinstance(cur, NumericAccumulator)
        m.update(numeric_metrics(ref, cur))
    if ref_freq is not None and cur_freq is not None and ref_freq.total and cur_freq.total:
        cat, out.new, out.vanished = categorical_metrics(ref_freq, cur_freq)
        m.update(cat)
    for name, limit in _CHECKS:
        if name not in m:
            continue
        ratio = _ratio(abs(m[name]), limit(t))
        out.effect = max(out.effect, ratio)
        if ratio >= 1.0:
            out.reasons.append(f"{name} {m[name]:+.3g} (threshold {limit(t):g})")
    out.drifted = bool(out.reasons)
    if "type_changed" in m:
        out.effect = max(out.effect, 1.0)
    return out
