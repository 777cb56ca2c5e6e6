"""The drift benchmark's peers, one measurement per process (run with bench/.venv-peers python).

    python bench/drift/peer_drift.py evidently REFERENCE.parquet CURRENT.parquet
    python bench/drift/peer_drift.py scipy REFERENCE.parquet CURRENT.parquet

Each reads both files into pandas (`pd.read_parquet`, inside the timed process), compares them
column by column and prints one JSON object on its last line of standard output:
``{"tool", "versions", "timings": {...}, "columns": {COL: {"flagged", "method", "score", ...}}}``.

- ``evidently``: `Report([DataDriftPreset()], include_tests=True).run(current, reference)` with
  Evidently's defaults (column types inferred from the DataFrames, each column's test and
  threshold chosen by Evidently); a column is flagged when its ValueDrift test fails.
  ``include_tests=True`` only adds the pass/fail verdict next to each score.
- ``scipy``: the classic recipe: `scipy.stats.ks_2samp` on every numeric column (nulls dropped),
  flagged when p < 0.05; and, for string and boolean columns with at most MAX_CATEGORIES
  distinct values in the reference, `scipy.stats.chi2_contingency` on the two sides' value
  counts (nulls dropped), flagged when p < 0.05. Columns with more distinct values (ids) are
  skipped, like datetime columns.
"""

from __future__ import annotations

import json
import os
import sys
import time
from importlib import metadata
from typing import Any

os.environ.setdefault("DO_NOT_TRACK", "1")  # Evidently's usage telemetry would try the network

ALPHA = 0.05
MAX_CATEGORIES = 1000


def _versions(*names: str) -> dict[str, str]:
    out = {"python": sys.version.split()[0]}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _read(reference: str, current: str) -> tuple[Any, Any, float]:
    import pandas as pd

    start = time.perf_counter()
    ref = pd.read_parquet(reference)
    cur = pd.read_parquet(current)
    return ref, cur, time.perf_counter() - start


def _number(x: Any) -> float | None:
    try:
        value = float(x)
    except (TypeError, ValueError):
        return None
    return value if value == value and abs(value) != float("inf") else None


def run_evidently(reference: str, current: str) -> dict[str, Any]:
    t_import = time.perf_counter()
    from evidently import Report
    from evidently.presets import DataDriftPreset

    import_s = time.perf_counter() - t_import
    ref, cur, read_s = _read(reference, current)
    start = time.perf_counter()
    snapshot = Report([DataDriftPreset()], include_tests=True).run(cur, ref)
    run_s = time.perf_counter() - start
    start = time.perf_counter()
    result = snapshot.dict()
    dict_s = time.perf_counter() - start
    columns: dict[str, dict[str, Any]] = {}
    for m in result["metrics"]:
        config = m.get("config", {})
        if config.get("type", "").endswith("ValueDrift"):
            columns[config["column"]] = {
                "method": config.get("method"),
                "threshold": config.get("threshold"),
                "score": _number(m.get("value")),
                "flagged": None,
            }
    for t in result.get("tests", []):
        params = t.get("metric_config", {}).get("params", {})
        name = params.get("column")
        if params.get("type", "").endswith("ValueDrift") and name in columns:
            columns[name]["flagged"] = t.get("status") == "FAIL"
    not_checked = [c for c in ref.columns if c not in columns]
    for name in not_checked:
        columns[name] = {"method": None, "flagged": None, "note": "not checked by the preset"}
    return {
        "tool": "evidently",
        "versions": _versions("evidently", "pandas", "numpy", "scipy", "scikit-learn"),
        "rows": [len(ref), len(cur)],
        "timings": {"import_s": import_s, "read_s": read_s, "run_s": run_s, "dict_s": dict_s},
        "columns": columns,
    }


def run_scipy(reference: str, current: str) -> dict[str, Any]:
    t_import = time.perf_counter()
    import numpy as np
    from scipy.stats import chi2_contingency, ks_2samp

    import_s = time.perf_counter() - t_import
    ref, cur, read_s = _read(reference, current)
    columns: dict[str, dict[str, Any]] = {}
    numeric = list(ref.select_dtypes(include="number").columns)
    start = time.perf_counter()
    for name in numeric:
        a = ref[name].dropna().to_numpy()
        b = cur[name].dropna().to_numpy()
        res = ks_2samp(a, b)
        columns[name] = {
            "method": "ks_2samp",
            "score": float(res.statistic),
            "p_value": float(res.pvalue),
            "flagged": bool(res.pvalue < ALPHA),
        }
    ks_s = time.perf_counter() - start
    start = time.perf_counter()
    for name in ref.columns:
        if name in columns:
            continue
        if ref[name].dtype != object and ref[name].dtype != bool:
            columns[name] = {"method": None, "flagged": None, "note": f"{ref[name].dtype} skipped"}
            continue
        a = ref[name].value_counts()
        if len(a) > MAX_CATEGORIES:  # ids: no χ² test
            columns[name] = {
                "method": None,
                "flagged": None,
                "note": f"{len(a):,} distinct values (> {MAX_CATEGORIES}): skipped",
            }
            continue
        b = cur[name].value_counts()
        keys = a.index.union(b.index)
        table = np.vstack(
            [a.reindex(keys, fill_value=0).to_numpy(), b.reindex(keys, fill_value=0).to_numpy()]
        )
        stat, p_value, _, _ = chi2_contingency(table)
        columns[name] = {
            "method": "chi2_contingency",
            "score": float(stat),
            "p_value": float(p_value),
            "flagged": bool(p_value < ALPHA),
        }
    chi2_s = time.perf_counter() - start
    return {
        "tool": "scipy",
        "versions": _versions("scipy", "pandas", "numpy"),
        "rows": [len(ref), len(cur)],
        "timings": {"import_s": import_s, "read_s": read_s, "ks_s": ks_s, "chi2_s": chi2_s},
        "columns": columns,
    }


TASKS = {"evidently": run_evidently, "scipy": run_scipy}


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] not in TASKS:
        print(f"usage: peer_drift.py {{{','.join(TASKS)}}} REFERENCE CURRENT", file=sys.stderr)
        return 2
    total = time.perf_counter()
    out = TASKS[argv[0]](argv[1], argv[2])
    out["timings"]["in_process_s"] = time.perf_counter() - total
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
