"""Drift benchmark: `datacard drift` against Evidently's DataDriftPreset and scipy's ks_2samp.

    .venv/bin/python bench/drift/run.py [--quick] [--repeats N] [--append [FILE]]
                                        [--datacard PATH] [--render]

Makes the data (bench/drift/drift_data.py, kept when it exists): the living-card benchmark's
1M-row table as the reference, 1M fresh rows of the same generator with twelve planted shifts
(each in a column of its own) as the current data, and two disjoint random halves of the
reference as the null case. Then, each run a fresh process (wall time; peak RSS from os.wait4
and /proc tree sampling, with the helpers of bench/run.py):

- untimed, once: `datacard init` of the reference, of the null case's first half and of a copy
  of the current data (the documentation step, done before any drift check);
- `datacard drift REFERENCE CURRENT --json` (the current data read and sketched now), and for
  the shifted pair also against the current data's own card (sketch against sketch);
- Evidently 0.7's `Report([DataDriftPreset()])` on the same two Parquet files read with pandas
  (bench/drift/peer_drift.py in bench/.venv-peers; once per case: it takes minutes);
- per-column `scipy.stats.ks_2samp` (numeric) and `chi2_contingency` (categorical), p < 0.05.

and puts every tool's flag for every planted shift side by side, with the null case's flagged
columns and the timings. Writes bench/drift/RESULTS.md and bench/drift/results.json; with
--append (default file bench/RESULTS.md) also puts the same section into that file, replacing
an earlier drift section. --quick: 100,000 rows a side (Evidently included), one run each.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DRIFT_DIR = Path(__file__).resolve().parent
BENCH_DIR = DRIFT_DIR.parent
PROJECT_DIR = BENCH_DIR.parent
DATA_ROOT = BENCH_DIR / "data" / "drift"
MAKE_DATA = DRIFT_DIR / "drift_data.py"
PEER = DRIFT_DIR / "peer_drift.py"
RESULTS_MD = DRIFT_DIR / "RESULTS.md"
RESULTS_JSON = DRIFT_DIR / "results.json"
SECTION_TITLE = "## Drift against Evidently and ks_2samp (`bench/drift`)"

ROWS_FULL = 1_000_000
ROWS_QUICK = 100_000
FILE_NAME = "data.parquet"
LONG_RUN_S = 60.0  # datacard / scipy: a tool whose first run takes longer runs once
RUN_TIMEOUT_S = 3600.0
SPEEDUP_TARGET = 20.0
CASES = ("shifted", "null")
PEER_PACKAGES = ("evidently", "scipy", "pandas", "numpy", "pyarrow", "scikit-learn")
EVIDENTLY_REQUIREMENT = "evidently"  # as in bench/peers.txt; 0.7.23 when this was written
# The issue author's own measurement on the 1M vs 1M table (for comparison, not a target).
ISSUE_NUMBERS = (
    "Evidently DataDriftPreset 154 s and 3.5 GB RSS; ks_2samp over the numeric columns 3.1 s"
)

TOOL_DC = "datacard drift"
TOOL_DC_CARD = "datacard drift (card vs card)"
TOOL_EV = "Evidently DataDriftPreset"
TOOL_SP = "scipy ks_2samp + chi²"
DETECTORS = (TOOL_DC, TOOL_EV, TOOL_SP)


sys.path.insert(0, str(BENCH_DIR))  # bench/: benchdata and the shared harness
from benchdata import load_bench_run  # noqa: E402

br = load_bench_run()


def tag_for(rows: int) -> str:
    """The data folder's name for ``rows`` rows a side (as drift_data.py names it)."""
    if rows % 1_000_000 == 0:
        return f"{rows // 1_000_000}m"
    if rows % 1000 == 0:
        return f"{rows // 1000}k"
    return str(rows)


# --------------------------------------------------------------------------- measuring


@dataclass
class Tool:
    case: str
    name: str
    command: list[str]
    stdout: Path  # kept: the JSON the tool prints
    repeats: int
    ok_codes: tuple[int, ...] = (0,)  # datacard drift exits 1 when it finds drift
    unavailable: str = ""


