"""Dask engine benchmark: the local engine against a Dask LocalCluster of 1 and 2 workers.

    .venv/bin/python bench/dask/run.py [--repeats N] [--cases profile leaks] [--append [FILE]]
                                       [--render]

Two cases, each measured in three configurations, every run a fresh process
(bench/dask/work.py: interpreter start, imports and the cluster's start included):

- ``profile``: ``datacard.profiling.profile`` of the living-card benchmark's 10M-row Parquet
  (``bench/data/pq10m/long_10m.parquet``; the file itself, so the card beside it is untouched);
- ``leaks``: ``datacard.leakage.leaks.run_leaks`` of the 220,000-document corpus
  (``bench/data/leakage/dup``, ``text=["text"], key=["text"]``, threshold 0.8, as
  bench/leakage/run.py);

with (a) the local engine, 2 processes; (b) a Dask LocalCluster of 1 single-threaded worker
process; (c) of 2. The configurations take turns (a, b, c, a, b, c, ...) so that other work on
the machine hits them alike. For every run: wall time of the process, the work alone (the
``profile``/``run_leaks`` call; the cluster's start is timed apart), CPU seconds of the process
tree (``os.wait4``), and peak RSS of the client process and of every worker process (VmHWM,
sampled from /proc every 0.2 s by this harness; Dask workers also report their own at the end).
The CPU time that *other* processes used during each run is taken from /proc/stat and reported:
it shows when the machine was not quiet.

On Dask the task stream gives the cost of every partition task. Then, untimed: one Dask run with
``dask.sizeof`` taught the pickled size of datacard's partial results (the bytes that really
moved between workers), and a probe in one process (no pool, no cluster) for the planning time,
a few partitions' cost one at a time and the pickled sizes of a task and of its result.

Writes bench/dask/RESULTS.md and bench/dask/results.json (a run of some cases keeps the other
cases from the previous results.json); with --append (default bench/RESULTS.md) also puts the
section into that file. The 1 TB estimate built on these numbers is docs/scaling.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

DASK_DIR = Path(__file__).resolve().parent
BENCH_DIR = DASK_DIR.parent
PROJECT_DIR = BENCH_DIR.parent
WORK = DASK_DIR / "work.py"
PYTHON = PROJECT_DIR / ".venv" / "bin" / "python"
RESULTS_MD = DASK_DIR / "RESULTS.md"
RESULTS_JSON = DASK_DIR / "results.json"
SECTION_TITLE = "## Dask engine: profile and leaks on a LocalCluster (`bench/dask`)"

SOURCES = {
    "profile": BENCH_DIR / "data" / "pq10m" / "long_10m.parquet",
    "leaks": BENCH_DIR / "data" / "leakage" / "dup",
}
CASES = tuple(SOURCES)
#: (name, engine, workers), in the order they take turns; the last two are a diagnostic
#: variant: Dask workers with distributed's MALLOC_TRIM_THRESHOLD_=65536 (as `dask worker`
#: starts them; datacard's LocalCluster leaves it out)
CONFIGS = (
    ("local-2", "local", 2),
    ("dask-1", "dask", 1),
    ("dask-2", "dask", 2),
    ("dask-1-trim", "dask", 1),
    ("dask-2-trim", "dask", 2),
)
LABELS = {
    "local-2": "local engine, 2 processes",
    "dask-1": "Dask LocalCluster, 1 worker",
    "dask-2": "Dask LocalCluster, 2 workers",
    "dask-1-trim": "Dask, 1 worker, with distributed's MALLOC_TRIM_THRESHOLD_",
    "dask-2-trim": "Dask, 2 workers, with distributed's MALLOC_TRIM_THRESHOLD_",
}
SAMPLE_S = 0.2
RUN_TIMEOUT_S = 1800.0
MIB = 2**20
BUSY_OTHERS = 0.25  # cores of other work during a run above which the run is flagged


sys.path.insert(0, str(BENCH_DIR))  # bench/: benchdata and the shared harness
from benchdata import load_bench_run  # noqa: E402

br = load_bench_run()


# --------------------------------------------------------------------------- /proc sampling

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _parents() -> dict[int, int]:
    out: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            out[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return out


def _tree(root: int) -> set[int]:
    parents = _parents()
    tree, grew = {root}, True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return tree


def _status_kb(pid: int) -> dict[str, int]:
    out: dict[str, int] = {}
    try:
        for line in (Path("/proc") / str(pid) / "status").read_text().splitlines():
            if line.startswith(("VmHWM:", "VmRSS:")):
                key, value = line.split(":", 1)
                out[key] = int(value.split()[0])
    except OSError:
        pass
    return out


def _cpu_s(pid: int) -> float | None:
    try:
        fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def _cmdline(pid: int) -> str:
    try:
        raw = (Path("/proc") / str(pid) / "cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


def busy_s() -> float:
    """CPU seconds the whole machine has been busy (all cores), from /proc/stat."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


