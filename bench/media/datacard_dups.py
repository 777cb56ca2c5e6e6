"""datacard's image duplicates across splits, called directly (project venv).

    .venv/bin/python bench/media/datacard_dups.py DIR [--hashes FILE] [--colours FILE]
                                                  [--max-distance N] [--confirmed-distance N]

`datacard.media.duplicates.image_hashes(DIR)` (every image read once, in the worker pool:
sha256, 64-bit pHash and coarse colour histogram), then `duplicate_pairs(test, train)`: each
test image with an exact (same sha256) or near duplicate in train, paired with one training
image. Near: pHash at most N bits apart (--max-distance, default 4), or at most
--confirmed-distance bits apart (default 10; 0: off) with colour histograms that agree. Prints
one JSON object: the pairs, the images that could not be decoded, per-split counts and the
in-process timings. --hashes also writes every image's pHash (hex) to FILE, --colours the
coarse colour histograms (.npz: `paths`, `hist`), for the harness's look at missed pairs and
other limits (bench/media/sweep.py). `datacard leaks` reports the same pairs; this is the
library called directly, beside it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

STARTED = time.perf_counter()

from datacard.media.duplicates import (  # noqa: E402
    CONFIRMED_DISTANCE,
    MAX_DISTANCE,
    duplicate_pairs,
    image_hashes,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--hashes", type=Path, help="write every image's pHash here (JSON)")
    parser.add_argument("--colours", type=Path, help="write the colour histograms here (.npz)")
    parser.add_argument("--max-distance", type=int, default=MAX_DISTANCE)
    parser.add_argument("--confirmed-distance", type=int, default=CONFIRMED_DISTANCE)
    parser.add_argument("--workers", type=int, help="worker processes (default: datacard's)")
    args = parser.parse_args(argv)
    imported = time.perf_counter()
    hashes = image_hashes(args.root, workers=args.workers)
    hashed = time.perf_counter()
    if "test" not in hashes or "train" not in hashes:
        print(json.dumps({"error": f"splits found: {sorted(hashes)}, expected train and test"}))
        return 2
    pairs = duplicate_pairs(
        hashes["test"],
        hashes["train"],
        max_distance=args.max_distance,
        confirmed_distance=args.confirmed_distance,
    )
    paired = time.perf_counter()
    out = {
        "max_distance": args.max_distance,
        "confirmed_distance": args.confirmed_distance,
        "images": {split: len(h.paths) for split, h in hashes.items()},
        "pairs": [
            {"test": p.a, "train": p.b, "distance": p.distance, "exact": p.exact} for p in pairs
        ],
        "undecoded": {
            split: [path for path, ok in zip(h.paths, h.decoded.tolist()) if not ok]
            for split, h in hashes.items()
        },
        "timings": {
            "import_s": round(imported - STARTED, 3),
            "hash_s": round(hashed - imported, 3),
            "pairs_s": round(paired - hashed, 3),
        },
    }
    if args.hashes is not None:
        args.hashes.parent.mkdir(parents=True, exist_ok=True)
        table = {
            path: f"{int(value):016x}"
            for h in hashes.values()
            for path, value, ok in zip(h.paths, h.phash.tolist(), h.decoded.tolist())
            if ok
        }
        args.hashes.write_text(json.dumps(table))
    if args.colours is not None:
        import numpy as np

        args.colours.parent.mkdir(parents=True, exist_ok=True)
        kept = [(h, np.flatnonzero(h.decoded)) for h in hashes.values() if h.hist is not None]
        np.savez_compressed(
            args.colours,
            paths=np.array([h.paths[i] for h, rows in kept for i in rows.tolist()]),
            hist=np.concatenate([h.hist[rows] for h, rows in kept if h.hist is not None]),
        )
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
