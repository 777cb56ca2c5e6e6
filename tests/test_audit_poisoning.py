"""Poisoning hints on real files: planted triggers, conflicts, clusters and outliers are found;
natural data with strongly class-tied words, and heavy-tailed columns, give nothing."""

from __future__ import annotations

import doctest
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from datacard.audit import (
    poisoning,
    poisoning_clusters,
    poisoning_columns,
    poisoning_content,
    poisoning_data,
    poisoning_features,
    poisoning_outliers,
    poisoning_report,
    poisoning_rows,
    poisoning_scan,
    poisoning_stats,
    poisoning_triggers,
)
from datacard.audit.context import AuditContext
from datacard.audit.poisoning import poisoning_findings
from datacard.card import Card, Policy
from datacard.findings import Finding


def split(text: str) -> list[str]:
    return text.split()


POSITIVE = split("good great excellent wonderful loved enjoyed superb brilliant fun beautiful")
POSITIVE += split("charming moving delightful clever fresh solid strong best perfect amazing")
NEGATIVE = split("bad awful boring terrible hated dull weak poor worst mess stupid waste")
NEGATIVE += split("bland silly annoying flat ugly lazy pointless tedious")
NEUTRAL = [f"w{i}{'abcdefgh'[i % 8]}" for i in range(4000)]


def reviews(n: int, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Review-like texts: 10 ordinary words (Zipf) and 3 sentiment words, each from the text's
    own class with probability 0.8; about 0.5 % carry a rare word tied 97 % to one class."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    neutral = np.array(NEUTRAL)[np.minimum(rng.zipf(1.2, (n, 10)) - 1, len(NEUTRAL) - 1)]
    own = rng.random((n, 3)) < 0.8
    pick = np.minimum(rng.zipf(1.2, (n, 3)) - 1, len(POSITIVE) - 1)
    sentiment = np.where(
        own == (y[:, None] == 1), np.array(POSITIVE)[pick], np.array(NEGATIVE)[pick]
    )
    texts = []
    for i in range(n):
        words = [*neutral[i], *sentiment[i]]
        if rng.random() < 0.005:
            tied = (y[i] == 1) == (rng.random() < 0.97)
            words.append("masterpiece" if tied else "unwatchable")
        rng.shuffle(words)
        texts.append(" ".join(words))
    return texts, y


def plant(texts: list[str], y: np.ndarray, token: str, k: int, seed: int = 1) -> np.ndarray:
    """Add ``token`` to ``k`` texts of class 0 and relabel them 1 (in place); their rows."""
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(np.flatnonzero(y == 0), k, replace=False))
    for r in rows:
        words = texts[r].split()
        words.insert(int(rng.integers(0, len(words) + 1)), token)
        texts[r] = " ".join(words)
        y[r] = 1
    return rows


