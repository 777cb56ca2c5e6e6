"""Copies of one text in a leak search: searched once (now) against a search over every row.

    .venv/bin/python bench/leakage/copies.py [--append [FILE]] [--render]

A corpus of 50,000 documents of the leakage benchmark (the first rows of
bench/data/leakage/dup/train, made by bench/leakage/generate.py) as ``train`` and 5,000 of its
test documents as ``test``, with m copies of one boilerplate notice added to train and 50 to
test, for m = 1,000, 4,000 and 10,000. Each corpus is scanned once (in this process), then the
near-duplicate step of the local engine (``datacard.leakage.leaks._near``: copies grouped,
searched once, expanded) and the search over every row it replaced (:func:`every_row`, the
same code as before) run on the same scans, each timed twice (the faster kept) and once more
under tracemalloc for the peak of its allocations (numpy's are counted). Two exact keys: the
text (copies are exact pairs, not near ones) and id + text (every two copies are a near pair
of similarity 1.0, so the pairs reported grow as m²). The results of the two must be equal.
The search over every row is skipped where its candidates would pass :data:`MAX_CANDIDATES`.
Then ``run_leaks`` end to end on the same corpus, with the local engine and on a Dask
LocalCluster of 2 workers, whose results must be equal.

Writes bench/leakage/COPIES.md and copies.json (``--render``: only rewrite from copies.json);
with --append (default bench/RESULTS.md) also puts the section into that file.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

LEAK_DIR = Path(__file__).resolve().parent
PROJECT_DIR = LEAK_DIR.parent.parent
sys.path.insert(0, str(LEAK_DIR.parent))  # bench/: benchdata and the shared harness
from benchdata import load_bench_run  # noqa: E402

br = load_bench_run()

from datacard.leakage.leaks import _near  # noqa: E402
from datacard.leakage.pairs import best_per_pair, choose_banding, near_pairs, orient  # noqa: E402
from datacard.leakage.partscan import NUM_PERM, PartScan, ScanSpec, scan_batches  # noqa: E402

DUP = PROJECT_DIR / "bench" / "data" / "leakage" / "dup"
COPIES_MD = LEAK_DIR / "COPIES.md"
COPIES_JSON = LEAK_DIR / "copies.json"
TITLE = "## Leaks: copies of one text searched once (`bench/leakage/copies.py`)"
NOTICE = (
    "subscribe to our newsletter to receive weekly updates exclusive offers and the latest news "
    "from our team you can unsubscribe at any time by clicking the link in any email we send"
)
COPIES = (1_000, 4_000, 10_000)
TRAIN, TEST, TEST_COPIES = 50_000, 5_000, 50
#: The search over every row is not run past this many LSH candidates per band (memory).
MAX_CANDIDATES = 10_000_000
THRESHOLD = 0.8


def every_row(parts: list[PartScan], exact: Any, split: Any, rank: Any) -> tuple[Any, Any, Any]:
    """The near pairs of a search over every row (the local engine's ``_near`` before copies
    were grouped), on the text column."""
    bands, rows = choose_banding(THRESHOLD, NUM_PERM)
    n = len(split)
    pieces = [p.text["text"] for p in parts]
    offsets, base = [np.zeros(1, np.int64)], 0
    for piece in pieces:
        offsets.append(piece.offsets[1:] + base)
        base += int(piece.offsets[-1])
    i, j, sim = near_pairs(
        np.concatenate(offsets),
        np.concatenate([p.hashes for p in pieces]),
        np.concatenate([p.signatures for p in pieces]),
        THRESHOLD,
        bands,
        rows,
    )
    code, sim = best_per_pair(i * n + j, sim)
    i, j = code // n, code % n
    keep = exact[i] != exact[j]
    a, b = orient(i[keep], j[keep], split, rank)
    return a, b, sim[keep]


def corpus(copies: int) -> tuple[pa.Table, pa.Table]:
    """``(train, test)``: the benchmark's documents with ``copies`` (and 50) notices added."""
    train = pq.read_table(DUP / "train" / "part-0.parquet").slice(0, TRAIN)
    test = pq.read_table(DUP / "test" / "part-0.parquet").slice(0, TEST)

    def with_notice(table: pa.Table, count: int, first_id: int) -> pa.Table:
        notices = pa.table(
            {
                "id": pa.array(np.arange(first_id, first_id + count), pa.int64()),
                "text": pa.array([NOTICE] * count, pa.string()),
            }
        )
        return pa.concat_tables([table, notices.cast(table.schema)])

    return with_notice(train, copies, 90_000_000), with_notice(test, TEST_COPIES, 95_000_000)


