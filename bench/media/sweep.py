"""What other pHash distance limits would give, from datacard's own hashes (untimed analysis).

    .venv/bin/python bench/media/sweep.py TRUTH HASHES

TRUTH is generate.py's truth file, HASHES the `--hashes` file of datacard_dups.py (every
decodable image's 64-bit pHash as datacard computes it). For each limit 0, 2, ..., 12 bits,
prints (one JSON object) how many planted near-duplicate pairs (and crops alone) are within
it, by datacard's hash and by the reference hash of the truth file (`imagehash.phash` of the
full image), and how many pairs of images that are *not* copies of each other are within it:
across splits (test vs train, the leakage view) and within each split. A pair-level view:
`duplicate_pairs` keeps one training partner per test image, which does not change recall.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

LIMITS = (0, 2, 4, 6, 8, 10, 12)
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
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
