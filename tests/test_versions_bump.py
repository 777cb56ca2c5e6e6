"""Semantic versions: bump rules (examples and a hypothesis property), precedence, doctests."""

from __future__ import annotations

import doctest
import importlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from datacard.card import semver
from datacard.versions.bump import BUMPS, Bump, bump_version, later, parse_version, precedence

MODULES = [
    "datacard.versions",
    "datacard.versions.bump",
    "datacard.versions.changelog",
    "datacard.versions.diff",
    "datacard.versions.gitrepo",
    "datacard.versions.history",
    "datacard.versions.human",
    "datacard.versions.sides",
    "datacard.versions.which",
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    assert doctest.testmod(importlib.import_module(name)).failed == 0


@pytest.mark.parametrize(
    ("version", "kind", "expected"),
    [
        ("1.2.3", "none", "1.2.3"),
        ("1.2.3", "patch", "1.2.4"),
        ("1.2.3", "minor", "1.3.0"),
        ("1.2.3", "major", "2.0.0"),
        ("0.1.0", "major", "1.0.0"),
        ("1.2.3+build.7", "patch", "1.2.4"),
        ("1.2.3-rc.1", "patch", "1.2.3"),
        ("1.3.0-rc.1", "minor", "1.3.0"),
        ("1.3.1-rc.1", "minor", "1.4.0"),
        ("2.0.0-alpha", "major", "2.0.0"),
        ("2.1.0-alpha", "major", "3.0.0"),
    ],
)
def test_bump_examples(version: str, kind: Bump, expected: str) -> None:
    assert bump_version(version, kind) == expected


def test_bad_versions_are_refused() -> None:
    with pytest.raises(ValueError, match="not a semantic version"):
        bump_version("1.2", "patch")
    with pytest.raises(ValueError, match="unknown bump"):
        bump_version("1.2.0", "huge")  # type: ignore[arg-type]


def test_precedence_follows_semver() -> None:
    ordered = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.10.0",
    ]
    shuffled = [ordered[i] for i in (7, 2, 9, 0, 5, 1, 8, 3, 6, 4)]
    assert sorted(shuffled, key=precedence) == ordered
    assert not later("1.0.0+a", "1.0.0+b") and not later("1.0.0+b", "1.0.0+a")


identifier = st.from_regex(r"(0|[1-9][0-9]{0,3}|[a-zA-Z][0-9a-zA-Z-]{0,5})", fullmatch=True)
versions = st.builds(
    lambda major, minor, patch, pre, build: (
        f"{major}.{minor}.{patch}"
        + ("-" + ".".join(pre) if pre else "")
        + ("+" + ".".join(build) if build else "")
    ),
    st.integers(0, 50),
    st.integers(0, 50),
    st.integers(0, 50),
    st.lists(identifier, max_size=3),
    st.lists(st.from_regex(r"[0-9a-zA-Z-]{1,5}", fullmatch=True), max_size=2),
)


@given(versions, st.sampled_from(BUMPS[1:]))
def test_a_bump_is_a_later_release(version: str, kind: Bump) -> None:
    bumped = bump_version(version, kind)
    assert semver(bumped) == bumped
    after = parse_version(bumped)
    assert after.pre == "" and after.build == ""
    assert later(bumped, version)
    if kind == "major":
        assert (after.minor, after.patch) == (0, 0)
    if kind == "minor":
        assert after.patch == 0
        assert after.major == parse_version(version).major


@given(versions)
def test_bigger_bumps_give_later_versions(version: str) -> None:
    patch, minor, major = (bump_version(version, k) for k in ("patch", "minor", "major"))
    assert not later(patch, minor) and not later(minor, major)
    assert bump_version(version, "none") == version
