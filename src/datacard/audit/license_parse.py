"""Licence text → an SPDX expression, its choices, and the closest valid id when it is not one.

Parsing and validation use ``license-expression`` with its bundled SPDX licence list
(``get_spdx_licensing()``): ids are matched case-insensitively and deprecated ids normalised
(``GPL-2.0+`` → ``GPL-2.0-or-later``). An expression is kept as its *choices* (disjunctive
normal form): ``OR`` offers a choice of branches, ``AND`` puts every licence of a branch in
force, ``WITH`` stays attached to its licence.

>>> p = parse_license("mit or (cc-by-4.0 AND ODbL-1.0)")
>>> p.expression
'MIT OR (CC-BY-4.0 AND ODbL-1.0)'
>>> [sorted(b) for b in p.branches]
[['MIT'], ['CC-BY-4.0', 'ODbL-1.0']]
>>> parse_license("CC BY 4.0").suggestion
'CC-BY-4.0'
"""

from __future__ import annotations

import difflib
import itertools
import re
from dataclasses import dataclass
from typing import Any, Final

from datacard.audit.license_spdx import ExpressionError, ids, licensing
from datacard.license import identify_license

#: At most this many choices are kept for one expression (a guard against ``(A OR B) AND ...``
#: blowing up); real licence expressions have a handful.
MAX_BRANCHES: Final = 64

_REF = re.compile(r"^(DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$")
_FILLER = re.compile(r"\b(the|licen[cs]e[ds]?|version|ver\.?)\b|\bv(?=\d)", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedLicense:
    """One licence as written, read as an SPDX expression.

    ``branches`` are the choices (any one may be taken; every id in a branch applies). When the
    text is not valid SPDX but datacard is confident what it means (a known licence name, or an
    id with spaces for dashes), ``branches`` come from ``suggestion`` and ``assumed`` is True;
    otherwise they are empty.
    """

    text: str
    expression: str | None
    branches: tuple[frozenset[str], ...]
    unknown: tuple[str, ...] = ()
    refs: tuple[str, ...] = ()
    error: str | None = None
    suggestion: str | None = None
    assumed: bool = False

    @property
    def valid(self) -> bool:
        """A valid SPDX expression (``LicenseRef-*`` ids included)."""
        return self.expression is not None


def _dnf(expr: Any, spdx: Any) -> list[frozenset[str]]:
    if isinstance(expr, spdx.OR):
        out: list[frozenset[str]] = []
        for arg in expr.args:
            out += [b for b in _dnf(arg, spdx) if b not in out]
        return out[:MAX_BRANCHES]
    if isinstance(expr, spdx.AND):
        parts = [_dnf(arg, spdx) for arg in expr.args]
        combos = itertools.islice(itertools.product(*parts), MAX_BRANCHES)
        return list(dict.fromkeys(frozenset().union(*combo) for combo in combos))
    return [frozenset({str(expr.render())})]


def _confident(symbol: str) -> str | None:
    """The SPDX id ``symbol`` surely means: a licence name, or an id with spaces for dashes."""
    named = identify_license(symbol)
    if named is not None and named.lower() in ids():
        return ids()[named.lower()]
    words = _FILLER.sub(" ", symbol).strip()
    for candidate in (symbol, words):
        key = re.sub(r"[\s_]+", "-", candidate.strip()).strip("-").lower()
        for variant in (key, f"{key}.0"):
            if variant in ids():
                return ids()[variant]
    return None


def closest(symbol: str) -> str | None:
    """The SPDX id closest to ``symbol`` (confident match first, then by spelling).

    >>> closest("Apache License 2.0"), closest("GPL-3")
    ('Apache-2.0', 'GPL-3.0-only')
    """
    sure = _confident(symbol)
    if sure is not None:
        return sure
    key = re.sub(r"[\s_]+", "-", _FILLER.sub(" ", symbol).strip()).lower()
    near = difflib.get_close_matches(key, list(ids()), n=1, cutoff=0.75)
    return ids()[near[0]] if near else None


def _invalid(text: str, error: str) -> ParsedLicense:
    sure = _confident(text)
    if sure is not None:
        return ParsedLicense(text, None, (frozenset({sure}),), (text,), (), error, sure, True)
    return ParsedLicense(text, None, (), (text,), (), error, closest(text))


def parse_license(text: str) -> ParsedLicense:
    """Read ``text`` (an SPDX expression, or free text) as a licence; never raises."""
    spdx = licensing()
    text = text.strip()
    try:
        expr = spdx.parse(text)
    except ExpressionError as exc:
        return _invalid(text, str(exc))
    if expr is None:
        return _invalid(text, "empty licence")
    keys = [str(k) for k in spdx.unknown_license_keys(expr)]
    refs = tuple(k for k in keys if _REF.match(k))
    unknown = tuple(k for k in keys if not _REF.match(k))
    if not unknown:
        return ParsedLicense(text, str(expr.render()), tuple(_dnf(expr, spdx)), (), refs)
    error = f"not in the SPDX licence list: {', '.join(unknown)}"
    sure = {k: _confident(k) for k in unknown}
    best = {k: v or closest(k) for k, v in sure.items()}
    if not all(best.values()):
        return ParsedLicense(text, None, (), unknown, refs, error)
    suggestion = str(expr.render())
    for key, value in best.items():
        suggestion = suggestion.replace(key, str(value))
    if not all(sure.values()):
        return ParsedLicense(text, None, (), unknown, refs, error, suggestion)
    fixed = spdx.parse(suggestion)
    branches = tuple(_dnf(fixed, spdx))
    return ParsedLicense(text, None, branches, unknown, refs, error, suggestion, True)
