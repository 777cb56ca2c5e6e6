"""CleanVision's issue finder on an image folder (run with bench/.venv-peers' python).

    bench/.venv-peers/bin/python bench/media/cleanvision_peer.py DIR [--exclude FILE]

`Imagelab(data_path=DIR).find_issues()` with every default: the default issue types (dark,
light, odd_aspect_ratio, low_information, exact_duplicates, near_duplicates, blurry, grayscale,
odd_size), n_jobs = CleanVision's default (physical cores, from psutil), verbose off. With
--exclude FILE (a JSON list of paths relative to DIR) those files are left out:
`Imagelab(filepaths=...)` with the folder's image files (found as CleanVision finds them) but
those. Prints one JSON object: the exact and near duplicate sets (paths relative to DIR), the
issue summary, n_jobs and the in-process timings; if find_issues raises, the error (exit 3).
CleanVision keeps no hashes, only the sets: its near duplicates are images whose 64-bit pHash
(`imagehash.phash`, hash_size 8, of the full image) is *equal*; its exact duplicates, images
whose decoded pixels have the same md5.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from pathlib import Path

STARTED = time.perf_counter()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--exclude", type=Path, help="JSON list of paths (relative) to leave out")
    args = parser.parse_args(argv)
    root = args.root.resolve()

    from cleanvision import Imagelab, __version__
    from cleanvision.utils.utils import get_max_n_jobs

    imported = time.perf_counter()
    if args.exclude is None:
        lab = Imagelab(data_path=str(root), verbose=False)
        excluded = 0
    else:
        skip = {str(root / p) for p in json.loads(args.exclude.read_text())}
        listed = Imagelab(data_path=str(root), verbose=False)._dataset.index  # its own walk
        keep = [p for p in listed if str(p) not in skip]
        excluded = len(listed) - len(keep)
        lab = Imagelab(filepaths=keep, verbose=False)
    images = len(lab._dataset)
    listed_at = time.perf_counter()
    out: dict[str, object] = {
        "version": __version__,
        "images": images,
        "excluded": excluded,
        "n_jobs": get_max_n_jobs(),
        "nproc": len(os.sched_getaffinity(0)),
    }
    try:
        lab.find_issues(verbose=False)
    except Exception as exc:  # noqa: BLE001 - reported, the harness scores nothing
        found_at = time.perf_counter()
        frames = traceback.extract_tb(exc.__traceback__)
        out["error"] = f"{type(exc).__name__}: {exc}"
        out["error_at"] = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else ""
        out["timings"] = {
            "import_s": round(imported - STARTED, 3),
            "list_s": round(listed_at - imported, 3),
            "find_issues_s": round(found_at - listed_at, 3),
        }
        print(json.dumps(out))
        return 3
    found_at = time.perf_counter()

    def rel(path: object) -> str:
        return os.path.relpath(str(path), root)

    out["exact_sets"] = [sorted(rel(p) for p in s) for s in lab.info["exact_duplicates"]["sets"]]
    out["near_sets"] = [sorted(rel(p) for p in s) for s in lab.info["near_duplicates"]["sets"]]
    summary = lab.issue_summary
    out["issue_summary"] = {
        str(t): int(n) for t, n in zip(summary["issue_type"], summary["num_images"])
    }
    out["timings"] = {
        "import_s": round(imported - STARTED, 3),
        "list_s": round(listed_at - imported, 3),
        "find_issues_s": round(found_at - listed_at, 3),
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
