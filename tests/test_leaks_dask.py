"""``leaks`` and ``contamination`` on a Dask cluster find what the local engine finds.

One real LocalCluster of 2 worker processes for the module. Leaks on Dask runs as
hash-partitioned joins (:mod:`datacard.leakage.shuffle`); its summaries and its pairs file
must equal the local engine's, pair for pair and in order. The bucketed joins are also checked
against the global pair functions on random hashes, without a cluster.
"""

from __future__ import annotations

import doctest
import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datacard import rowmap
from datacard.executors.dask import DaskExecutor
from datacard.leakage import minhash, pairs, partscan, shuffle
from datacard.leakage import rows as leak_rows
from datacard.leakage.contamination import run_contamination
from datacard.leakage.copies import Copies
from datacard.leakage.leaks import LeaksResult, _near, run_leaks
from datacard.leakage.minhash import band_keys, lsh_candidates
from datacard.leakage.pairs import exact_pairs, label_pairs
from datacard.leakage.partscan import PartScan, ScanSpec, TextScan, documents, scan_batches

VOCAB = np.array(
    [
        "".join(np.random.default_rng(i).choice(list("bcdfghjklmnpqrstvwz"), 3)) + "a"
        for i in range(4000)
    ]
)


def _doc(rng: np.random.Generator, words: int = 50) -> str:
    return " ".join(rng.choice(VOCAB, words))


