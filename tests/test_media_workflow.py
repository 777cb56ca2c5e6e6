"""Image datasets through the commands: init takes the class folders as the label, check names
the changed image and reports problem files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cli_run import run


@pytest.fixture
def images(tmp_path: Path) -> Path:
    rng = np.random.default_rng(3)
    root = tmp_path / "pets"
    for split, n in (("train", 6), ("test", 2)):
        for cls in ("cat", "dog"):
            folder = root / split / cls
            folder.mkdir(parents=True)
            for i in range(n):
                pixels = rng.integers(0, 256, (24 + i, 32, 3), dtype=np.uint8)
                Image.fromarray(pixels).save(folder / f"{i:03d}.png")
    return root


def test_init_takes_class_folders_as_the_label_and_check_passes(
    capsys: pytest.CaptureFixture[str], images: Path
) -> None:
    assert run(capsys, "init", str(images))[0] == 0
    card = (images / "datacard.yaml").read_text()
    assert "  label: label\n" in card
    _, out, _ = run(capsys, "show", str(images), "--json")
    shown = json.loads(out)
    train = shown["splits"]["train"]
    assert train["rows"] == 12 and shown["label"] == "label"
    assert train["columns"]["image"]["type"] == "image"
    assert {t["value"]: t["count"] for t in train["label_balance"]} == {"cat": 6, "dog": 6}
    assert run(capsys, "check", str(images))[0] == 0
    assert run(capsys, "check", str(images), "--fast")[0] == 0


def test_check_names_the_changed_image_and_a_corrupt_one(
    capsys: pytest.CaptureFixture[str], images: Path
) -> None:
    assert run(capsys, "init", str(images))[0] == 0
    changed = images / "train" / "dog" / "002.png"
    Image.fromarray(np.zeros((24, 32, 3), np.uint8)).save(changed)
    code, out, _ = run(capsys, "check", str(images), "--fast", "--json")
    findings = json.loads(out)["findings"]
    assert code == 1
    assert any("train/dog/002.png" in f["where"] + f["message"] for f in findings)
    (images / "test" / "cat" / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    assert run(capsys, "update", str(images))[0] == 0
    code, out, _ = run(capsys, "check", str(images), "--json")
    corrupt = [f for f in json.loads(out)["findings"] if f["code"] == "media.corrupt"]
    assert corrupt and "bad.png" in json.dumps(corrupt)


def test_init_and_a_full_check_do_not_hash_images_ahead(images: Path) -> None:
    """The command line starts hashing data files before its imports; a full profile hashes
    each image as it measures it, so ``init`` and a full ``check`` prefetch only the metadata
    file (the images would be read twice), while ``update`` and ``check --fast`` prefetch
    every image (they compare hashes before, or instead of, measuring)."""
    from datacard import cli, digest

    (images / "train" / "metadata.csv").write_text("file_name,kind\ncat/000.png,pet\n")
    for members, expected in ((False, {"metadata.csv"}), (True, {"metadata.csv", "000.png"})):
        with digest._lock:
            digest._known.clear()
        cli._prefetch_hashes(images, members=members)
        with digest._lock:
            names = {Path(key[0]).name for key in digest._known}
        if members:
            assert expected <= names and len(digest._known) == 17  # 16 images and the csv
        else:
            assert names == expected and len(digest._known) == 1
