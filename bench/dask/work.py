"""One measured run of the Dask benchmark (started by bench/dask/run.py, one process per run).

    .venv/bin/python bench/dask/work.py profile --engine dask --workers 2 --source FILE --out J
    .venv/bin/python bench/dask/work.py leaks --engine local --workers 2 --source DIR --out J
    .venv/bin/python bench/dask/work.py probe-profile --source FILE --workers 2 --out J
    .venv/bin/python bench/dask/work.py probe-leaks --source DIR --workers 2 --out J

``profile`` / ``leaks`` time the work the way a user runs it: ``datacard.profiling.profile`` /
``datacard.leakage.leaks.run_leaks`` with the local engine (``workers`` processes) or on a new
Dask LocalCluster of ``workers`` single-threaded worker processes (started here, timed
separately). On Dask the task stream is recorded (compute and transfer times of every task,
grouped by task name) and each worker's peak RSS (VmHWM) is read before the cluster closes.
``--malloc-trim`` starts the workers with the ``MALLOC_TRIM_THRESHOLD_=65536`` that
distributed's nanny puts in every worker's environment (as ``dask worker`` starts them; a
diagnostic variant: that setting turns off glibc's dynamic mmap threshold, so every large array
is a fresh mmap); datacard's own LocalCluster leaves it out. ``--traffic`` (Dask
only; an untimed run) first teaches the workers' ``dask.sizeof`` the pickled
size of datacard's partial results, so that the task stream and the workers' transfer counters
report real bytes.

``probe-*`` run in this one process, no pool and no cluster: planning time, the cost of a few
partitions one at a time, and the pickled sizes of a task and of its result (what a cluster
ships per partition).

Only the standard library is imported at module level: the Dask workers (spawned processes)
import this file again as their ``__main__``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import statistics
import sys
import time
from pathlib import Path
from typing import Any

MIB = 2**20
TEXT = ("text",)  # the leakage corpus: as bench/leakage/run.py (`--text text --key text`)
KEY = ("text",)
THRESHOLD = 0.8  # `datacard leaks` default, as bench/leakage/run.py


# --------------------------------------------------------------------------- process facts


def vmhwm_mb() -> float:
    """This process's peak resident set (VmHWM), MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _worker_facts(dask_worker: Any) -> dict[str, Any]:
    """Run on every worker at the end: pid, peak RSS, CPU seconds, transfer counters."""
    state = dask_worker.state
    times = os.times()
    return {
        "pid": os.getpid(),
        "peak_rss_mb": round(vmhwm_mb(), 1),
        "cpu_s": round(times.user + times.system, 3),
        "incoming_transfers": getattr(state, "transfer_incoming_count_total", None),
        "outgoing_bytes": getattr(dask_worker, "transfer_outgoing_bytes_total", None),
        "outgoing_transfers": getattr(dask_worker, "transfer_outgoing_count_total", None),
    }


def _register_sizeof() -> None:
    """``dask.sizeof`` of datacard's partial results = their pickled size (--traffic only)."""
    from dask.sizeof import sizeof

    from datacard.leakage.partscan import PartScan
    from datacard.leakage.shuffle import Bucket, Joined, RowData
    from datacard.profiling import Profile

    def pickled(obj: object) -> int:
        return len(pickle.dumps(obj, protocol=5))

    for cls in (Profile, PartScan, Bucket, Joined, RowData):
        sizeof.register(cls)(pickled)


# --------------------------------------------------------------------------- task stream


