"""Check that every peer task runs on a tiny file (run with bench/.venv-peers/bin/python)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from peer_tasks import TASKS


def main() -> int:
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    rng = np.random.default_rng(0)
    n = 200
    table = pa.table(
        {
            "x": rng.normal(size=n),
            "k": rng.integers(0, 5, size=n),
            "s": [f"c{v}" for v in rng.integers(0, 3, size=n)],
            "b": rng.random(n) < 0.5,
            "t": pa.array(rng.integers(0, 10**15, size=n), type=pa.timestamp("us")),
        }
    )
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        paths = {"parquet": Path(tmp) / "tiny.parquet", "csv": Path(tmp) / "tiny.csv"}
        pq.write_table(table, paths["parquet"])
        pacsv.write_csv(table, paths["csv"])
        for name, task in TASKS.items():
            path = paths["csv"] if name.endswith("csv") else paths["parquet"]
            try:
                print(f"ok   {name}: {task(str(path))}")
            except Exception as exc:  # noqa: BLE001 - report every failure, then exit non-zero
                failures.append(name)
                print(f"FAIL {name}: {type(exc).__name__}: {exc}")
        try:
            import psutil

            print(f"ok   psutil: rss {psutil.Process().memory_info().rss} bytes")
        except ImportError as exc:
            failures.append("psutil")
            print(f"FAIL psutil: {exc}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
