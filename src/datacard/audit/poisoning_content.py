"""Does the rest of a group's content agree with its label?

A group of rows (those holding a rare token, or a near-identical cluster) is suspicious when its
label is *not* explained by the rest of its content. :class:`ContentModel` says whether a row's
content leans to a label: every known feature votes with its label distribution P(y | f),
weighted by how much it says about the label, and the row leans to ``y`` when the weighted
average gives ``y`` more than its base rate. The rows being judged are left out of the counts
(a group all at once, a reference row by itself), so a row's rare words never vote for its own
label.

How often should a group agree? :class:`ContentCheck` measures, on a sample of ordinary rows of
each label, how often rows holding each feature lean to their label, and expects of a group
what rows with the same other features do. A sub-population whose content is simply harder to
read (part of a catch-all class) is then compared with its own kind, not with the label's
average.

>>> rng = np.random.default_rng(0)
>>> y = rng.integers(0, 2, 2000)
>>> words = (rng.integers(10, 200, (2000, 5)) + y[:, None] * 200).astype(np.uint32)
>>> src = Source("q", "word", np.arange(0, 2001 * 5, 5), words.ravel())
>>> check = ContentCheck.of([src], y, np.ones(2000, bool))
>>> flipped = np.flatnonzero(y == 0)[:30]  # rows whose content says 0...
>>> y[flipped] = 1  # ...labelled 1
>>> v = ContentCheck.of([src], y, np.ones(2000, bool)).group(flipped, 1)
>>> (v.rows, v.agree, v.expected > 0.8)
(30, 0, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from datacard.audit.poisoning_features import (
    LabelCounts,
    Source,
    label_counts,
    merge_counts,
    of_rows,
)

U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

#: Ordinary rows per label that give the reference.
REFERENCE_ROWS = 2000
#: Rows of a group that are judged at most (the first ones).
SCORED_ROWS = 500
#: Pseudo-rows that pull a feature's reference rate towards its label's overall rate.
PRIOR_ROWS = 10.0


class ContentModel:
    """Whether a row's content leans to its label: every known feature votes with its label
    distribution P(y | f), weighted by how much it says about the label (KL(P(· | f) ‖ base));
    the row leans to ``y`` when the weighted average gives ``y`` more than its base rate.

    Averaging per-feature posteriors, unlike naive Bayes' product of likelihoods, is not misled
    by a catch-all class ("other", "not spam") that mixes sub-populations with different words;
    comparing with the base rate, unlike taking the most likely label, does not out-vote rare
    labels. Distributions are smoothed towards the base rates with one pseudo-row.
    """

    def __init__(self, counts: LabelCounts, class_rows: I64) -> None:
        self.counts = counts
        self.class_rows = class_rows.astype(np.float64)

    @classmethod
    def of(cls, counts: LabelCounts, y: I64, valid: Bools) -> ContentModel:
        return cls(counts, np.bincount(y[valid], minlength=counts.labels).astype(np.int64))

    def _leans(self, offsets: I64, feats: U32, y: I64, minus: F64, rows_minus: F64) -> Bools:
        """Whether each row's content leans to its label ``y``: the weighted average of its
        features' label distributions gives ``y`` more than its base rate. Counts are reduced by
        ``minus`` (per feature occurrence × label) and class rows by ``rows_minus`` (per row ×
        label), so the rows being judged are not their own evidence. Rows without a known
        feature do not lean."""
        n = len(offsets) - 1
        row = np.repeat(np.arange(n, dtype=np.int64), np.diff(offsets))
        c = np.maximum(self.counts.lookup(feats) - minus, 0.0)
        total = c.sum(axis=1, keepdims=True)
        known = total[:, 0] > 0
        class_rows = np.maximum(self.class_rows[None, :] - rows_minus, 0.0)
        base = class_rows / np.maximum(class_rows.sum(axis=1, keepdims=True), 1.0)
        p = (c + base[row]) / (total + 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            weight = np.where(p > 0, p * np.log(p / base[row]), 0.0).sum(axis=1)
        weight = np.where(known, weight, 0.0)
        mass = np.bincount(row, weights=weight, minlength=n)
        own = p[np.arange(len(row)), y[row]]
        vote = np.bincount(row, weights=weight * own, minlength=n)
        leans: Bools = (mass > 0) & (vote > base[np.arange(n), y] * mass)
        return leans

    def agreement(self, offsets: I64, feats: U32, y: I64) -> Bools:
        """Whether each row's content, with all of these rows left out of the counts, leans to
        its label ``y``."""
        n = len(offsets) - 1
        group = label_counts(
            [Source("", "", offsets, feats)], y, np.ones(n, bool), self.counts.labels
        )
        rows_minus = np.bincount(y, minlength=self.counts.labels).astype(np.float64)
        return self._leans(offsets, feats, y, group.lookup(feats), np.tile(rows_minus, (n, 1)))

    def recall(self, offsets: I64, feats: U32, y: I64) -> Bools:
        """Whether each row's content leans to its label ``y``, each row left out of its own
        counts (the reference: how often content explains labels in ordinary rows)."""
        n = len(offsets) - 1
        row = np.repeat(np.arange(n, dtype=np.int64), np.diff(offsets))
        onehot = np.zeros((n, self.counts.labels))
        onehot[np.arange(n), y] = 1.0
        return self._leans(offsets, feats, y, onehot[row], onehot)


@dataclass(frozen=True)
class Verdict:
    """How many of a group's rows were judged, how many lean to the label, and how many would
    be expected to from rows with the same other features."""

    rows: int
    agree: int
    expected: float

    @property
    def share(self) -> float:
        return self.agree / self.rows if self.rows else 0.0


class ContentCheck:
    """The content model of a dataset, and the reference rate of every (feature, label)."""

    def __init__(
        self,
        sources: Sequence[Source],
        y: I64,
        model: ContentModel,
        keys: npt.NDArray[np.uint64],
        seen: F64,
        leaned: F64,
        overall: F64,
    ) -> None:
        self.sources, self.y, self.model = sources, y, model
        self.keys, self.seen, self.leaned, self.overall = keys, seen, leaned, overall

    @classmethod
    def of(
        cls, sources: Sequence[Source], y: I64, valid: Bools, counts: LabelCounts | None = None
    ) -> ContentCheck:
        labels = int(y[valid].max()) + 1 if valid.any() else 0
        if counts is None:
            counts = merge_counts([label_counts([s], y, valid, labels) for s in sources], labels)
        model = ContentModel.of(counts, y, valid)
        picks = []
        for label in range(labels):
            rows = np.flatnonzero(valid & (y == label))
            at = np.linspace(0, len(rows) - 1, min(len(rows), REFERENCE_ROWS))
            picks.append(rows[np.unique(at.astype(np.int64))] if len(rows) else rows)
        pick = np.concatenate(picks) if picks else np.zeros(0, np.int64)
        offsets, feats = of_rows(sources, pick)
        leans = model.recall(offsets, feats, y[pick]).astype(np.float64)
        overall = np.zeros(labels)
        for label in range(labels):
            mine = y[pick] == label
            overall[label] = leans[mine].mean() if mine.any() else 0.0
        row = np.repeat(np.arange(len(pick)), np.diff(offsets))
        key = (feats.astype(np.uint64) << np.uint64(8)) | y[pick][row].astype(np.uint64)
        order = np.argsort(key, kind="stable")
        key, lean = key[order], leans[row][order]
        new = np.ones(len(key), bool)
        new[1:] = key[1:] != key[:-1]
        starts = np.flatnonzero(new)
        seen = np.diff(np.append(starts, len(key))).astype(np.float64)
        leaned = np.add.reduceat(lean, starts) if len(lean) else np.zeros(0)
        return cls(sources, y, model, key[starts], seen, leaned, overall)

    def group(self, rows: I64, label: int, drop: int | None = None) -> Verdict:
        """Judge the first :data:`SCORED_ROWS` of ``rows`` for ``label``, without ``drop``."""
        rows = rows[:SCORED_ROWS]
        if not len(rows):
            return Verdict(0, 0, 0.0)
        offsets, feats = of_rows(self.sources, rows)
        if drop is not None:
            keep = feats != np.uint32(drop)
            kept = np.concatenate([[0], np.cumsum(keep)])
            offsets, feats = kept[offsets].astype(np.int64), feats[keep]
        leans = self.model.agreement(offsets, feats, self.y[rows])
        agree = int((leans & (self.y[rows] == label)).sum())
        return Verdict(len(rows), agree, self._expected(offsets, feats, label))

    def _expected(self, offsets: I64, feats: U32, label: int) -> float:
        """The mean over rows of the mean reference rate of their features for ``label``."""
        n = len(offsets) - 1
        prior = float(self.overall[label])
        want = (feats.astype(np.uint64) << np.uint64(8)) | np.uint64(label)
        seen = np.zeros(len(want))
        leaned = np.zeros(len(want))
        if len(self.keys):
            at = np.minimum(np.searchsorted(self.keys, want), len(self.keys) - 1)
            hit = self.keys[at] == want
            seen[hit], leaned[hit] = self.seen[at[hit]], self.leaned[at[hit]]
        rate = (leaned + PRIOR_ROWS * prior) / (seen + PRIOR_ROWS)
        row = np.repeat(np.arange(n), np.diff(offsets))
        sizes = np.diff(offsets)
        per_row = np.bincount(row, weights=rate, minlength=n) / np.maximum(sizes, 1)
        per_row[sizes == 0] = prior
        return float(per_row.mean())
