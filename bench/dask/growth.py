"""What grows with the data in a Dask leak search: the corpus at 1× and 4×, local vs Dask.

    .venv/bin/python bench/dask/growth.py [--append [FILE]]

The leakage corpus (bench/data/leakage/dup: 200,000 + 20,000 documents) and one four times as
large, made by the same generator with four times the documents and planted copies
(bench/data/leakage-x4/dup, 800,000 + 80,000; made once, git-ignored). On each, one run of
``run_leaks`` (``text=["text"], key=["text"]``, threshold 0.8) with the local engine (2
processes) and on a Dask LocalCluster of 2 workers, each a fresh process of
bench/dask/work.py, measured by bench/dask/run.py's harness (peak RSS of the client and of
every worker, CPU time, the load of other work). The point is the *ratios*: on Dask the client
should not grow with the corpus (the local engine's client holds every signature), and a
worker should grow by what it holds between scan and join (the cut, ~264 bytes a document).

Writes bench/dask/GROWTH.md and growth.json (``--render``: only rewrite from growth.json); with
--append (default bench/RESULTS.md) also puts the section
into that file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

DASK_DIR = Path(__file__).resolve().parent


def _load(name: str, path: Path) -> ModuleType:
    """A benchmark script as a module (bench/dask/run.py and bench/leakage/run.py share a name)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


harness = _load("dask_bench_run", DASK_DIR / "run.py")
generate = _load("leakage_generate", DASK_DIR.parent / "leakage" / "generate.py")

SCALES = {
    1: harness.SOURCES["leaks"],
    4: harness.BENCH_DIR / "data" / "leakage-x4" / "dup",
}
CONFIGS = (("local-2", "local"), ("dask-2", "dask"))
GROWTH_MD = DASK_DIR / "GROWTH.md"
GROWTH_JSON = DASK_DIR / "growth.json"
TITLE = "## Dask leaks: what grows with the corpus (`bench/dask/growth.py`)"


def ensure_corpus(scale: int) -> Path:
    """The corpus at ``scale`` × the benchmark's, generated once."""
    path = SCALES[scale]
    if path.exists() or scale == 1:
        return path
    for name in ("TRAIN_DOCS", "TEST_DOCS", "EXACT_COPIES", "NEAR_COPIES"):
        setattr(generate, name, getattr(generate, name) * scale)
    print(f"generating {path} ({generate.TRAIN_DOCS:,} + {generate.TEST_DOCS:,} documents)")
    generate.generate_dup(generate.Paths(path.parent))
    return path


def measure(config: str, engine: str, source: Path, tmp: Path) -> dict[str, Any]:
    out = tmp / f"{config}-{source.parent.name}.json"
    command = [str(harness.PYTHON), str(harness.WORK), "leaks", "--engine", engine]
    command += ["--workers", "2", "--source", str(source), "--out", str(out)]
    return harness._measure(command, out, tmp)


def render(report: dict[str, Any]) -> str:
    rows = report["runs"]
    lines = [
        TITLE,
        "",
        "Written by `bench/dask/growth.py` (raw numbers: `bench/dask/growth.json`); one run per "
        "cell, each a fresh process, on the same machine as the section above. "
        f"Date (UTC): {report['date_utc']}; project revision {report['git_revision']}.",
        "",
        "| corpus | engine | documents | work s | CPU s | client peak RSS MB | peak RSS per "
        "worker MB | pairs (exact, near) | others' cores |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | --- | ---: |",
    ]
    for r in rows:
        child = r["child"]
        result = child.get("result") or {}
        pairs = result.get("pairs") or {}
        workers = " / ".join(f"{w:.0f}" for w in r["worker_peak_rss_mb"])
        lines.append(
            f"| {r['scale']}× | {r['config']} | {result.get('rows', 0):,} | "
            f"{child.get('work_s', float('nan')):.2f} | {r['cpu_s']:.1f} | "
            f"{r['client_peak_rss_mb']:.0f} | {workers} | {pairs.get('exact', 0):,}, "
            f"{pairs.get('near', 0):,} | {r['others_cores']} |"
        )
    by = {(r["scale"], r["config"]): r for r in rows}
    lines.append("")
    for scale in SCALES:
        shas = {(by[scale, c]["child"].get("result") or {}).get("pairs_sha") for c, _ in CONFIGS}
        same = "identical" if len(shas) == 1 and None not in shas else "**different**"
        lines.append(f"- {scale}× the corpus: the pairs of the two engines are {same}.")
    for config, _ in CONFIGS:
        one, four = by.get((1, config)), by.get((4, config))
        if not one or not four:
            continue
        w1 = max(one["worker_peak_rss_mb"] or [0.0])
        w4 = max(four["worker_peak_rss_mb"] or [0.0])
        lines.append(
            f"- {harness.LABELS[config]}, 4× the corpus against 1×: work "
            f"{four['child']['work_s'] / one['child']['work_s']:.2f}×, client peak RSS "
            f"{four['client_peak_rss_mb'] / one['client_peak_rss_mb']:.2f}×, largest worker "
            f"peak RSS {w4 / w1 if w1 else float('nan'):.2f}×."
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    harness.br.section_options(parser, "growth", GROWTH_JSON.name)
    args = parser.parse_args(argv)
    if args.render:
        write(json.loads(GROWTH_JSON.read_text()), args.append)
        return 0
    sources = {scale: ensure_corpus(scale) for scale in SCALES}
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for scale, source in sources.items():
            for config, engine in CONFIGS:
                r = measure(config, engine, source, Path(tmp))
                if r["returncode"]:
                    raise SystemExit(f"{config} on {source}: {r['error']}")
                r |= {"scale": scale, "config": config}
                runs.append(r)
                print(
                    f"{scale}x {config}: work {r['child']['work_s']:.2f} s, client "
                    f"{r['client_peak_rss_mb']:.0f} MB, workers {r['worker_peak_rss_mb']}"
                )
    revision = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        cwd=harness.PROJECT_DIR,
        check=False,
    ).stdout.strip()
    report = {
        "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "git_revision": revision,
        "runs": runs,
    }
    GROWTH_JSON.write_text(json.dumps(report, indent=1, default=str) + "\n")
    write(report, args.append)
    return 0


def write(report: dict[str, Any], append: Path | None) -> None:
    harness.br.write_section(
        render(report), TITLE, GROWTH_MD, "Dask leaks: growth with the corpus", append
    )


if __name__ == "__main__":
    raise SystemExit(main())
