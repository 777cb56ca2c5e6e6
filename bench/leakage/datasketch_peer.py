"""The datasketch peer of `datacard leaks`: MinHash + MinHashLSH over word sets, train vs test.

    bench/.venv-peers/bin/python bench/leakage/datasketch_peer.py DUP_DIR OUT.parquet

Reads DUP_DIR/train/*.parquet and DUP_DIR/test/*.parquet (column `text`), builds one
`MinHash(num_perm=128)` per document over its set of words and inserts every train document
into `MinHashLSH(threshold=0.8, num_perm=128)`, then queries the index with every test
document. Every candidate the index returns is a found pair (the usual use of MinHashLSH; no
second pass estimating or computing the Jaccard similarity). Writes the pairs to OUT.parquet
(columns `test_row`, `train_row`: 0-based row numbers within each split) and prints a JSON
line of timings and counts.

Words are those of datacard's matching (`datacard.leakage.normalize.words`): NFKC,
case-folded, `\\w+` runs; each document contributes its set of distinct words (1-word
shingles), encoded as UTF-8, hashed with datasketch's default (SHA-1 based, `affine32`
scheme). Documents are hashed with `MinHash.generator` (datasketch's bulk path) in batches,
and inserted with an insertion session; all in one process, as a user would write it.

Run with the peers' venv (bench/.venv-peers), never the project's.
"""

from __future__ import annotations

import json
import re
import sys
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from datasketch import MinHash, MinHashLSH

NUM_PERM = 128
THRESHOLD = 0.8
BATCH_ROWS = 8_192
_WORD = re.compile(r"\w+")


def word_set(text: str) -> list[bytes]:
    """The distinct normalised words of a text, as datacard tokenises it."""
    return [w.encode() for w in set(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))]


def texts(split_dir: Path) -> Iterator[list[str | None]]:
    for path in sorted(split_dir.glob("*.parquet")):
        for batch in pq.ParquetFile(path).iter_batches(batch_size=BATCH_ROWS, columns=["text"]):
            yield batch.column(0).to_pylist()


def minhashes(batch: list[str | None]) -> Iterator[MinHash]:
    hashed: Iterator[MinHash] = MinHash.generator(
        (word_set(t or "") for t in batch), num_perm=NUM_PERM
    )
    return hashed


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    root, out = Path(argv[0]), Path(argv[1])
    start = time.perf_counter()
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    train_rows = 0
    with lsh.insertion_session() as session:
        for batch in texts(root / "train"):
            for m in minhashes(batch):
                session.insert(train_rows, m, check_duplication=False)
                train_rows += 1
    indexed = time.perf_counter()

    test_col: list[int] = []
    train_col: list[int] = []
    test_rows = 0
    for batch in texts(root / "test"):
        for m in minhashes(batch):
            for key in lsh.query(m):
                test_col.append(test_rows)
                train_col.append(int(key))
            test_rows += 1
    queried = time.perf_counter()

    out.parent.mkdir(parents=True, exist_ok=True)
    table = pa.table(
        {
            "test_row": pa.array(test_col, pa.int64()),
            "train_row": pa.array(train_col, pa.int64()),
        }
    )
    pq.write_table(table, out)
    done = time.perf_counter()
    print(
        json.dumps(
            {
                "train_rows": train_rows,
                "test_rows": test_rows,
                "pairs": len(test_col),
                "lsh_bands_rows": [lsh.b, lsh.r],
                "index_s": round(indexed - start, 2),
                "query_s": round(queried - indexed, 2),
                "write_s": round(done - queried, 2),
                "total_s": round(done - start, 2),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
