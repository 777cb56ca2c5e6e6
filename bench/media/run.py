"""Image benchmark: `datacard init` + duplicates against CleanVision's issue finder (issue 7).

    .venv/bin/python bench/media/run.py [--quick | --files N] [--repeats N] [--append [FILE]]
                                        [--no-cleanvision] [--datacard PATH] [--render]

Makes the data (bench/media/generate.py, kept when it exists): 10,000 JPEGs of mixed sizes in
train/ and test/ class folders with planted exact and near duplicates across the splits and ten
corrupt files, and the ground truth beside the folder. Then, each run a fresh process (wall
time; peak RSS from os.wait4 and /proc tree sampling, with the helpers of bench/run.py), on the
same folder with a warm page cache:

- `datacard init DIR` (a fresh card every run);
- `datacard leaks DIR --json --out PAIRS.parquet` (after init, as a user would run it);
- `bench/media/datacard_dups.py DIR`: `datacard.media.duplicates.image_hashes` and
  `duplicate_pairs(test, train)` called directly, beside `leaks` (when `leaks` reports
  near-duplicate images, its pairs are the ones scored for the targets); it also writes every
  image's pHash and coarse colour histogram for the untimed look at other distance limits
  (bench/media/sweep.py);
- CleanVision `Imagelab(data_path=DIR).find_issues()`, all defaults, once on the folder as it
  is, and once with the planted corrupt files left out (`filepaths=`: it stops at the first
  file Pillow cannot load).

and scores every tool's cross-split duplicate pairs (CleanVision's sets expanded to pairs)
against the ground truth. Writes bench/media/RESULTS.md and bench/media/results.json; with
--append (default file bench/RESULTS.md) also puts the same section into that file, replacing
an earlier one. --quick: 1,000 files, one run each (about a minute and a half).
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
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

MEDIA_DIR = Path(__file__).resolve().parent
BENCH_DIR = MEDIA_DIR.parent
PROJECT_DIR = BENCH_DIR.parent
DATA_ROOT = BENCH_DIR / "data" / "media"
GENERATE = MEDIA_DIR / "generate.py"
DC_DUPS = MEDIA_DIR / "datacard_dups.py"
CV_PEER = MEDIA_DIR / "cleanvision_peer.py"
SWEEP = MEDIA_DIR / "sweep.py"
RESULTS_MD = MEDIA_DIR / "RESULTS.md"
RESULTS_JSON = MEDIA_DIR / "results.json"
SECTION_TITLE = "## Images: duplicates and corrupt files against CleanVision (`bench/media`)"

FILES_FULL = 10_000
FILES_QUICK = 1_000
LONG_RUN_S = 120.0  # a datacard tool whose first run takes longer runs once
RUN_TIMEOUT_S = 3600.0
SPEEDUP_TARGET = 3.0
NEAR_RECALL_TARGET = 0.95
NEAR_PRECISION_TARGET = 0.99
CLEANVISION_REQUIREMENT = "cleanvision"  # as in bench/peers.txt; 0.3.7 when this was written
PEER_PACKAGES = ("cleanvision", "pillow", "imagehash", "numpy", "pandas", "psutil")
PROJECT_PACKAGES = ("datacard", "pillow", "imagehash", "numpy", "pyarrow")
EXACT_KINDS = ("exact_bytes", "metadata_edit")
NEAR_KINDS = ("resize", "quality", "brightness", "crop")
KIND_TEXT = {
    "exact_bytes": "byte copy",
    "metadata_edit": "EXIF block inserted (same pixels, other bytes)",
    "resize": "resized ×0.90–0.98 or ×1.02–1.10",
    "quality": "re-encoded at another JPEG quality (≥ 15 apart)",
    "brightness": "brightness ×0.90–0.97 or ×1.03–1.10",
    "crop": "1–5 % of width and of height cut off",
}

TOOL_INIT = "datacard init"
TOOL_LEAKS = "datacard leaks"
TOOL_DUPS = "datacard.media.duplicates (direct)"
TOOL_CV_ASIS = "CleanVision find_issues (folder as is)"
TOOL_CV = "CleanVision find_issues (corrupt files left out)"
DUP_TOOLS = (TOOL_LEAKS, TOOL_DUPS, TOOL_CV)


sys.path.insert(0, str(BENCH_DIR))  # bench/: benchdata and the shared harness
from benchdata import load_bench_run  # noqa: E402

br = load_bench_run()


def tag_for(files: int) -> str:
    """The data folder's name for ``files`` files (as generate.py names it)."""
    return f"{files // 1000}k" if files % 1000 == 0 else str(files)


# --------------------------------------------------------------------------- measuring


