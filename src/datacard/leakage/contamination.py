"""Benchmark contamination: which evaluation items appear in the training data, and where.

``run_contamination(root, ["gsm8k_test.jsonl:question"], text=[], n=13, threshold=0.5)``
canonicalises every benchmark item and every training row the same way
(:mod:`datacard.leakage.ngrams`), then finds, per item:

- ``exact``: its normalised text equals a training text (a text column, or a row's text
  columns joined) — score 1.0;
- ``ngram``: at least ``threshold`` of its distinct ``n``-word n-grams (numbers replaced by a
  placeholder) occur in the training data, or at least :data:`SHORT_THRESHOLD` of its
  :data:`SHORT_N`-grams (catches items with changed names or a reworded sentence) — score is the
  larger share;
- ``near``: a MinHash near-duplicate of a training row (:mod:`datacard.leakage.nearscan`).

Items shorter than ``n`` words are matched exactly only (reported as ``short_items``).
The benchmark's hashes are the index; training partitions stream through worker processes
(:func:`datacard.leakage.trainscan.scan_partition`) and return only the hashes they hold.

>>> Hit(item=4, kind="ngram", score=0.75, file="train.jsonl", row=12).to_json()["match"]
{'file': 'train.jsonl', 'row': 12}
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from datacard.errors import UsageError
from datacard.executors import Engine, Executor, open_engine
from datacard.findings import Finding
from datacard.leakage.benchmarks import Benchmark, load_benchmark
from datacard.leakage.items import EMPTY_KEY, I64, ItemGrams, ItemHashes, hash_items
from datacard.leakage.matching import (
    best_location,
    coverage,
    first_locations,
    lookup,
    pack_rows,
    shares,
    unpack,
)
from datacard.leakage.training import TrainingText, training_text
from datacard.leakage.trainscan import Hits, Query, Task, scan_partition
from datacard.readers import reader_for
from datacard.readers.base import Partition

if TYPE_CHECKING:
    from datacard.card import ContaminationPolicy, Policy
    from datacard.leakage.nearscan import NearIndex

__all__ = [
    "BenchmarkResult",
    "ContaminationResult",
    "Hit",
    "contamination_findings",
    "run_contamination",
]

#: The second, shorter n-gram length and the share of its n-grams that flags an item.
SHORT_N = 8
SHORT_THRESHOLD = 0.5
#: Kinds from strongest to weakest, and the finding code of each.
KINDS = ("exact", "ngram", "near")
CODES = {k: f"contamination.{k}" for k in KINDS}
#: Hits listed per benchmark in a finding's evidence and in the summary.
SHOWN = 5

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Hit:
    """One contaminated item: its 0-based index in the benchmark, how and where it matched."""

    item: int
    kind: str
    score: float
    file: str
    row: int

    def to_json(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "kind": self.kind,
            "score": round(self.score, 4),
            "match": {"file": self.file, "row": self.row},
        }


@dataclass(frozen=True)
class BenchmarkResult:
    """Per benchmark: item counts and one hit per contaminated item (sorted by item)."""

    path: str
    fields: tuple[str, ...]
    items: int
    short_items: int
    hits: tuple[Hit, ...]

    @property
    def contaminated(self) -> int:
        return len(self.hits)

    @property
    def rate(self) -> float:
        return self.contaminated / self.items if self.items else 0.0

    def by_kind(self) -> dict[str, int]:
        """Contaminated items per kind (every kind present, maybe 0)."""
        return {k: sum(h.kind == k for h in self.hits) for k in KINDS}

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "fields": list(self.fields),
            "items": self.items,
            "contaminated": self.contaminated,
            "rate": round(self.rate, 6),
            "by_kind": self.by_kind(),
            "short_items": self.short_items,
            "hits": [h.to_json() for h in self.hits],
        }

    def finding(self) -> Finding | None:
        """One finding when any item is contaminated, coded by the strongest kind found."""
        if not self.hits:
            return None
        counts = self.by_kind()
        kind = next(k for k in KINDS if counts[k])
        detail = ", ".join(f"{c} {k}" for k, c in counts.items() if c)
        return Finding.of(
            CODES[kind],
            f"{self.contaminated} of {self.items} benchmark items ({self.rate:.1%}) appear in "
            f"the training data ({detail})",
            where=self.path,
            items=self.items,
            contaminated=self.contaminated,
            rate=round(self.rate, 6),
            by_kind=counts,
            first_hits=[h.to_json() for h in self.hits[:SHOWN]],
        )


@dataclass(frozen=True)
class ContaminationResult:
    """The whole check: settings, what was searched, and one result per benchmark."""

    n: int
    threshold: float
    split: str
    files: tuple[str, ...]
    skipped: tuple[str, ...]
    near: bool
    benchmarks: tuple[BenchmarkResult, ...]
    findings: list[Finding] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "threshold": self.threshold,
            "short_n": SHORT_N if self.n > SHORT_N else None,
            "short_threshold": SHORT_THRESHOLD if self.n > SHORT_N else None,
            "near": self.near,
            "training": {
                "split": self.split,
                "files": list(self.files),
                "skipped": list(self.skipped),
            },
            "benchmarks": [b.to_json() for b in self.benchmarks],
            "findings": [f.to_dict() for f in self.findings],
        }

    def summary_lines(self) -> list[str]:
        which = "split train" if self.split == "train" else "all files (no train split)"
        lines = [f"training data: {len(self.files)} file(s), {which}"]
        lines += [f"  skipped (no text columns): {rel}" for rel in self.skipped]
        for b in self.benchmarks:
            lines.append(
                f"{b.path}: {b.contaminated} of {b.items} items contaminated ({b.rate:.1%})"
            )
            if b.short_items:
                lines.append(
                    f"  {b.short_items} item(s) shorter than {self.n} words: matched exactly only"
                )
            for h in b.hits[:SHOWN]:
                lines.append(f"  item {h.item}: {h.kind} ({h.score:.2f}) in {h.file} row {h.row}")
            if b.contaminated > SHOWN:
                lines.append(f"  ... and {b.contaminated - SHOWN} more (see --json)")
        return lines


def _rules(n: int, threshold: float) -> list[tuple[int, float, str]]:
    """``(n, threshold, measure)``: the share of distinct n-grams, then the words covered."""
    rules = [(n, threshold, "share")]
    if n > SHORT_N:
        rules.append((SHORT_N, max(threshold, SHORT_THRESHOLD), "coverage"))
    return rules


def _near_index(items: ItemHashes, eligible: np.ndarray[Any, Any]) -> NearIndex:
    from datacard.leakage.nearscan import build_index

    return build_index(items.normalized, eligible)


def run_contamination(
    root: str | os.PathLike[str],
    benchmarks: Sequence[str],
    *,
    text: Sequence[str] = (),
    n: int = 13,
    threshold: float = 0.5,
    workers: int | None = None,
    progress: Progress | None = None,
    base: str | os.PathLike[str] = ".",
    engine: Engine = None,
) -> ContaminationResult:
    """Check the training data at ``root`` against benchmark specs ``PATH[:FIELD,...]``.

    Relative benchmark paths are taken from ``base`` (the current folder by default).
    ``engine`` is where the training partitions are scanned
    (:func:`datacard.executors.open_engine`): this machine with ``workers`` processes, or a
    Dask cluster (the benchmark's index is sent to every worker once); the result is the same.
    """
    if not benchmarks:
        raise UsageError("no benchmark given", hint="add --benchmark PATH[:FIELD[,FIELD...]]")
    if n < 1:
        raise UsageError(f"-n must be at least 1, not {n}", hint="the default is 13")
    if not 0 < threshold <= 1:
        raise UsageError(
            f"--threshold must be in (0, 1], not {threshold}", hint="the default is 0.5"
        )
    loaded = [load_benchmark(spec, base) for spec in benchmarks]
    training = training_text(root, tuple(text))
    import pyarrow as pa

    texts = pa.concat_arrays([b.texts for b in loaded]) if loaded else None
    assert texts is not None
    rules = _rules(n, threshold)
    items = hash_items(texts, tuple(r[0] for r in rules))
    long_enough = items.words >= n
    grams = np.unique(np.concatenate([items.grams[r[0]].hashes for r in rules]))
    exact = np.unique(items.exact[items.exact != EMPTY_KEY])
    near = _near_index(items, long_enough)
    query = Query(exact=exact, grams=grams, ns=tuple(r[0] for r in rules), near=near)
    with open_engine(engine, workers=workers) as ex:
        hits = _scan(training, query, ex, progress)
    benchmark_of = np.repeat(np.arange(len(loaded)), [b.items for b in loaded])
    matches = _match(items, rules, long_enough, hits, benchmark_of)
    names = [f.rel for f, _ in training.files]
    results = []
    start = 0
    for b in loaded:
        results.append(_result(b, start, items, long_enough, matches, names))
        start += b.items
    findings = [f for r in results if (f := r.finding()) is not None]
    return ContaminationResult(
        n=n,
        threshold=threshold,
        split=training.split,
        files=tuple(names),
        skipped=training.skipped,
        near=True,
        benchmarks=tuple(results),
        findings=findings,
    )


def _scan(
    training: TrainingText, query: Query, ex: Executor, progress: Progress | None
) -> list[tuple[int, Hits]]:
    """``(file index, hits with packed locations)`` for every partition, in file order."""
    tasks: list[Task] = []
    owner: list[int] = []
    for i, (f, cols) in enumerate(training.files):
        for p in reader_for(f.format).partitions(f):
            tasks.append(Task(partition=p, columns=cols, query=query))
            owner.append(i)
    results: list[Hits | None] = [None] * len(tasks)
    if progress:
        progress(0, len(tasks))
    mapped = _map_tasks(ex, tasks, query)
    for done, (index, hits) in enumerate(mapped, start=1):
        results[index] = hits
        if progress:
            progress(done, len(tasks))
    out: list[tuple[int, Hits]] = []
    offset, previous = 0, -1
    for index, maybe in enumerate(results):
        assert maybe is not None
        hits = maybe
        if owner[index] != previous:
            offset, previous = 0, owner[index]
        file = owner[index]
        hits.exact = (hits.exact[0], pack_rows(file, hits.exact[1] + offset))
        hits.grams = (hits.grams[0], pack_rows(file, hits.grams[1] + offset))
        hits.near = (hits.near[0], pack_rows(file, hits.near[1] + offset), hits.near[2])
        offset += hits.rows
        out.append((file, hits))
    return out


def _map_tasks(ex: Executor, tasks: list[Task], query: Query) -> Iterator[tuple[int, Hits]]:
    """``(index, hits)`` of every task as it completes. On Dask the query (the benchmark's
    index, the same in every task) is scattered to every worker once, not sent with each task;
    each task names it, and the worker resolves the name."""
    if ex.name != "dask":
        return ex.map(scan_partition, tasks)
    client: Any = ex.client  # type: ignore[attr-defined]
    shared = client.scatter([query], broadcast=True, hash=False)[0]
    return ex.map(_scan_with, [(t.partition, t.columns, shared) for t in tasks])


def _scan_with(item: tuple[Partition, tuple[str, ...], Query]) -> Hits:
    partition, columns, query = item
    return scan_partition(Task(partition=partition, columns=columns, query=query))


def _distinctive(grams: ItemGrams, benchmark_of: I64) -> ItemGrams:
    """The n-grams that belong to one item of their benchmark only.

    An n-gram shared by several items of one benchmark (a template phrase such as "how much money
    did 0 spend in total") says nothing about which item leaked, so it is no evidence for any of
    them. ``benchmark_of[item]`` tells the benchmark of each item (items of several benchmarks
    are indexed together).
    """
    if len(grams.hashes) == 0:
        return grams
    owner = benchmark_of[grams.items]
    keep = np.ones(len(grams.hashes), bool)
    for benchmark in np.unique(owner).tolist():
        mine = np.flatnonzero(owner == benchmark)
        hashes, items = grams.hashes[mine], grams.items[mine].astype(np.uint64)
        pairs = np.unique(np.stack([hashes, items], axis=1), axis=0)
        values, item_counts = np.unique(pairs[:, 0], return_counts=True)
        keep[mine] = ~np.isin(hashes, values[item_counts > 1])
    return ItemGrams(grams.n, grams.items[keep], grams.hashes[keep], grams.starts[keep])


def _match(
    items: ItemHashes,
    rules: list[tuple[int, float, str]],
    long_enough: np.ndarray[Any, Any],
    scanned: list[tuple[int, Hits]],
    benchmark_of: I64,
) -> dict[int, tuple[str, float, int]]:
    """Item index -> (kind, score, packed location), strongest kind first."""
    count = len(items)
    out: dict[int, tuple[str, float, int]] = {}
    found, where = first_locations([h.exact for _, h in scanned])
    exact_at = lookup(items.exact, found, where)
    exact_at[items.exact == EMPTY_KEY] = -1
    for i in np.flatnonzero(exact_at >= 0):
        out[int(i)] = ("exact", 1.0, int(exact_at[i]))
    found, where = first_locations([h.grams for _, h in scanned])
    best = np.zeros(count, np.float64)
    location = np.full(count, -1, np.int64)
    for n, limit, measure in rules:
        g = _distinctive(items.grams[n], benchmark_of)
        located = lookup(g.hashes, found, where)
        if measure == "share":
            score = shares(g.items, g.hashes, located, count)
        else:
            score = coverage(items.offsets, g.starts, n, located)
        place = best_location(g.items, located, count)
        better = (score >= limit) & long_enough & (score > best)
        location[better] = place[better]
        best[better] = score[better]
    for i in np.flatnonzero(location >= 0):
        out.setdefault(int(i), ("ngram", float(best[i]), int(location[i])))
    near_items = np.concatenate([h.near[0] for _, h in scanned])
    if len(near_items):
        near_at = np.concatenate([h.near[1] for _, h in scanned])
        near_score = np.concatenate([h.near[2] for _, h in scanned])
        order = np.lexsort((near_at, -near_score, near_items))
        for j in order:
            out.setdefault(int(near_items[j]), ("near", float(near_score[j]), int(near_at[j])))
    return out


def _result(
    bench: Benchmark,
    start: int,
    items: ItemHashes,
    long_enough: np.ndarray[Any, Any],
    matches: dict[int, tuple[str, float, int]],
    names: list[str],
) -> BenchmarkResult:
    hits = []
    for i in range(start, start + bench.items):
        if i in matches:
            kind, score, packed = matches[i]
            file, row = unpack(packed)
            hits.append(Hit(item=i - start, kind=kind, score=score, file=names[file], row=row))
    short = int((~long_enough[start : start + bench.items]).sum())
    return BenchmarkResult(
        path=bench.path,
        fields=bench.fields,
        items=bench.items,
        short_items=short,
        hits=tuple(hits),
    )


def contamination_findings(
    root: str | os.PathLike[str],
    policy: Policy | ContaminationPolicy,
    *,
    workers: int | None = None,
    progress: Progress | None = None,
    engine: Engine = None,
    data: str | os.PathLike[str] | None = None,
) -> list[Finding]:
    """Findings for the benchmarks listed in a card's ``policy.contamination`` (for ``check``).

    Benchmark paths are relative to the card's folder ``root``; the training data is ``data``
    (the card's ``policy.data`` URL) or ``root``; no benchmarks, no findings.
    """
    from datacard.card import ContaminationPolicy

    settings = policy if isinstance(policy, ContaminationPolicy) else policy.contamination
    if not settings.benchmarks:
        return []
    folder = Path(root)
    folder = folder.parent if folder.is_file() else folder
    return run_contamination(
        data if data is not None else root,
        list(settings.benchmarks),
        n=settings.n,
        threshold=settings.threshold,
        workers=workers,
        progress=progress,
        base=folder,
        engine=engine,
    ).findings
