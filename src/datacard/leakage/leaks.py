"""``datacard leaks``: examples shared between splits (exact, near-duplicate text or images,
conflicting labels), and repeated within a split.

One pass over the data: every partition is scanned in a worker process
(:func:`datacard.leakage.partscan.scan_partition`: row hashes, shingle sets, MinHash signatures,
no raw text; for images also each file's perceptual hash, :mod:`datacard.leakage.media`), the
parent concatenates the pieces in plan order and finds the pairs by sorting
(:mod:`datacard.leakage.pairs`), then summarises them per split pair (:mod:`.summary`). On a
Dask cluster the pieces stay on the workers and the pairs are found by hash-partitioned joins
there (:mod:`datacard.leakage.shuffle`), with the same result. Pairs of media files name the
files (``a_file``/``b_file``) and their index in the split (``a_row``).

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "train.csv").write_text("q,y\\nhello there,1\\nbye,0\\n")
>>> _ = (d / "test.csv").write_text("q,y\\nHello there!,1\\n")
>>> result = run_leaks(d, text=["q"], workers=1)
>>> [(p.a, p.b, p.kind, p.count) for p in result.pairs if p.count]
[('train', 'test', 'exact', 1)]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from datacard.errors import UsageError
from datacard.executors import Engine, open_engine
from datacard.findings import Finding
from datacard.layout import discover
from datacard.leakage import media
from datacard.leakage.copies import Copies, expand, within
from datacard.leakage.minhash import lsh_candidates
from datacard.leakage.pairs import (
    best_per_pair,
    choose_banding,
    exact_pairs,
    label_pairs,
    orient,
    verify_candidates,
)
from datacard.leakage.partscan import (
    NUM_PERM,
    PartScan,
    ScanSpec,
    TextScan,
    join_texts,
    scan_partition,
    scan_texts,
    take_rows,
)
from datacard.leakage.rows import Rows, split_ids, split_names
from datacard.leakage.summary import PairSummary, findings_for, summarise, write_pairs
from datacard.profiling import work_bytes
from datacard.readers import reader_for
from datacard.readers.base import DataFile, Partition
from datacard.scan import by_row_group

I64 = npt.NDArray[np.int64]
Progress = Callable[[int, int], None]

__all__ = ["LeaksResult", "PairSummary", "run_leaks"]

#: Buckets of the Dask joins, and verify buckets, per worker (datacard.leakage.shuffle).
BUCKETS_PER_WORKER = 4
#: On a cluster, a join bucket covers at most about this much data: its cut (~0.3 bytes for
#: each byte of Parquet text) and the join's sorts then fit a worker of a few GB.
LEAK_BUCKET_BYTES = 2 << 30


@dataclass
class LeaksResult:
    """Pair summaries per split pair and kind, and the findings they make."""

    splits: dict[str, int]  # split -> rows
    pairs: list[PairSummary]
    findings: list[Finding] = field(default_factory=list)
    text: tuple[str, ...] = ()
    label: str | None = None
    image_distance: int | None = None  # pHash bits, when there are images to compare
    media_files: frozenset[str] = frozenset()  # media files named in the pairs

    def to_json(self) -> dict[str, Any]:
        """``{"pairs": [{"a", "b", "kind", "count", "fraction", "examples"}]}`` (docs/leaks.md)."""
        return {"pairs": [p.to_json() for p in self.pairs]}

    def summary_lines(self) -> list[str]:
        """Human-readable lines: what was compared, then one line per non-empty pair kind."""
        sizes = ", ".join(f"{s} ({n:,} rows)" for s, n in self.splits.items())
        lines = [f"splits: {sizes}"]
        if self.text:
            lines.append(f"near-duplicate text: {', '.join(self.text)}")
        if self.image_distance is not None:
            lines.append(
                f"near-duplicate images: perceptual hashes at most {self.image_distance} of "
                f"{media.HASH_BITS} bits apart"
                + (
                    f" (up to {media.CONFIRMED_DISTANCE} with matching colour histograms)"
                    if self.image_distance < media.CONFIRMED_DISTANCE
                    else ""
                )
            )
        if self.label:
            lines.append(f"label: {self.label}")
        found = [p for p in self.pairs if p.count]
        lines += [media.named_line(p.line(), p.examples, self.media_files) for p in found]
        if not found:
            lines.append("no leakage found")
        return lines


def run_leaks(
    root: str | Path,
    *,
    text: Sequence[str] = (),
    key: Sequence[str] = (),
    label: str | None = None,
    threshold: float = 0.8,
    out: str | Path | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    splits: dict[str, list[str]] | None = None,
    image_distance: int = media.MAX_DISTANCE,
    engine: Engine = None,
) -> LeaksResult:
    """Compare every pair of splits, and each split with itself (see docs/leaks.md).

    Images are near duplicates when their perceptual hashes are at most ``image_distance`` of
    64 bits apart. ``engine`` is where the work runs (:func:`datacard.executors.open_engine`):
    this machine (``workers`` processes), or a Dask cluster, where the pairs are found by
    hash-partitioned joins on the workers (:mod:`datacard.leakage.shuffle`) with the same
    result.
    """
    if not 0 < threshold <= 1:
        raise UsageError(f"--threshold must be in (0, 1], got {threshold}")
    if not 0 <= image_distance < media.HASH_BITS:
        raise UsageError(f"the image distance must be in 0..63 bits, got {image_distance}")
    if label is None or splits is None:
        card_label, card_splits, card_data = _card_defaults(root)
        root = card_data if card_data is not None else root  # a card of data behind a URL
        label = card_label if label is None else label
        splits = card_splits if splits is None else splits
    layout = discover(root, splits or None)
    items = _plan(layout.files, tuple(text), tuple(key), label)
    total = len(items) + 1
    parts_of = [p for p, _, _ in items]
    found: dict[str, tuple[I64, I64, npt.NDArray[np.float64]]] = {}
    images: list[media.ImageFields | None] = [None] * len(items)
    with open_engine(engine, workers=workers) as ex:
        if ex.name == "dask":  # joins on the workers: datacard.leakage.shuffle
            from datacard.leakage.shuffle import CutSpec, RemoteScans

            client = ex.client  # type: ignore[attr-defined]
            bands, band_rows = choose_banding(threshold, NUM_PERM)
            per_worker = BUCKETS_PER_WORKER * ex.workers
            data_bytes = sum(work_bytes(f) for f in layout.files)
            k = max(per_worker, -(-data_bytes // LEAK_BUCKET_BYTES))
            spec = CutSpec(k, label is not None, tuple(text), bands, band_rows)
            splits_of = split_ids(parts_of, split_names(layout.files))
            with RemoteScans(client, _scan_item, items, splits_of, spec, progress, total) as remote:
                counts, images = remote.counts, remote.extras
                rows = Rows.of(parts_of, counts, layout.files)
                split_rows, order, rank = _split_ranks(rows)
                found = remote.pairs(
                    rank,
                    rows.split,
                    rescan=_rescan_item,
                    threshold=threshold,
                    groups=per_worker,
                    verify=per_worker,
                )
        else:
            scans: list[PartScan | None] = [None] * len(items)
            for done, (index, (scan, image)) in enumerate(ex.map(_scan_item, items), 1):
                scans[index], images[index] = scan, image
                if progress is not None:
                    progress(done, total)
            parts = [s for s in scans if s is not None]
            counts = [p.rows for p in parts]
            rows = Rows.of(parts_of, counts, layout.files)
            split_rows, order, rank = _split_ranks(rows)
            split = rows.all_splits()
            exact = np.concatenate([p.exact for p in parts])
            a, b = exact_pairs(exact, split, rank)
            found["exact"] = (a, b, np.ones(len(a)))
            if text:
                found["near"] = _near(parts, tuple(text), exact, split, rank, threshold)
            if label is not None:
                inputs = np.concatenate([p.inputs for p in parts])
                labels = np.concatenate([p.labels for p in parts])
                a, b = label_pairs(inputs, labels, split, rank)
                found["label-conflict"] = (a, b, np.ones(len(a)))
    has_images = any(i is not None for i in images)
    distances: dict[tuple[int, int], int] = {}
    if has_images:
        # the gathered pHashes (8 bytes an image, with each file's path and sha256)
        a, b, sim, dist = media.image_near_pairs(
            images, counts, rows.all_splits(), rank, image_distance
        )
        distances = dict(zip(zip(a.tolist(), b.tolist()), dist.tolist()))
        pieces = [found["near"]] if "near" in found else []
        found["near"] = media.merge_pairs(rows.total, *pieces, (a, b, sim))
    used = np.concatenate(
        [np.zeros(0, np.int64)] + [x for a, b, _ in found.values() for x in (a, b)]
    )
    named, members = media.by_member(rows, used)
    summaries = summarise(found, named, order, split_rows)
    if distances:
        by_file = {
            (named.files[fi].rel, named.files[fj].rel): d
            for fi, fj, d in zip(
                named.file(np.array([i for i, _ in distances], np.int64)).tolist(),
                named.file(np.array([j for _, j in distances], np.int64)).tolist(),
                distances.values(),
            )
        }
        for p in summaries:
            if p.kind == "near":
                media.add_distances(p.examples, by_file)
    if out is not None:
        write_pairs(Path(out), found, named)
    if progress is not None:
        progress(total, total)
    return LeaksResult(
        splits={s: split_rows[s] for s in order},
        pairs=summaries,
        findings=media.named_findings(findings_for(summaries), members),
        text=tuple(text),
        label=label,
        image_distance=image_distance if has_images else None,
        media_files=members,
    )


def _split_ranks(rows: Rows) -> tuple[dict[str, int], list[str], I64]:
    """Rows per split, the split order (:func:`split_order`) and each split id's rank in it."""
    split_rows = rows.split_sizes()
    order = split_order(split_rows)
    rank = np.array([order.index(s) for s in rows.split_names], np.int64)
    return split_rows, order, rank


