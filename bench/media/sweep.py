"""What other pHash distance limits would give, from datacard's own hashes (untimed analysis).

    .venv/bin/python bench/media/sweep.py TRUTH HASHES [COLOURS]

TRUTH is generate.py's truth file, HASHES the `--hashes` file of datacard_dups.py (every
decodable image's 64-bit pHash as datacard computes it). For each limit 0, 2, ..., 12 bits,
prints (one JSON object) how many planted near-duplicate pairs (and crops alone) are within
it, by datacard's hash and by the reference hash of the truth file (`imagehash.phash` of the
full image), and how many pairs of images that are *not* copies of each other are within it:
across splits (test vs train, the leakage view) and within each split. A pair-level view:
`duplicate_pairs` keeps one training partner per test image, which does not change recall.

With COLOURS (the `--colours` file of datacard_dups.py: every decodable image's coarse colour
histogram), the same counts for datacard's two tiers (`confirmed_rows`): pHash at most
`MAX_DISTANCE` bits on its own, or at most each limit 4, 6, ..., 16 with colour histograms
that agree (`colour_distance` at most `MAX_COLOUR_DISTANCE`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

LIMITS = (0, 2, 4, 6, 8, 10, 12)
CONFIRMED_LIMITS = (4, 6, 8, 10, 12, 14, 16)
NEAR_KINDS = ("resize", "quality", "brightness", "crop")
CHUNK = 512


def _close_counts(a: np.ndarray, b: np.ndarray | None, limits: tuple[int, ...]) -> list[int]:
    """Pairs (i, j) of a x b (or i < j within a) at most each limit apart."""
    counts = np.zeros(len(limits), np.int64)
    other = a if b is None else b
    for start in range(0, len(a), CHUNK):
        block = a[start : start + CHUNK]
        d = np.bitwise_count(block[:, None] ^ other[None, :]).astype(np.int16)
        if b is None:  # upper triangle only
            rows = np.arange(start, start + len(block))[:, None]
            d[rows >= np.arange(len(other))[None, :]] = 99
        for k, limit in enumerate(limits):
            counts[k] += int((d <= limit).sum())
    return counts.tolist()


def _pairs_within(a: np.ndarray, b: np.ndarray | None, limit: int) -> np.ndarray:
    """Index pairs (i, j) of a x b (or i < j within a) at most ``limit`` apart, with the
    distance: rows (i, j, d)."""
    other = a if b is None else b
    found = [np.zeros((0, 3), np.int64)]
    for start in range(0, len(a), CHUNK):
        block = a[start : start + CHUNK]
        d = np.bitwise_count(block[:, None] ^ other[None, :]).astype(np.int16)
        if b is None:
            rows = np.arange(start, start + len(block))[:, None]
            d[rows >= np.arange(len(other))[None, :]] = 99
        i, j = np.nonzero(d <= limit)
        found.append(np.stack([i + start, j, d[i, j]], axis=1).astype(np.int64))
    return np.concatenate(found)


def confirmed_rows(
    truth: dict[str, Any], table: dict[str, str], colours: Path
) -> list[dict[str, Any]]:
    """Per limit L of CONFIRMED_LIMITS: pairs datacard's two tiers accept (pHash at most
    MAX_DISTANCE, or at most L with agreeing colours): planted near duplicates and crops found,
    unrelated pairs across splits and within each."""
    from datacard.media.duplicates import MAX_COLOUR_DISTANCE, MAX_DISTANCE, colour_distance

    data = np.load(colours)
    row_of = {str(p): k for k, p in enumerate(data["paths"].tolist())}
    hist = data["hist"]
    top = max(CONFIRMED_LIMITS)

    def accepted(x: list[str], y: list[str], d: np.ndarray) -> list[int]:
        """How many of the pairs (x, y) at distances d each limit accepts."""
        known = np.array([a in row_of and b in row_of for a, b in zip(x, y)], bool)
        tv = np.ones(len(d))
        if known.any():
            ia = np.array([row_of[a] for a, k in zip(x, known) if k], np.int64)
            ib = np.array([row_of[b] for b, k in zip(y, known) if k], np.int64)
            tv[known] = colour_distance(hist[ia], hist[ib])
        ok = (d <= MAX_DISTANCE) | (tv <= MAX_COLOUR_DISTANCE)
        return [int((ok & (d <= limit)).sum()) for limit in CONFIRMED_LIMITS]

    def own(p: dict[str, Any]) -> int:
        if p["test"] in table and p["train"] in table:
            return (int(table[p["test"]], 16) ^ int(table[p["train"]], 16)).bit_count()
        return 99

    near = [p for p in truth["pairs"] if p["kind"] in NEAR_KINDS]
    crops = [p for p in near if p["kind"] == "crop"]
    planted = {(p["test"], p["train"]) for p in truth["pairs"]}
    counts: dict[str, list[int]] = {}
    for name, chosen in (("near_found", near), ("crop_found", crops)):
        counts[name] = accepted(
            [p["test"] for p in chosen],
            [p["train"] for p in chosen],
            np.array([own(p) for p in chosen], np.int64),
        )
    splits = {s: sorted(k for k in table if k.startswith(f"{s}/")) for s in ("train", "test")}
    arrays = {s: np.array([int(table[k], 16) for k in v], np.uint64) for s, v in splits.items()}
    for name, a, b in (
        ("unrelated_cross_pairs", "test", "train"),
        ("unrelated_within_train", "train", None),
        ("unrelated_within_test", "test", None),
    ):
        other = a if b is None else b
        found = _pairs_within(arrays[a], None if b is None else arrays[b], top)
        x = [splits[a][i] for i in found[:, 0].tolist()]
        y = [splits[other][j] for j in found[:, 1].tolist()]
        keep = np.array([(p, q) not in planted for p, q in zip(x, y)], bool)
        counts[name] = accepted(
            [p for p, k in zip(x, keep) if k], [q for q, k in zip(y, keep) if k], found[keep, 2]
        )
    return [
        {"limit": limit, **{name: values[k] for name, values in counts.items()}}
        for k, limit in enumerate(CONFIRMED_LIMITS)
    ]


def main(argv: list[str]) -> int:
    truth = json.loads(Path(argv[0]).read_text())
    table: dict[str, str] = json.loads(Path(argv[1]).read_text())
    pairs = [p for p in truth["pairs"] if p["kind"] in NEAR_KINDS]
    all_pairs = truth["pairs"]
    planted = {(p["test"], p["train"]) for p in all_pairs}

    def own(p: dict[str, str]) -> int | None:
        if p["test"] in table and p["train"] in table:
            return (int(table[p["test"]], 16) ^ int(table[p["train"]], 16)).bit_count()
        return None

    splits = {s: sorted(k for k in table if k.startswith(f"{s}/")) for s in ("train", "test")}
    arrays = {s: np.array([int(table[k], 16) for k in v], np.uint64) for s, v in splits.items()}
    cross = _close_counts(arrays["test"], arrays["train"], LIMITS)
    # Planted pairs (every kind) are the cross-split pairs that are not accidental.
    planted_within = [
        sum(1 for p in all_pairs if (d := own(p)) is not None and d <= limit) for limit in LIMITS
    ]
    within = {s: _close_counts(arrays[s], None, LIMITS) for s in ("train", "test")}
    rows = []
    for k, limit in enumerate(LIMITS):
        mine = [own(p) for p in pairs]
        crops = [p for p in pairs if p["kind"] == "crop"]
        rows.append(
            {
                "limit": limit,
                "near_found": sum(1 for d in mine if d is not None and d <= limit),
                "near_found_reference": sum(1 for p in pairs if p["phash_distance"] <= limit),
                "crop_found": sum(1 for p in crops if (d := own(p)) is not None and d <= limit),
                "unrelated_cross_pairs": cross[k] - planted_within[k],
                "unrelated_within_train": within["train"][k],
                "unrelated_within_test": within["test"][k],
            }
        )
    print(
        json.dumps(
            {
                "near_planted": len(pairs),
                "crop_planted": sum(1 for p in pairs if p["kind"] == "crop"),
                "planted_pairs": len(planted),
                "images": {s: len(v) for s, v in splits.items()},
                "rows": rows,
                "confirmed_rows": confirmed_rows(truth, table, Path(argv[2]))
                if len(argv) > 2
                else [],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
