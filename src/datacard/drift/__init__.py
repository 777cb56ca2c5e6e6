"""Drift between a reference profile (the card's sidecar) and new data, from sketches alone.

>>> import pyarrow as pa
>>> from datacard.profiling import profile
>>> p = profile(pa.table({"x": [1.0, 2.0, 3.0, 4.0]}))
>>> compare_profiles(p, p).verdict
'stable'
"""

from __future__ import annotations

from datacard.drift.compare import DriftReport, SchemaChange, compare_profiles
from datacard.drift.metrics import ColumnDrift, DriftThresholds, column_drift

__all__ = [
    "ColumnDrift",
    "DriftReport",
    "DriftThresholds",
    "SchemaChange",
    "column_drift",
    "compare_profiles",
]
