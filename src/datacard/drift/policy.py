"""The card's ``policy.drift`` as the thresholds :func:`compare_profiles` takes.

>>> from datacard.card import DriftOverrides, DriftPolicy
>>> policy = DriftPolicy(
...     thresholds=DriftOverrides(psi=0.2), columns={"age": DriftOverrides(mean_shift=0.5)}
... )
>>> base, columns = thresholds_of(policy)
>>> base.psi, columns["age"].mean_shift, columns["age"].psi
(0.2, 0.5, 0.2)
"""

from __future__ import annotations

from dataclasses import replace

from datacard.card import DriftOverrides, DriftPolicy
from datacard.drift.metrics import DriftThresholds


def _apply(base: DriftThresholds, overrides: DriftOverrides) -> DriftThresholds:
    return replace(base, **overrides.model_dump(exclude_none=True))


def thresholds_of(policy: DriftPolicy) -> tuple[DriftThresholds, dict[str, DriftThresholds]]:
    """Card-wide thresholds (defaults with the policy's overrides and ``retrain_columns``) and
    per-column thresholds (the card-wide ones with that column's overrides)."""
    base = _apply(DriftThresholds(retrain_columns=policy.retrain_columns), policy.thresholds)
    return base, {name: _apply(base, o) for name, o in policy.columns.items()}