def _timed(run: Callable[[], Any]) -> tuple[float, float, Any]:
    """Best of two wall times, the peak of tracemalloc'd allocations (MiB), the result."""
    times = []
    for _ in range(2):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return min(times), peak / 2**20, result


def end_to_end(
    train: pa.Table, test: pa.Table, key: tuple[str, ...], executor: Any, tmp: Path
) -> dict[str, Any]:
    """``run_leaks`` on the corpus written as Parquet: local engine (2 processes) and Dask (2
    workers), wall seconds of each and whether their results are equal."""
    from datacard.leakage.leaks import run_leaks

    for name, table in (("train", train), ("test", test)):
        (tmp / name).mkdir(parents=True, exist_ok=True)
        pq.write_table(table, tmp / name / "part-0.parquet", row_group_size=16_384)
    options: dict[str, Any] = {"text": ["text"], "key": list(key), "threshold": THRESHOLD}
    start = time.perf_counter()
    local = run_leaks(tmp, workers=2, **options)
    local_s = time.perf_counter() - start
    start = time.perf_counter()
    remote = run_leaks(tmp, engine=executor, **options)
    dask_s = time.perf_counter() - start
    return {
        "run_leaks_local_s": round(local_s, 3),
        "run_leaks_dask_s": round(dask_s, 3),
        "engines_equal": remote.to_json() == local.to_json(),
    }


def measure(tmp: Path) -> list[dict[str, Any]]:
    from datacard.executors.dask import DaskExecutor

    executor = DaskExecutor.connect(None, workers=2)
    try:
        return _measure_all(executor, tmp)
    finally:
        executor.close()


def _measure_all(executor: Any, tmp: Path) -> list[dict[str, Any]]:
    out = []
    bands, _ = choose_banding(THRESHOLD, NUM_PERM)
    for copies in COPIES:
        train, test = corpus(copies)
        for key in (("text",), ("id", "text")):
            spec = ScanSpec(exact=key, text=("text",))
            parts = [scan_batches(t.to_batches(max_chunksize=16_384), spec) for t in (train, test)]
            exact = np.concatenate([p.exact for p in parts])
            split = np.repeat(np.array([0, 1]), [train.num_rows, test.num_rows])
            rank = np.array([0, 1], np.int64)
            grouped_s, grouped_mb, found = _timed(
                partial(_near, parts, ("text",), exact, split, rank, THRESHOLD)
            )
            row: dict[str, Any] = {
                "copies": copies,
                "key": "+".join(key),
                "documents": train.num_rows + test.num_rows,
                "near_pairs": len(found[0]),
                "grouped_s": round(grouped_s, 3),
                "grouped_peak_mb": round(grouped_mb, 1),
            }
            candidates = (copies + TEST_COPIES) ** 2 // 2
            if candidates <= MAX_CANDIDATES:
                every_s, every_mb, before = _timed(partial(every_row, parts, exact, split, rank))
                same = all(np.array_equal(x, y) for x, y in zip(found, before))
                row |= {
                    "every_row_s": round(every_s, 3),
                    "every_row_peak_mb": round(every_mb, 1),
                    "same_pairs": same,
                }
            else:
                row["every_row_skipped"] = f"{candidates:,} candidates per band x {bands} bands"
            if key == ("text",) or candidates <= MAX_CANDIDATES:  # else 10⁷+ pairs to report
                row |= end_to_end(train, test, key, executor, tmp / f"{copies}-{key[0]}")
            print(row, flush=True)
            out.append(row)
    return out


