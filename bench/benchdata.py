"""The benchmark datasets' names and places, without heavy imports.

bench/run.py imports this module instead of generate.py: a child process's peak RSS
(os.wait4 ru_maxrss) starts from the parent's own peak, so the harness stays small and
leaves numpy and pyarrow to generate.py, which it runs as a subprocess.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_DATA_DIR = BENCH_DIR / "data"
ROW_GROUP_SIZE = 131_072  # 2**17 rows per Parquet row group: 8 row groups in the 1M file
ROWS_1M = 1_000_000
ROWS_10M = 10_000_000


@dataclass(frozen=True)
class Dataset:
    """One benchmark dataset: a single file alone in its own folder."""

    key: str
    folder: str
    filename: str
    rows: int
    fmt: str  # "parquet" or "csv"

    def path(self, data_dir: Path = DEFAULT_DATA_DIR) -> Path:
        return data_dir / self.folder / self.filename

    def directory(self, data_dir: Path = DEFAULT_DATA_DIR) -> Path:
        return data_dir / self.folder


DATASETS: tuple[Dataset, ...] = (
    Dataset("pq1m", "pq1m", "wide_1m.parquet", ROWS_1M, "parquet"),
    Dataset("csv1m", "csv1m", "wide_1m.csv", ROWS_1M, "csv"),
    Dataset("pq10m", "pq10m", "long_10m.parquet", ROWS_10M, "parquet"),
)
DATASETS_BY_KEY: dict[str, Dataset] = {d.key: d for d in DATASETS}


def load_bench_run() -> ModuleType:
    """bench/run.py as the module ``bench_run`` (its measuring helpers and replace_section),
    for the scripts in bench/*/ that are all named run.py (a plain import would find
    themselves)."""
    if "bench_run" in sys.modules:
        return sys.modules["bench_run"]
    spec = importlib.util.spec_from_file_location("bench_run", BENCH_DIR / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module
