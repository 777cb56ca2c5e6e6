"""Near-duplicate images in two tiers (pHash alone up to 4 bits; up to 10 bits when the colour
histograms agree) and the multi-probe multi-index search behind them."""

from __future__ import annotations

import doctest
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

import datacard.media.duplicates as dups
from datacard.leakage.leaks import run_leaks
from datacard.media.duplicates import (
    CONFIRMED_DISTANCE,
    MAX_COLOUR_DISTANCE,
    MAX_DISTANCE,
    MemberHashes,
    band_count,
    bands,
    close_pairs,
    coarse_histograms,
    colour_distance,
    duplicate_pairs,
    image_hashes,
)

#: Offsets of R, G, B with no effect on the luma Pillow's grayscale uses (0.299, 0.587, 0.114):
#: the same light and shade, other colours.
WARM = (50.0, -10.0, -80.2)
COOL = (-50.0, 10.0, 80.2)


def scene(seed: int, tint: tuple[float, float, float], size: int = 240) -> Image.Image:
    """A smooth random landscape of light and shade (pHash reads low frequencies), tinted."""
    rng = np.random.default_rng(seed)
    small = Image.fromarray(rng.uniform(70, 185, (10, 10)).astype(np.float32), mode="F")
    lum = np.asarray(small.resize((size, size), Image.Resampling.BICUBIC))
    rgb = np.stack([lum + t for t in tint], axis=-1)
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))


def crop(image: Image.Image, share: float = 0.04) -> Image.Image:
    """``image`` with ``share`` of its width cut off the left and of its height off the top."""
    w, h = image.size
    return image.crop((round(w * share), round(h * share), w, h))


def write(image: Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, quality=90)


@pytest.fixture
def cropped(tmp_path: Path) -> Path:
    """train/a/original.png, train/b/original.png and two unrelated pictures; test/a/crop.jpg:
    a 4 % crop of train/a/original.png (JPEG); test/b/other.jpg: the same crop of
    train/b/original.png's light and shade in other colours (what an unrelated picture with a
    close pHash looks like to the colour check)."""
    write(scene(8, WARM), tmp_path / "train" / "a" / "original.png")
    write(scene(6, WARM), tmp_path / "train" / "b" / "original.png")
    write(scene(98, WARM), tmp_path / "train" / "a" / "new.png")
    write(scene(99, COOL), tmp_path / "train" / "b" / "new.png")
    write(crop(scene(8, WARM)), tmp_path / "test" / "a" / "crop.jpg")
    write(crop(scene(6, COOL)), tmp_path / "test" / "b" / "other.jpg")
    return tmp_path


def test_a_crop_beyond_4_bits_is_found_by_its_colours(cropped: Path) -> None:
    hashes = image_hashes(cropped, workers=1)
    test, train = hashes["test"], hashes["train"]
    assert test.hist is not None and train.hist is not None
    assert test.hist.shape == (2, 3, 32) and test.hist.dtype == np.uint16
    ph = dict(zip(test.paths + train.paths, [*test.phash.tolist(), *train.phash.tolist()]))
    hist = dict(zip(test.paths + train.paths, [*test.hist, *train.hist]))
    source = {"test/a/crop.jpg": "train/a/original.png", "test/b/other.jpg": "train/b/original.png"}

    def bits(x: str) -> int:
        return int(ph[x] ^ ph[source[x]]).bit_count()

    def colours(x: str) -> float:
        return float(colour_distance(hist[x][None], hist[source[x]][None])[0])

    # the premise: both test pictures are beyond the pHash-alone tier, within the confirmed one
    assert MAX_DISTANCE < bits("test/a/crop.jpg") <= CONFIRMED_DISTANCE
    assert MAX_DISTANCE < bits("test/b/other.jpg") <= CONFIRMED_DISTANCE
    assert colours("test/a/crop.jpg") < 0.1 < MAX_COLOUR_DISTANCE < colours("test/b/other.jpg")

    found = {p.a: p for p in duplicate_pairs(test, train)}
    assert sorted(found) == ["test/a/crop.jpg"]
    pair = found["test/a/crop.jpg"]
    assert (pair.b, pair.exact, pair.distance) == (
        "train/a/original.png",
        False,
        bits("test/a/crop.jpg"),
    )
    # on the pHash alone, neither is found; at 10 bits on the pHash alone, both are
    assert duplicate_pairs(test, train, confirmed_distance=None) == []
    assert duplicate_pairs(test, train, confirmed_distance=0) == []
    loose = duplicate_pairs(test, train, max_distance=CONFIRMED_DISTANCE)
    assert sorted(p.a for p in loose) == ["test/a/crop.jpg", "test/b/other.jpg"]


