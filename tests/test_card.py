"""The Card model, its helpers, and the datasheet questions and generated answers."""

from __future__ import annotations

import re
import typing

import pytest
from pydantic import ValidationError

from datacard.card import (
    Answer,
    Card,
    Policy,
    SectionId,
    ToleranceOverrides,
    Tolerances,
    new_card,
)
from datacard.datasheet import GENERATABLE, SECTIONS, generated_answers, question
from datacard.measured import ColumnSummary, Measured, SplitSummary, TopValue


def measured(*, label: bool = True) -> Measured:
    def col(count: int, nulls: int) -> ColumnSummary:
        return ColumnSummary(type="int64", kind="numeric", count=count, nulls=nulls)

    return Measured(
        generated_by="datacard test",
        content_hash="h",
        splits_from="file names (train*/test*)",
        label="species" if label else None,
        splits={
            "train": SplitSummary(
                rows=1_234_567,
                duplicate_rows=1_234,
                columns={"age": col(1_234_000, 567), "name": col(1_234_567, 0)},
                label_balance=[
                    TopValue(value="cat", count=1_000_000),
                    TopValue(value=None, count=234_567),
                ],
            ),
            "test": SplitSummary(
                rows=1_000,
                duplicate_rows=0,
                columns={"age": col(999, 1)},
                label_balance=[TopValue(value="cat", count=1_000)],
            ),
        },
    )


# ------------------------------------------------------------------ datasheet


def test_sections_follow_the_paper() -> None:
    assert list(SECTIONS) == [
        "motivation",
        "composition",
        "collection",
        "preprocessing",
        "uses",
        "distribution",
        "maintenance",
    ]
    for questions in SECTIONS.values():
        assert 3 <= len(questions) <= 15
        ids = [q.id for q in questions]
        assert len(ids) == len(set(ids))
        for q in questions:
            assert re.fullmatch(r"[a-z][a-z_]*", q.id)
            assert q.text.endswith("?") or q.text.endswith(")?")
    for key in [
        "motivation.purpose",
        "composition.count",
        "composition.sensitive",
        "collection.consent",
        "preprocessing.raw_data",
        "uses.out_of_scope",
        "distribution.license",
        "maintenance.errata",
        *GENERATABLE,
    ]:
        assert question(key).text
    with pytest.raises(KeyError):
        question("uses.nope")


def test_section_ids_match_the_model() -> None:
    assert typing.get_args(SectionId) == tuple(SECTIONS)


def test_generated_answers_are_precise_english() -> None:
    answers = generated_answers(measured())
    assert answers == {
        "composition.count": "1,235,567 rows in total: 1,234,567 in train, 1,000 in test.",
        "composition.splits": "2 splits: train, test (inferred from file names (train*/test*)).",
        "composition.missing": (
            "Columns with missing (null) values: age in train: 567 of 1,234,567 (0.05%); "
            "age in test: 1 of 1,000 (0.1%)."
        ),
        "composition.duplicates": "Exact duplicate rows: 1,234 of 1,234,567 rows in train (0.1%).",
        "composition.labels": (
            "Label column 'species'. Class balance: train: 'cat' 1,000,000 (81%), "
            "null 234,567 (19%); test: 'cat' 1,000 (100%)."
        ),
    }


def test_generated_answers_without_label_nulls_or_duplicates() -> None:
    m = Measured(
        generated_by="t",
        content_hash="h",
        splits_from="a single file",
        splits={"all": SplitSummary(rows=1, duplicate_rows=0)},
    )
    assert generated_answers(m) == {
        "composition.count": "1 row.",
        "composition.splits": "1 split: all (inferred from a single file).",
        "composition.missing": "No column has missing (null) values.",
        "composition.duplicates": "No exact duplicate rows were found.",
    }
    assert set(generated_answers(measured())) <= GENERATABLE


# ------------------------------------------------------------------ the model


def test_unknown_keys_are_errors_everywhere() -> None:
    with pytest.raises(ValidationError, match="sumary"):
        Card.model_validate({"name": "x", "sumary": "typo"})
    with pytest.raises(ValidationError, match="null_fractoin"):
        Card.model_validate({"name": "x", "policy": {"tolerances": {"null_fractoin": 0.1}}})
    with pytest.raises(ValidationError, match="motivatoin"):
        Card.model_validate({"name": "x", "datasheet": {"motivatoin": {}}})