def split_order(split_rows: dict[str, int]) -> list[str]:
    """Splits from the most rows to the fewest (ties: train, validation, test, then by name):
    of two splits, the earlier one is side ``a`` and fractions are shares of side ``b``'s rows.

    >>> split_order({"test": 10, "train": 100, "dev": 10})
    ['train', 'dev', 'test']
    >>> split_order({"test": 5, "train": 5})
    ['train', 'test']
    """
    return sorted(split_rows, key=lambda s: (-split_rows[s], _CONVENTIONAL.get(s, 9), s))


_CONVENTIONAL = {"train": 0, "training": 0, "validation": 1, "valid": 1, "val": 1, "dev": 1}
_CONVENTIONAL |= {"test": 2, "testing": 2, "eval": 2, "evaluation": 2}


def _card_defaults(root: str | Path) -> tuple[str | None, dict[str, list[str]], str | None]:
    """The card's ``policy.label``, ``policy.splits`` and ``policy.data`` (the data's URL),
    when the dataset has a card."""
    from datacard.remote import is_url
    from datacard.workflow import card_path
    from datacard.yamlio import load_card

    if is_url(str(root)):
        return None, {}, None
    path = card_path(root)
    if not path.exists():
        return None, {}, None
    policy = load_card(path).card.policy
    return policy.label, {k: list(v) for k, v in policy.splits.items()}, policy.data


