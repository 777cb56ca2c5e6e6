"""Media layouts: class folders, split folders, metadata files, links; one collection per split."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from datacard.errors import SourceError
from datacard.layout import discover
from datacard.profiling import profile
from datacard.readers import reader_for


def png(path: Path, value: int = 0, size: tuple[int, int] = (8, 6)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (value, value, value)).save(path)
    return path


def rows(path: Path) -> dict[str, list[object]]:
    """The table of the only collection of a dataset (image column as paths)."""
    (file,) = [f for f in discover(path).files if f.collection is not None]
    reader = reader_for(file.format)
    batches = [b for p in reader.partitions(file) for b in reader.batches(p)]
    table = pa.Table.from_batches(batches)
    out = {name: table.column(name).to_pylist() for name in table.schema.names}
    out["image"] = [v["path"] for v in out["image"]]
    return out


def test_class_folders_in_split_folders(tmp_path: Path) -> None:
    for split in ("train", "test"):
        for cls in ("cat", "dog"):
            for i in range(2):
                png(tmp_path / split / cls / f"{i}.png", i)
    layout = discover(tmp_path)
    assert layout.splits_from == "folders"
    assert [(f.rel, f.split, f.format) for f in layout.files] == [
        ("test/", "test", "imagefolder"),
        ("train/", "train", "imagefolder"),
    ]
    train = layout.files_of("train")[0]
    assert train.collection is not None
    assert train.collection.members == (
        "train/cat/0.png",
        "train/cat/1.png",
        "train/dog/0.png",
        "train/dog/1.png",
    )
    assert train.collection.labels
    assert train.sources()[0] == str(tmp_path / "train/cat/0.png")


def test_class_folders_without_splits_are_train(tmp_path: Path) -> None:
    for cls in ("cat", "dog", "bird"):
        png(tmp_path / cls / "test_001.png")  # a split word in a file name is not a split
    layout = discover(tmp_path)
    assert [(f.rel, f.split) for f in layout.files] == [("./", "train")]
    assert layout.splits_from == "default"
    table = rows(tmp_path)
    assert table["label"] == ["bird", "cat", "dog"]
    assert table["image"] == ["bird/test_001.png", "cat/test_001.png", "dog/test_001.png"]


def test_split_folders_are_not_classes(tmp_path: Path) -> None:
    png(tmp_path / "train" / "a.png")
    png(tmp_path / "test" / "b.png")
    layout = discover(tmp_path)
    assert all(f.collection is not None and not f.collection.labels for f in layout.files)


def test_metadata_csv_columns_join_on_file_name(tmp_path: Path) -> None:
    for name in ("a.png", "b.png", "c.png"):
        png(tmp_path / "train" / name)
    (tmp_path / "train" / "metadata.csv").write_text(
        "file_name,caption,score\nb.png,a dog,2\na.png,a cat,1\nmissing.png,gone,3\n"
    )
    layout = discover(tmp_path)
    (file,) = layout.files  # metadata.csv is not a table of its own
    assert file.collection is not None
    assert file.collection.metadata == ("train/metadata.csv",)
    assert not file.collection.labels
    table = rows(tmp_path)
    assert table["caption"] == ["a cat", "a dog", None]
    assert table["score"] == [1, 2, None]
    info = reader_for("imagefolder").inspect(file)
    assert info.schema.names == ["image", "caption", "score"]
    assert str(info.schema.field("image").type.extension_name) == "datacard.image"
    assert any("missing.png" in w for w in info.warnings)


def test_metadata_jsonl_above_the_files(tmp_path: Path) -> None:
    png(tmp_path / "data" / "train" / "x.png")
    png(tmp_path / "data" / "test" / "y.png")
    lines = [{"file_name": "train/x.png", "text": "one"}, {"file_name": "test/y.png", "text": "2"}]
    (tmp_path / "data" / "metadata.jsonl").write_text("\n".join(json.dumps(x) for x in lines))
    layout = discover(tmp_path)
    assert [(f.rel, f.split) for f in layout.files] == [
        ("data/test/", "test"),
        ("data/train/", "train"),
    ]
    result = profile(tmp_path)
    top = result.splits["test"].columns["text"].summary().top
    assert top is not None and [t.value for t in top] == ["2"]


def test_metadata_parquet_and_a_name_clash(tmp_path: Path) -> None:
    png(tmp_path / "a.png")
    pq.write_table(
        pa.table({"file_name": ["a.png"], "image": ["photo"]}), tmp_path / "metadata.parquet"
    )
    info = reader_for("imagefolder").inspect(discover(tmp_path).files[0])
    assert info.schema.names == ["image", "image__2"]
    assert any("duplicate column 'image'" in w for w in info.warnings)
    assert rows(tmp_path)["image__2"] == ["photo"]


def test_metadata_without_file_name_is_one_line(tmp_path: Path) -> None:
    png(tmp_path / "a.png")
    (tmp_path / "metadata.csv").write_text("name,caption\na.png,x\n")
    with pytest.raises(SourceError, match=r"metadata.csv: no 'file_name' column"):
        profile(tmp_path)


def test_two_metadata_files_in_one_folder(tmp_path: Path) -> None:
    png(tmp_path / "a.png")
    (tmp_path / "metadata.csv").write_text("file_name,x\na.png,1\n")
    (tmp_path / "metadata.jsonl").write_text('{"file_name": "a.png", "x": 1}\n')
    with pytest.raises(SourceError, match="two metadata files in one folder"):
        discover(tmp_path)


def test_a_metadata_file_without_media_is_a_table(tmp_path: Path) -> None:
    (tmp_path / "metadata.csv").write_text("file_name,x\na.png,1\n")
    (file,) = discover(tmp_path).files
    assert (file.rel, file.format, file.collection) == ("metadata.csv", "csv", None)


def test_tables_and_images_side_by_side(tmp_path: Path) -> None:
    png(tmp_path / "train" / "img" / "a.png")
    (tmp_path / "train" / "extra.csv").write_text("x\n1\n")
    layout = discover(tmp_path)
    assert sorted((f.rel, f.format) for f in layout.files) == [
        ("train/extra.csv", "csv"),
        ("train/img/", "imagefolder"),
    ]


def test_split_globs_apply_to_media(tmp_path: Path) -> None:
    for name in ("a1.png", "a2.png", "b1.png"):
        png(tmp_path / "images" / name)
    layout = discover(tmp_path, {"train": ["images/a*"], "test": ["images/b*"]})
    assert [(f.rel, f.split, len(f.collection.members)) for f in layout.files if f.collection] == [
        ("images/@test", "test", 1),
        ("images/@train", "train", 2),
    ]


def test_a_single_image_file(tmp_path: Path) -> None:
    path = png(tmp_path / "one.png")
    (file,) = discover(path).files
    assert (file.rel, file.format, file.path) == ("./", "imagefolder", str(tmp_path))


def test_symlink_out_of_the_root_is_refused(tmp_path: Path) -> None:
    outside = png(tmp_path / "outside" / "secret.png", 200)
    root = tmp_path / "data"
    png(root / "cat" / "a.png")
    png(root / "dog" / "b.png")
    (root / "cat" / "link.png").symlink_to(outside)
    (root / "dog" / "folder").symlink_to(outside.parent, target_is_directory=True)
    layout = discover(root)
    members = layout.files[0].collection.members  # type: ignore[union-attr]
    assert members == ("cat/a.png", "dog/b.png")
    reasons = dict(layout.skipped)
    assert "outside the dataset root" in reasons["cat/link.png"]
    assert "outside the dataset root" in reasons["dog/folder"]


def test_a_member_that_vanished_is_one_line(tmp_path: Path) -> None:
    png(tmp_path / "a.png")
    png(tmp_path / "b.png")
    file = discover(tmp_path).files[0]
    (tmp_path / "b.png").unlink()
    reader = reader_for("imagefolder")
    with pytest.raises(SourceError) as info:
        list(reader.batches(reader.partitions(file)[0]))
    assert str(info.value).startswith("b.png: cannot read the file")


def test_partitions_are_member_ranges(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from datacard.media import folder

    monkeypatch.setattr(folder, "PARTITION_ITEMS", 2)
    for i in range(5):
        png(tmp_path / f"{i}.png", i)
    file = discover(tmp_path).files[0]
    parts = reader_for("imagefolder").partitions(file)
    assert [p.items for p in parts] == [(0, 2), (2, 4), (4, 5)]
    assert [p.row_offset for p in parts] == [0, 2, 4]
    assert parts[1].file.collection is not None
    assert parts[1].file.collection.members == ("2.png", "3.png")
    assert len({p.unit for p in parts}) == 3
    assert profile(tmp_path).splits["train"].rows == 5


def test_columns_not_asked_for_are_not_decoded(tmp_path: Path) -> None:
    png(tmp_path / "train" / "a.png")
    (tmp_path / "train" / "a.png").write_bytes(b"not a png")  # would be 'corrupt' if decoded
    (tmp_path / "train" / "metadata.csv").write_text("file_name,caption\na.png,hello\n")
    file = discover(tmp_path).files[0]
    reader = reader_for("imagefolder")
    part = reader.partitions(file)[0]
    from dataclasses import replace

    (batch,) = reader.batches(replace(part, columns=("caption",)))
    assert batch.schema.names == ["caption"]
    assert batch.column(0).to_pylist() == ["hello"]


def test_grayscale_and_mixed_sizes_profile(tmp_path: Path) -> None:
    Image.fromarray(np.full((4, 4), 7, np.uint8), "L").save(tmp_path / "g.png")
    summary = profile(tmp_path).splits["train"].columns["image"].summary()
    assert summary.fields is not None
    channels = summary.fields["channels"].fields
    assert channels is not None and list(channels) == ["L"]
