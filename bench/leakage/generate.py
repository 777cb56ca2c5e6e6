"""Deterministic corpora for the leakage and contamination benchmark (bench/leakage/run.py).

Writes, under bench/data/leakage/ (git-ignored):

- dup/train/part-0.parquet    200,000 documents of 50-400 made-up words (Zipf, 20,000 words)
- dup/test/part-0.parquet     20,000 documents: 2,000 exact copies of train documents,
                              2,000 near-duplicates (~10 % of words substituted, inserted or
                              deleted, a third each), 16,000 fresh documents, shuffled
- dup/ground_truth.json       every planted (test row, train row, kind, word-set Jaccard)
- contam/bench.jsonl          1,000 question-like benchmark items (20-60 words, names, numbers)
- contam/train/part-0.parquet 50,000 clean documents (2,000 of them holding a decoy question
                              made from the same templates) plus 300 planted benchmark items
                              inside longer documents, shuffled
- contam/ground_truth.json    which items were planted, how, and in which training row

Both Parquet layouts have the columns `id` (int64) and `text` (string). Train ids are the row
numbers; test ids are TEST_ID_BASE + row number, so a tool reporting either can be scored.
Every value comes from numpy Generators seeded with SEED; files that exist are kept (delete
bench/data/leakage/ to remake them).

Run: .venv/bin/python bench/leakage/generate.py [--data-dir DIR] [--facts]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

BENCH_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = BENCH_DIR / "data" / "leakage"

SEED = 20261127
VOCAB_SIZE = 20_000
ZIPF_S = 1.0  # word k (1-based) has weight 1 / k**ZIPF_S
MIN_WORDS, MAX_WORDS = 50, 400
TRAIN_DOCS = 200_000
TEST_DOCS = 20_000
EXACT_COPIES = 2_000
NEAR_COPIES = 2_000
EDIT_SHARE = 0.10  # share of a document's words edited in a near-duplicate
TEST_ID_BASE = 10_000_000
ROW_GROUP_ROWS = 16_384  # ~25 MB of text per row group in the train file
SCHEMA = pa.schema([pa.field("id", pa.int64()), pa.field("text", pa.string())])

BENCH_ITEMS = 1_000
CLEAN_DOCS = 50_000
DECOY_DOCS = (
    0  # see README: a template twin differs from a benchmark item only in names and numbers
)
PLANT_PER_KIND = 100
ITEM_MIN_WORDS, ITEM_MAX_WORDS = 20, 60

_CONSONANTS = list("bcdfghjklmnprstvz")
_VOWELS = list("aeiou")


# --------------------------------------------------------------------------- paths


@dataclass(frozen=True)
class Paths:
    root: Path

    @property
    def dup(self) -> Path:
        return self.root / "dup"

    @property
    def dup_train(self) -> Path:
        return self.dup / "train" / "part-0.parquet"

    @property
    def dup_test(self) -> Path:
        return self.dup / "test" / "part-0.parquet"

    @property
    def dup_truth(self) -> Path:
        # Beside the split folders, not inside dup/: datacard measures every data file there.
        return self.root / "dup_ground_truth.json"

    @property
    def contam(self) -> Path:
        return self.root / "contam"

    @property
    def bench_jsonl(self) -> Path:
        return self.contam / "bench.jsonl"

    @property
    def contam_train(self) -> Path:
        return self.contam / "train" / "part-0.parquet"

    @property
    def contam_truth(self) -> Path:
        return self.root / "contam_ground_truth.json"


# --------------------------------------------------------------------------- words


def made_up_words(rng: np.random.Generator, count: int, capitalize: bool = False) -> list[str]:
    """`count` distinct pronounceable made-up words (2-4 consonant-vowel syllables)."""
    syllables = np.array([c + v for c in _CONSONANTS for v in _VOWELS])
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < count:
        n = count * 2
        lengths = rng.integers(2, 5, size=n)
        picks = rng.integers(0, len(syllables), size=(n, 4))
        tails = rng.integers(0, len(_CONSONANTS) * 3, size=n)  # a closing consonant, 1 in 3
        for length, pick, tail in zip(lengths, picks, tails, strict=True):
            word = "".join(syllables[pick[:length]])
            if tail < len(_CONSONANTS):
                word += _CONSONANTS[tail]
            if capitalize:
                word = word.capitalize()
            if word not in seen:
                seen.add(word)
                out.append(word)
                if len(out) == count:
                    break
    return out


class Zipf:
    """Word ids 0..size-1 drawn with weight 1 / (id + 1) ** s."""

    def __init__(self, size: int, s: float = ZIPF_S) -> None:
        weights = 1.0 / np.arange(1, size + 1, dtype=np.float64) ** s
        self.cdf = np.cumsum(weights / weights.sum())
        self.cdf[-1] = 1.0
        self.size = size

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        out = np.empty(n, dtype=np.uint16)
        step = 8_000_000  # bounded temporaries
        for start in range(0, n, step):
            stop = min(n, start + step)
            out[start:stop] = np.searchsorted(self.cdf, rng.random(stop - start), side="right")
        return out


def join_docs(vocab: pa.Array, tokens: np.ndarray, offsets: np.ndarray) -> pa.Array:
    """The documents whose word ids are tokens[offsets[i]:offsets[i + 1]], space-joined."""
    words = vocab.take(pa.array(tokens.astype(np.int32)))
    lists = pa.ListArray.from_arrays(pa.array((offsets - offsets[0]).astype(np.int32)), words)
    return pc.binary_join(lists, " ")


def write_parquet(path: Path, ids: np.ndarray, texts: pa.Array) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.table([pa.array(ids.astype(np.int64)), texts], schema=SCHEMA)
    tmp = path.with_suffix(".tmp")
    pq.write_table(table, tmp, row_group_size=ROW_GROUP_ROWS)
    tmp.replace(path)


def write_json(path: Path, payload: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, indent=1) + "\n")
    tmp.replace(path)


# --------------------------------------------------------------------------- near-duplicates


def near_duplicate(rng: np.random.Generator, doc: np.ndarray, zipf: Zipf) -> np.ndarray:
    """~EDIT_SHARE of the words edited: a third substituted, a third inserted, a third deleted."""
    length = len(doc)
    each = max(1, round(length * EDIT_SHARE / 3))
    positions = rng.choice(length, size=2 * each, replace=False)
    sub_pos, del_pos = positions[:each], positions[each:]
    out = doc.copy()
    new = zipf.draw(rng, each)
    same = new == out[sub_pos]
    new[same] = (new[same].astype(np.int64) + 1) % zipf.size  # always a different word
    out[sub_pos] = new
    out = np.delete(out, del_pos)
    insert_at = np.sort(rng.integers(0, len(out) + 1, size=each))
    return np.insert(out, insert_at, zipf.draw(rng, each))


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    sa, sb = set(a.tolist()), set(b.tolist())
    return len(sa & sb) / len(sa | sb)


def generate_dup(paths: Paths) -> None:
    rng = np.random.default_rng([SEED, 1])
    vocab_words = made_up_words(rng, VOCAB_SIZE)
    vocab = pa.array(vocab_words)
    zipf = Zipf(VOCAB_SIZE)

    train_len = rng.integers(MIN_WORDS, MAX_WORDS + 1, size=TRAIN_DOCS)
    train_off = np.concatenate([[0], np.cumsum(train_len)])
    train_tok = zipf.draw(rng, int(train_off[-1]))

    sources = rng.choice(TRAIN_DOCS, size=EXACT_COPIES + NEAR_COPIES, replace=False)
    fresh = TEST_DOCS - EXACT_COPIES - NEAR_COPIES
    fresh_len = rng.integers(MIN_WORDS, MAX_WORDS + 1, size=fresh)
    fresh_tok = zipf.draw(rng, int(fresh_len.sum()))

    docs: list[np.ndarray] = []
    kinds: list[str] = []
    sims: list[float] = []
    for i, src in enumerate(sources):
        original = train_tok[train_off[src] : train_off[src + 1]]
        if i < EXACT_COPIES:
            docs.append(original)
            kinds.append("exact")
            sims.append(1.0)
        else:
            edited = near_duplicate(rng, original, zipf)
            docs.append(edited)
            kinds.append("near")
            sims.append(round(jaccard(original, edited), 4))
    fresh_off = np.concatenate([[0], np.cumsum(fresh_len)])
    docs += [fresh_tok[fresh_off[i] : fresh_off[i + 1]] for i in range(fresh)]

    order = rng.permutation(TEST_DOCS)  # test row r holds document order[r]
    test_docs = [docs[j] for j in order]
    test_off = np.concatenate([[0], np.cumsum([len(d) for d in test_docs])])
    test_tok = np.concatenate(test_docs)

    # The train file is written a few row groups at a time: bounded memory.
    paths.dup_train.parent.mkdir(parents=True, exist_ok=True)
    tmp = paths.dup_train.with_suffix(".tmp")
    with pq.ParquetWriter(tmp, SCHEMA) as writer:
        step = ROW_GROUP_ROWS * 3
        for start in range(0, TRAIN_DOCS, step):
            stop = min(TRAIN_DOCS, start + step)
            lo, hi = train_off[start], train_off[stop]
            texts = join_docs(vocab, train_tok[lo:hi], train_off[start : stop + 1])
            ids = pa.array(np.arange(start, stop, dtype=np.int64))
            writer.write_table(pa.table([ids, texts], schema=SCHEMA), ROW_GROUP_ROWS)
    tmp.replace(paths.dup_train)
    write_parquet(
        paths.dup_test, TEST_ID_BASE + np.arange(TEST_DOCS), join_docs(vocab, test_tok, test_off)
    )

    pairs = []
    for row, j in enumerate(order):
        if j < len(sources):
            pairs.append(
                {
                    "test_row": row,
                    "train_row": int(sources[j]),
                    "kind": kinds[j],
                    "word_jaccard": sims[j],
                }
            )
    near_sims = np.array([p["word_jaccard"] for p in pairs if p["kind"] == "near"])
    write_json(
        paths.dup_truth,
        {
            "description": "test rows planted from train rows (rows are 0-based positions; "
            f"train id = row, test id = {TEST_ID_BASE} + row)",
            "train_docs": TRAIN_DOCS,
            "test_docs": TEST_DOCS,
            "exact": EXACT_COPIES,
            "near": NEAR_COPIES,
            "near_word_jaccard": {
                "min": float(near_sims.min()),
                "p05": float(np.quantile(near_sims, 0.05)),
                "median": float(np.median(near_sims)),
                "below_0.8": int((near_sims < 0.8).sum()),
            },
            "pairs": pairs,
        },
    )


# --------------------------------------------------------------------------- contamination

# Statements and questions with slots: {N0} {N1} names, {n0} {n1} numbers, {o} an object,
# {p} a place. Each has a reworded form with the same slots (for the "reworded" variant).
STATEMENTS: tuple[tuple[str, str], ...] = (
    ("{N0} buys {n0} {o}s at the {p} market.", "At the {p} market, {N0} purchased {n0} {o}s."),
    (
        "{N0} has {n0} {o}s and gives {n1} of them to {N1}.",
        "{N1} receives {n1} of the {n0} {o}s that {N0} owns.",
    ),
    ("Each {o} costs {n0} dollars in {p}.", "In {p} a single {o} is sold for {n0} dollars."),
    (
        "{N0} walks {n0} kilometers to {p} every morning.",
        "Every morning {N0} covers {n0} kilometers on foot to reach {p}.",
    ),
    (
        "On Monday {N0} sold {n0} {o}s for {n1} dollars each.",
        "{N0} got {n1} dollars apiece for the {n0} {o}s sold on Monday.",
    ),
    ("There are {n0} {o}s in the {p} warehouse.", "The warehouse in {p} stores {n0} {o}s."),
    (
        "{N0} reads {n0} pages about {o}s every day.",
        "Each day {N0} gets through {n0} pages on the subject of {o}s.",
    ),
    ("A crate from {p} holds {n0} {o}s.", "Every {p} crate is packed with {n0} {o}s."),
    (
        "{N0} earns {n0} dollars an hour working in {p}.",
        "Working in {p} pays {N0} {n0} dollars for each hour.",
    ),
    (
        "After {n0} weeks {N0} had saved {n1} dollars.",
        "{N0} put aside {n1} dollars over {n0} weeks.",
    ),
    (
        "{N0} and {N1} share {n0} {o}s equally.",
        "The {n0} {o}s are split evenly between {N0} and {N1}.",
    ),
    (
        "The trip from {p} takes {n0} minutes by bus.",
        "By bus the journey out of {p} lasts {n0} minutes.",
    ),
)
QUESTIONS: tuple[tuple[str, str], ...] = (
    ("How many {o}s does {N0} have left?", "What number of {o}s remain with {N0}?"),
    ("How much money did {N0} spend in total?", "What was the total amount {N0} paid?"),
    ("How many days will {N0} need to finish?", "In how many days will {N0} be done?"),
    ("What is the total number of {o}s in {p}?", "How many {o}s are there in {p} altogether?"),
    ("How far does {N0} travel in {n0} days?", "What distance does {N0} cover over {n0} days?"),
)


@dataclass
class Sentence:
    template: int  # index into STATEMENTS, or -1 - index into QUESTIONS
    slots: dict[str, str]
    reworded: bool = False

    def render(self) -> str:
        pair = STATEMENTS[self.template] if self.template >= 0 else QUESTIONS[-1 - self.template]
        text = pair[1 if self.reworded else 0].format(**self.slots)
        detail = self.slots.get("detail")
        # Free words make each item its own problem, as in real benchmarks; without them two
        # items from one template differ only in names and numbers and look like rephrasings.
        return f"{text[:-1]}, {detail}{text[-1]}" if detail else text


class ItemMaker:
    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.names = made_up_words(rng, 600, capitalize=True)
        self.objects = made_up_words(rng, 1_500)
        self.places = made_up_words(rng, 500, capitalize=True)

    def name(self) -> str:
        return self.names[int(self.rng.integers(len(self.names)))]

    def number(self) -> str:
        return str(int(self.rng.integers(2, 1000)))

    def slots(self) -> dict[str, str]:
        r = self.rng
        return {
            "N0": self.name(),
            "N1": self.name(),
            "n0": self.number(),
            "n1": self.number(),
            "o": self.objects[int(r.integers(len(self.objects)))],
            "p": self.places[int(r.integers(len(self.places)))],
            "detail": " ".join(self.objects[int(i)] for i in r.integers(len(self.objects), size=3)),
        }

    def statement(self) -> Sentence:
        return Sentence(int(self.rng.integers(len(STATEMENTS))), self.slots())

    def item(self) -> list[Sentence]:
        """2-6 statements and a question, 20-60 words."""
        while True:
            sentences = [self.statement() for _ in range(int(self.rng.integers(2, 7)))]
            sentences.append(Sentence(-1 - int(self.rng.integers(len(QUESTIONS))), self.slots()))
            if ITEM_MIN_WORDS <= len(render(sentences).split()) <= ITEM_MAX_WORDS:
                return sentences

    def new_names_numbers(self, sentences: list[Sentence]) -> list[Sentence]:
        """Every name and every number replaced by a different one."""
        out = []
        for s in sentences:
            slots = dict(s.slots)
            draws = (("N0", self.name), ("N1", self.name), ("n0", self.number), ("n1", self.number))
            for key, draw in draws:
                value = draw()
                while value == s.slots[key]:
                    value = draw()
                slots[key] = value
            out.append(Sentence(s.template, slots, s.reworded))
        return out


def render(sentences: list[Sentence]) -> str:
    return " ".join(s.render() for s in sentences)


def generate_contam(paths: Paths) -> None:
    rng = np.random.default_rng([SEED, 2])
    vocab = pa.array(made_up_words(rng, VOCAB_SIZE))
    zipf = Zipf(VOCAB_SIZE)
    maker = ItemMaker(rng)

    items = [maker.item() for _ in range(BENCH_ITEMS)]
    texts = [render(s) for s in items]
    assert len(set(texts)) == BENCH_ITEMS

    planted_items = rng.choice(BENCH_ITEMS, size=3 * PLANT_PER_KIND, replace=False)
    plants: list[dict[str, Any]] = []
    for i, item in enumerate(planted_items.tolist()):
        sentences = items[item]
        if i < PLANT_PER_KIND:
            kind, variant, how = "verbatim", sentences, "verbatim"
        elif i < 2 * PLANT_PER_KIND:
            kind, variant = "names_numbers", maker.new_names_numbers(sentences)
            how = "every name and number changed"
        else:
            kind = "sentence"
            if i % 2 == 0:
                at = int(rng.integers(0, len(sentences)))  # before the question at the latest
                variant = [*sentences[:at], maker.statement(), *sentences[at:]]
                how = "sentence added"
            else:
                at = int(rng.integers(0, len(sentences)))
                variant = list(sentences)
                variant[at] = Sentence(sentences[at].template, sentences[at].slots, True)
                how = "sentence reworded"
        plants.append({"item": item, "kind": kind, "how": how, "text": render(variant)})

    # Clean documents: Zipf text; DECOY_DOCS of them hold a fresh question from the templates.
    lengths = rng.integers(MIN_WORDS, MAX_WORDS + 1, size=CLEAN_DOCS)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    clean = join_docs(vocab, zipf.draw(rng, int(offsets[-1])), offsets).to_pylist()
    for doc in rng.choice(CLEAN_DOCS, size=DECOY_DOCS, replace=False).tolist():
        words = clean[doc].split(" ")
        at = int(rng.integers(0, len(words) + 1))
        decoy = render(maker.item())
        clean[doc] = " ".join([*words[:at], decoy, *words[at:]])
    # Planted documents: prefix + item variant + suffix, 30-200 words of Zipf text each side.
    planted_docs = []
    for plant in plants:
        pre, post = rng.integers(30, 201, size=2)
        tok = zipf.draw(rng, int(pre + post))
        side = join_docs(vocab, tok, np.array([0, pre, pre + post])).to_pylist()
        planted_docs.append(f"{side[0]} {plant['text']} {side[1]}")

    all_docs = clean + planted_docs
    order = rng.permutation(len(all_docs))  # train row r holds document order[r]
    rows = np.empty(len(all_docs), dtype=np.int64)
    rows[order] = np.arange(len(all_docs))
    for k, plant in enumerate(plants):
        plant["train_row"] = int(rows[CLEAN_DOCS + k])
    write_parquet(
        paths.contam_train, np.arange(len(all_docs)), pa.array([all_docs[j] for j in order])
    )

    paths.bench_jsonl.parent.mkdir(parents=True, exist_ok=True)
    tmp = paths.bench_jsonl.with_suffix(".tmp")
    with tmp.open("w") as handle:
        for k, text in enumerate(texts):
            handle.write(json.dumps({"id": f"item-{k:04d}", "question": text}) + "\n")
    tmp.replace(paths.bench_jsonl)
    write_json(
        paths.contam_truth,
        {
            "description": "benchmark items (0-based line numbers of bench.jsonl, id "
            "item-NNNN) planted in contam/train, with the training row (0-based) holding them",
            "items": BENCH_ITEMS,
            "clean_docs": CLEAN_DOCS,
            "decoy_docs": DECOY_DOCS,
            "planted": plants,
        },
    )


# --------------------------------------------------------------------------- main


def facts(paths: Paths) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, path in (
        ("dup_train", paths.dup_train),
        ("dup_test", paths.dup_test),
        ("contam_train", paths.contam_train),
    ):
        if path.exists():
            meta = pq.ParquetFile(path).metadata
            out[key] = {
                "path": str(path),
                "rows": meta.num_rows,
                "row_groups": meta.num_row_groups,
                "size_mb": round(path.stat().st_size / 2**20, 1),
            }
    if paths.bench_jsonl.exists():
        with paths.bench_jsonl.open() as handle:
            lines = sum(1 for _ in handle)
        out["bench"] = {"path": str(paths.bench_jsonl), "rows": lines}
    if paths.dup_truth.exists():
        out["near_word_jaccard"] = json.loads(paths.dup_truth.read_text())["near_word_jaccard"]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--facts", action="store_true", help="print facts about the files")
    args = parser.parse_args(argv)
    paths = Paths(args.data_dir.resolve())
    if args.facts:
        print(json.dumps(facts(paths)))
        return 0
    for name, outputs, make in (
        ("dup", (paths.dup_train, paths.dup_test, paths.dup_truth), generate_dup),
        ("contam", (paths.bench_jsonl, paths.contam_train, paths.contam_truth), generate_contam),
    ):
        if all(p.exists() for p in outputs):
            print(f"kept {name}: files exist", flush=True)
            continue
        start = time.perf_counter()
        make(paths)
        print(f"wrote {name} in {time.perf_counter() - start:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
