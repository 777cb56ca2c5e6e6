"""Leakage and contamination benchmark: `datacard leaks` vs datasketch, `datacard contamination`.

    .venv/bin/python bench/leakage/run.py [--repeats N] [--cases leaks contamination]
                                          [--append bench/RESULTS.md] [--datacard PATH]

Generates the corpora (bench/leakage/generate.py, kept when they exist), then measures, each
run a fresh process (wall time; peak RSS from os.wait4 and /proc tree sampling, with the
helpers of bench/run.py):

- `datacard leaks bench/data/leakage/dup --text text --key text --json
   --out .../datacard_pairs.parquet`
- the datasketch peer (bench/leakage/datasketch_peer.py, in bench/.venv-peers)
- `datacard contamination bench/data/leakage/contam
   --benchmark bench/data/leakage/contam/bench.jsonl:question --json`

and scores the pairs and flagged items against the ground truth. Writes
bench/leakage/RESULTS.md and bench/leakage/results.json; with --append FILE also appends the
same section to FILE. A datacard command that fails is reported as n/a with its error; the
peer is measured all the same.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LEAK_DIR = Path(__file__).resolve().parent
BENCH_DIR = LEAK_DIR.parent
PROJECT_DIR = BENCH_DIR.parent
DATA_DIR = BENCH_DIR / "data" / "leakage"
OUT_DIR = DATA_DIR / "out"  # tool outputs, beside (never inside) the measured folders
DUP_DIR = DATA_DIR / "dup"
CONTAM_DIR = DATA_DIR / "contam"
BENCH_JSONL = CONTAM_DIR / "bench.jsonl"
DUP_TRUTH = DATA_DIR / "dup_ground_truth.json"
CONTAM_TRUTH = DATA_DIR / "contam_ground_truth.json"
GENERATE = LEAK_DIR / "generate.py"
PEER = LEAK_DIR / "datasketch_peer.py"
RESULTS_MD = LEAK_DIR / "RESULTS.md"
RESULTS_JSON = LEAK_DIR / "results.json"
TEST_ID_BASE = 10_000_000  # generate.py: test id = TEST_ID_BASE + row

LONG_RUN_S = 30.0  # a tool whose first run takes longer runs once
RUN_TIMEOUT_S = 1800.0
RSS_LIMIT_MB = 2048.0  # "peak RSS <= 2 GB", taken as 2 GiB
SPEEDUP_TARGET = 10.0
CASES = ("leaks", "contamination")
PEER_PACKAGES = ("datasketch", "numpy", "pyarrow", "scipy")


sys.path.insert(0, str(BENCH_DIR))  # bench/: benchdata and the shared harness
from benchdata import load_bench_run  # noqa: E402

br = load_bench_run()


# --------------------------------------------------------------------------- measuring


@dataclass
class Tool:
    case: str
    name: str
    command: list[str]
    stdout: Path  # kept: the JSON the tool prints
    outputs: tuple[Path, ...] = ()  # removed before every run, so that nothing stale is scored
    ok_codes: tuple[int, ...] = (0,)  # datacard exits 1 when it finds leaks: still a good run
    unavailable: str = ""


def run_keep(command: Sequence[str], env: dict[str, str], stdout: Path) -> Any:
    """bench/run.py's run_once, with the child's stdout kept in ``stdout``."""
    return br.run_once(command, env, RUN_TIMEOUT_S, stdout_path=stdout, stderr_lines=6)


def _is_json(tool: Tool) -> bool:
    """Whether the tool printed JSON: datacard's exit 1 means findings only when it did."""
    try:
        json.loads(tool.stdout.read_text())
    except (OSError, ValueError):
        return False
    return True