@dataclass
class Tool:
    name: str
    command: list[str]
    stdout: Path  # kept: what the tool prints
    repeats: int
    ok_codes: tuple[int, ...] = (0,)
    crash_code: int | None = None  # an exit code that means "ran, and the tool itself failed"
    wants_json: bool = True
    unavailable: str = ""
    prepare: Any = None  # called before every run


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
    m = br.Measurement("media", tool.name, tool.command)
    if tool.unavailable:
        print(f"  {tool.name:<48} n/a: {tool.unavailable}", flush=True)
        m.status, m.note = "n/a", tool.unavailable
        return m
    for i in range(tool.repeats):
        if tool.prepare is not None:
            tool.prepare()
        tool.stdout.unlink(missing_ok=True)
        run = br.run_once(tool.command, env, RUN_TIMEOUT_S, stdout_path=tool.stdout, stderr_lines=6)
        m.runs.append(run)
        shown = f"{run.wall_s:8.2f} s {run.peak_rss_mb:8.0f} MB"
        print(f"  {tool.name:<48} run {i + 1}: {shown}  rc={run.returncode}", flush=True)
        payload = _json_of(tool.stdout) if tool.wants_json else True
        if tool.crash_code is not None and run.returncode == tool.crash_code:
            m.status = "crashed"
            error = payload.get("error", "") if isinstance(payload, dict) else ""
            m.note = f"the tool failed after {run.wall_s:.1f} s: {error}"
            return m
        if run.returncode not in tool.ok_codes or payload is None:
            m.status = "n/a"
            lines = [ln for ln in run.stderr_tail.splitlines() if ln.strip()]
            m.note = f"exit {run.returncode}: {lines[-1] if lines else '(no stderr)'}"
            print(f"    {run.stderr_tail}", flush=True)
            return m
        if run.wall_s > LONG_RUN_S and i + 1 < tool.repeats:
            m.note = f"ran once: one run took > {LONG_RUN_S:.0f} s"
            break
    return m


def ensure_cleanvision() -> str:
    """Empty when the peers' venv can import CleanVision (installing it there if needed)."""
    ok, note = br.ensure_peers()
    if not ok:
        return str(note)
    python = str(br.PEERS_PYTHON)
    probe = [python, "-c", "import cleanvision"]
    if subprocess.run(probe, capture_output=True, check=False).returncode == 0:
        return ""
    print("installing cleanvision into bench/.venv-peers ...", flush=True)
    subprocess.run([python, "-m", "pip", "install", "-q", CLEANVISION_REQUIREMENT], check=False)
    if subprocess.run(probe, capture_output=True, check=False).returncode == 0:
        return ""
    return "cleanvision is not installed in bench/.venv-peers and pip could not install it"


# --------------------------------------------------------------------------- pairs


Pairs = dict[tuple[str, str], str]  # (test path, train path) -> "exact" | "near"


def _oriented(a: str, b: str) -> tuple[str, str] | None:
    """(test, train) for a cross-split pair of root-relative paths, else None."""
    if a.startswith("test/") and b.startswith("train/"):
        return a, b
    if b.startswith("test/") and a.startswith("train/"):
        return b, a
    return None


def pairs_of_dups(payload: Any) -> tuple[Pairs, dict[tuple[str, str], int]]:
    pairs: Pairs = {}
    distances: dict[tuple[str, str], int] = {}
    for p in payload.get("pairs", []) if isinstance(payload, dict) else []:
        key = _oriented(p["test"], p["train"])
        if key is not None:
            pairs[key] = "exact" if p["exact"] else "near"
            distances[key] = int(p["distance"])
    return pairs, distances


def pairs_of_leaks(parquet: Path) -> tuple[Pairs, dict[str, int]]:
    """Cross-split pairs from `datacard leaks --out` (kinds: exact, anything with 'near')."""
    import pyarrow.parquet as pq

    pairs: Pairs = {}
    kinds: dict[str, int] = {}
    if not parquet.exists():
        return pairs, kinds
    for row in pq.read_table(parquet).to_pylist():
        kind = str(row.get("kind"))
        kinds[kind] = kinds.get(kind, 0) + 1
        a, b = row.get("a_file"), row.get("b_file")
        if not isinstance(a, str) or not isinstance(b, str):
            continue
        key = _oriented(a, b)
        if key is None:
            continue
        if kind == "exact":
            pairs[key] = "exact"
        elif "near" in kind and pairs.get(key) != "exact":
            pairs[key] = "near"
    return pairs, kinds


def pairs_of_cleanvision(payload: Any) -> Pairs:
    """CleanVision's duplicate sets, every cross-split pair of each set (exact sets first)."""
    pairs: Pairs = {}
    if not isinstance(payload, dict):
        return pairs
    for kind, sets in (("exact", payload.get("exact_sets", [])), ("near", payload["near_sets"])):
        for members in sets:
            for a, b in combinations(members, 2):
                key = _oriented(a, b)
                if key is not None and pairs.get(key) != "exact":
                    pairs[key] = kind
    return pairs


# --------------------------------------------------------------------------- scoring


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def crop_bucket(pair: dict[str, Any]) -> str:
    """The crop's larger cut (share of width or height), as a 1-point bucket."""
    cut = max(pair["params"]["cut_share"]) * 100
    low = min(4, max(1, int(cut)))
    return f"{low}–{low + 1} %"


