"""Run datacard's PII audit on a benchmark dataset (in the project's venv).

    .venv/bin/python bench/audit/datacard_pii.py ROOT [--workers N] [--sample N]
                                                 [--detections OUT.jsonl]

Times ``pii_findings`` (the real pipeline: Parquet reading, worker processes, merging) and
prints one JSON line: the seconds it took and the findings. With ``--detections`` it then
(untimed) runs ``detect(value, column)`` on every value of the Parquet files under ROOT
(``text.parquet``: no column hint; ``table.parquet``: the column's name) and writes one
JSON line per match (part, row, column, kind, span), which the harness scores against the
ground truth. Values themselves are never written.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq

from datacard.audit.context import AuditContext
from datacard.audit.pii import detect, pii_findings
from datacard.card import Card


def write_detections(root: Path, out: Path) -> int:
    n = 0
    with out.open("w") as handle:
        for path in sorted(root.rglob("*.parquet")):
            part = path.stem
            table = pq.read_table(path)
            for column in table.column_names:
                values = table[column].to_pylist()
                hint = None if part == "text" else column
                for row, value in enumerate(values):
                    if value is None:
                        continue
                    for m in detect(value, hint):
                        record = {
                            "part": part,
                            "row": row,
                            "column": column,
                            "kind": m.kind,
                            "start": m.span[0],
                            "end": m.span[1],
                        }
                        handle.write(json.dumps(record) + "\n")
                        n += 1
    return n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--sample", type=int)
    parser.add_argument("--detections", type=Path)
    args = parser.parse_args(argv)
    ctx = AuditContext(
        root=args.root, card=Card(name="pii-bench"), workers=args.workers, sample=args.sample
    )
    start = time.perf_counter()
    findings = pii_findings(ctx)
    seconds = time.perf_counter() - start
    summary: dict[str, object] = {
        "seconds": round(seconds, 4),
        "findings": [f.to_dict() for f in findings],
    }
    if args.detections is not None:
        start = time.perf_counter()
        summary["detections"] = write_detections(args.root, args.detections)
        summary["detect_seconds"] = round(time.perf_counter() - start, 4)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
