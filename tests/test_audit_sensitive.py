"""Sensitive attributes on real files: columns found by name and by values (and not found for
look-alikes), exact representation tables, imbalance and label-gap findings with their minimum
sizes."""

from __future__ import annotations

import doctest
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from datacard.audit import sensitive, sensitive_names, sensitive_scan, sensitive_tables
from datacard.audit.context import AuditContext
from datacard.audit.sensitive import SensitiveResult, sensitive_findings
from datacard.audit.sensitive_names import name_category, value_category
from datacard.card import Card, Policy


def audit(root: Path, label: str | None = "y", **options: Any) -> SensitiveResult:
    card = Card(name="x", policy=Policy(label=label))
    return sensitive_findings(AuditContext(root=root, card=card, **({"workers": 1} | options)))


def write_csv(path: Path, columns: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(pa.table(columns), path)


def by_code(result: SensitiveResult, code: str) -> dict[str | None, Any]:
    return {f.location.column if f.location else None: f for f in result.findings if f.code == code}


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("gender", "sex_gender"),
        ("Sex", "sex_gender"),
        ("Geschlecht", "sex_gender"),
        ("patientAge", "age"),
        ("AGE_GROUP", "age"),
        ("edad", "age"),
        ("SeniorCitizen", "age"),
        ("race", "race_ethnicity"),
        ("Ethnicity", "race_ethnicity"),
        ("skin-colour", "race_ethnicity"),
        ("marital-status", "marital_status"),
        ("ever_married", "marital_status"),
        ("religion", "religion"),
        ("nationality", "nationality"),
        ("native_country", "nationality"),
        ("countryOfBirth", "nationality"),
        ("sexual_orientation", "sexual_orientation"),
        ("has_disability", "disability"),
        ("is_pregnant", "pregnancy"),
        ("Pregnancies", "pregnancy"),
        ("political_party", "political_opinion"),
    ],
)
def test_column_names_that_name_a_protected_characteristic(name: str, category: str) -> None:
    assert name_category(name) == category


@pytest.mark.parametrize(
    "name",
    [
        "page",
        "usage",
        "message",
        "racecar",
        "race_id",
        "raceTime",
        "stage",
        "image",
        "average",
        "percentage",
        "language",
        "account_age",
        "vehicle_age",
        "orientation",
        "genre",
        "essex",
        "traceback",
        "political_news",
    ],
)
def test_look_alike_names_are_not_sensitive(name: str) -> None:
    assert name_category(name) is None


@pytest.mark.parametrize(
    ("values", "category"),
    [
        ({"M": 50, "F": 45, "U": 2}, "sex_gender"),
        ({"male": 50, "female": 45, "non-binary": 3, "prefer not to say": 1}, "sex_gender"),
        ({"femenino": 10, "masculino": 12}, "sex_gender"),
        ({"White": 80, "Black": 10, "Asian-Pac-Islander": 5, "Other": 5}, "race_ethnicity"),
        ({"Hispanic or Latino": 30, "Not Hispanic or Latino": 70}, "race_ethnicity"),
        ({"Christian": 40, "Muslim": 30, "Hindu": 20, "No religion": 10}, "religion"),
        ({"Married-civ-spouse": 40, "Never-married": 30, "Divorced": 20}, "marital_status"),
        ({"heterosexual": 90, "gay": 5, "bisexual": 5}, "sexual_orientation"),
    ],
)
def test_value_vocabularies(values: dict[str, int], category: str) -> None:
    assert value_category(values) == category


@pytest.mark.parametrize(
    "values",
    [
        {"white": 50, "black": 50},  # chess
        {"S": 10, "M": 20, "L": 15, "XL": 5},  # sizes
        {"A": 10, "B": 20, "C": 15, "D": 5, "F": 3},  # grades
        {"Marie": 3, "John": 4, "Ana": 2},  # first names
        {"male": 50, "engine": 50},  # half a vocabulary
        {"single": 40, "double": 60},  # rooms
        {"red": 1, "black": 1, "asian": 1, "blue": 10},  # mostly colours
    ],
)
def test_values_that_only_look_sensitive(values: dict[str, int]) -> None:
    assert value_category(values) is None