class TreeSampler(threading.Thread):
    """Every SAMPLE_S: each process of the tree's VmHWM, VmRSS and CPU seconds; the summed RSS."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.procs: dict[int, dict[str, Any]] = {}
        self.tree_peak_kb = 0
        self.stop = threading.Event()

    def sample(self) -> None:
        total = 0
        for pid in _tree(self.root):
            status = _status_kb(pid)
            if not status:
                continue
            p = self.procs.get(pid)
            if p is None:
                p = self.procs[pid] = {"cmd": _cmdline(pid), "hwm_kb": 0, "cpu_s": 0.0}
            p["hwm_kb"] = max(p["hwm_kb"], status.get("VmHWM", 0), status.get("VmRSS", 0))
            p["cpu_s"] = _cpu_s(pid) or p["cpu_s"]
            total += status.get("VmRSS", 0)
        self.tree_peak_kb = max(self.tree_peak_kb, total)

    def run(self) -> None:
        while not self.stop.wait(SAMPLE_S):
            self.sample()


# --------------------------------------------------------------------------- one run


def run_work(
    case: str, config: str, tmp: Path, *, traffic: bool = False, full: Path | None = None
) -> dict[str, Any]:
    """One fresh process of work.py; its own report plus what this harness measured."""
    engine, workers = next((e, w) for n, e, w in CONFIGS if n == config)
    out = tmp / f"{case}-{config}.json"
    out.unlink(missing_ok=True)
    command = [str(PYTHON), str(WORK), case, "--engine", engine, "--workers", str(workers)]
    command += ["--source", str(SOURCES[case]), "--out", str(out)]
    if traffic:
        command.append("--traffic")
    if full is not None:
        command += ["--full", str(full)]
    if config.endswith("-trim"):
        command.append("--malloc-trim")
    return _measure(command, out, tmp)


def run_probe(case: str, tmp: Path) -> dict[str, Any]:
    out = tmp / f"probe-{case}.json"
    command = [str(PYTHON), str(WORK), f"probe-{case}", "--workers", "2"]
    command += ["--source", str(SOURCES[case]), "--out", str(out)]
    return _measure(command, out, tmp)


def _short(arg: str) -> str:
    """``arg`` relative to the project when it is a path inside it."""
    path = Path(arg)
    return str(path.relative_to(PROJECT_DIR)) if path.is_relative_to(PROJECT_DIR) else arg


def _measure(command: Sequence[str], out: Path, tmp: Path) -> dict[str, Any]:
    err_path = tmp / "stderr"
    load_1m = os.getloadavg()[0]
    busy0, mine0 = busy_s(), time.process_time()
    with err_path.open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            cwd=PROJECT_DIR,
            start_new_session=True,  # its own process group: killed as one on timeout
        )
        sampler = TreeSampler(proc.pid)
        sampler.start()
        timer = threading.Timer(RUN_TIMEOUT_S, os.killpg, (proc.pid, signal.SIGKILL))
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            os.killpg(proc.pid, signal.SIGKILL)
            os.wait4(proc.pid, 0)
            raise
        finally:
            timer.cancel()
            sampler.stop.set()
        wall = time.perf_counter() - start
        sampler.join()
    busy = busy_s() - busy0
    mine = time.process_time() - mine0  # this harness: the sampling
    cpu = usage.ru_utime + usage.ru_stime
    returncode = os.waitstatus_to_exitcode(status)
    stderr_lines = [ln for ln in err_path.read_text(errors="replace").splitlines() if ln.strip()]
    child: dict[str, Any] = {}
    if returncode == 0 and out.exists():
        child = json.loads(out.read_text())
    procs = sampler.procs
    root = procs.get(proc.pid, {"hwm_kb": 0})
    workers: dict[int, float] = {}
    if "worker_pids" in child:  # Dask: the workers say who they are, and their own peak
        reported = {w["pid"]: w["peak_rss_mb"] for w in child.get("workers", [])}
        for pid in child["worker_pids"]:
            sampled = procs.get(pid, {}).get("hwm_kb", 0) / 1024
            workers[pid] = round(max(sampled, reported.get(pid, 0.0)), 1)
    elif child.get("engine") == "local":  # the fork pool: every descendant but helpers
        for pid, p in procs.items():
            if pid != proc.pid and not re.search(r"resource_tracker|forkserver", p["cmd"]):
                workers[pid] = round(p["hwm_kb"] / 1024, 1)
    return {
        "command": [_short(c) for c in command],
        "returncode": returncode,
        "error": stderr_lines[-1][-300:] if returncode and stderr_lines else "",
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 2),
        "cpu_sampled_s": round(sum(p["cpu_s"] for p in procs.values()), 2),
        "load_1m": round(load_1m, 2),
        "others_cores": round(max(0.0, busy - cpu - mine) / wall, 2) if wall else None,
        "client_peak_rss_mb": round(
            max(root["hwm_kb"] / 1024, child.get("client_peak_rss_mb") or 0.0), 1
        ),
        "worker_peak_rss_mb": sorted(workers.values(), reverse=True),
        "processes": len(procs),
        "tree_peak_rss_mb": round(sampler.tree_peak_kb / 1024, 1),
        "child": child,
    }  # fmt: skip


# --------------------------------------------------------------------------- result checks

_CATEGORIES = (
    ("top-value counts (Misra–Gries lower bounds)", re.compile(r"/top\[")),
    ("KLL quantiles and histograms", re.compile(r"/quantiles/|/histogram/|/length/|/tokens/")),
    ("moments (last-bit float rounding)", re.compile(r"/(mean|std|skewness)$")),
)


def _diff(a: Any, b: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    if isinstance(a, dict) and isinstance(b, dict):
        return [
            d for k in sorted(set(a) | set(b)) for d in _diff(a.get(k), b.get(k), f"{path}/{k}")
        ]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _diff(x, y, f"{path}[{i}]")]
    return [] if a == b else [(path, a, b)]


def diff_summary(a_path: Path, b_path: Path) -> dict[str, Any]:
    """The fields of two full results that differ, counted by kind of statistic."""
    if not (a_path.exists() and b_path.exists()):
        return {"error": "missing result"}
    diffs = _diff(json.loads(a_path.read_text()), json.loads(b_path.read_text()))
    out: dict[str, Any] = {"fields": len(diffs), "by_kind": {}}
    for path, x, y in diffs:
        kind = next((name for name, rx in _CATEGORIES if rx.search(path)), "other")
        entry = out["by_kind"].setdefault(kind, {"fields": 0, "max_abs_delta": 0.0, "first": []})
        entry["fields"] += 1
        if isinstance(x, int | float) and isinstance(y, int | float):
            entry["max_abs_delta"] = max(entry["max_abs_delta"], abs(float(x) - float(y)))
        if len(entry["first"]) < 3:
            entry["first"].append(f"{path}: {x} vs {y}")
    return out


def check_results(case: str, runs: list[dict[str, Any]], full: dict[str, Path]) -> dict[str, Any]:
    """Rows and result fingerprints across every run; diffs of the full results."""
    ok = [r for r in runs if r["returncode"] == 0 and r["child"].get("result")]
    results = [r["child"]["result"] for r in ok]
    out: dict[str, Any] = {"runs": len(runs), "good_runs": len(ok)}
    out["rows"] = sorted({res["rows"] for res in results})
    keys = ("counts_sha", "top_sha", "measured_sha") if case == "profile" else ("pairs_sha",)
    for key in keys:
        by_config: dict[str, list[str]] = {}
        for r in ok:
            by_config.setdefault(r["config"], []).append(r["child"]["result"].get(key, ""))
        out[key] = {
            "distinct": len({v for vs in by_config.values() for v in vs}),
            "distinct_per_config": {c: len(set(vs)) for c, vs in by_config.items()},
        }
    if case == "leaks":
        out["pairs"] = results[0]["pairs"] if results else {}
        out["splits"] = results[0]["splits"] if results else {}
    comparisons = (("local-2", "dask-2"), ("dask-1", "dask-2"), ("local-2", "local-2#2"))
    out["diffs"] = {
        f"{a} vs {b}": diff_summary(full[a], full[b])
        for a, b in comparisons
        if a in full and b in full
    }
    return out


# --------------------------------------------------------------------------- summaries


def _med(values: Sequence[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return round(statistics.median(vals), 3) if vals else None


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over the good runs of one configuration; peak memory over all of them."""
    ok = [r for r in runs if r["returncode"] == 0 and r["child"]]
    if not ok:
        return {"ok": False, "error": runs[0]["error"] if runs else "not run"}
    child = [r["child"] for r in ok]
    workers = [w for r in ok for w in r["worker_peak_rss_mb"]]
    middle = sorted(ok, key=lambda r: r["child"]["work_s"])[len(ok) // 2]
    return {
        "ok": True,
        "runs": len(ok),
        "wall_s": _med([r["wall_s"] for r in ok]),
        "wall_min_s": min(r["wall_s"] for r in ok),
        "work_s": _med([c["work_s"] for c in child]),
        "work_min_s": min(c["work_s"] for c in child),
        "import_s": _med([c.get("import_s") for c in child]),
        "cluster_start_s": _med([c.get("cluster_start_s") for c in child]),
        "close_s": _med([c.get("close_s") for c in child]),
        "measured_s": _med([c.get("measured_s") for c in child]),
        "cpu_s": _med([r["cpu_s"] for r in ok]),
        "client_peak_rss_mb": max(r["client_peak_rss_mb"] for r in ok),
        "worker_peak_rss_mb": max(workers) if workers else None,
        "worker_peak_rss_min_mb": min(workers) if workers else None,
        "workers_seen": len(middle["worker_peak_rss_mb"]),
        "tree_peak_rss_mb": max(r["tree_peak_rss_mb"] for r in ok),
        "load_1m": [r["load_1m"] for r in ok],
        "others_cores": [r["others_cores"] for r in ok],
        "stream": middle["child"].get("stream"),  # the median run's task stream
        "result_pickle_bytes": middle["child"].get("result_pickle_bytes"),
    }


def _ratio(a: float | None, b: float | None, times: float = 1.0) -> float | None:
    return round(a / (times * b), 3) if a and b else None


def ratios(summary: dict[str, dict[str, Any]]) -> dict[str, float | None]:
    def get(config: str, key: str) -> float | None:
        s = summary.get(config, {})
        return s.get(key) if s.get("ok") else None

    out = {}
    for suffix in ("", "-trim"):
        one, two = f"dask-1{suffix}", f"dask-2{suffix}"
        out |= {
            f"efficiency_work{suffix}": _ratio(get(one, "work_s"), get(two, "work_s"), 2),
            f"efficiency_wall{suffix}": _ratio(get(one, "wall_s"), get(two, "wall_s"), 2),
            f"dask_overhead_work{suffix}": _ratio(get(two, "work_s"), get("local-2", "work_s")),
            f"dask_overhead_wall{suffix}": _ratio(get(two, "wall_s"), get("local-2", "wall_s")),
            f"speedup_work{suffix}": _ratio(get(one, "work_s"), get(two, "work_s")),
        }
    out["trim_cost_work"] = _ratio(get("dask-2-trim", "work_s"), get("dask-2", "work_s"))
    return out


# --------------------------------------------------------------------------- the cases


def run_case(case: str, repeats: int, tmp: Path) -> dict[str, Any]:
    source = SOURCES[case]
    print(f"== {case}: {source.relative_to(PROJECT_DIR)}", flush=True)
    files = [source] if source.is_file() else sorted(source.rglob("*.parquet"))
    br.warm_cache(files)
    runs: list[dict[str, Any]] = []
    full: dict[str, Path] = {}
    for i in range(repeats):
        for config, _, _ in CONFIGS:
            name = config if i == 0 else f"{config}#{i + 1}"
            target = tmp / f"full-{case}-{name}.json" if i < 2 else None
            run = run_work(case, config, tmp, full=target)
            run |= {"case": case, "config": config, "repeat": i + 1}
            runs.append(run)
            if target is not None:
                full[name] = target
            c = run["child"]
            workers = "/".join(f"{w:.0f}" for w in run["worker_peak_rss_mb"])
            print(
                f"  {config:<8} run {i + 1}: wall {run['wall_s']:7.2f} s  work "
                f"{c.get('work_s', float('nan')):7.2f} s  start {c.get('cluster_start_s', 0):5.2f}"
                f" s  cpu {run['cpu_s']:6.1f} s  client {run['client_peak_rss_mb']:5.0f} MB  "
                f"workers {workers or '-'} MB  load {run['load_1m']:.2f}  others "
                f"{run['others_cores']} cores  rc={run['returncode']} {run['error']}",
                flush=True,
            )
    print("  traffic run (untimed: dask-2 with pickled sizes)", flush=True)
    traffic = run_work(case, "dask-2", tmp, traffic=True)
    print("  probe (one process)", flush=True)
    probe = run_probe(case, tmp)
    summary = {c: summarize([r for r in runs if r["config"] == c]) for c, _, _ in CONFIGS}
    checks = check_results(case, runs, full)
    out = {
        "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "source": str(source.relative_to(PROJECT_DIR)),
        "repeats": repeats,
        "runs": runs,
        "summary": summary,
        "ratios": ratios(summary),
        "checks": checks,
        "traffic": traffic,
        "probe": probe["child"] | {"error": probe["error"]},
        "machine_at_case": {"load_at_end": " / ".join(f"{x:.2f}" for x in os.getloadavg())},
    }
    print(f"  {check_line(case, checks)}", flush=True)
    r = out["ratios"]
    print(
        f"  efficiency T1/(2·T2): work {r['efficiency_work']}, wall {r['efficiency_wall']}; "
        f"Dask overhead T(dask 2)/T(local 2): work {r['dask_overhead_work']}, wall "
        f"{r['dask_overhead_wall']}",
        flush=True,
    )
    return out


def check_line(case: str, checks: dict[str, Any]) -> str:
    rows = ", ".join(f"{n:,}" for n in checks["rows"])
    good = f"{checks['good_runs']}/{checks['runs']} runs"
    if case == "leaks":
        same = checks.get("pairs_sha", {}).get("distinct") == 1
        pairs = ", ".join(f"{k} {v:,}" for k, v in sorted(checks.get("pairs", {}).items()))
        return (
            f"result check: {good}; rows {rows}; pairs ({pairs}) "
            f"{'identical' if same else 'DIFFERENT'} in every run (pairs JSON fingerprint)"
        )
    same = checks.get("counts_sha", {}).get("distinct") == 1
    top = checks.get("top_sha", {})
    per_config = top.get("distinct_per_config", {})
    if top.get("distinct") == 1:
        top_note = "identical in every run"
    elif all(n == 1 for n in per_config.values()):
        top_note = (
            f"the same in every run of a configuration, {top.get('distinct')} variants across "
            "them (the merge order: a left fold locally, a tree on Dask)"
        )
    else:
        top_note = f"{top.get('distinct')} variants; per configuration: {per_config}"
    return (
        f"result check: {good}; rows {rows}; exact counts (rows, duplicates, count/nulls/nan/"
        f"±inf/distinct of every column) {'identical' if same else 'DIFFERENT'} in every run; "
        f"top-value counts: {top_note}"
    )


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
            n: br._version(n)
            for n in ("datacard", "dask", "distributed", "pyarrow", "numpy", "datasketches")
        },
        "git_revision": br._git_revision(),
        "load_at_start": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


