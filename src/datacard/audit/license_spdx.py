"""The SPDX licence list bundled with ``license-expression``, loaded once and on first use.

``license-expression`` ships the SPDX list inside ScanCode's licence index (each entry: the
SPDX id, its deprecated aliases and a coarse category such as Permissive or Copyleft), so no
network and no hand-written list of ids are needed.

>>> ids()["cc-by-4.0"]
'CC-BY-4.0'
>>> categories()["ODbL-1.0"]
'Copyleft'
"""

from __future__ import annotations

import functools
from typing import Any

import license_expression

#: Raised by ``licensing().parse`` for text that is not a licence expression.
ExpressionError: type[Exception] = license_expression.ExpressionError


@functools.cache
def licensing() -> Any:
    """The ``license_expression.Licensing`` of every SPDX id (and ScanCode LicenseRefs)."""
    return license_expression.get_spdx_licensing()


@functools.cache
def _index() -> tuple[dict[str, Any], ...]:
    return tuple(license_expression.get_license_index())


@functools.cache
def categories() -> dict[str, str]:
    """SPDX id -> ScanCode category (Permissive, Copyleft, Copyleft Limited, Public Domain, ...)."""
    found: dict[str, str] = {}
    for entry in _index():
        key, category = entry.get("spdx_license_key"), entry.get("category")
        if key and category:
            found[str(key)] = str(category)
    return found


@functools.cache
def ids() -> dict[str, str]:
    """Lower-case SPDX id or deprecated alias -> the canonical SPDX id (``LicenseRef-*`` and
    ScanCode-only licences left out)."""
    found: dict[str, str] = {}
    for entry in _index():
        key = entry.get("spdx_license_key")
        if not key or key.startswith("LicenseRef-"):
            continue
        found[key.lower()] = key
        for alias in entry.get("other_spdx_license_keys") or ():
            if not alias.startswith("LicenseRef-"):
                found.setdefault(alias.lower(), key)
    return found