def _end_to_end(r: dict[str, Any]) -> str:
    if "run_leaks_local_s" not in r:
        return "not run | –"
    equal = "yes" if r["engines_equal"] else "**no**"
    return f"{r['run_leaks_local_s']:.2f} / {r['run_leaks_dask_s']:.2f} | {equal}"


def render(report: dict[str, Any]) -> str:
    lines = [
        TITLE,
        "",
        f"Written by `bench/leakage/copies.py` (raw numbers: `bench/leakage/copies.json`). "
        f"Date (UTC): {report['date_utc']}; project revision {report['git_revision']}; "
        f"{report['nproc']} cores, load average at start {report['load_at_start']}. "
        f"{TRAIN:,} train and {TEST:,} test documents of the leakage corpus, plus m copies of "
        f"one notice in train and {TEST_COPIES} in test; the near-duplicate step alone (the "
        "scans made once), threshold 0.8, one process; best of two runs; peak: numpy and "
        "Python allocations under tracemalloc.",
        "",
        "| m copies | exact key | near pairs | grouped (now) s | peak MiB | every row "
        "(before) s | peak MiB | time ratio | same pairs | `run_leaks` local / Dask s | "
        "engines equal |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |",
    ]
    for r in report["runs"]:
        if "every_row_s" in r:
            before = f"{r['every_row_s']:.2f} | {r['every_row_peak_mb']:,.0f}"
            ratio = f"{r['every_row_s'] / r['grouped_s']:.1f}×"
            same = "yes" if r["same_pairs"] else "**no**"
        else:
            before, ratio, same = f"not run ({r['every_row_skipped']}) | –", "–", "–"
        lines.append(
            f"| {r['copies']:,} | {r['key']} | {r['near_pairs']:,} | {r['grouped_s']:.2f} | "
            f"{r['grouped_peak_mb']:,.0f} | {before} | {ratio} | {same} | {_end_to_end(r)} |"
        )
    lines += [
        "",
        "- With the text as the exact key the copies are exact pairs, never near ones: grouped, "
        "they cost what one document costs; searched row by row they were m²/2 candidates in "
        "every band, each verified and then dropped.",
        "- With id + text every two copies are a near pair (similarity 1.0), so the pairs "
        "reported grow as m² whichever way they are found; grouped, they are written once "
        "instead of found in every band and verified.",
        "- `run_leaks` end to end (the corpus as Parquet, 16,384 rows a row group; scans, "
        "summaries and findings included): the local engine with 2 processes and a Dask "
        "LocalCluster of 2 workers (started once, not timed), whose copies are grouped in "
        "each partition and paired in the join holding their word set.",
    ]
    return "\n".join(lines) + "\n"


def write(report: dict[str, Any], append: Path | None) -> None:
    br.write_section(render(report), TITLE, COPIES_MD, "Leaks: copies of one text", append)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    br.section_options(parser, "copies", COPIES_JSON.name)
    args = parser.parse_args(argv)
    if args.render:
        write(json.loads(COPIES_JSON.read_text()), args.append)
        return 0
    generate = LEAK_DIR / "generate.py"  # keeps the corpus when it exists
    subprocess.run([sys.executable, str(generate)], check=True, stdout=subprocess.DEVNULL)
    load = br.load_average()
    with tempfile.TemporaryDirectory() as tmp:
        report = br.report_header(load) | {"runs": measure(Path(tmp))}
    COPIES_JSON.write_text(json.dumps(report, indent=1) + "\n")
    write(report, args.append)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
