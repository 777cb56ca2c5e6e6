"""Images: facts per file, statistics against numpy, bombs, corrupt files, EXIF/GPS, merges."""

from __future__ import annotations

import io
import json
import math
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from datacard.checks.media import media_findings, member_findings
from datacard.cli import main
from datacard.findings import CATALOG
from datacard.measured import ColumnSummary
from datacard.media import folder
from datacard.media.images import PIXEL_BUDGET, image_facts
from datacard.profiling import Profile, profile
from datacard.workflow import check_card, init_card, open_card


def noise(seed: int, height: int, width: int, mode: str = "RGB") -> Image.Image:
    rng = np.random.default_rng(seed)
    bands = {"RGB": 3, "RGBA": 4, "L": 0}[mode]
    shape = (height, width, bands) if bands else (height, width)
    return Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode)


def with_gps() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 1.0), 3: "E", 4: (4.0, 53.0, 2.0)}
    return exif


def bomb_png(width: int, height: int) -> bytes:
    """A PNG header that claims ``width`` x ``height`` pixels, with no pixel data at all."""

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def jpeg_bytes(image: Image.Image, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def image_column(result: Profile, split: str = "train") -> ColumnSummary:
    return result.splits[split].columns["image"].summary()


def fields(summary: ColumnSummary) -> dict[str, ColumnSummary]:
    assert summary.fields is not None
    return summary.fields


# -- one file ---------------------------------------------------------------------------------


def test_png_facts() -> None:
    buffer = io.BytesIO()
    noise(1, 6, 10, "RGBA").save(buffer, "PNG")
    facts = image_facts(buffer.getvalue())
    assert (facts["format"], facts["mode"]) == ("PNG", "RGBA")
    assert (facts["width"], facts["height"]) == (10, 6)
    assert facts["gray"] is False and sum(facts["hist"]) == 3 * 60
    assert facts["exif"] is False and facts["gps"] is False
    assert 0 <= facts["phash"] < 1 << 64
    assert "problem" not in facts


def test_jpeg_with_exif_and_gps() -> None:
    facts = image_facts(jpeg_bytes(noise(2, 16, 16), exif=with_gps()))
    assert facts["exif"] is True and facts["gps"] is True
    plain = image_facts(jpeg_bytes(noise(2, 16, 16)))
    assert plain["exif"] is False and plain["gps"] is False
    exif = Image.Exif()
    exif[0x010F] = "no position"
    assert image_facts(jpeg_bytes(noise(2, 16, 16), exif=exif))["gps"] is False


def test_truncated_jpeg_is_corrupt_not_a_crash() -> None:
    data = jpeg_bytes(noise(3, 64, 64))
    facts = image_facts(data[: len(data) // 2])
    assert facts["problem"] == "corrupt"
    assert "truncated" in facts["error"]
    assert facts["width"] == 64  # the header was readable


def test_bomb_header_is_not_decoded() -> None:
    facts = image_facts(bomb_png(100_000, 100_000))
    assert facts["problem"] == "bomb"
    assert (facts["width"], facts["height"]) == (100_000, 100_000)
    assert "hist" not in facts and "phash" not in facts
    just_over = math.isqrt(PIXEL_BUDGET) + 1
    assert image_facts(bomb_png(just_over, just_over))["problem"] == "bomb"
    assert Image.MAX_IMAGE_PIXELS is not None  # Pillow's own check is back in place


def test_only_image_decoders_run() -> None:
    eps = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n"  # Ghostscript input
    facts = image_facts(eps)
    assert facts["problem"] == "corrupt"
    assert facts["error"] == "not an image Pillow reads as JPEG, PNG, GIF, BMP, WEBP, TIFF"


def test_sixteen_bit_and_palette_images() -> None:
    wide = np.array([[0, 65535], [257, 32896]], np.uint16)
    buffer = io.BytesIO()
    Image.fromarray(wide).save(buffer, "PNG")
    facts = image_facts(buffer.getvalue())
    assert facts["gray"] is True and facts.get("problem") is None
    counts = np.array(facts["hist"][:256])
    assert counts[0] == counts[1] == counts[128] == counts[255] == 1
    buffer = io.BytesIO()
    noise(4, 8, 8).convert("P").save(buffer, "GIF")
    gif = image_facts(buffer.getvalue())
    assert gif["format"] == "GIF" and gif["gray"] is False and sum(gif["hist"]) == 3 * 64


# -- a dataset ----------------------------------------------------------------------------------


@pytest.fixture
def pets(tmp_path: Path) -> Path:
    """Class folders in split folders: mixed sizes, one JPEG with GPS, RGBA and gray files."""
    root = tmp_path / "pets"
    for split, count in (("train", 12), ("test", 4)):
        for i in range(count):
            cls = "cat" if i % 3 else "dog"
            path = root / split / cls / f"{i:03d}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            noise(i + (100 if split == "test" else 0), 10 + i, 20 + 2 * i).save(path)
    noise(50, 12, 12, "L").save(root / "train" / "cat" / "gray.png")
    noise(51, 12, 12, "RGBA").save(root / "train" / "dog" / "alpha.png")
    (root / "train" / "dog" / "gps.jpg").write_bytes(jpeg_bytes(noise(52, 40, 48), exif=with_gps()))
    return root


def pixels(root: Path, split: str) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Every pixel of a split as RGB in [0, 1] (numpy over Pillow's own decoding)."""
    out = [
        np.asarray(Image.open(path).convert("RGB"), np.float64).reshape(-1, 3) / 255
        for path in sorted((root / split).rglob("*"))
        if path.is_file()
    ]
    return np.concatenate(out)


def test_channel_means_and_stds_match_numpy(pets: Path) -> None:
    channels = fields(fields(image_column(profile(pets, workers=1)))["channels"])
    expected = pixels(pets, "train")
    assert list(channels) == ["R", "G", "B"]
    for i, name in enumerate("RGB"):
        assert channels[name].count == len(expected)
        assert channels[name].mean == pytest.approx(expected[:, i].mean(), rel=1e-12)
        assert channels[name].std == pytest.approx(expected[:, i].std(), rel=1e-12)
        assert channels[name].min == expected[:, i].min()
        assert channels[name].max == expected[:, i].max()


def test_the_image_column_summary(pets: Path) -> None:
    image = image_column(profile(pets, workers=1))
    assert (image.type, image.kind, image.count, image.nulls, image.distinct) == (
        "image",
        "image",
        15,
        0,
        15,
    )
    parts = fields(image)
    assert parts["width"].min == 12 and parts["width"].max == 48
    assert parts["aspect_ratio"].max == 2.0 and parts["aspect_ratio"].min == 1.0
    modes = {t.value: t.count for t in parts["mode"].top or []}
    assert modes == {"RGB": 13, "L": 1, "RGBA": 1}
    formats = {t.value: t.count for t in parts["format"].top or []}
    assert formats == {"PNG": 14, "JPEG": 1}
    assert parts["exif"].mean == pytest.approx(1 / 15)
    assert parts["gps_files"].count == 1
    assert [t.value for t in parts["gps_files"].top or []] == ["train/dog/gps.jpg"]
    assert parts["tiny_files"].count == 14  # shorter side under 32 pixels: all but gps.jpg
    assert "corrupt_files" not in parts and "bomb_files" not in parts
    assert parts["bytes"].top is None  # sizes in bytes have no frequent values


def test_problem_files_are_counted_and_named(pets: Path) -> None:
    (pets / "train" / "cat" / "broken.jpg").write_bytes(jpeg_bytes(noise(9, 50, 50))[:300])
    (pets / "train" / "dog" / "bomb.png").write_bytes(bomb_png(20_000, 20_000))
    (pets / "train" / "dog" / "empty.png").write_bytes(b"")
    result = profile(pets, workers=1)
    parts = fields(image_column(result))
    assert parts["corrupt_files"].count == 2
    assert [t.value for t in parts["corrupt_files"].top or []] == [
        "train/cat/broken.jpg",
        "train/dog/empty.png",
    ]
    assert [t.value for t in parts["bomb_files"].top or []] == ["train/dog/bomb.png"]
    assert result.splits["train"].rows == 18
    found = {f.code: f for f in media_findings(result.measured())}
    for code in ("media.corrupt", "media.bomb", "media.extreme-size", "pii.gps"):
        if code in CATALOG:
            assert code in found
    if "media.corrupt" in CATALOG:
        corrupt = found["media.corrupt"]
        assert corrupt.where == "train/cat/broken.jpg"
        assert corrupt.evidence["files"] == ["train/cat/broken.jpg", "train/dog/empty.png"]


def approx_equal(a: Any, b: Any, path: str = "") -> None:
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), path
        for key in a:
            approx_equal(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            approx_equal(x, y, f"{path}[{i}]")
    elif isinstance(a, float):
        assert b == pytest.approx(a, rel=1e-9, abs=1e-12), path
    else:
        assert a == b, path


def test_merge_property_workers_and_partitions(pets: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one = profile(pets, workers=1).measured(label="label").model_dump()
    monkeypatch.setattr(folder, "PARTITION_ITEMS", 2)
    monkeypatch.setattr("datacard.profiling.PARALLEL_THRESHOLD", 0)
    two = profile(pets, workers=2).measured(label="label").model_dump()
    approx_equal(one, two)
    a = fields(fields(image_column(profile(pets, workers=1)))["channels"])["G"]
    b = fields(fields(image_column(profile(pets, workers=2)))["channels"])["G"]
    assert (a.mean, a.std) == (b.mean, b.std)  # exact integer sums: equal to the last bit


def test_sidecar_round_trip_keeps_the_image_statistics(pets: Path) -> None:
    result = profile(pets, workers=1)
    loaded = Profile.from_dict(json.loads(json.dumps(result.to_dict())))
    before = image_column(result).model_dump()
    after = loaded.splits["train"].columns["image"].summary().model_dump()
    assert before == after
    assert loaded.members["train/"]["train/dog/gps.jpg"][0] > 0
    assert result.label_hint == "label"


def test_grayscale_dataset_has_one_channel(tmp_path: Path) -> None:
    for i in range(3):
        noise(i, 9, 7, "L").save(tmp_path / f"{i}.png")
    channels = fields(fields(image_column(profile(tmp_path)))["channels"])
    expected = np.concatenate(
        [np.asarray(Image.open(tmp_path / f"{i}.png"), np.float64).ravel() / 255 for i in range(3)]
    )
    assert list(channels) == ["L"]
    assert channels["L"].mean == pytest.approx(expected.mean(), rel=1e-12)
    assert channels["L"].std == pytest.approx(expected.std(), rel=1e-12)


# -- the card ---------------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), capsys.readouterr().out


def test_show_json_shape(pets: Path, capsys: pytest.CaptureFixture[str]) -> None:
    init_card(pets, label="label", workers=1)
    code, out = run(capsys, "show", str(pets), "--json")
    assert code == 0
    shown = json.loads(out)
    train = shown["splits"]["train"]
    assert train["rows"] == 15
    image = train["columns"]["image"]
    assert (image["type"], image["kind"]) == ("image", "image")
    assert {"width", "height", "aspect_ratio", "mode", "format", "bytes", "channels"} <= set(
        image["fields"]
    )
    assert set(image["fields"]["channels"]["fields"]) == {"R", "G", "B"}
    assert {t["value"]: t["count"] for t in train["columns"]["label"]["top"]} == {
        "cat": 9,
        "dog": 6,
    }
    assert [f["path"] for f in shown["files"]] == ["test/", "train/"]
    assert shown["files"][1]["rows"] == 15 and shown["files"][1]["format"] == "imagefolder"
    assert len(shown["files"][1]["sha256"]) == 64


def test_check_detects_changed_added_and_removed_images(pets: Path) -> None:
    init_card(pets, workers=1)
    assert [f.code for f in check_card(pets, fast=True) if f.code.startswith("file.")] == []
    noise(77, 10, 20).save(pets / "train" / "dog" / "000.png")  # changed
    noise(78, 10, 20).save(pets / "train" / "cat" / "new.png")  # added
    (pets / "test" / "cat" / "001.png").unlink()  # removed
    fast = {(f.code, f.where) for f in check_card(pets, fast=True)}
    assert ("file.changed", "train/") in fast and ("file.changed", "test/") in fast
    named = {(f.code, f.where) for f in member_findings(pets, open_card(pets).card)}
    assert named == {
        ("file.changed", "train/dog/000.png"),
        ("file.added", "train/cat/new.png"),
        ("file.removed", "test/cat/001.png"),
    }
    full = {(f.code, f.where) for f in check_card(pets, workers=1)}
    assert ("split.rows-changed", "train") in full and ("split.rows-changed", "test") in full


def test_a_renamed_image_changes_the_collection_hash(pets: Path) -> None:
    init_card(pets, workers=1)
    (pets / "train" / "cat" / "001.png").rename(pets / "train" / "cat" / "renamed.png")
    assert ("file.changed", "train/") in {(f.code, f.where) for f in check_card(pets, fast=True)}


def test_update_is_quiet_when_no_image_changed(pets: Path) -> None:
    init_card(pets, workers=1)
    before = (pets / "datacard.yaml").read_bytes()
    from datacard.workflow import update_card

    assert update_card(pets, workers=1).changes == ()
    assert (pets / "datacard.yaml").read_bytes() == before
