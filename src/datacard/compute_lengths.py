"""A length distribution rebuilt from a card's stored quantiles, for the compute estimates.

A card keeps, per text column, the minimum, the maximum and the quantiles ``"0.01"`` … ``"0.99"``
of its lengths. :class:`LengthCurve` joins them into a quantile function ``Q(u)`` that is linear
between the stored ranks (``Q(0) = min``, ``Q(1) = max``), and answers what batching needs from
it: the share above a length, the mean, the expected longest of ``B`` random draws, the padding
of length-grouped batches. ``docs/compute.md`` derives every formula.

>>> curve = LengthCurve((0.0, 0.5, 1.0), (0.0, 10.0, 20.0))
>>> curve.share_above(15.0), curve.mean(), round(curve.expected_max(2), 4)
(0.25, 10.0, 13.3333)
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import Final

from datacard.measured import LengthStats

#: The ranks a card stores (``columns.QUANTILE_RANKS``), as their keys.
STORED_RANKS: Final = ("0.01", "0.05", "0.25", "0.5", "0.75", "0.95", "0.99")

#: Length-grouped batching sorts groups of this many batches (``group_by_length`` in
#: Hugging Face ``transformers`` uses 50).
GROUP_BATCHES: Final = 50


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


@dataclass(frozen=True)
class LengthCurve:
    """A quantile function, linear between knots ``(ranks[i], values[i])``.

    ``ranks`` rise from 0 to 1; ``values`` never fall.
    """

    ranks: tuple[float, ...]
    values: tuple[float, ...]

    @classmethod
    def of(cls, stats: LengthStats | None) -> LengthCurve | None:
        """The curve of stored length statistics; None without min, max and quantiles.

        >>> LengthCurve.of(LengthStats(min=1, max=9, quantiles={"0.5": 4})).values
        (1.0, 4.0, 9.0)
        """
        if stats is None or stats.quantiles is None:
            return None
        low, high = _number(stats.min), _number(stats.max)
        if low is None or high is None:
            return None
        ranks, values = [0.0], [low]
        for key in STORED_RANKS:
            value = _number(stats.quantiles.get(key))
            if value is not None:
                ranks.append(float(key))
                values.append(min(max(value, values[-1]), high))
        ranks.append(1.0)
        values.append(high)
        return cls(tuple(ranks), tuple(values))

    def cdf(self, x: float) -> float:
        """Share of lengths at or below ``x`` (interpolated between knots)."""
        if x < self.values[0]:
            return 0.0
        if x >= self.values[-1]:
            return 1.0
        i = bisect.bisect_right(self.values, x) - 1  # last knot at or below x
        q0, q1 = self.values[i], self.values[i + 1]
        p0, p1 = self.ranks[i], self.ranks[i + 1]
        return p0 + (p1 - p0) * (x - q0) / (q1 - q0)

    def share_above(self, x: float) -> float:
        """Estimated share of lengths longer than ``x``: ``1 − F(x)``."""
        return 1.0 - self.cdf(x)

    def share_above_bounds(self, x: float) -> tuple[float, float]:
        """Bounds on the true share longer than ``x`` when the knots are exact lower quantiles.

        A knot ``q ≤ x`` proves ``F(x) ≥ rank``; a knot ``q > x`` proves ``F(x) < rank``.

        >>> LengthCurve((0.0, 0.5, 1.0), (0.0, 10.0, 20.0)).share_above_bounds(15.0)
        (0.0, 0.5)
        """
        if x < self.values[0]:
            return 1.0, 1.0
        if x >= self.values[-1]:
            return 0.0, 0.0
        i = bisect.bisect_right(self.values, x) - 1
        return 1.0 - self.ranks[i + 1], 1.0 - self.ranks[i]

    def capped(self, limit: float) -> LengthCurve:
        """The curve of ``min(length, limit)``: truncation at a context length."""
        if limit >= self.values[-1]:
            return self
        if limit <= self.values[0]:
            return LengthCurve((0.0, 1.0), (limit, limit))
        i = bisect.bisect_right(self.values, limit) - 1
        ranks = (*self.ranks[: i + 1], self.cdf(limit), 1.0)
        return LengthCurve(ranks, (*self.values[: i + 1], limit, limit))

    def _segments(self) -> list[tuple[float, float, float, float]]:
        pairs = zip(self.ranks, self.values, self.ranks[1:], self.values[1:])
        return [(a, qa, b, qb) for a, qa, b, qb in pairs if b > a]

    def mean(self) -> float:
        """``∫₀¹ Q(u) du``: the mean length of the curve."""
        return sum((b - a) * (qa + qb) / 2 for a, qa, b, qb in self._segments())

    def expected_max(self, draws: int) -> float:
        """Expected longest of ``draws`` independent lengths: ``∫₀¹ Q(u) · B·u^(B−1) du``.

        Exact for the piecewise-linear ``Q`` (``B = 1`` gives the mean).
        """
        total = 0.0
        n = draws
        for a, qa, b, qb in self._segments():
            slope = (qb - qa) / (b - a)
            rise = b**n - a**n
            total += qa * rise + slope * (n / (n + 1) * (b ** (n + 1) - a ** (n + 1)) - a * rise)
        return total

    def quantile(self, u: float) -> float:
        """``Q(u)``, linear between knots."""
        j = min(max(bisect.bisect_left(self.ranks, u), 1), len(self.ranks) - 1)
        a, b = self.ranks[j - 1], self.ranks[j]
        qa, qb = self.values[j - 1], self.values[j]
        return qa if b == a else qa + (qb - qa) * (u - a) / (b - a)

    def grouped_padding(self, batch: int, rows: int) -> float:
        """Share of padding when groups of batches are sorted by length before batching.

        A group holds ``K = G·B`` random lengths (``G`` = :data:`GROUP_BATCHES`, fewer when
        the split is small); its ``k``-th shortest is taken as ``Q(k/(K+1))``. Each batch of
        ``B`` neighbours is padded to its longest.

        >>> LengthCurve((0.0, 1.0), (10.0, 10.0)).grouped_padding(8, 1000)
        0.0
        """
        groups = min(GROUP_BATCHES, max(1, rows // batch))
        size = groups * batch
        lengths = [self.quantile(k / (size + 1)) for k in range(1, size + 1)]
        real = sum(lengths)
        padded = sum(batch * lengths[end - 1] for end in range(batch, size + 1, batch))
        return 0.0 if padded <= 0 else max(0.0, 1.0 - real / padded)

    def random_padding(self, batch: int) -> float:
        """Share of padding when each batch of ``B`` random lengths is padded to its longest:
        ``1 − E[L] / E[max of B]``.

        >>> round(LengthCurve((0.0, 1.0), (0.0, 10.0)).random_padding(2), 4)
        0.25
        """
        longest = self.expected_max(batch)
        return 0.0 if longest <= 0 else max(0.0, 1.0 - self.mean() / longest)


def packing_padding(tokens: int, context: int) -> tuple[int, int]:
    """(rows, padding tokens) when ``tokens`` are concatenated and cut into rows of ``context``.

    >>> packing_padding(10_000, 4096)
    (3, 2288)
    """
    rows = max(1, math.ceil(tokens / context))
    return rows, rows * context - tokens
