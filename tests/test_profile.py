"""profile(A ∪ B) == merge(profile(A), profile(B)), and the parallel path equals the serial one."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from datacard.measured import ColumnSummary
from datacard.profiling import Profile, profile

rows = st.lists(
    st.tuples(
        st.one_of(st.none(), st.integers(-1000, 1000)),
        st.one_of(
            st.none(),
            st.floats(-1e6, 1e6, allow_nan=False),
            st.sampled_from([math.nan, math.inf, -math.inf]),
        ),
        st.one_of(
            st.none(), st.sampled_from(["a", "b b", "ccc", "", "dd d d"]), st.text(max_size=8)
        ),
        st.one_of(st.none(), st.booleans()),
    ),
    min_size=1,
    max_size=60,
)
SCHEMA = pa.schema([("i", pa.int64()), ("f", pa.float64()), ("s", pa.string()), ("b", pa.bool_())])


def _table(data: list[tuple[Any, ...]]) -> pa.Table:
    return pa.table(
        [pa.array([r[k] for r in data], SCHEMA.field(k).type) for k in range(4)], SCHEMA
    )


EXACT = ("type", "kind", "count", "nulls", "nan", "posinf", "neginf", "min", "max", "distinct")


def _assert_same(a: ColumnSummary, b: ColumnSummary) -> None:
    for name in EXACT:
        assert getattr(a, name) == getattr(b, name), name
    for name in ("mean", "std", "skewness"):
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, float) and isinstance(y, float):
            assert math.isclose(x, y, rel_tol=1e-7, abs_tol=1e-6), name
        else:
            assert x == y, name
    assert a.quantiles == b.quantiles  # KLL is exact below k items
    assert a.length == b.length and a.tokens == b.tokens
    if a.top is not None and b.top is not None:
        assert {(t.value, t.count) for t in a.top} == {(t.value, t.count) for t in b.top}


@given(rows, rows)
def test_profile_of_union_equals_merge_of_profiles(a: list[Any], b: list[Any]) -> None:
    whole = profile(_table(a + b)).measured()
    merged = profile(_table(a)).merge(profile(_table(b))).measured()
    sw, sm = whole.splits["train"], merged.splits["train"]
    assert sw.rows == sm.rows == len(a) + len(b)
    assert sw.duplicate_rows == sm.duplicate_rows
    for name in SCHEMA.names:
        _assert_same(sw.columns[name], sm.columns[name])


@given(rows)
def test_merge_has_an_empty_unit_and_survives_the_sidecar(a: list[Any]) -> None:
    p = profile(_table(a))
    once = p.measured()
    assert Profile.empty().merge(p).measured() == once
    again = Profile.from_dict(json.loads(json.dumps(p.to_dict(), allow_nan=False)))
    restored = again.measured()
    assert restored.splits["train"].columns == once.splits["train"].columns
    assert restored.splits["train"].duplicate_rows == once.splits["train"].duplicate_rows


def test_counts_nan_inf_and_duplicates() -> None:
    table = pa.table(
        {
            "x": [1.0, math.nan, math.inf, -math.inf, None, 1.0],
            "y": ["a", "b", "c", "d", "e", "a"],
        }
    )
    m = profile(table).measured().splits["train"]
    x = m.columns["x"]
    assert (x.count, x.nulls, x.nan, x.posinf, x.neginf) == (5, 1, 1, 1, 1)
    assert (x.min, x.max, x.mean) == (1.0, 1.0, 1.0)
    assert m.duplicate_rows == 1


def _wide_parquet(path: Path, n: int) -> pa.Table:
    rng = np.random.default_rng(3)
    table = pa.table(
        {
            "f": rng.normal(size=n),
            "i": rng.integers(0, 50, n),
            "c": pa.array(rng.choice(["x", "y", "z"], n)),
            "id": pa.array([f"u{k}" for k in rng.integers(0, n // 2, n)]),
        }
    )
    pq.write_table(table, path, row_group_size=n // 8)
    return table


def test_parallel_workers_equal_serial(tmp_path: Path) -> None:
    _wide_parquet(tmp_path / "data.parquet", 40_000)
    serial = profile(tmp_path, workers=1).measured()
    parallel = profile(tmp_path, workers=2).measured()
    assert serial.files == parallel.files
    s, p = serial.splits["train"], parallel.splits["train"]
    assert (s.rows, s.duplicate_rows) == (p.rows, p.duplicate_rows)
    for name in s.columns:
        a, b = s.columns[name], p.columns[name]
        for field in EXACT:
            assert getattr(a, field) == getattr(b, field), (name, field)
        assert a.top == b.top


def test_single_row_group_is_split_by_columns_and_merges_back(tmp_path: Path) -> None:
    table = _wide_parquet(tmp_path / "one.parquet", 20_000)
    pq.write_table(table, tmp_path / "one.parquet")  # one row group: only columns can split
    serial = profile(tmp_path, workers=1).measured().splits["train"]
    parallel = profile(tmp_path, workers=2).measured().splits["train"]
    assert list(parallel.columns) == table.schema.names
    assert parallel.duplicate_rows == serial.duplicate_rows
    assert parallel.rows == serial.rows == 20_000
    assert parallel.columns["c"].top == serial.columns["c"].top


@pytest.mark.parametrize("label", ["c", None])
def test_label_balance_counts_every_class(tmp_path: Path, label: str | None) -> None:
    _wide_parquet(tmp_path / "d.parquet", 8_000)
    m = profile(tmp_path).measured(label=label).splits["train"]
    if label is None:
        assert m.label_balance is None
    else:
        assert m.label_balance is not None
        assert sum(t.count for t in m.label_balance) == 8_000
        assert {t.value for t in m.label_balance} == {"x", "y", "z"}


def test_profiling_files_never_imports_pandas(tmp_path: Path) -> None:
    """pyarrow's own conversions import pandas (~0.4 s); the file path must not pay it."""
    import subprocess
    import sys

    _wide_parquet(tmp_path / "a.parquet", 4_000)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "c.csv").write_text("x,s,t\n1,a b,true\n2,,false\n")
    code = (
        "import sys, datacard\n"
        f"datacard.profile({str(tmp_path / 'a.parquet')!r}, workers=1).measured()\n"
        f"datacard.profile({str(tmp_path / 'b')!r}, workers=1).measured()\n"
        "print('pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_histograms_of_small_integer_ranges_have_one_bin_per_value() -> None:
    column = profile(pa.table({"v": [0, 0, 1, 2, 5]})).measured().splits["train"].columns["v"]
    assert column.histogram is not None
    assert column.histogram.edges == [-0.5, 0.5, 1.5, 2.5, 3.5, 4.5, 5.5]
    assert column.histogram.counts == [2, 1, 1, 0, 0, 1]


def test_many_files_are_inspected_in_threads_and_errors_name_the_first_bad_file(
    tmp_path: Path,
) -> None:
    from datacard.errors import SourceError

    for k in range(12):
        pq.write_table(pa.table({"x": [k, k + 1]}), tmp_path / f"part-{k:02d}.parquet")
    assert profile(tmp_path, workers=1).splits["train"].rows == 24
    (tmp_path / "part-03.parquet").write_bytes(b"PAR1 not really")
    (tmp_path / "part-09.parquet").write_bytes(b"PAR1 not really either")
    with pytest.raises(SourceError) as failure:
        profile(tmp_path, workers=1)
    assert "part-03.parquet" in str(failure.value)


def test_label_balance_lists_every_class_beyond_the_top_ten(tmp_path: Path) -> None:
    from datacard.render.hf import class_names

    labels = [f"class-{k:03d}" for k in range(120) for _ in range(k % 5 + 1)]
    pq.write_table(pa.table({"x": list(range(len(labels))), "y": labels}), tmp_path / "d.parquet")
    measured = profile(tmp_path, workers=1).measured(label="y")
    balance = measured.splits["train"].label_balance
    assert balance is not None and len(balance) == 120
    assert sum(t.count for t in balance) == len(labels)
    assert len(measured.splits["train"].columns["y"].top or []) == 10  # top stays short
    assert class_names(measured, "y") == sorted(set(labels))