def _plan(
    files: Sequence[DataFile], text: tuple[str, ...], key: tuple[str, ...], label: str | None
) -> list[tuple[Partition, ScanSpec, str | None]]:
    """One (partition, spec, image column) per unit of work, after checking that the columns
    exist; the image column is set for image collections (their pHashes are read too)."""
    items: list[tuple[Partition, ScanSpec, str | None]] = []
    for file in files:
        reader = reader_for(file.format)
        schema = reader.inspect(file).schema
        names = list(schema.names)
        for wanted, option in (
            (text, "--text"),
            (key, "--key"),
            ((label,) if label else (), "--label"),
        ):
            for name in wanted:
                if name not in names:
                    raise UsageError(
                        f"{file.rel} has no column '{name}' (given with {option})",
                        where=file.rel,
                        hint=f"its columns are: {', '.join(names)}",
                    )
        found = media.media_column(schema)
        exact = key or tuple(names)
        inputs = text or key or tuple(n for n in names if n != label)
        image = None
        if found is not None:
            column, kind = found
            for name in (*text, *((label,) if label else ())):
                if name == column:
                    raise UsageError(
                        f"'{name}' in {file.rel} is a column of {kind} files, not of text",
                        where=file.rel,
                        hint=f"{kind} files are compared by content (images also by perceptual "
                        "hash) without options; --text and --label take text columns",
                    )
            exact, inputs = media.media_keys(column, text=text, key=key)
            image = column if kind == "image" else None
        spec = ScanSpec(exact=exact, inputs=inputs, label=label, text=text)
        needed = {
            *exact,
            *inputs,
            *text,
            *((label,) if label else ()),
            *((image,) if image else ()),
        }
        columns = None if needed >= set(names) else tuple(n for n in names if n in needed)
        for part in by_row_group(reader.partitions(file)):
            items.append((replace(part, columns=columns) if columns else part, spec, image))
    return items


