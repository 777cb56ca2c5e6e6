"""Deterministic JPEG class folders with planted duplicates for bench/media/run.py.

Writes, under bench/data/media/ (git-ignored), for N files (10,000; 1,000 with --quick):

- <tag>/train/<class>/<serial>.jpg   80 % of the files, 10 classes (CIFAR-10's names)
- <tag>/test/<class>/<serial>.jpg    20 %: planted copies of training images, fresh images
- <tag>_truth.json                   the ground truth (outside the measured folder)

Every image is drawn from its own numpy Generator (seeded with SEED and its index): a random
low-resolution colour field upscaled bicubically (smooth gradients), 2-9 random shapes
(ellipses, rectangles, polygons, lines), sometimes stripes, and Gaussian noise of random
strength; 5 % are grayscale. Sizes: 30 % common ones (224², 256², 640×480, 1024×768, ...),
70 % with width and height uniform in 64..1024. JPEG quality 70, 80, 85, 90 or 95.

Planted in the test split, each a copy of a different training image (same class folder, a
file name that tells nothing), at 10,000 files:

| kind | how many | what the test file is |
| --- | ---: | --- |
| `exact_bytes` | 200 | a byte copy |
| `metadata_edit` | 100 | the same JPEG data with an EXIF block inserted: same pixels, other bytes |
| `resize` | 150 | resized by a factor in 0.90-0.98 or 1.02-1.10 (Lanczos), same quality |
| `quality` | 150 | re-encoded at a quality at least 15 away (50, 60, 70 or 95) |
| `brightness` | 150 | Pillow's `ImageEnhance.Brightness`, factor 0.90-0.97 or 1.03-1.10 |
| `crop` | 150 | 1-5 % of the width and of the height cut off (split at random between the sides) |

Corrupt files (all named .jpg, fresh content): 4 truncated JPEGs (30-80 % of their bytes
kept) and 2 of random bytes in train, 2 and 2 in test. With --quick everything planted is
scaled by 1/10 (at least one of each), the corrupt files are the same.

The truth file records every planted pair with its parameters and the Hamming distance between
the two files' 64-bit perceptual hashes (`imagehash.phash` of the full decoded images, as
CleanVision computes it), every corrupt file, and the smallest pHash distance between a test
image and any training image it was *not* made from (a check that the fresh content does not
collide by chance). A folder that exists with its truth file is kept; delete it to remake it.

Run: .venv/bin/python bench/media/generate.py [--quick | --files N] [--workers N] [--facts]
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance

BENCH_DIR = Path(__file__).resolve().parent.parent
DATA_ROOT = BENCH_DIR / "data" / "media"

SEED = 20261201
FILES_FULL = 10_000
FILES_QUICK = 1_000
TEST_SHARE = 0.2
CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
COMMON_SIZES = (
    (224, 224),
    (256, 256),
    (512, 512),
    (640, 480),
    (480, 640),
    (800, 600),
    (1024, 768),
    (768, 1024),
    (1024, 1024),
    (128, 128),
    (96, 96),
    (64, 64),
)
QUALITIES = (70, 80, 85, 90, 95)
REQUALITIES = (50, 60, 70, 95)
GRAY_SHARE = 0.05
# Planted pairs per 10,000 files, by kind.
PLANTED = {
    "exact_bytes": 200,
    "metadata_edit": 100,
    "resize": 150,
    "quality": 150,
    "brightness": 150,
    "crop": 150,
}
EXACT_KINDS = ("exact_bytes", "metadata_edit")
NEAR_KINDS = ("resize", "quality", "brightness", "crop")
CORRUPT = {
    "train": {"truncated": 4, "random_bytes": 2},
    "test": {"truncated": 2, "random_bytes": 2},
}


def tag_for(files: int) -> str:
    return f"{files // 1000}k" if files % 1000 == 0 else str(files)


def truth_path(files: int) -> Path:
    return DATA_ROOT / f"{tag_for(files)}_truth.json"


# --------------------------------------------------------------------------- images


def render(seed: int, width: int, height: int, gray: bool) -> Image.Image:
    """One image of random smooth colour, shapes, stripes and noise (its own Generator)."""
    rng = np.random.default_rng([SEED, seed])
    gw, gh = int(rng.integers(2, 7)), int(rng.integers(2, 7))
    low = rng.integers(0, 256, (gh, gw, 3), dtype=np.uint8)
    image = Image.fromarray(low, "RGB").resize((width, height), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(2, 10))):
        x0, x1 = sorted(rng.integers(-width // 4, width + width // 4, 2).tolist())
        y0, y1 = sorted(rng.integers(-height // 4, height + height // 4, 2).tolist())
        colour = tuple(rng.integers(0, 256, 3).tolist())
        shape = int(rng.integers(0, 4))
        if shape == 0:
            draw.ellipse((x0, y0, max(x1, x0 + 1), max(y1, y0 + 1)), fill=colour)
        elif shape == 1:
            draw.rectangle((x0, y0, max(x1, x0 + 1), max(y1, y0 + 1)), fill=colour)
        elif shape == 2:
            points = [
                (int(x), int(y))
                for x, y in zip(
                    rng.integers(0, width, 5).tolist(), rng.integers(0, height, 5).tolist()
                )
            ]
            draw.polygon(points, fill=colour)
        else:
            draw.line((x0, y0, x1, y1), fill=colour, width=int(rng.integers(1, 12)))
    pixels = np.asarray(image, dtype=np.float32)
    if rng.random() < 0.3:  # stripes
        fx, fy = rng.uniform(-0.08, 0.08, 2)
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
        stripes = np.sin(2 * np.pi * (fx * xs + fy * ys)) * rng.uniform(8, 30)
        pixels += stripes[..., None]
    sigma = float(rng.uniform(0, 14))
    if sigma > 0.5:
        pixels += rng.standard_normal((height, width, 1), dtype=np.float32) * sigma
    out = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    return out.convert("L") if gray else out


def encode(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def phash(image: Image.Image) -> int:
    import imagehash

    return int(str(imagehash.phash(image)), 16)


def with_exif(data: bytes) -> bytes:
    """The same JPEG with an APP1 EXIF segment inserted after SOI: other bytes, same pixels."""
    exif = Image.Exif()
    exif[0x0131] = "datacard bench"  # Software
    exif[0x010E] = "metadata edited, pixels untouched"  # ImageDescription
    body = b"Exif\x00\x00" + exif.tobytes()
    segment = b"\xff\xe1" + (len(body) + 2).to_bytes(2, "big") + body
    assert data[:2] == b"\xff\xd8"
    return data[:2] + segment + data[2:]


def make_copy(
    kind: str, data: bytes, quality: int, rng: np.random.Generator
) -> tuple[bytes, dict[str, Any]]:
    if kind == "exact_bytes":
        return data, {}
    if kind == "metadata_edit":
        return with_exif(data), {}
    source = decode(data)
    w, h = source.size
    if kind == "resize":
        factor = float(rng.uniform(0.02, 0.10)) * (1 if rng.random() < 0.5 else -1) + 1.0
        size = (max(8, round(w * factor)), max(8, round(h * factor)))
        image = source.resize(size, Image.Resampling.LANCZOS)
        return encode(image, quality), {"factor": round(factor, 4), "size": list(size)}
    if kind == "quality":
        choices = [q for q in REQUALITIES if abs(q - quality) >= 15]
        q2 = int(rng.choice(choices))
        return encode(source, q2), {"from_quality": quality, "quality": q2}
    if kind == "brightness":
        factor = float(rng.uniform(0.03, 0.10)) * (1 if rng.random() < 0.5 else -1) + 1.0
        image = ImageEnhance.Brightness(source).enhance(factor)
        return encode(image, quality), {"factor": round(factor, 4)}
    if kind == "crop":
        fx, fy = rng.uniform(0.01, 0.05, 2)
        cut_w, cut_h = max(1, round(w * fx)), max(1, round(h * fy))
        left, top = int(rng.integers(0, cut_w + 1)), int(rng.integers(0, cut_h + 1))
        box = (left, top, w - (cut_w - left), h - (cut_h - top))
        image = source.crop(box)
        return encode(image, quality), {
            "box": list(box),
            "cut_share": [round(cut_w / w, 4), round(cut_h / h, 4)],
        }
    raise ValueError(kind)


def work(task: dict[str, Any]) -> dict[str, Any]:
    """Render one image (and its planted copy, or its corruption); returns bytes and hashes."""
    image = render(task["seed"], task["width"], task["height"], task["gray"])
    data = encode(image, task["quality"])
    out: dict[str, Any] = {"index": task["index"]}
    corrupt = task.get("corrupt")
    rng = np.random.default_rng([SEED, task["seed"], 1])
    if corrupt == "truncated":
        keep = float(rng.uniform(0.3, 0.8))
        out["data"] = data[: int(len(data) * keep)]
        out["detail"] = {"kept_share": round(keep, 3), "of_bytes": len(data)}
        return out
    if corrupt == "random_bytes":
        out["data"] = rng.bytes(int(rng.integers(2_000, 100_000)))
        out["detail"] = {}
        return out
    out["data"] = data
    out["phash"] = phash(decode(data))
    kind = task.get("plant")
    if kind:
        copy, params = make_copy(kind, data, task["quality"], rng)
        out["copy"] = copy
        out["copy_phash"] = phash(decode(copy))
        out["params"] = params
    return out


# --------------------------------------------------------------------------- the plan


def scaled(count: int, files: int) -> int:
    return max(1, round(count * files / FILES_FULL))


def plan(files: int) -> dict[str, Any]:
    """Which image goes where: tasks (one per rendered image) and file names."""
    rng = np.random.default_rng(SEED)
    n_test = round(files * TEST_SHARE)
    n_train = files - n_test
    planted = {k: scaled(v, files) for k, v in PLANTED.items()}
    n_planted = sum(planted.values())
    corrupt = {s: dict(c) for s, c in CORRUPT.items()}
    n_corrupt = {s: sum(c.values()) for s, c in corrupt.items()}
    fresh_test = n_test - n_planted - n_corrupt["test"]
    if fresh_test < 0:
        raise SystemExit(f"{files} files are too few for the planted copies")
    serials = rng.permutation(files)  # file names tell nothing about what a file is
    tasks: list[dict[str, Any]] = []

    def new_task(split: str) -> dict[str, Any]:
        index = len(tasks)
        if rng.random() < 0.3:
            width, height = COMMON_SIZES[int(rng.integers(len(COMMON_SIZES)))]
        else:
            width, height = (int(v) for v in rng.integers(64, 1025, 2))
        task = {
            "index": index,
            "seed": index,
            "split": split,
            "label": CLASSES[int(rng.integers(len(CLASSES)))],
            "width": width,
            "height": height,
            "gray": bool(rng.random() < GRAY_SHARE),
            "quality": int(rng.choice(QUALITIES)),
        }
        tasks.append(task)
        return task

    train_normal = n_train - n_corrupt["train"]
    for _ in range(train_normal):
        new_task("train")
    kinds = [k for k, n in planted.items() for _ in range(n)]
    sources = rng.choice(train_normal, size=n_planted, replace=False)
    order = rng.permutation(n_planted)
    for k, i in enumerate(sources.tolist()):
        tasks[i]["plant"] = kinds[order[k]]
    for split in ("train", "test"):
        for kind, count in corrupt[split].items():
            for _ in range(count):
                new_task(split)["corrupt"] = kind
    for _ in range(fresh_test):
        new_task("test")
    # File names: one serial per file (copies included), in a random order.
    names = iter(serials.tolist())
    for task in tasks:
        task["path"] = f"{task['split']}/{task['label']}/{next(names):06d}.jpg"
        if task.get("plant"):
            task["copy_path"] = f"test/{task['label']}/{next(names):06d}.jpg"
    return {
        "files": files,
        "train": n_train,
        "test": n_test,
        "planted": planted,
        "corrupt": corrupt,
        "fresh_test": fresh_test,
        "tasks": tasks,
    }


# --------------------------------------------------------------------------- writing


def write(files: int, workers: int) -> Path:
    tag = tag_for(files)
    final = DATA_ROOT / tag
    truth_file = truth_path(files)
    if final.is_dir() and truth_file.exists():
        truth = json.loads(truth_file.read_text())
        if truth.get("files") == files:
            print(f"kept {final} ({files:,} files)")
            return final
    started = time.perf_counter()
    p = plan(files)
    tmp = DATA_ROOT / f"{tag}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tasks = p["tasks"]
    hashes: dict[str, int] = {}
    pairs: list[dict[str, Any]] = []
    corrupt: list[dict[str, Any]] = []
    sizes: list[tuple[int, int]] = []
    total_bytes = 0
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for done, out in enumerate(pool.imap_unordered(work, tasks, chunksize=8), 1):
            task = tasks[out["index"]]
            path = tmp / task["path"]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(out["data"])
            total_bytes += len(out["data"])
            if task.get("corrupt"):
                corrupt.append({"path": task["path"], "kind": task["corrupt"], **out["detail"]})
                continue
            sizes.append((task["width"], task["height"]))
            hashes[task["path"]] = out["phash"]
            if "copy" in out:
                copy_path = tmp / task["copy_path"]
                copy_path.parent.mkdir(parents=True, exist_ok=True)
                copy_path.write_bytes(out["copy"])
                total_bytes += len(out["copy"])
                hashes[task["copy_path"]] = out["copy_phash"]
                size = out["params"].get("size") or (
                    [out["params"]["box"][2] - out["params"]["box"][0],
                     out["params"]["box"][3] - out["params"]["box"][1]]
                    if "box" in out["params"] else [task["width"], task["height"]]
                )  # fmt: skip
                sizes.append((int(size[0]), int(size[1])))
                pairs.append(
                    {
                        "test": task["copy_path"],
                        "train": task["path"],
                        "kind": task["plant"],
                        "params": out["params"],
                        "phash_distance": int(
                            np.bitwise_count(np.uint64(out["phash"] ^ out["copy_phash"]))
                        ),
                        "gray": task["gray"],
                        "source_size": [task["width"], task["height"]],
                        "source_quality": task["quality"],
                    }
                )
            if done % 1000 == 0:
                print(f"  {done:,} of {len(tasks):,} images", flush=True)
    written = sum(1 for _ in tmp.rglob("*.jpg"))
    if written != files:
        raise SystemExit(f"wrote {written} files, expected {files}")
    pairs.sort(key=lambda r: r["test"])
    corrupt.sort(key=lambda r: r["path"])
    truth = {
        "files": files,
        "seed": SEED,
        "root": str(final.relative_to(BENCH_DIR.parent)),
        "splits": {"train": p["train"], "test": p["test"]},
        "classes": list(CLASSES),
        "planted": p["planted"],
        "fresh_test": p["fresh_test"],
        "exact_kinds": list(EXACT_KINDS),
        "near_kinds": list(NEAR_KINDS),
        "pairs": pairs,
        "corrupt": corrupt,
        "images": {
            "decodable": len(sizes),
            "megapixels": round(sum(w * h for w, h in sizes) / 1e6, 1),
            "bytes": total_bytes,
            "width_range": [min(w for w, _ in sizes), max(w for w, _ in sizes)],
            "height_range": [min(h for _, h in sizes), max(h for _, h in sizes)],
        },
        "unrelated": unrelated_distances(hashes, pairs),
        "generate_s": round(time.perf_counter() - started, 1),
    }
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    truth_file.write_text(json.dumps(truth, indent=1) + "\n")
    print(f"wrote {final} ({files:,} files) and {truth_file.name} in {truth['generate_s']} s")
    return final


def unrelated_distances(hashes: dict[str, int], pairs: list[dict[str, Any]]) -> dict[str, Any]:
    """pHash distances from each test image to the training images it was not made from."""
    source_of = {p["test"]: p["train"] for p in pairs}
    train = sorted(k for k in hashes if k.startswith("train/"))
    test = sorted(k for k in hashes if k.startswith("test/"))
    tr = np.array([hashes[k] for k in train], np.uint64)
    index = {k: i for i, k in enumerate(train)}
    nearest: list[int] = []
    close: list[dict[str, Any]] = []
    for name in test:
        d = np.bitwise_count(tr ^ np.uint64(hashes[name])).astype(np.int64)
        if name in source_of:
            d[index[source_of[name]]] = 64
        best = int(d.min())
        nearest.append(best)
        if best <= 8:
            close.append({"test": name, "train": train[int(d.argmin())], "distance": best})
    counts = np.bincount(nearest, minlength=65)
    return {
        "test_images": len(test),
        "min": int(min(nearest)),
        "median": float(np.median(nearest)),
        "at_most_4": int(counts[:5].sum()),
        "at_most_8": int(counts[:9].sum()),
        "closest_pairs": close[:20],
    }


def facts(files: int) -> dict[str, Any]:
    truth = json.loads(truth_path(files).read_text())
    root = DATA_ROOT / tag_for(files)
    return {
        "path": str(root.relative_to(BENCH_DIR.parent)),
        "files": truth["files"],
        "splits": truth["splits"],
        **truth["images"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{FILES_QUICK:,} files")
    parser.add_argument("--files", type=int, help=f"files in all (default {FILES_FULL:,})")
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--facts", action="store_true", help="print the data's facts as JSON")
    args = parser.parse_args(argv)
    files = args.files or (FILES_QUICK if args.quick else FILES_FULL)
    if args.facts:
        print(json.dumps(facts(files)))
        return 0
    write(files, max(1, args.workers))
    return 0


if __name__ == "__main__":
    sys.exit(main())