def test_representation_tables_are_exact_per_split_and_label(tmp_path: Path) -> None:
    write_csv(
        tmp_path / "train" / "a.csv",
        {"gender": ["f", "f", "m", "m", "m", None], "y": [1, 0, 1, 1, 0, 1]},
    )
    write_csv(tmp_path / "test" / "b.csv", {"gender": ["m", "f"], "y": [0, 0]})
    result = audit(tmp_path)
    assert [f.code for f in result.findings] == ["sensitive.attribute"]
    [table] = result.tables
    assert (table["column"], table["category"], table["matched_by"]) == (
        "gender",
        "sex_gender",
        "name",
    )
    splits = {t["split"]: t for t in table["splits"]}
    assert list(splits) == ["train", "test", "all"]
    train = splits["train"]
    assert train["rows"] == 6
    assert [(g["group"], g["count"], g["share"]) for g in train["groups"]] == [
        ("m", 3, 0.5),
        ("f", 2, 0.333333),
        ("(missing)", 1, 0.166667),
    ]
    m = train["groups"][0]["labels"]
    assert [(e["label"], e["count"], e["rate"]) for e in m] == [(0, 1, 0.333333), (1, 2, 0.666667)]
    everything = splits["all"]
    assert [(g["group"], g["count"]) for g in everything["groups"]] == [
        ("m", 4),
        ("f", 3),
        ("(missing)", 1),
    ]
    f = everything["groups"][1]["labels"]
    assert [(e["label"], e["count"], e["rate"]) for e in f] == [(0, 2, 0.666667), (1, 1, 0.333333)]


def test_columns_found_by_values_under_opaque_names(tmp_path: Path) -> None:
    n = 400
    rng = np.random.default_rng(1)
    write_csv(
        tmp_path / "data.csv",
        {
            "col_7": rng.choice(["Male", "Female"], n),
            "q3": rng.choice(["White", "Black", "Asian", "Hispanic"], n),
            "piece": rng.choice(["white", "black"], n),
            "size": rng.choice(["S", "M", "L"], n),
            "page": rng.integers(0, 100, n),
            "message": [f"hello number {i} how are you today" for i in range(n)],
            "y": rng.integers(0, 2, n),
        },
    )
    result = audit(tmp_path)
    found = {t["column"]: (t["category"], t["matched_by"]) for t in result.tables}
    assert found == {"col_7": ("sex_gender", "values"), "q3": ("race_ethnicity", "values")}


def test_numeric_ages_are_bucketed(tmp_path: Path) -> None:
    ages = [5, 17, 18, 24, 25, 40, 64, 65, 99, None]
    write_csv(tmp_path / "train.csv", {"age": ages, "y": [0] * 10})
    [table] = audit(tmp_path).tables
    assert table["buckets"] == ["<18", "18–24", "25–34", "35–44", "45–54", "55–64", "65+"]
    groups = [(g["group"], g["count"]) for g in table["splits"][0]["groups"]]
    assert groups == [
        ("<18", 2),
        ("18–24", 2),
        ("25–34", 1),
        ("35–44", 1),
        ("55–64", 1),
        ("65+", 2),
        ("(missing)", 1),
    ]


def test_a_column_of_implausible_ages_is_not_an_age(tmp_path: Path) -> None:
    write_csv(tmp_path / "train.csv", {"age": [300, 4000, 12, 700] * 10, "y": [0] * 40})
    assert audit(tmp_path).tables == []


def test_imbalance_is_flagged_with_enough_rows_and_ignores_unknowns(tmp_path: Path) -> None:
    write_csv(
        tmp_path / "big" / "train.csv",
        {"sex": ["male"] * 900 + ["female"] * 60 + ["unknown"] * 40, "y": [0] * 1000},
    )
    write_csv(
        tmp_path / "small" / "train.csv", {"sex": ["male"] * 90 + ["female"] * 5, "y": [0] * 95}
    )
    write_csv(
        tmp_path / "even" / "train.csv", {"sex": ["male"] * 500 + ["female"] * 480, "y": [0] * 980}
    )
    big = by_code(audit(tmp_path / "big"), "sensitive.imbalance")["sex"]
    assert big.evidence["groups"] == [{"group": "female", "count": 60, "share": 0.0625}]
    assert big.evidence["largest"] == {"group": "male", "count": 900, "share": 0.9375}
    assert big.evidence["rows"] == 960  # "unknown" is not judged
    assert by_code(audit(tmp_path / "small"), "sensitive.imbalance") == {}
    assert by_code(audit(tmp_path / "even"), "sensitive.imbalance") == {}


