"""Poisoning and backdoor hints: conflicting labels on identical inputs, trigger-like rare tokens,
near-identical clusters concentrated in one label, and extreme numeric outliers.

One pass over the data (:func:`datacard.scan.map_partitions` of
:func:`.poisoning_scan.scan_part`: hashes, signatures and numeric tails, no text), then the
parent looks for each hint (:mod:`.poisoning_triggers`, :mod:`.poisoning_clusters`,
:mod:`.poisoning_outliers`, and the leakage label-conflict pairs), and reads back only the few
rows shown as evidence. Label-based hints need a class label (``ctx.label``); outliers do not.
These are hints for a person to look at, never verdicts (docs/sensitive-and-poisoning.md).

>>> import tempfile, pathlib
>>> from datacard.card import Card, Policy
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> rows = "".join(f"review number {i % 7} is fine,{i % 2}\\n" for i in range(40))
>>> _ = (d / "train.csv").write_text("text,y\\n" + rows + "review number 1 is fine,0\\n")
>>> ctx = AuditContext(root=d, card=Card(name="x", policy=Policy(label="y")), workers=1)
>>> [(f.code, len(f.evidence["rows"])) for f in poisoning_findings(ctx)]
[('poisoning.label-conflict', 10)]
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from datacard.audit.context import AuditContext
from datacard.audit.poisoning_clusters import MIN_SIZE, SIMILARITY, near_clusters
from datacard.audit.poisoning_columns import ColumnChooser
from datacard.audit.poisoning_content import ContentCheck
from datacard.audit.poisoning_data import Labelled
from datacard.audit.poisoning_outliers import FAR, Tail, extreme
from datacard.audit.poisoning_report import EVIDENCE, Report
from datacard.audit.poisoning_rows import within_sample
from datacard.audit.poisoning_scan import PoisonPart, PoisonSpec, scan_part
from datacard.audit.poisoning_stats import bonferroni, disagrees, surprise
from datacard.audit.poisoning_triggers import LIFT, PURITY, find_triggers
from datacard.findings import Finding, Location
from datacard.leakage.leaks import split_order
from datacard.leakage.pairs import label_pairs
from datacard.rowmap import RowMap
from datacard.scan import map_partitions, plan_partitions
from datacard.sketches import sorted_unique

__all__ = ["poisoning_findings"]

I64 = npt.NDArray[np.int64]


def poisoning_findings(ctx: AuditContext) -> list[Finding]:
    """Hints of label noise, planted triggers and clusters, and extreme outliers in the data at
    ``ctx.root`` (see docs/sensitive-and-poisoning.md)."""
    chooser = ColumnChooser(ctx.card.policy, ctx.label)
    parts = plan_partitions(ctx.root, splits=ctx.splits or None, columns=chooser)
    spec = chooser.spec(ctx.sample)
    if not parts:
        return []
    fn = functools.partial(scan_part, spec=spec)
    scanned = map_partitions(fn, parts, workers=ctx.workers, progress=ctx.progress)
    keep = within_sample([p.file.split for p in parts], [s.rows for s in scanned], ctx.sample)
    parts = [p for p, k in zip(parts, keep) if k]
    scanned = [s for s, k in zip(scanned, keep) if k]
    rows = RowMap.of(parts, [s.rows for s in scanned])
    report = Report(ctx, rows, spec)
    _outliers(report, scanned, spec)
    data = Labelled.of(scanned, spec, rows) if spec.label is not None else None
    del scanned  # the per-partition pieces: their concatenation is all that is needed now
    if data is not None:
        _conflicts(report, data)
        check = data.check()
        _triggers(report, data, check)
        _clusters(report, data, check)
    return report.finish()


def _outliers(report: Report, scanned: Sequence[PoisonPart], spec: PoisonSpec) -> None:
    for column in spec.numeric:
        tail = Tail.empty()
        for start, part in zip(report.rows.starts.tolist(), scanned):
            if column in part.tails:
                tail.merge(part.tails[column].shifted(start))
        found = extreme(tail)
        if found is None:
            continue
        count = len(found.values)
        evidence = {
            "count": count,
            "values": tail.n,
            "q1": _num(found.q1),
            "q3": _num(found.q3),
            "low_fence": _num(found.low_fence),
            "high_fence": _num(found.high_fence),
            "most_extreme": _num(float(found.values[0])),
        }
        report.add(
            "poisoning.outlier",
            f"{count} value(s) of '{column}' lie more than {FAR:g} IQR beyond the quartiles "
            f"(Q1 {found.q1:g}, Q3 {found.q3:g}; most extreme {found.values[0]:g}): entry "
            "errors, sentinels or planted values? check these rows",
            Location(column=column),
            evidence,
            [(int(r), None, {"value": _num(float(v))}) for v, r in zip(found.values, found.rows)],
        )


def _num(x: float) -> float | int:
    return int(x) if float(x).is_integer() and abs(x) < 2**53 else round(float(x), 6)


def _conflicts(report: Report, data: Labelled) -> None:
    """Identical inputs with different labels (the leakage label-conflict pairs)."""
    use = np.flatnonzero(data.valid & ~data.empty)
    if len(use) < 2:
        return
    names = sorted({p.file.split for p in report.rows.parts})
    split = report.rows.split_ids(names)
    sizes = {s: int((split[use] == i).sum()) for i, s in enumerate(names)}
    order = split_order(sizes)
    rank = np.array([order.index(s) for s in names], np.int64)
    labels = data.y[use].astype(np.uint64)
    a, b = label_pairs(data.inputs[use], labels, split[use], rank)
    if not len(a):
        return
    a, b = use[a], use[b]
    involved = sorted_unique(np.concatenate([a, b]))
    distinct = len(sorted_unique(data.inputs[involved]))
    across = int((split[a] != split[b]).sum())
    first = np.lexsort((b, a))
    shown: list[tuple[int, str | None, dict[str, Any]]] = []
    seen: set[int] = set()
    column = report.spec.inputs[0] if report.spec.inputs else None
    for k in first.tolist():
        for row in (int(a[k]), int(b[k])):
            if row not in seen:
                seen.add(row)
                shown.append((row, column, {"label": data.values[int(data.y[row])]}))
        if len(shown) >= EVIDENCE:
            break
    report.add(
        "poisoning.label-conflict",
        f"{distinct} input(s) appear with conflicting labels ({len(involved)} rows; {across} of "
        f"{len(a)} pairs across splits): label noise or deliberate flips, check these rows",
        Location(column=column),
        {
            "inputs": distinct,
            "rows_involved": len(involved),
            "pairs": len(a),
            "pairs_across": across,
        },
        shown,
    )


def _triggers(report: Report, data: Labelled, check: ContentCheck) -> None:
    for t in find_triggers(data.sources, data.y, data.valid, check, data.counts):
        source = data.sources[t.source]
        label = data.values[t.label]
        what = "value" if source.kind == "value" else "token"
        evidence = {
            "kind": source.kind,
            "label": label,
            "support": t.support,
            "with_label": t.hits,
            "purity": round(t.hits / t.support, 4),
            "base_rate": t.base_rate,
            "lift": round(t.hits / t.support / t.base_rate, 2) if t.base_rate else None,
            "surprise": t.surprise,
            "needed": t.needed,
            "content_agreement": t.agreement,
            "expected_agreement": t.expected,
        }
        shown = [
            (int(r), source.column, {"label": data.values[int(data.y[r])]})
            for r in t.rows[:EVIDENCE]
        ]
        head = f"a rare {what} in '{source.column}'"
        tail = (
            f" is in {t.support} rows, {t.hits} of them labelled {label} (base rate "
            f"{t.base_rate:.0%}), while the rest of those rows reads like other labels (their "
            f"content leans to it in {t.agreement:.0%} of rows, {t.expected:.0%} expected): "
            "a possible backdoor trigger, check these rows"
        )
        index = report.add(
            "poisoning.trigger",
            functools.partial(_trigger_message, head, tail),
            Location(column=source.column),
            evidence,
            shown,
        )
        report.tokens.append((index, t, source.column, source.kind))


def _trigger_message(head: str, tail: str, evidence: dict[str, Any]) -> str:
    return f"{head}, '{evidence['token']}',{tail}"


def _clusters(report: Report, data: Labelled, check: ContentCheck) -> None:
    base = np.bincount(data.y[data.valid], minlength=data.labels) / max(int(data.valid.sum()), 1)
    found: list[tuple[str, I64, int, int]] = []
    for column, (offsets, words, sig) in data.text.items():
        for rows in near_clusters(offsets, words, sig):
            rows = rows[data.valid[rows]]
            if len(rows) < MIN_SIZE:
                continue
            counts = np.bincount(data.y[rows], minlength=data.labels)
            label = int(np.argmax(counts))
            found.append((column, rows, label, int(counts[label])))
    needed = bonferroni(len(found))
    candidates = []
    for column, rows, label, hits in found:
        size = len(rows)
        rate = float(base[label])
        if hits < PURITY * size or hits < LIFT * rate * size:
            continue
        if float(surprise(hits, size, rate)) < needed:
            continue
        candidates.append((column, rows, label, hits))
    for column, rows, label, hits in candidates:
        verdict = check.group(rows, label)
        if not disagrees(verdict.agree, verdict.rows, verdict.expected, len(candidates)):
            continue
        evidence = {
            "size": len(rows),
            "label": data.values[label],
            "with_label": hits,
            "share": round(hits / len(rows), 4),
            "base_rate": round(float(base[label]), 6),
            "similarity": SIMILARITY,
            "content_agreement": round(verdict.share, 4),
            "expected_agreement": round(verdict.expected, 4),
        }
        report.add(
            "poisoning.cluster",
            f"{len(rows)} near-identical rows of '{column}' (word-set Jaccard ≥ {SIMILARITY:g}) "
            f"are {hits / len(rows):.0%} labelled {data.values[label]} (base rate "
            f"{base[label]:.0%}), while similar content elsewhere is labelled otherwise: "
            "possibly planted or relabelled, check these rows",
            Location(column=column),
            evidence,
            [(int(r), column, {"label": data.values[int(data.y[r])]}) for r in rows[:EVIDENCE]],
        )