def _scan_item(
    item: tuple[Partition, ScanSpec, str | None],
) -> tuple[PartScan, media.ImageFields | None]:
    partition, spec, image = item
    if image is None:
        return scan_partition(partition, spec), None
    return media.scan_with_images(partition, spec, image)


def _rescan_item(item: tuple[Partition, ScanSpec, str | None], rows: I64) -> dict[str, TextScan]:
    """The text sketches of some rows of an item's partition (sorted, 0-based), read again:
    only the text columns, and only up to the last of these rows."""
    partition, spec, _ = item
    batches = replace(partition, columns=spec.text).batches()
    return scan_texts(take_rows(batches, rows), spec)


def _near(
    parts: Sequence[PartScan],
    text: tuple[str, ...],
    exact: npt.NDArray[np.uint64],
    split: I64,
    rank: I64,
    threshold: float,
) -> tuple[I64, I64, npt.NDArray[np.float64]]:
    """Verified near-duplicate pairs over every text column (the best similarity per pair),
    oriented a → b, without pairs that are already exact duplicates. Copies of a document
    (:mod:`datacard.leakage.copies`) are searched once."""
    bands, rows = choose_banding(threshold, NUM_PERM)
    n = len(split)
    codes: list[I64] = []
    sims: list[npt.NDArray[np.float64]] = []
    for name in text:
        scan = join_texts([p.text[name] for p in parts])
        copies = Copies.in_scan(scan)
        first, group = copies.first, copies.group
        among = None if len(first) == len(group) else first  # each group's first copy only
        cand = lsh_candidates(scan.signatures, bands, rows, among=among)
        u, v, sim = verify_candidates(scan.offsets, scan.hashes, scan.signatures, cand, threshold)
        i, j, sim = expand(group[u], group[v], sim, group)
        same_i, same_j = within(copies, exact)
        codes += [i * n + j, same_i * n + same_j]
        sims += [sim, np.ones(len(same_i))]
    code, sim = best_per_pair(np.concatenate(codes), np.concatenate(sims))
    i, j = code // n, code % n
    keep = exact[i] != exact[j]
    i, j, sim = i[keep], j[keep], sim[keep]
    a, b = orient(i, j, split, rank)
    return a, b, sim