def test_leaks_reports_the_crop_not_the_recoloured_picture(cropped: Path) -> None:
    result = run_leaks(cropped, workers=1)
    near = {(p.a, p.b): p.to_json() for p in result.pairs if p.kind == "near"}
    assert {k for k, v in near.items() if v["count"]} == {("train", "test")}
    assert near["train", "test"]["count"] == 1
    (example,) = near["train", "test"]["examples"]
    assert (example["a_file"], example["b_file"]) == ("train/a/original.png", "test/a/crop.jpg")
    assert MAX_DISTANCE < example["distance"] <= CONFIRMED_DISTANCE


def test_within_a_split_confirmed_pairs_join_groups() -> None:
    base = np.uint64(0x0123_4567_89AB_CDEF)
    six, seven = np.uint64(0b111111), np.uint64(0b1111111 << 20)
    warm = coarse_histograms(np.ones((1, 768)))[0]
    dark = coarse_histograms(np.tile(np.arange(256) < 64, 3)[None])[0]
    a = MemberHashes(
        "train",
        ("a", "b", "c", "d"),
        ("1", "2", "3", "4"),
        np.array([base, base ^ six, base ^ seven, base ^ np.uint64(0xFFFF_FFFF)], np.uint64),
        np.ones(4, bool),
        np.stack([warm, warm, dark, warm]),
    )
    assert [(p.a, p.b, p.distance) for p in duplicate_pairs(a)] == [("a", "b", 6)]
    assert duplicate_pairs(a, confirmed_distance=None) == []
    no_colours = MemberHashes(a.split, a.paths, a.sha256, a.phash, a.decoded)
    assert duplicate_pairs(no_colours) == []  # without histograms, the pHash alone
    with pytest.raises(ValueError):
        duplicate_pairs(a, confirmed_distance=64)


def test_a_confirmed_pair_joins_the_group_of_a_close_pair() -> None:
    """a-b 3 bits apart (the pHash alone), b-c 8 bits with colours that agree: one group, so
    c pairs with a (11 bits apart, another colour: never a pair on their own)."""
    base = np.uint64(0x0123_4567_89AB_CDEF)
    b = base ^ np.uint64(0b111)
    warm = coarse_histograms(np.ones((1, 768)))[0]
    dark = coarse_histograms(np.tile(np.arange(256) < 64, 3)[None])[0]
    a = MemberHashes(
        "train",
        ("a", "b", "c"),
        ("1", "2", "3"),
        np.array([base, b, b ^ np.uint64(0xFF << 40)], np.uint64),
        np.ones(3, bool),
        np.stack([dark, warm, warm]),
    )
    assert [(p.a, p.b, p.distance) for p in duplicate_pairs(a)] == [("a", "b", 3), ("a", "c", 11)]


