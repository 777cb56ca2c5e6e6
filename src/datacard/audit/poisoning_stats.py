"""How surprising a count is, and whether a group's content disagrees with its label.

**Surprise.** ``k`` of ``n`` rows carry a label whose base rate is ``p``: the Chernoff bound
``P[X ≥ k] ≤ exp(−n · KL(k/n ‖ p))`` bounds the chance of that many by luck, so
``n · KL(k/n ‖ p)`` (in nats) is a conservative surprise. Testing ``m`` tokens at once, a
surprise of at least ``ln(m / ALPHA)`` keeps the chance of any false hit below :data:`ALPHA`
(Bonferroni).

**Content.** A group of rows (those with a rare token, or a cluster) whose label is *explained*
by the rest of their content is ordinary ("excellent" in positive reviews). A group whose other
words point elsewhere is what a planted trigger or a relabelled cluster looks like. We compare
the share of the group's rows whose content predicts their label (with the group left out of
the counts) with the same share in ordinary rows of that label (:func:`disagrees`).

>>> round(float(surprise(50, 50, 0.5)), 2)  # 50 of 50 rows with a label of base rate 0.5
34.66
>>> disagrees(agree=8, rows=50, reference=0.85, tests=3)
True
>>> disagrees(agree=42, rows=50, reference=0.85, tests=3)
False
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]

#: The chance of any false hit by luck, over all tokens (or clusters, or content tests).
ALPHA = 0.01
#: A group's content must agree with its label this much less often than ordinary rows do.
AGREEMENT_GAP = 0.25


def kl(q: F64 | float, p: F64 | float) -> F64:
    """Bernoulli Kullback–Leibler divergence KL(q ‖ p) in nats (``0 · ln 0 = 0``)."""
    q = np.clip(np.asarray(q, np.float64), 0.0, 1.0)
    p = np.clip(np.asarray(p, np.float64), 1e-12, 1 - 1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(q > 0, q * np.log(q / p), 0.0)
        b = np.where(q < 1, (1 - q) * np.log((1 - q) / (1 - p)), 0.0)
    return np.asarray(a + b, np.float64)


def surprise(hits: F64 | int, rows: F64 | int, base: F64 | float) -> F64:
    """``rows · KL(hits/rows ‖ base)``, 0 where the share is not above ``base``."""
    n = np.asarray(rows, np.float64)
    q = np.asarray(hits, np.float64) / np.maximum(n, 1.0)
    return np.where(q > base, n * kl(q, base), 0.0)


def bonferroni(tests: int) -> float:
    """The surprise (nats) a hit needs when ``tests`` hypotheses are tested."""
    return math.log(max(tests, 1) / ALPHA)


def disagrees(agree: int, rows: int, reference: float, tests: int) -> bool:
    """Whether ``agree`` of ``rows`` agreeing rows is clearly below ``reference`` (a share):
    lower by :data:`AGREEMENT_GAP` at least, and unlikely by chance over ``tests`` tests."""
    if rows == 0:
        return False
    share = agree / rows
    if share > reference - AGREEMENT_GAP:
        return False
    return bool(rows * kl(share, reference) >= bonferroni(tests))
