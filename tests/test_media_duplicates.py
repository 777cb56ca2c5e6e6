"""Exact and near-duplicate images within and across splits (perceptual hashes, multi-index)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from PIL import Image

from datacard.media.duplicates import (
    MemberHashes,
    duplicate_pairs,
    image_fields,
    image_hashes,
    member_hashes,
)
from datacard.media.types import IMAGE, IMAGE_FIELDS


def photo(seed: int, size: int = 96) -> Image.Image:
    """A smooth random picture (pHash is about low frequencies, so noise would not do)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (6, 6, 3), dtype=np.uint8)
    return Image.fromarray(small).resize((size, size), Image.Resampling.BICUBIC)


@pytest.fixture
def split_data(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    for folder in ("train", "test"):
        (root / folder).mkdir(parents=True)
    for i in range(8):
        photo(i).save(root / "train" / f"{i}.png")
    photo(0).save(root / "train" / "copy_of_0.png")  # exact (same bytes) within train
    photo(1).save(root / "test" / "same_as_1.png")  # exact across splits
    photo(2).resize((80, 80)).save(root / "test" / "resized_2.jpg", quality=90)  # near
    photo(100).save(root / "test" / "new.png")
    return root


def test_image_hashes_per_split(split_data: Path) -> None:
    hashes = image_hashes(split_data, workers=1)
    assert sorted(hashes) == ["test", "train"]
    train = hashes["train"]
    assert train.paths[0] == "train/0.png" and len(train.paths) == 9
    assert all(len(s) == 64 for s in train.sha256)
    assert train.decoded.all() and train.phash.dtype == np.uint64


def test_exact_and_near_duplicates(split_data: Path) -> None:
    hashes = image_hashes(split_data, workers=1)
    within = duplicate_pairs(hashes["train"])
    assert [(p.a, p.b, p.exact) for p in within] == [("train/0.png", "train/copy_of_0.png", True)]
    across = {p.a: p for p in duplicate_pairs(hashes["test"], hashes["train"])}
    assert across["test/same_as_1.png"].b == "train/1.png" and across["test/same_as_1.png"].exact
    near = across["test/resized_2.jpg"]
    assert (near.b, near.exact) == ("train/2.png", False) and near.distance <= 4
    assert "test/new.png" not in across


def test_groups_are_stars_and_thresholds_hold() -> None:
    base = np.uint64(0xF0F0_1234_5678_9ABC)
    chain = np.array([base, base ^ np.uint64(0b111), base ^ np.uint64(0b111_111)], np.uint64)
    far = np.array([base ^ np.uint64(0xFFFF)], np.uint64)
    a = MemberHashes(
        "train",
        ("a", "b", "c", "d"),
        ("1", "2", "3", "4"),
        np.concatenate([chain, far]),
        np.ones(4, bool),
    )
    pairs = duplicate_pairs(a, max_distance=3)
    assert [(p.a, p.b, p.distance) for p in pairs] == [("a", "b", 3), ("a", "c", 6)]
    assert duplicate_pairs(a, max_distance=2) == []
    with pytest.raises(ValueError):
        duplicate_pairs(a, max_distance=64)


def test_multi_index_matches_brute_force() -> None:
    rng = np.random.default_rng(7)
    n = 3000
    hashes = rng.integers(0, 1 << 63, n, dtype=np.uint64) << np.uint64(1)
    for k in range(0, 300, 3):  # plant near copies at distances 0..5
        flips = rng.choice(64, size=k % 6, replace=False)
        mask = np.uint64(sum(1 << int(f) for f in flips))
        hashes[n - 1 - k] = hashes[k] ^ mask
    a = MemberHashes(
        "t",
        tuple(f"{i:05d}" for i in range(n)),
        tuple(map(str, range(n))),
        hashes,
        np.ones(n, bool),
    )
    linked = {p.b for p in duplicate_pairs(a, max_distance=4)}
    distance = np.bitwise_count(hashes[:, None] ^ hashes[None, :])
    close = np.argwhere(np.triu(distance <= 4, k=1))
    assert linked == {f"{int(j):05d}" for _, j in close}


def test_a_null_image_has_empty_path_and_sha_and_is_not_decoded() -> None:
    """One reading of the image struct for ``leaks`` and :func:`image_hashes`: a null image
    (its struct null, its fields not) is named ``""`` and never compared by its pHash."""
    storage = pa.array(
        [{"path": "a.png", "sha256": "s1", "phash": 3}, {"path": "b.png", "phash": 5}],
        IMAGE_FIELDS,
    )
    nulled = pa.StructArray.from_arrays(
        storage.flatten(), fields=list(IMAGE_FIELDS), mask=pa.array([False, True])
    )
    batch = pa.record_batch([pa.ExtensionArray.from_storage(IMAGE, nulled)], ["image"])
    fields = image_fields([batch], "image")
    assert (fields.paths, fields.sha256) == (["a.png", ""], ["s1", ""])
    assert fields.decoded.tolist() == [True, False]
    hashes = member_hashes("train", [fields, image_fields([batch.slice(0, 1)], 0)])
    assert hashes.paths == ("a.png", "", "a.png") and hashes.decoded.tolist() == [1, 0, 1]
    assert hashes.phash.tolist()[::2] == [3, 3] and hashes.hist is not None
    assert hashes.hist.shape == (3, 3, 32)
