"""``datacard leaks`` on image and audio folders: exact and near-duplicate files across and
within splits, label conflicts, named files, captions through the text path, no crashes."""

from __future__ import annotations

import doctest
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
import soundfile as sf
from PIL import Image, ImageEnhance

import datacard.leakage.media as leak_media
from datacard.cli import main
from datacard.leakage.leaks import LeaksResult, run_leaks


def photo(seed: int, size: int = 96) -> Image.Image:
    """A smooth random picture (pHash looks at low frequencies, so noise would not do)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (6, 6, 3), dtype=np.uint8)
    return Image.fromarray(small).resize((size, size), Image.Resampling.BICUBIC)


def save(image: Image.Image, path: Path, **options: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, **options)


@pytest.fixture
def pets(tmp_path: Path) -> Path:
    """train/{cat,dog}: photos 0-7 (even: dog, odd: cat) and an exact copy of photo 0 in dog;
    test: an exact copy of photo 1 (cat), photo 2 resized and re-encoded as JPEG (dog), photo 3
    filed as dog (it is a cat in train) and a new photo; a corrupt file in test/cat."""
    root = tmp_path / "pets"
    for i in range(8):
        save(photo(i), root / "train" / ("cat" if i % 2 else "dog") / f"{i}.png")
    save(photo(0), root / "train" / "dog" / "copy_of_0.png")
    save(photo(1), root / "test" / "cat" / "same_as_1.png")
    save(photo(2).resize((80, 80)), root / "test" / "dog" / "resized_2.jpg", quality=90)
    save(photo(3), root / "test" / "dog" / "relabelled_3.png")
    save(photo(100), root / "test" / "cat" / "new.png")
    (root / "test" / "cat" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    return root


def pairs_of(result: LeaksResult, kind: str, a: str, b: str) -> dict[str, Any]:
    (found,) = [
        p for p in result.to_json()["pairs"] if p["kind"] == kind and p["a"] == a and p["b"] == b
    ]
    return dict(found)


def files_of(pair: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["a_file"], e["b_file"]) for e in pair["examples"]]


def test_planted_exact_and_near_duplicates_across_splits(pets: Path) -> None:
    result = run_leaks(pets, label="label", workers=2)
    exact = pairs_of(result, "exact", "train", "test")
    assert exact["count"] == 2 and exact["fraction"] == pytest.approx(2 / 5)
    assert files_of(exact) == [
        ("train/cat/1.png", "test/cat/same_as_1.png"),
        ("train/cat/3.png", "test/dog/relabelled_3.png"),
    ]
    # rows are each file's index in its split (members sorted by path)
    assert [(e["a_row"], e["b_row"]) for e in exact["examples"]] == [(0, 2), (1, 3)]
    near = pairs_of(result, "near", "train", "test")
    assert near["count"] == 1
    (example,) = near["examples"]
    assert (example["a_file"], example["b_file"]) == ("train/dog/2.png", "test/dog/resized_2.jpg")
    assert 0 < example["distance"] <= 4
    assert example["similarity"] == pytest.approx(1 - example["distance"] / 64, abs=1e-4)
    by_code = {f.code: f for f in result.findings if f.where == "train/test"}
    assert set(by_code) == {
        "leakage.exact-overlap",
        "leakage.near-overlap",
        "leakage.label-conflict",
    }
    message = by_code["leakage.near-overlap"].message
    assert "'train/dog/2.png' and 'test/dog/resized_2.jpg'" in message
    assert f"pHash distance {example['distance']} of 64 bits" in message
    assert "'test/cat/same_as_1.png'" in by_code["leakage.exact-overlap"].message
    assert "test/cat/new.png" not in json.dumps(result.to_json())


def test_duplicates_within_a_split(pets: Path) -> None:
    result = run_leaks(pets, workers=1)
    dups = pairs_of(result, "exact", "train", "train")
    assert dups["count"] == 1 and dups["fraction"] == pytest.approx(1 / 9)
    assert files_of(dups) == [("train/dog/0.png", "train/dog/copy_of_0.png")]
    assert pairs_of(result, "near", "train", "train")["count"] == 0
    (finding,) = [f for f in result.findings if f.code == "leakage.duplicates"]
    assert finding.where == "train" and finding.evidence["count"] == 1
    assert "'train/dog/0.png' and 'train/dog/copy_of_0.png'" in finding.message
    assert all(p["count"] == 0 for p in result.to_json()["pairs"] if p["a"] == p["b"] == "test")


def test_near_duplicates_within_a_split(tmp_path: Path) -> None:
    save(photo(5), tmp_path / "a.png")
    save(photo(5).resize((90, 90)), tmp_path / "b.jpg", quality=95)
    save(photo(6), tmp_path / "c.png")
    result = run_leaks(tmp_path, workers=1)
    near = pairs_of(result, "near", "train", "train")
    assert files_of(near) == [("a.png", "b.jpg")] and near["examples"][0]["distance"] <= 4
    assert pairs_of(result, "exact", "train", "train")["count"] == 0
    assert [f.code for f in result.findings] == ["leakage.duplicates"]


def test_the_same_image_in_two_classes_is_a_label_conflict(tmp_path: Path) -> None:
    root = tmp_path / "d"
    for i in range(4):
        save(photo(i), root / "train" / ("a" if i % 2 else "b") / f"{i}.png")
    save(photo(0), root / "train" / "a" / "again_0.png")  # 0 is in class b
    save(photo(10), root / "test" / "a" / "x.png")
    save(photo(11), root / "test" / "b" / "y.png")
    result = run_leaks(root, label="label", workers=1)
    conflict = pairs_of(result, "label-conflict", "train", "train")
    assert conflict["count"] == 1
    assert files_of(conflict) == [("train/b/0.png", "train/a/again_0.png")]
    codes = sorted(f.code for f in result.findings)
    assert codes == ["leakage.duplicates", "leakage.label-conflict"]
    assert pairs_of(result, "label-conflict", "train", "test")["count"] == 0


def test_cli_on_image_and_label_only(
    pets: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "pairs.parquet"
    with pytest.raises(SystemExit) as info:
        main(
            ["leaks", str(pets), "--label", "label", "--json", "--out", str(out), "--workers", "2"]
        )
    assert info.value.code == 1
    payload = json.loads(capsys.readouterr().out)
    assert set(payload) == {"pairs"}
    for p in payload["pairs"]:
        assert set(p) == {"a", "b", "kind", "count", "fraction", "examples"}
        for e in p["examples"]:
            assert {"a_file", "a_row", "b_file", "b_row", "similarity"} <= set(e)
            assert set(e) <= {"a_file", "a_row", "b_file", "b_row", "similarity", "distance"}
    rows = pq.read_table(out).to_pylist()
    assert {
        "a_split": "train",
        "a_file": "train/dog/2.png",
        "a_row": 5,
        "b_split": "test",
        "b_file": "test/dog/resized_2.jpg",
        "b_row": 4,
        "kind": "near",
    }.items() <= next(r for r in rows if r["kind"] == "near").items()
    with pytest.raises(SystemExit) as info:
        main(["leaks", str(pets), "--workers", "1"])
    text = capsys.readouterr().out
    assert "near-duplicate images: perceptual hashes at most 4 of 64 bits apart" in text
    assert "'train/cat/1.png' and 'test/cat/same_as_1.png'" in text


def test_clean_images_exit_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for i in range(3):
        save(photo(i), tmp_path / "train" / f"{i}.png")
        save(photo(20 + i), tmp_path / "test" / f"{i}.png")
    with pytest.raises(SystemExit) as info:
        main(["leaks", str(tmp_path), "--workers", "1"])
    assert info.value.code == 0
    assert "no leakage found" in capsys.readouterr().out


def test_captions_go_through_the_text_path(tmp_path: Path) -> None:
    captions = {
        "train": [
            "a red bicycle leaning against an old brick wall in the morning sun",
            "two dogs playing with a ball on a sandy beach near the sea",
            "a bowl of fresh fruit on a wooden kitchen table by the window",
        ],
        "test": [
            "a red bicycle leaning against an old brick wall in the evening sun",
            "a mountain lake under a clear blue sky with pine trees around",
        ],
    }
    for split, texts in captions.items():
        lines = ["file_name,caption"]
        for i, text in enumerate(texts):
            seed = (0 if split == "train" else 50) + i
            save(photo(seed), tmp_path / split / f"{i}.png")
            lines.append(f"{i}.png,{text}")
        (tmp_path / split / "metadata.csv").write_text("\n".join(lines) + "\n")
    save(photo(2), tmp_path / "test" / "2.png")  # same image as train/2.png, no caption row
    result = run_leaks(tmp_path, text=["caption"], workers=1)
    near = pairs_of(result, "near", "train", "test")
    assert files_of(near) == [("train/0.png", "test/0.png")]
    assert "distance" not in near["examples"][0]  # the captions are alike, not the images
    assert 0.8 <= near["examples"][0]["similarity"] < 1
    assert files_of(pairs_of(result, "exact", "train", "test")) == [("train/2.png", "test/2.png")]


def test_image_column_as_text_is_a_usage_error(
    pets: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["leaks", str(pets), "--text", "image"])
    assert info.value.code == 2
    assert "column of image files" in capsys.readouterr().err


def test_corrupt_files_and_bombs_do_not_stop_the_run(tmp_path: Path) -> None:
    import struct
    import zlib

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")
    for split in ("train", "test"):
        save(photo(1), tmp_path / split / "ok.png")
        (tmp_path / split / "bomb.png").write_bytes(bomb)
        (tmp_path / split / "empty.jpg").write_bytes(b"")
    result = run_leaks(tmp_path, workers=1)
    exact = pairs_of(result, "exact", "train", "test")
    assert exact["count"] == 3  # identical bytes, decodable or not
    assert pairs_of(result, "near", "train", "test")["count"] == 0


def test_audio_files_are_compared_by_content(tmp_path: Path) -> None:
    rate = 8_000
    t = np.arange(rate // 4) / rate
    for split, freqs in (("train", (440, 550, 660)), ("test", (440, 880))):
        for f in freqs:
            path = tmp_path / split / ("low" if f < 600 else "high") / f"{f}.wav"
            path.parent.mkdir(parents=True, exist_ok=True)
            sf.write(path, 0.3 * np.sin(2 * np.pi * f * t), rate, subtype="PCM_16")
    result = run_leaks(tmp_path, label="label", workers=1)
    assert files_of(pairs_of(result, "exact", "train", "test")) == [
        ("train/low/440.wav", "test/low/440.wav")
    ]
    assert result.image_distance is None
    assert {p["kind"] for p in result.to_json()["pairs"]} == {"exact", "label-conflict"}


def test_doctests() -> None:
    assert doctest.testmod(leak_media).failed == 0


def test_image_distance_option(
    pets: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def near_count(root: Path, *extra: str) -> int:
        with pytest.raises(SystemExit):
            main(["leaks", str(root), "--json", "--workers", "1", *extra])
        payload = json.loads(capsys.readouterr().out)
        return sum(p["count"] for p in payload["pairs"] if p["kind"] == "near")

    # a brightness edit: 4 pHash bits, other colours (found on the pHash alone, from 4 bits);
    # a resized copy keeps its colours (found whatever the limit: confirmed by its colours)
    brighter = tmp_path / "brighter"
    save(photo(3), brighter / "train" / "3.png")
    save(ImageEnhance.Brightness(photo(3)).enhance(1.4), brighter / "test" / "bright_3.png")
    assert near_count(brighter, "--image-distance", "0") == 0 < near_count(brighter)
    assert near_count(pets, "--image-distance", "0") == near_count(pets) == 1
    assert near_count(pets) <= near_count(pets, "--image-distance", "12")
    with pytest.raises(SystemExit) as info:
        main(["leaks", str(pets), "--image-distance", "17"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and err.count("\n") == 1 and "--image-distance 17" in err