def _edit(rng: np.random.Generator, text: str) -> str:
    """About 6 % of the words edited: a sentence of the same document, lightly reworded."""
    words = text.split()
    for _ in range(max(1, len(words) // 16)):
        words[int(rng.integers(len(words)))] = str(rng.choice(VOCAB))
    return " ".join(words)


def _write(root: Path, split: str, name: str, rows: list[dict[str, Any]], group: int = 0) -> None:
    (root / split).mkdir(parents=True, exist_ok=True)
    path = root / split / name
    if name.endswith(".parquet"):
        pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=group)
    elif name.endswith(".csv"):
        pacsv.write_csv(pa.Table.from_pylist(rows), path)
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """train: a Parquet file of 5 row groups, a CSV and a JSON Lines file; validation: 3 row
    groups; test: 3 row groups and a JSON Lines file. Two text columns, a label.

    Planted: exact copies of whole rows across splits and within train (across files and row
    groups), near duplicates (a few words edited; in the body, or only in the title), the same
    inputs with another label across and within splits, empty and null texts.
    """
    rng = np.random.default_rng(11)
    root = tmp_path_factory.mktemp("dask-leaks")

    def fresh(n: int) -> list[dict[str, Any]]:
        return [
            {"body": _doc(rng), "title": _doc(rng, 8), "label": str(rng.choice(["a", "b", "c"]))}
            for _ in range(n)
        ]

    train, extra, more = fresh(1000), fresh(150), fresh(150)
    val, test, tail = fresh(300), fresh(300), fresh(120)
    every = train + extra + more
    for k in range(60):  # exact copies: train -> test, validation, within train
        test[(7 * k) % 300] = dict(every[(13 * k) % 1300])
        val[(11 * k + 5) % 300] = dict(every[(17 * k + 3) % 1300])
        train[(19 * k + 600) % 1000] = dict(train[(5 * k) % 500])
    for k in range(50):  # near: body edited; title edited; within a split
        src = every[(23 * k + 1) % 1300]
        test[(7 * k + 3) % 300] = {**src, "body": _edit(rng, src["body"])}
        tail[(3 * k) % 120] = {**src, "title": src["title"] + " zq"}
        val[(11 * k + 7) % 300] = {**val[(3 * k) % 150], "body": _edit(rng, val[k]["body"])}
    for k in range(30):  # label conflicts: same inputs, another label
        src = every[(29 * k + 2) % 1300]
        other = {"a": "b", "b": "c", "c": "a"}[src["label"]]
        test[(7 * k + 5) % 300] = {**src, "label": other}
        more[(5 * k + 1) % 150] = {
            **train[k],
            "label": {"a": "c", "b": "a", "c": "b"}[train[k]["label"]],
        }
    for k in range(6):  # documents without words
        test[290 + k]["body"] = "" if k % 2 else "!!! ..."
        tail[110 + k]["title"] = "---"
    _write(root, "train", "a.parquet", train, 200)
    _write(root, "train", "b.csv", extra)
    _write(root, "train", "c.jsonl", more)
    _write(root, "validation", "v.parquet", val, 100)
    _write(root, "test", "t.parquet", test, 100)
    _write(root, "test", "u.jsonl", tail)
    return root


def _same(local: LeaksResult, remote: LeaksResult) -> None:
    assert remote.splits == local.splits
    assert remote.to_json() == local.to_json()
    assert [f.to_dict() for f in remote.findings] == [f.to_dict() for f in local.findings]


def test_leaks_on_dask_equal_local(data: Path, cluster: DaskExecutor, tmp_path: Path) -> None:
    options: dict[str, Any] = {"text": ["body", "title"], "label": "label", "threshold": 0.7}
    seen: list[tuple[int, int]] = []
    local = run_leaks(data, workers=1, out=tmp_path / "local.parquet", **options)
    remote = run_leaks(
        data,
        engine=cluster,
        out=tmp_path / "dask.parquet",
        progress=lambda done, total: seen.append((done, total)),
        **options,
    )
    _same(local, remote)
    counts = {(p.kind, p.a, p.b): p.count for p in local.pairs}
    assert counts["exact", "train", "test"] >= 55
    assert counts["exact", "train", "train"] >= 55
    assert counts["near", "train", "test"] >= 95
    assert counts["near", "validation", "validation"] >= 40
    assert counts["label-conflict", "train", "test"] >= 25
    assert counts["label-conflict", "train", "train"] >= 25
    written = pq.read_table(tmp_path / "local.parquet")
    assert written.num_rows > 400
    assert pq.read_table(tmp_path / "dask.parquet").equals(written)  # same pairs, same order
    total = seen[-1][1]
    assert total == 14 + 1  # 14 partitions scanned, then the joins
    assert [d for d, _ in seen] == [*range(1, total), total]


def test_leaks_on_dask_without_text_or_label(data: Path, cluster: DaskExecutor) -> None:
    for options in ({"key": ["body"]}, {"key": ["title", "label"], "label": "label"}):
        local = run_leaks(data, workers=1, **options)  # type: ignore[arg-type]
        _same(local, run_leaks(data, engine=cluster, **options))  # type: ignore[arg-type]


def test_image_leaks_on_dask_equal_local(tmp_path: Path, cluster: DaskExecutor) -> None:
    """Image folders: the scans stay on the workers, the pHashes come to the client."""
    from PIL import Image

    def photo(seed: int, size: int = 64) -> Image.Image:
        small = np.random.default_rng(seed).integers(0, 256, (6, 6, 3), dtype=np.uint8)
        return Image.fromarray(small).resize((size, size), Image.Resampling.BICUBIC)

    root = tmp_path / "pets"
    for split, name, image in [
        *(("train", f"{'cat' if i % 2 else 'dog'}/{i}.png", photo(i)) for i in range(6)),
        ("test", "cat/same_as_1.png", photo(1)),
        ("test", "dog/resized_2.png", photo(2).resize((56, 56))),
        ("test", "dog/relabelled_3.png", photo(3)),
    ]:
        (root / split / name).parent.mkdir(parents=True, exist_ok=True)
        image.save(root / split / name)
    local = run_leaks(root, label="label", workers=1)
    remote = run_leaks(root, label="label", engine=cluster)
    _same(local, remote)
    assert remote.media_files == local.media_files
    assert {(p.kind, p.count) for p in local.pairs if p.a != p.b} == {
        ("exact", 2),
        ("near", 1),
        ("label-conflict", 1),
    }


def test_tasks_do_not_grow_with_the_partition_pairs(tmp_path: Path, cluster: DaskExecutor) -> None:
    """24 partitions whose near duplicates join every pair of them (276 pairs): the candidates
    are verified in one task per verify bucket, not one per pair of partitions, and the scans'
    signatures are not kept: each partition is read again for its candidate rows only."""
    from collections import Counter

    from distributed import get_task_stream

    rng = np.random.default_rng(3)
    topics = [_doc(rng, 60) for _ in range(24)]
    rows = [
        {"body": _edit(rng, topics[(p + r) % 24]) if r < 24 else _doc(rng, 60)}
        for p in range(24)
        for r in range(30)
    ]
    _write(tmp_path / "d", "train", "a.parquet", rows, 30)
    local = run_leaks(tmp_path / "d", text=["body"], workers=1)
    with get_task_stream(cluster.client) as stream:
        remote = run_leaks(tmp_path / "d", text=["body"], engine=cluster)
    _same(local, remote)
    assert {(p.kind, p.a, p.b): p.count for p in local.pairs}["near", "train", "train"] > 24 * 20
    tasks = Counter(str(t["key"]).split("-")[0] for t in stream.data)
    k = 4 * 2  # buckets per worker x workers
    assert tasks["scan_cut"] == 24
    assert tasks["fetch"] == 24
    assert tasks["verify_bucket"] == k
    assert tasks["join_groups"] == k
    assert "verify" not in tasks and "subset" not in tasks
    regroups = tasks["regroup"]  # runs of the cuts held by one worker: about k, + 1 a worker
    assert regroups <= k + 2
    # per partition 5 (scan, fetch, 3 getters); per regroup and bucket a getter; per pair of
    # buckets 3 getters; per bucket 8 (join, plan, collect, regroup_rows, verify, 3 getters)
    assert sum(tasks.values()) <= 5 * 24 + regroups * (k + 1) + 3 * k * k + 8 * k, tasks


def _slow_piece(index: int) -> int:
    import time

    time.sleep(0.3)
    return index


def test_regroups_run_beside_pieces_still_being_computed(cluster: DaskExecutor) -> None:
    """Pieces asked about before they are computed have no holder yet: each run is still
    placed on the worker that ends up holding it (the CI failure of issue 8: a piece with no
    holder made a regroup with ``allow_other_workers`` and no worker, which Dask refuses)."""
    client = cluster.client
    futures = client.map(_slow_piece, range(6), pure=False)
    runs = shuffle._beside(client, futures, 2)
    workers = set(client.scheduler_info()["workers"])
    assert sorted(i for _, run in runs for i in run) == list(range(6))
    assert all(worker in workers for worker, _ in runs), runs
    assert all(len(run) <= 2 for _, run in runs)


def test_a_worker_killed_after_the_scans_loses_nothing(data: Path, tmp_path: Path) -> None:
    """A worker killed once every partition is scanned takes its cuts and row hashes with it:
    Dask runs those scans again, and the pairs are still the local engine's."""
    import os
    import signal

    options: dict[str, Any] = {"text": ["body", "title"], "label": "label", "threshold": 0.7}
    local = run_leaks(data, workers=1, **options)
    killed: list[int] = []

    def progress(done: int, total: int) -> None:
        if done == total - 1 and not killed:  # the last scan is done; the joins are next
            pids: dict[str, int] = executor.client.run(os.getpid)
            killed.append(sorted(pids.values())[0])
            os.kill(killed[0], signal.SIGKILL)

    from distributed import get_task_stream

    executor = DaskExecutor.connect(None, workers=2)
    try:
        with get_task_stream(executor.client) as stream:
            remote = run_leaks(data, engine=executor, progress=progress, **options)
    finally:
        executor.close()
    assert killed, "the run ended before a worker could be killed"
    scans = sum(str(t["key"]).startswith("scan_cut-") for t in stream.data)
    assert scans > 14  # 14 partitions, and again those whose results the worker held
    _same(local, remote)


# ------------------------------------------------------------------ the joins, without Dask


@st.composite
def scans(draw: st.DrawFn) -> tuple[list[PartScan], list[int], np.ndarray[Any, Any], int]:
    """Partitions of 0-30 rows, each of one of 1-3 splits, with colliding hashes and labels."""
    splits = draw(st.integers(1, 3))
    sizes = draw(st.lists(st.integers(0, 30), min_size=1, max_size=6))
    out: list[PartScan] = []
    split_of: list[int] = []
    small = st.integers(0, 12)
    for size in sizes:
        h = draw(st.lists(small, min_size=size, max_size=size))
        i = draw(st.lists(small, min_size=size, max_size=size))
        lab = draw(st.lists(st.integers(0, 2), min_size=size, max_size=size))
        mix = (np.array(h, np.uint64) * np.uint64(0x9E3779B97F4A7C15)) ^ np.uint64(99)
        out.append(
            PartScan(size, mix, np.array(i, np.uint64) * np.uint64(3), np.array(lab, np.uint64))
        )
        split_of.append(draw(st.integers(0, splits - 1)))
    rank = np.array(draw(st.permutations(range(splits))), np.int64)
    return out, split_of, rank, draw(st.integers(1, 5))


@given(scans(), st.randoms(use_true_random=False))
def test_bucketed_joins_equal_the_global_pairs(
    drawn: tuple[list[PartScan], list[int], np.ndarray[Any, Any], int], rnd: Any
) -> None:
    """In any order of the pieces: they come grouped by the worker that cut them."""
    parts, split_of, rank, k = drawn
    starts = np.cumsum([0, *(p.rows for p in parts)])
    spec = shuffle.CutSpec(k, label=True)
    cuts = [shuffle.cut(p, i, sid, spec) for i, (p, sid) in enumerate(zip(parts, split_of))]
    rnd.shuffle(cuts)
    joined = [shuffle.join([c[b] for c in cuts], starts, rank, spec) for b in range(k)]
    split = np.repeat(np.array(split_of, np.int64), [p.rows for p in parts])
    exact = np.concatenate([p.exact for p in parts])
    inputs = np.concatenate([p.inputs for p in parts])
    labels = np.concatenate([p.labels for p in parts])
    want = exact_pairs(exact, split, rank)
    got = shuffle.in_order([j.exact for j in joined])
    assert [g.tolist() for g in got] == [w.tolist() for w in want]
    want = label_pairs(inputs, labels, split, rank)
    got = shuffle.in_order([j.labels for j in joined if j.labels is not None])
    assert [g.tolist() for g in got] == [w.tolist() for w in want]


@given(
    st.lists(st.lists(st.integers(0, 3), min_size=6, max_size=6), min_size=1, max_size=30),
    st.lists(st.integers(1, 10), min_size=1, max_size=4),
    st.integers(1, 4),
)
def test_bucketed_lsh_candidates_equal_the_global_ones(
    values: list[list[int]], sizes: list[int], k: int
) -> None:
    sig = np.array(values, np.uint32)
    sig[::7] = minhash.EMPTY32  # documents without words pair with none
    bounds = np.cumsum([0, *sizes])
    bounds = np.minimum(bounds, len(sig))
    bounds[-1] = len(sig)
    cuts = []
    spec = shuffle.CutSpec(k, text=("t",), bands=3, rows=2)
    live = ~(sig == minhash.EMPTY32).all(axis=1)
    for part, (lo, hi) in enumerate(itertools.pairwise(bounds)):
        count = int(hi - lo)
        # a shingle set of its own for each document with words: no copies to group
        offsets = np.concatenate([[0], np.cumsum(live[lo:hi])]).astype(np.int64)
        hashes = (np.flatnonzero(live[lo:hi]) + lo + 1).astype(np.uint32)
        text = TextScan(offsets, hashes, sig[lo:hi])
        scan = PartScan(count, np.zeros(count, np.uint64), *(np.zeros(0, np.uint64),) * 2)
        scan.text["t"] = text
        cuts.append(shuffle.cut(scan, part, 0, spec))
    n = len(sig)
    rank = np.zeros(1, np.int64)
    joined = [shuffle.join([c[b] for c in cuts], bounds, rank, spec, 3) for b in range(k)]
    got = np.unique(np.concatenate([code for j in joined for _, code in j.routed]))
    want = lsh_candidates(sig, 3, 2)
    assert got.tolist() == (want[:, 0] * n + want[:, 1]).tolist()
    assert band_keys(sig[:0], 3, 2).shape == (0, 3)


def _rescan(item: PartScan, rows: np.ndarray[Any, Any]) -> dict[str, TextScan]:
    return {name: documents(t, rows) for name, t in item.text.items()}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 7), min_size=2, max_size=40),  # documents: a variant of one of 8
    st.lists(st.integers(1, 9), min_size=1, max_size=6),  # partition sizes
    st.integers(1, 4),  # join buckets
    st.integers(1, 4),  # groups of partitions
    st.integers(1, 3),  # verify buckets
)
def test_grouped_verification_equals_the_global_near_pairs(
    picks: list[int], sizes: list[int], k: int, groups: int, verify: int
) -> None:
    """Join → route → plan → collect → fetch → regroup → verify, as the cluster runs them,
    gives the local engine's verified near pairs (not exact duplicates), in two text columns."""
    base = [" ".join(f"w{(7 * s + t) % 23}" for t in range(12)) for s in range(6)]
    base += [base[0] + " w47704", base[0] + " w244577"]  # one 32-bit hash: not copies
    body = [base[p] + ("" if i % 3 else f" x{i % 2}") for i, p in enumerate(picks)]
    title = [base[(p + i) % 8] for i, p in enumerate(picks)]
    spec_scan = ScanSpec(exact=("body", "title"), text=("body", "title"))
    table = pa.table({"body": body, "title": title})
    bounds = np.minimum(np.cumsum([0, *sizes]), len(picks))
    bounds[-1] = len(picks)
    parts = [
        scan_batches(table.slice(int(lo), int(hi - lo)).to_batches(), spec_scan)
        for lo, hi in itertools.pairwise(bounds)
    ]
    bands, rows = pairs.choose_banding(0.7, 128)
    spec = shuffle.CutSpec(k, text=("body", "title"), bands=bands, rows=rows)
    cuts = [shuffle.cut(p, i, 0, spec) for i, p in enumerate(parts)]
    rank = np.zeros(1, np.int64)
    joined = [shuffle.join([c[b] for c in cuts], bounds, rank, spec, verify) for b in range(k)]
    n = int(bounds[-1])
    size = -(-len(parts) // min(groups, len(parts)))
    runs = [(lo, min(lo + size, len(parts))) for lo in range(0, len(parts), size)]
    group_starts = np.array([bounds[lo] for lo, _ in runs] + [n])
    plans = [
        shuffle.plan_verify([j.routed[v] for j in joined], n, group_starts, 2)
        for v in range(verify)
    ]
    regrouped = []
    for g, (lo, hi) in enumerate(runs):
        wanted = shuffle.collect([need[g] for _, need in plans])
        fetched = [
            shuffle.fetch(_rescan, parts[p], _kept(parts[p]), wanted, int(bounds[p]))
            for p in range(lo, hi)
        ]
        regrouped.append(shuffle.regroup_rows(fetched, verify))
    found = [
        shuffle.verify_bucket(plans[v][0], [r[v] for r in regrouped], spec.text, 0.7, n)
        for v in range(verify)
    ]
    same = np.concatenate([j.same for j in joined])
    code = np.concatenate([c for c, _ in found] + [same])
    sim = np.concatenate([s for _, s in found] + [np.ones(len(same))])
    code, sim = pairs.best_per_pair(code, sim)
    split = np.zeros(n, np.int64)
    exact = np.concatenate([p.exact for p in parts])
    want = _near(parts, ("body", "title"), exact, split, rank, 0.7)
    assert code.tolist() == (want[0] * n + want[1]).tolist()
    assert sim.tolist() == want[2].tolist()


def test_copies_of_a_boilerplate_text_are_not_lsh_candidates() -> None:
    """600 copies of one notice over 3 partitions, each with another id: every two copies are
    a near pair (179,700 pairs, from the joins' copy groups), while only each partition's first
    copy enters the LSH joins; without the grouping they were 179,700 candidates per band."""
    notice = "subscribe to our newsletter for weekly updates and exclusive offers today"
    rows = [{"id": i, "body": notice if i % 5 else f"{notice} {i}"} for i in range(750)]
    table = pa.Table.from_pylist(rows)
    spec_scan = ScanSpec(exact=("id", "body"), text=("body",))
    parts = [scan_batches(table.slice(lo, 250).to_batches(), spec_scan) for lo in (0, 250, 500)]
    bands, band_rows = pairs.choose_banding(0.8, 128)
    spec = shuffle.CutSpec(4, text=("body",), bands=bands, rows=band_rows)
    cuts = [shuffle.cut(p, i, 0, spec) for i, p in enumerate(parts)]
    starts = np.array([0, 250, 500, 750])
    joined = [
        shuffle.join([c[b] for c in cuts], starts, np.zeros(1, np.int64), spec) for b in range(4)
    ]
    candidates = {int(x) for j in joined for _, codes in j.routed for x in codes}
    same = np.concatenate([j.same for j in joined])
    assert len(same) == 600 * 599 // 2
    assert len(candidates) <= 153 * 152 // 2  # 3 first copies and the 150 numbered texts
    later = [i for i, r in enumerate(rows) if r["body"] == notice and i not in (1, 251, 501)]
    assert not candidates & {a * 750 + b for a, b in itertools.combinations(later, 2)}


def test_a_fetched_row_brings_its_copies_only_for_the_columns_asked() -> None:
    """2,000 rows asked for their ``body`` (all different) bring no copies of their ``title``,
    which is null in every row (2,000 copies of the empty set each, 4,000,000 in all)."""
    table = pa.table({"body": [f"w{i} w{i + 1}" for i in range(2000)], "title": [None] * 2000})
    scan = scan_batches(table.to_batches(), ScanSpec(exact=("body",), text=("body", "title")))
    rows = np.arange(2000, dtype=np.int64)
    wanted = (rows * 2, np.zeros(2000, np.int64))  # column 0 (body), for verify bucket 0
    (data,) = shuffle.fetch(_rescan, scan, _kept(scan), wanted, 0).values()
    body, title = data.members["body"], data.members["title"]
    assert body[1].tolist() == rows.tolist() and np.diff(body[0]).tolist() == [1] * 2000
    assert len(title[1]) == 0 and title[0].tolist() == [0] * 2001


def _kept(scan: PartScan) -> shuffle.Kept:
    """What the workers keep of a partition's scan (as :func:`shuffle.scan_cut` keeps it)."""
    groups = {name: Copies.in_scan(t).group for name, t in scan.text.items()}
    return shuffle.Kept(scan.exact, {k: g.astype(np.int32) for k, g in groups.items()})


# ------------------------------------------------------------------ contamination


def test_contamination_on_dask_equals_local(tmp_path: Path, cluster: DaskExecutor) -> None:
    rng = np.random.default_rng(5)
    items = [_doc(rng, 30) for _ in range(40)]
    docs = [_doc(rng, 80) for _ in range(1200)]
    for k in range(10):  # verbatim, edited, inside a longer document
        text = items[k] if k % 2 else _edit(rng, items[k])
        docs[97 * k + 3] = _doc(rng, 20) + " " + text + " " + _doc(rng, 20)
    _write(tmp_path / "data", "train", "a.parquet", [{"text": d} for d in docs[:800]], 200)
    _write(tmp_path / "data", "train", "b.jsonl", [{"text": d} for d in docs[800:]])
    bench = tmp_path / "bench.jsonl"
    bench.write_text("".join(json.dumps({"q": q}) + "\n" for q in items), encoding="utf-8")
    local = run_contamination(tmp_path / "data", [f"{bench}:q"], workers=1)
    remote = run_contamination(tmp_path / "data", [f"{bench}:q"], engine=cluster)
    assert remote.to_json() == local.to_json()
    assert local.benchmarks[0].contaminated >= 9


@pytest.mark.parametrize("module", [shuffle, pairs, minhash, partscan, leak_rows, rowmap])
def test_doctests(module: object) -> None:
    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.attempted and result.failed == 0