def stream_summary(records: list[dict[str, Any]], start: float, stop: float) -> dict[str, Any]:
    """Task stream records grouped by task name: count, compute seconds, transfers, bytes; and
    the phases of the run (seconds from ``start``: first task, last task)."""
    from dask.utils import key_split

    groups: dict[str, dict[str, Any]] = {}
    first, last = float("inf"), 0.0
    for rec in records:
        name = key_split(rec["key"])
        g = groups.setdefault(
            name, {"compute": [], "transfer_s": 0.0, "transfers": 0, "nbytes": [], "workers": {}}
        )
        for ss in rec.get("startstops", ()):
            if ss["action"] == "compute":
                g["compute"].append(ss["stop"] - ss["start"])
                first, last = min(first, ss["start"]), max(last, ss["stop"])
            elif ss["action"] == "transfer":
                g["transfers"] += 1
                g["transfer_s"] += ss["stop"] - ss["start"]
        g["nbytes"].append(rec.get("nbytes", 0))
        g["workers"][rec["worker"]] = g["workers"].get(rec["worker"], 0) + 1
    out: dict[str, Any] = {}
    for name, g in groups.items():
        c = g["compute"] or [0.0]
        out[name] = {
            "n": len(g["compute"]),
            "median_s": round(statistics.median(c), 4),
            "mean_s": round(statistics.fmean(c), 4),
            "max_s": round(max(c), 4),
            "sum_s": round(sum(c), 3),
            "transfers": g["transfers"],
            "transfer_s": round(g["transfer_s"], 3),
            "nbytes_median": statistics.median(g["nbytes"]),
            "nbytes_max": max(g["nbytes"]),
            "nbytes_sum": sum(g["nbytes"]),
            "per_worker": sorted(g["workers"].values()),
        }
    phases = {
        "first_task_s": round(first - start, 3) if records else None,
        "last_task_s": round(last - start, 3) if records else None,
        "after_last_task_s": round(stop - last, 3) if records else None,
    }
    return {"tasks": out, "phases": phases}


# --------------------------------------------------------------------------- results


