"""Data for the drift benchmark (bench/drift/run.py): a reference table, a current table with
planted shifts, and two disjoint random halves of the reference (the null case).

Writes, under bench/data/drift/<tag>/ (git-ignored; tag "1m" or, with --rows, e.g. "100k"),
one file per folder, because datacard measures a folder:

- reference/data.parquet    the living-card benchmark's table (bench/data/pq1m, made by
                            bench/generate.py if missing; its first ROWS rows) plus the planted
                            columns, unshifted
- current/data.parquet      ROWS fresh rows of the same generator (generate.make_chunk with
                            another seed) plus the planted columns, shifted
- current_card/data.parquet a hard link to current/data.parquet, for a card of its own (the
                            sketch-vs-sketch comparison; current/ must stay without a card,
                            else `datacard drift` would read the card instead of the data)
- null_a/data.parquet, null_b/data.parquet   two disjoint random halves of reference/
- truth.json                what was planted where, and its exact effect on the written rows

Every planted column is its own copy of a base column, with its rows in a random order of its
own (so planted columns are not copies of one another, and each side's copy is independent of
the other side's): one reference/current pair gives one detection per planted shift.

- x_mean_005, x_mean_01, x_mean_025, x_mean_05, x_mean_1: copies of f4 (N(1000, 250), 5 %
  nulls); the current copy + 0.05, 0.1, 0.25, 0.5, 1 × 250 (the generator's σ)
- x_var2: a copy of f0 (N(0, 1), 5 % nulls); the current copy × √2 (variance doubled, mean 0)
- cat_2pct, cat_5pct, cat_10pct, cat_30pct: copies of c1 (12 categories, lang_00 ≈ 35.5 %);
  in the current copy p % of all rows, drawn among the lang_00 rows, become lang_01: lang_00
  loses and lang_01 gains p percentage points (shares of non-null values; c1 has no nulls)
- cat_new: a copy of c1; in the current copy 2 % of all rows, drawn at random, become
  "lang_new", a value absent from the reference
- x_missing15: a copy of f1 (lognormal, 5 % nulls); in the current copy more values are set to
  null, to exactly 15 % of rows

Run: .venv/bin/python bench/drift/drift_data.py [--rows N] [--facts]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

DRIFT_DIR = Path(__file__).resolve().parent
BENCH_DIR = DRIFT_DIR.parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

import benchdata  # noqa: E402
import generate as base_generate  # noqa: E402  (bench/generate.py)

DATA_ROOT = benchdata.DEFAULT_DATA_DIR / "drift"
FILE_NAME = "data.parquet"  # no split word in it: every folder is one "train" split
ROWS_FULL = benchdata.ROWS_1M
SEED_CURRENT = base_generate.SEED + 1  # the current table's base rows
SEED_PLANT = 5  # row orders and planted changes
SEED_HALVES = 6  # the null case's split into halves
FORMAT_VERSION = 1  # bump when the planted columns change: old files are then remade

SIGMA_F4 = 250.0  # f4 ~ N(1000, 250): the generator's σ, in which mean shifts are planted
CAT_FROM, CAT_TO, CAT_NEW = "lang_00", "lang_01", "lang_new"
NEW_SHARE = 0.02
MISSING_TO = 0.15


@dataclass(frozen=True)
class Plant:
    """One planted change: its column, the base column it copies, and what is done to it."""

    column: str
    source: str
    kind: str  # mean | variance | share | new | missing
    size: float  # σ for mean, variance ratio, share points (0..1), new share, missing rate
    label: str  # how the report names the shift
    required: bool  # the target: every shift of ≥ 0.1σ or ≥ 5 % must be flagged


PLANTS: tuple[Plant, ...] = (
    Plant("x_mean_005", "f4", "mean", 0.05, "mean shift 0.05σ", False),
    Plant("x_mean_01", "f4", "mean", 0.1, "mean shift 0.1σ", True),
    Plant("x_mean_025", "f4", "mean", 0.25, "mean shift 0.25σ", True),
    Plant("x_mean_05", "f4", "mean", 0.5, "mean shift 0.5σ", True),
    Plant("x_mean_1", "f4", "mean", 1.0, "mean shift 1σ", True),
    Plant("x_var2", "f0", "variance", 2.0, "variance doubled", True),
    Plant("cat_2pct", "c1", "share", 0.02, "category share ±2 points", False),
    Plant("cat_5pct", "c1", "share", 0.05, "category share ±5 points", True),
    Plant("cat_10pct", "c1", "share", 0.10, "category share ±10 points", True),
    Plant("cat_30pct", "c1", "share", 0.30, "category share ±30 points", True),
    Plant("cat_new", "c1", "new", NEW_SHARE, "new category (2 % of rows)", True),
    Plant("x_missing15", "f1", "missing", MISSING_TO, "missing 5 % → 15 %", True),
)


def tag_for(rows: int) -> str:
    if rows % 1_000_000 == 0:
        return f"{rows // 1_000_000}m"
    if rows % 1000 == 0:
        return f"{rows // 1000}k"
    return str(rows)


@dataclass(frozen=True)
class Paths:
    root: Path

    @property
    def reference(self) -> Path:
        return self.root / "reference"

    @property
    def current(self) -> Path:
        return self.root / "current"

    @property
    def current_card(self) -> Path:
        return self.root / "current_card"

    @property
    def null_a(self) -> Path:
        return self.root / "null_a"

    @property
    def null_b(self) -> Path:
        return self.root / "null_b"

    @property
    def truth(self) -> Path:
        return self.root / "truth.json"

    def file(self, folder: Path) -> Path:
        return folder / FILE_NAME

    def folders(self) -> tuple[Path, ...]:
        return (self.reference, self.current, self.current_card, self.null_a, self.null_b)


def paths_for(rows: int, data_root: Path = DATA_ROOT) -> Paths:
    return Paths(data_root / tag_for(rows))


# --------------------------------------------------------------------------- planting


def _shuffled(column: pa.ChunkedArray | pa.Array, rng: np.random.Generator) -> pa.Array:
    """The column's values (nulls included) in a random order."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    return array.take(pa.array(rng.permutation(len(array))))


