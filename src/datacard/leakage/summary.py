"""Leak pairs summarised per split pair and kind; findings; the ``--out`` Parquet file.

For splits ``a`` and ``b`` (``a`` the bigger, or ``a == b`` within a split), ``count`` is the
number of distinct rows of ``b`` that have a match in ``a`` (within a split: rows that repeat an
earlier row, or carry another label than the first row with the same input), and ``fraction`` is
``count / rows of b``.

>>> p = PairSummary("train", "test", "exact", 2, 0.1, [])
>>> p.line()
"exact: 2 of the rows of 'test' (10.00%) also appear in 'train'"
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from datacard.findings import Finding

if TYPE_CHECKING:
    from datacard.leakage.rows import Rows

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Found = Mapping[str, tuple[I64, I64, F64]]

#: Examples kept per split pair and kind.
EXAMPLES = 5
KINDS = ("exact", "near", "label-conflict")


@dataclass
class PairSummary:
    """Matches between split ``a`` and split ``b`` of one kind (see the module docstring)."""

    a: str
    b: str
    kind: str
    count: int
    fraction: float
    examples: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "kind": self.kind,
            "count": self.count,
            "fraction": self.fraction,
            "examples": self.examples,
        }

    def line(self) -> str:
        share = f"{self.fraction:.2%}"
        if self.a == self.b:
            what = {
                "exact": "repeat an earlier row",
                "near": "are near-duplicates of an earlier row",
                "label-conflict": "repeat an input with another label",
            }[self.kind]
            return f"{self.kind}: {self.count:,} rows of '{self.b}' ({share}) {what}"
        what = {
            "exact": "also appear in",
            "near": "have a near-duplicate in",
            "label-conflict": "have the same input with another label in",
        }[self.kind]
        return f"{self.kind}: {self.count:,} of the rows of '{self.b}' ({share}) {what} '{self.a}'"


def summarise(
    found: Found, rows: Rows, order: Sequence[str], split_rows: Mapping[str, int]
) -> list[PairSummary]:
    """One summary per kind and split pair (``a`` before ``b`` in ``order``, and ``a == b``)."""
    sid = {s: i for i, s in enumerate(rows.split_names)}
    out: list[PairSummary] = []
    for kind in KINDS:
        if kind not in found:
            continue
        a, b, sim = found[kind]
        sa, sb = rows.split(a), rows.split(b)
        for x, name_a in enumerate(order):
            for name_b in order[x:]:
                mask = (sa == sid[name_a]) & (sb == sid[name_b])
                ia, ib, s = a[mask], b[mask], sim[mask]
                count = len(np.unique(ib))
                total = split_rows[name_b]
                first = np.lexsort((ia, ib))[:EXAMPLES]
                examples = [_example(rows, int(ia[k]), int(ib[k]), float(s[k])) for k in first]
                out.append(
                    PairSummary(
                        name_a, name_b, kind, count, count / total if total else 0.0, examples
                    )
                )
    return out


def _example(rows: Rows, a: int, b: int, sim: float) -> dict[str, Any]:
    both = np.array([a, b], np.int64)
    (fa, fb), (ra, rb) = rows.file(both).tolist(), rows.row(both).tolist()
    return {
        "a_file": rows.files[fa].rel,
        "a_row": ra,
        "b_file": rows.files[fb].rel,
        "b_row": rb,
        "similarity": round(sim, 4),
    }


def findings_for(pairs: Sequence[PairSummary]) -> list[Finding]:
    """Cross-split exact → leakage.exact-overlap, near → leakage.near-overlap, within a split →
    leakage.duplicates, label conflicts → leakage.label-conflict; evidence is the summary."""
    out: list[Finding] = []
    for p in pairs:
        if not p.count:
            continue
        if p.kind == "label-conflict":
            code = "leakage.label-conflict"
        elif p.a == p.b:
            code = "leakage.duplicates"
        else:
            code = "leakage.exact-overlap" if p.kind == "exact" else "leakage.near-overlap"
        where = p.b if p.a == p.b else f"{p.a}/{p.b}"
        out.append(Finding.of(code, p.line(), where=where, **p.to_json()))
    return out


def write_pairs(path: Path, found: Found, rows: Rows) -> None:
    """Every pair as a Parquet row: a_split, a_file, a_row, b_split, b_file, b_row, kind,
    similarity."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from datacard.arrays import int64_array

    kinds = [k for k in KINDS if k in found]
    a = np.concatenate([found[k][0] for k in kinds]) if kinds else np.zeros(0, np.int64)
    b = np.concatenate([found[k][1] for k in kinds]) if kinds else np.zeros(0, np.int64)
    sim = np.concatenate([found[k][2] for k in kinds]) if kinds else np.zeros(0)
    kind = (
        np.concatenate([np.full(len(found[k][0]), i, np.int64) for i, k in enumerate(kinds)])
        if kinds
        else np.zeros(0, np.int64)
    )
    splits = pa.array(rows.split_names, pa.string())
    files = pa.array([f.rel for f in rows.files], pa.string())
    names = pa.array(list(kinds), pa.string())

    def take(values: pa.Array, idx: I64) -> pa.Array:
        return values.take(int64_array(idx))

    table = pa.table(
        {
            "a_split": take(splits, rows.split(a)),
            "a_file": take(files, rows.file(a)),
            "a_row": int64_array(rows.row(a)),
            "b_split": take(splits, rows.split(b)),
            "b_file": take(files, rows.file(b)),
            "b_row": int64_array(rows.row(b)),
            "kind": take(names, kind),
            "similarity": pa.Array.from_buffers(
                pa.float64(), len(sim), [None, pa.py_buffer(np.ascontiguousarray(sim, np.float64))]
            ),
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp)
    tmp.replace(path)