# --------------------------------------------------------------------------- report


def _f(value: Any, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def _mb(n: Any) -> str:
    return "n/a" if n is None else f"{n / MIB:,.2f} MB"


def _kb(n: Any) -> str:
    return "n/a" if n is None else f"{n / 1024:,.1f} KB"


def _load_line(cases: dict[str, Any], nproc: int) -> str:
    runs = [r for c in cases.values() for r in c.get("runs", [])]
    if not runs:
        return ""
    loads = [r["load_1m"] for r in runs]
    others = [r["others_cores"] for r in runs if r["others_cores"] is not None]
    line = (
        f"- Load: the 1-minute load average before each run ranged {min(loads):.2f}–"
        f"{max(loads):.2f} on {nproc} cores (it includes this benchmark's own previous run). "
        f"Other processes used {min(others):.2f}–{max(others):.2f} cores during the runs "
        f"(median {statistics.median(others):.2f}; /proc/stat busy time minus the measured "
        "process tree and this harness)."
    )
    if max(others) > BUSY_OTHERS:
        noisy = sum(o > BUSY_OTHERS for o in others)
        line += (
            f" **{noisy} of {len(others)} runs shared the CPUs with other work (> "
            f"{BUSY_OTHERS} cores)**: their wall times are inflated; the per-run numbers are "
            "in results.json."
        )
    return line


def _config_rows(case: dict[str, Any]) -> list[str]:
    lines = [
        "| configuration | runs | median wall s (process) | cluster start s | median work s "
        "| min work s | CPU s | client peak RSS MB | peak RSS per worker MB | tree peak RSS MB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for config, _, _ in CONFIGS:
        s = case["summary"].get(config, {})
        if not s.get("ok"):
            lines.append(f"| {LABELS[config]} | 0 | n/a: {s.get('error', '')} | | | | | | | |")
            continue
        hi, lo = s["worker_peak_rss_mb"], s["worker_peak_rss_min_mb"]
        per_worker = (
            "n/a"
            if hi is None
            else f"{hi:,.0f}"
            + (f" (min {lo:,.0f})" if lo is not None and abs(hi - lo) >= 1 else "")
        )
        start = "–" if config.startswith("local") else _f(s["cluster_start_s"])
        lines.append(
            f"| {LABELS[config]} | {s['runs']} | {_f(s['wall_s'])} | {start} | "
            f"{_f(s['work_s'])} | {_f(s['work_min_s'])} | {_f(s['cpu_s'], 1)} | "
            f"{s['client_peak_rss_mb']:,.0f} | {per_worker} | {s['tree_peak_rss_mb']:,.0f} |"
        )
    return lines


def _ratio_lines(case: dict[str, Any]) -> list[str]:
    r = case["ratios"]

    def x(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.2f}"

    return [
        f"- Scaling efficiency T(1 worker) / (2 × T(2 workers)): **{x(r['efficiency_work'])}** "
        f"on the work (speed-up {x(r['speedup_work'])}×), {x(r['efficiency_wall'])} on the "
        "process wall time (interpreter, imports and cluster start included).",
        f"- Dask overhead T(Dask, 2 workers) / T(local engine, 2 processes): "
        f"**{x(r['dask_overhead_work'])}×** on the work, {x(r['dask_overhead_wall'])}× on the "
        "process wall time.",
        f"- Workers with distributed's `MALLOC_TRIM_THRESHOLD_=65536` (diagnostic rows, as "
        f"`dask worker` starts them; datacard's LocalCluster leaves it out): efficiency "
        f"{x(r.get('efficiency_work-trim'))} on the work; Dask overhead "
        f"{x(r.get('dask_overhead_work-trim'))}× on the work; the setting costs "
        f"{x(r.get('trim_cost_work'))}× on 2 workers (T(with) / T(without)).",
    ]


def _task_table(stream: dict[str, Any] | None, names: dict[str, str]) -> list[str]:
    if not stream:
        return []
    lines = [
        "| task | n | median s | max s | total s | transfers in | transfer s | per worker |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, t in stream["tasks"].items():
        label = names.get(name, name)
        lines.append(
            f"| `{name}` ({label}) | {t['n']} | {t['median_s']:.3f} | {t['max_s']:.3f} | "
            f"{t['sum_s']:.2f} | {t['transfers']} | {t['transfer_s']:.2f} | "
            f"{' / '.join(str(n) for n in t['per_worker'])} |"
        )
    ph = stream.get("phases", {})
    lines += [
        "",
        f"Phases of that run (seconds from the `profile`/`run_leaks` call): first task started "
        f"at {_f(ph.get('first_task_s'))} (planning on the client, submission), last task ended "
        f"at {_f(ph.get('last_task_s'))}, then {_f(ph.get('after_last_task_s'))} s until the "
        "call returned (the result's trip to the client and the client-side steps).",
    ]
    return lines


TASK_NAMES = {
    "run": "one partition: read + sketch",
    "merge": "merge two partial profiles",
    "file_digest": "sha256 of a data file",
    "scan_cut": "one partition: read + hash + MinHash, cut into buckets",
    "regroup": "the cuts held by one worker, by bucket",
    "join_groups": "join one bucket (exact pairs, LSH candidates routed to verify buckets)",
    "plan_verify": "one verify bucket's candidates, and the rows they need per group",
    "collect": "the rows one group of partitions must send",
    "fetch": "one partition read again: its candidate rows' shingles and signatures",
    "regroup_rows": "the fetched rows of a group, by verify bucket",
    "verify_bucket": "verify one bucket's candidate pairs",
    "getitem": "a getter: one piece or part of a task's result",
    "first": "a getter: the sketches of a partial profile",
    "second": "a getter: the row hashes of a partial profile",
    "routed": "a getter: one verify bucket's candidates from a join",
    "found": "a getter: the exact and label pairs of a join",
}


def _probe(case: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]], str | None]:
    """The case's probe, its samples, and the line to write instead when it failed."""
    probe = case.get("probe") or {}
    samples = probe.get("samples") or []
    failed = None if samples else f"Probe failed: {probe.get('error', 'no samples')}"
    return probe, samples, failed


def _profile_cost(case: dict[str, Any]) -> list[str]:
    probe, samples, failed = _probe(case)
    if failed:
        return [failed]
    s2 = case["summary"].get("dask-2", {})
    med = statistics.median
    part_bytes = med([s["parquet_bytes"] for s in samples])
    part_rows = med([s["rows"] for s in samples])
    task_b = med([s["task_pickle_bytes"] for s in samples])
    partial_b = med([s["partial_pickle_bytes"] for s in samples])
    sketch_b = med([s["sketch_pickle_bytes"] for s in samples])
    one = med([s["seconds"] for s in samples])
    lines = [
        f"- Partitions: {probe['partitions']} (row groups taken two at a time: "
        f"{part_rows:,.0f} rows, {part_bytes / MIB:.1f} MB of Parquet each; "
        f"{probe['parquet_bytes'] / MIB:,.0f} MB in all). Planning on the client (discover, "
        f"Parquet footer, plan): {probe['plan_s']:.3f} s.",
        f"- One partition alone in one process (probe, {len(samples)} partitions): median "
        f"{one:.2f} s = **{part_bytes / MIB / one:.0f} MB/s of Parquet** on one core.",
    ]
    lines += _per_task_lines(case, "run", part_bytes, "partition task")
    lines += [
        f"- Shipped per partition: the task (pickled `_Task`: partition, schema) "
        f"**{_kb(task_b)}** to the worker; the partial profile **{_mb(partial_b)}**, of "
        f"which {_kb(sketch_b)} are sketches (the same for any partition size) and "
        f"{_mb(partial_b - sketch_b)} the exact-duplicate row hashes "
        f"({(partial_b - sketch_b) / part_rows:.1f} bytes a row). On Dask the row hashes are "
        f"taken apart from the sketches in the partition task (`second` below) and shuffled "
        f"by value to the bucket tasks that count duplicates (`cut_row_hashes`, "
        f"`count_duplicates`); only the sketches (`first`) go up the merge tree. (Merged "
        f"locally, with their row hashes, the {probe['merged_rows']:,} sampled rows pickle to "
        f"{_mb(probe['merged_pickle_bytes'])}; one merge takes "
        f"{probe['merge_s'] * 1000:.0f} ms.)",
        f"- The result the client receives (the root of the merge tree, sketches only, and "
        f"one duplicate count per bucket): {_mb(s2.get('result_pickle_bytes'))} pickled for "
        f"{probe['rows']:,} rows; the card's summaries from it take "
        f"{_f(s2.get('measured_s'))} s.",
    ]
    lines += _traffic_lines(case)
    return lines


def _per_task_lines(case: dict[str, Any], task: str, part_bytes: float, what: str) -> list[str]:
    """Median seconds of a partition task in each Dask configuration (its median run)."""
    lines = []
    for config, engine, _ in CONFIGS:
        s = case["summary"].get(config, {})
        t = ((s.get("stream") or {}).get("tasks") or {}).get(task)
        if engine == "dask" and t:
            lines.append(
                f"- {LABELS[config]}: median {t['median_s']:.2f} s per {what} "
                f"(= {part_bytes / MIB / t['median_s']:.0f} MB/s per worker), "
                f"{t['sum_s']:.1f} s of such tasks in all."
            )
    return lines


def _traffic_lines(case: dict[str, Any]) -> list[str]:
    traffic = case.get("traffic") or {}
    child = traffic.get("child") or {}
    workers = child.get("workers") or []
    if not workers:
        return [f"- Traffic run failed: {traffic.get('error', 'no data')}"]
    moved = sum(w.get("outgoing_bytes") or 0 for w in workers)
    count = sum(w.get("outgoing_transfers") or 0 for w in workers)
    source_bytes = (case.get("probe") or {}).get("file_bytes") or 0
    tasks = (child.get("stream") or {}).get("tasks") or {}
    sizes = ", ".join(
        f"`{n}` median {_mb(t['nbytes_median'])} (max {_mb(t['nbytes_max'])})"
        for n, t in tasks.items()
        if t["nbytes_max"] > 4096
    )
    return [
        f"- Between the 2 workers (untimed traffic run, sizes = pickled bytes): {count} "
        f"transfers, {_mb(moved)} in all = {moved / source_bytes * 100 if source_bytes else 0:.1f}"
        f" % of the {source_bytes / MIB:,.0f} MB read from disk. Results held on the workers: "
        f"{sizes}.",
    ]


def _leaks_cost(case: dict[str, Any]) -> list[str]:
    probe, samples, failed = _probe(case)
    if failed:
        return [failed]
    med = statistics.median
    docs = med([s["rows"] for s in samples])
    part_bytes = med([s["parquet_bytes"] for s in samples])
    one = med([s["seconds"] for s in samples])
    lines = [
        f"- Partitions: {probe['partitions']} (one Parquet row group each: {docs:,.0f} documents,"
        f" {part_bytes / MIB:.1f} MB of Parquet); LSH {probe['bands']} bands × "
        f"{probe['band_rows']} rows of {probe['num_perm']} permutations; {probe['buckets']} "
        f"buckets on 2 workers. Planning on the client: {probe['plan_s']:.3f} s.",
        f"- One partition scan alone in one process (probe): median {one:.2f} s = "
        f"**{part_bytes / MIB / one:.0f} MB/s of Parquet text** on one core; its cut into "
        f"buckets {med([s['cut_s'] for s in samples]):.3f} s.",
    ]
    lines += _per_task_lines(case, "scan_cut", part_bytes, "scan task")
    per_doc = {
        key: med([s[key] for s in samples]) / docs
        for key in ("signature_bytes", "shingle_bytes", "scan_pickle_bytes", "cut_pickle_bytes")
    }
    task_b = med([s["task_pickle_bytes"] for s in samples])
    lines += [
        f"- Per document: the MinHash signature {per_doc['signature_bytes']:.0f} bytes and the "
        f"shingle hashes {per_doc['shingle_bytes']:.0f} bytes (the whole scan "
        f"{per_doc['scan_pickle_bytes']:.0f} bytes a document; the scan task drops it after the "
        "cut and keeps 12 bytes a document, the row hashes and each row's group of copies; "
        "candidate rows are read again); what the shuffle moves (the cut: row hash, row "
        "number, per band a key, a row number and a slot for each first copy of a word set, "
        "and each row's word set with its row hash) "
        f"**{per_doc['cut_pickle_bytes']:.0f} bytes a document**. A task description: "
        f"{_kb(task_b)}.",
    ]
    lines += _traffic_lines(case)
    return lines


def render_section(report: dict[str, Any]) -> str:
    m = report["machine"]
    v = m["project_versions"]
    cases = report["cases"]
    lines = [
        SECTION_TITLE,
        "",
        "Written by `bench/dask/run.py`; raw numbers in `bench/dask/results.json`; how it "
        "measures: `bench/README.md` (section *Dask engine benchmark*); the 1 TB on 32 workers "
        "estimate made from these numbers: `docs/scaling.md`.",
        "",
        f"- Date (UTC): {m['date_utc']}; project revision {m['git_revision']}; "
        + "; ".join(f"{c}: {cases[c]['repeats']} runs per configuration, "
                    f"{cases[c]['date_utc']}" for c in cases),
        f"- Machine: {m['nproc']} cores (nproc), {m['cpu_model']}, {m['mem_total_gib']} GiB "
        f"memory, Linux {m['kernel']}; load average at start {m['load_at_start']}",
        f"- Project venv: Python {m['python']}, datacard {v['datacard']}, dask {v['dask']}, "
        f"distributed {v['distributed']}, pyarrow {v['pyarrow']}, numpy {v['numpy']}",
        _load_line(cases, m["nproc"]),
        "- Every run is a fresh process (bench/dask/work.py). *Work* is the `profile` / "
        "`run_leaks` call alone; the cluster start is timed apart; *process* wall time includes "
        "the interpreter, imports, cluster start and shutdown. A Dask worker is one "
        "single-threaded process; the LocalCluster's scheduler runs inside the client process "
        "(its memory is in the client's column). Peak RSS is each process's VmHWM; the tree "
        "column is the largest sampled sum over all processes. Forked local workers count the "
        "pages they share with their parent.",
    ]  # fmt: skip
    if "profile" in cases:
        case = cases["profile"]
        lines += [
            "",
            "### `profile` of the 10M-row Parquet (`pq10m/long_10m.parquet`)",
            "",
            *_config_rows(case),
            "",
            *_ratio_lines(case),
            f"- {check_line('profile', case['checks'])}.",
            *_diff_lines(case["checks"]),
            "",
            "Per-partition cost and bytes shipped:",
            "",
            *_profile_cost(case),
            "",
            "Tasks of the median Dask 2-worker run (task stream):",
            "",
            *_task_table(case["summary"].get("dask-2", {}).get("stream"), TASK_NAMES),
        ]
    if "leaks" in cases:
        case = cases["leaks"]
        rows = sum((case["checks"].get("splits") or {}).values())
        lines += [
            "",
            f"### `run_leaks` of the {rows:,}-document corpus (`leakage/dup`, "
            "`--text text --key text`)",
            "",
            *_config_rows(case),
            "",
            *_ratio_lines(case),
            f"- {check_line('leaks', case['checks'])}.",
            "",
            "Per-partition cost and bytes shipped:",
            "",
            *_leaks_cost(case),
            "",
            "Tasks of the median Dask 2-worker run (task stream):",
            "",
            *_task_table(case["summary"].get("dask-2", {}).get("stream"), TASK_NAMES),
        ]
    for name, note in report.get("skipped", {}).items():
        lines += ["", f"### `{name}`", "", f"Not measured: {note}"]
    return "\n".join(lines) + "\n"


def _diff_lines(checks: dict[str, Any]) -> list[str]:
    out = []
    for pair, d in checks.get("diffs", {}).items():
        if "error" in d:
            continue
        if not d["fields"]:
            out.append(f"  - {pair} (first runs): the whole measured card is identical.")
            continue
        kinds = "; ".join(
            f"{k}: {e['fields']} fields (max |Δ| {e['max_abs_delta']:.3g})"
            for k, e in sorted(d["by_kind"].items())
        )
        out.append(f"  - {pair}: {d['fields']} fields of the measured card differ — {kinds}.")
    if out:
        out.insert(0, "- What differs between whole measured cards (first runs of each):")
    return out


def write_report(report: dict[str, Any], append: Path | None) -> None:
    section = render_section(report)
    RESULTS_JSON.write_text(json.dumps(report, indent=1, default=str) + "\n")
    RESULTS_MD.write_text(
        "# Dask engine benchmark results\n\nRewritten by every run of `bench/dask/run.py`.\n\n"
        + section
    )
    if append is not None:
        br.replace_section(append, section, SECTION_TITLE)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="datacard Dask engine benchmark")
    parser.add_argument("--repeats", type=int, default=3, help="runs per configuration")
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES))
    br.section_options(parser, "Dask")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    args.cases = [c for c in CASES if c in args.cases]
    return args


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, br._exit_on_sigterm)
    args = parse_args(argv)
    if args.render:
        write_report(json.loads(RESULTS_JSON.read_text()), args.append)
        print(f"rewrote {RESULTS_MD.relative_to(PROJECT_DIR)} from {RESULTS_JSON.name}")
        return 0
    missing = [str(SOURCES[c].relative_to(PROJECT_DIR)) for c in args.cases
               if not SOURCES[c].exists()]  # fmt: skip
    if missing:
        print(
            f"missing data: {', '.join(missing)} (make it with bench/generate.py --only pq10m "
            "and bench/leakage/generate.py)",
            file=sys.stderr,
        )
        return 2
    previous: dict[str, Any] = {}
    if RESULTS_JSON.exists():
        previous = json.loads(RESULTS_JSON.read_text()).get("cases", {})
    facts = machine_facts()
    cases = {c: v for c, v in previous.items() if c not in args.cases}
    with tempfile.TemporaryDirectory(prefix="dask-bench-") as tmp:
        for case in args.cases:
            cases[case] = run_case(case, args.repeats, Path(tmp))
    report = {"machine": facts, "cases": {c: cases[c] for c in CASES if c in cases}}
    write_report(report, args.append)
    print(f"wrote {RESULTS_MD.relative_to(PROJECT_DIR)}, {RESULTS_JSON.relative_to(PROJECT_DIR)}")
    if args.append is not None:
        print(f"put the section into {args.append}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
