"""Personal data and secrets in a dataset's text columns (the audit's PII part).

- :func:`pii_findings` scans a dataset and yields one finding per split, column and kind
  (``pii.email``, ``pii.phone``, ``pii.payment-card``, ``pii.iban``, ``pii.ssn``,
  ``pii.ip-address``, ``pii.url-credentials``, ``pii.secret``, ``pii.date-of-birth``,
  ``pii.column-name``), with counts, masked examples and row locations, never raw values;
- :func:`detect` is the pure per-text detector it runs (also used by the benchmark);
- :func:`presidio_findings` runs the same scan with Microsoft Presidio's recognizers
  (the ``presidio`` extra).

See docs/pii.md for every rule.
"""

from __future__ import annotations

from datacard.audit.pii.check import pii_findings
from datacard.audit.pii.engine import DEFAULT_REGIONS, KINDS, Match, detect
from datacard.audit.pii.presidio import presidio_findings

__all__ = ["DEFAULT_REGIONS", "KINDS", "Match", "detect", "pii_findings", "presidio_findings"]