def score(pairs: Pairs, truth: dict[str, Any], distances: dict[tuple[str, str], int] | None,
          hashes: dict[str, str] | None) -> dict[str, Any]:  # fmt: skip
    gt = {(p["test"], p["train"]): p for p in truth["pairs"]}
    out: dict[str, Any] = {"pairs_reported": len(pairs), "by_kind": {}}
    for kind in (*EXACT_KINDS, *NEAR_KINDS):
        planted = [k for k, p in gt.items() if p["kind"] == kind]
        found = [k for k in planted if k in pairs]
        out["by_kind"][kind] = {
            "planted": len(planted),
            "found": len(found),
            "recall": _share(len(found), len(planted)),
            "reported_as": {c: sum(pairs[k] == c for k in found) for c in ("exact", "near")},
        }
    for group, kinds in (("exact", EXACT_KINDS), ("near", NEAR_KINDS)):
        planted = [k for k, p in gt.items() if p["kind"] in kinds]
        found = [k for k in planted if k in pairs]
        claimed = [k for k, c in pairs.items() if c == group]
        correct = [k for k in claimed if k in gt]
        out[group] = {
            "planted": len(planted),
            "found": len(found),
            "recall": _share(len(found), len(planted)),
            "claimed": len(claimed),
            "true_positives": len(correct),
            "false_positives": len(claimed) - len(correct),
            "precision": _share(len(correct), len(claimed)),
        }
    correct_all = [k for k in pairs if k in gt]
    out["all"] = {
        "planted": len(gt),
        "found": len(correct_all),
        "recall": _share(len(correct_all), len(gt)),
        "precision": _share(len(correct_all), len(pairs)),
        "false_positives": len(pairs) - len(correct_all),
    }
    crops: dict[str, dict[str, int]] = {}
    for key, p in sorted(gt.items()):
        if p["kind"] == "crop":
            c = crops.setdefault(crop_bucket(p), {"planted": 0, "found": 0})
            c["planted"] += 1
            c["found"] += key in pairs
    out["crop_by_cut"] = dict(sorted(crops.items()))

    def own_distance(test: str, train: str) -> int | None:
        if hashes and test in hashes and train in hashes:
            return (int(hashes[test], 16) ^ int(hashes[train], 16)).bit_count()
        return None

    out["missed"] = [
        {
            "test": t,
            "train": r,
            "kind": p["kind"],
            "params": p["params"],
            "size": p["source_size"],
            "reference_distance": p["phash_distance"],
            "tool_distance": own_distance(t, r),
        }
        for (t, r), p in sorted(gt.items())
        if (t, r) not in pairs
    ]
    out["false_positive_pairs"] = [
        {
            "test": t,
            "train": r,
            "claimed": c,
            "tool_distance": (distances or {}).get((t, r), own_distance(t, r)),
        }
        for (t, r), c in sorted(pairs.items())
        if (t, r) not in gt
    ][:20]
    return out


def load_hashes(path: Path) -> dict[str, str] | None:
    try:
        table: dict[str, str] = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return table


def card_corrupt(datacard: Path, root: Path, env: dict[str, str]) -> dict[str, Any]:
    """Corrupt files in the card `datacard init` wrote (`datacard show --json`), per split."""
    proc = subprocess.run(
        [str(datacard), "show", str(root), "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_DIR,
        check=False,
    )
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["(no stderr)"])[-1]}
    card = json.loads(proc.stdout)
    out: dict[str, Any] = {}
    for split, body in (card.get("splits") or {}).items():
        for column in (body.get("columns") or {}).values():
            field = ((column or {}).get("fields") or {}).get("corrupt_files")
            if field:
                out[split] = {
                    "count": field.get("count", 0),
                    "listed": [t["value"] for t in field.get("top", [])],
                }
    return out


def score_corrupt(truth: dict[str, Any], found: set[str]) -> dict[str, Any]:
    planted = {c["path"] for c in truth["corrupt"]}
    return {
        "planted": len(planted),
        "found": len(planted & found),
        "missed": sorted(planted - found),
        "extra": sorted(found - planted),
    }


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    text: str
    key: str
    limit: float
    at_most: bool
    unit: str  # "x", "share"


TARGETS: tuple[Target, ...] = (
    Target("datacard init + duplicates ≥ 3× CleanVision's throughput (images/s, median wall)",
           "speedup", SPEEDUP_TARGET, False, "x"),
    Target("near-duplicate recall ≥ 0.95 (resize, quality, brightness, crop pairs found)",
           "near_recall", NEAR_RECALL_TARGET, False, "share"),
    Target("near-duplicate precision ≥ 0.99 (pairs datacard calls near that were planted)",
           "near_precision", NEAR_PRECISION_TARGET, False, "share"),
)  # fmt: skip


def evaluate(target: Target, report: dict[str, Any]) -> tuple[float | None, str]:
    value = report.get("headline", {}).get(target.key)
    if not isinstance(value, int | float):
        return None, "n/a"
    ok = value <= target.limit + 1e-12 if target.at_most else value >= target.limit - 1e-12
    return float(value), "PASS" if ok else "MISS"


# --------------------------------------------------------------------------- machine


def machine_facts() -> dict[str, Any]:
    return {
        "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": br._cpu_model(),
        "mem_total_gib": br._mem_total_gib(),
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "project_versions": {n: br._version(n) for n in PROJECT_PACKAGES},
        "peer_versions": br._peer_versions(PEER_PACKAGES),
        "git_revision": br._git_revision(),
        "load_at_start": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def sweep(files: int) -> dict[str, Any]:
    """Other pHash distance limits on datacard's own hashes and colour histograms
    (bench/media/sweep.py, untimed)."""
    tag = tag_for(files)
    hashes = DATA_ROOT / f"{tag}_out" / "datacard_hashes.json"
    colours = DATA_ROOT / f"{tag}_out" / "datacard_colours.npz"
    if not hashes.exists():
        return {}
    proc = subprocess.run(
        [str(PROJECT_DIR / ".venv" / "bin" / "python"), str(SWEEP),
         str(DATA_ROOT / f"{tag}_truth.json"), str(hashes),
         *([str(colours)] if colours.exists() else [])],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["(no stderr)"])[-1]}
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


# --------------------------------------------------------------------------- report


