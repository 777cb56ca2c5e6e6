"""datacard's image duplicates across splits, called directly (project venv).

    .venv/bin/python bench/media/datacard_dups.py DIR [--hashes FILE] [--max-distance N]

`datacard.media.duplicates.image_hashes(DIR)` (every image read once, in the worker pool:
sha256 and 64-bit pHash), then `duplicate_pairs(test, train)`: each test image with an exact
(same sha256) or near (pHash at most N bits apart, default 4) duplicate in train, paired with
one training image. Prints one JSON object: the pairs, the images that could not be decoded,
per-split counts and the in-process timings. --hashes also writes every image's pHash (hex) to
FILE, for the harness's look at missed pairs. Used by bench/media/run.py while `datacard leaks`
does not report near-duplicate images itself.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

STARTED = time.perf_counter()

from datacard.media.duplicates import MAX_DISTANCE, duplicate_pairs, image_hashes  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--hashes", type=Path, help="write every image's pHash here (JSON)")
    parser.add_argument("--max-distance", type=int, default=MAX_DISTANCE)
    parser.add_argument("--workers", type=int, help="worker processes (default: datacard's)")
    args = parser.parse_args(argv)
    imported = time.perf_counter()
    hashes = image_hashes(args.root, workers=args.workers)
    hashed = time.perf_counter()
    if "test" not in hashes or "train" not in hashes:
        print(json.dumps({"error": f"splits found: {sorted(hashes)}, expected train and test"}))
        return 2
    pairs = duplicate_pairs(hashes["test"], hashes["train"], max_distance=args.max_distance)
    paired = time.perf_counter()
    out = {
        "max_distance": args.max_distance,
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
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
