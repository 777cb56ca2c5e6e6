"""Extreme numeric outliers: a few values far beyond the quartiles, with an empty gap between.

Per numeric column, a mergeable :class:`Tail` keeps a KLL quantile sketch and the
:data:`TAIL` largest and smallest values with their rows (bounded memory). With the quartiles
Q1, Q3 and IQR = Q3 − Q1 of all values:

- a value beyond Q3 + :data:`FAR` × IQR (or below Q1 − FAR × IQR) is *extreme*;
- a value between the :data:`NEAR` and FAR fences is *in the tail*.

A side is flagged when it has extreme values, at most :data:`MAX_SHARE` of the values of them
(but up to :data:`MIN_LIMIT` in any case), and at most :data:`MAX_SHARE` of the values in the
tail (none below 1,000 values). A heavy-tailed column (log-normal, exponential, Pareto, Cauchy)
fills the tail between the fences, so it is not flagged; isolated errors or planted values
are. Columns with fewer than :data:`MIN_VALUES` finite values or no spread (IQR 0) are skipped.
Counts are exact up to :data:`TAIL` values per side; more than that beyond the near fence is a
heavy tail.

>>> rng = np.random.default_rng(0)
>>> x = rng.normal(size=10_000); x[[5, 77]] = [1e6, -1e5]
>>> tail = Tail.of(x, np.arange(len(x)))
>>> found = extreme(tail)
>>> found is not None and sorted(found.rows.tolist())
[5, 77]
>>> extreme(Tail.of(rng.lognormal(size=10_000), np.arange(10_000))) is None
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from datacard.sketches import Quantiles

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

#: Values kept per side of every column (exact counts up to this many).
TAIL = 1000
#: Extreme: more than FAR interquartile ranges beyond the quartiles.
FAR = 10.0
#: Tukey's "far out" fence: values between NEAR and FAR IQRs make a (heavy) tail.
NEAR = 3.0
#: At most this share of the values may be extreme, and as many may be in the tail.
MAX_SHARE = 0.001
MIN_LIMIT = 10
MIN_VALUES = 500


@dataclass
class Tail:
    """A column's quantile sketch, value count, and its most extreme values with their rows."""

    n: int
    quantiles: Quantiles
    high: F64
    high_rows: I64
    low: F64
    low_rows: I64

    @classmethod
    def empty(cls) -> Tail:
        none, rows = np.zeros(0), np.zeros(0, np.int64)
        return cls(0, Quantiles(), none, rows, none, rows)

    @classmethod
    def of(cls, values: F64, rows: I64) -> Tail:
        """The tail of finite ``values`` found at ``rows`` (non-finite values are ignored)."""
        tail = cls.empty()
        tail.update(values, rows)
        return tail

    def update(self, values: F64, rows: I64) -> None:
        finite = np.isfinite(values)
        x, r = values[finite].astype(np.float64), rows[finite]
        if not len(x):
            return
        self.n += len(x)
        self.quantiles.update_sorted(np.sort(x))
        self.high, self.high_rows = _keep(
            np.concatenate([self.high, x]), np.concatenate([self.high_rows, r]), True
        )
        self.low, self.low_rows = _keep(
            np.concatenate([self.low, x]), np.concatenate([self.low_rows, r]), False
        )

    def merge(self, other: Tail) -> None:
        """Add ``other`` (rows must already be numbered alike)."""
        self.n += other.n
        self.quantiles.merge(other.quantiles)
        self.high, self.high_rows = _keep(
            np.concatenate([self.high, other.high]),
            np.concatenate([self.high_rows, other.high_rows]),
            True,
        )
        self.low, self.low_rows = _keep(
            np.concatenate([self.low, other.low]),
            np.concatenate([self.low_rows, other.low_rows]),
            False,
        )

    def shifted(self, offset: int) -> Tail:
        """The same tail with ``offset`` added to every row."""
        return Tail(
            self.n,
            self.quantiles,
            self.high,
            self.high_rows + offset,
            self.low,
            self.low_rows + offset,
        )


def _keep(values: F64, rows: I64, largest: bool) -> tuple[F64, I64]:
    """The :data:`TAIL` largest (or smallest) values and their rows, most extreme first
    (ties: the earlier row first)."""
    key = -values if largest else values
    if len(key) > TAIL:  # preselect: every value up to the TAIL-th smallest key, ties included
        cut = np.partition(key, TAIL - 1)[TAIL - 1]
        near = np.flatnonzero(key <= cut)
        values, rows, key = values[near], rows[near], key[near]
    order = np.lexsort((rows, key))[:TAIL]
    return values[order], rows[order]


@dataclass(frozen=True)
class Extreme:
    """The extreme values of a column (most extreme first), their rows, and the fences."""

    values: F64
    rows: I64
    q1: float
    q3: float
    low_fence: float
    high_fence: float
    n: int


def extreme(tail: Tail) -> Extreme | None:
    """The column's extreme values when they are few and isolated (see the module docstring)."""
    if tail.n < MIN_VALUES:
        return None
    q1, q3 = tail.quantiles.quantiles([0.25, 0.75])
    iqr = q3 - q1
    if not iqr > 0:
        return None
    limit = min(TAIL - 1, max(MIN_LIMIT, int(MAX_SHARE * tail.n)))
    tail_limit = min(TAIL - 1, int(MAX_SHARE * tail.n))
    lo_far, hi_far = q1 - FAR * iqr, q3 + FAR * iqr
    values: list[F64] = []
    rows: list[I64] = []
    for kept, kept_rows, far, near, up in (
        (tail.high, tail.high_rows, hi_far, q3 + NEAR * iqr, True),
        (tail.low, tail.low_rows, lo_far, q1 - NEAR * iqr, False),
    ):
        beyond_far = kept > far if up else kept < far
        beyond_near = kept > near if up else kept < near
        extreme_count = int(beyond_far.sum())
        tail_count = int(beyond_near.sum()) - extreme_count
        if len(kept) == TAIL and beyond_near[-1]:
            continue  # TAIL or more values beyond the near fence: a heavy tail
        if 0 < extreme_count <= limit and tail_count <= tail_limit:
            values.append(kept[beyond_far])
            rows.append(kept_rows[beyond_far])
    if not values:
        return None
    x, r = np.concatenate(values), np.concatenate(rows)
    distance = np.maximum(x - hi_far, lo_far - x)
    order = np.lexsort((r, -distance))
    return Extreme(x[order], r[order], q1, q3, lo_far, hi_far, tail.n)
