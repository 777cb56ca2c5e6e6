"""Copies of a document are searched once (:mod:`datacard.leakage.copies`), with the same near
pairs as a search over every row: checked against that search on drawn corpora full of copies,
and through ``run_leaks`` on files with a boilerplate text."""

from __future__ import annotations

import doctest
import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given
from hypothesis import strategies as st

from datacard import grouped
from datacard.leakage import copies
from datacard.leakage.copies import Copies, expand, groups_by, set_keys, within
from datacard.leakage.leaks import _near, run_leaks
from datacard.leakage.pairs import best_per_pair, choose_banding, near_pairs, orient
from datacard.leakage.partscan import NUM_PERM, PartScan, ScanSpec, scan_batches

WORDS = [f"w{i}" for i in range(40)] + ["w47704", "w244577"]  # these two: one 32-bit hash


def _every_row(
    parts: list[PartScan], text: tuple[str, ...], exact: Any, split: Any, rank: Any, t: float
) -> tuple[list[int], list[int], list[float]]:
    """The near pairs of a search over every row (what ``_near`` did before copies)."""
    bands, rows = choose_banding(t, NUM_PERM)
    n = len(split)
    codes, sims = [], []
    for name in text:
        pieces = [p.text[name] for p in parts]
        offsets, base = [np.zeros(1, np.int64)], 0
        for piece in pieces:
            offsets.append(piece.offsets[1:] + base)
            base += int(piece.offsets[-1])
        i, j, sim = near_pairs(
            np.concatenate(offsets),
            np.concatenate([p.hashes for p in pieces]),
            np.concatenate([p.signatures for p in pieces]),
            t,
            bands,
            rows,
        )
        codes.append(i * n + j)
        sims.append(sim)
    code, sim = best_per_pair(np.concatenate(codes), np.concatenate(sims))
    i, j = code // n, code % n
    keep = exact[i] != exact[j]
    a, b = orient(i[keep], j[keep], split, rank)
    return a.tolist(), b.tolist(), sim[keep].tolist()


@st.composite
def corpora(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[int]]:
    """Rows drawn from a few texts (many copies, some of them reworded or reordered), in
    partitions; the exact key is the body alone or the body with an often repeated id."""
    pool = draw(
        st.lists(
            st.lists(st.sampled_from(WORDS), min_size=0, max_size=12).map(" ".join),
            min_size=1,
            max_size=6,
        )
    )
    rows = []
    for _ in range(draw(st.integers(1, 60))):
        words = draw(st.sampled_from(pool)).split()
        if words and draw(st.booleans()):
            words = list(reversed(words))  # the same set of words: a copy for the search
        rows.append(
            {
                "body": " ".join(words),
                "title": draw(st.sampled_from(pool)),
                "id": draw(st.integers(0, 2)),
            }
        )
    cuts = sorted(draw(st.lists(st.integers(0, len(rows)), max_size=3)))
    return rows, cuts


@given(corpora(), st.booleans(), st.sampled_from([0.5, 0.8, 1.0]))
def test_copies_searched_once_give_the_pairs_of_every_row(
    drawn: tuple[list[dict[str, Any]], list[int]], with_id: bool, threshold: float
) -> None:
    rows, cuts = drawn
    table = pa.Table.from_pylist(rows)
    key = ("body", "id") if with_id else ("body",)
    spec = ScanSpec(exact=key, text=("body", "title"))
    bounds = [0, *cuts, len(rows)]
    parts = [
        scan_batches(table.slice(lo, hi - lo).to_batches(), spec)
        for lo, hi in itertools.pairwise(bounds)
    ]
    exact = np.concatenate([p.exact for p in parts])
    split = np.array([r["id"] % 2 for r in rows], np.int64)
    rank = np.array([0, 1], np.int64)
    a, b, sim = _near(parts, ("body", "title"), exact, split, rank, threshold)
    assert (a.tolist(), b.tolist(), sim.tolist()) == _every_row(
        parts, ("body", "title"), exact, split, rank, threshold
    )


