"""Semantic versions: parse, order, and bump them (``major`` / ``minor`` / ``patch`` / ``none``).

Bumping a pre-release releases it when the bump fits inside it (``2.0.0-rc.1`` + major is
``2.0.0``; ``1.3.0-rc.1`` + patch is ``1.3.0``); otherwise the next version of that kind is a
release. Build metadata (``+build.5``) never survives a bump. ``0.y.z`` versions follow the same
rules (a schema break on ``0.4.2`` gives ``1.0.0``).

>>> bump_version("1.2.3", "minor"), bump_version("1.2.3-rc.1+b7", "patch")
('1.3.0', '1.2.3')
>>> max_bump(["patch", "major", "none"])
'major'
>>> later("1.0.0", "1.0.0-rc.1")
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final, Literal, NamedTuple

from datacard.card import semver

Bump = Literal["none", "patch", "minor", "major"]

#: Bump kinds from the smallest to the largest.
BUMPS: Final[tuple[Bump, ...]] = ("none", "patch", "minor", "major")

_PARTS = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-([^+]*))?(?:\+(.*))?$")


class Version(NamedTuple):
    """A parsed semantic version (``pre`` and ``build`` are "" when absent)."""

    major: int
    minor: int
    patch: int
    pre: str = ""
    build: str = ""

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.pre:
            text += f"-{self.pre}"
        if self.build:
            text += f"+{self.build}"
        return text


def parse_version(text: str) -> Version:
    """``text`` as a :class:`Version`; ValueError when it is not a semantic version.

    >>> parse_version("1.2.3-rc.1+b7")
    Version(major=1, minor=2, patch=3, pre='rc.1', build='b7')
    """
    match = _PARTS.match(semver(text))
    assert match is not None  # semver() accepted it
    major, minor, patch, pre, build = match.groups()
    return Version(int(major), int(minor), int(patch), pre or "", build or "")


def _pre_key(pre: str) -> tuple[tuple[int, int | str], ...]:
    # Numeric identifiers sort before alphanumeric ones, numerically; others in ASCII order.
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in pre.split("."))


def precedence(text: str) -> tuple[int, int, int, int, tuple[tuple[int, int | str], ...]]:
    """A sort key giving semantic-version precedence (build metadata is ignored).

    >>> sorted(["1.0.0", "1.0.0-rc.2", "1.0.0-alpha", "0.9.9"], key=precedence)
    ['0.9.9', '1.0.0-alpha', '1.0.0-rc.2', '1.0.0']
    """
    v = parse_version(text)
    if not v.pre:
        return (v.major, v.minor, v.patch, 1, ())
    return (v.major, v.minor, v.patch, 0, _pre_key(v.pre))


def later(a: str, b: str) -> bool:
    """Whether version ``a`` takes precedence over ``b``."""
    return precedence(a) > precedence(b)


def bump_version(text: str, kind: Bump) -> str:
    """The version after a ``kind`` change (``none`` returns ``text`` unchanged)."""
    if kind == "none":
        return semver(text)
    v = parse_version(text)
    if kind == "major":
        if v.pre and v.minor == 0 and v.patch == 0:
            return f"{v.major}.0.0"
        return f"{v.major + 1}.0.0"
    if kind == "minor":
        if v.pre and v.patch == 0:
            return f"{v.major}.{v.minor}.0"
        return f"{v.major}.{v.minor + 1}.0"
    if kind == "patch":
        if v.pre:
            return f"{v.major}.{v.minor}.{v.patch}"
        return f"{v.major}.{v.minor}.{v.patch + 1}"
    raise ValueError(f"unknown bump '{kind}'; use one of {', '.join(BUMPS)}")


def max_bump(kinds: Iterable[Bump]) -> Bump:
    """The largest of ``kinds`` (``none`` for none)."""
    return max(kinds, key=BUMPS.index, default="none")
