"""The Python API: datacard.profile() on in-memory objects and saved Hugging Face datasets."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as pads
import pytest

import datacard


def test_pandas_dataframe() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"x": [1.5, None, 3.0], "s": ["a", "b", "a"]})
    split = datacard.profile(frame).measured().splits["train"]
    assert split.rows == 3
    assert split.columns["x"].nulls == 1
    assert split.columns["s"].top is not None and split.columns["s"].top[0].value == "a"


def test_polars_dataframe() -> None:
    pl = pytest.importorskip("polars")
    frame = pl.DataFrame({"n": [1, 2, 2, 3]})
    split = datacard.profile(frame).measured().splits["train"]
    assert (split.rows, split.duplicate_rows, split.columns["n"].distinct) == (4, 1, 3)


def test_pyarrow_dataset(tmp_path: Path) -> None:
    table = pa.table({"k": list(range(10))})
    pads.write_dataset(table, tmp_path / "ds", format="parquet")
    split = datacard.profile(pads.dataset(tmp_path / "ds")).measured().splits["train"]
    assert split.rows == 10 and split.columns["k"].max == 9


def test_hf_dataset_dict_in_memory_and_saved(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    dd = datasets.DatasetDict(
        {
            "train": datasets.Dataset.from_dict({"text": ["a b", "c"], "label": [0, 1]}),
            "test": datasets.Dataset.from_dict({"text": ["d"], "label": [1]}),
        }
    )
    in_memory = datacard.profile(dd).measured()
    assert {k: v.rows for k, v in in_memory.splits.items()} == {"train": 2, "test": 1}
    dd.save_to_disk(str(tmp_path / "saved"))
    saved = datacard.profile(tmp_path / "saved").measured()
    assert saved.splits_from == "hf save_to_disk"
    assert {k: v.rows for k, v in saved.splits.items()} == {"train": 2, "test": 1}
    tokens = saved.splits["train"].columns["text"].tokens
    assert tokens is not None and tokens.total == 3


def test_unknown_object_is_a_usage_error() -> None:
    with pytest.raises(datacard.UsageError):
        datacard.profile(object())