def test_groups_are_same_set_and_same_key() -> None:
    """Same words in another order and case: one group; same words with another key, or one
    more word: another group. Copies with another key are near pairs (``within``)."""
    texts = ["a b c", "C b a!", "a b c", "a b c d", ""]
    spec = ScanSpec(exact=("k",), text=("t",))
    table = pa.table({"t": texts, "k": [1, 1, 2, 1, 1]})
    scan = scan_batches(table.to_batches(), spec)
    offsets, hashes = scan.text["t"].offsets, scan.text["t"].hashes
    sets = set_keys(offsets, hashes, scan.text["t"].signatures)
    first, group = groups_by(*sets, scan.exact)
    assert first.tolist() == [0, 2, 3, 4]
    assert group.tolist() == [0, 0, 1, 2, 3]
    copies = Copies.in_scan(scan.text["t"])
    assert copies.group.tolist() == [0, 0, 0, 1, 2]  # the set alone
    assert [x.tolist() for x in within(copies, scan.exact)] == [[0, 1], [2, 2]]
    k1, k2 = sets
    assert k1[0] == k1[1] != k1[3] and k2[0] == k2[1] != k2[3] and k1[4] == k2[4] == 0


def test_expansion_pairs_every_member_of_both_groups() -> None:
    group = np.array([0, 1, 0, 2, 1, 0], np.int64)
    i, j, sim = expand(np.array([0, 1]), np.array([1, 2]), np.array([0.9, 0.7]), group)
    assert sorted(zip(i.tolist(), j.tolist(), sim.tolist())) == [
        (0, 1, 0.9),
        (0, 4, 0.9),
        (1, 2, 0.9),
        (1, 3, 0.7),
        (1, 5, 0.9),
        (2, 4, 0.9),
        (3, 4, 0.7),
        (4, 5, 0.9),
    ]


def test_a_boilerplate_text_copied_hundreds_of_times(tmp_path: Path) -> None:
    """400 copies of one notice with different ids, id 0 also in test: every two copies in
    train are a near pair (similarity 1.0; key: body and id), the copy in test is an exact
    copy of train's id 0 and near the 399 others, and the one reworded test document is near
    all 400. The pairs file lists every one of them."""
    notice = "subscribe to our newsletter for weekly updates and exclusive offers today"
    train = [{"id": i, "body": notice} for i in range(400)]
    test = [{"id": 0, "body": notice}, {"id": 5000, "body": notice.replace("today", "now")}]
    for split, rows in (("train", train), ("test", test)):
        (tmp_path / split).mkdir()
        pq.write_table(pa.Table.from_pylist(rows), tmp_path / split / "a.parquet")
    out = tmp_path / "pairs.parquet"
    result = run_leaks(tmp_path, text=["body"], key=["id", "body"], workers=1, out=out)
    counts = {(p.kind, p.a, p.b): p.count for p in result.pairs}
    assert counts["exact", "train", "test"] == 1  # test's id 0 is train's
    assert counts["near", "train", "train"] == 399  # every copy after the first
    found = [p for p in pq.read_table(out).to_pylist() if p["kind"] == "near"]
    near = {(p["a_split"], p["a_row"], p["b_split"], p["b_row"]): p["similarity"] for p in found}
    within = {k for k in near if k[0] == k[2] == "train"}
    assert within == {("train", i, "train", j) for i, j in itertools.combinations(range(400), 2)}
    across = {(k[1], k[3]) for k in near if k[2] == "test"}
    assert across == {(i, 0) for i in range(1, 400)} | {(i, 1) for i in range(400)}
    assert all(v == 1.0 for k, v in near.items() if k[3] != 1 or k[2] == "train")


def test_words_whose_32_bit_hashes_collide_are_not_copies() -> None:
    """``w47704`` and ``w244577`` share the low 32 bits of their word hashes: texts that differ
    only there have the same 32-bit set but not the same signature, so they are not copies
    (the search over every row does not pair them either)."""
    rows = [
        {"body": "w47704 apple banana cherry", "id": 0},
        {"body": "w244577 apple banana cherry date", "id": 1},
        {"body": "w244577 apple banana cherry", "id": 2},
        {"body": "w47704", "id": 3},
        {"body": "w244577", "id": 4},
    ]
    table = pa.Table.from_pylist(rows)
    spec = ScanSpec(exact=("body", "id"), text=("body",))
    parts = [scan_batches(table.slice(0, 2).to_batches(), spec)]
    parts.append(scan_batches(table.slice(2).to_batches(), spec))
    exact = np.concatenate([p.exact for p in parts])
    split, rank = np.zeros(5, np.int64), np.zeros(1, np.int64)
    got = _near(parts, ("body",), exact, split, rank, 0.8)
    assert [x.tolist() for x in got] == [
        list(x) for x in _every_row(parts, ("body",), exact, split, rank, 0.8)
    ]
    assert (3, 4) not in set(zip(got[0].tolist(), got[1].tolist()))


def test_doctests() -> None:
    for module in (copies, grouped):
        assert doctest.testmod(module).failed == 0
