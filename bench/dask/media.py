"""Media collections on Dask: members hashed as they are measured, not read a second time.

    .venv/bin/python bench/dask/media.py [--repeats N] [--append [FILE]]

On the 10,000-image folder of the media benchmark (bench/data/media/10k, made by
bench/media/generate.py, which makes it first if it is missing): ``profile`` with the local
engine (2 processes) and on a Dask LocalCluster of 2 workers, ``repeats`` runs each,
alternating; for the Dask runs the task stream gives the seconds spent in each kind of task.
Then the route this replaced, timed on the same cluster: each collection's digest as one task
that reads every member again (:func:`datacard.digest.members_digest` in a fresh worker
process, whose per-process hash cache is empty). That task was as long as one worker hashing
the whole collection: on many workers it, not the measuring, set the run's length. Also
checked: the collection's sha256 (Merkle root) and every member's bytes and sha256 from the
profile equal those of the members read again.

Writes bench/dask/MEDIA.md and media.json (``--render``: only rewrite from media.json); with
--append (default bench/RESULTS.md) also puts the section into that file.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

DASK_DIR = Path(__file__).resolve().parent
PROJECT_DIR = DASK_DIR.parent.parent
sys.path.insert(0, str(DASK_DIR.parent))  # bench/: benchdata and the shared harness
from benchdata import load_bench_run  # noqa: E402

br = load_bench_run()

SOURCE = PROJECT_DIR / "bench" / "data" / "media" / "10k"
MEDIA_MD = DASK_DIR / "MEDIA.md"
MEDIA_JSON = DASK_DIR / "media.json"
TITLE = "## Dask: media collections hashed as measured (`bench/dask/media.py`)"


def _compute_s(record: dict[str, Any]) -> float:
    """Seconds a task of a task stream computed."""
    return float(
        sum(s["stop"] - s["start"] for s in record["startstops"] if s["action"] == "compute")
    )


def _task_seconds(records: list[dict[str, Any]]) -> dict[str, float]:
    """Seconds of compute per task name (the key's prefix) in a task stream."""
    out: Counter[str] = Counter()
    for r in records:
        out[str(r["key"]).split("-")[0].strip("('")] += _compute_s(r)
    return {k: round(v, 3) for k, v in sorted(out.items())}


def _dask_run(executor: Any) -> dict[str, Any]:
    from distributed import get_task_stream

    from datacard.profiling import profile

    with get_task_stream(executor.client) as stream:
        start = time.perf_counter()
        result = profile(SOURCE, engine=executor)
        work = time.perf_counter() - start
    return {"work_s": round(work, 3), "tasks_s": _task_seconds(stream.data), "result": result}


def _old_digests(executor: Any) -> dict[str, Any]:
    """Each collection's digest as one task reading every member again (the old route), on
    fresh workers (their per-process hash cache empty)."""
    from distributed import get_task_stream

    from datacard.digest import members_digest
    from datacard.layout import discover

    executor.client.restart()
    files = [f for f in discover(SOURCE).files if f.collection is not None]
    with get_task_stream(executor.client) as stream:
        start = time.perf_counter()
        futures = [executor.client.submit(members_digest, f, pure=False) for f in files]
        leaves = executor.client.gather(futures)
        wall = time.perf_counter() - start
    per_task = {
        str(r["key"]): sum(
            s["stop"] - s["start"] for s in r["startstops"] if s["action"] == "compute"
        )
        for r in stream.data
    }
    return {
        "wall_s": round(wall, 3),
        "task_s": sorted((round(v, 3) for v in per_task.values()), reverse=True),
        "members": {f.rel: len(f.collection.members) for f in files if f.collection},
        "leaves": dict(zip((f.rel for f in files), leaves)),
    }


def measure(repeats: int) -> dict[str, Any]:
    from datacard.digest import collection_digest
    from datacard.executors.dask import DaskExecutor
    from datacard.profiling import MEMBER_DIGITS, profile

    local_s: list[float] = []
    dask_runs: list[dict[str, Any]] = []
    executor = DaskExecutor.connect(None, workers=2)
    try:
        for i in range(repeats):
            start = time.perf_counter()
            profile(SOURCE, workers=2)
            local_s.append(round(time.perf_counter() - start, 3))
            executor.client.restart()  # each Dask run on fresh workers
            dask_runs.append(_dask_run(executor))
            print(
                f"run {i + 1}: local {local_s[-1]:.2f} s, dask-2 {dask_runs[-1]['work_s']:.2f} s",
                flush=True,
            )
        old = _old_digests(executor)
    finally:
        executor.close()
    result = dask_runs[-1]["result"]
    same = all(
        result.file_facts[rel] == collection_digest(leaves)
        and result.members[rel] == {n: (b, sha[:MEMBER_DIGITS]) for n, b, sha in leaves}
        for rel, leaves in old["leaves"].items()
    )
    for run in dask_runs:
        del run["result"]
    del old["leaves"]
    return {"local_s": local_s, "dask": dask_runs, "old_digest": old, "same_digests": same}


def render(report: dict[str, Any]) -> str:
    m = report["measured"]
    dask_work = statistics.median(r["work_s"] for r in m["dask"])
    local = statistics.median(m["local_s"])
    tasks: dict[str, list[float]] = {}
    for r in m["dask"]:
        for name, s in r["tasks_s"].items():
            tasks.setdefault(name, []).append(s)
    measuring = statistics.median(tasks.get("_run_apart", [0.0]))
    digest_now = statistics.median(tasks.get("file_digest", [0.0]))
    old = m["old_digest"]
    longest = old["task_s"][0] if old["task_s"] else 0.0
    members = old["members"]
    biggest = max(members.values()) if members else 0
    images = sum(members.values())
    lines = [
        TITLE,
        "",
        f"Written by `bench/dask/media.py` (raw numbers: `bench/dask/media.json`). Date (UTC): "
        f"{report['date_utc']}; project revision {report['git_revision']}; "
        f"{report['nproc']} cores, load average at start {report['load_at_start']}. "
        f"`profile` of `{SOURCE.relative_to(PROJECT_DIR)}` ({images:,} images, "
        f"{', '.join(f'`{k}` {v:,}' for k, v in members.items())}), {len(m['local_s'])} runs "
        "per engine, alternating; each Dask run on restarted workers.",
        "",
        "| | median s | runs s |",
        "| --- | ---: | --- |",
        f"| local engine, 2 processes: work | {local:.2f} | "
        f"{', '.join(f'{x:.2f}' for x in m['local_s'])} |",
        f"| Dask LocalCluster, 2 workers: work | {dask_work:.2f} | "
        f"{', '.join(str(r['work_s']) for r in m['dask'])} |",
        f"| Dask: measuring tasks (`_run_apart`, summed over tasks) | {measuring:.2f} | "
        f"{', '.join(str(r['tasks_s'].get('_run_apart', 0)) for r in m['dask'])} |",
        f"| Dask: digest tasks now (`file_digest`: plain files and metadata files; members "
        f"come from the measuring tasks) | {digest_now:.3f} | "
        f"{', '.join(str(r['tasks_s'].get('file_digest', 0)) for r in m['dask'])} |",
        f"| the replaced route: one task per collection reading every member again "
        f"(longest task; all tasks) | {longest:.2f} | {', '.join(map(str, old['task_s']))} |",
        "",
        f"- The replaced route read every image twice and hashed a collection in one task: "
        f"{longest:.2f} s for {biggest:,} images here ({biggest / longest if longest else 0:,.0f}"
        f" images/s on one worker, from the page cache). That task cannot be split across "
        "workers, so it bounded a run from below however many workers measured the images: "
        f"with the measuring spread over W workers ({measuring:.1f} s / W here), it was the "
        f"longer part from W ≈ {measuring / longest if longest else 0:.0f} workers on.",
        f"- Dask overhead on images T(Dask, 2 workers) / T(local engine, 2 processes): "
        f"{dask_work / local if local else float('nan'):.2f}× on the work.",
        "- Behind a URL every member read again is one more request. At an assumed 20 ms a "
        f"request (not measured here), the replaced route's task would have taken about "
        f"{biggest * 0.02:,.0f} s for these {biggest:,} images, on one worker.",
        "- The collection's sha256 (Merkle root) and every member's bytes and sha256 from the "
        "profile equal those of the members read again: "
        f"{'**yes**' if m['same_digests'] else '**no**'}.",
    ]
    return "\n".join(lines) + "\n"


def write(report: dict[str, Any], append: Path | None) -> None:
    br.write_section(render(report), TITLE, MEDIA_MD, "Dask: media collections", append)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    br.section_options(parser, "Dask media", MEDIA_JSON.name)
    args = parser.parse_args(argv)
    if args.render:
        write(json.loads(MEDIA_JSON.read_text()), args.append)
        return 0
    generate = PROJECT_DIR / "bench" / "media" / "generate.py"  # kept when it exists
    subprocess.run([sys.executable, str(generate), "--files", "10000"], check=True)
    load = br.load_average()
    report = br.report_header(load) | {"measured": measure(args.repeats)}
    MEDIA_JSON.write_text(json.dumps(report, indent=1) + "\n")
    write(report, args.append)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
