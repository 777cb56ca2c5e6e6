"""Benchmark contamination on real files: planted items are found (index, file, row), clean ones
are not; CSV, JSON Lines and Parquet on both sides; short, empty and non-Latin texts; the CLI."""

from __future__ import annotations

import doctest
import json
import random
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from datacard.card import ContaminationPolicy, Policy
from datacard.cli import main
from datacard.errors import SourceError, UsageError
from datacard.leakage import (
    benchmarks,
    contamination,
    items,
    matching,
    nearscan,
    ngrams,
    training,
    trainscan,
)
from datacard.leakage.contamination import contamination_findings, run_contamination

SYLLABLES = [
    "ka",
    "to",
    "ri",
    "mon",
    "sel",
    "bar",
    "ven",
    "li",
    "qu",
    "ost",
    "pra",
    "dex",
    "nu",
    "gil",
    "fa",
    "ter",
    "ion",
    "am",
    "ble",
    "cor",
]
NAMES = ["Natalia", "Weng", "Betty", "Julie", "James", "Albert", "Priya", "Omar", "Chen"]


class Gen:
    """Word-problem-like text: Zipf words, numbers, names and a few stock phrases."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        vocab = sorted(
            {
                "".join(random.Random(i).choice(SYLLABLES) for _ in range(1 + i % 3)) + str(i % 7)
                for i in range(3000)
            }
        )
        self.vocab = [w.rstrip("0123456789") + "xyzwvqjk"[int(w[-1])] for w in vocab]
        total, self.cum = 0.0, []
        for i in range(len(self.vocab)):
            total += 1 / (i + 1)
            self.cum.append(total)

    def sentence(self) -> str:
        out = []
        for _ in range(self.rng.randint(9, 16)):
            r = self.rng.random()
            if r < 0.1:
                out.append(str(self.rng.randint(1, 500)))
            elif r < 0.16:
                out.append(self.rng.choice(NAMES))
            elif r < 0.2:
                out.append(self.rng.choice(["how many", "in total", "at the end of the"]))
            else:
                out.append(self.rng.choices(self.vocab, cum_weights=self.cum)[0])
        text = " ".join(out)
        return text[0].upper() + text[1:] + self.rng.choice(".?!")

    def doc(self, sentences: int) -> str:
        return " ".join(self.sentence() for _ in range(sentences))

    def renamed(self, text: str) -> str:
        """Every number and name changed."""
        out = []
        for tok in text.split(" "):
            core = tok.rstrip(".?!")
            if core.isdigit():
                core = str(int(core) + self.rng.randint(1, 9))
            elif core in NAMES:
                core = self.rng.choice([n for n in NAMES if n != core])
            out.append(core + tok[len(core) :])
        return " ".join(out)

    def added(self, text: str) -> str:
        """A sentence added in the middle."""
        half = text.find(". ") + 1 or len(text)
        return text[:half] + " " + self.sentence() + text[half:]


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[int, int], int]:
    """2,000 training docs with 9 planted benchmark items; a benchmark of 9 + 60 clean items.

    Returns the dataset root, {benchmark item: training row} and the benchmark size.
    """
    g = Gen(7)
    root = tmp_path_factory.mktemp("planted")
    bench = [g.doc(3) for _ in range(69)]
    docs = [g.doc(g.rng.randint(2, 4)) for _ in range(2000)]
    where: dict[int, int] = {}
    for item in range(9):
        text = bench[item]
        if item % 3 == 1:
            text = g.renamed(text)
        elif item % 3 == 2:
            text = g.added(text)
        if item >= 3:  # inside a longer document
            text = g.doc(1) + " " + text + " " + g.doc(1)
        row = 150 * item + 17
        docs[row] = text
        where[item] = row
    (root / "data" / "train").mkdir(parents=True)
    (root / "data" / "test").mkdir()
    half = 1000
    with (root / "data" / "train" / "a.jsonl").open("w", encoding="utf-8") as f:
        for i, d in enumerate(docs[:half]):
            f.write(json.dumps({"id": i, "text": d}) + "\n")
    pq.write_table(pa.table({"text": docs[half:]}), root / "data" / "train" / "b.parquet")
    # A test split holding every benchmark item: never searched (not training data).
    pq.write_table(pa.table({"text": bench}), root / "data" / "test" / "t.parquet")
    with (root / "bench.jsonl").open("w", encoding="utf-8") as f:
        for i, q in enumerate(bench):
            f.write(json.dumps({"question": q, "answer": i}) + "\n")
    return root, where, len(bench)


def _location(item: int, row: int) -> tuple[str, int]:
    return ("train/a.jsonl", row) if row < 1000 else ("train/b.parquet", row - 1000)


def test_planted_items_are_found_where_they_are(
    planted: tuple[Path, dict[int, int], int],
) -> None:
    root, where, size = planted
    result = run_contamination(root / "data", [str(root / "bench.jsonl:question")], workers=2)
    (b,) = result.benchmarks
    assert b.items == size and result.split == "train"
    found = {h.item: h for h in b.hits}
    assert set(found) == set(where), "every planted item found, no clean item flagged"
    for item, row in where.items():
        assert (found[item].file, found[item].row) == _location(item, row)
    assert found[0].kind == "exact" and found[0].score == 1.0
    assert {found[i].kind for i in (1, 2, 4, 5, 7, 8)} <= {"ngram", "near"}
    assert b.short_items == 0
    (finding,) = result.findings
    assert finding.code == "contamination.exact"
    assert finding.evidence["contaminated"] == 9
    assert finding.evidence["first_hits"][0]["item"] == 0


def test_fields_are_joined_and_csv_parquet_benchmarks_read(
    tmp_path: Path, planted: tuple[Path, dict[int, int], int]
) -> None:
    root, where, _ = planted
    lines = (root / "bench.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    # Split each question in two fields: joined, they are the question again.
    first = [r["question"].split(". ", 1)[0] for r in rows]
    rest = [r["question"][len(f) :] for r, f in zip(rows, first)]
    table = pa.table({"q1": first, "q2": rest, "n": [r["answer"] for r in rows]})
    pacsv.write_csv(table, tmp_path / "bench.csv")
    pq.write_table(table, tmp_path / "bench.parquet")
    result = run_contamination(
        root / "data",
        ["bench.csv:q1,q2", "bench.parquet:q1,q2"],
        workers=1,
        base=tmp_path,
    )
    for b in result.benchmarks:
        assert b.fields == ("q1", "q2")
        assert {h.item for h in b.hits} == set(where)
        assert next(h for h in b.hits if h.item == 0).kind == "exact"


def test_training_csv_and_text_columns(tmp_path: Path) -> None:
    g = Gen(3)
    docs = [g.doc(2) for _ in range(50)]
    root = tmp_path / "ds"
    root.mkdir()
    table = pa.table({"prompt": docs, "note": ["x"] * 50, "n": list(range(50))})
    pacsv.write_csv(table, root / "dev.csv")  # no train split: every file is searched
    bench = tmp_path / "b.jsonl"
    bench.write_text(json.dumps({"q": docs[42]}) + "\n" + json.dumps({"q": g.doc(2)}) + "\n")
    result = run_contamination(root, [f"{bench}:q"], text=["prompt"], workers=1)
    assert result.split == "all"
    (hit,) = result.benchmarks[0].hits
    assert (hit.item, hit.kind, hit.file, hit.row) == (0, "exact", "dev.csv", 42)
    with pytest.raises(UsageError, match="did you mean 'prompt'"):
        run_contamination(root, [f"{bench}:q"], text=["promt"], workers=1)


def test_short_and_empty_items_are_matched_exactly_only(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    root.mkdir()
    train = ["What is the capital of France?", "", None, "one two three four five six seven"]
    pq.write_table(pa.table({"text": train}), root / "train.parquet")
    bench = tmp_path / "b.jsonl"
    items_ = ["what is the CAPITAL of france", "", None, "one two three four five six", "x"]
    bench.write_text("\n".join(json.dumps({"q": q}) for q in items_) + "\n")
    result = run_contamination(root, [str(bench)], workers=1)
    b = result.benchmarks[0]
    assert b.items == 5 and b.short_items == 5
    assert [(h.item, h.kind, h.row) for h in b.hits] == [(0, "exact", 0)]
    assert "matched exactly only" in "\n".join(result.summary_lines())
    assert result.to_json()["benchmarks"][0]["short_items"] == 5


def test_non_latin_text(tmp_path: Path) -> None:
    ja = "東京は日本の首都であり、世界で最も人口の多い都市圏の一つとして知られています"
    hi = (
        "भारत एक विशाल देश है जिसमें अनेक भाषाएँ बोली जाती हैं और यहाँ की संस्कृति बहुत पुरानी "
        "तथा समृद्ध मानी जाती है"
    )
    root = tmp_path / "ds"
    root.mkdir()
    train = ["無関係な文章です。" + ja + "。以上。", "कुछ और पाठ। " + hi + " अंत।", "nothing here"]
    pq.write_table(pa.table({"text": train}), root / "train.parquet")
    bench = tmp_path / "b.jsonl"
    clean = "今日は天気が良いので公園に散歩に行きましたが、人が多くてとても賑やかでした"
    lines = [json.dumps({"q": q}, ensure_ascii=False) for q in (ja, hi, clean)]
    bench.write_text("\n".join(lines) + "\n", encoding="utf-8")
    b = run_contamination(root, [str(bench)], workers=1).benchmarks[0]
    assert [(h.item, h.kind, h.row) for h in b.hits] == [(0, "ngram", 0), (1, "ngram", 1)]


@pytest.mark.parametrize(
    ("spec", "error", "text"),
    [
        ("missing.jsonl", SourceError, "benchmark file not found"),
        ("b.jsonl:qestion", UsageError, "did you mean 'question'"),
        ("b.txt", SourceError, "not a benchmark format"),
        ("b.jsonl:n", UsageError, "not text"),
    ],
)
def test_bad_benchmarks_are_one_line_errors(
    tmp_path: Path, spec: str, error: type[Exception], text: str
) -> None:
    (tmp_path / "b.jsonl").write_text('{"question": "q", "n": [1]}\n')
    (tmp_path / "b.txt").write_text("hello\n")
    root = tmp_path / "ds"
    root.mkdir()
    pq.write_table(pa.table({"text": ["a"]}), root / "train.parquet")
    with pytest.raises(error, match=text) as info:
        run_contamination(root, [spec], workers=1, base=tmp_path)
    assert "\n" not in str(info.value) and "(" in str(info.value)


def test_cli_exit_codes_and_json(
    capsys: pytest.CaptureFixture[str], planted: tuple[Path, dict[int, int], int]
) -> None:
    root, where, size = planted
    with pytest.raises(SystemExit) as info:
        main(["contamination", str(root / "data"), "--benchmark", f"{root}/bench.jsonl:question"])
    assert info.value.code == 1
    assert "9 of 69 items contaminated" in capsys.readouterr().out
    spec = f"{root}/bench.jsonl:question"
    with pytest.raises(SystemExit) as info:
        main(["contamination", str(root / "data"), "--benchmark", spec, "--json"])
    payload = json.loads(capsys.readouterr().out)
    (b,) = payload["benchmarks"]
    assert {"path", "items", "contaminated", "hits", "rate", "short_items"} <= set(b)
    assert (b["items"], b["contaminated"]) == (size, len(where))
    hit = b["hits"][0]
    assert set(hit) == {"item", "kind", "score", "match"}
    assert set(hit["match"]) == {"file", "row"}
    clean = root / "clean.jsonl"
    clean.write_text(json.dumps({"question": Gen(99).doc(3)}) + "\n")
    with pytest.raises(SystemExit) as info:
        main(["contamination", str(root / "data"), "--benchmark", str(clean)])
    assert info.value.code == 0
    with pytest.raises(SystemExit) as info:
        main(["contamination", str(root / "data"), "--benchmark", str(root / "nope.jsonl")])
    assert info.value.code == 2
    assert "benchmark file not found" in capsys.readouterr().err


def test_findings_from_the_card_policy(planted: tuple[Path, dict[int, int], int]) -> None:
    root, _, _ = planted
    (root / "data" / "bench.jsonl").write_bytes((root / "bench.jsonl").read_bytes())
    try:
        policy = Policy(contamination=ContaminationPolicy(benchmarks=["bench.jsonl:question"]))
        (finding,) = contamination_findings(root / "data", policy, workers=1)
        assert finding.code == "contamination.exact" and finding.where == "bench.jsonl"
        assert contamination_findings(root / "data", Policy()) == []
    finally:
        (root / "data" / "bench.jsonl").unlink()


def test_workers_do_not_import_pandas(planted: tuple[Path, dict[int, int], int]) -> None:
    root, _, _ = planted
    code = (
        "import sys\n"
        "from datacard.leakage.contamination import run_contamination\n"
        f"run_contamination({str(root / 'data')!r}, [{str(root / 'bench.jsonl')!r}], workers=1)\n"
        "assert 'pandas' not in sys.modules, 'pandas imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    "module",
    [benchmarks, contamination, items, matching, nearscan, ngrams, training, trainscan],
)
def test_doctests(module: object) -> None:
    assert doctest.testmod(module).failed == 0  # type: ignore[arg-type]
