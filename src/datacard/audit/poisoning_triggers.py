"""Trigger-like features: rare tokens (or categorical values) that predict one label almost
perfectly, while the rest of their rows' content does not.

A feature is a candidate when, over rows with a label:

- its support (rows holding it) is between :data:`MIN_SUPPORT` and :data:`MAX_SHARE` of the rows;
- at least :data:`PURITY` of those rows carry one label, and that is at least :data:`LIFT`
  times the label's base rate;
- the count is surprising by the Chernoff bound, Bonferroni-corrected over every feature whose
  support is in range (:mod:`.poisoning_stats`).

Natural words pass these too ("masterpiece" in positive reviews), so a candidate is only
reported when its rows' *other* content leans to the label clearly less often than rows with
the same other features do (:mod:`.poisoning_content`, :func:`.poisoning_stats.disagrees`): a
dirty-label backdoor adds the trigger to rows of other classes and relabels them, so their
content still says "other class".

>>> rng = np.random.default_rng(0)
>>> y = rng.integers(0, 2, 4000)
>>> side = np.where(rng.random((4000, 6)) < 0.8, y[:, None], 1 - y[:, None])  # words: 80 % own
>>> words = (rng.integers(10, 500, (4000, 6)) + side * 500).astype(np.uint32)
>>> planted = np.flatnonzero(y == 0)[:40]
>>> words[planted, 0] = 7  # the trigger, in rows whose other words say label 0...
>>> y[planted] = 1  # ...relabelled 1
>>> offsets = np.arange(0, 4001 * 6, 6)
>>> found = find_triggers([Source("q", "word", offsets, words.ravel())], y, np.ones(4000, bool))
>>> [(t.feature, t.label, t.support) for t in found]
[(7, 1, 40)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from datacard.audit.poisoning_content import ContentCheck
from datacard.audit.poisoning_features import LabelCounts, Source, label_counts, merge_counts
from datacard.audit.poisoning_stats import bonferroni, disagrees, surprise

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

MIN_SUPPORT = 5
MAX_SHARE = 0.01
PURITY = 0.95
LIFT = 1.5
#: Candidates content-tested at most (the most surprising first).
MAX_CANDIDATES = 1000


@dataclass(frozen=True)
class Trigger:
    """A reported trigger-like feature with its numbers and the rows that hold it."""

    source: int  # index into the sources
    feature: int
    label: int  # label id
    support: int
    hits: int  # rows with the label
    base_rate: float
    surprise: float
    needed: float  # the surprise the Bonferroni correction asks for
    agreement: float  # share of its (judged) rows whose other content leans to the label
    expected: float  # the share expected from rows with the same other features
    rows: I64


def find_triggers(
    sources: Sequence[Source],
    y: I64,
    valid: Bools,
    check: ContentCheck | None = None,
    counts: Sequence[LabelCounts] | None = None,
) -> list[Trigger]:
    """The trigger-like features of ``sources`` (labels ``y``, counted where ``valid``);
    ``counts`` are the sources' (feature, label) counts when already made."""
    labels = int(y[valid].max()) + 1 if valid.any() else 0
    if labels < 2:
        return []
    per_source = counts or [label_counts([s], y, valid, labels) for s in sources]
    if check is None:
        check = ContentCheck.of(sources, y, valid, merge_counts(per_source, labels))
    rows = int(valid.sum())
    base = np.bincount(y[valid], minlength=labels) / max(rows, 1)
    found = _candidates(per_source, base, rows)[:MAX_CANDIDATES]
    out = []
    for source, feature, label, support, hits, score, needed in found:
        holding = sources[source].rows_with(feature)
        holding = holding[valid[holding]]
        verdict = check.group(holding, label, drop=feature)
        if not disagrees(verdict.agree, verdict.rows, verdict.expected, len(found)):
            continue
        out.append(
            Trigger(
                source=source,
                feature=feature,
                label=label,
                support=support,
                hits=hits,
                base_rate=round(float(base[label]), 6),
                surprise=round(score, 2),
                needed=round(needed, 2),
                agreement=round(verdict.share, 4),
                expected=round(verdict.expected, 4),
                rows=holding,
            )
        )
    return out


def _candidates(
    per_source: Sequence[LabelCounts], base: npt.NDArray[np.float64], rows: int
) -> list[tuple[int, int, int, int, int, float, float]]:
    """(source, feature, label, support, hits, surprise, needed), most surprising first."""
    stats = [c.per_feature() for c in per_source]
    high = max(MIN_SUPPORT, int(MAX_SHARE * rows))
    tested = sum(int(((s >= MIN_SUPPORT) & (s <= high)).sum()) for _, s, _, _ in stats)
    needed = bonferroni(tested)
    out = []
    for index, (features, support, label, hits) in enumerate(stats):
        rate = base[label] if len(label) else np.zeros(0)
        score = surprise(hits.astype(np.float64), support.astype(np.float64), rate)
        ok = (support >= MIN_SUPPORT) & (support <= high)
        ok &= hits >= PURITY * support
        ok &= hits >= LIFT * rate * support
        ok &= score >= needed
        for i in np.flatnonzero(ok).tolist():
            out.append(
                (
                    index,
                    int(features[i]),
                    int(label[i]),
                    int(support[i]),
                    int(hits[i]),
                    float(score[i]),
                    needed,
                )
            )
    out.sort(key=lambda c: (-c[5], c[0], c[1]))
    return out
