"""datacard: keep the documentation of machine-learning datasets true.

The profiling engine (pyarrow, numpy, datasketches) is imported on first use, so commands that
only read a card start fast.

>>> import pyarrow as pa, datacard
>>> datacard.profile(pa.table({"x": [1, 2]})).splits["train"].rows
2
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from datacard.errors import CardError, DatacardError, SourceError, UsageError
from datacard.findings import Finding, Severity

__version__ = "0.1.0"

if TYPE_CHECKING:
    from datacard.profiling import Profile, profile

__all__ = [
    "CardError",
    "DatacardError",
    "Finding",
    "Profile",
    "Severity",
    "SourceError",
    "UsageError",
    "__version__",
    "profile",
]


def __getattr__(name: str) -> Any:
    if name in {"Profile", "profile"}:
        from datacard import profiling

        return getattr(profiling, name)
    raise AttributeError(f"module 'datacard' has no attribute '{name}'")
