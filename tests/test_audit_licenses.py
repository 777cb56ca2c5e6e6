"""The licence part of the audit: SPDX parsing, licence properties, conflicts and attribution."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from datacard.audit.context import AuditContext
from datacard.audit.license_card import commercial_sentence, credit
from datacard.audit.license_parse import closest, parse_license
from datacard.audit.license_rules import combinable
from datacard.audit.license_spdx import categories
from datacard.audit.license_terms import FAMILIES, accepts, terms
from datacard.audit.licenses import license_findings
from datacard.card import Answer, Card, Source
from datacard.findings import Finding, Severity

ROOT = Path(__file__).resolve().parents[1]

MIT_TEXT = """MIT License

Copyright (c) 2024 Example Lab

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.
"""

EVIDENCE_KEYS = {"dataset", "source", "source_license", "rule", "reasoning"}

#: Abbreviations of the conflict rules in the matrix.
RULES = {
    "NC": "noncommercial",
    "ND": "noderivatives",
    "SA": "sharealike",
    "GPL": "copyleft-incompatible",
}

SOURCES = (
    "MIT",
    "Apache-2.0",
    "CC-BY-4.0",
    "CC-BY-SA-4.0",
    "CC-BY-NC-4.0",
    "CC-BY-ND-4.0",
    "CC-BY-NC-SA-4.0",
    "GPL-2.0-only",
    "ODbL-1.0",
    "CDLA-Sharing-1.0",
)

#: dataset licence -> the conflict rules of each source licence in SOURCES ("." = fits).
MATRIX = (
    ("MIT", ". . . SA NC ND NC+SA SA SA SA"),
    ("Apache-2.0", ". . . SA NC ND NC+SA SA SA SA"),
    ("CC0-1.0", ". . . SA NC ND NC+SA SA SA SA"),
    ("CC-BY-4.0", ". . . SA NC ND NC+SA SA SA SA"),
    ("CC-BY-SA-4.0", ". . . . NC ND NC+SA SA SA SA"),
    ("CC-BY-NC-4.0", ". . . SA . ND SA SA SA SA"),
    ("CC-BY-NC-SA-4.0", ". . . SA . ND . SA SA SA"),
    ("CC-BY-ND-4.0", ". . . SA NC . NC+SA SA SA SA"),
    ("GPL-2.0-only", ". GPL . SA NC ND NC+SA . SA SA"),
    ("GPL-3.0-only", ". . . . NC ND NC+SA SA SA SA"),
    ("ODbL-1.0", ". . . SA NC ND NC+SA SA . SA"),
)


def _cells() -> list[tuple[str, str, list[str]]]:
    out = []
    for dataset, row in MATRIX:
        cells = row.split()
        assert len(cells) == len(SOURCES)
        for source, cell in zip(SOURCES, cells):
            rules = [] if cell == "." else [RULES[r] for r in cell.split("+")]
            out.append((dataset, source, rules))
    return out


def _card(license: str | None = None, *sources: Source, **fields: Any) -> Card:
    return Card(name="demo", license=license, sources=list(sources), **fields)


def _audit(root: Path, card: Card) -> list[Finding]:
    found = license_findings(AuditContext(root, card))
    for f in found:
        assert set(f.evidence) >= EVIDENCE_KEYS, f
        assert f.evidence["reasoning"], f
    return found


def _rules(found: list[Finding], code: str | None = None) -> list[str]:
    return [f.evidence["rule"] for f in found if code is None or f.code == code]


@pytest.mark.parametrize(("dataset", "source", "rules"), _cells())
def test_conflict_matrix(tmp_path: Path, dataset: str, source: str, rules: list[str]) -> None:
    card = _card(dataset, Source(name="upstream", license=source, url="https://example.org"))
    found = _audit(tmp_path, card)
    assert [f.code for f in found] == (["license.conflict"] if rules else [])
    if rules:
        (conflict,) = found
        assert conflict.severity is Severity.ERROR
        assert conflict.evidence["rules"] == sorted(rules)
        assert conflict.evidence["dataset"] == dataset
        assert conflict.evidence["source_license"] == source
        assert conflict.where == "sources[0].license"


def test_the_matrix_in_the_docs_is_the_tested_one() -> None:
    doc = (ROOT / "docs" / "licenses.md").read_text(encoding="utf-8")
    header = "| dataset ↓ source → | " + " | ".join(SOURCES) + " |"
    assert header in doc
    for dataset, row in MATRIX:
        assert f"| {dataset} | " + " | ".join(row.split()) + " |" in doc


def test_missing_licence(tmp_path: Path) -> None:
    found = _audit(tmp_path, _card())
    assert [(f.code, f.evidence["rule"]) for f in found] == [("license.missing", "missing")]
    assert found[0].severity is Severity.WARNING


def test_licence_file_is_the_dataset_licence(tmp_path: Path) -> None:
    (tmp_path / "LICENSE").write_text(MIT_TEXT, encoding="utf-8")
    nc = Source(name="forum", license="CC-BY-NC-4.0", url="https://forum.example")
    found = _audit(tmp_path, _card(None, nc))
    assert [(f.code, f.evidence["rule"]) for f in found] == [("license.conflict", "noncommercial")]
    assert found[0].evidence["dataset"] == "MIT"


def test_licence_file_of_a_single_file_dataset(tmp_path: Path) -> None:
    (tmp_path / "COPYING").write_text(MIT_TEXT, encoding="utf-8")
    data = tmp_path / "data.csv"
    data.write_text("a\n1\n", encoding="utf-8")
    assert _audit(data, _card()) == []


def test_card_and_licence_file_disagree(tmp_path: Path) -> None:
    (tmp_path / "LICENSE").write_text(MIT_TEXT, encoding="utf-8")
    (f,) = _audit(tmp_path, _card("CC-BY-4.0"))
    assert (f.code, f.severity, f.evidence["rule"]) == (
        "license.conflict",
        Severity.WARNING,
        "card-vs-file",
    )
    assert f.location is not None and f.location.file == "LICENSE"
    assert _audit(tmp_path, _card("mit")) == []


def test_unrecognised_licence_file(tmp_path: Path) -> None:
    (tmp_path / "LICENSE.txt").write_text("All rights reserved. Ask us.\n", encoding="utf-8")
    found = _audit(tmp_path, _card())
    assert [(f.code, f.evidence["rule"]) for f in found] == [
        ("license.unknown", "unrecognised-file")
    ]


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("CC BY 4.0", "CC-BY-4.0"),
        ("CC BY-NC-SA 4.0", "CC-BY-NC-SA-4.0"),
        ("Creative Commons Attribution-ShareAlike 4.0 International", "CC-BY-SA-4.0"),
        ("Apache License 2.0", "Apache-2.0"),
        ("apache 2", "Apache-2.0"),
    ],
)
def test_free_text_licence_gets_the_closest_id(tmp_path: Path, text: str, suggestion: str) -> None:
    found = _audit(tmp_path, _card(text))
    (unknown,) = found
    assert unknown.code == "license.unknown"
    assert unknown.severity is Severity.WARNING
    assert unknown.evidence["suggestion"] == suggestion
    assert f"did you mean '{suggestion}'" in unknown.message


def test_free_text_is_still_checked_as_its_suggestion(tmp_path: Path) -> None:
    wiki = Source(name="wiki", license="CC BY-SA 4.0", url="https://wikipedia.org")
    found = _audit(tmp_path, _card("CC BY 4.0", wiki))
    assert [f.code for f in found] == ["license.unknown", "license.unknown", "license.conflict"]
    assert found[2].evidence["rule"] == "sharealike"
    assert found[2].evidence["source_license"] == "CC-BY-SA-4.0"


def test_unparseable_licence_is_unknown_without_checks(tmp_path: Path) -> None:
    nc = Source(name="nc", license="CC-BY-NC-4.0", url="https://nc.example")
    found = _audit(tmp_path, _card("our own terms", nc))
    assert [f.code for f in found] == ["license.unknown"]
    assert parse_license("MIT AND").error


def test_licence_ref_is_valid_but_unchecked(tmp_path: Path) -> None:
    custom = Source(name="partner", license="LicenseRef-partner-terms", url="https://p.example")
    found = _audit(tmp_path, _card("MIT", custom))
    assert [(f.code, f.severity, f.evidence["rule"]) for f in found] == [
        ("license.unknown", Severity.INFO, "licenseref")
    ]
    assert parse_license("LicenseRef-partner-terms").valid


def test_licence_without_known_terms_is_noted(tmp_path: Path) -> None:
    llama = Source(name="m", license="LicenseRef-scancode-llama-2-license-2023", url="u")
    found = _audit(tmp_path, _card("MIT", llama))
    assert [(f.code, f.severity, f.evidence["rule"]) for f in found] == [
        ("license.unknown", Severity.INFO, "no-terms")
    ]


def test_source_without_licence_is_noted(tmp_path: Path) -> None:
    found = _audit(tmp_path, _card("MIT", Source(name="scrape")))
    assert [(f.code, f.severity) for f in found] == [("license.missing", Severity.INFO)]


def test_or_in_a_source_is_satisfied_by_any_branch(tmp_path: Path) -> None:
    dual = Source(name="dual", license="CC-BY-NC-4.0 OR MIT", url="https://d.example")
    assert _audit(tmp_path, _card("MIT", dual)) == []
    both = Source(name="both", license="CC-BY-NC-4.0 AND MIT", url="https://b.example")
    assert _rules(_audit(tmp_path, _card("MIT", both))) == ["noncommercial"]
    neither = Source(name="n", license="CC-BY-NC-4.0 OR CC-BY-ND-4.0", url="https://n.example")
    (f,) = _audit(tmp_path, _card("MIT", neither))
    assert f.evidence["rules"] == ["noderivatives", "noncommercial"]
    assert "none of the source's 2 choices fits" in f.evidence["reasoning"]


def test_or_in_the_dataset_needs_every_offered_branch(tmp_path: Path) -> None:
    nc = Source(name="nc", license="CC-BY-NC-4.0", url="https://nc.example")
    (f,) = _audit(tmp_path, _card("CC-BY-NC-4.0 OR MIT", nc))
    assert f.evidence["dataset_choice"] == "MIT"


def test_and_in_the_dataset_gives_each_source_a_part(tmp_path: Path) -> None:
    wiki = Source(name="wiki", license="CC-BY-SA-4.0", url="https://wikipedia.org")
    osm = Source(name="osm", license="ODbL-1.0", url="https://openstreetmap.org")
    assert _audit(tmp_path, _card("CC-BY-SA-4.0 AND ODbL-1.0", wiki, osm)) == []


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("CC-BY-SA-4.0", "ODbL-1.0"),
        ("GPL-2.0-only", "Apache-2.0"),
        ("CC-BY-SA-4.0", "CC-BY-NC-SA-4.0"),
        ("CDLA-Sharing-1.0", "CC-BY-SA-3.0"),
    ],
)
def test_sources_no_one_licence_can_hold(tmp_path: Path, a: str, b: str) -> None:
    card = _card(None, Source(name="a", license=a, url="u"), Source(name="b", license=b, url="u"))
    found = _audit(tmp_path, card)
    assert _rules(found, "license.conflict") == ["sources-incompatible"]
    assert found[-1].evidence["other_license"] == a
    assert combinable(frozenset({a}), frozenset({b})) is False


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("CC-BY-SA-3.0", "CC-BY-SA-4.0"),
        ("CC-BY-SA-4.0", "MIT"),
        ("GPL-2.0-or-later", "Apache-2.0"),
        ("CC-BY-NC-4.0", "CC-BY-ND-4.0"),
    ],
)
def test_sources_that_combine(a: str, b: str) -> None:
    assert combinable(frozenset({a}), frozenset({b})) is True


def test_with_exceptions_are_kept() -> None:
    parsed = parse_license("GPL-2.0-only WITH Classpath-exception-2.0 OR MIT")
    assert parsed.branches == (
        frozenset({"GPL-2.0-only WITH Classpath-exception-2.0"}),
        frozenset({"MIT"}),
    )
    assert terms("GPL-2.0-only WITH Classpath-exception-2.0").copyleft == "strong"


def test_commercial_intent_with_a_noncommercial_source(tmp_path: Path) -> None:
    nc = Source(name="forum", license="CC-BY-NC-4.0", url="https://forum.example")
    tasks = Answer(question="Tasks?", answer="Training chatbots for commercial products.")
    card = _card("CC-BY-NC-4.0", nc, datasheet={"uses": {"tasks": tasks}})
    (f,) = _audit(tmp_path, card)
    assert (f.code, f.severity, f.evidence["rule"]) == (
        "license.conflict",
        Severity.WARNING,
        "commercial-use",
    )
    assert f.evidence["answer"] == "datasheet.uses.tasks"
    tasks = Answer(question="Tasks?", answer="Research only; not for commercial use.")
    assert _audit(tmp_path, _card("CC-BY-NC-4.0", nc, datasheet={"uses": {"tasks": tasks}})) == []


@pytest.mark.parametrize(
    ("text", "commercial"),
    [
        ("Free for research and commercial use.", True),
        ("We sell it commercially to banks.", True),
        ("For commercial and non-commercial use.", True),
        ("Non-commercial research only.", False),
        ("It may not be used commercially.", False),
        ("Commercial use requires a separate licence.", False),
        ("Commercial use is prohibited.", False),
        ("A corpus of product reviews.", False),
    ],
)
def test_commercial_sentences(text: str, commercial: bool) -> None:
    assert (commercial_sentence(text) is not None) is commercial


def test_attribution_needs_credit(tmp_path: Path) -> None:
    uncredited = Source(name="Flickr", license="CC-BY-4.0")
    found = _audit(tmp_path, _card("CC-BY-4.0", uncredited))
    assert [(f.code, f.evidence["rule"]) for f in found] == [("license.attribution", "attribution")]
    credited = [
        _card("CC-BY-4.0", Source(name="Flickr", license="CC-BY-4.0", url="https://flickr.com")),
        _card("CC-BY-4.0", uncredited, citation="Photos from flickr, CC BY 4.0."),
        _card(
            "CC-BY-4.0",
            uncredited,
            datasheet={"composition": {"external": Answer(question="q", answer="Flickr photos")}},
        ),
    ]
    for card in credited:
        assert _audit(tmp_path, card) == []


@pytest.mark.parametrize("license", ["CC0-1.0", "CC0-1.0 OR CC-BY-4.0", "MIT-0"])
def test_no_attribution_needed(tmp_path: Path, license: str) -> None:
    assert _audit(tmp_path, _card("MIT", Source(name="s", license=license))) == []


def test_public_domain_dataset_does_not_waive_the_sources_credit(tmp_path: Path) -> None:
    (f,) = _audit(tmp_path, _card("CC0-1.0", Source(name="s", license="ODC-By-1.0")))
    assert f.code == "license.attribution"
    assert "waives" in f.evidence["reasoning"]


def test_credit_names_match_whole_words() -> None:
    card = _card(citation="Based on the OpenWebText corpus.")
    assert credit(card, Source(name="OpenWebText")) == "citation"
    assert credit(card, Source(name="Web")) is None


@pytest.mark.parametrize(
    ("license_id", "expected"),
    [
        ("CC-BY-NC-ND-4.0", {"noncommercial": True, "noderivatives": True, "copyleft": "none"}),
        ("CC-BY-SA-3.0-AT", {"sharealike": True, "attribution": "credit"}),
        ("ODbL-1.0", {"sharealike": True, "attribution": "credit"}),
        ("ODC-By-1.0", {"permissive": True, "attribution": "credit"}),
        ("CDLA-Permissive-2.0", {"permissive": True, "attribution": "notice"}),
        ("CDLA-Sharing-1.0", {"sharealike": True}),
        ("AGPL-3.0-or-later", {"copyleft": "network"}),
        ("LGPL-2.1-only", {"copyleft": "weak", "sharealike": False}),
        ("MPL-2.0", {"copyleft": "weak"}),
        ("CC0-1.0", {"public_domain": True, "attribution": "none", "permissive": True}),
        ("Zlib", {"permissive": True, "basis": "ScanCode category: Permissive"}),
        ("LicenseRef-scancode-bigscience-open-rail-m", {"use_restricted": True}),
        ("LicenseRef-scancode-llama-2-license-2023", {"known": False}),
    ],
)
def test_licence_properties(license_id: str, expected: dict[str, object]) -> None:
    t = terms(license_id)
    assert {k: getattr(t, k) for k in expected} == expected


def test_every_family_rule_matches_a_real_licence() -> None:
    spdx = list(categories())
    for pattern, _, basis in FAMILIES:
        if "rail" in pattern:
            continue  # RAIL licences are ScanCode LicenseRefs or newer SPDX ids
        assert any(re.search(pattern, i) for i in spdx), basis


@pytest.mark.parametrize(
    ("license_id", "accepted", "refused"),
    [
        ("CC-BY-SA-4.0", "GPL-3.0-only", "CC-BY-SA-3.0"),
        ("CC-BY-SA-2.0", "CC-BY-SA-4.0", "CC-BY-4.0"),
        ("GPL-2.0-or-later", "GPL-3.0-only", "LGPL-3.0-only"),
        ("GPL-2.0-only", "GPL-2.0-only", "GPL-3.0-only"),
        ("GPL-3.0-only", "AGPL-3.0-only", "GPL-2.0-only"),
    ],
)
def test_sharealike_accepts(license_id: str, accepted: str, refused: str) -> None:
    assert accepted in accepts(license_id)
    assert refused not in accepts(license_id)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("cc by 4.0", "CC-BY-4.0"), ("GPL 3", "GPL-3.0-only"), ("Apache-2", "Apache-2.0")],
)
def test_closest(text: str, expected: str) -> None:
    assert closest(text) == expected


def test_parse_normalises_ids() -> None:
    parsed = parse_license("gpl-2.0+ or mit")
    assert parsed.expression == "GPL-2.0-or-later OR MIT"
    assert parsed.valid and not parsed.unknown
