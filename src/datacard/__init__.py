"""datacard: keep the documentation of machine-learning datasets true.

>>> import pyarrow as pa, datacard
>>> datacard.profile(pa.table({"x": [1, 2]})).splits["train"].rows
2
"""

from __future__ import annotations

__version__ = "0.1.0"

from datacard.errors import CardError, DatacardError, SourceError, UsageError
from datacard.findings import Finding, Severity
from datacard.profile import Profile, profile

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