def _sha(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


COUNT_FIELDS = ("count", "nulls", "nan", "posinf", "neginf", "distinct")


def profile_result(prof: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(what the benchmark keeps: rows, duplicates, fingerprints of the counts and of the whole
    measured card; the measured card itself, for a diff between runs)."""
    measured = prof.measured().model_dump(mode="json", exclude={"generated_by"})
    counts: dict[str, Any] = {}
    top: dict[str, Any] = {}
    for split, sp in measured["splits"].items():
        columns = sp["columns"].items()
        counts[split] = {
            "rows": sp["rows"],
            "duplicate_rows": sp["duplicate_rows"],
            "columns": {name: {k: col.get(k) for k in COUNT_FIELDS} for name, col in columns},
        }
        top[split] = {name: col.get("top") for name, col in columns}
    kept = {
        "rows": sum(s["rows"] for s in measured["splits"].values()),
        "duplicate_rows": sum(s["duplicate_rows"] for s in measured["splits"].values()),
        "columns": sum(len(s["columns"]) for s in measured["splits"].values()),
        "counts_sha": _sha(counts),  # exact: equal whatever the engine
        "top_sha": _sha(top),  # Misra-Gries lower bounds: may depend on the merge order
        "measured_sha": _sha(measured),  # everything, KLL quantiles included
    }
    return kept, measured


def leaks_result(res: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    payload = res.to_json()
    kinds: dict[str, int] = {}
    for p in res.pairs:
        kinds[p.kind] = kinds.get(p.kind, 0) + p.count
    kept = {
        "rows": sum(res.splits.values()),
        "splits": res.splits,
        "pairs": kinds,
        "pairs_sha": _sha(payload),
    }
    return kept, payload


# --------------------------------------------------------------------------- measured runs


def run_measured(args: argparse.Namespace) -> dict[str, Any]:
    t0 = time.perf_counter()
    out: dict[str, Any] = {"pid": os.getpid(), "kind": args.kind, "engine": args.engine}
    if args.kind == "profile":
        from datacard.profiling import profile
    else:
        from datacard.leakage.leaks import run_leaks
    executor = None
    stream = None
    if args.engine == "dask":
        from distributed import get_task_stream

        from datacard.executors.dask import DaskExecutor

        t1 = time.perf_counter()
        out["import_s"] = round(t1 - t0, 3)
        if args.malloc_trim:  # workers as distributed starts them (its nanny's 65536)
            import logging

            from distributed import Client, LocalCluster

            cluster = LocalCluster(
                n_workers=args.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                silence_logs=logging.ERROR,
            )
            executor = DaskExecutor(Client(cluster, set_as_default=False), cluster=cluster)
        else:
            executor = DaskExecutor.connect(None, workers=args.workers)
        out["cluster_start_s"] = round(time.perf_counter() - t1, 3)
        client = executor.client
        out["worker_pids"] = sorted(client.run(os.getpid).values())
        if args.traffic:
            client.run(_register_sizeof)
        stream = get_task_stream(client=client)
        stream.__enter__()
    else:
        out["import_s"] = round(time.perf_counter() - t0, 3)
        out["cluster_start_s"] = 0.0
    engine: Any = executor if executor is not None else None
    wall_start, t2 = time.time(), time.perf_counter()
    if args.kind == "profile":
        result: Any = profile(args.source, workers=args.workers, engine=engine)
    else:
        result = run_leaks(
            args.source,
            text=TEXT,
            key=KEY,
            threshold=THRESHOLD,
            workers=args.workers,
            engine=engine,
        )
    out["work_s"] = round(time.perf_counter() - t2, 3)
    wall_stop = time.time()
    if executor is not None and stream is not None:
        stream.__exit__(None, None, None)
        out["stream"] = stream_summary(stream.data, wall_start, wall_stop)
        out["workers"] = list(executor.client.run(_worker_facts).values())
        t4 = time.perf_counter()
        executor.close()
        out["close_s"] = round(time.perf_counter() - t4, 3)
    t5 = time.perf_counter()
    if args.kind == "profile":
        kept, full = profile_result(result)
        out["measured_s"] = round(time.perf_counter() - t5, 3)  # summaries (duplicate sort) here
        out["result_pickle_bytes"] = len(pickle.dumps(result, protocol=5))
    else:
        kept, full = leaks_result(result)
    out["result"] = kept
    if args.full is not None:
        Path(args.full).write_text(json.dumps(full, sort_keys=True, default=str))
    out["client_peak_rss_mb"] = round(vmhwm_mb(), 1)
    out["inside_s"] = round(time.perf_counter() - t0, 3)
    return out


# --------------------------------------------------------------------------- probes


def _parquet_bytes(path: str, groups: Any) -> tuple[int, int]:
    """(compressed bytes on disk, uncompressed bytes) of the row groups (None: all)."""
    import pyarrow.parquet as pq

    md = pq.ParquetFile(path).metadata
    comp = raw = 0
    for g in range(md.num_row_groups) if groups is None else groups:
        rg = md.row_group(g)
        raw += rg.total_byte_size
        comp += sum(rg.column(c).total_compressed_size for c in range(rg.num_columns))
    return comp, raw


def _sample(n: int, k: int = 5) -> list[int]:
    return sorted({round(i * (n - 1) / max(k - 1, 1)) for i in range(k)}) if n else []


def probe_profile(args: argparse.Namespace) -> dict[str, Any]:
    """Planning on the client, then a few partitions one after the other in this process."""
    import copy

    from datacard.layout import discover
    from datacard.profiling import _run, plan
    from datacard.readers import reader_for

    t0 = time.perf_counter()
    layout = discover(Path(args.source))
    files = list(layout.files)
    infos = {f.rel: reader_for(f.format).inspect(f) for f in files}
    tasks = plan(files, infos, args.workers)
    plan_s = time.perf_counter() - t0
    samples = []
    partials = []
    for i in _sample(len(tasks)):
        task = tasks[i]
        t = time.perf_counter()
        part = _run(task)
        seconds = time.perf_counter() - t
        sketches = copy.copy(part)
        sketches.splits = {name: _without_hashes(sp) for name, sp in part.splits.items()}
        rows = sum(sp.rows for sp in part.splits.values())
        comp, raw = _parquet_bytes(task.partition.file.path, task.partition.row_groups)
        samples.append(
            {
                "index": i,
                "rows": rows,
                "parquet_bytes": comp,
                "uncompressed_bytes": raw,
                "seconds": round(seconds, 4),
                "task_pickle_bytes": len(pickle.dumps(task, protocol=5)),
                "partial_pickle_bytes": len(pickle.dumps(part, protocol=5)),
                "sketch_pickle_bytes": len(pickle.dumps(sketches, protocol=5)),
            }
        )
        partials.append(part)
    t = time.perf_counter()
    acc = partials[0]
    for p in partials[1:]:
        acc = acc.merge(p)
    merge_s = (time.perf_counter() - t) / max(len(partials) - 1, 1)
    total_comp, total_raw = _parquet_bytes(str(files[0].path), None) if files else (0, 0)
    return {
        "files": len(files),
        "partitions": len(tasks),
        "plan_s": round(plan_s, 4),
        "file_bytes": sum(Path(f.path).stat().st_size for f in files if f.path),
        "parquet_bytes": total_comp,
        "uncompressed_bytes": total_raw,
        "rows": sum(i.rows or 0 for i in infos.values()),
        "samples": samples,
        "merge_s": round(merge_s, 4),
        "merged_pickle_bytes": len(pickle.dumps(acc, protocol=5)),
        "merged_rows": sum(sp.rows for sp in acc.splits.values()),
    }


def _without_hashes(sp: Any) -> Any:
    import copy

    out = copy.copy(sp)
    out.row_hashes = {}
    return out


def probe_leaks(args: argparse.Namespace) -> dict[str, Any]:
    """Planning, then a few partition scans one after the other, and one shuffle cut each."""
    from datacard.layout import discover
    from datacard.leakage.leaks import BUCKETS_PER_WORKER, _plan, _scan_item
    from datacard.leakage.pairs import choose_banding
    from datacard.leakage.partscan import NUM_PERM
    from datacard.leakage.shuffle import CutSpec, cut

    t0 = time.perf_counter()
    layout = discover(Path(args.source))
    items = _plan(layout.files, TEXT, KEY, None)
    plan_s = time.perf_counter() - t0
    bands, band_rows = choose_banding(THRESHOLD, NUM_PERM)
    k = BUCKETS_PER_WORKER * args.workers
    samples = []
    for i in _sample(len(items)):
        item = items[i]
        part = item[0]
        t = time.perf_counter()
        scan, _ = _scan_item(item)
        seconds = time.perf_counter() - t
        t = time.perf_counter()
        pieces = cut(scan, 0, 0, CutSpec(k, False, TEXT, bands, band_rows))
        cut_s = time.perf_counter() - t
        text = scan.text[TEXT[0]]
        comp, raw = _parquet_bytes(str(part.file.path), part.row_groups)
        samples.append(
            {
                "index": i,
                "rows": scan.rows,
                "parquet_bytes": comp,
                "uncompressed_bytes": raw,
                "seconds": round(seconds, 4),
                "cut_s": round(cut_s, 4),
                "task_pickle_bytes": len(pickle.dumps(item, protocol=5)),
                "scan_pickle_bytes": len(pickle.dumps(scan, protocol=5)),
                "signature_bytes": int(text.signatures.nbytes),
                "shingle_bytes": int(text.hashes.nbytes + text.offsets.nbytes),
                "cut_pickle_bytes": len(pickle.dumps(pieces, protocol=5)),
            }
        )
    files = [f for f in layout.files if f.path]
    comp = raw = 0
    for f in files:
        c, r = _parquet_bytes(str(f.path), None)
        comp, raw = comp + c, raw + r
    return {
        "files": len(files),
        "partitions": len(items),
        "plan_s": round(plan_s, 4),
        "file_bytes": sum(Path(f.path).stat().st_size for f in files),
        "parquet_bytes": comp,
        "uncompressed_bytes": raw,
        "bands": bands,
        "band_rows": band_rows,
        "buckets": k,
        "num_perm": NUM_PERM,
        "samples": samples,
    }


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("profile", "leaks", "probe-profile", "probe-leaks"))
    parser.add_argument("--engine", choices=("local", "dask"), default="local")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--source", required=True)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--full", help="write the full result here (for a diff between runs)")
    parser.add_argument("--traffic", action="store_true", help="real bytes in the task stream")
    parser.add_argument(
        "--malloc-trim",
        action="store_true",
        help="start the Dask workers with distributed's MALLOC_TRIM_THRESHOLD_ (a diagnostic)",
    )
    args = parser.parse_args(argv)
    if args.kind == "probe-profile":
        out = probe_profile(args)
    elif args.kind == "probe-leaks":
        out = probe_leaks(args)
    else:
        out = run_measured(args)
    out["client_peak_rss_mb"] = out.get("client_peak_rss_mb") or round(vmhwm_mb(), 1)
    args.out.write_text(json.dumps(out, indent=1, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
