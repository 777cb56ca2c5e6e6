"""MinHash: tokens and shingles, signatures, LSH candidates, Jaccard estimates."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from datacard.hashing import mix64
from datacard.leakage.minhash import (
    EMPTY,
    jaccard_estimate,
    lsh_candidates,
    shingle_hashes,
    signatures,
)
from datacard.leakage.pairs import choose_banding, exact_jaccard


def sets(texts: list[str | None], shingle: int = 1) -> list[set[int]]:
    offsets, hashes = shingle_hashes(pa.array(texts, pa.string()), shingle)
    return [set(hashes[offsets[i] : offsets[i + 1]].tolist()) for i in range(len(texts))]


def test_words_are_normalised_and_deduplicated() -> None:
    a, b, c = sets(["The cat, the HAT.", "the cat the hat", "ＴＨＥ  Cat… hat"])
    assert a == b == c
    assert len(a) == 3


def test_empty_null_and_short_texts() -> None:
    empty, null, punct, one = sets(["", None, " ... !! ", "word"])
    assert empty == null == punct == set()
    assert len(one) == 1
    offsets, hashes = shingle_hashes(pa.array(["", None, "a"], pa.string()))
    sig = signatures(offsets, hashes, num_perm=32)
    assert (sig[0] == EMPTY).all() and (sig[1] == EMPTY).all() and (sig[2] != EMPTY).all()
    assert lsh_candidates(sig, bands=8, rows=4).tolist() == []  # two empty docs never pair
    assert jaccard_estimate(sig[0], sig[1]).item() == 0.0


def test_shingles_of_two_words() -> None:
    ab, ba, short = sets(["a b c", "c b a", "a"], shingle=2)
    assert len(ab) == 2 and ab.isdisjoint(ba)
    assert len(short) == 1  # fewer words than a shingle: one shingle of all of them


def test_cjk_text_gets_character_shingles() -> None:
    tokyo, tokyo2, other = sets(["東京タワーは高い。", "東京タワーは高い", "大阪城は古い"])
    assert tokyo == tokyo2 and len(tokyo) == 8
    assert len(tokyo & other) == 2  # は, い
    mixed = sets(["Tokyo 東京 tower"])[0]
    assert len(mixed) == 4


def test_same_words_hash_alike_in_any_batch() -> None:
    one = sets(["alpha beta"])[0]
    many = sets(["x", "beta alpha", "Ünïcödé alpha beta"])
    assert one == many[1] and one < many[2]


def test_signatures_are_deterministic_across_processes() -> None:
    code = (
        "import pyarrow as pa, hashlib\n"
        "from datacard.leakage.minhash import shingle_hashes, signatures\n"
        "o, h = shingle_hashes(pa.array(['one two three', 'four five', 'Straße 東京']))\n"
        "print(hashlib.sha256(signatures(o, h, 64, seed=7).tobytes()).hexdigest())\n"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code], check=True, capture_output=True, text=True
        ).stdout
        for _ in range(2)
    }
    assert len(runs) == 1
    o, h = shingle_hashes(pa.array(["one two three", "four five", "Straße 東京"]))
    import hashlib

    assert hashlib.sha256(signatures(o, h, 64, seed=7).tobytes()).hexdigest() == runs.pop().strip()
    assert not np.array_equal(signatures(o, h, 64, seed=7), signatures(o, h, 64, seed=8))


@given(
    st.sets(st.integers(0, 2**62), min_size=1, max_size=300),
    st.sets(st.integers(0, 2**62), min_size=1, max_size=300),
    st.sets(st.integers(0, 2**62), max_size=300),
    st.integers(0, 2**32),
)
def test_estimate_tracks_true_jaccard(
    only_a: set[int], only_b: set[int], shared: set[int], seed: int
) -> None:
    a, b = only_a | shared, (only_b - only_a) | shared
    true = len(a & b) / len(a | b)
    # shingle hashes are well mixed 64-bit values (their low 32 bits are as random as any)
    hashes = mix64(np.array(sorted(a) + sorted(b), np.uint64))
    offsets = np.array([0, len(a), len(a) + len(b)])
    sig = signatures(offsets, hashes, num_perm=256, seed=seed)
    est = jaccard_estimate(sig[0], sig[1]).item()
    # One-permutation hashing fills min(|set|, 256) bins and densifies the rest, so a set of a
    # few shingles gives a coarse estimate (two shingles in one bin: every bin is one value).
    # Candidates are verified by exact Jaccard, so only sets of real documents need accuracy.
    tolerance = 0.15 if min(len(a), len(b)) >= 16 else 0.7
    assert abs(est - true) <= tolerance  # ~5 standard deviations at 256 values
    exact = exact_jaccard(offsets, hashes.astype(np.uint32), np.array([0]), np.array([1]))
    assert abs(exact[0] - true) < 0.01  # 32-bit hashes: a collision is rare and small


def test_lsh_candidates_pair_similar_documents_only() -> None:
    rng = np.random.default_rng(0)
    base = rng.integers(0, 2**63, 200).astype(np.uint64)
    near = base.copy()
    near[:10] = rng.integers(0, 2**63, 10).astype(np.uint64)  # Jaccard 190/210 ≈ 0.9
    other = rng.integers(0, 2**63, 200).astype(np.uint64)
    hashes = np.concatenate([base, other, near])
    sig = signatures(np.array([0, 200, 400, 600]), hashes)
    assert lsh_candidates(sig, *choose_banding(0.8, 128)).tolist() == [[0, 2]]
    est = jaccard_estimate(sig[[0, 0]], sig[[2, 1]])
    assert est[0] > 0.75 and est[1] < 0.1


def vocabulary(rng: np.random.Generator, size: int) -> np.ndarray:
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    return np.array(["".join(rng.choice(letters, rng.integers(3, 9))) for _ in range(size)])


def edit(rng: np.random.Generator, words: list[str], vocab: np.ndarray, share: float) -> list[str]:
    """~share of the words edited: a third substituted, a third inserted, a third deleted."""
    out = list(words)
    for _ in range(max(1, round(share * len(words)))):
        op = rng.integers(3)
        pos = int(rng.integers(len(out)))
        if op == 0:
            out[pos] = str(rng.choice(vocab))
        elif op == 1:
            out.insert(pos, str(rng.choice(vocab)))
        elif len(out) > 1:
            del out[pos]
    return out


def test_recall_and_precision_on_generated_near_duplicates() -> None:
    """Documents of 50-400 Zipf words; a near-duplicate has ~10 % of its words edited."""
    rng = np.random.default_rng(42)
    vocab = vocabulary(rng, 5000)
    weights = 1.0 / np.arange(1, len(vocab) + 1)
    weights /= weights.sum()
    n = 400
    docs = [list(rng.choice(vocab, rng.integers(50, 400), p=weights)) for _ in range(n)]
    dups = [edit(rng, d, vocab, 0.10) for d in docs]
    texts = pa.array([" ".join(d) for d in docs + dups])
    offsets, hashes = shingle_hashes(texts)
    sig = signatures(offsets, hashes)
    pairs = lsh_candidates(sig, *choose_banding(0.8, 128))
    sims = exact_jaccard(offsets, hashes.astype(np.uint32), pairs[:, 0], pairs[:, 1])
    found = {tuple(p) for p, s in zip(pairs.tolist(), sims, strict=True) if s >= 0.8}
    planted = {(i, i + n) for i in range(n)}
    recall = len(found & planted) / n
    precision = len(found & planted) / max(len(found), 1)
    assert recall >= 0.95, recall
    assert precision >= 0.99, precision


@given(
    st.lists(st.lists(st.integers(0, 12), max_size=15), min_size=1, max_size=8),
    st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=20),
)
def test_exact_jaccard_is_the_jaccard_of_the_hash_sets(
    docs: list[list[int]], drawn: list[tuple[int, int]]
) -> None:
    """Against Python sets, with hashes repeated inside a document (two 64-bit word hashes can
    share their low 32 bits): a repeated hash counts once, so similarity never exceeds 1."""
    pairs = [(a % len(docs), b % len(docs)) for a, b in drawn]
    offsets = np.concatenate([[0], np.cumsum([len(d) for d in docs])]).astype(np.int64)
    hashes = np.array([h for d in docs for h in d], np.uint32)
    i = np.array([a for a, _ in pairs], np.int64)
    j = np.array([b for _, b in pairs], np.int64)
    got = exact_jaccard(offsets, hashes, i, j).tolist()
    want = [
        len(set(docs[a]) & set(docs[b])) / len(set(docs[a]) | set(docs[b]))
        if set(docs[a]) | set(docs[b])
        else 0.0
        for a, b in pairs
    ]
    assert got == want
