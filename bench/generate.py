"""Deterministic benchmark data for bench/run.py.

Writes, under bench/data/ (git-ignored), one folder per dataset because datacard measures a
folder:

- pq1m/wide_1m.parquet   1,000,000 rows x 20 columns
- csv1m/wide_1m.csv      the same rows as CSV
- pq10m/long_10m.parquet 10,000,000 rows, same schema, written chunk by chunk

Every value comes from a numpy Generator seeded with SEED, so two runs write the same rows.
A file that already exists with the right row count is kept.

Run: .venv/bin/python bench/generate.py [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from benchdata import DATASETS, DEFAULT_DATA_DIR, ROW_GROUP_SIZE, Dataset

SEED = 20240601
CHUNK_ROWS = ROW_GROUP_SIZE * 8  # 1,048,576: a multiple of the row group size
NULL_FRACTION = 0.05

# 2022-01-01T00:00:00Z in microseconds, and two years of microseconds after it.
T0_START_US = 1_640_995_200_000_000
T0_SPAN_US = 2 * 365 * 86_400 * 1_000_000

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)

# (column, number of categories, skew exponent): category k has weight 1 / (k + 1) ** skew.
_CATEGORICAL: tuple[tuple[str, int, float], ...] = (
    ("c0", 3, 1.0),
    ("c1", 12, 1.1),
    ("c2", 50, 1.2),
    ("c3", 200, 1.3),
)
_CATEGORY_NAMES: dict[str, list[str]] = {
    "c0": ["train", "validation", "test"],
    "c1": [f"lang_{k:02d}" for k in range(12)],
    "c2": [f"topic_{k:02d}" for k in range(50)],
    "c3": [f"source_{k:03d}" for k in range(200)],
}

SCHEMA = pa.schema(
    [*(pa.field(f"f{k}", pa.float64()) for k in range(8))]
    + [pa.field(f"i{k}", pa.int64()) for k in range(4)]
    + [pa.field(name, pa.string()) for name, _, _ in _CATEGORICAL]
    + [
        pa.field("id0", pa.string()),
        pa.field("id1", pa.string()),
        pa.field("b0", pa.bool_()),
        pa.field("t0", pa.timestamp("us")),
    ]
)


def _with_nulls(rng: np.random.Generator, values: np.ndarray) -> pa.Array:
    mask = rng.random(values.shape[0]) < NULL_FRACTION
    return pa.array(values, type=pa.float64(), mask=mask)


def _categorical(
    rng: np.random.Generator, name: str, n_categories: int, skew: float, n: int
) -> pa.Array:
    weights = 1.0 / np.arange(1, n_categories + 1, dtype=np.float64) ** skew
    codes = rng.choice(n_categories, size=n, p=weights / weights.sum()).astype(np.int32)
    return pc.take(pa.array(_CATEGORY_NAMES[name], type=pa.string()), pa.array(codes))


def _hex_ids(rng: np.random.Generator, n: int) -> pa.Array:
    """uuid-like ids: 32 lower-case hex digits from 16 random bytes, without Python strings."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    chars = np.empty((n, 32), dtype=np.uint8)
    chars[:, 0::2] = _HEX[raw >> 4]
    chars[:, 1::2] = _HEX[raw & 0x0F]
    offsets = np.arange(0, 32 * (n + 1), 32, dtype=np.int32)
    return pa.Array.from_buffers(
        pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(chars.tobytes())]
    )


def _user_ids(rng: np.random.Generator, n: int) -> pa.Array:
    """Ids like "user_123456" drawn from ten million users: mostly distinct."""
    numbers = pc.cast(pa.array(rng.integers(0, 10_000_000, size=n, dtype=np.int64)), pa.string())
    return pc.binary_join_element_wise("user_", numbers, "")


def make_chunk(rng: np.random.Generator, n: int, row_offset: int) -> pa.Table:
    """n rows of the benchmark schema; row_offset feeds the counter-like column i2."""
    floats = [
        rng.normal(0.0, 1.0, n),  # f0: standard normal
        rng.lognormal(3.0, 1.0, n),  # f1: lognormal, long right tail
        rng.uniform(-100.0, 100.0, n),  # f2: uniform
        rng.exponential(2.5, n),  # f3: exponential
        rng.normal(1_000.0, 250.0, n),  # f4: normal, shifted and scaled
        rng.lognormal(0.0, 2.0, n),  # f5: heavy lognormal
        rng.uniform(0.0, 1.0, n),  # f6: unit uniform (probability-like)
        rng.exponential(1_000.0, n),  # f7: exponential, large scale
    ]
    columns: list[pa.Array] = [_with_nulls(rng, values) for values in floats]
    columns += [
        pa.array(rng.integers(0, 10, n, dtype=np.int64)),  # i0: small range
        pa.array(rng.integers(-(2**40), 2**40, n, dtype=np.int64)),  # i1: large range
        pa.array(np.arange(row_offset, row_offset + n, dtype=np.int64)),  # i2: counter-like
        pa.array(np.minimum(rng.zipf(1.6, n), 1_000_000_000).astype(np.int64)),  # i3: zipf-ish
    ]
    columns += [_categorical(rng, name, k, skew, n) for name, k, skew in _CATEGORICAL]
    columns.append(_hex_ids(rng, n))
    columns.append(_user_ids(rng, n))
    columns.append(pa.array(rng.random(n) < 0.3))
    t0 = T0_START_US + rng.integers(0, T0_SPAN_US, n, dtype=np.int64)
    columns.append(pa.array(t0, type=pa.timestamp("us")))
    return pa.Table.from_arrays(columns, schema=SCHEMA)