def _float_values(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(values with nulls as 0.0, null mask) of a float64 array."""
    mask = np.asarray(array.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    values = np.asarray(array.fill_null(0.0).to_numpy(zero_copy_only=False), dtype=np.float64)
    return values, mask


def _plant(plant: Plant, array: pa.Array, rng: np.random.Generator) -> pa.Array:
    """The current table's copy of a planted column, with the change applied."""
    n = len(array)
    if plant.kind in ("mean", "variance", "missing"):
        values, mask = _float_values(array)
        if plant.kind == "mean":
            values = values + plant.size * SIGMA_F4
        elif plant.kind == "variance":
            values = values * math.sqrt(plant.size)  # f0 has mean 0: only the spread changes
        else:
            want = round(plant.size * n) - int(mask.sum())
            present = np.flatnonzero(~mask)
            mask = mask.copy()
            mask[rng.choice(present, size=want, replace=False)] = True
        return pa.array(values, type=pa.float64(), mask=mask)
    values_obj = np.asarray(array.to_numpy(zero_copy_only=False), dtype=object)
    if plant.kind == "share":
        donors = np.flatnonzero(values_obj == CAT_FROM)
        moved = round(plant.size * n)
        if moved > len(donors):
            raise ValueError(f"{plant.column}: {CAT_FROM} has {len(donors)} rows, need {moved}")
        values_obj[rng.choice(donors, size=moved, replace=False)] = CAT_TO
    else:  # new
        values_obj[rng.choice(n, size=round(plant.size * n), replace=False)] = CAT_NEW
    return pa.array(values_obj, type=pa.string())


def _numeric_effect(ref: pa.Array, cur: pa.Array) -> dict[str, float]:
    r = ref.drop_null().to_numpy(zero_copy_only=False)
    c = cur.drop_null().to_numpy(zero_copy_only=False)
    std = float(np.std(r, ddof=1))
    return {
        "mean_shift_sigma": (float(np.mean(c)) - float(np.mean(r))) / std,
        "std_ratio": float(np.std(c, ddof=1)) / std,
        "missing_reference": ref.null_count / len(ref),
        "missing_current": cur.null_count / len(cur),
    }


def _shares(array: pa.Array) -> dict[str, float]:
    counts = pc.value_counts(array.drop_null())
    total = len(array) - array.null_count
    return {
        str(v["values"]): int(v["counts"].as_py()) / total
        for v in (counts[i] for i in range(len(counts)))
    }


def _categorical_effect(ref: pa.Array, cur: pa.Array) -> dict[str, Any]:
    a, b = _shares(ref), _shares(cur)
    keys = sorted(set(a) | set(b))
    diffs = {k: b.get(k, 0.0) - a.get(k, 0.0) for k in keys}
    top = max(diffs, key=lambda k: abs(diffs[k]))
    return {
        "max_share_change": abs(diffs[top]),
        "max_share_change_value": top,
        "new_values": [k for k in keys if k not in a],
        "new_share": sum(b[k] for k in keys if k not in a),
        f"share_{CAT_FROM}": [a.get(CAT_FROM, 0.0), b.get(CAT_FROM, 0.0)],
        f"share_{CAT_TO}": [a.get(CAT_TO, 0.0), b.get(CAT_TO, 0.0)],
    }


def build(rows: int) -> tuple[pa.Table, pa.Table, dict[str, Any]]:
    """(reference, current, truth) with every planted column appended to both tables."""
    source = base_generate.ensure(benchdata.DATASETS_BY_KEY["pq1m"], quiet=True)
    reference = pq.read_table(source)
    if rows > reference.num_rows:
        raise ValueError(f"at most {reference.num_rows:,} rows (the pq1m table)")
    reference = reference.slice(0, rows)
    current = base_generate.make_chunk(np.random.default_rng(SEED_CURRENT), rows, 0)
    rng = np.random.default_rng(SEED_PLANT)
    effects: dict[str, Any] = {}
    for plant in PLANTS:
        ref_col = _shuffled(reference[plant.source], rng)
        cur_col = _plant(plant, _shuffled(current[plant.source], rng), rng)
        reference = reference.append_column(plant.column, ref_col)
        current = current.append_column(plant.column, cur_col)
        if plant.kind in ("share", "new"):
            effects[plant.column] = _categorical_effect(ref_col, cur_col)
        else:
            effects[plant.column] = _numeric_effect(ref_col, cur_col)
    truth = {
        "format": FORMAT_VERSION,
        "rows": rows,
        "seeds": {"current": SEED_CURRENT, "plant": SEED_PLANT, "halves": SEED_HALVES},
        "base_columns": [n for n in reference.column_names if n not in {p.column for p in PLANTS}],
        "plants": [asdict(p) | {"effect": effects[p.column]} for p in PLANTS],
    }
    return reference, current, truth


def _write(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp, row_group_size=benchdata.ROW_GROUP_SIZE)
    tmp.replace(path)


def _up_to_date(paths: Paths, rows: int) -> bool:
    try:
        truth = json.loads(paths.truth.read_text())
    except (OSError, ValueError):
        return False
    if truth.get("format") != FORMAT_VERSION or truth.get("rows") != rows:
        return False
    expected = {
        paths.reference: rows,
        paths.current: rows,
        paths.current_card: rows,
        paths.null_a: rows // 2,
        paths.null_b: rows - rows // 2,
    }
    return all(base_generate.parquet_rows(paths.file(d)) == n for d, n in expected.items())


def ensure(rows: int = ROWS_FULL, data_root: Path = DATA_ROOT, *, quiet: bool = False) -> Paths:
    """Write the drift data for ``rows`` rows a side unless it is already there."""
    paths = paths_for(rows, data_root)
    if _up_to_date(paths, rows):
        if not quiet:
            print(f"kept      {paths.root} ({rows:,} rows a side)")
        return paths
    start = time.perf_counter()
    paths.truth.unlink(missing_ok=True)
    for folder in paths.folders():  # cards of an older version of the data go too
        (folder / "datacard.yaml").unlink(missing_ok=True)
        if (folder / ".datacard").is_dir():
            for f in (folder / ".datacard").iterdir():
                f.unlink()
            (folder / ".datacard").rmdir()
    reference, current, truth = build(rows)
    _write(reference, paths.file(paths.reference))
    _write(current, paths.file(paths.current))
    paths.current_card.mkdir(parents=True, exist_ok=True)
    linked = paths.file(paths.current_card)
    linked.unlink(missing_ok=True)
    os.link(paths.file(paths.current), linked)
    order = np.random.default_rng(SEED_HALVES).permutation(rows)
    half = rows // 2
    _write(reference.take(pa.array(np.sort(order[:half]))), paths.file(paths.null_a))
    _write(reference.take(pa.array(np.sort(order[half:]))), paths.file(paths.null_b))
    paths.truth.write_text(json.dumps(truth, indent=2) + "\n")
    if not quiet:
        elapsed = time.perf_counter() - start
        print(f"generated {paths.root} ({rows:,} rows a side, {elapsed:.1f} s)")
    return paths


def facts(paths: Paths) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for folder in paths.folders():
        path = paths.file(folder)
        if path.exists():
            meta = pq.ParquetFile(path).metadata
            out[folder.name] = {
                "path": str(path),
                "rows": meta.num_rows,
                "columns": meta.num_columns,
                "size_mb": round(path.stat().st_size / 2**20, 1),
                "row_groups": meta.num_row_groups,
            }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS_FULL, help="rows a side")
    parser.add_argument("--data-root", type=Path, default=DATA_ROOT)
    parser.add_argument("--facts", action="store_true", help="print file facts as JSON")
    args = parser.parse_args(argv)
    if args.facts:
        print(json.dumps(facts(paths_for(args.rows, args.data_root))))
        return 0
    ensure(args.rows, args.data_root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
