"""What a licence lets you do with data, by SPDX id: the few properties the licence rules need.

The SPDX list names licences but records nothing about their terms. Two sources fill that gap:

1. a small hand-written table of id *families* (:data:`FAMILIES`: ``CC-BY-NC-*``, ``*-SA-*``,
   ``*-ND-*``, GPL/LGPL/AGPL/MPL/EPL/CDDL/EUPL, ODbL, ODC-By, CDLA-Permissive/Sharing,
   (Open)RAIL, public-domain dedications), checked first;
2. otherwise the coarse category of ScanCode's licence index, which ``license-expression``
   bundles with the SPDX list (Permissive, Public Domain, Copyleft, Copyleft Limited).

Every other id (proprietary, source-available, unknown) has ``known=False``: nothing is
concluded about it.

>>> t = terms("CC-BY-NC-SA-4.0")
>>> t.noncommercial, t.sharealike, t.attribution
(True, True, 'credit')
>>> terms("GPL-2.0-or-later").copyleft
'strong'
>>> "CC-BY-SA-4.0" in accepts("CC-BY-SA-3.0")
True
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Final, Literal, TypedDict

from datacard.audit.license_spdx import categories

Copyleft = Literal["none", "weak", "strong", "network"]
Attribution = Literal["none", "credit", "notice"]


class _Props(TypedDict, total=False):
    public_domain: bool
    noncommercial: bool
    noderivatives: bool
    copyleft: Copyleft
    attribution: Attribution
    use_restricted: bool


@dataclass(frozen=True)
class Terms:
    """The properties of one licence (for a ``WITH`` expression: of its licence).

    ``copyleft``: ``weak`` keeps modified files under the licence (LGPL, MPL, EPL);
    ``strong`` puts the whole adapted work under it (GPL, and ShareAlike data licences);
    ``network`` also covers use over a network (AGPL). ``attribution``: ``credit`` asks for
    credit to the source (CC BY, ODC-By, ODbL); ``notice`` asks to keep a copyright and licence
    notice with copies (MIT, BSD, Apache, GPL, CDLA).
    """

    id: str
    known: bool
    basis: str
    public_domain: bool = False
    noncommercial: bool = False
    noderivatives: bool = False
    copyleft: Copyleft = "none"
    attribution: Attribution = "none"
    #: Use-based restrictions that must be passed on to every recipient (RAIL licences).
    use_restricted: bool = False

    @property
    def sharealike(self) -> bool:
        """Adaptations must be shared under this licence (or one it names as compatible)."""
        return self.copyleft in ("strong", "network")

    @property
    def permissive(self) -> bool:
        """Use, adapt and share for any purpose, with at most a credit or notice."""
        return self.known and not (
            self.noncommercial
            or self.noderivatives
            or self.use_restricted
            or self.copyleft != "none"
        )

    def describe(self) -> str:
        """A short phrase: ``'NonCommercial, ShareAlike, credit required'``.

        >>> terms("MIT").describe()
        'permissive, notice required'
        """
        if not self.known:
            return "terms unknown to datacard"
        parts = ["public domain"] if self.public_domain else []
        if self.permissive and not self.public_domain:
            parts.append("permissive")
        parts += [name for flag, name in self._flags() if flag]
        if self.copyleft != "none":
            parts.append("ShareAlike" if self.sharealike else f"{self.copyleft} copyleft")
        if self.attribution != "none":
            parts.append(f"{self.attribution} required")
        return ", ".join(parts)

    def _flags(self) -> tuple[tuple[bool, str], ...]:
        return (
            (self.noncommercial, "NonCommercial"),
            (self.noderivatives, "NoDerivatives"),
            (self.use_restricted, "use restrictions"),
        )


_CC = re.compile(r"^CC-BY((?:-NC|-ND|-SA)*)-(\d\.\d)(?:-([A-Za-z0-9.-]+))?$")

#: (pattern on the SPDX id, properties, basis). First match wins. Written from the licence
#: texts' own names for their conditions; the SPDX list has no such data.
FAMILIES: Final[tuple[tuple[str, _Props, str], ...]] = (
    (
        r"^(CC0-1\.0|PDDL-1\.0|Unlicense|CC-PDDC|CC-PDM-1\.0)$",
        {"public_domain": True},
        "public-domain dedication",
    ),
    (r"^(0BSD|MIT-0|WTFPL|DL-DE-ZERO-2\.0)$", {}, "permissive, no notice required"),
    (r"^ODC-By-", {"attribution": "credit"}, "Open Data Commons Attribution"),
    (r"^ODbL-", {"copyleft": "strong", "attribution": "credit"}, "ODbL: ShareAlike database"),
    (r"^CDLA-Permissive-", {"attribution": "notice"}, "CDLA-Permissive"),
    (r"^CDLA-Sharing-", {"copyleft": "strong", "attribution": "notice"}, "CDLA-Sharing"),
    (r"^AGPL-", {"copyleft": "network", "attribution": "notice"}, "GNU AGPL"),
    (r"^LGPL-", {"copyleft": "weak", "attribution": "notice"}, "GNU LGPL"),
    (r"^GPL-", {"copyleft": "strong", "attribution": "notice"}, "GNU GPL"),
    (r"^EUPL-", {"copyleft": "strong", "attribution": "notice"}, "EUPL"),
    (r"^(MPL|EPL|CDDL)-", {"copyleft": "weak", "attribution": "notice"}, "file-level copyleft"),
    (
        r"(?i)open-?rail|(^|-)rail(-|$)",
        {"use_restricted": True, "attribution": "notice"},
        "Responsible AI Licence (use-based restrictions)",
    ),
)

_CATEGORIES: Final[dict[str, _Props]] = {
    "Public Domain": {"public_domain": True},
    "Permissive": {"attribution": "notice"},
    "Copyleft": {"copyleft": "strong", "attribution": "notice"},
    "Copyleft Limited": {"copyleft": "weak", "attribution": "notice"},
}

#: Source licence -> (dataset licences it cannot be relicensed under, why). For pairs not
#: reached by the ShareAlike rule; from the FSF's list of GPL-incompatible licences.
INCOMPATIBLE: Final[tuple[tuple[str, str, str], ...]] = (
    (
        r"^Apache-2\.0$",
        r"^GPL-2\.0-only$",
        "the Apache licence's patent terms are additional restrictions GPLv2 forbids",
    ),
    (
        r"^BSD-4-Clause",
        r"^(A?GPL|LGPL)-",
        "the advertising clause is an additional restriction the GPL forbids",
    ),
    (
        r"^(EPL-1\.0|EPL-2\.0|CDDL-1\.[01]|MPL-1\.[01])$",
        r"^(A?GPL|EUPL)-",
        "its own file-level copyleft conflicts with the GPL's",
    ),
)


def base(license_id: str) -> str:
    """The licence of ``"X WITH exception"`` (the exception is kept elsewhere).

    >>> base("GPL-2.0-only WITH Classpath-exception-2.0")
    'GPL-2.0-only'
    """
    return license_id.split(" WITH ", 1)[0]


@functools.cache
def terms(license_id: str) -> Terms:
    """The properties of ``license_id`` (an SPDX id, optionally ``WITH`` an exception)."""
    spdx = base(license_id)
    cc = _CC.match(spdx)
    if cc is not None:
        elements = cc.group(1)
        return Terms(
            license_id,
            known=True,
            basis="Creative Commons licence elements in the id",
            noncommercial="-NC" in elements,
            noderivatives="-ND" in elements,
            copyleft="strong" if "-SA" in elements else "none",
            attribution="credit",
        )
    for pattern, props, basis in FAMILIES:
        if re.search(pattern, spdx):
            return Terms(license_id, known=True, basis=f"family: {basis}", **props)
    category = categories().get(spdx)
    if category in _CATEGORIES:
        basis = f"ScanCode category: {category}"
        return Terms(license_id, known=True, basis=basis, **_CATEGORIES[category])
    basis = f"ScanCode category: {category}" if category else "not in datacard's property table"
    return Terms(license_id, known=False, basis=basis)


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


_LATER = re.compile(r"^(?P<family>.+)-(?P<version>\d+(?:\.\d+)*)-(?P<kind>only|or-later)$")


def accepts(license_id: str) -> frozenset[str]:
    """The dataset licences an adaptation of ``license_id`` material may be shared under.

    Meaningful for ShareAlike licences: the licence itself, later versions where the licence
    allows them (CC BY-SA 2.0 and later, ``-or-later`` ids), and the one-way compatibilities
    the licensors declared (CC BY-SA 4.0 → GPL-3.0; GPLv3 → AGPLv3).

    >>> sorted(accepts("GPL-2.0-only"))
    ['GPL-2.0-only']
    """
    spdx = base(license_id)
    cc = _CC.match(spdx)
    if cc is not None:
        elements, version = cc.group(1), cc.group(2)
        found = {spdx}
        if _version(version) >= (2, 0):
            found |= {
                other
                for other in categories()
                if (m := _CC.match(other)) is not None
                and m.group(1) == elements
                and _version(m.group(2)) >= _version(version)
            }
        if elements == "-SA" and version == "4.0":
            found |= {"GPL-3.0-only", "GPL-3.0-or-later"}
        return frozenset(found)
    later = _LATER.match(spdx)
    if later is None:
        return frozenset({spdx})
    family, version = later.group("family"), _version(later.group("version"))
    found = {spdx}
    if later.group("kind") == "or-later":
        found |= {
            other
            for other in categories()
            if (m := _LATER.match(other)) is not None
            and m.group("family") == family
            and _version(m.group("version")) >= version
        }
    if family == "GPL" and any("-3.0-" in f for f in found):
        found |= {"AGPL-3.0-only", "AGPL-3.0-or-later"}
    return frozenset(found)


def incompatible(source_id: str, dataset_id: str) -> str | None:
    """Why ``source_id`` material cannot be relicensed under ``dataset_id``, else None.

    >>> incompatible("Apache-2.0", "GPL-2.0-only")
    "the Apache licence's patent terms are additional restrictions GPLv2 forbids"
    """
    source, dataset = base(source_id), base(dataset_id)
    for source_pattern, dataset_pattern, reason in INCOMPATIBLE:
        if re.search(source_pattern, source) and re.search(dataset_pattern, dataset):
            return reason
    return None
