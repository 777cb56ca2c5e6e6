"""Benchmark harness: datacard against peer tools on the same generated files.

    .venv/bin/python bench/run.py [--quick] [--repeats N] [--cases ...]   (or: make bench)

Each measurement is a separate process (fresh interpreter, imports included) started by this
harness. Wall time is taken around the process; peak RSS comes from os.wait4's ru_maxrss (the
largest single process of the tree) and from sampling the summed RSS of the process tree in
/proc (in case a tool forks workers); the larger of the two is reported. Every measurement is
repeated (3 times by default) and the median and minimum are reported; a tool whose first run
takes longer than LONG_RUN_S runs once. Results go to bench/RESULTS.md and bench/results.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import benchdata

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
DATA_DIR = benchdata.DEFAULT_DATA_DIR
GENERATE = BENCH_DIR / "generate.py"
PEERS_VENV = BENCH_DIR / ".venv-peers"
PEERS_PYTHON = PEERS_VENV / "bin" / "python"
PEERS_STAMP = PEERS_VENV / ".installed"
PEER_TASKS = BENCH_DIR / "peer_tasks.py"
DATACARD = PROJECT_DIR / ".venv" / "bin" / "datacard"
RESULTS_MD = BENCH_DIR / "RESULTS.md"
RESULTS_JSON = BENCH_DIR / "results.json"

LONG_RUN_S = 300.0  # a tool whose first run takes longer runs only once
RUN_TIMEOUT_S = 3600.0  # a run still going after this is killed and reported as n/a
# RSS sampling: often at first (short runs), then more rarely (scanning /proc costs CPU).
SAMPLE_INTERVALS_S = ((1.0, 0.05), (10.0, 0.1), (60.0, 0.25), (float("inf"), 0.5))
MIB = 2**20
RSS_LIMIT_MB = 1024.0  # "peak RSS <= 1 GB", taken as 1 GiB
CASES = ("pq1m", "csv1m", "pq10m", "check")
PROJECT_PACKAGES = ("datacard", "pyarrow", "numpy", "datasketches")
PEER_PACKAGES = (
    "duckdb",
    "polars",
    "ydata-profiling",
    "whylogs",
    "pandas",
    "pyarrow",
    "numpy",
    "psutil",
)


# --------------------------------------------------------------------------- measuring


@dataclass
class Run:
    wall_s: float
    maxrss_mb: float  # os.wait4 ru_maxrss: the largest single process of the tree
    tree_rss_mb: float  # sampled sum over the process tree (0 if never sampled)
    floor_mb: float  # the harness's own peak RSS at launch, which ru_maxrss cannot go below
    cpu_s: float  # user + system CPU time of the process tree (from os.wait4)
    load_1m: float  # 1-minute load average when the run started (others' work shows here)
    returncode: int
    stdout_tail: str
    stderr_tail: str

    @property
    def peak_rss_mb(self) -> float:
        # A child whose ru_maxrss is the harness's own peak (Linux carries the parent's
        # high-water mark over a vfork/exec) never grew past it: then the sampled value is
        # the better figure, if any sample was taken.
        if self.maxrss_mb <= self.floor_mb + 1.0 and self.tree_rss_mb > 0:
            return self.tree_rss_mb
        return max(self.maxrss_mb, self.tree_rss_mb)


@dataclass
class Measurement:
    case: str
    tool: str
    command: list[str]
    runs: list[Run] = field(default_factory=list)
    status: str = "ok"  # ok | n/a | skipped
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok" and bool(self.runs)

    @property
    def median_wall_s(self) -> float | None:
        return statistics.median(r.wall_s for r in self.runs) if self.ok else None

    @property
    def min_wall_s(self) -> float | None:
        return min(r.wall_s for r in self.runs) if self.ok else None

    @property
    def peak_rss_mb(self) -> float | None:
        return max(r.peak_rss_mb for r in self.runs) if self.ok else None

    @property
    def median_cpu_s(self) -> float | None:
        return statistics.median(r.cpu_s for r in self.runs) if self.ok else None

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "tool": self.tool,
            "command": self.command,
            "status": self.status,
            "note": self.note,
            "median_wall_s": self.median_wall_s,
            "min_wall_s": self.min_wall_s,
            "peak_rss_mb": self.peak_rss_mb,
            "median_cpu_s": self.median_cpu_s,
            "runs": [asdict(r) | {"peak_rss_mb": r.peak_rss_mb} for r in self.runs],
        }


def _tree_rss_bytes(root: int, page_size: int) -> int:
    """Summed resident set of root and its descendants, read from /proc (0 if root is gone)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Field 4 is the parent pid; the command name (field 2) may hold spaces, so split
        # after its closing parenthesis.
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree = {root}
    grew = True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                grew = True
    total = 0
    for pid in tree:
        try:
            total += int((Path("/proc") / str(pid) / "statm").read_text().split()[1]) * page_size
        except (OSError, IndexError, ValueError):
            continue
    return total


