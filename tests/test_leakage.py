"""``datacard leaks`` on real files: planted exact, near and label-conflict pairs are found."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from datacard.card import LeakagePolicy, Policy
from datacard.checks.leakage import LeakageCheck, leakage_findings
from datacard.cli import main
from datacard.leakage.leaks import LeaksResult, run_leaks

WORDS = np.array(
    [
        "".join(np.random.default_rng(i).choice(list("abcdefghijklmnopqrstuvwxyz"), 6))
        for i in range(3000)
    ]
)


def doc(seed: int, n: int = 60) -> str:
    rng = np.random.default_rng(10_000 + seed)
    return " ".join(rng.choice(WORDS, n))


def near(text: str) -> str:
    """About 10 % of the words edited (substituted, inserted, deleted)."""
    words = text.split()
    words[3] = "zzzsubst"
    words.insert(10, "zzzinsert")
    del words[20]
    words[30] = "zzzother"
    words.insert(40, "zzzmore")
    del words[50]
    return " ".join(words)


def write_jsonl(path: Path, rows: Sequence[Mapping[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """train: a.csv (rows 0-29) + b.jsonl (rows 0-29); test: c.parquet (rows 0-19).

    Planted: test row 3 == train b.jsonl row 7 (exact, after normalisation); test row 5 ≈ train
    a.csv row 11 (near); test row 8 has train a.csv row 2's text with another label; b.jsonl
    row 12 repeats a.csv row 4 (within train).
    """
    root = tmp_path / "data"
    (root / "train").mkdir(parents=True)
    (root / "test").mkdir()
    a = [{"text": doc(i), "label": "x"} for i in range(30)]
    b = [{"text": doc(100 + i), "label": "y"} for i in range(30)]
    b[12] = dict(a[4])
    t = [{"text": doc(200 + i), "label": "x"} for i in range(20)]
    t[3] = {"text": "  " + b[7]["text"].upper() + " !!", "label": b[7]["label"]}
    t[5] = {"text": near(a[11]["text"]), "label": "x"}
    t[8] = {"text": a[2]["text"], "label": "z"}
    pacsv.write_csv(pa.Table.from_pylist(a), root / "train" / "a.csv")
    write_jsonl(root / "train" / "b.jsonl", b)
    pq.write_table(pa.Table.from_pylist(t), root / "test" / "c.parquet", row_group_size=7)
    return root


def pairs_of(result: LeaksResult, kind: str, a: str, b: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = result.to_json()["pairs"]
    return [p for p in out if p["kind"] == kind and p["a"] == a and p["b"] == b]


def test_planted_pairs_are_found_with_files_and_rows(data: Path) -> None:
    result = run_leaks(data, text=["text"], label="label", workers=2)
    (exact,) = pairs_of(result, "exact", "train", "test")
    assert exact["count"] == 1 and exact["fraction"] == pytest.approx(1 / 20)
    assert exact["examples"] == [
        {
            "a_file": "train/b.jsonl",
            "a_row": 7,
            "b_file": "test/c.parquet",
            "b_row": 3,
            "similarity": 1.0,
        }
    ]
    # near-duplicate text: the edited copy, and the copy with another label (not a whole-row
    # duplicate, so it is reported here too)
    (near_pair,) = pairs_of(result, "near", "train", "test")
    assert near_pair["count"] == 2
    found = {(e["a_file"], e["a_row"], e["b_row"]): e["similarity"] for e in near_pair["examples"]}
    assert set(found) == {("train/a.csv", 11, 5), ("train/a.csv", 2, 8)}
    assert 0.8 <= found["train/a.csv", 11, 5] < 1.0
    (conflict,) = pairs_of(result, "label-conflict", "train", "test")
    assert [(e["a_file"], e["a_row"], e["b_row"]) for e in conflict["examples"]] == [
        ("train/a.csv", 2, 8)
    ]
    (dups,) = pairs_of(result, "exact", "train", "train")
    assert [(e["a_file"], e["a_row"], e["b_file"], e["b_row"]) for e in dups["examples"]] == [
        ("train/a.csv", 4, "train/b.jsonl", 12)
    ]
    assert dups["fraction"] == pytest.approx(1 / 60)
    codes = sorted(f.code for f in result.findings)
    assert codes == [
        "leakage.duplicates",
        "leakage.exact-overlap",
        "leakage.label-conflict",
        "leakage.near-overlap",
    ]
    assert all(p["count"] == 0 for p in pairs_of(result, "exact", "test", "test"))


def test_shared_boilerplate_is_not_a_near_duplicate(tmp_path: Path) -> None:
    boiler = "this article is licensed under the creative commons attribution license 4.0"
    train = [{"text": f"{boiler}. {doc(i, 40)}"} for i in range(40)]
    test = [{"text": f"{boiler}. {doc(500 + i, 40)}"} for i in range(20)]
    (tmp_path / "train").mkdir()
    (tmp_path / "test").mkdir()
    write_jsonl(tmp_path / "train" / "part.jsonl", train)
    write_jsonl(tmp_path / "test" / "part.jsonl", test)
    result = run_leaks(tmp_path, text=["text"], workers=1)
    assert [p.count for p in result.pairs] == [0] * len(result.pairs)
    assert result.findings == []
    assert result.summary_lines()[-1] == "no leakage found"


def test_empty_short_and_cjk_texts(tmp_path: Path) -> None:
    (tmp_path / "train").mkdir()
    (tmp_path / "test").mkdir()
    cjk = "機械学習のデータセットでは訓練データと評価データの重複が問題になることがある"
    train = pa.table({"text": ["", None, "ok", cjk, "短い"], "n": [1, 2, 3, 4, 5]})
    test = pa.table(
        {"text": ["", None, "ok", cjk.replace("問題", "課題"), "長い"], "n": [6, 7, 8, 9, 10]}
    )
    pq.write_table(train, tmp_path / "train" / "p.parquet")
    pq.write_table(test, tmp_path / "test" / "p.parquet")
    result = run_leaks(tmp_path, text=["text"], key=["text"], workers=1)
    (exact,) = pairs_of(result, "exact", "train", "test")
    # "", null and "ok" repeat exactly (empty text is a value too); nothing else does
    assert exact["count"] == 3
    (near_pair,) = pairs_of(result, "near", "train", "test")
    assert [(e["a_row"], e["b_row"]) for e in near_pair["examples"]] == [(3, 3)]


def test_cli_exit_codes_json_and_out(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "pairs.parquet"
    with pytest.raises(SystemExit) as info:
        main(
            ["leaks", str(data), "--text", "text", "--label", "label", "--json", "--out", str(out)]
        )
    assert info.value.code == 1
    payload = json.loads(capsys.readouterr().out)
    assert set(payload) == {"pairs"}
    for p in payload["pairs"]:
        assert set(p) == {"a", "b", "kind", "count", "fraction", "examples"}
        assert p["kind"] in {"exact", "near", "label-conflict"}
        for e in p["examples"]:
            assert set(e) == {"a_file", "a_row", "b_file", "b_row", "similarity"}
    table = pq.read_table(out)
    assert table.column_names == [
        "a_split",
        "a_file",
        "a_row",
        "b_split",
        "b_file",
        "b_row",
        "kind",
        "similarity",
    ]
    rows = table.to_pylist()
    assert {
        "a_split": "train",
        "a_file": "train/b.jsonl",
        "a_row": 7,
        "b_split": "test",
        "b_file": "test/c.parquet",
        "b_row": 3,
        "kind": "exact",
        "similarity": 1.0,
    } in rows
    assert sum(r["kind"] == "near" for r in rows) == 2


def test_cli_clean_data_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "train").mkdir()
    (tmp_path / "test").mkdir()
    pacsv.write_csv(pa.table({"text": [doc(i) for i in range(10)]}), tmp_path / "train" / "a.csv")
    pacsv.write_csv(
        pa.table({"text": [doc(50 + i) for i in range(5)]}), tmp_path / "test" / "a.csv"
    )
    with pytest.raises(SystemExit) as info:
        main(["leaks", str(tmp_path), "--text", "text"])
    assert info.value.code == 0
    assert "no leakage found" in capsys.readouterr().out


def test_unknown_column_is_a_usage_error(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["leaks", str(data), "--text", "nope"])
    assert info.value.code == 2
    assert "nope" in capsys.readouterr().err


def test_check_runs_only_when_enabled(data: Path) -> None:
    assert leakage_findings(data, Policy()) == []
    policy = Policy(label="label", leakage=LeakagePolicy(enabled=True, text=["text"]))
    codes = {f.code for f in leakage_findings(data, policy, workers=1)}
    assert "leakage.exact-overlap" in codes and "leakage.label-conflict" in codes
    from datacard.card import Card

    check = LeakageCheck(data, workers=1)
    assert {f.code for f in check.run(Card(name="d", policy=policy))} == codes


def test_long_and_short_texts_hash_alike_in_any_batch() -> None:
    """Long strings take another hashing path; a string must hash alike wherever it appears."""
    import pyarrow as pa

    from datacard.leakage.textkey import LONG_BYTES, text_hashes

    long_text = "word " * (LONG_BYTES // 2)
    short = "a short text"
    mixed = text_hashes(pa.array([short, long_text, "other"]))
    alone = text_hashes(pa.array([long_text]))
    assert mixed[1] == alone[0]
    assert mixed[0] == text_hashes(pa.array([short]))[0]
    assert len({int(h) for h in mixed}) == 3
    assert text_hashes(pa.array([long_text.upper() + "  "]))[0] == alone[0]  # normalised first
