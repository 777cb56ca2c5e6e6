"""One peer measurement per process: run by bench/run.py with bench/.venv-peers/bin/python.

    .venv-peers/bin/python bench/peer_tasks.py TASK PATH

Every import happens inside the task, so the measured process pays for its imports like a
command-line tool does. Each task prints one line describing what it produced, so the
harness can tell that the work was done.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

# The peers' own usage telemetry would try the network (not reachable here): opt out.
os.environ.setdefault("WHYLOGS_NO_ANALYTICS", "True")
os.environ.setdefault("YDATA_PROFILING_NO_ANALYTICS", "True")


def _sql_literal(path: str) -> str:
    return "'" + path.replace("'", "''") + "'"


def duckdb_summarize_parquet(path: str) -> str:
    import duckdb

    sql = f"SELECT * FROM (SUMMARIZE SELECT * FROM read_parquet({_sql_literal(path)}))"
    rows = duckdb.sql(sql).fetchall()
    return f"{len(rows)} summary rows"


def duckdb_summarize_csv(path: str) -> str:
    import duckdb

    sql = f"SELECT * FROM (SUMMARIZE SELECT * FROM read_csv_auto({_sql_literal(path)}))"
    rows = duckdb.sql(sql).fetchall()
    return f"{len(rows)} summary rows"


def polars_describe_parquet(path: str) -> str:
    import polars as pl

    described = pl.read_parquet(path).describe()
    return f"describe {described.shape}"


def polars_describe_csv(path: str) -> str:
    import polars as pl

    described = pl.read_csv(path).describe()
    return f"describe {described.shape}"


def pyarrow_read_csv(path: str) -> str:
    import pyarrow.csv as pacsv

    table = pacsv.read_csv(path)  # multithreaded by default
    return f"table {table.num_rows} x {table.num_columns}"


def ydata_minimal(path: str) -> str:
    import warnings

    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # "import ydata_profiling" notice
        from ydata_profiling import ProfileReport

    df = pd.read_parquet(path)
    report = ProfileReport(df, minimal=True, progress_bar=False).to_json()
    return f"json {len(report)} chars"


def whylogs_profile(path: str) -> str:
    import numpy as np
    import pandas as pd

    if not hasattr(np, "unicode_"):
        # whylogs 1.6.4 (its last release) still names np.unicode_, removed in numpy 2.0,
        # when it types a non-object column such as datetime64; in numpy 1.x the name was an
        # alias of np.str_, so restoring the alias changes nothing else.
        np.unicode_ = np.str_  # type: ignore[attr-defined]
    import whylogs as why

    df = pd.read_parquet(path)
    summary = why.log(pandas=df).view().to_pandas()
    return f"summary {summary.shape}"


TASKS: dict[str, Callable[[str], str]] = {
    "duckdb-summarize-parquet": duckdb_summarize_parquet,
    "duckdb-summarize-csv": duckdb_summarize_csv,
    "polars-describe-parquet": polars_describe_parquet,
    "polars-describe-csv": polars_describe_csv,
    "pyarrow-read-csv": pyarrow_read_csv,
    "ydata-minimal": ydata_minimal,
    "whylogs-profile": whylogs_profile,
}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in TASKS:
        print(f"usage: peer_tasks.py {{{','.join(TASKS)}}} PATH", file=sys.stderr)
        return 2
    print(TASKS[argv[0]](argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