class _TreeSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_bytes = 0
        self.stop = threading.Event()
        self.page_size = os.sysconf("SC_PAGE_SIZE")

    def run(self) -> None:
        start = time.perf_counter()
        while True:
            elapsed = time.perf_counter() - start
            interval = next(step for until, step in SAMPLE_INTERVALS_S if elapsed < until)
            if self.stop.wait(interval):
                return
            self.peak_bytes = max(self.peak_bytes, _tree_rss_bytes(self.pid, self.page_size))


def _tail(path: Path, lines: int = 3, limit: int = 600) -> str:
    text = path.read_text(errors="replace").strip()
    return "\n".join(text.splitlines()[-lines:])[-limit:]


def run_once(
    command: Sequence[str],
    env: dict[str, str],
    timeout_s: float,
    stdout_path: Path | None = None,
    stderr_lines: int = 3,
) -> Run:
    """Run one command in a fresh process and measure its wall time and peak RSS.

    ``stdout_path`` keeps the child's standard output there (else it is discarded after the
    run, but for its last lines).
    """
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        out_path, err_path = stdout_path or Path(tmp) / "stdout", Path(tmp) / "stderr"
        out_path.parent.mkdir(parents=True, exist_ok=True)
        with out_path.open("wb") as out, err_path.open("wb") as err:
            floor_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            load_1m = os.getloadavg()[0]
            start = time.perf_counter()
            proc = subprocess.Popen(
                list(command),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env=env,
                cwd=PROJECT_DIR,
                start_new_session=True,  # its own process group, to kill the tree on timeout
            )
            sampler = _TreeSampler(proc.pid)
            sampler.start()
            timer = threading.Timer(timeout_s, os.killpg, (proc.pid, signal.SIGKILL))
            timer.start()
            try:
                _, status, usage = os.wait4(proc.pid, 0)
            except BaseException:  # interrupted: take the child's process group down too
                os.killpg(proc.pid, signal.SIGKILL)
                os.wait4(proc.pid, 0)
                raise
            finally:
                timer.cancel()
                sampler.stop.set()
            wall = time.perf_counter() - start
            sampler.join()
            proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        return Run(
            wall_s=round(wall, 4),
            maxrss_mb=round(usage.ru_maxrss * 1024 / MIB, 1),  # ru_maxrss is in KiB on Linux
            tree_rss_mb=round(sampler.peak_bytes / MIB, 1),
            floor_mb=round(floor_kib * 1024 / MIB, 1),
            cpu_s=round(usage.ru_utime + usage.ru_stime, 3),
            load_1m=round(load_1m, 2),
            returncode=proc.returncode,
            stdout_tail=_tail(out_path),
            stderr_tail=_tail(err_path, lines=stderr_lines, limit=600 * stderr_lines // 3 + 300),
        )


def measure(
    m: Measurement,
    repeats: int,
    env: dict[str, str],
    prepare: Callable[[], None] | None = None,
) -> Measurement:
    """Fill m.runs with up to `repeats` runs of m.command; stop at the first failure."""
    for i in range(repeats):
        if prepare is not None:
            prepare()
        run = run_once(m.command, env, RUN_TIMEOUT_S)
        m.runs.append(run)
        shown = f"{run.wall_s:8.2f} s {run.peak_rss_mb:8.0f} MB"
        print(f"  {m.tool:<32} run {i + 1}: {shown}  rc={run.returncode}", flush=True)
        if run.returncode != 0:
            m.status = "n/a"
            reason = run.stderr_tail.splitlines()[-1] if run.stderr_tail else "(no stderr)"
            m.note = f"exit {run.returncode}: {reason}"
            return m
        if run.wall_s > LONG_RUN_S and i + 1 < repeats:
            m.note = f"ran once: one run took > {LONG_RUN_S:.0f} s"
            break
    return m


def unavailable(case: str, tool: str, command: list[str], status: str, note: str) -> Measurement:
    print(f"  {tool:<32} {status}: {note}", flush=True)
    return Measurement(case, tool, command, status=status, note=note)


# --------------------------------------------------------------------------- the cases


def clean_card(directory: Path) -> None:
    """Remove what `datacard init` leaves in a folder, so that every init starts afresh."""
    (directory / "datacard.yaml").unlink(missing_ok=True)
    shutil.rmtree(directory / ".datacard", ignore_errors=True)


def data_files(directory: Path) -> list[Path]:
    return sorted(
        p
        for p in directory.iterdir()
        if p.is_file() and p.name != "datacard.yaml" and not p.name.startswith(".")
    )


def warm_cache(paths: Sequence[Path]) -> None:
    """Read every file once so that all tools start from the same (warm) page cache."""
    buffer = bytearray(1 << 20)  # small and reused: the harness's own RSS stays low
    for path in paths:
        with path.open("rb", buffering=0) as handle:
            while handle.readinto(buffer):
                pass


@dataclass
class Context:
    repeats: int
    quick: bool
    env: dict[str, str]
    peers_ok: bool
    peers_note: str
    datacard_note: str  # empty when the CLI is there
    datacard_bin: Path = DATACARD

    def datacard(self, case: str, args: list[str], directory: Path) -> Measurement:
        command = [str(self.datacard_bin), *args, str(directory)]
        tool = " ".join(["datacard", *args])
        if self.datacard_note:
            return unavailable(case, tool, command, "n/a", self.datacard_note)
        prepare = (lambda: clean_card(directory)) if args[0] == "init" else None
        return measure(Measurement(case, tool, command), self.repeats, self.env, prepare)

    def peer(self, case: str, tool: str, task: str, path: Path, slow: bool = False) -> Measurement:
        command = [str(PEERS_PYTHON), str(PEER_TASKS), task, str(path)]
        if slow and self.quick:
            return unavailable(case, tool, command, "skipped", "--quick")
        if not self.peers_ok:
            return unavailable(case, tool, command, "n/a", self.peers_note)
        return measure(Measurement(case, tool, command), self.repeats, self.env)


def _dataset(key: str) -> tuple[Path, Path]:
    d = benchdata.DATASETS_BY_KEY[key]
    return d.directory(DATA_DIR), d.path(DATA_DIR)


def case_pq1m(ctx: Context) -> list[Measurement]:
    directory, path = _dataset("pq1m")
    return [
        ctx.datacard("pq1m", ["init"], directory),
        ctx.peer("pq1m", "DuckDB SUMMARIZE", "duckdb-summarize-parquet", path),
        ctx.peer("pq1m", "polars describe", "polars-describe-parquet", path),
        ctx.peer("pq1m", "ydata-profiling minimal", "ydata-minimal", path, slow=True),
        ctx.peer("pq1m", "whylogs profile", "whylogs-profile", path, slow=True),
    ]


def case_csv1m(ctx: Context) -> list[Measurement]:
    directory, path = _dataset("csv1m")
    return [
        ctx.datacard("csv1m", ["init"], directory),
        ctx.peer("csv1m", "pyarrow read_csv", "pyarrow-read-csv", path),
        ctx.peer("csv1m", "DuckDB SUMMARIZE", "duckdb-summarize-csv", path),
        ctx.peer("csv1m", "polars describe", "polars-describe-csv", path),
    ]


def case_pq10m(ctx: Context) -> list[Measurement]:
    directory, path = _dataset("pq10m")
    if ctx.quick:
        return [
            unavailable("pq10m", "datacard init", [], "skipped", "--quick"),
            unavailable("pq10m", "DuckDB SUMMARIZE", [], "skipped", "--quick"),
        ]
    return [
        ctx.datacard("pq10m", ["init"], directory),
        ctx.peer("pq10m", "DuckDB SUMMARIZE", "duckdb-summarize-parquet", path),
    ]


def case_check(ctx: Context) -> list[Measurement]:
    directory, _ = _dataset("pq1m")
    files = data_files(directory)
    check_args = ["check", "--fast"]
    if ctx.datacard_note:
        check = ctx.datacard("check", check_args, directory)
    else:
        # An untimed init first, so that check --fast compares unchanged data with its card.
        clean_card(directory)
        init_command = [str(ctx.datacard_bin), "init", str(directory)]
        init = run_once(init_command, ctx.env, RUN_TIMEOUT_S)
        if init.returncode != 0:
            reason = init.stderr_tail.splitlines()[-1] if init.stderr_tail else "(no stderr)"
            check = unavailable(
                "check",
                "datacard check --fast",
                [str(ctx.datacard_bin), *check_args, str(directory)],
                "n/a",
                f"init before check failed, exit {init.returncode}: {reason}",
            )
        else:
            check = ctx.datacard("check", check_args, directory)
    sha = measure(
        Measurement("check", "sha256sum", ["sha256sum", *map(str, files)]), ctx.repeats, ctx.env
    )
    return [check, sha]


CASE_FUNCTIONS: dict[str, Callable[[Context], list[Measurement]]] = {
    "pq1m": case_pq1m,
    "csv1m": case_csv1m,
    "pq10m": case_pq10m,
    "check": case_check,
}
CASE_TITLES = {
    "pq1m": "Parquet 1M rows × 20 columns (`pq1m/wide_1m.parquet`)",
    "csv1m": "CSV 1M rows × 20 columns (`csv1m/wide_1m.csv`)",
    "pq10m": "Parquet 10M rows × 20 columns (`pq10m/long_10m.parquet`)",
    "check": "`datacard check --fast` on unchanged data vs `sha256sum` (`pq1m`)",
}
CASE_DATA = {"pq1m": ("pq1m",), "csv1m": ("csv1m",), "pq10m": ("pq10m",), "check": ("pq1m",)}

# Per case: tool -> (numerator, denominator) of the ratio shown in its row.
RATIOS: dict[str, dict[str, tuple[str, str]]] = {
    "pq1m": {
        "datacard init": ("datacard init", "DuckDB SUMMARIZE"),
        "polars describe": ("polars describe", "DuckDB SUMMARIZE"),
        "ydata-profiling minimal": ("ydata-profiling minimal", "datacard init"),
        "whylogs profile": ("whylogs profile", "datacard init"),
    },
    "csv1m": {
        "datacard init": ("datacard init", "pyarrow read_csv"),
        "DuckDB SUMMARIZE": ("DuckDB SUMMARIZE", "pyarrow read_csv"),
        "polars describe": ("polars describe", "pyarrow read_csv"),
    },
    "pq10m": {"datacard init": ("datacard init", "DuckDB SUMMARIZE")},
    "check": {"datacard check --fast": ("datacard check --fast", "sha256sum")},
}


@dataclass(frozen=True)
class Target:
    case: str
    text: str
    numerator: str
    denominator: str | None  # None: a limit on the numerator's peak RSS
    limit: float
    at_most: bool  # PASS when value <= limit (else when value >= limit)


TARGETS: tuple[Target, ...] = (
    Target("pq1m", "datacard init ≤ 0.7× DuckDB SUMMARIZE",
           "datacard init", "DuckDB SUMMARIZE", 0.7, at_most=True),
    Target("pq1m", "ydata-profiling minimal ≥ 30× datacard init",
           "ydata-profiling minimal", "datacard init", 30.0, at_most=False),
    Target("pq1m", "whylogs ≥ 10× datacard init",
           "whylogs profile", "datacard init", 10.0, at_most=False),
    Target("csv1m", "datacard init ≤ 1.3× pyarrow read_csv",
           "datacard init", "pyarrow read_csv", 1.3, at_most=True),
    Target("pq10m", "datacard init peak RSS ≤ 1 GiB (1024 MB)",
           "datacard init", None, RSS_LIMIT_MB, at_most=True),
    Target("check", "check --fast ≤ 1.2× sha256sum",
           "datacard check --fast", "sha256sum", 1.2, at_most=True),
)  # fmt: skip


def _find(results: list[Measurement], case: str, tool: str) -> Measurement | None:
    return next((m for m in results if m.case == case and m.tool == tool), None)


def ratio(results: list[Measurement], case: str, num: str, den: str) -> float | None:
    a, b = _find(results, case, num), _find(results, case, den)
    if a is None or b is None or a.median_wall_s is None or not b.median_wall_s:
        return None
    return a.median_wall_s / b.median_wall_s


def evaluate(results: list[Measurement], target: Target) -> tuple[float | None, str]:
    if target.denominator is None:
        m = _find(results, target.case, target.numerator)
        value = m.peak_rss_mb if m is not None else None
    else:
        value = ratio(results, target.case, target.numerator, target.denominator)
    if value is None:
        return None, "n/a"
    passed = value <= target.limit if target.at_most else value >= target.limit
    return value, "PASS" if passed else "MISS"


# --------------------------------------------------------------------------- machine facts


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _peer_versions(packages: Sequence[str] = PEER_PACKAGES) -> dict[str, str]:
    """Versions of ``packages`` (and Python) in the peers' venv."""
    if not PEERS_PYTHON.exists():
        return {}
    code = (
        "import json, sys\nfrom importlib import metadata\n"
        "out = {'python': sys.version.split()[0]}\n"
        f"for n in {list(packages)!r}:\n"
        "    try: out[n] = metadata.version(n)\n"
        "    except metadata.PackageNotFoundError: out[n] = 'not installed'\n"
        "print(json.dumps(out))"
    )
    proc = subprocess.run(
        [str(PEERS_PYTHON), "-c", code], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        return {"error": proc.stderr.strip()[-300:]}
    versions: dict[str, str] = json.loads(proc.stdout)
    return versions


def report_header(load_at_start: str) -> dict[str, Any]:
    """The facts every benchmark report starts with: date (UTC), project revision, cores and
    the load average when it started (:func:`load_average`, taken before the runs)."""
    return {
        "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "git_revision": _git_revision(),
        "nproc": os.cpu_count(),
        "load_at_start": load_at_start,
    }


def write_section(section: str, title: str, own: Path, heading: str, append: Path | None) -> None:
    """A benchmark's ``section`` (starting with ``title``) into its own file ``own``, under
    ``heading``, and with ``append`` also into that file (:func:`replace_section`)."""
    own.write_text(f"# {heading}\n\n{section}")
    if append is not None:
        replace_section(append, section, title)


def load_average() -> str:
    """The 1, 5 and 15-minute load averages, as ``a / b / c``."""
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def _git_revision() -> str:
    proc = subprocess.run(
        ["git", "-C", str(PROJECT_DIR), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    revision = proc.stdout.strip() or "unknown"
    dirty = subprocess.run(
        ["git", "-C", str(PROJECT_DIR), "status", "--porcelain", "--", "src", "pyproject.toml"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return f"{revision} + uncommitted changes in src/" if dirty else revision


def _data_facts() -> dict[str, dict[str, Any]]:
    proc = subprocess.run(
        [sys.executable, str(GENERATE), "--facts"], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        return {}
    found: dict[str, dict[str, Any]] = json.loads(proc.stdout)
    for info in found.values():
        info["path"] = str(Path(info["path"]).relative_to(PROJECT_DIR))
    return found


def machine_facts() -> dict[str, Any]:
    return {
        "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "mem_total_gib": _mem_total_gib(),
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "project_versions": {n: _version(n) for n in PROJECT_PACKAGES},
        "peer_versions": _peer_versions(),
        "openblas_env": {k: v for k, v in sorted(os.environ.items()) if k.startswith("OPENBLAS")},
        "git_revision": _git_revision(),
        "load_at_start": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
        "sha256sum": shutil.which("sha256sum") or "not found",
    }


# --------------------------------------------------------------------------- reporting


def _fmt(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _load_line(results: list[Measurement], nproc: int) -> str:
    loads = [r.load_1m for m in results for r in m.runs]
    if not loads:
        return ""
    line = (
        f"- Load: the 1-minute load average before the runs ranged {min(loads):.2f}–"
        f"{max(loads):.2f} on {nproc} cores."
    )
    if max(loads) > 1.0:
        line += (
            " **Other work was competing for the CPUs during this run**: wall times are "
            "inflated and noisy (compare CPU s, or rerun on a quiet machine)."
        )
    return line


def render_markdown(
    facts: dict[str, Any],
    data: dict[str, dict[str, Any]],
    results: list[Measurement],
    args: argparse.Namespace,
) -> str:
    pv = facts["peer_versions"]
    pj = facts["project_versions"]
    openblas = ", ".join(f"`{k}={v}`" for k, v in facts["openblas_env"].items()) or "none set"
    lines = [
        "# Benchmark results",
        "",
        "Written by `bench/run.py` (`make bench`); rewritten on every run. Raw numbers: "
        "`bench/results.json`. How to run and what each case measures: `bench/README.md`.",
        "",
        f"- Date (UTC): {facts['date_utc']}; project revision {facts['git_revision']}"
        + (" (`--quick`)" if args.quick else "")
        + f"; {args.repeats} runs per measurement",
        f"- Machine: {facts['nproc']} cores (nproc), {facts['cpu_model']}, "
        f"{facts['mem_total_gib']} GiB memory, Linux {facts['kernel']}",
        f"- OPENBLAS env vars (left as found, the same for every tool): {openblas}",
        f"- Project venv: Python {facts['python']}, datacard {pj['datacard']}, "
        f"pyarrow {pj['pyarrow']}, numpy {pj['numpy']}, datasketches {pj['datasketches']}",
        "- Peers venv (`bench/.venv-peers`): "
        + (", ".join(f"{k} {v}" for k, v in pv.items()) if pv else "not installed"),
        _load_line(results, int(facts["nproc"])),
        "",
        "Every number is one fresh process per run (interpreter start and imports included), "
        "warm page cache. Wall: median and min over the runs. Peak RSS: the largest of "
        "`os.wait4` ru_maxrss and the sampled summed RSS of the process tree, over all runs. "
        "Ratios use medians. CPU s: user + system time of the process tree, less sensitive "
        "than wall time to other work on the machine; the 1-minute load average before each "
        f"run is in results.json (at the start of this run: {facts['load_at_start']}).",
        "",
        "## Targets",
        "",
        "| case | target | measured | result |",
        "| --- | --- | --- | --- |",
    ]
    for t in TARGETS:
        value, verdict = evaluate(results, t)
        if value is None:
            shown = "n/a"
        else:
            shown = f"{value:.0f} MB" if t.denominator is None else f"{value:.2f}×"
        lines.append(f"| {t.case} | {t.text} | {shown} | {verdict} |")
    for case in args.cases:
        rows = [m for m in results if m.case == case]
        if not rows:
            continue
        lines += ["", f"## {CASE_TITLES[case]}", ""]
        for key in CASE_DATA[case]:
            if key in data:
                d = data[key]
                extra = (
                    f", {d['row_groups']} row groups of {d['row_group_rows']:,} rows"
                    f" (~{d['row_group_uncompressed_mb']} MB uncompressed each)"
                    if "row_groups" in d
                    else ""
                )
                lines.append(f"Data: `{d['path']}`, {d['rows']:,} rows, {d['size_mb']} MB{extra}.")
                lines.append("")
        lines += [
            "| tool | median wall s | min wall s | peak RSS MB | median CPU s | runs | ratio "
            "| note |",
            "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
        ]
        for m in rows:
            pair = RATIOS.get(case, {}).get(m.tool)
            if pair is None:
                shown_ratio = ""
            else:
                r = ratio(results, case, *pair)
                shown_ratio = f"{_fmt(r)}{'' if r is None else '×'} ({pair[0]} / {pair[1]})"
            status = "" if m.ok else f"**{m.status}** "
            note = (status + m.note.replace("|", "\\|").replace("\n", " ")).strip()
            lines.append(
                f"| {m.tool} | {_fmt(m.median_wall_s)} | {_fmt(m.min_wall_s)} | "
                f"{_fmt(m.peak_rss_mb, 0)} | {_fmt(m.median_cpu_s, 1)} | {len(m.runs)} | "
                f"{shown_ratio} | {note} |"
            )
    lines += [
        "",
        "## Notes",
        "",
        "- Parquet files are written with pyarrow defaults (snappy, dictionary encoding) but "
        f"`row_group_size={benchdata.ROW_GROUP_SIZE:,}`: several row groups per file, as in "
        "Parquet files met in the wild such as those on the Hugging Face Hub (the `datasets` "
        "writer caps a row group at 100 MB of Arrow data, DuckDB writes 122,880-row groups), "
        "instead of pyarrow's default of 1,048,576 rows that would put the whole 1M file in "
        "one row group and leave row-group parallel readers with a single unit of work.",
        "- `datacard init` runs with a fresh folder each time (`datacard.yaml` and "
        "`.datacard/` removed before every run). `check --fast` runs after one untimed init.",
        "- ydata-profiling and whylogs read the Parquet file into pandas inside the timed "
        "process; the peers' telemetry is switched off (`YDATA_PROFILING_NO_ANALYTICS`, "
        "`WHYLOGS_NO_ANALYTICS`) because it would try the network.",
        f"- A tool whose first run takes longer than {LONG_RUN_S:.0f} s is run once.",
    ]
    return "\n".join(lines) + "\n"


def section_options(parser: argparse.ArgumentParser, what: str, raw: str = "results.json") -> None:
    """``--append [FILE]`` and ``--render``: the options of a benchmark that writes its own
    section (``what``, for the help) of bench/RESULTS.md and its own raw numbers (``raw``)."""
    parser.add_argument(
        "--append",
        type=Path,
        nargs="?",
        const=RESULTS_MD,
        help=f"also put the {what} section into this file (default bench/RESULTS.md), "
        "replacing an earlier one",
    )
    parser.add_argument("--render", action="store_true", help=f"only rewrite from {raw}")


def print_targets(targets: Sequence[dict[str, Any]]) -> None:
    """One line per target of a report: PASS/FAIL, what, the value."""
    for t in targets:
        print(f"  {t['result']:<4} {t['target']}: {t['value']}")


def replace_section(path: Path, section: str, title: str) -> None:
    """Put ``section`` into ``path``: in place of an earlier section starting with ``title``
    (up to the next ``## `` heading), else at the end. Benchmarks share ``bench/RESULTS.md``."""
    text = path.read_text() if path.exists() else ""
    start = text.find(title)
    if start < 0:
        text = text.rstrip("\n") + ("\n\n" if text.strip() else "") + section
    else:
        end = text.find("\n## ", start + len(title))
        rest = "" if end < 0 else text[end + 1 :]
        text = text[:start] + section + ("\n" + rest if rest else "")
    path.write_text(text)


def write_results(
    facts: dict[str, Any], results: list[Measurement], args: argparse.Namespace
) -> None:
    targets = []
    for t in TARGETS:
        value, verdict = evaluate(results, t)
        targets.append({**asdict(t), "value": value, "result": verdict})
    data = _data_facts()
    payload = {
        "machine": facts,
        "args": {"quick": args.quick, "repeats": args.repeats, "cases": list(args.cases)},
        "data": data,
        "measurements": [m.to_json() for m in results],
        "targets": targets,
    }
    RESULTS_JSON.write_text(json.dumps(payload, indent=2) + "\n")
    RESULTS_MD.write_text(render_markdown(facts, data, results, args))


def rerender() -> int:
    """Rewrite RESULTS.md from results.json (after a change to the report's layout)."""
    payload = json.loads(RESULTS_JSON.read_text())
    results = [
        Measurement(
            case=m["case"],
            tool=m["tool"],
            command=m["command"],
            runs=[
                Run(**{k: v for k, v in r.items() if k in Run.__dataclass_fields__})
                for r in m["runs"]
            ],
            status=m["status"],
            note=m["note"],
        )
        for m in payload["measurements"]
    ]
    args = argparse.Namespace(**payload["args"])
    RESULTS_MD.write_text(render_markdown(payload["machine"], payload["data"], results, args))
    print(f"rewrote {RESULTS_MD.relative_to(PROJECT_DIR)} from {RESULTS_JSON.name}")
    return 0


# --------------------------------------------------------------------------- main


def ensure_peers() -> tuple[bool, str]:
    if PEERS_STAMP.exists() and PEERS_PYTHON.exists():
        return True, ""
    print("setting up bench/.venv-peers (bench/setup_peers.sh) ...", flush=True)
    proc = subprocess.run(["bash", str(BENCH_DIR / "setup_peers.sh")], check=False)
    if proc.returncode != 0 or not PEERS_PYTHON.exists():
        return False, f"bench/setup_peers.sh failed (exit {proc.returncode})"
    return True, ""


def datacard_unavailable(datacard: Path, env: dict[str, str]) -> str:
    """Why datacard cannot run (empty when it can): missing script or a failing --help."""
    if not datacard.exists():
        return f"{datacard} not found"
    proc = subprocess.run(
        [str(datacard), "--help"], capture_output=True, text=True, env=env, check=False
    )
    if proc.returncode != 0:
        last = proc.stderr.strip().splitlines()[-1:] or ["(no stderr)"]
        return f"`datacard --help` exits {proc.returncode}: {last[0]}"
    return ""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="datacard benchmark harness")
    parser.add_argument(
        "--quick", action="store_true", help="skip ydata-profiling, whylogs and the 10M case"
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement")
    parser.add_argument(
        "--cases", nargs="+", choices=CASES, default=list(CASES), help="cases to run"
    )
    parser.add_argument(
        "--datacard", type=Path, default=DATACARD, help="the datacard executable to measure"
    )
    parser.add_argument(
        "--render", action="store_true", help="only rewrite RESULTS.md from results.json"
    )
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    args.cases = [c for c in CASES if c in args.cases]
    return args


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)  # so that run_once ends the running child
    args = parse_args(argv)
    if args.render:
        return rerender()
    needed = {k for c in args.cases for k in CASE_DATA[c]}
    if args.quick:
        needed.discard("pq10m")
    keys = [d.key for d in benchdata.DATASETS if d.key in needed]
    subprocess.run([sys.executable, str(GENERATE), "--only", *keys], check=True)
    peers_ok, peers_note = ensure_peers()
    env = dict(os.environ)  # OPENBLAS_* and everything else left as found, for every tool
    datacard: Path = args.datacard.resolve()
    ctx = Context(
        args.repeats,
        args.quick,
        env,
        peers_ok,
        peers_note,
        datacard_unavailable(datacard, env),
        datacard,
    )
    if ctx.datacard_note:
        print(f"datacard is not runnable, its rows will be n/a: {ctx.datacard_note}")
    facts = machine_facts()
    results: list[Measurement] = []
    for case in args.cases:
        print(f"== {case}: {CASE_TITLES[case]}", flush=True)
        if not (args.quick and case == "pq10m"):
            warm_cache([benchdata.DATASETS_BY_KEY[k].path(DATA_DIR) for k in CASE_DATA[case]])
        results += CASE_FUNCTIONS[case](ctx)
        write_results(facts, results, args)  # after every case, so a long run leaves something
    print(f"wrote {RESULTS_MD.relative_to(PROJECT_DIR)}, {RESULTS_JSON.relative_to(PROJECT_DIR)}")
    for t in TARGETS:
        if t.case in args.cases:
            value, verdict = evaluate(results, t)
            print(f"  {verdict:<4} {t.text}: {_fmt(value)}")
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"total child CPU: {children.ru_utime + children.ru_stime:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