def test_label_gaps_need_big_enough_groups_and_a_real_difference(tmp_path: Path) -> None:
    def data(n: int, rate_m: float, rate_f: float) -> dict[str, list[Any]]:
        k_m, k_f = round(n * rate_m), round(n * rate_f)
        return {
            "gender": ["m"] * n + ["f"] * n,
            "y": [1] * k_m + [0] * (n - k_m) + [1] * k_f + [0] * (n - k_f),
        }

    write_csv(tmp_path / "gap" / "train.csv", data(200, 0.6, 0.3))
    write_csv(tmp_path / "tiny" / "train.csv", data(20, 0.6, 0.1))  # groups under 30 rows
    write_csv(tmp_path / "close" / "train.csv", data(200, 0.55, 0.5))  # ratio 0.91, diff 0.05
    gap = by_code(audit(tmp_path / "gap"), "sensitive.label-gap")["gender"]
    ev = gap.evidence
    # both labels differ by 0.3; label 1 has the lower ratio (0.3 / 0.6)
    assert (ev["label"], ev["difference"], ev["ratio"]) == (1, 0.3, 0.5)
    assert ev["high"] == {"group": "m", "rate": 0.6, "rows": 200}
    assert ev["low"] == {"group": "f", "rate": 0.3, "rows": 200}
    assert ev["z"] >= 3
    assert by_code(audit(tmp_path / "tiny"), "sensitive.label-gap") == {}
    assert by_code(audit(tmp_path / "close"), "sensitive.label-gap") == {}


def test_a_four_fifths_gap_on_a_rare_outcome(tmp_path: Path) -> None:
    n = 5000
    y = [1] * 600 + [0] * (n - 600) + [1] * 300 + [0] * (n - 300)  # 12 % vs 6 %: ratio 0.5
    write_csv(tmp_path / "train.csv", {"sex": ["M"] * n + ["F"] * n, "y": y})
    gap = by_code(audit(tmp_path), "sensitive.label-gap")["sex"]
    assert (gap.evidence["label"], gap.evidence["ratio"], gap.evidence["difference"]) == (
        1,
        0.5,
        0.06,
    )
    assert (gap.evidence["high"]["group"], gap.evidence["low"]["group"]) == ("M", "F")


def test_without_a_label_tables_have_counts_only(tmp_path: Path) -> None:
    write_csv(tmp_path / "train.csv", {"religion": ["a", "b", "a"]})
    [table] = audit(tmp_path, label=None).tables
    assert table["label"] is None
    assert all("labels" not in g for g in table["splits"][0]["groups"])
    assert [f.code for f in audit(tmp_path, label=None).findings] == ["sensitive.attribute"]


def test_parquet_dictionaries_many_groups_and_workers(tmp_path: Path) -> None:
    n = 3000
    rng = np.random.default_rng(3)
    nationality = [f"country {i % 80}" for i in range(n)]
    table = pa.table(
        {
            "nationality": pa.array(nationality).dictionary_encode(),
            "gender": rng.choice(["woman", "man"], n),
            "y": rng.integers(0, 2, n),
        }
    )
    pq.write_table(table, tmp_path / "train.parquet", row_group_size=700)
    result = audit(tmp_path, workers=2)
    tables = {t["column"]: t for t in result.tables}
    assert set(tables) == {"nationality", "gender"}
    groups = tables["nationality"]["splits"][0]["groups"]
    assert len(groups) == 51 and groups[-1]["group"] == "(other)"
    assert sum(g["count"] for g in groups) == n
    assert "nationality" not in by_code(result, "sensitive.imbalance")  # 80 groups: not judged


def test_a_label_with_many_values_gives_no_rates(tmp_path: Path) -> None:
    write_csv(tmp_path / "train.csv", {"sex": ["m", "f"] * 50, "y": list(range(100))})
    [table] = audit(tmp_path).tables
    assert table["label"] is None


def test_sample_reads_only_the_first_rows(tmp_path: Path) -> None:
    write_csv(tmp_path / "train.csv", {"gender": ["m"] * 50 + ["f"] * 50, "y": [0] * 100})
    [table] = audit(tmp_path, sample=60).tables
    assert [(g["group"], g["count"]) for g in table["splits"][0]["groups"]] == [
        ("m", 50),
        ("f", 10),
    ]


def test_nothing_sensitive_means_no_findings(tmp_path: Path) -> None:
    write_csv(tmp_path / "train.csv", {"page": [1, 2], "usage": ["a", "b"], "y": [0, 1]})
    result = audit(tmp_path)
    assert (result.findings, result.tables) == ([], [])


def test_a_split_without_the_label_is_counted_without_rates(tmp_path: Path) -> None:
    write_csv(tmp_path / "train" / "a.csv", {"gender": ["m", "f", "f"], "y": [1, 0, 1]})
    write_csv(tmp_path / "test" / "b.csv", {"gender": ["m", "m"]})
    [table] = audit(tmp_path).tables
    test = next(t for t in table["splits"] if t["split"] == "test")
    assert [(g["group"], g["count"], g["labels"]) for g in test["groups"]] == [
        ("m", 2, [{"label": None, "count": 2, "rate": 1.0}])
    ]


@pytest.mark.parametrize("module", [sensitive, sensitive_names, sensitive_scan, sensitive_tables])
def test_doctests(module: object) -> None:
    assert doctest.testmod(module).failed == 0  # type: ignore[arg-type]