def measure(tool: Tool, repeats: int, env: dict[str, str]) -> Any:
    m = br.Measurement(tool.case, tool.name, tool.command)
    if tool.unavailable:
        print(f"  {tool.name:<28} n/a: {tool.unavailable}", flush=True)
        m.status, m.note = "n/a", tool.unavailable
        return m
    for i in range(repeats):
        for path in tool.outputs:
            path.unlink(missing_ok=True)
        run = run_keep(tool.command, env, tool.stdout)
        m.runs.append(run)
        shown = f"{run.wall_s:8.2f} s {run.peak_rss_mb:8.0f} MB"
        print(f"  {tool.name:<28} run {i + 1}: {shown}  rc={run.returncode}", flush=True)
        if run.returncode not in tool.ok_codes or (run.returncode != 0 and not _is_json(tool)):
            m.status = "n/a"
            lines = [ln for ln in run.stderr_tail.splitlines() if ln.strip()]
            m.note = f"exit {run.returncode}: {lines[-1] if lines else '(no stderr)'}"
            print(f"    {run.stderr_tail}", flush=True)
            return m
        if run.wall_s > LONG_RUN_S and i + 1 < repeats:
            m.note = f"ran once: one run took > {LONG_RUN_S:.0f} s"
            break
    return m


# --------------------------------------------------------------------------- pairs


_SIDE_WORDS = {"split", "file", "path", "row", "rows", "index", "idx", "id", "name", "position"}


def _flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}_{key}" if prefix else str(key)
        if isinstance(value, dict):
            out.update(_flatten(value, name))
        else:
            out[name] = value
    return out