@pytest.mark.parametrize("version", ["0.1.0", "1.2.3", "10.0.0-rc.1+build.5"])
def test_semver_accepted(version: str) -> None:
    assert Card(name="x", version=version).version == version


@pytest.mark.parametrize("version", ["1.0", "v1.2.3", "01.2.3", "1.2.3.4", ""])
def test_non_semver_rejected(version: str) -> None:
    with pytest.raises(ValidationError, match="semantic version"):
        Card(name="x", version=version)


def test_tolerance_defaults_and_column_overrides() -> None:
    assert Tolerances() == Tolerances(
        rows=0.0, null_fraction=0.01, range_slack=0.0, distinct=0.10, mean_shift=0.5, duplicates=0
    )
    card = Card(
        name="x",
        policy=Policy(
            tolerances=Tolerances(mean_shift=1.0),
            columns={"age": ToleranceOverrides(null_fraction=0.2)},
        ),
    )
    assert card.effective_tolerances("age") == Tolerances(null_fraction=0.2, mean_shift=1.0)
    assert card.effective_tolerances("other") == Tolerances(mean_shift=1.0)
    with pytest.raises(ValidationError):
        Tolerances(rows=-0.1)
    for name, field in Tolerances.model_fields.items():
        assert field.description and "Default" in field.description, name


def test_required_paths_are_checked() -> None:
    assert Policy().required == [
        "summary",
        "license",
        "datasheet.motivation.purpose",
        "datasheet.uses.out_of_scope",
    ]
    Policy(required=["citation", "creators", "datasheet.uses.my_own_question"])
    for bad in ["summry", "datasheet.usage.tasks", "datasheet.uses", "measured.label"]:
        with pytest.raises(ValidationError, match="not a human-written field"):
            Policy(required=[bad])


def test_empty_required_and_answers() -> None:
    card = new_card("x", None, measured())
    assert card.empty_required() == [
        "summary",
        "license",
        "datasheet.motivation.purpose",
        "datasheet.uses.out_of_scope",
    ]
    card.summary = "  "
    card.license = "MIT"
    card.datasheet["motivation"]["purpose"].answer = "Benchmarks."
    assert card.empty_required() == ["summary", "datasheet.uses.out_of_scope"]
    card.policy.required = ["creators", "datasheet.composition.count", "datasheet.uses.mine"]
    assert card.empty_required() == ["creators", "datasheet.uses.mine"]
    assert card.answer("motivation", "purpose") == "Benchmarks."
    assert card.answer("composition", "count").startswith("1,235,567 rows")
    assert card.answer("uses", "nope") == ""


def test_answer_falls_back_to_what_the_data_answers() -> None:
    card = Card(
        name="x",
        measured=measured(),
        datasheet={"composition": {"count": Answer(question="How many?", answer="")}},
    )
    assert card.answer("composition", "count").startswith("1,235,567 rows in total")
    assert Card(name="x").answer("composition", "count") == ""


def test_new_card_has_every_question_and_marks_generated() -> None:
    card = new_card("birds", "CC-BY-4.0", measured(label=False), splits={"train": ["train/*"]})
    assert card.license == "CC-BY-4.0"
    assert card.policy.splits == {"train": ["train/*"]}
    assert card.policy.label is None
    for section, questions in SECTIONS.items():
        assert [q.id for q in questions] == list(card.datasheet[section])  # type: ignore[index]
        for q in questions:
            answer = card.datasheet[section][q.id]  # type: ignore[index]
            assert answer.question == q.text
            assert answer.generated == (f"{section}.{q.id}" in GENERATABLE)
    assert card.datasheet["composition"]["labels"].answer == ""
    assert card.datasheet["composition"]["count"].answer.startswith("1,235,567 rows")
    assert new_card("b", measured=measured()).policy.label == "species"
    explicit = new_card("b", generated={"uses.tasks": "Counting."})
    assert explicit.datasheet["uses"]["tasks"] == Answer(
        question=question("uses.tasks").text, answer="Counting.", generated=True
    )