def _json_of(path: Path) -> Any:
    """The JSON the tool printed: the whole output, else its last line (None if neither)."""
    try:
        text = path.read_text()
    except OSError:
        return None
    for candidate in (text, (text.strip().splitlines() or [""])[-1]):
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    return None


def measure(tool: Tool, env: dict[str, str]) -> Any:
    m = br.Measurement(tool.case, tool.name, tool.command)
    if tool.unavailable:
        print(f"  {tool.name:<32} n/a: {tool.unavailable}", flush=True)
        m.status, m.note = "n/a", tool.unavailable
        return m
    for i in range(tool.repeats):
        tool.stdout.unlink(missing_ok=True)
        run = br.run_once(tool.command, env, RUN_TIMEOUT_S, stdout_path=tool.stdout, stderr_lines=6)
        m.runs.append(run)
        shown = f"{run.wall_s:8.2f} s {run.peak_rss_mb:8.0f} MB"
        print(f"  {tool.name:<32} run {i + 1}: {shown}  rc={run.returncode}", flush=True)
        if run.returncode not in tool.ok_codes or _json_of(tool.stdout) is None:
            m.status = "n/a"
            lines = [ln for ln in run.stderr_tail.splitlines() if ln.strip()]
            m.note = f"exit {run.returncode}: {lines[-1] if lines else '(no stderr)'}"
            print(f"    {run.stderr_tail}", flush=True)
            return m
        if run.wall_s > LONG_RUN_S and i + 1 < tool.repeats:
            m.note = f"ran once: one run took > {LONG_RUN_S:.0f} s"
            break
    if tool.repeats == 1 and tool.name == TOOL_EV:
        m.note = "one run per case (minutes per run)"
    return m


def make_card(datacard: Path, folder: Path, env: dict[str, str]) -> dict[str, Any]:
    """An untimed `datacard init` of ``folder`` (a fresh card), with its one run's numbers."""
    br.clean_card(folder)
    run = br.run_once([str(datacard), "init", str(folder)], env, RUN_TIMEOUT_S)
    lines = [ln for ln in run.stderr_tail.splitlines() if ln.strip()]
    print(
        f"  datacard init {folder.relative_to(PROJECT_DIR)}: {run.wall_s:.2f} s, "
        f"{run.peak_rss_mb:.0f} MB, rc={run.returncode}",
        flush=True,
    )
    return {
        "folder": str(folder.relative_to(PROJECT_DIR)),
        "wall_s": run.wall_s,
        "peak_rss_mb": run.peak_rss_mb,
        "cpu_s": run.cpu_s,
        "returncode": run.returncode,
        "error": "" if run.returncode == 0 else (lines[-1] if lines else "(no stderr)"),
    }


# --------------------------------------------------------------------------- detections


def datacard_columns(payload: Any) -> dict[str, dict[str, Any]]:
    """Column -> {flagged, effect, metrics, reasons} from `datacard drift --json`."""
    out: dict[str, dict[str, Any]] = {}
    if not isinstance(payload, dict):
        return out
    for name, c in (payload.get("columns") or {}).items():
        effect = c.get("effect")
        out[name] = {
            "flagged": bool(c.get("drifted")),
            "kind": c.get("kind"),
            "effect": effect if isinstance(effect, int | float) else None,
            "metrics": c.get("metrics", {}),
            "reasons": c.get("reasons", []),
            "new": c.get("new", []),
        }
    return out


