"""The CLI end to end on real files: init → check → change → check fails → update → check."""

from __future__ import annotations

import json
import math
from pathlib import Path
from xml.etree import ElementTree

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from cli_run import run
from datacard.cli import main


@pytest.fixture
def data(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    (root / "train").mkdir(parents=True)
    (root / "test").mkdir()
    train = pa.table(
        {
            "x": [1.0, 2.0, 3.0, 4.0, None, 6.0],
            "label": ["a", "b", "a", "b", "a", "a"],
            "n": [1, 2, 3, 4, 5, 6],
        }
    )
    pacsv.write_csv(train, root / "train" / "part.csv")
    pq.write_table(train.slice(0, 4), root / "test" / "part.parquet")
    return root


def test_init_writes_a_card_and_a_sidecar(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    code, out, _ = run(capsys, "init", str(data), "--label", "label")
    assert code == 0, out
    card = (data / "datacard.yaml").read_text()
    assert "measured:" in card and "label: label" in card
    sidecars = list((data / ".datacard").glob("profile-*.json"))
    assert len(sidecars) == 1
    assert f".datacard/{sidecars[0].name}" in card
    code, out, _ = run(capsys, "show", str(data), "--json")
    shown = json.loads(out)
    assert shown["splits"]["train"]["rows"] == 6
    assert shown["splits"]["train"]["label_balance"] == [
        {"value": "a", "count": 4},
        {"value": "b", "count": 2},
    ]
    assert {f["path"] for f in shown["files"]} == {"train/part.csv", "test/part.parquet"}


def test_check_passes_then_fails_when_data_changes(
    capsys: pytest.CaptureFixture[str], data: Path
) -> None:
    assert run(capsys, "init", str(data))[0] == 0
    code, out, _ = run(capsys, "check", str(data))
    assert code == 0, out
    with (data / "train" / "part.csv").open("a") as handle:
        handle.write("100.0,c,7\n")
    code, out, _ = run(capsys, "check", str(data), "--json")
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False
    codes = {f["code"] for f in report["findings"]}
    assert {"file.changed", "split.rows-changed", "stats.range"} <= codes
    changed = next(f for f in report["findings"] if f["code"] == "file.changed")
    assert changed["where"] == "train/part.csv"
    assert set(changed) == {"code", "severity", "message", "where", "evidence"}


def test_update_keeps_human_text_and_reports_changes(
    capsys: pytest.CaptureFixture[str], data: Path
) -> None:
    assert run(capsys, "init", str(data))[0] == 0
    card_path = data / "datacard.yaml"
    text = card_path.read_text()
    edited = text.replace(
        'summary: ""',
        "summary: |\n  Six rows: a test: of 'quotes' and ünïcode.\n# a comment people wrote\n",
        1,
    )
    assert edited != text
    card_path.write_text(edited)
    human_part = edited[: edited.index("# ---- measured by datacard")]
    with (data / "train" / "part.csv").open("a") as handle:
        handle.write("7.0,b,7\n")
    code, out, _ = run(capsys, "update", str(data))
    assert code == 0, out
    assert "train: rows 6 -> 7 (+1)" in out
    assert "file changed: train/part.csv" in out
    after = card_path.read_text()
    assert after.startswith(human_part.split("count:")[0])
    assert "# a comment people wrote" in after
    assert run(capsys, "check", str(data))[0] == 0


def test_fast_check_catches_a_flipped_byte_in_a_parquet_page(
    capsys: pytest.CaptureFixture[str], data: Path
) -> None:
    assert run(capsys, "init", str(data))[0] == 0
    path = data / "test" / "part.parquet"
    chunk = pq.ParquetFile(path).metadata.row_group(0).column(0)
    raw = bytearray(path.read_bytes())
    raw[chunk.data_page_offset + chunk.total_compressed_size - 2] ^= 0x01  # last page byte
    path.write_bytes(bytes(raw))
    pq.read_table(path)  # pyarrow itself does not notice
    code, out, _ = run(capsys, "check", str(data), "--fast", "--json")
    assert code == 1
    findings = json.loads(out)["findings"]
    assert [f["code"] for f in findings if f["severity"] == "error"] == ["file.changed"]


def test_junit_report_lists_failures(
    capsys: pytest.CaptureFixture[str], data: Path, tmp_path: Path
) -> None:
    assert run(capsys, "init", str(data))[0] == 0
    (data / "test" / "part.parquet").unlink()
    report = tmp_path / "junit.xml"
    code, _, _ = run(capsys, "check", str(data), "--junit", str(report))
    assert code == 1
    suite = ElementTree.parse(report).getroot()
    assert suite.tag == "testsuite"
    failures = [c.find("failure").get("type") for c in suite if c.find("failure") is not None]  # type: ignore[union-attr]
    assert "file.removed" in failures and "split.removed" in failures
    assert int(suite.get("failures", "0")) == len(failures)


def test_fail_on_warning_fails_on_empty_required_fields(
    capsys: pytest.CaptureFixture[str], data: Path
) -> None:
    assert run(capsys, "init", str(data))[0] == 0
    assert run(capsys, "check", str(data), "--fast")[0] == 0
    code, out, _ = run(capsys, "check", str(data), "--fast", "--fail-on", "warning")
    assert code == 1
    assert "card.required-empty" in out


def test_show_json_is_strict_with_nan_and_inf(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pq.write_table(
        pa.table({"v": [1.0, math.nan, math.inf, -math.inf, 2.0]}), tmp_path / "a.parquet"
    )
    assert run(capsys, "init", str(tmp_path))[0] == 0
    code, out, _ = run(capsys, "show", str(tmp_path), "--json")
    assert code == 0
    column = json.loads(out, parse_constant=lambda c: pytest.fail(f"non-strict JSON: {c}"))[
        "splits"
    ]["train"]["columns"]["v"]
    assert (column["nan"], column["posinf"], column["neginf"]) == (1, 1, 1)
    assert set(column["quantiles"]) == {"0.01", "0.05", "0.25", "0.5", "0.75", "0.95", "0.99"}


def test_split_option_is_recorded_in_the_policy(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "eval").mkdir()
    pacsv.write_csv(pa.table({"x": [1, 2]}), tmp_path / "a.csv")
    pacsv.write_csv(pa.table({"x": [3]}), tmp_path / "eval" / "b.csv")
    code, _, _ = run(
        capsys, "init", str(tmp_path), "--split", "train=a.csv", "--split", "test=eval/*.csv"
    )
    assert code == 0
    shown = json.loads(run(capsys, "show", str(tmp_path), "--json")[1])
    assert {k: v["rows"] for k, v in shown["splits"].items()} == {"train": 2, "test": 1}
    assert run(capsys, "check", str(tmp_path))[0] == 0  # check re-uses the recorded globs


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("init", "{missing}"), "does not exist"),
        (("check", "{data}"), "no datacard.yaml"),
        (("init", "{data}", "--split", "nonsense"), "is not NAME=GLOB"),
        (("init", "{data}", "--label", "nope"), "label column 'nope'"),
        (("check", "{data}", "--fail-on", "fatal"), "unknown severity"),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(
    capsys: pytest.CaptureFixture[str], data: Path, args: tuple[str, ...], expected: str
) -> None:
    filled = [a.format(data=data, missing=data / "missing") for a in args]
    code, _, err = run(capsys, *filled)
    assert code == 2
    assert expected in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert not (data / "datacard.yaml").exists()


def test_init_refuses_to_overwrite(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    assert run(capsys, "init", str(data))[0] == 0
    before = (data / "datacard.yaml").read_bytes()
    code, _, err = run(capsys, "init", str(data))
    assert code == 2 and "already exists" in err
    assert (data / "datacard.yaml").read_bytes() == before


@pytest.mark.parametrize(
    "damage",
    [
        lambda root: (root / "train" / "part.csv").write_text("x,label,n\n1,a\n2,b,3,4\n"),
        lambda root: (root / "test" / "part.parquet").write_bytes(
            (root / "test" / "part.parquet").read_bytes()[:40]
        ),
        lambda root: (root / "train" / "part.csv").write_bytes(b"x,label,n\n1,caf\xe9,2\n"),
        lambda root: (root / "train" / "part.csv").write_bytes(b""),
    ],
    ids=["ragged", "truncated-parquet", "latin1", "empty"],
)
def test_bad_input_on_update_leaves_the_card_byte_identical(
    capsys: pytest.CaptureFixture[str], data: Path, damage: object
) -> None:
    assert run(capsys, "init", str(data))[0] == 0
    card = data / "datacard.yaml"
    before = card.read_bytes()
    sidecars = sorted(p.name for p in (data / ".datacard").iterdir())
    damage(data)  # type: ignore[operator]
    code, out, err = run(capsys, "update", str(data))
    assert code == 2, out
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "part." in err  # names the file
    assert card.read_bytes() == before
    assert sorted(p.name for p in (data / ".datacard").iterdir()) == sidecars


def test_debug_shows_the_traceback(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    from datacard.errors import DatacardError

    with pytest.raises(DatacardError):
        main(["check", str(data), "--debug"])


def test_malformed_card_names_the_line(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    assert run(capsys, "init", str(data))[0] == 0
    card = data / "datacard.yaml"
    text = card.read_text()
    line = text.splitlines().index('version: "0.1.0"') + 1
    card.write_text(text.replace('version: "0.1.0"', "version: [1, 2]"))
    code, _, err = run(capsys, "check", str(data))
    assert code == 2
    assert f"datacard.yaml:{line}: version" in err


def test_update_without_changes_leaves_the_card_alone(
    capsys: pytest.CaptureFixture[str], data: Path
) -> None:
    assert run(capsys, "init", str(data))[0] == 0
    card = data / "datacard.yaml"
    before = card.read_bytes()
    code, out, _ = run(capsys, "update", str(data))
    assert code == 0 and "up to date" in out
    assert card.read_bytes() == before
    code, out, _ = run(capsys, "update", str(data), "--force")
    assert code == 0 and "re-measured" in out
    assert run(capsys, "check", str(data))[0] == 0


def test_prefetched_hashes_are_those_of_the_current_bytes(tmp_path: Path) -> None:
    from datacard.digest import prefetch, sha256_file

    path = tmp_path / "a.csv"
    path.write_text("x\n1\n")
    prefetch([path])
    first = sha256_file(path)
    path.write_text("x\n1\n2\n")  # another size: the prefetched digest must not be reused
    assert sha256_file(path) != first
    import hashlib

    assert sha256_file(path) == hashlib.sha256(path.read_bytes()).hexdigest()


def test_check_runs_leakage_and_contamination_when_the_policy_asks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = tmp_path / "d"
    (root / "train").mkdir(parents=True)
    (root / "test").mkdir()
    shared = "the quick brown fox jumps over the lazy dog near the quiet river bank today"
    train = pa.table({"text": [shared, "alpha beta gamma delta epsilon zeta eta theta iota"]})
    test = pa.table({"text": [shared, "completely different words in this small test row"]})
    pq.write_table(train, root / "train" / "a.parquet")
    pq.write_table(test, root / "test" / "b.parquet")
    (tmp_path / "bench.jsonl").write_text(json.dumps({"q": shared}) + "\n")
    assert run(capsys, "init", str(root))[0] == 0
    assert run(capsys, "check", str(root))[0] == 0  # both checks are off by default
    card = root / "datacard.yaml"
    text = card.read_text()
    text = text.replace("  leakage:\n    enabled: false", "  leakage:\n    enabled: true", 1)
    text = text.replace("    benchmarks: []", "    benchmarks: [../bench.jsonl:q]", 1)
    card.write_text(text)
    code, out, _ = run(capsys, "check", str(root), "--json")
    codes = {f["code"] for f in json.loads(out)["findings"]}
    assert code == 1
    assert "leakage.exact-overlap" in codes
    assert any(c.startswith("contamination.") for c in codes)


def test_drift_against_the_card(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import numpy as np

    rng = np.random.default_rng(5)
    root, same, moved = tmp_path / "card", tmp_path / "same", tmp_path / "moved"
    for folder in (root, same, moved):
        folder.mkdir()
    n = 20_000

    def table(shift: float) -> pa.Table:
        return pa.table(
            {
                "x": rng.normal(shift, 1.0, n),
                "c": pa.array(rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])),
            }
        )

    pq.write_table(table(0.0), root / "train.parquet")
    pq.write_table(table(0.0), same / "batch.parquet")
    pq.write_table(table(1.0), moved / "batch.parquet")
    assert run(capsys, "init", str(root))[0] == 0
    code, out, _ = run(capsys, "drift", str(root), str(same), "--json")
    assert code == 0 and json.loads(out)["verdict"] == "stable"
    code, out, _ = run(capsys, "drift", str(root), str(moved), "--json")
    report = json.loads(out)
    assert code == 1 and report["verdict"] in {"drifted", "retrain"}
    assert report["columns"]["x"]["drifted"] is True
    assert report["columns"]["c"]["drifted"] is False
    code, out, _ = run(capsys, "drift", str(root), str(moved))
    assert code == 1 and "drifted  x" in out
