"""Recognise a dataset's license from its LICENSE file, offline, by distinctive phrases.

>>> identify_license("Licensed under the Apache License, Version 2.0 (the 'License')")
'Apache-2.0'
>>> identify_license("All rights reserved.") is None
True
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Final

#: File names looked for, in order of preference (matched case-insensitively).
LICENSE_FILES: Final = (
    "LICENSE",
    "LICENSE.md",
    "LICENSE.txt",
    "LICENCE",
    "LICENCE.md",
    "LICENCE.txt",
    "COPYING",
    "COPYING.md",
    "COPYING.txt",
)

_MAX_BYTES: Final = 256 * 1024

_SPDX_LINE = re.compile(r"SPDX-License-Identifier:[ \t]*([^\r\n]+)", re.IGNORECASE)
_CC_VERSION = r"\s*(?:v(?:ersion)?\s*)?(1\.0|2\.0|2\.5|3\.0|4\.0)"
_CC_SEP = r"\s*[- ]\s*"

# (SPDX id, or a template with {v} for the matched version; pattern on normalised text).
# The earliest match in the text wins (a license names itself first, others later); on a tie
# the rule listed first (the more specific one) wins.
_PATTERNS: Final[tuple[tuple[str, str], ...]] = (
    ("CC0-1.0", r"\bcc0\b|creative commons zero|cc0 1\.0 universal"),
    (
        "CC-BY-NC-ND-{v}",
        rf"attribution{_CC_SEP}non-?commercial{_CC_SEP}no-?deriv(?:ative)?s{_CC_VERSION}",
    ),
    (
        "CC-BY-NC-SA-{v}",
        rf"attribution{_CC_SEP}non-?commercial{_CC_SEP}share-?alike{_CC_VERSION}",
    ),
    ("CC-BY-NC-{v}", rf"attribution{_CC_SEP}non-?commercial{_CC_VERSION}"),
    ("CC-BY-ND-{v}", rf"attribution{_CC_SEP}no-?deriv(?:ative)?s{_CC_VERSION}"),
    ("CC-BY-SA-{v}", rf"attribution{_CC_SEP}share-?alike{_CC_VERSION}"),
    ("CC-BY-{v}", rf"creative commons attribution{_CC_VERSION}"),
    ("CC-BY-NC-SA-{v}", rf"\bcc[- ]by[- ]nc[- ]sa{_CC_VERSION}"),
    ("CC-BY-NC-{v}", rf"\bcc[- ]by[- ]nc{_CC_VERSION}"),
    ("CC-BY-SA-{v}", rf"\bcc[- ]by[- ]sa{_CC_VERSION}"),
    ("CC-BY-{v}", rf"\bcc[- ]by{_CC_VERSION}"),
    ("ODbL-1.0", r"open database licen[cs]e|\bodbl\b"),
    ("ODC-By-1.0", r"open data commons attribution licen[cs]e|\bodc-by\b"),
    ("PDDL-1.0", r"public domain dedication (?:and|&) licen[cs]e|\bpddl\b"),
    (
        "CDLA-Permissive-{v}",
        r"community data licen[cs]e agreement\W+permissive\W+(?:version\s+)?(1\.0|2\.0)",
    ),
    ("CDLA-Sharing-1.0", r"community data licen[cs]e agreement\W+sharing"),
    ("AGPL-3.0-only", r"gnu affero general public licen[cs]e\s+version 3"),
    ("LGPL-3.0-only", r"gnu lesser general public licen[cs]e\s+version 3"),
    ("GPL-3.0-only", r"gnu general public licen[cs]e\s+version 3"),
    ("GPL-2.0-only", r"gnu general public licen[cs]e\s+version 2, june 1991"),
    ("Apache-2.0", r"apache licen[cs]e,?\s+version 2\.0"),
    ("Unlicense", r"this is free and unencumbered software released into the public domain"),
    (
        "MIT",
        r"permission is hereby granted, free of charge, to any person obtaining a copy"
        r".*the above copyright notice and this permission notice shall be included",
    ),
    (
        "ISC",
        r"permission to use, copy, modify, and(?:/or)? distribute this software for any "
        r"purpose with or without fee is hereby granted",
    ),
    (
        "BSD-4-Clause",
        r"redistribution and use in source and binary forms.*advertising materials",
    ),
    (
        "BSD-3-Clause",
        r"redistribution and use in source and binary forms.*neither the name of",
    ),
    (
        "BSD-2-Clause",
        r"redistribution and use in source and binary forms, with or without modification, "
        r"are permitted",
    ),
)


@functools.cache
def _rules() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The compiled rules (compiled on first use: importing this module stays cheap)."""
    return tuple((spdx, re.compile(pattern)) for spdx, pattern in _PATTERNS)


def _normalise(text: str) -> str:
    text = text.lower().translate(str.maketrans("‘’“”‐‑–—", "''\"\"----"))
    text = re.sub(r"[#*_>`|]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def identify_license(text: str) -> str | None:
    """The SPDX id of the license ``text`` is (or declares), or None when unsure.

    An explicit ``SPDX-License-Identifier:`` line wins; otherwise distinctive phrases decide.

    >>> identify_license("# SPDX-License-Identifier: CC-BY-4.0 OR MIT")
    'CC-BY-4.0 OR MIT'
    """
    declared = _SPDX_LINE.search(text)
    if declared:
        expression = re.sub(r"\s*(\*/|-->)\s*$", "", declared.group(1)).strip()
        if expression:
            return expression
    normal = _normalise(text)
    best: tuple[int, int, str] | None = None
    for order, (spdx, pattern) in enumerate(_rules()):
        match = pattern.search(normal)
        if match and (best is None or (match.start(), order) < best[:2]):
            found = spdx.format(v=match.group(1)) if "{v}" in spdx else spdx
            best = (match.start(), order, found)
    return None if best is None else best[2]


def license_file(folder: str | Path) -> Path | None:
    """The license file in ``folder`` (see :data:`LICENSE_FILES`), or None."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    present = {p.name.lower(): p for p in folder.iterdir() if p.is_file()}
    for name in LICENSE_FILES:
        found = present.get(name.lower())
        if found is not None:
            return found
    return None


def detect_license(folder: str | Path) -> str | None:
    """The SPDX id of the license file in ``folder`` (or of the file ``folder`` names).

    Reads LICENSE, LICENSE.md, LICENSE.txt or COPYING (no network); None when there is none or
    its text is not recognised.
    """
    path = Path(folder)
    found = path if path.is_file() else license_file(path)
    if found is None:
        return None
    with found.open("rb") as handle:
        raw = handle.read(_MAX_BYTES)
    return identify_license(raw.decode("utf-8", errors="replace"))
