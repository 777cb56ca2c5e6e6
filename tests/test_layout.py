"""Dataset discovery and split inference (real folders in tmp_path)."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from datacard.errors import SourceError, UsageError
from datacard.layout import detect_format, discover, split_from_name
from datacard.readers.arrow import ArrowReader


def touch(root: Path, *rels: str, text: str = "a\n1\n") -> None:
    for rel in rels:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def splits_of(layout: object) -> dict[str, str]:
    return {f.rel: f.split for f in layout.files}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a.parquet", ("parquet", None)),
        ("a.PQ", ("parquet", None)),
        ("a.csv.gz", ("csv", "gzip")),
        ("a.tsv.bz2", ("tsv", "bz2")),
        ("a.jsonl.zst", ("jsonl", "zstd")),
        ("a.ndjson", ("jsonl", None)),
        ("a.feather", ("arrow", None)),
        ("a.parquet.gz", None),
        ("a.txt", None),
        ("README.md", None),
        (".csv", None),
    ],
)
def test_detect_format(name: str, expected: tuple[str, str | None] | None) -> None:
    assert detect_format(name) == expected


@pytest.mark.parametrize(
    ("name", "split"),
    [
        ("train-00000-of-00004.parquet", "train"),
        ("imdb_test.csv.gz", "test"),
        ("Valid.jsonl", "validation"),
        ("x.dev.tsv", "validation"),
        ("mytrain.csv", None),
        ("training.csv", None),
        ("train_test.csv", None),
    ],
)
def test_split_from_name(name: str, split: str | None) -> None:
    assert split_from_name(name) == split


def test_split_folders_at_any_depth_are_normalised(tmp_path: Path) -> None:
    touch(tmp_path, "train/a.csv", "data/valid/b.csv", "dev/c.csv", "Test/sub/d.jsonl")
    layout = discover(tmp_path)
    assert layout.splits_from == "folders"
    assert splits_of(layout) == {
        "train/a.csv": "train",
        "data/valid/b.csv": "validation",
        "dev/c.csv": "validation",
        "Test/sub/d.jsonl": "test",
    }
    assert [f.rel for f in layout.files] == [
        "Test/sub/d.jsonl",
        "train/a.csv",
        "data/valid/b.csv",
        "dev/c.csv",
    ]
    assert layout.root == str(tmp_path)
    assert all(Path(f.path).is_file() and Path(f.path).is_absolute() for f in layout.files)
    assert layout.splits == ("test", "train", "validation")


def test_split_from_file_names(tmp_path: Path) -> None:
    touch(tmp_path, "data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet")
    touch(tmp_path, "data/test-00000-of-00001.parquet", "imdb_val.csv.gz")
    layout = discover(tmp_path)
    assert layout.splits_from == "file names"
    assert splits_of(layout)["imdb_val.csv.gz"] == "validation"
    assert [f.split for f in layout.files] == ["test", "train", "train", "validation"]
    assert layout.files[-1].compression == "gzip"


def test_file_without_a_split_is_skipped_with_a_reason(tmp_path: Path) -> None:
    touch(tmp_path, "train.csv", "test.csv", "sample_submission.csv")
    layout = discover(tmp_path)
    assert splits_of(layout) == {"train.csv": "train", "test.csv": "test"}
    assert [rel for rel, _ in layout.skipped] == ["sample_submission.csv"]
    assert "--split" in layout.skipped[0][1]


def test_no_recognisable_layout_is_one_train_split(tmp_path: Path) -> None:
    touch(tmp_path, "a.csv", "more/b.jsonl")
    layout = discover(tmp_path)
    assert layout.splits_from == "default"
    assert splits_of(layout) == {"a.csv": "train", "more/b.jsonl": "train"}


def test_single_file_root(tmp_path: Path) -> None:
    touch(tmp_path, "test.csv", "other.csv")
    layout = discover(tmp_path / "test.csv")
    assert layout.splits_from == "single file"
    assert layout.root == str(tmp_path)
    assert [(f.rel, f.split, f.format) for f in layout.files] == [("test.csv", "train", "csv")]


def test_single_file_that_is_not_data(tmp_path: Path) -> None:
    touch(tmp_path, "notes.txt")
    with pytest.raises(SourceError, match=r"notes\.txt"):
        discover(tmp_path / "notes.txt")


def test_missing_root(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file"):
        discover(tmp_path / "nope")


def test_split_globs(tmp_path: Path) -> None:
    touch(tmp_path, "a/x1.csv", "a/x2.csv", "b/y.csv", "c/z.csv")
    layout = discover(tmp_path, {"fit": ["a/*.csv"], "holdout": ["./b/", "nothing/*"]})
    assert layout.splits_from == "--split"
    assert splits_of(layout) == {"a/x1.csv": "fit", "a/x2.csv": "fit", "b/y.csv": "holdout"}
    assert layout.skipped == (("c/z.csv", "matched by no --split glob"),)


def test_split_globs_overlapping_is_a_usage_error(tmp_path: Path) -> None:
    touch(tmp_path, "a/x.csv", "a/y.csv")
    with pytest.raises(UsageError, match=r"a/x\.csv.*both.*one.*two"):
        discover(tmp_path, {"one": ["a/*"], "two": ["*/x.csv"]})


def test_split_glob_matching_nothing_is_a_usage_error(tmp_path: Path) -> None:
    touch(tmp_path, "a/x.csv")
    with pytest.raises(UsageError, match=r"test=b/\*\.csv matches no data file"):
        discover(tmp_path, {"train": ["a/*"], "test": ["b/*.csv"]})


def test_ignored_and_hidden_files(tmp_path: Path) -> None:
    touch(tmp_path, "a.csv", "README.md", "LICENSE", "datacard.yaml", ".hidden.csv")
    touch(tmp_path, ".datacard/profile.parquet", ".git/x.csv", "notes.txt", "x.parquet.gz")
    layout = discover(tmp_path)
    assert [f.rel for f in layout.files] == ["a.csv"]
    assert [rel for rel, _ in layout.skipped] == ["x.parquet.gz"]  # unsupported, said once


def test_empty_dataset_lists_the_suffixes(tmp_path: Path) -> None:
    touch(tmp_path, "README.md")
    with pytest.raises(SourceError, match=r"no data files found.*\.jsonl.*\.parquet.*\.gz"):
        discover(tmp_path)


def test_symlink_leaving_the_root_is_skipped(tmp_path: Path) -> None:
    outside, root = tmp_path / "outside", tmp_path / "root"
    touch(outside, "secret.csv", "dir/more.csv")
    touch(root, "train/a.csv")
    (root / "train" / "b.csv").symlink_to(outside / "secret.csv")
    (root / "linked").symlink_to(outside / "dir")
    (root / "up.csv").symlink_to("../outside/secret.csv")
    layout = discover(root)
    assert [f.rel for f in layout.files] == ["train/a.csv"]
    reasons = dict(layout.skipped)
    assert set(reasons) == {"train/b.csv", "linked", "up.csv"}
    assert all("outside the dataset root" in r for r in reasons.values())


def test_symlinks_inside_the_root_are_followed_once(tmp_path: Path) -> None:
    touch(tmp_path, "real/train/a.csv", "real/test/b.csv")
    (tmp_path / "alias").symlink_to(tmp_path / "real")  # same folder twice
    (tmp_path / "real" / "loop").symlink_to(tmp_path / "real")  # a loop
    (tmp_path / "c.csv").symlink_to(tmp_path / "real" / "test" / "b.csv")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "train").symlink_to(tmp_path / "real" / "train")
    layout = discover(tmp_path)
    assert [f.rel for f in layout.files] == ["real/test/b.csv", "real/train/a.csv"]
    skipped = dict(layout.skipped)
    assert skipped["c.csv"] == "same file as real/test/b.csv"
    assert "already read" in skipped["alias"] and "already read" in skipped["real/loop"]


def test_symlinked_folder_inside_the_root_is_read(tmp_path: Path) -> None:
    touch(tmp_path, ".store/v2/x.csv", ".store/v1/y.csv")
    (tmp_path / "test").symlink_to(tmp_path / ".store" / "v2")
    (tmp_path / "train").symlink_to(".store/v1")
    layout = discover(tmp_path)
    assert [(f.rel, f.split) for f in layout.files] == [
        ("test/x.csv", "test"),
        ("train/y.csv", "train"),
    ]
    assert layout.files[0].path == str(tmp_path / "test" / "x.csv")


def test_dangling_symlink_is_skipped(tmp_path: Path) -> None:
    touch(tmp_path, "a.csv")
    (tmp_path / "gone.csv").symlink_to(tmp_path / "missing.csv")
    layout = discover(tmp_path)
    assert [f.rel for f in layout.files] == ["a.csv"]
    assert layout.skipped == (("gone.csv", "broken symlink (its target does not exist)"),)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_unlistable_folder_is_skipped(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root can list any folder")
    touch(tmp_path, "a.csv", "locked/b.csv")
    (tmp_path / "locked").chmod(0)
    try:
        layout = discover(tmp_path)
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert dict(layout.skipped)["locked"].startswith("cannot list folder")


def test_hf_save_to_disk_dataset_dict(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    train = datasets.Dataset.from_dict({"x": [1, 2, 3]})
    test = datasets.Dataset.from_dict({"x": [4]})
    datasets.DatasetDict({"train": train, "test": test}).save_to_disk(str(tmp_path / "hf"))
    layout = discover(tmp_path / "hf")
    assert layout.splits_from == "hf save_to_disk"
    assert [(f.rel, f.split, f.format) for f in layout.files] == [
        ("test/data-00000-of-00001.arrow", "test", "arrow"),
        ("train/data-00000-of-00001.arrow", "train", "arrow"),
    ]
    reader = ArrowReader()
    rows = [
        sum(b.num_rows for p in reader.partitions(f) for b in reader.batches(p))
        for f in layout.files
    ]
    assert rows == [1, 3]


def test_hf_save_to_disk_single_dataset(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    ds = datasets.Dataset.from_dict({"x": ["a", "b"]}, split="validation")
    ds.save_to_disk(str(tmp_path))
    layout = discover(tmp_path)
    assert layout.splits_from == "hf save_to_disk"
    assert [f.split for f in layout.files] == ["validation"]
    info = ArrowReader().inspect(layout.files[0])
    assert info.schema.names == ["x"] and info.rows is None  # a stream does not record rows


def test_parquet_layout_end_to_end(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    pq.write_table(pa.table({"x": [1]}), tmp_path / "data" / "train-00000-of-00001.parquet")
    layout = discover(str(tmp_path))
    assert layout.files[0].format == "parquet" and layout.files[0].split == "train"