def peer_columns(payload: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(payload, dict):
        return {}
    columns: dict[str, dict[str, Any]] = payload.get("columns") or {}
    return columns


def _flagged(columns: dict[str, dict[str, Any]], names: list[str]) -> list[str]:
    return [n for n in names if columns.get(n, {}).get("flagged") is True]


def _checked(columns: dict[str, dict[str, Any]], names: list[str]) -> list[str]:
    return [n for n in names if columns.get(n, {}).get("flagged") is not None]


def summarize(
    detections: dict[str, dict[str, dict[str, Any]]], truth: dict[str, Any]
) -> dict[str, Any]:
    """Per case and tool: flagged planted shifts, required ones missed, flagged clean columns."""
    plants = truth["plants"]
    planted = [p["column"] for p in plants]
    required = [p["column"] for p in plants if p["required"]]
    out: dict[str, Any] = {}
    for key, columns in detections.items():
        case, tool = key.split("|", 1)
        if not columns:
            out[key] = {"case": case, "tool": tool, "available": False}
            continue
        everything = list(columns)
        clean = [n for n in everything if n not in planted] if case == "shifted" else everything
        row: dict[str, Any] = {
            "case": case,
            "tool": tool,
            "available": True,
            "clean_columns": len(clean),
            "clean_checked": len(_checked(columns, clean)),
            "clean_flagged": _flagged(columns, clean),
        }
        if case == "shifted":
            row["planted_flagged"] = _flagged(columns, planted)
            row["required"] = len(required)
            row["required_flagged"] = len(_flagged(columns, required))
            row["required_missed"] = [n for n in required if n not in row["planted_flagged"]]
        if tool in (TOOL_DC, TOOL_DC_CARD):
            effects = [
                (columns[n]["effect"], n) for n in clean if columns[n].get("effect") is not None
            ]
            if effects:
                top, name = max(effects)
                row["clean_max_effect"] = {"column": name, "effect": top}
        out[key] = row
    return out


def ratios(measurements: list[dict[str, Any]], field: str) -> dict[str, float | None]:
    """Peer / datacard on the shifted pair, from the measurements' ``field`` (a median)."""
    by_key = {(m["case"], m["tool"]): m for m in measurements}
    out: dict[str, float | None] = {}
    for num, den in ((TOOL_EV, TOOL_DC), (TOOL_EV, TOOL_DC_CARD), (TOOL_SP, TOOL_DC)):
        a, b = by_key.get(("shifted", num)), by_key.get(("shifted", den))
        if a is not None and b is not None:
            x, y = a[field], b[field]
            out[f"{num} / {den}"] = x / y if x and y else None
    return out


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    text: str
    value: Callable[[dict[str, Any]], float | None]
    limit: float
    at_most: bool
    unit: str  # "count", "x"


def _null_flags(report: dict[str, Any]) -> float | None:
    row = report["summary"].get(f"null|{TOOL_DC}", {})
    return float(len(row["clean_flagged"])) if row.get("available") else None


def _required_missed(report: dict[str, Any]) -> float | None:
    row = report["summary"].get(f"shifted|{TOOL_DC}", {})
    return float(len(row["required_missed"])) if row.get("available") else None


def _speedup(report: dict[str, Any]) -> float | None:
    value = report["ratios"].get(f"{TOOL_EV} / {TOOL_DC}")
    return float(value) if isinstance(value, int | float) else None


TARGETS: tuple[Target, ...] = (
    Target("null case (two disjoint random halves): no column flagged by datacard",
           _null_flags, 0.0, True, "count"),
    Target("every planted shift of ≥ 0.1σ or ≥ 5 % (and the variance, new-category and "
           "missing-rate changes) flagged by datacard: none missed",
           _required_missed, 0.0, True, "count"),
    Target("`datacard drift` against a stored card ≥ 20× faster than Evidently "
           "(Evidently / datacard, same rows)", _speedup, SPEEDUP_TARGET, False, "x"),
)  # fmt: skip


def evaluate(target: Target, report: dict[str, Any]) -> tuple[float | None, str]:
    value = target.value(report)
    if value is None:
        return None, "n/a"
    ok = value <= target.limit + 1e-12 if target.at_most else value >= target.limit - 1e-12
    return value, "PASS" if ok else "MISS"


# --------------------------------------------------------------------------- machine


def machine_facts() -> dict[str, Any]:
    return {
        "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": br._cpu_model(),
        "mem_total_gib": br._mem_total_gib(),
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "project_versions": {
            n: br._version(n) for n in ("datacard", "pyarrow", "numpy", "datasketches")
        },
        "peer_versions": br._peer_versions(PEER_PACKAGES),
        "git_revision": br._git_revision(),
        "load_at_start": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def ensure_evidently() -> str:
    """Empty when the peers' venv can import Evidently (installing it there if needed)."""
    ok, note = br.ensure_peers()
    if not ok:
        return str(note)
    python = str(br.PEERS_PYTHON)
    probe = [python, "-c", "import evidently, scipy"]
    env = dict(os.environ, DO_NOT_TRACK="1")
    if subprocess.run(probe, capture_output=True, check=False, env=env).returncode == 0:
        return ""
    print("installing evidently into bench/.venv-peers ...", flush=True)
    subprocess.run(
        [python, "-m", "pip", "install", "-q", EVIDENTLY_REQUIREMENT, "scipy"], check=False
    )
    if subprocess.run(probe, capture_output=True, check=False, env=env).returncode == 0:
        return ""
    return "evidently is not installed in bench/.venv-peers and pip could not install it"


def ensure_scipy() -> str:
    ok, note = br.ensure_peers()
    if not ok:
        return str(note)
    probe = [str(br.PEERS_PYTHON), "-c", "import scipy, pandas"]
    if subprocess.run(probe, capture_output=True, check=False).returncode == 0:
        return ""
    return "scipy or pandas is missing from bench/.venv-peers"


# --------------------------------------------------------------------------- report


def _fmt(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _g(value: Any, digits: int = 4) -> str:
    return f"{value:.{digits}g}" if isinstance(value, int | float) else "n/a"


def _pct(value: Any) -> str:
    return f"{100 * value:.2f} %" if isinstance(value, int | float) else "n/a"


def _yes(flag: Any) -> str:
    return "n/a" if flag is None else ("**yes**" if flag else "no")


# The datacard metrics shown for each kind of planted shift (with their default thresholds).
KEY_METRICS: dict[str, tuple[tuple[str, str, float], ...]] = {
    "mean": (("mean_shift", "mean shift", 0.08), ("wasserstein", "W", 0.1)),
    "variance": (("psi", "PSI", 0.1), ("js", "JS", 0.1), ("wasserstein", "W", 0.1)),
    "share": (("category_linf", "L∞", 0.04), ("category_js", "JS", 0.05)),
    "new": (("new_share", "new share", 0.01), ("category_js", "JS", 0.05)),
    "missing": (("missing_change", "missing change", 0.05),),
}


def _planted_effect(plant: dict[str, Any]) -> str:
    e = plant["effect"]
    kind = plant["kind"]
    if kind == "mean":
        return f"mean {e['mean_shift_sigma']:+.4f}σ"
    if kind == "variance":
        return f"std × {e['std_ratio']:.4f} (variance × {e['std_ratio'] ** 2:.3f})"
    if kind == "missing":
        return f"missing {_pct(e['missing_reference'])} → {_pct(e['missing_current'])}"
    if kind == "new":
        return f"{', '.join(e['new_values'])} {_pct(e['new_share'])}"
    a, b = e["share_lang_00"], e["share_lang_01"]
    return f"lang_00 {_pct(a[0])} → {_pct(a[1])}, lang_01 {_pct(b[0])} → {_pct(b[1])}"


def _datacard_cell(col: dict[str, Any] | None, kind: str) -> str:
    if not col:
        return "n/a"
    metrics = col.get("metrics", {})
    shown = [
        f"{label} {_g(metrics.get(key))}" for key, label, _ in KEY_METRICS[kind] if key in metrics
    ]
    return f"{_yes(col.get('flagged'))} ({', '.join(shown)})"


_SHORT_METHODS = {
    "Wasserstein distance (normed)": "W",
    "Jensen-Shannon distance": "JS",
    "Absolute text content drift": "text drift",
    "ks_2samp": "KS",
    "chi2_contingency": "χ²",
}


def _peer_cell(col: dict[str, Any] | None) -> str:
    if not col:
        return "n/a"
    if col.get("flagged") is None:
        return f"not checked ({col.get('note', '')})".replace(" ()", "")
    method = _SHORT_METHODS.get(str(col.get("method")), str(col.get("method")))
    if "p_value" in col:
        detail = f"{method} {_g(col.get('score'))}, p {_g(col.get('p_value'), 2)}"
    else:
        detail = f"{method} {_g(col.get('score'))} (threshold {_g(col.get('threshold'))})"
    return f"{_yes(col['flagged'])} ({detail})"


def _count_cell(row: dict[str, Any] | None, key: str = "clean_flagged") -> str:
    if not row or not row.get("available"):
        return "n/a"
    names = row[key]
    shown = f"**{len(names)}**" if names else "0"
    of = f" of {row['clean_checked']} checked"
    return shown + of + (f": {', '.join(names)}" if names else "")


def _timing_split(payload: Any) -> str:
    if not isinstance(payload, dict) or not isinstance(payload.get("timings"), dict):
        return ""
    t = payload["timings"]
    names = {
        "import_s": "import",
        "read_s": "read",
        "run_s": "report",
        "ks_s": "KS",
        "chi2_s": "χ²",
    }
    return ", ".join(f"{label} {t[k]:.1f} s" for k, label in names.items() if k in t)


def render_section(report: dict[str, Any]) -> str:
    f = report["machine"]
    pv = ", ".join(f"{k} {v}" for k, v in f["peer_versions"].items()) or "not installed"
    pj = f["project_versions"]
    args = report["args"]
    truth = report["truth"]
    rows = truth["rows"]
    data = report.get("data", {})
    lines = [
        SECTION_TITLE,
        "",
        "Written by `bench/drift/run.py`; raw numbers in `bench/drift/results.json`; what is "
        "measured and how: `bench/README.md` (section *Drift benchmark*).",
        "",
        f"- Date (UTC): {f['date_utc']}; project revision {f['git_revision']}"
        + (" (`--quick`)" if args["quick"] else "")
        + f"; {args['repeats']} run{'s' if args['repeats'] != 1 else ''} per datacard and "
        f"scipy measurement (a tool over "
        f"{LONG_RUN_S:.0f} s runs once), Evidently once per case",
        f"- Machine: {f['nproc']} cores (nproc), {f['cpu_model']}, {f['mem_total_gib']} GiB "
        f"memory, Linux {f['kernel']}; load average at start {f['load_at_start']}",
        f"- Project venv: Python {f['python']}, datacard {pj['datacard']}, pyarrow "
        f"{pj['pyarrow']}, numpy {pj['numpy']}, datasketches {pj['datasketches']}; peers venv: "
        f"{pv}",
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
        parts = [
            f"`{name}` {d['rows']:,} rows × {d['columns']} columns, {d['size_mb']} MB"
            for name, d in data.items()
            if name != "current_card"
        ]
        lines.append("- Data (`bench/data/drift/" + tag_for(rows) + "/`): " + "; ".join(parts))
    lines += [
        f"- Shifted pair: reference = the living-card table's first {rows:,} rows "
        f"(`bench/data/pq1m`), current = {rows:,} fresh rows of the same generator (another "
        "seed); the 20 base columns are untouched and each planted shift has a column of its "
        "own (a row-shuffled copy of f4, f0, c1 or f1 on each side). Null case: two disjoint "
        f"random halves of the reference ({rows // 2:,} rows each), every column.",
        f"- The issue author's numbers on 1M vs 1M rows, for comparison: {ISSUE_NUMBERS}.",
        "",
        "### Targets",
        "",
        "| target | measured | result |",
        "| --- | ---: | --- |",
    ]
    for t in TARGETS:
        value, verdict = evaluate(t, report)
        shown = "n/a" if value is None else (f"{value:.1f}×" if t.unit == "x" else f"{value:.0f}")
        lines.append(f"| {t.text} | {shown} | {verdict} |")

    det = report["detections"]
    dc, ev, sp = (det.get(f"shifted|{t}", {}) for t in DETECTORS)
    lines += [
        "",
        "### Detections: planted shift × tool (flagged?)",
        "",
        "datacard: its default thresholds (mean shift 0.08σ, W 0.1, PSI 0.1, JS 0.1, category "
        "L∞ 0.04, category JS 0.05, new share 0.01, missing change 0.05), effect sizes from "
        "the sketches. Evidently: its default test per column (at this size: normed Wasserstein "
        "≥ 0.1 for numeric columns, Jensen–Shannon ≥ 0.1 for categorical ones). scipy: KS or "
        "χ² p < 0.05.",
        "",
        "| planted shift | column | exact effect in the written rows | must flag | datacard | "
        "Evidently | ks_2samp / χ² |",
        "| --- | --- | --- | :---: | --- | --- | --- |",
    ]
    for p in truth["plants"]:
        name = p["column"]
        lines.append(
            f"| {p['label']} | `{name}` | {_planted_effect(p)} | "
            f"{'yes' if p['required'] else 'no'} | {_datacard_cell(dc.get(name), p['kind'])} | "
            f"{_peer_cell(ev.get(name))} | {_peer_cell(sp.get(name))} |"
        )
    summary = report["summary"]
    req_cells = []
    for tool in DETECTORS:
        row = summary.get(f"shifted|{tool}")
        if not row or not row.get("available"):
            req_cells.append("n/a")
            continue
        missed = row["required_missed"]
        req_cells.append(
            f"{row['required_flagged']} of {row['required']}"
            + (f" (missed: {', '.join(missed)})" if missed else "")
        )
    lines.append(f"| **required shifts flagged** | | | | {' | '.join(req_cells)} |")
    clean_cells = [_count_cell(summary.get(f"shifted|{t}")) for t in DETECTORS]
    lines.append(
        f"| untouched base columns flagged ({rows:,} vs {rows:,} independent rows) | | | "
        f"expect 0 | {' | '.join(clean_cells)} |"
    )
    null_cells = [_count_cell(summary.get(f"null|{t}")) for t in DETECTORS]
    lines.append(
        f"| **null case**: columns flagged ({rows // 2:,} vs {rows // 2:,}, disjoint halves) "
        f"| all | | expect 0 | {' | '.join(null_cells)} |"
    )
    margins = []
    for case in CASES:
        row = summary.get(f"{case}|{TOOL_DC}") or {}
        top = row.get("clean_max_effect")
        if top:
            margins.append(
                f"{'null case' if case == 'null' else 'untouched columns of the shifted pair'}"
                f": {top['effect']:.2f} (`{top['column']}`)"
            )
    if margins:
        lines.append(
            "\ndatacard's largest effect / threshold ratio on a column with nothing planted "
            "(1.0 would flag it): " + "; ".join(margins) + "."
        )
    card = summary.get(f"shifted|{TOOL_DC_CARD}")
    if card and card.get("available") and dc:
        same = all(
            det[f"shifted|{TOOL_DC_CARD}"].get(n, {}).get("flagged") == c.get("flagged")
            for n, c in dc.items()
        )
        lines.append(
            "\n`datacard drift` against the current data's own card (sketch against sketch) "
            + ("flags exactly the same columns." if same else "**flags other columns**: see json.")
        )
    unchecked = [n for n, c in ev.items() if c.get("flagged") is None]
    if unchecked:
        lines.append(
            f"\nEvidently's preset does not check: {', '.join(unchecked)} (it covers numeric, "
            "categorical and text columns only)."
        )

    lines += [
        "",
        "### Time and memory",
        "",
        "| case | tool | median wall s | min wall s | peak RSS MB | median CPU s | runs | "
        "in-process split (last run) | note |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    payloads = report.get("payload_timings", {})
    for m in report["measurements"]:
        status = "" if m["status"] == "ok" else f"**{m['status']}** "
        note = (status + m["note"]).replace("|", "\\|").replace("\n", " ").strip()
        split = payloads.get(f"{m['case']}|{m['tool']}", "")
        lines.append(
            f"| {m['case']} | {m['tool']} | {_fmt(m['median_wall_s'])} | "
            f"{_fmt(m['min_wall_s'])} | {_fmt(m['peak_rss_mb'], 0)} | "
            f"{_fmt(m['median_cpu_s'], 1)} | {len(m['runs'])} | {split} | {note} |"
        )
    for c in report.get("cards", []):
        lines.append(
            f"| (untimed step) | datacard init `{c['folder']}` | {_fmt(c['wall_s'])} | | "
            f"{_fmt(c['peak_rss_mb'], 0)} | {_fmt(c['cpu_s'], 1)} | 1 | | documentation, once"
            + (f"; **failed**: {c['error']}" if c["returncode"] else "")
            + " |"
        )
    lines.append("")
    cpu = report.get("cpu_ratios") or ratios(report["measurements"], "median_cpu_s")
    for name, value in report["ratios"].items():
        lines.append(
            f"- {name} (shifted pair): {_fmt(value, 1)}× in median wall time, "
            f"{_fmt(cpu.get(name), 1)}× in median CPU time"
        )
    lines += [
        "",
        "Wall time is the whole process: interpreter start, imports, reading the Parquet "
        "files (pandas for the peers, datacard's own reader) and the comparison. `datacard "
        "drift` reads and sketches the current data and loads the reference's sketches from "
        "its card; the reference's raw rows are not read. The peers read both files.",
    ]
    return "\n".join(lines) + "\n"


def write_report(report: dict[str, Any], append: Path | None) -> None:
    section = render_section(report)
    RESULTS_JSON.write_text(json.dumps(report, indent=2) + "\n")
    RESULTS_MD.write_text(
        "# Drift benchmark results\n\nRewritten by every run of `bench/drift/run.py`.\n\n" + section
    )
    if append is not None:
        br.replace_section(append, section, SECTION_TITLE)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="datacard drift benchmark")
    parser.add_argument(
        "--quick", action="store_true", help=f"{ROWS_QUICK:,} rows a side, one run each"
    )
    parser.add_argument("--rows", type=int, help="rows a side (default 1,000,000)")
    parser.add_argument("--repeats", type=int, help="runs per datacard / scipy measurement")
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES))
    parser.add_argument("--no-evidently", action="store_true", help="skip Evidently")
    parser.add_argument("--datacard", type=Path, default=br.DATACARD, help="datacard to measure")
    br.section_options(parser, "drift")
    args = parser.parse_args(argv)
    if args.rows is None:
        args.rows = ROWS_QUICK if args.quick else ROWS_FULL
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if not 2 <= args.rows <= ROWS_FULL:
        parser.error(f"--rows must be between 2 and {ROWS_FULL:,}")
    args.cases = [c for c in CASES if c in args.cases]
    return args


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, br._exit_on_sigterm)
    args = parse_args(argv)
    if args.render:
        write_report(json.loads(RESULTS_JSON.read_text()), args.append)
        print(f"rewrote {RESULTS_MD.relative_to(PROJECT_DIR)} from {RESULTS_JSON.name}")
        return 0
    # Data first, in a child process: the harness imports neither numpy nor pyarrow, so that
    # its own peak RSS (where a child's ru_maxrss starts) stays small.
    subprocess.run([sys.executable, str(MAKE_DATA), "--rows", str(args.rows)], check=True)
    root = DATA_ROOT / tag_for(args.rows)
    truth = json.loads((root / "truth.json").read_text())
    env = dict(os.environ)
    env.setdefault("DO_NOT_TRACK", "1")  # Evidently's telemetry (peer_drift.py sets it too)
    datacard = args.datacard.resolve()
    dc_note = br.datacard_unavailable(datacard, env)
    ev_note = "--no-evidently" if args.no_evidently else ensure_evidently()
    sp_note = ensure_scipy()
    facts = machine_facts()
    out_dir = root / "out"
    out_dir.mkdir(parents=True, exist_ok=True)

    folders = {
        "shifted": (root / "reference", root / "current", root / "current_card"),
        "null": (root / "null_a", root / "null_b", None),
    }
    cards: list[dict[str, Any]] = []
    if not dc_note:
        print("== cards (untimed: the documentation step)", flush=True)
        needed = [folders[c][0] for c in args.cases]
        if "shifted" in args.cases:
            needed.append(root / "current_card")
        for folder in needed:
            card = make_card(datacard, folder, env)
            cards.append(card)
            if card["returncode"] != 0 and folder.name in ("reference", "null_a"):
                dc_note = f"datacard init {folder.name} failed: {card['error']}"
    measurements: list[Any] = []
    detections: dict[str, dict[str, dict[str, Any]]] = {}
    payload_timings: dict[str, str] = {}
    for case in args.cases:
        ref_dir, cur_dir, card_dir = folders[case]
        ref_file, cur_file = ref_dir / FILE_NAME, cur_dir / FILE_NAME
        print(f"== {case}: {ref_dir.name} vs {cur_dir.name}", flush=True)
        br.warm_cache([ref_file, cur_file])
        rel = [str(p.relative_to(PROJECT_DIR)) for p in (ref_dir, cur_dir)]
        tools = [
            Tool(case, TOOL_DC, [str(datacard), "drift", *rel, "--json"],
                 out_dir / f"{case}_datacard.json", args.repeats, (0, 1), dc_note),
        ]  # fmt: skip
        if card_dir is not None:
            card_rel = str(card_dir.relative_to(PROJECT_DIR))
            tools.append(
                Tool(case, TOOL_DC_CARD, [str(datacard), "drift", rel[0], card_rel, "--json"],
                     out_dir / f"{case}_datacard_card.json", args.repeats, (0, 1), dc_note)
            )  # fmt: skip
        peer = [str(br.PEERS_PYTHON), str(PEER)]
        tools += [
            Tool(case, TOOL_SP, [*peer, "scipy", str(ref_file), str(cur_file)],
                 out_dir / f"{case}_scipy.json", args.repeats, unavailable=sp_note),
            Tool(case, TOOL_EV, [*peer, "evidently", str(ref_file), str(cur_file)],
                 out_dir / f"{case}_evidently.json", 1, unavailable=ev_note),
        ]  # fmt: skip
        for tool in tools:
            m = measure(tool, env)
            measurements.append(m)
            payload = _json_of(tool.stdout) if m.ok else None
            key = f"{case}|{tool.name}"
            if tool.name in (TOOL_DC, TOOL_DC_CARD):
                detections[key] = datacard_columns(payload)
            else:
                detections[key] = peer_columns(payload)
                payload_timings[key] = _timing_split(payload)
                if isinstance(payload, dict):
                    facts.setdefault("peer_task_versions", {})[tool.name] = payload.get("versions")

    measured = [m.to_json() for m in measurements]
    facts_proc = subprocess.run(
        [sys.executable, str(MAKE_DATA), "--rows", str(args.rows), "--facts"],
        capture_output=True,
        text=True,
        check=False,
    )
    data = json.loads(facts_proc.stdout) if facts_proc.returncode == 0 else {}
    for d in data.values():
        d["path"] = str(Path(d["path"]).relative_to(PROJECT_DIR))
    report: dict[str, Any] = {
        "machine": facts,
        "args": {
            "quick": args.quick,
            "rows": args.rows,
            "repeats": args.repeats,
            "cases": args.cases,
            "datacard": str(datacard),
            "evidently": not args.no_evidently,
        },
        "data": data,
        "truth": truth,
        "cards": cards,
        "measurements": measured,
        "peak_rss_mb": {f"{m.case}|{m.tool}": m.peak_rss_mb for m in measurements},
        "ratios": ratios(measured, "median_wall_s"),
        "cpu_ratios": ratios(measured, "median_cpu_s"),
        "payload_timings": payload_timings,
        "detections": detections,
        "summary": summarize(detections, truth),
    }
    report["targets"] = [
        {"target": t.text, "limit": t.limit, "value": v, "result": r}
        for t in TARGETS
        for v, r in [evaluate(t, report)]
    ]
    write_report(report, args.append)
    print(f"wrote {RESULTS_MD.relative_to(PROJECT_DIR)}, {RESULTS_JSON.relative_to(PROJECT_DIR)}")
    if args.append is not None:
        print(f"put the section into {args.append}")
    br.print_targets(report["targets"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