def iter_chunks(total_rows: int, chunk_rows: int = CHUNK_ROWS) -> Iterator[pa.Table]:
    """The rows of a dataset in chunks; chunk i gets child seed i of SEED, so the rows do not
    depend on anything but total_rows and chunk_rows."""
    children = np.random.SeedSequence(SEED).spawn((total_rows + chunk_rows - 1) // chunk_rows)
    offset = 0
    for seed in children:
        n = min(chunk_rows, total_rows - offset)
        yield make_chunk(np.random.default_rng(seed), n, offset)
        offset += n


def parquet_rows(path: Path) -> int | None:
    try:
        return int(pq.ParquetFile(path).metadata.num_rows)
    except (OSError, pa.ArrowInvalid):
        return None


def csv_rows(path: Path) -> int | None:
    """Data rows in a CSV without quoted newlines: newline count minus the header line."""
    try:
        with path.open("rb") as handle:
            newlines = sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 24), b""))
    except OSError:
        return None
    return newlines - 1


def row_count(dataset: Dataset, path: Path) -> int | None:
    if not path.exists():
        return None
    return parquet_rows(path) if dataset.fmt == "parquet" else csv_rows(path)


def _write(dataset: Dataset, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    if dataset.fmt == "parquet":
        # pyarrow defaults (snappy, dictionary encoding on) except the row group size.
        with pq.ParquetWriter(tmp, SCHEMA) as writer:
            for chunk in iter_chunks(dataset.rows):
                writer.write_table(chunk, row_group_size=ROW_GROUP_SIZE)
    else:
        # No quotes, like pandas: generated strings never hold a comma, quote or newline (pyarrow
        # raises if one did).
        options = pacsv.WriteOptions(quoting_style="none")
        with pacsv.CSVWriter(tmp, SCHEMA, write_options=options) as csv_writer:
            for chunk in iter_chunks(dataset.rows):
                csv_writer.write_table(chunk)
    tmp.replace(path)


def ensure(dataset: Dataset, data_dir: Path = DEFAULT_DATA_DIR, *, quiet: bool = False) -> Path:
    """Write the dataset unless a file with the right row count is already there."""
    path = dataset.path(data_dir)
    if row_count(dataset, path) == dataset.rows:
        if not quiet:
            print(f"kept      {path} ({dataset.rows:,} rows)")
        return path
    start = time.perf_counter()
    _write(dataset, path)
    written = row_count(dataset, path)
    if written != dataset.rows:
        raise RuntimeError(f"{path}: wrote {written} rows, expected {dataset.rows}")
    if not quiet:
        size_mb = path.stat().st_size / 2**20
        elapsed = time.perf_counter() - start
        print(f"generated {path} ({dataset.rows:,} rows, {size_mb:.0f} MiB, {elapsed:.1f} s)")
    return path


def ensure_all(
    data_dir: Path = DEFAULT_DATA_DIR, keys: tuple[str, ...] | None = None
) -> dict[str, Path]:
    return {d.key: ensure(d, data_dir) for d in DATASETS if keys is None or d.key in keys}


def facts(data_dir: Path = DEFAULT_DATA_DIR) -> dict[str, dict[str, object]]:
    """Size and layout of every dataset file that exists (for the results)."""
    out: dict[str, dict[str, object]] = {}
    for d in DATASETS:
        path = d.path(data_dir)
        if not path.exists():
            continue
        info: dict[str, object] = {
            "path": str(path),
            "rows": d.rows,
            "size_mb": round(path.stat().st_size / 2**20, 1),
        }
        if d.fmt == "parquet":
            meta = pq.ParquetFile(path).metadata
            info["row_groups"] = meta.num_row_groups
            info["row_group_rows"] = meta.row_group(0).num_rows
            info["row_group_uncompressed_mb"] = round(meta.row_group(0).total_byte_size / 2**20, 1)
        out[d.key] = info
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument(
        "--only", nargs="*", choices=[d.key for d in DATASETS], help="datasets to make"
    )
    parser.add_argument(
        "--facts",
        action="store_true",
        help="print the files' sizes and layout as JSON, write nothing",
    )
    args = parser.parse_args(argv)
    if args.facts:
        print(json.dumps(facts(args.data_dir)))
        return 0
    ensure_all(args.data_dir, tuple(args.only) if args.only else None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
