"""Compliance checklists: the shipped data files, evaluation, the completeness score."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest

from datacard.audit.compliance import (
    DISCLAIMER,
    FRAMEWORKS,
    ItemResult,
    completeness,
    evaluate,
    load_checklist,
    problems,
    section_scores,
)
from datacard.audit.compliance.checklist import parse_checklist
from datacard.audit.compliance.paths import filled, known_path
from datacard.card import Card
from datacard.datasheet import SECTIONS
from datacard.errors import UsageError
from datacard.findings import CATALOG, Finding, Location
from datacard.yamlio import load_card

ROOT = Path(__file__).resolve().parents[1]

MEASURED = """measured:
  generated_by: datacard test
  content_hash: abc
  splits_from: folders
  splits:
    train: {rows: 90, duplicate_rows: 0}
    test: {rows: 10, duplicate_rows: 0}
"""


def _card(tmp_path: Path, body: str = "") -> Card:
    """A card read from a real datacard.yaml (``body`` is YAML after ``name``)."""
    path = tmp_path / "datacard.yaml"
    path.write_text("name: demo\n" + body, encoding="utf-8")
    return load_card(path).card


def _item(
    framework: str,
    item_id: str,
    card: Card,
    findings: Sequence[Finding] = (),
    audited: Iterable[str] = (),
) -> ItemResult:
    results = evaluate(framework, card, list(findings), set(audited))
    (found,) = [r for r in results if r.id == item_id]
    return found


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_every_shipped_checklist_loads_and_is_valid(framework: str) -> None:
    checklist = load_checklist(framework)
    assert checklist.framework == framework
    assert checklist.items and checklist.source and checklist.title
    assert problems(checklist) == []
    ids = [item.id for item in checklist.items]
    assert len(ids) == len(set(ids))
    for item in checklist.items:
        assert item.title and item.reference and item.guidance
        assert item.fields or item.findings
        for path in item.fields:
            assert known_path(path), path
        for ref in item.findings + item.unresolved:
            family = ref[:-1] if ref.endswith(".*") else None
            assert (ref in CATALOG) or any(c.startswith(family or "\0") for c in CATALOG), ref


def test_eu_ai_act_covers_article_10_paragraphs_2_to_5() -> None:
    refs = [item.reference for item in load_checklist("eu-ai-act").items]
    points = [f"Art. 10(2)({p})" for p in "abcdefgh"]
    assert refs == [*points, "Art. 10(3)", "Art. 10(4)", "Art. 10(5)"]


def test_nist_and_iso_use_official_identifiers() -> None:
    for item in load_checklist("nist-ai-rmf").items:
        assert re.fullmatch(r"(GOVERN|MAP|MEASURE|MANAGE) \d+\.\d+", item.reference)
    iso = [item.reference for item in load_checklist("iso-42001").items]
    assert iso == ["A.7.2", "A.7.3", "A.7.4", "A.7.5", "A.7.6"]


def test_datasheet_checklist_is_generated_from_the_questions() -> None:
    items = load_checklist("datasheets").items
    questions = [(f"{s}.{q.id}", q.text) for s, qs in SECTIONS.items() for q in qs]
    assert [(item.id, item.title) for item in items] == questions
    by_id = {item.id: item for item in items}
    assert by_id["uses.tasks"].fields == ("datasheet.uses.tasks",)
    assert by_id["composition.identifiable"].findings == ("pii.*",)
    assert by_id["distribution.license"].fields == ("datasheet.distribution.license|license",)


@pytest.mark.parametrize(
    ("yaml_items", "problem"),
    [
        ("- {id: a, title: t, reference: r, fields: [summary]}\n" * 2, "duplicate item id 'a'"),
        ("- {id: a, title: t, reference: r, fields: [datasheet.uses.why]}\n", "unknown card path"),
        ("- {id: a, title: t, reference: r, fields: [sources.licence]}\n", "unknown card path"),
        ("- {id: a, title: t, reference: r, findings: [pii.passport]}\n", "unknown finding"),
        ("- {id: a, title: t, reference: r, findings: [privacy.*]}\n", "unknown finding"),
        ("- {id: a, title: t, reference: r}\n", "no evidence"),
    ],
)
def test_broken_checklists_are_refused(tmp_path: Path, yaml_items: str, problem: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("framework: x\ntitle: X\nsource: S\nitems:\n" + yaml_items, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(problem)):
        parse_checklist(path.read_text(encoding="utf-8"), path.name)


def test_unknown_keys_in_a_checklist_are_refused() -> None:
    head = "framework: x\ntitle: X\nsource: S\nitems:\n"
    text = head + "- {id: a, title: t, reference: r, feilds: []}\n"
    with pytest.raises(ValueError, match="feilds"):
        parse_checklist(text, "x.yaml")


def test_item_turns_from_missing_to_satisfied_as_fields_are_filled(tmp_path: Path) -> None:
    empty = _card(tmp_path)
    assert _item("iso-42001", "A.7.6", empty).status == "missing"
    steps = "    steps: {question: q, answer: 'Lower-cased, deduplicated.'}\n"
    some = _card(tmp_path, "datasheet:\n  preprocessing:\n" + steps)
    partial = _item("iso-42001", "A.7.6", some)
    assert partial.status == "partial"
    assert partial.filled == ("datasheet.preprocessing.steps",)
    assert "fill datasheet.preprocessing.software" in partial.todo
    full = _card(
        tmp_path,
        "datasheet:\n  preprocessing:\n"
        + steps
        + "    raw_data: {question: q, answer: Kept in the raw/ bucket.}\n"
        "    software: {question: q, answer: scripts/clean.py in this repository.}\n",
    )
    done = _item("iso-42001", "A.7.6", full)
    assert done.status == "satisfied"
    assert done.evidence == [
        "datasheet.preprocessing.steps filled",
        "datasheet.preprocessing.software filled",
        "datasheet.preprocessing.raw_data filled",
    ]
    assert done.todo == []


PRIVACY = (
    "datasheet:\n  composition:\n"
    "    identifiable: {question: q, answer: No names; user ids are hashed.}\n"
    "    confidential: {question: q, answer: None.}\n"
    "  collection:\n    consent: {question: q, answer: Users agreed to the terms of use.}\n"
)


def test_findings_evidence_examination(tmp_path: Path) -> None:
    card = _card(tmp_path, PRIVACY)
    not_run = _item("nist-ai-rmf", "measure-2.10", card)
    assert not_run.status == "partial"
    assert not_run.not_examined == ("pii.*",)
    assert _item("nist-ai-rmf", "measure-2.10", card, audited={"pii"}).status == "satisfied"
    nothing_written = _item("nist-ai-rmf", "measure-2.10", _card(tmp_path), audited={"pii"})
    assert nothing_written.status == "partial"
    assert nothing_written.examined == ("pii.*",)


def test_unresolved_findings_leave_an_item_partial(tmp_path: Path) -> None:
    card = _card(tmp_path, PRIVACY)
    email = Finding.of("pii.email", "e-mail addresses", location=Location("train", "contact"))
    result = _item("nist-ai-rmf", "measure-2.10", card, [email, email], {"pii"})
    assert result.status == "partial"
    assert result.open_findings == (("pii.email", 2),)
    assert "resolve pii.email (2)" in result.todo
    info = Finding.of("pii.column-name", "a column named 'email'")
    assert _item("nist-ai-rmf", "measure-2.10", card, [info], {"pii"}).status == "satisfied"


def test_a_finding_is_evidence_that_its_check_ran(tmp_path: Path) -> None:
    card = _card(tmp_path, PRIVACY)
    info = Finding.of("pii.column-name", "a column named 'email'")
    assert _item("nist-ai-rmf", "measure-2.10", card, [info]).status == "satisfied"


def test_audit_part_names_map_to_finding_families(tmp_path: Path) -> None:
    card = _card(
        tmp_path,
        "license: MIT\nsources:\n- {name: web, url: 'https://example.org', license: CC0-1.0}\n",
    )
    assert _item("nist-ai-rmf", "map-4.1", card, audited={"licenses"}).status == "satisfied"
    assert _item("nist-ai-rmf", "map-4.1", card).status == "partial"


def test_unresolved_only_findings_are_not_required(tmp_path: Path) -> None:
    body = (
        MEASURED
        + "policy:\n  leakage: {enabled: true}\n"
        + "datasheet:\n  composition:\n    splits: {question: q, answer: train and test}\n"
    )
    card = _card(tmp_path, body)
    assert _item("nist-ai-rmf", "measure-2.1", card).status == "satisfied"
    overlap = Finding.of("leakage.exact-overlap", "12 rows in train and test")
    assert _item("nist-ai-rmf", "measure-2.1", card, [overlap]).status == "partial"


def test_alternative_paths(tmp_path: Path) -> None:
    card = _card(tmp_path, "policy:\n  contamination: {benchmarks: [eval/mmlu.jsonl]}\n")
    assert filled(card, "policy.leakage.enabled|policy.contamination.benchmarks")
    assert not filled(card, "policy.leakage.enabled")
    assert _item("datasheets", "motivation.creators", _card(tmp_path)).status == "missing"
    with_creator = _card(tmp_path, "creators:\n- {name: Ada}\n")
    assert _item("datasheets", "motivation.creators", with_creator).status == "satisfied"


def test_placeholders_do_not_count(tmp_path: Path) -> None:
    card = _card(tmp_path, "summary: TODO\n")
    assert not filled(card, "summary")
    assert filled(_card(tmp_path, "summary: Digits, scanned.\n"), "summary")


def test_answers_the_data_gives_count(tmp_path: Path) -> None:
    card = _card(tmp_path, MEASURED)
    assert filled(card, "datasheet.composition.count")
    assert _item("datasheets", "composition.count", card).status == "satisfied"


def test_completeness_moves_as_answers_are_filled(tmp_path: Path) -> None:
    assert completeness(_card(tmp_path)) == 0.0
    measured = completeness(_card(tmp_path, MEASURED))
    assert 0 < measured < 0.15  # the data answers a few composition questions by itself
    one_each = "datasheet:\n" + "".join(
        f"  {section}:\n    {questions[0].id}: {{question: q, answer: Yes.}}\n"
        for section, questions in SECTIONS.items()
    )
    broad = completeness(_card(tmp_path, one_each))
    assert broad > measured
    everything = "datasheet:\n" + "".join(
        f"  {section}:\n"
        + "".join(f"    {q.id}: {{question: q, answer: Answered.}}\n" for q in questions)
        for section, questions in SECTIONS.items()
    )
    assert completeness(_card(tmp_path, everything)) == 1.0
    scores = section_scores(_card(tmp_path, one_each))
    assert scores["motivation"] == 1 / len(SECTIONS["motivation"])
    assert broad == pytest.approx(sum(scores.values()) / len(SECTIONS))


def test_todo_answers_do_not_raise_completeness(tmp_path: Path) -> None:
    todo = "datasheet:\n  motivation:\n    purpose: {question: q, answer: TODO}\n"
    assert completeness(_card(tmp_path, todo)) == 0.0


@pytest.mark.parametrize(("name", "close"), [("eu-ai-akt", "eu-ai-act"), ("nist", "nist-ai-rmf")])
def test_unknown_framework(tmp_path: Path, name: str, close: str) -> None:
    with pytest.raises(UsageError, match=f"did you mean '{close}'"):
        evaluate(name, _card(tmp_path), [], set())


def test_unknown_framework_without_a_close_name(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="use one of: eu-ai-act"):
        evaluate("sox", _card(tmp_path), [], set())


def test_item_results_as_json(tmp_path: Path) -> None:
    (first, *_) = evaluate("eu-ai-act", _card(tmp_path), [], set())
    data = first.to_json()
    assert set(data) == {"item", "title", "reference", "status", "evidence", "todo", "guidance"}
    assert (data["item"], data["status"], data["evidence"]) == ("art10-2a", "missing", [])
    assert data["todo"]


def test_disclaimer() -> None:
    assert "not legal advice" in DISCLAIMER


def _cell(refs: tuple[str, ...]) -> str:
    return ", ".join(" or ".join(f"`{a}`" for a in r.split("|")) for r in refs) or "—"


def test_docs_list_every_framework_and_item_as_shipped() -> None:
    doc = (ROOT / "docs" / "compliance.md").read_text(encoding="utf-8")
    assert DISCLAIMER in " ".join(doc.replace("> ", "").split())
    for framework in FRAMEWORKS:
        assert f"`{framework}`" in doc
        if framework == "datasheets":
            continue
        for i in load_checklist(framework).items:
            row = (
                f"| `{i.id}` | {i.reference} | {i.title} | {_cell(i.fields)} | "
                f"{_cell(i.findings)} | {_cell(i.unresolved)} |"
            )
            assert row in doc, f"docs/compliance.md is stale for {framework} {i.id}"