def _side_of(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    low = value.lower()
    if "test" in low:
        return "test"
    if "train" in low:
        return "train"
    return None


@dataclass
class Pairs:
    """Found (test row, train row) pairs with the tool's kind (None: the tool gives none)."""

    kinds: dict[tuple[int, int], str | None] = field(default_factory=dict)
    within_split: int = 0
    unreadable: int = 0
    how: str = ""


def pairs_from_records(records: Iterable[dict[str, Any]], how: str) -> Pairs:
    """Pairs from rows of any reasonable layout: two (split or file, row) sides and a kind.

    A side is a group of columns sharing a tag (``a``/``b``, ``left``/``right``, ...): a string
    column naming the split or file (holding ``train`` or ``test``) and an integer row column.
    Row values at or above TEST_ID_BASE are test ids (row = id - TEST_ID_BASE).
    """
    out = Pairs(how=how)
    for record in records:
        flat = _flatten(record)
        sides: dict[str, dict[str, Any]] = {}
        kind: str | None = None
        for name, value in flat.items():
            low = name.lower()
            if low in {"kind", "type", "match", "match_kind", "code"} and isinstance(value, str):
                kind = value
                continue
            tokens = [t for t in re.split(r"[_\W]+", low) if t]
            tag = "_".join(t for t in tokens if t not in _SIDE_WORDS)
            words = set(tokens) & _SIDE_WORDS
            side = sides.setdefault(tag, {})
            if isinstance(value, str) and words & {"split", "file", "path", "name"}:
                side.setdefault("side", _side_of(value))
            elif (
                isinstance(value, int)
                and not isinstance(value, bool)
                and words & {"row", "rows", "index", "idx", "id", "position"}
                # a row number is preferred to an id when a side has both
                and ("row" in tokens or "rows" in tokens or "row" not in side)
            ):
                side["row"] = value
            if tag in {"train", "test"}:
                side.setdefault("side", tag)
        found: dict[str, int] = {}
        within = False
        for side in sides.values():
            row, which = side.get("row"), side.get("side")
            if row is None:
                continue
            if row >= TEST_ID_BASE:
                which, row = "test", row - TEST_ID_BASE
            if which is None:
                continue
            within = within or which in found
            found[which] = int(row)
        if within:
            out.within_split += 1
            continue
        if set(found) != {"test", "train"}:
            out.unreadable += 1
            continue
        key = (found["test"], found["train"])
        previous = out.kinds.get(key)
        if previous is None or "exact" not in previous.lower():
            out.kinds[key] = kind
    return out


def _json_records(payload: Any) -> list[dict[str, Any]]:
    """The longest list of dicts in a JSON document (the pairs, if it prints them)."""
    best: list[dict[str, Any]] = []
    stack = [payload]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            if node and all(isinstance(x, dict) for x in node) and len(node) > len(best):
                best = node
            stack.extend(node)
    return best


def read_pairs(parquet: Path, stdout: Path) -> Pairs:
    if parquet.exists():
        import pyarrow.parquet as pq

        table = pq.read_table(parquet)
        pairs = pairs_from_records(table.to_pylist(), f"{parquet.name} ({table.schema.names})")
        if pairs.kinds:
            return pairs
    try:
        payload = json.loads(stdout.read_text())
    except (OSError, ValueError):
        return Pairs(how="no readable output")
    return pairs_from_records(_json_records(payload), "stdout JSON")


# --------------------------------------------------------------------------- scoring


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def score_leaks(pairs: Pairs) -> dict[str, Any]:
    import pyarrow.parquet as pq

    truth = json.loads(DUP_TRUTH.read_text())
    gt = {(p["test_row"], p["train_row"]): p["kind"] for p in truth["pairs"]}
    gt_count = {k: sum(v == k for v in gt.values()) for k in ("exact", "near")}
    # A pair's class: the tool's kind when it gives one, else whether the two texts are equal.
    unlabelled = [key for key, kind in pairs.kinds.items() if kind is None]
    same_text: dict[tuple[int, int], bool] = {}
    if unlabelled:
        test = pq.read_table(DUP_DIR / "test" / "part-0.parquet", columns=["text"])["text"]
        train = pq.read_table(DUP_DIR / "train" / "part-0.parquet", columns=["text"])["text"]
        a = test.take([k[0] for k in unlabelled]).to_pylist()
        b = train.take([k[1] for k in unlabelled]).to_pylist()
        same_text = {k: x == y for k, x, y in zip(unlabelled, a, b, strict=True)}
    classes: dict[tuple[int, int], str] = {}
    for key, kind in pairs.kinds.items():
        if kind is None:
            classes[key] = "exact" if same_text[key] else "near"
        else:
            classes[key] = "exact" if "exact" in kind.lower() else "near"
    out: dict[str, Any] = {
        "pairs_found": len(pairs.kinds),
        "within_split_pairs_ignored": pairs.within_split,
        "unreadable_records": pairs.unreadable,
        "read_from": pairs.how,
        "kind_source": "tool" if not unlabelled else "text equality (tool gives no kind)",
    }
    for kind in ("exact", "near"):
        found_gt = sum(1 for key, k in gt.items() if k == kind and key in pairs.kinds)
        claimed = [key for key, c in classes.items() if c == kind]
        correct = sum(1 for key in claimed if key in gt)
        out[kind] = {
            "truth": gt_count[kind],
            "found": found_gt,
            "recall": _share(found_gt, gt_count[kind]),
            "claimed": len(claimed),
            "true_positives": correct,
            "false_positives": len(claimed) - correct,
            "precision": _share(correct, len(claimed)),
            "wrong_kind": sum(1 for key in claimed if key in gt and gt[key] != kind),
        }
    return out


def read_contamination(stdout: Path) -> tuple[dict[int, dict[str, Any]], str]:
    """Item (0-based) -> its hit, from `datacard contamination --json`."""
    try:
        payload = json.loads(stdout.read_text())
    except (OSError, ValueError) as exc:
        return {}, f"stdout is not JSON ({exc})"
    hits: dict[int, dict[str, Any]] = {}
    benchmarks = payload.get("benchmarks") if isinstance(payload, dict) else None
    if isinstance(benchmarks, list):
        for b in benchmarks:
            for h in b.get("hits", []):
                hits[int(h["item"])] = h
        return hits, "benchmarks[].hits[].item"
    for record in _json_records(payload):  # another layout: any records with an item index
        item = record.get("item", record.get("index"))
        if isinstance(item, int):
            hits[item] = record
    return hits, "records with an item index"


def score_contamination(stdout: Path) -> dict[str, Any]:
    truth = json.loads(CONTAM_TRUTH.read_text())
    hits, how = read_contamination(stdout)
    planted = {p["item"]: p for p in truth["planted"]}
    clean = truth["items"] - len(planted)
    out: dict[str, Any] = {"read_from": how, "flagged": len(hits)}
    groups: dict[str, list[dict[str, Any]]] = {"all": list(planted.values())}
    for p in planted.values():
        groups.setdefault(p["kind"], []).append(p)
        if p["kind"] == "sentence":
            groups.setdefault(p["how"].replace(" ", "_"), []).append(p)
    found: dict[str, Any] = {}
    for name, members in groups.items():
        hit = [p for p in members if p["item"] in hits]
        placed = sum(
            1
            for p in hit
            if isinstance(hits[p["item"]].get("match"), dict)
            and hits[p["item"]]["match"].get("row") == p["train_row"]
        )
        found[name] = {
            "planted": len(members),
            "found": len(hit),
            "share": _share(len(hit), len(members)),
            "at_planted_row": placed,
            "by_reported_kind": _count(str(hits[p["item"]].get("kind")) for p in hit),
        }
    out["planted"] = found
    false = [i for i in hits if i not in planted]
    out["clean"] = {
        "items": clean,
        "flagged": len(false),
        "share": _share(len(false), clean),
        "by_reported_kind": _count(str(hits[i].get("kind")) for i in false),
        "first": sorted(false)[:10],
    }
    return out


def _count(values: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return dict(sorted(counts.items()))


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    text: str
    value: Callable[[dict[str, Any]], float | None]
    limit: float
    at_most: bool
    unit: str  # "share", "x" or "MB"


def _get(d: dict[str, Any], *keys: str) -> Any:
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


TARGETS: tuple[Target, ...] = (
    Target("leaks: exact recall = 1.0",
           lambda r: _get(r, "scores", "datacard leaks", "exact", "recall"), 1.0, False, "share"),
    Target("leaks: exact precision = 1.0",
           lambda r: _get(r, "scores", "datacard leaks", "exact", "precision"), 1.0, False,
           "share"),
    Target("leaks: near-duplicate recall ≥ 0.95",
           lambda r: _get(r, "scores", "datacard leaks", "near", "recall"), 0.95, False, "share"),
    Target("leaks: near-duplicate precision ≥ 0.99",
           lambda r: _get(r, "scores", "datacard leaks", "near", "precision"), 0.99, False,
           "share"),
    Target("leaks: ≥ 10× faster than datasketch (datasketch / datacard)",
           lambda r: _get(r, "ratios", "datasketch / datacard leaks"), SPEEDUP_TARGET, False, "x"),
    Target("leaks: peak RSS ≤ 2 GiB (2048 MB)",
           lambda r: _get(r, "peak_rss_mb", "datacard leaks"), RSS_LIMIT_MB, True, "MB"),
    Target("contamination: ≥ 95 % of planted items found",
           lambda r: _get(r, "scores", "datacard contamination", "planted", "all", "share"),
           0.95, False, "share"),
    Target("contamination: ≤ 1 % of clean items flagged",
           lambda r: _get(r, "scores", "datacard contamination", "clean", "share"),
           0.01, True, "share"),
    Target("contamination: peak RSS ≤ 2 GiB (2048 MB)",
           lambda r: _get(r, "peak_rss_mb", "datacard contamination"), RSS_LIMIT_MB, True, "MB"),
)  # fmt: skip


def evaluate(target: Target, report: dict[str, Any]) -> tuple[float | None, str]:
    value = target.value(report)
    if value is None:
        return None, "n/a"
    ok = value <= target.limit + 1e-12 if target.at_most else value >= target.limit - 1e-12
    return value, "PASS" if ok else "MISS"


def _shown(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "share":
        return f"{value:.4f}"
    if unit == "x":
        return f"{value:.1f}×"
    return f"{value:.0f} MB"


# --------------------------------------------------------------------------- machine


def machine_facts() -> dict[str, Any]:
    return {
        "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": br._cpu_model(),
        "mem_total_gib": br._mem_total_gib(),
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "project_versions": {n: br._version(n) for n in ("datacard", "pyarrow", "numpy")},
        "peer_versions": br._peer_versions(PEER_PACKAGES),
        "git_revision": br._git_revision(),
        "load_at_start": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def ensure_datasketch() -> str:
    """Empty when the peers' venv can import datasketch (installing it there if needed)."""
    ok, note = br.ensure_peers()
    if not ok:
        return str(note)
    python = str(br.PEERS_PYTHON)
    probe = [python, "-c", "import datasketch"]
    if subprocess.run(probe, capture_output=True, check=False).returncode == 0:
        return ""
    print("installing datasketch into bench/.venv-peers ...", flush=True)
    subprocess.run([python, "-m", "pip", "install", "-q", "datasketch"], check=False)
    if subprocess.run(probe, capture_output=True, check=False).returncode == 0:
        return ""
    return "datasketch is not installed in bench/.venv-peers and pip could not install it"


# --------------------------------------------------------------------------- report


def _fmt(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f} %"


def render_section(report: dict[str, Any]) -> str:
    f = report["machine"]
    pv = ", ".join(f"{k} {v}" for k, v in f["peer_versions"].items()) or "not installed"
    pj = f["project_versions"]
    data = report.get("data", {})
    lines = [
        "## Leakage and contamination (`bench/leakage`)",
        "",
        "Written by `bench/leakage/run.py`; raw numbers in `bench/leakage/results.json`; what "
        "is measured: `bench/leakage/README.md`.",
        "",
        f"- Date (UTC): {f['date_utc']}; project revision {f['git_revision']}; "
        f"{report['args']['repeats']} runs per measurement (a tool over {LONG_RUN_S:.0f} s "
        "runs once)",
        f"- Machine: {f['nproc']} cores (nproc), {f['cpu_model']}, {f['mem_total_gib']} GiB "
        f"memory, Linux {f['kernel']}; load average at start {f['load_at_start']}",
        f"- Project venv: Python {f['python']}, datacard {pj['datacard']}, pyarrow "
        f"{pj['pyarrow']}, numpy {pj['numpy']}; peers venv: {pv}",
    ]
    loads = [r["load_1m"] for m in report["measurements"] for r in m["runs"]]
    if loads:
        line = (
            f"- Load: the 1-minute load average before the runs ranged {min(loads):.2f}–"
            f"{max(loads):.2f} on {f['nproc']} cores."
        )
        if max(loads) > 1.0:
            line += (
                " **Other work was competing for the CPUs during this run**: wall times are "
                "inflated and noisy (compare CPU s, or rerun on a quiet machine)."
            )
        lines.append(line)
    if data:
        parts = []
        for key in ("dup_train", "dup_test", "contam_train"):
            if key in data:
                d = data[key]
                parts.append(
                    f"`{key}` {d['rows']:,} rows, {d['size_mb']} MB, {d['row_groups']} row groups"
                )
        lines.append("- Data: " + "; ".join(parts))
        nj = data.get("near_word_jaccard")
        if nj:
            lines.append(
                f"- Planted near-duplicates' true word-set Jaccard: min {nj['min']:.3f}, "
                f"5th percentile {nj['p05']:.3f}, median {nj['median']:.3f} "
                f"({nj['below_0.8']} below 0.8)"
            )
    lines += [
        "",
        "### Targets",
        "",
        "| target | measured | result |",
        "| --- | ---: | --- |",
    ]
    for t in TARGETS:
        value, verdict = evaluate(t, report)
        lines.append(f"| {t.text} | {_shown(value, t.unit)} | {verdict} |")
    lines += [
        "",
        "### Time and memory",
        "",
        "| case | tool | median wall s | min wall s | peak RSS MB | median CPU s | runs | note |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for m in report["measurements"]:
        status = "" if m["status"] == "ok" else f"**{m['status']}** "
        note = (status + m["note"]).replace("|", "\\|").replace("\n", " ").strip()
        lines.append(
            f"| {m['case']} | {m['tool']} | {_fmt(m['median_wall_s'])} | "
            f"{_fmt(m['min_wall_s'])} | {_fmt(m['peak_rss_mb'], 0)} | "
            f"{_fmt(m['median_cpu_s'], 1)} | {len(m['runs'])} | {note} |"
        )
    for name, value in report["ratios"].items():
        lines.append(f"\nRatio {name} (median wall): {_fmt(value, 1)}×")
    detail = report.get("peer_detail")
    if detail:
        lines.append(
            f"\ndatasketch's own split of its last run: index {detail.get('index_s')} s, query "
            f"{detail.get('query_s')} s, write {detail.get('write_s')} s; LSH bands × rows "
            f"{detail.get('lsh_bands_rows')}."
        )
    scores = report["scores"]
    leak_tools = [t for t in ("datacard leaks", "datasketch MinHashLSH") if t in scores]
    if leak_tools:
        lines += [
            "",
            "### Leaks: pairs against the ground truth (2,000 exact copies, 2,000 "
            "near-duplicates among 20,000 test documents)",
            "",
            "| tool | pairs | exact recall | exact precision | near recall | near precision "
            "| false positives | planted pairs of the other kind | kind from |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        for tool in leak_tools:
            s = scores[tool]
            if "error" in s:
                lines.append(f"| {tool} | n/a | | | | | | | {s['error']} |")
                continue
            fp = s["exact"]["false_positives"] + s["near"]["false_positives"]
            lines.append(
                f"| {tool} | {s['pairs_found']:,} | {_fmt(s['exact']['recall'], 4)} | "
                f"{_fmt(s['exact']['precision'], 4)} | {_fmt(s['near']['recall'], 4)} | "
                f"{_fmt(s['near']['precision'], 4)} | {fp} | "
                f"{s['exact']['wrong_kind'] + s['near']['wrong_kind']} | {s['kind_source']} |"
            )
        lines.append(
            "\nRecall counts a planted pair found under either kind; precision is per class the "
            "tool claims (its own kind, or text equality when it gives none). The next-to-last "
            "column counts planted pairs the tool put in the other class (e.g. exact copies "
            "reported as near-duplicates)."
        )
    c = scores.get("datacard contamination")
    if c is not None:
        lines += [
            "",
            "### Contamination: planted benchmark items found (1,000 items, 300 planted among "
            "50,000 clean documents)",
            "",
        ]
        if "error" in c:
            lines.append(f"n/a: {c['error']}")
        else:
            lines += [
                "| planted as | planted | found | share | at the planted row | reported as |",
                "| --- | ---: | ---: | ---: | ---: | --- |",
            ]
            for name, g in c["planted"].items():
                kinds = ", ".join(f"{k} {n}" for k, n in g["by_reported_kind"].items())
                lines.append(
                    f"| {name} | {g['planted']} | {g['found']} | {_pct(g['share'])} | "
                    f"{g['at_planted_row']} | {kinds} |"
                )
            cl = c["clean"]
            kinds = ", ".join(f"{k} {n}" for k, n in cl["by_reported_kind"].items())
            lines.append(
                f"\nClean benchmark items flagged: {cl['flagged']} of {cl['items']} "
                f"({_pct(cl['share'])}){'; reported as ' + kinds if kinds else ''}."
            )
    return "\n".join(lines) + "\n"


def write_report(report: dict[str, Any], append: Path | None) -> None:
    section = render_section(report)
    RESULTS_JSON.write_text(json.dumps(report, indent=2) + "\n")
    RESULTS_MD.write_text(
        "# Leakage benchmark results\n\nRewritten by every run of `bench/leakage/run.py`.\n\n"
        + section
    )
    if append is not None:
        with append.open("a") as handle:
            handle.write("\n" + section)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="datacard leaks / contamination benchmark")
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement")
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES))
    parser.add_argument("--datacard", type=Path, default=br.DATACARD, help="datacard to measure")
    br.section_options(parser, "leakage")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, br._exit_on_sigterm)
    args = parse_args(argv)
    if args.render:
        write_report(json.loads(RESULTS_JSON.read_text()), args.append)
        print(f"rewrote {RESULTS_MD.relative_to(PROJECT_DIR)} from {RESULTS_JSON.name}")
        return 0
    subprocess.run([sys.executable, str(GENERATE), "--data-dir", str(DATA_DIR)], check=True)
    env = dict(os.environ)
    datacard = args.datacard.resolve()
    dc_note = br.datacard_unavailable(datacard, env)
    facts = machine_facts()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    measurements: list[Any] = []
    scores: dict[str, Any] = {}
    peer_detail: dict[str, Any] = {}

    if "leaks" in args.cases:
        print("== leaks: datacard leaks vs datasketch MinHashLSH", flush=True)
        br.warm_cache(sorted(DUP_DIR.rglob("*.parquet")))
        dc_pairs = OUT_DIR / "datacard_pairs.parquet"
        ds_pairs = OUT_DIR / "datasketch_pairs.parquet"
        tools = [
            Tool(
                "leaks",
                "datacard leaks",
                [str(datacard), "leaks", str(DUP_DIR.relative_to(PROJECT_DIR)), "--text", "text",
                 "--key", "text", "--json", "--out", str(dc_pairs.relative_to(PROJECT_DIR))],
                OUT_DIR / "datacard_leaks.json",
                (dc_pairs,),
                ok_codes=(0, 1),
                unavailable=dc_note,
            ),
            Tool(
                "leaks",
                "datasketch MinHashLSH",
                [str(br.PEERS_PYTHON), str(PEER), str(DUP_DIR), str(ds_pairs)],
                OUT_DIR / "datasketch.json",
                (ds_pairs,),
                unavailable=ensure_datasketch(),
            ),
        ]  # fmt: skip
        for tool, pairs_file in zip(tools, (dc_pairs, ds_pairs), strict=True):
            m = measure(tool, args.repeats, env)
            measurements.append(m)
            if not m.ok:
                scores[tool.name] = {"error": m.note}
                continue
            try:
                scores[tool.name] = score_leaks(read_pairs(pairs_file, tool.stdout))
            except Exception as exc:  # noqa: BLE001 - a scoring failure is reported, not fatal
                scores[tool.name] = {"error": f"scoring failed: {exc!r}"}
            if tool.name.startswith("datasketch"):
                try:
                    peer_detail = json.loads(tool.stdout.read_text().strip().splitlines()[-1])
                except (OSError, ValueError, IndexError):
                    peer_detail = {}

    if "contamination" in args.cases:
        print("== contamination: datacard contamination", flush=True)
        br.warm_cache([*sorted(CONTAM_DIR.rglob("*.parquet")), BENCH_JSONL])
        bench_spec = f"{BENCH_JSONL.relative_to(PROJECT_DIR)}:question"
        tool = Tool(
            "contamination",
            "datacard contamination",
            [str(datacard), "contamination", str(CONTAM_DIR.relative_to(PROJECT_DIR)),
             "--benchmark", bench_spec, "--json"],
            OUT_DIR / "datacard_contamination.json",
            ok_codes=(0, 1),
            unavailable=dc_note,
        )  # fmt: skip
        m = measure(tool, args.repeats, env)
        measurements.append(m)
        if m.ok:
            try:
                scores[tool.name] = score_contamination(tool.stdout)
            except Exception as exc:  # noqa: BLE001
                scores[tool.name] = {"error": f"scoring failed: {exc!r}"}
        else:
            scores[tool.name] = {"error": m.note}

    by_tool = {m.tool: m for m in measurements}
    ratios: dict[str, float | None] = {}
    dc, ds = by_tool.get("datacard leaks"), by_tool.get("datasketch MinHashLSH")
    if dc is not None and ds is not None:
        a, b = ds.median_wall_s, dc.median_wall_s
        ratios["datasketch / datacard leaks"] = a / b if a and b else None
    facts_proc = subprocess.run(
        [sys.executable, str(GENERATE), "--data-dir", str(DATA_DIR), "--facts"],
        capture_output=True,
        text=True,
        check=False,
    )
    data = json.loads(facts_proc.stdout) if facts_proc.returncode == 0 else {}
    report: dict[str, Any] = {
        "machine": facts,
        "args": {"repeats": args.repeats, "cases": args.cases, "datacard": str(datacard)},
        "data": data,
        "measurements": [m.to_json() for m in measurements],
        "peak_rss_mb": {m.tool: m.peak_rss_mb for m in measurements},
        "ratios": ratios,
        "peer_detail": peer_detail,
        "scores": scores,
    }
    report["targets"] = [
        {"target": t.text, "limit": t.limit, "value": v, "result": r}
        for t in TARGETS
        for v, r in [evaluate(t, report)]
    ]
    write_report(report, args.append)
    print(f"wrote {RESULTS_MD.relative_to(PROJECT_DIR)}, {RESULTS_JSON.relative_to(PROJECT_DIR)}")
    if args.append is not None:
        print(f"appended the section to {args.append}")
    br.print_targets(report["targets"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