def test_across_splits_the_closest_confirmed_file_wins() -> None:
    base = np.uint64(0xDEAD_BEEF_0BAD_F00D)
    grey = coarse_histograms(np.ones((1, 768)))[0]
    dark = coarse_histograms(np.tile(np.arange(256) < 64, 3)[None])[0]
    test = MemberHashes("test", ("t",), ("0",), np.array([base]), np.ones(1, bool), grey[None])
    train = MemberHashes(
        "train",
        ("x", "y", "z"),
        ("1", "2", "3"),
        np.array([base ^ np.uint64(0b11111), base ^ np.uint64(0xFF), base ^ np.uint64(0x3F)]),
        np.ones(3, bool),
        np.stack([dark, grey, grey]),
    )
    # x is closest (5 bits) but another colour; z (6 bits) beats y (8 bits)
    assert [(p.b, p.distance) for p in duplicate_pairs(test, train)] == [("z", 6)]


def test_colour_distance_of_a_crop_is_at_most_the_share_cut_off() -> None:
    rng = np.random.default_rng(3)
    kept = rng.integers(0, 50, (200, 768))
    cut = rng.integers(0, 50, (200, 768))
    whole = coarse_histograms(kept + cut)
    part = coarse_histograms(kept)
    share = (cut.reshape(200, 3, 256).sum(-1) / (kept + cut).reshape(200, 3, 256).sum(-1)).max(-1)
    assert (colour_distance(whole, part) <= share + 1e-3).all()
    unknown = np.zeros((1, 3, 32), np.uint16)
    assert colour_distance(unknown, unknown).tolist() == [1.0]  # nothing known: no agreement
    assert colour_distance(unknown[:0], unknown[:0]).tolist() == []


def test_bands_and_band_counts() -> None:
    for count in range(1, 65):
        cuts = bands(count)
        assert sum(w for _, w in cuts) == 64 and len(cuts) == count
        assert [s for s, _ in cuts] == sorted((s for s, _ in cuts), reverse=True)
    assert band_count(10, 1_000_000) == 4 and band_count(4, 10_000) == 5
    with pytest.raises(ValueError):
        close_pairs(np.zeros(2, np.uint64), radius=64)


def brute_force(x: np.ndarray, y: np.ndarray | None, radius: int) -> set[tuple[int, int, int]]:
    other = x if y is None else y
    d = np.bitwise_count(x[:, None] ^ other[None, :])
    close = d <= radius
    if y is None:
        close = np.triu(close, k=1)
    return {(int(i), int(j), int(d[i, j])) for i, j in np.argwhere(close)}


@st.composite
def hash_sets(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int]:
    """Random 64-bit hashes, and copies of some at random distances 0..radius (+ 1)."""
    radius = draw(st.integers(0, 16))
    seed = draw(st.integers(0, 2**32 - 1))
    n, m = draw(st.integers(0, 120)), draw(st.integers(0, 120))
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2**64 - 1, n, dtype=np.uint64, endpoint=True)
    y = rng.integers(0, 2**64 - 1, m, dtype=np.uint64, endpoint=True)
    for target in (x, y):
        for k in range(len(target)):
            if rng.random() < 0.6 and len(x):
                source = x[rng.integers(0, len(x))]
                flips = rng.choice(64, size=int(rng.integers(0, radius + 2)), replace=False)
                target[k] = source ^ np.uint64(sum(1 << int(b) for b in flips))
    return x, y, radius


@pytest.mark.parametrize("band_total", [4, 5, 6])
@given(case=hash_sets())
def test_close_pairs_match_brute_force(
    band_total: int, case: tuple[np.ndarray, np.ndarray, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the few wide bands production uses on many hashes (:func:`band_count` would pick
    many narrow ones for so few), probes flip one, two or more bits of a band."""
    monkeypatch.setattr(dups, "band_count", lambda radius, size: band_total)
    x, y, radius = case
    for other in (None, y):
        i, j, d = close_pairs(x, other, radius=radius)
        found = set(zip(i.tolist(), j.tolist(), d.tolist()))
        assert len(found) == len(i)  # each pair once
        assert found == brute_force(x, other, radius)


def test_doctests() -> None:
    assert doctest.testmod(dups).failed == 0