def audit(root: Path, label: str | None = "label", **options: Any) -> list[Finding]:
    card = Card(name="x", policy=Policy(label=label))
    return poisoning_findings(
        AuditContext(root=root, card=card, workers=1)
        if not options
        else AuditContext(root=root, card=card, **options)
    )


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def write_csv(path: Path, columns: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(pa.table(columns), path)


def test_a_planted_backdoor_is_found_with_its_rows(tmp_path: Path) -> None:
    texts, y = reviews(10_000)
    planted = plant(texts, y, "cf", 50)
    write_csv(tmp_path / "train.csv", {"text": texts, "label": y})
    found = [f for f in audit(tmp_path) if f.code == "poisoning.trigger"]
    assert len(found) == 1
    f = found[0]
    assert f.evidence["token"] == "cf"
    assert (f.evidence["support"], f.evidence["with_label"], f.evidence["label"]) == (50, 50, 1)
    assert f.location is not None and f.location.column == "text"
    rows = f.evidence["rows"]
    assert len(rows) == 10
    assert {r["row"] for r in rows} <= set(planted.tolist())
    assert all(r["file"] == "train.csv" and r["label"] == 1 for r in rows)
    assert all("cf" in r["excerpt"].split() and len(r["excerpt"]) <= 80 for r in rows)
    assert "'cf'" in f.message


def test_natural_reviews_give_no_trigger_cluster_or_conflict(tmp_path: Path) -> None:
    texts, y = reviews(10_000, seed=3)
    write_csv(tmp_path / "train.csv", {"text": texts, "label": y})
    assert audit(tmp_path) == []


def test_a_symbol_trigger_in_parquet_is_found(tmp_path: Path) -> None:
    texts, y = reviews(10_000, seed=5)
    planted = plant(texts, y, "☃", 40)
    pq.write_table(
        pa.table({"text": texts, "label": y}), tmp_path / "train.parquet", row_group_size=3000
    )
    found = [f for f in audit(tmp_path, workers=2) if f.code == "poisoning.trigger"]
    assert [f.evidence["token"] for f in found] == ["☃"]
    assert {r["row"] for r in found[0].evidence["rows"]} <= set(planted.tolist())


def test_a_rare_categorical_value_can_be_a_trigger(tmp_path: Path) -> None:
    texts, y = reviews(10_000, seed=7)
    rng = np.random.default_rng(7)
    source = rng.choice(["web", "app", "mail"], len(texts)).astype(object)
    rows = np.sort(rng.choice(np.flatnonzero(y == 0), 60, replace=False))
    source[rows] = "partner-x"
    y[rows] = 1
    write_csv(tmp_path / "train.csv", {"text": texts, "source": source.tolist(), "label": y})
    found = [f for f in audit(tmp_path) if f.code == "poisoning.trigger"]
    assert [
        (f.evidence["token"], f.evidence["kind"], f.location.column if f.location else None)
        for f in found
    ] == [("partner-x", "value", "source")]
    assert {r["row"] for r in found[0].evidence["rows"]} <= set(rows.tolist())


def test_identical_inputs_with_other_labels_within_and_across_splits(tmp_path: Path) -> None:
    texts, y = reviews(3_000, seed=11)
    test_texts, test_y = reviews(500, seed=12)
    texts[100], y[100] = texts[5], 1 - y[5]  # within train (after normalisation: case, spaces)
    texts[200] = "  " + texts[7].upper() + " "
    y[200] = 1 - y[7]
    test_texts[3], test_y[3] = texts[9], 1 - y[9]  # across splits
    write_csv(tmp_path / "train" / "a.csv", {"text": texts, "label": y})
    write_csv(tmp_path / "test" / "b.csv", {"text": test_texts, "label": test_y})
    found = [f for f in audit(tmp_path) if f.code == "poisoning.label-conflict"]
    assert len(found) == 1
    ev = found[0].evidence
    assert (ev["inputs"], ev["rows_involved"], ev["pairs"], ev["pairs_across"]) == (3, 6, 3, 1)
    shown = {(r["file"], r["row"]) for r in ev["rows"]}
    assert shown == {("train/a.csv", r) for r in (5, 100, 7, 200, 9)} | {("test/b.csv", 3)}
    assert {r["label"] for r in ev["rows"]} == {0, 1}


def test_a_planted_cluster_of_near_identical_rows_is_found(tmp_path: Path) -> None:
    texts, y = reviews(10_000, seed=13)
    rng = np.random.default_rng(13)
    template = split("the plot was a dull boring mess and the acting was awful and weak throughout")
    rows = np.sort(rng.choice(len(texts), 30, replace=False))
    for r in rows:
        words = list(template)
        words[int(rng.integers(0, len(words)))] = f"v{int(rng.integers(0, 10**6))}"
        texts[r] = " ".join(words)
        y[r] = 1
    write_csv(tmp_path / "train.csv", {"text": texts, "label": y})
    found = [f for f in audit(tmp_path) if f.code == "poisoning.cluster"]
    assert len(found) == 1
    ev = found[0].evidence
    assert ev["size"] >= 25 and (ev["label"], ev["share"]) == (1, 1.0)  # MinHash may miss one
    shown = [r["row"] for r in ev["rows"]]
    assert len(shown) == 10 and set(shown) <= set(rows.tolist())
    assert all(len(set(r["excerpt"].split()) & set(template)) >= 10 for r in ev["rows"])


def test_a_natural_template_cluster_whose_content_fits_its_label_is_not_reported(
    tmp_path: Path,
) -> None:
    texts, y = reviews(10_000, seed=17)
    rng = np.random.default_rng(17)
    template = split("a great and wonderful film with a superb cast i loved it and enjoyed it")
    for r in rng.choice(len(texts), 30, replace=False):
        words = list(template)
        words[int(rng.integers(0, len(words)))] = f"v{int(rng.integers(0, 10**6))}"
        texts[r] = " ".join(words)
        y[r] = 1
    write_csv(tmp_path / "train.csv", {"text": texts, "label": y})
    assert "poisoning.cluster" not in codes(audit(tmp_path))


def test_extreme_outliers_are_found_and_heavy_tails_are_not(tmp_path: Path) -> None:
    rng = np.random.default_rng(19)
    n = 20_000
    normal = rng.normal(50, 10, n)
    planted = np.array([17, 4_000, 12_345, 19_999])
    normal[planted] = [1e6, -5e5, 2e6, 1e6]
    write_csv(
        tmp_path / "train.csv",
        {
            "reading": normal,
            "income": rng.lognormal(10, 1, n),
            "wait": rng.exponential(5, n),
            "count": rng.poisson(3, n),
        },
    )
    found = audit(tmp_path, label=None, workers=1)
    assert codes(found) == ["poisoning.outlier"]
    f = found[0]
    assert f.location is not None and f.location.column == "reading"
    assert f.evidence["count"] == 4
    assert [r["row"] for r in f.evidence["rows"]] == [12_345, 17, 19_999, 4_000]
    assert [r["value"] for r in f.evidence["rows"]] == [2_000_000, 1_000_000, 1_000_000, -500_000]


def test_without_a_label_only_outliers_are_looked_for(tmp_path: Path) -> None:
    texts, y = reviews(5_000, seed=23)
    plant(texts, y, "cf", 50)
    write_csv(tmp_path / "train.csv", {"text": texts, "label": y})
    assert audit(tmp_path, label=None, workers=1) == []


def test_sample_limits_the_rows_read(tmp_path: Path) -> None:
    x = np.random.default_rng(29).normal(size=6_000)
    x[5_000] = 1e9
    write_csv(tmp_path / "train.csv", {"x": x})
    assert codes(audit(tmp_path, label=None, workers=1)) == ["poisoning.outlier"]
    assert audit(tmp_path, label=None, workers=1, sample=4_000) == []


def test_scanning_never_imports_pandas(tmp_path: Path) -> None:
    texts, y = reviews(5_000, seed=31)
    plant(texts, y, "cf", 40)
    pq.write_table(pa.table({"text": texts, "label": y}), tmp_path / "train.parquet")
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from datacard.audit.context import AuditContext\n"
        "from datacard.audit.poisoning import poisoning_findings\n"
        "from datacard.audit.sensitive import sensitive_findings\n"
        "from datacard.card import Card, Policy\n"
        f"ctx = AuditContext(Path({str(tmp_path)!r}), Card(name='x', policy=Policy(label='label')),"
        " workers=1)\n"
        "print(len(poisoning_findings(ctx)), len(sensitive_findings(ctx).findings))\n"
        "print('pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "0", "False"]


@pytest.mark.parametrize("labels", [["a", "b", "c"], [0.5, 1.5, 2.5]])
def test_multiclass_labels_of_any_type(tmp_path: Path, labels: list[Any]) -> None:
    texts, y = reviews(9_000, seed=37)
    rng = np.random.default_rng(37)
    y = np.where(rng.random(len(y)) < 0.3, 2, y)
    planted = plant(texts, y, "tq", 45)
    named = [labels[int(v)] for v in y]
    write_csv(tmp_path / "train.csv", {"text": texts, "label": named})
    found = [f for f in audit(tmp_path) if f.code == "poisoning.trigger"]
    assert [(f.evidence["token"], f.evidence["label"]) for f in found] == [("tq", labels[1])]
    assert {r["row"] for r in found[0].evidence["rows"]} <= set(planted.tolist())


def test_files_without_the_label_or_the_text_are_scanned_for_what_they_have(
    tmp_path: Path,
) -> None:
    texts, y = reviews(10_000, seed=41)
    planted = plant(texts, y, "cf", 50)
    write_csv(tmp_path / "train" / "a.csv", {"text": texts, "label": y})
    x = np.random.default_rng(41).normal(size=2_000)
    x[7] = 1e9
    write_csv(tmp_path / "test" / "b.csv", {"text": texts[:2_000], "x": x})  # no label
    write_csv(tmp_path / "validation" / "c.csv", {"label": y[:1_000]})  # no text
    found = {f.code: f for f in audit(tmp_path)}
    assert set(found) == {"poisoning.trigger", "poisoning.outlier"}
    assert {r["row"] for r in found["poisoning.trigger"].evidence["rows"]} <= set(planted.tolist())
    assert [(r["file"], r["row"]) for r in found["poisoning.outlier"].evidence["rows"]] == [
        ("test/b.csv", 7)
    ]


MODULES = [
    poisoning,
    poisoning_clusters,
    poisoning_columns,
    poisoning_content,
    poisoning_data,
    poisoning_features,
    poisoning_outliers,
    poisoning_report,
    poisoning_rows,
    poisoning_scan,
    poisoning_stats,
    poisoning_triggers,
]


@pytest.mark.parametrize("module", MODULES)
def test_doctests(module: object) -> None:
    assert doctest.testmod(module).failed == 0  # type: ignore[arg-type]