def _fmt(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _r(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def _shown(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2f}×" if unit == "x" else f"{value:.4f}"


def _by_tool(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["tool"]: m for m in report["measurements"]}


def render_section(report: dict[str, Any]) -> str:
    f = report["machine"]
    pv = ", ".join(f"{k} {v}" for k, v in f["peer_versions"].items()) or "not installed"
    pj = ", ".join(f"{k} {v}" for k, v in f["project_versions"].items())
    args = report["args"]
    truth = report["truth_summary"]
    data = report.get("data", {})
    lines = [
        SECTION_TITLE,
        "",
        "Written by `bench/media/run.py`; raw numbers in `bench/media/results.json`; what is "
        "measured and how: `bench/README.md` (section *Image benchmark*).",
        "",
        f"- Date (UTC): {f['date_utc']}; project revision {f['git_revision']}"
        + (" (`--quick`)" if args["quick"] else "")
        + f"; {args['repeats']} run{'s' if args['repeats'] != 1 else ''} per datacard "
        f"measurement (one over {LONG_RUN_S:.0f} s runs once), CleanVision once per variant",
        f"- Machine: {f['nproc']} cores (nproc), {f['cpu_model']}, {f['mem_total_gib']} GiB "
        f"memory, Linux {f['kernel']}; load average at start {f['load_at_start']}",
        f"- Project venv: Python {f['python']}, {pj}; peers venv: {pv}",
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
        lines.append(
            f"- Data (`{data['path']}/`): {data['files']:,} JPEG files (train "
            f"{data['splits']['train']:,}, test {data['splits']['test']:,}; 10 class folders "
            f"each), {data['decodable']:,} decodable, {data['megapixels']:,} megapixels, "
            f"{data['bytes'] / 2**20:,.0f} MiB; widths {data['width_range'][0]}–"
            f"{data['width_range'][1]}, heights {data['height_range'][0]}–"
            f"{data['height_range'][1]} px"
        )
    planted = ", ".join(f"{n} {k}" for k, n in truth["planted"].items())
    lines.append(
        f"- Planted across splits (test copy of a training image): {planted} "
        f"({sum(truth['planted'].values()):,} pairs); {truth['corrupt']} corrupt files "
        f"({truth['corrupt_kinds']})"
    )
    un = truth["unrelated"]
    lines.append(
        f"- Check on the fresh content: the closest training image a test image was not made "
        f"from is {un['min']} pHash bits away at the least (median {un['median']:g}); "
        f"{un['at_most_4']} unrelated test images within 4 bits of a training image"
    )
    dup_source = report.get("dup_source", TOOL_DUPS)
    lines.append(
        f"- datacard's duplicates scored for the targets: **{dup_source}**. "
        + report.get("leaks_note", "")
    )
    lines += [
        "",
        "### Targets",
        "",
        "| target | measured | result |",
        "| --- | ---: | --- |",
    ]
    for target in TARGETS:
        value, verdict = evaluate(target, report)
        lines.append(f"| {target.text} | {_shown(value, target.unit)} | {verdict} |")

    lines += [
        "",
        "### Throughput and memory",
        "",
        "| tool | images | median wall s | min wall s | images/s | peak RSS MB | median CPU s "
        "| runs | in-process split (last run) | note |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    images = report["images_per_tool"]
    splits = report.get("payload_timings", {})
    for m in report["measurements"]:
        status = "" if m["status"] == "ok" else f"**{m['status']}** "
        note = (status + m["note"]).replace("|", "\\|").replace("\n", " ").strip()
        n = images.get(m["tool"])
        wall = m["median_wall_s"]
        if m["status"] == "crashed" and m["runs"]:
            wall = m["runs"][-1]["wall_s"]
        rate = _fmt(n / wall, 1) if n and wall and m["status"] == "ok" else "n/a"
        peak = m["peak_rss_mb"] or (max(r["peak_rss_mb"] for r in m["runs"]) if m["runs"] else None)
        cpu = m["median_cpu_s"] or (m["runs"][-1]["cpu_s"] if m["runs"] else None)
        lines.append(
            f"| {m['tool']} | {n if n is not None else 'n/a'} | {_fmt(wall)} | "
            f"{_fmt(m['min_wall_s'])} | {rate} | {_fmt(peak, 0)} | {_fmt(cpu, 1)} | "
            f"{len(m['runs'])} | {splits.get(m['tool'], '')} | {note} |"
        )
    pipe = report.get("pipeline", {})
    if pipe:
        lines.append(
            f"| **{pipe['name']}** | {pipe['images']} | {_fmt(pipe['wall_s'])} | | "
            f"{_fmt(pipe['images_per_s'], 1)} | {_fmt(pipe['peak_rss_mb'], 0)} | "
            f"{_fmt(pipe['cpu_s'], 1)} | | | the two medians added |"
        )
    lines.append("")
    for name, value in report.get("ratios", {}).items():
        lines.append(f"- {name}: {_fmt(value, 2)}×")
    lines += [
        "",
        "Images/s = images given to the tool / median wall time of the whole process "
        "(interpreter start, imports, listing, decoding, hashing, writing). datacard and "
        "CleanVision both decode every image once per run and use both cores (datacard's "
        "worker pool; CleanVision's `multiprocessing.Pool(n_jobs)`, n_jobs = "
        f"{report.get('cleanvision_n_jobs', 'n/a')} by its default). CleanVision's figure "
        "leaves out the pass that would find the corrupt files it cannot load (here they "
        "were taken from the ground truth, free of charge).",
    ]

    scores = report["scores"]
    tools = [t for t in DUP_TOOLS if t in scores]
    if tools:
        lines += [
            "",
            "### Duplicates across splits against the ground truth",
            "",
            "Recall per kind counts a planted pair found under either class; precision is per "
            "class the tool claims (datacard: `exact` = same sha256; CleanVision: `exact` = "
            "same md5 of the decoded pixels, `near` = equal pHash). CleanVision's sets are "
            "expanded to every cross-split pair in them.",
            "",
            "| planted kind | planted | " + " | ".join(tools) + " |",
            "| --- | ---: |" + " ---: |" * len(tools),
        ]
        first = next((scores[t] for t in tools if "by_kind" in scores[t]), None)
        if first is not None:
            for kind in (*EXACT_KINDS, *NEAR_KINDS):
                cells = []
                for t in tools:
                    s = scores[t]
                    if "by_kind" not in s:
                        cells.append("n/a")
                        continue
                    k = s["by_kind"][kind]
                    as_ = ", ".join(f"{c} {n}" for c, n in k["reported_as"].items() if n)
                    cells.append(f"{k['found']} ({_r(k['recall'])})" + (f": {as_}" if as_ else ""))
                lines.append(
                    f"| {kind}: {KIND_TEXT[kind]} | {first['by_kind'][kind]['planted']} | "
                    + " | ".join(cells)
                    + " |"
                )
            for group in ("exact", "near"):
                for what in ("recall", "precision"):
                    cells = []
                    for t in tools:
                        s = scores[t]
                        if group not in s:
                            cells.append("n/a")
                            continue
                        g = s[group]
                        detail = (
                            f"{g['found']} of {g['planted']}"
                            if what == "recall"
                            else f"{g['true_positives']} of {g['claimed']}"
                        )
                        cells.append(f"**{_r(g[what])}** ({detail})")
                    planted_n = first[group]["planted"]
                    row = f"| **{group} {what}** | {planted_n} | "
                    lines.append(row + " | ".join(cells) + " |")
            cells = []
            for t in tools:
                s = scores[t]
                if "all" not in s:
                    cells.append("n/a")
                    continue
                a = s["all"]
                cells.append(
                    f"recall {_r(a['recall'])}, precision {_r(a['precision'])}, "
                    f"{a['false_positives']} false positives"
                )
            lines.append(
                f"| **all cross-split pairs** | {first['all']['planted']} | "
                + " | ".join(cells)
                + " |"
            )
        for t in tools:
            if "error" in scores[t]:
                lines.append(f"\n{t}: n/a ({scores[t]['error']})")

        lines += [
            "",
            "#### pHash distances of the planted near duplicates",
            "",
            "Hamming distance (of 64 bits) between the two files' `imagehash.phash` of the full "
            "decoded images, the hash CleanVision compares for equality; datacard hashes a "
            "box-reduced copy and accepts up to 4 bits on the pHash alone, and up to 10 bits "
            "when the two images' colour histograms also agree. pHash bits flip in pairs (the hash "
            "compares 64 DCT coefficients with their median, so exactly 32 bits are set), "
            "hence only even distances.",
            "",
            "| kind | 0 | 2 | 4 | 6 | 8 | > 8 |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for kind, hist in report["distance_histogram"].items():
            lines.append(f"| {kind} | " + " | ".join(str(hist[b]) for b in hist) + " |")
        crop_tools = [t for t in tools if "crop_by_cut" in scores[t]]
        if crop_tools:
            lines += [
                "",
                "Crops by their larger cut (share of the width or the height removed): found / "
                "planted",
                "",
                "| larger cut | " + " | ".join(crop_tools) + " |",
                "| --- |" + " ---: |" * len(crop_tools),
            ]
            buckets = scores[crop_tools[0]]["crop_by_cut"]
            for b in buckets:
                cells = [
                    f"{scores[t]['crop_by_cut'][b]['found']} / "
                    f"{scores[t]['crop_by_cut'][b]['planted']}"
                    for t in crop_tools
                ]
                lines.append(f"| {b} | " + " | ".join(cells) + " |")
        src = scores.get(dup_source, {})
        missed = src.get("missed", [])
        if missed:
            lines += [
                "",
                f"#### Planted pairs {dup_source} missed ({len(missed)})",
                "",
                "| test file | training file | kind | parameters | source size | pHash distance "
                "(reference) | datacard's pHash distance |",
                "| --- | --- | --- | --- | --- | ---: | ---: |",
            ]
            for p in missed[:25]:
                params = ", ".join(f"{k} {v}" for k, v in p["params"].items())
                lines.append(
                    f"| `{p['test']}` | `{p['train']}` | {p['kind']} | {params} | "
                    f"{p['size'][0]}×{p['size'][1]} | {p['reference_distance']} | "
                    f"{p['tool_distance'] if p['tool_distance'] is not None else 'n/a'} |"
                )
            if len(missed) > 25:
                lines.append(f"\n… and {len(missed) - 25} more in results.json.")
        fps = src.get("false_positive_pairs", [])
        if fps:
            lines.append(
                f"\n{dup_source}'s false positives (first {len(fps)}): "
                + "; ".join(f"`{p['test']}` ~ `{p['train']}` ({p['tool_distance']})" for p in fps)
            )

    sw = report.get("sweep") or {}
    if sw.get("rows"):
        n, crops = sw["near_planted"], sw["crop_planted"]
        lines += [
            "",
            "#### Other distance limits (untimed, from the hashes of the direct call)",
            "",
            f"Pairs within each pHash distance limit: the {n} planted near duplicates (by "
            f"datacard's hash and by the reference hash), the {crops} crops alone, and pairs of "
            "images that are *not* copies of each other (generated independently), on the "
            "pHash alone. datacard accepts up to 4 bits on the pHash alone (the row marked "
            "default here) and up to 10 bits when the colour histograms also agree (next "
            "table); CleanVision's rule is 0 on the reference hash. Pair-level: "
            "`duplicate_pairs` keeps one training partner per test image, so it would report "
            "at most as many false pairs as the cross-split column.",
            "",
            "| limit (bits) | near found (datacard hash) | near recall | near found (reference "
            "hash) | crops found | unrelated pairs across splits | unrelated pairs within "
            f"train ({sw['images']['train']:,} images) | within test "
            f"({sw['images']['test']:,}) |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for row in sw["rows"]:
            mark = " (default)" if row["limit"] == 4 else ""
            lines.append(
                f"| {row['limit']}{mark} | {row['near_found']} | {row['near_found'] / n:.4f} | "
                f"{row['near_found_reference']} | {row['crop_found']} / {crops} | "
                f"{row['unrelated_cross_pairs']} | {row['unrelated_within_train']} | "
                f"{row['unrelated_within_test']} |"
            )
        if sw.get("confirmed_rows"):
            lines += [
                "",
                "Two tiers, as datacard decides: pHash at most 4 bits on its own, or at most the "
                "limit with colour histograms that agree (the largest over R, G, B of the total "
                "variation distance between 32-bin histograms at most 0.25; "
                "`datacard.media.duplicates.colour_distance`). Same pairs as above, per limit "
                "of the confirmed tier (10 is datacard's default).",
                "",
                "| confirmed limit (bits) | near found | near recall | crops found | unrelated "
                "pairs across splits | unrelated pairs within train | within test |",
                "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            ]
            for row in sw["confirmed_rows"]:
                mark = " (default)" if row["limit"] == 10 else ""
                lines.append(
                    f"| {row['limit']}{mark} | {row['near_found']} | "
                    f"{row['near_found'] / n:.4f} | {row['crop_found']} / {crops} | "
                    f"{row['unrelated_cross_pairs']} | {row['unrelated_within_train']} | "
                    f"{row['unrelated_within_test']} |"
                )
    elif sw.get("error"):
        lines.append(f"\nDistance sweep: n/a ({sw['error']})")

    corrupt = report.get("corrupt", {})
    if corrupt:
        lines += [
            "",
            f"### Corrupt files ({truth['corrupt']} planted: {truth['corrupt_kinds']})",
            "",
            "| tool | found | how it reports them |",
            "| --- | ---: | --- |",
        ]
        for name, c in corrupt.items():
            found = "n/a" if c.get("found") is None else f"{c['found']} of {c['planted']}"
            lines.append(f"| {name} | {found} | {c['how']} |")

    cv = report.get("cleanvision_summary")
    if cv:
        lines.append(
            "\nCleanVision's issue summary (corrupt files left out; images per issue type): "
            + ", ".join(f"{k} {v}" for k, v in cv.items())
            + "."
        )
    return "\n".join(lines) + "\n"


def write_report(report: dict[str, Any], append: Path | None) -> None:
    section = render_section(report)
    RESULTS_JSON.write_text(json.dumps(report, indent=2) + "\n")
    RESULTS_MD.write_text(
        "# Image benchmark results\n\nRewritten by every run of `bench/media/run.py`.\n\n" + section
    )
    if append is not None:
        br.replace_section(append, section, SECTION_TITLE)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="datacard image benchmark against CleanVision")
    parser.add_argument("--quick", action="store_true", help=f"{FILES_QUICK:,} files, one run")
    parser.add_argument("--files", type=int, help=f"files in all (default {FILES_FULL:,})")
    parser.add_argument("--repeats", type=int, help="runs per datacard measurement")
    parser.add_argument("--no-cleanvision", action="store_true", help="skip CleanVision")
    parser.add_argument("--datacard", type=Path, default=br.DATACARD, help="datacard to measure")
    br.section_options(parser, "image")
    args = parser.parse_args(argv)
    if args.files is None:
        args.files = FILES_QUICK if args.quick else FILES_FULL
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.files < 200:
        parser.error("--files must be at least 200")
    return args


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, br._exit_on_sigterm)
    args = parse_args(argv)
    if args.render:
        stored = json.loads(RESULTS_JSON.read_text())
        if "sweep" not in stored:
            stored["sweep"] = sweep(stored["args"]["files"])
        write_report(stored, args.append)
        print(f"rewrote {RESULTS_MD.relative_to(PROJECT_DIR)} from {RESULTS_JSON.name}")
        return 0
    # Data first, in a child process: the harness imports neither numpy nor Pillow, so that its
    # own peak RSS (where a child's ru_maxrss starts) stays small.
    subprocess.run([sys.executable, str(GENERATE), "--files", str(args.files)], check=True)
    tag = tag_for(args.files)
    root = DATA_ROOT / tag
    rel_root = str(root.relative_to(PROJECT_DIR))
    truth = json.loads((DATA_ROOT / f"{tag}_truth.json").read_text())
    out_dir = DATA_ROOT / f"{tag}_out"  # tool outputs, beside (never inside) the folder
    out_dir.mkdir(parents=True, exist_ok=True)
    corrupt_list = out_dir / "corrupt.json"
    corrupt_list.write_text(json.dumps([c["path"] for c in truth["corrupt"]]))
    env = dict(os.environ)
    datacard = args.datacard.resolve()
    dc_note = br.datacard_unavailable(datacard, env)
    cv_note = "--no-cleanvision" if args.no_cleanvision else ensure_cleanvision()
    facts = machine_facts()
    media_files = sorted(p for p in root.rglob("*.jpg") if p.is_file())
    python = str(PROJECT_DIR / ".venv" / "bin" / "python")
    peers = str(br.PEERS_PYTHON)
    dc_hashes = out_dir / "datacard_hashes.json"
    dc_colours = out_dir / "datacard_colours.npz"
    leaks_pairs = out_dir / "leaks_pairs.parquet"

    tools = [
        Tool(TOOL_INIT, [str(datacard), "init", rel_root], out_dir / "init.txt", args.repeats,
             wants_json=False, unavailable=dc_note, prepare=lambda: br.clean_card(root)),
        Tool(TOOL_LEAKS, [str(datacard), "leaks", rel_root, "--json", "--out", str(leaks_pairs)],
             out_dir / "leaks.json", args.repeats, ok_codes=(0, 1), unavailable=dc_note,
             prepare=lambda: leaks_pairs.unlink(missing_ok=True)),
        Tool(TOOL_DUPS, [python, str(DC_DUPS), rel_root, "--hashes", str(dc_hashes),
                         "--colours", str(dc_colours)],
             out_dir / "datacard_dups.json", args.repeats, unavailable=dc_note),
        Tool(TOOL_CV_ASIS, [peers, str(CV_PEER), str(root)], out_dir / "cleanvision_asis.json",
             1, crash_code=3, unavailable=cv_note),
        Tool(TOOL_CV, [peers, str(CV_PEER), str(root), "--exclude", str(corrupt_list)],
             out_dir / "cleanvision.json", 1, unavailable=cv_note),
    ]  # fmt: skip
    measurements: list[Any] = []
    payloads: dict[str, Any] = {}
    card: dict[str, Any] = {}
    print(f"== media: {len(media_files):,} files in {rel_root}", flush=True)
    for tool in tools:
        br.warm_cache(media_files)
        m = measure(tool, env)
        measurements.append(m)
        payloads[tool.name] = _json_of(tool.stdout) if m.runs else None
        if tool.name == TOOL_INIT and m.ok:
            card = card_corrupt(datacard, root, env)

    by_tool = {m.tool: m for m in measurements}
    hashes = load_hashes(dc_hashes)
    scores: dict[str, Any] = {}
    leaks_kinds: dict[str, int] = {}
    if by_tool[TOOL_LEAKS].ok:
        try:
            pairs, leaks_kinds = pairs_of_leaks(leaks_pairs)
            scores[TOOL_LEAKS] = score(pairs, truth, None, hashes)
        except Exception as exc:  # noqa: BLE001 - a scoring failure is reported, not fatal
            scores[TOOL_LEAKS] = {"error": f"scoring failed: {exc!r}"}
    if by_tool[TOOL_DUPS].ok:
        pairs, distances = pairs_of_dups(payloads[TOOL_DUPS])
        scores[TOOL_DUPS] = score(pairs, truth, distances, hashes)
    if by_tool[TOOL_CV].ok:
        scores[TOOL_CV] = score(pairs_of_cleanvision(payloads[TOOL_CV]), truth, None, None)

    leaks_near = scores.get(TOOL_LEAKS, {}).get("near", {}).get("claimed", 0)
    if leaks_near:
        dup_source = TOOL_LEAKS
        leaks_note = (
            f"`datacard leaks` reports near-duplicate images (kinds in its pairs: "
            f"{', '.join(f'{k} {n}' for k, n in leaks_kinds.items())}); the direct call is "
            "shown beside it."
        )
    else:
        dup_source = TOOL_DUPS
        kinds = ", ".join(f"{k} {n}" for k, n in leaks_kinds.items()) or "none"
        leaks_note = (
            "`datacard leaks` did not report near-duplicate images in this run (kinds in its "
            f"`--out` pairs: {kinds}): the near-duplicate numbers come from "
            "`datacard.media.duplicates` (`image_hashes`, then `duplicate_pairs(test, train)`) "
            "called directly by `bench/media/datacard_dups.py` in the project venv, timed as a "
            "process of its own in place of `leaks`."
        )

    n_files = truth["files"]
    images_per_tool = {
        TOOL_INIT: n_files,
        TOOL_LEAKS: n_files,
        TOOL_DUPS: n_files,
        TOOL_CV_ASIS: n_files,
        TOOL_CV: (payloads.get(TOOL_CV) or {}).get("images", n_files - len(truth["corrupt"])),
    }
    init, dup, cv = by_tool[TOOL_INIT], by_tool[dup_source], by_tool[TOOL_CV]
    pipeline: dict[str, Any] = {}
    if init.ok and dup.ok:
        wall = init.median_wall_s + dup.median_wall_s
        pipeline = {
            "name": f"datacard init + {'leaks' if dup_source == TOOL_LEAKS else 'duplicates'}",
            "images": n_files,
            "wall_s": wall,
            "images_per_s": n_files / wall,
            "peak_rss_mb": max(init.peak_rss_mb, dup.peak_rss_mb),
            "cpu_s": init.median_cpu_s + dup.median_cpu_s,
        }
    ratios: dict[str, float | None] = {}
    cv_rate = images_per_tool[TOOL_CV] / cv.median_wall_s if cv.ok else None
    headline: dict[str, Any] = {}
    if cv_rate:
        if pipeline:
            ratios[f"{pipeline['name']} / CleanVision, images/s"] = (
                pipeline["images_per_s"] / cv_rate
            )
            headline["speedup"] = pipeline["images_per_s"] / cv_rate
            cv_cpu = cv.median_cpu_s / images_per_tool[TOOL_CV]
            ratios[f"the same in CPU time per image (CleanVision / {pipeline['name']})"] = (
                cv_cpu / (pipeline["cpu_s"] / n_files) if pipeline["cpu_s"] else None
            )
        if init.ok:
            ratios["datacard init alone / CleanVision, images/s"] = (
                n_files / init.median_wall_s
            ) / cv_rate
        if by_tool[TOOL_LEAKS].ok and init.ok and dup_source != TOOL_LEAKS:
            wall = init.median_wall_s + by_tool[TOOL_LEAKS].median_wall_s
            ratios["datacard init + leaks (exact duplicates only) / CleanVision, images/s"] = (
                n_files / wall
            ) / cv_rate
    src = scores.get(dup_source, {})
    if "near" in src:
        headline["near_recall"] = src["near"]["recall"]
        headline["near_precision"] = src["near"]["precision"]

    # Corrupt files: what each tool says.
    corrupt: dict[str, Any] = {}
    if card and "error" not in card:
        listed = {p for s in card.values() for p in s["listed"]}
        counted = sum(s["count"] for s in card.values())
        c = score_corrupt(truth, listed)
        per_split = ", ".join(f"{k} {v['count']}" for k, v in card.items())
        corrupt[TOOL_INIT] = {
            **c,
            "counted": counted,
            "how": f"`corrupt_files` in the card ({per_split}) and a `media.corrupt` finding "
            "naming them; every file still a row"
            + (f"; missed {', '.join(c['missed'])}" if c["missed"] else "")
            + (f"; also named {', '.join(c['extra'])}" if c["extra"] else ""),
        }
    elif card:
        corrupt[TOOL_INIT] = {"found": None, "how": f"`datacard show --json` failed: {card}"}
    dups_payload = payloads.get(TOOL_DUPS)
    if by_tool[TOOL_DUPS].ok and isinstance(dups_payload, dict):
        undecoded = {p for v in dups_payload.get("undecoded", {}).values() for p in v}
        c = score_corrupt(truth, undecoded)
        corrupt[TOOL_DUPS] = {
            **c,
            "how": "`decoded` false in `image_hashes` (kept out of the near-duplicate search, "
            "still compared by sha256)",
        }
    asis = by_tool[TOOL_CV_ASIS]
    if asis.runs:
        payload = payloads.get(TOOL_CV_ASIS) or {}
        if asis.status == "crashed":
            how = (
                f"none reported: `find_issues()` raised `{payload.get('error', '?')}` after "
                f"{asis.runs[-1].wall_s:.1f} s (in `Image.open(f).copy()` of the file dataset, "
                "re-raised by the worker pool) and returned nothing; which file it was is not "
                "said"
            )
        else:
            how = "find_issues() completed on the folder as is"
        corrupt[TOOL_CV_ASIS] = {"found": 0 if asis.status == "crashed" else None, "how": how,
                                 "planted": len(truth["corrupt"])}  # fmt: skip
    if cv.ok:
        corrupt[TOOL_CV] = {
            "found": None,
            "planted": len(truth["corrupt"]),
            "how": "n/a: left out beforehand (from the ground truth) so that it could run",
        }
    payload_timings = {}
    for name, payload in payloads.items():
        if isinstance(payload, dict) and isinstance(payload.get("timings"), dict):
            payload_timings[name] = ", ".join(
                f"{k.removesuffix('_s')} {v:.1f} s" for k, v in payload["timings"].items()
            )

    hist: dict[str, dict[str, int]] = {}
    for kind in NEAR_KINDS:
        h = {"0": 0, "2": 0, "4": 0, "6": 0, "8": 0, ">8": 0}
        for p in truth["pairs"]:
            if p["kind"] == kind:
                d = p["phash_distance"]
                h[">8" if d > 8 else str(d - d % 2)] += 1
        hist[kind] = h
    kinds_count: dict[str, int] = {}
    for c in truth["corrupt"]:
        kinds_count[c["kind"]] = kinds_count.get(c["kind"], 0) + 1
    facts_proc = subprocess.run(
        [sys.executable, str(GENERATE), "--files", str(args.files), "--facts"],
        capture_output=True,
        text=True,
        check=False,
    )
    data = json.loads(facts_proc.stdout) if facts_proc.returncode == 0 else {}
    report: dict[str, Any] = {
        "machine": facts,
        "args": {
            "quick": args.quick,
            "files": args.files,
            "repeats": args.repeats,
            "datacard": str(datacard),
            "cleanvision": not args.no_cleanvision,
        },
        "data": data,
        "truth_summary": {
            "planted": truth["planted"],
            "corrupt": len(truth["corrupt"]),
            "corrupt_kinds": ", ".join(f"{n} {k}" for k, n in kinds_count.items()) + " named .jpg",
            "unrelated": truth["unrelated"],
        },
        "measurements": [m.to_json() for m in measurements],
        "images_per_tool": images_per_tool,
        "payload_timings": payload_timings,
        "pipeline": pipeline,
        "ratios": ratios,
        "headline": headline,
        "dup_source": dup_source,
        "leaks_note": leaks_note,
        "leaks_kinds": leaks_kinds,
        "scores": scores,
        "distance_histogram": hist,
        "sweep": sweep(args.files),
        "corrupt": corrupt,
        "card_corrupt": card,
        "cleanvision_n_jobs": (payloads.get(TOOL_CV) or {}).get("n_jobs"),
        "cleanvision_summary": (payloads.get(TOOL_CV) or {}).get("issue_summary"),
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
