"""The card: human-owned documentation plus the machine-owned ``measured`` part.

Every model forbids unknown keys, so a typo in ``datacard.yaml`` is an error, not a silent no-op.
The JSON Schema of the card file (``schema/datacard.schema.json``) is generated from these models.
Reading and writing the file is :mod:`datacard.yamlio`; this module is only the data.

>>> card = Card(name="digits", license="CC0-1.0")
>>> card.effective_tolerances("age").null_fraction
0.01
>>> card.empty_required()
['summary', 'datasheet.motivation.purpose', 'datasheet.uses.out_of_scope']
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any, Final, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, field_validator

from datacard.datasheet import GENERATABLE, SECTIONS, generated_answers
from datacard.measured import Measured

SectionId = Literal[
    "motivation",
    "composition",
    "collection",
    "preprocessing",
    "uses",
    "distribution",
    "maintenance",
]

#: Top-level human-owned fields that ``policy.required`` may name.
HUMAN_FIELDS: Final = (
    "name",
    "version",
    "summary",
    "license",
    "creators",
    "sources",
    "citation",
    "changelog",
)

#: The card file format this datacard writes. A card without ``format`` is format 1 (written
#: before the key existed; it loads unchanged). A higher format than this is refused with a
#: clear message: it was written by a newer datacard.
CARD_FORMAT: Final = 2

DEFAULT_REQUIRED: Final = (
    "summary",
    "license",
    "datasheet.motivation.purpose",
    "datasheet.uses.out_of_scope",
)

_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def semver(value: str) -> str:
    """``value`` if it is a semantic version, else ValueError.

    >>> semver("1.2.0")
    '1.2.0'
    """
    if not _SEMVER.match(value):
        raise ValueError(f"'{value}' is not a semantic version like 1.2.0")
    return value


class Creator(_Model):
    """A person or organisation that created the dataset."""

    name: str = Field(min_length=1, description="Full name of the person or organisation.")
    email: str | None = Field(default=None, description="Contact e-mail address.")
    url: str | None = Field(default=None, description="Homepage or profile URL.")
    role: str | None = Field(default=None, description="Role, e.g. 'author', 'maintainer'.")


class Source(_Model):
    """Where (part of) the data came from."""

    name: str = Field(min_length=1, description="Name of the upstream source.")
    url: str | None = Field(default=None, description="Where the source can be found.")
    license: str | None = Field(default=None, description="The source's license (SPDX id).")
    retrieved: str | None = Field(
        default=None, description="When the source was retrieved (ISO date, e.g. 2024-05-01)."
    )

    @field_validator("retrieved", mode="before")
    @classmethod
    def _date_to_text(cls, value: object) -> object:
        # An unquoted ISO date in YAML loads as a date: keep it as the text the person wrote.
        if isinstance(value, dt.date):
            return value.isoformat()
        return value


class Answer(_Model):
    """One datasheet answer. ``generated: true`` means datacard owns and refreshes it."""

    question: str = Field(description="The question, as asked by the datasheet.")
    answer: str = Field(default="", description="The answer; empty until someone writes it.")
    generated: bool = Field(
        default=False,
        description=(
            "True while datacard owns the answer and rewrites it on 'update'. "
            "Remove it (or set false) to take the answer over; it is then never touched."
        ),
    )


class Tolerances(_Model):
    """How far the data may move from the card before ``verify`` reports it."""

    rows: float = Field(
        default=0.0,
        ge=0,
        title="allowed relative change of a split's row count",
        description="Allowed relative change of a split's row count. Default 0.0: exact.",
    )
    null_fraction: float = Field(
        default=0.01,
        ge=0,
        title="allowed absolute change of a column's share of nulls",
        description="Allowed absolute change of a column's share of nulls. Default 0.01.",
    )
    range_slack: float = Field(
        default=0.0,
        ge=0,
        title="fraction of the recorded range values may exceed it by",
        description=(
            "Fraction of the recorded range (max - min) by which values may fall outside it. "
            "Default 0.0: values must stay within the recorded min and max."
        ),
    )
    distinct: float = Field(
        default=0.10,
        ge=0,
        title="allowed relative change of a column's distinct count",
        description="Allowed relative change of a column's distinct count. Default 0.10.",
    )
    mean_shift: float = Field(
        default=0.5,
        ge=0,
        title="allowed change of a column's mean, in recorded std units",
        description="Allowed change of a column's mean, in units of its recorded std. Default 0.5.",
    )
    duplicates: float = Field(
        default=0.0,
        ge=0,
        title="allowed absolute change of the share of duplicate rows",
        description="Allowed absolute change of a split's share of duplicate rows. Default 0.0.",
    )


class ToleranceOverrides(_Model):
    """Per-column overrides of :class:`Tolerances`; an absent field keeps the card-wide value."""

    rows: float | None = Field(default=None, ge=0, description="Overrides tolerances.rows.")
    null_fraction: float | None = Field(
        default=None, ge=0, description="Overrides tolerances.null_fraction."
    )
    range_slack: float | None = Field(
        default=None, ge=0, description="Overrides tolerances.range_slack."
    )
    distinct: float | None = Field(default=None, ge=0, description="Overrides tolerances.distinct.")
    mean_shift: float | None = Field(
        default=None, ge=0, description="Overrides tolerances.mean_shift."
    )
    duplicates: float | None = Field(
        default=None, ge=0, description="Overrides tolerances.duplicates."
    )


class LeakagePolicy(_Model):
    """Leakage between splits (``datacard leaks``), run by ``check`` when enabled."""

    enabled: bool = Field(default=False, description="Run the leakage check in 'check'.")
    text: list[str] = Field(
        default_factory=list, description="Text columns compared for near-duplicates."
    )
    key: list[str] = Field(
        default_factory=list,
        description="Columns that identify an example (default: every column).",
    )
    threshold: float = Field(
        default=0.8, gt=0, le=1, description="Jaccard similarity of near-duplicate texts."
    )


class ContaminationPolicy(_Model):
    """Benchmark contamination (``datacard contamination``), run by ``check`` when listed."""

    benchmarks: list[str] = Field(
        default_factory=list,
        description="Evaluation sets as PATH[:FIELD[,FIELD...]], paths relative to the card.",
    )
    n: int = Field(default=13, ge=1, description="Words per n-gram.")
    threshold: float = Field(
        default=0.5, gt=0, le=1, description="Share of an item's n-grams found in training data."
    )


class DriftOverrides(_Model):
    """Drift thresholds (``datacard drift``) that replace the defaults; absent keeps the default.

    The defaults and the meaning of each metric are documented in ``docs/drift.md``.
    """

    psi: float | None = Field(
        default=None, gt=0, description="Numeric: population stability index."
    )
    js: float | None = Field(default=None, gt=0, description="Numeric: Jensen-Shannon distance.")
    wasserstein: float | None = Field(
        default=None, gt=0, description="Numeric: Wasserstein-1 distance in reference std units."
    )
    mean_shift: float | None = Field(
        default=None, gt=0, description="Numeric: |mean change| in reference std units."
    )
    category_js: float | None = Field(
        default=None, gt=0, description="Categorical: Jensen-Shannon distance of value shares."
    )
    category_linf: float | None = Field(
        default=None, gt=0, description="Categorical: largest change of one value's share."
    )
    category_share: float | None = Field(
        default=None, gt=0, description="Categorical: share of a new or vanished value."
    )
    missing: float | None = Field(
        default=None, gt=0, description="All kinds: absolute change of the missing rate."
    )


class DriftPolicy(_Model):
    """What counts as drift (``datacard drift``) and when to retrain."""

    thresholds: DriftOverrides = Field(
        default_factory=DriftOverrides,
        description="Card-wide thresholds replacing the defaults (docs/drift.md).",
    )
    columns: dict[str, DriftOverrides] = Field(
        default_factory=dict, description="Column name -> thresholds for that column only."
    )
    important: list[str] = Field(
        default_factory=list,
        description="Columns whose drift counts towards 'retrain' (default: every column).",
    )
    retrain_columns: int = Field(
        default=3,
        ge=1,
        description="Verdict 'retrain' when this many (important) columns drifted, or the label.",
    )


class AuditPolicy(_Model):
    """Decisions about ``datacard audit`` findings that people have reviewed."""

    accept: list[str] = Field(
        default_factory=list,
        description=(
            "Findings reviewed and accepted, not reported again: a code ('pii.email'), a code "
            "and column ('pii.email:contact') or a prefix ('poisoning.*')."
        ),
    )

    def accepts(self, code: str, column: str | None) -> bool:
        """Whether a finding of ``code`` on ``column`` was accepted.

        >>> AuditPolicy(accept=["pii.email:contact", "poisoning.*"]).accepts("pii.email", "contact")
        True
        """
        for rule in self.accept:
            pattern, _, col = rule.partition(":")
            if col and col != column:
                continue
            if pattern == code or (pattern.endswith(".*") and code.startswith(pattern[:-1])):
                return True
        return False


class ComputePolicy(_Model):
    """Assumptions of the reports' training-compute estimates (``docs/compute.md``).

    An estimate whose assumption is unset says which field to set instead of guessing.

    >>> ComputePolicy(parameters=7e9).utilization
    0.4
    """

    text_column: str | None = Field(
        default=None,
        title="column whose tokens are counted (null: the longest text column)",
        description="The text column whose token counts are used (default: the longest text).",
    )
    context_length: int | None = Field(
        default=None, ge=1, title="tokens per training sequence", description="Context length."
    )
    batch_size: int | None = Field(
        default=None, ge=1, title="sequences per batch", description="Sequences per batch."
    )
    epochs: float = Field(
        default=1.0, gt=0, title="passes over the data", description="Passes over the data."
    )
    parameters: float | None = Field(
        default=None,
        gt=0,
        title="model parameters N, e.g. 7.0e9",
        description="Model parameters N (for 6·N·D training FLOPs).",
    )
    layers: int | None = Field(
        default=None,
        ge=1,
        title="transformer layers (KV cache)",
        description="Layers (KV-cache memory).",
    )
    kv_heads: int | None = Field(
        default=None, ge=1, title="key/value heads", description="Key/value heads (KV cache)."
    )
    head_dim: int | None = Field(
        default=None, ge=1, title="dimension of one head", description="Head dimension (KV cache)."
    )
    bytes_per_value: float = Field(
        default=2.0,
        gt=0,
        title="bytes per cached value (2: fp16/bf16)",
        description="Bytes per key or value in the KV cache. Default 2 (fp16/bf16).",
    )
    utilization: float = Field(
        default=0.4,
        gt=0,
        le=1,
        title="share of peak FLOP/s reached (MFU)",
        description="Model FLOPs utilisation: share of the peak reached. Default 0.4.",
    )
    peak_tflops: float = Field(
        default=989.0,
        gt=0,
        title="peak TFLOP/s per GPU (989: H100 SXM, bf16 dense)",
        description="Peak TFLOP/s of one GPU. Default 989 (H100 SXM, bf16, dense).",
    )
    image_channels: int = Field(
        default=3,
        ge=1,
        title="decoded bytes per pixel (3: 8-bit RGB)",
        description="Bytes per decoded pixel. Default 3 (8-bit RGB).",
    )


class TextPolicy(_Model):
    """How text columns are measured (``init --tokenizer``, ``--languages``; docs/text.md)."""

    tokenizer: str | None = Field(
        default=None,
        description="A tokenizers tokenizer.json (path relative to the card) for exact token "
        "counts; none: whitespace words, labelled approximate.",
    )
    languages: bool = Field(default=False, description="Measure the language mix of texts.")


class ChangelogEntry(_Model):
    """One version of the dataset and what changed in it (newest entries first)."""

    version: str = Field(description="The version this entry describes (1.2.0).")
    date: str | None = Field(default=None, description="When it was released (ISO date).")
    changes: str = Field(default="", description="What changed, in a sentence or a list.")

    @field_validator("version")
    @classmethod
    def _semver(cls, value: str) -> str:
        return semver(value)

    @field_validator("date", mode="before")
    @classmethod
    def _date_to_text(cls, value: object) -> object:
        # An unquoted ISO date in YAML loads as a date: keep it as the text the person wrote.
        return value.isoformat() if isinstance(value, dt.date) else value


class Policy(_Model):
    """Human decisions about the data: what must be documented, and what counts as drift."""

    required: list[str] = Field(
        default_factory=lambda: list(DEFAULT_REQUIRED),
        description=(
            "Dotted paths of human-written fields that must not be empty, e.g. 'summary' or "
            "'datasheet.uses.out_of_scope'; 'verify' warns (card.required-empty) otherwise."
        ),
    )
    label: str | None = Field(default=None, description="The label (target) column, if any.")
    data: str | None = Field(
        default=None,
        description=(
            "Where the data lives when it is not beside the card: an fsspec URL "
            "(s3://bucket/path, gs://..., file:///...) read by this machine or the Dask "
            "workers; the card's file paths are relative to it (init --data)."
        ),
    )
    splits: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Split name -> glob patterns of its files (the --split option, persisted).",
    )
    tolerances: Tolerances = Field(
        default_factory=Tolerances, description="Drift tolerances for every column."
    )
    columns: dict[str, ToleranceOverrides] = Field(
        default_factory=dict, description="Column name -> tolerances that override the defaults."
    )
    leakage: LeakagePolicy = Field(
        default_factory=LeakagePolicy, description="Leakage between splits."
    )
    contamination: ContaminationPolicy = Field(
        default_factory=ContaminationPolicy, description="Benchmark contamination."
    )
    drift: DriftPolicy = Field(
        default_factory=DriftPolicy, description="Drift thresholds and the retraining rule."
    )
    audit: AuditPolicy = Field(
        default_factory=AuditPolicy, description="Audit findings people reviewed and accepted."
    )
    text: TextPolicy = Field(
        default_factory=TextPolicy, description="Tokenizer and language mix for text columns."
    )
    compute: ComputePolicy = Field(
        default_factory=ComputePolicy,
        description="Assumptions of the training-compute estimates in the reports.",
    )

    @field_validator("required")
    @classmethod
    def _known_paths(cls, paths: list[str]) -> list[str]:
        for path in paths:
            head, _, rest = path.partition(".")
            if head in HUMAN_FIELDS and not rest:
                continue
            section, _, qid = rest.partition(".")
            if head == "datasheet" and section in SECTIONS and qid and "." not in qid:
                continue
            raise ValueError(
                f"'{path}' is not a human-written field; use one of {', '.join(HUMAN_FIELDS)} "
                "or datasheet.<section>.<question>"
            )
        return paths


class Card(_Model):
    """The whole card file: human-owned fields first, machine-owned ``measured`` last."""

    format: int = Field(
        default=1,
        ge=1,
        description=f"The card file format (this datacard writes {CARD_FORMAT}; absent means 1).",
    )
    name: str = Field(min_length=1, description="The dataset's name.")
    version: str = Field(
        default="0.1.0", description="The dataset's version, a semantic version (1.2.0)."
    )
    summary: str = Field(default="", description="One paragraph: what the dataset is.")
    license: str | None = Field(
        default=None,
        description="SPDX license id or expression (e.g. CC-BY-4.0); free text is accepted.",
    )
    creators: list[Creator] = Field(default_factory=list, description="Who made the dataset.")
    sources: list[Source] = Field(default_factory=list, description="Where the data came from.")
    citation: str = Field(default="", description="How to cite the dataset (e.g. BibTeX).")
    datasheet: dict[SectionId, dict[str, Answer]] = Field(
        default_factory=dict,
        description="Datasheets-for-Datasets answers: section -> question id -> answer.",
    )
    changelog: list[ChangelogEntry] = Field(
        default_factory=list,
        description="Versions and what changed, newest first ('datacard diff --record' adds one).",
    )
    policy: Policy = Field(default_factory=Policy, description="Requirements and tolerances.")
    measured: Measured | None = Field(
        default=None,
        description="Machine-owned: what datacard measured. Rewritten by 'update'; do not edit.",
    )

    @field_validator("version")
    @classmethod
    def _semver(cls, value: str) -> str:
        return semver(value)

    @field_validator("format")
    @classmethod
    def _readable_format(cls, value: int) -> int:
        if value > CARD_FORMAT:
            raise ValueError(
                f"this card is format {value}, written by a newer datacard; this one reads "
                f"formats 1 to {CARD_FORMAT} (upgrade: pip install -U datacard)"
            )
        return value

    def effective_tolerances(self, column: str) -> Tolerances:
        """The card-wide tolerances with ``policy.columns[column]``'s overrides applied."""
        base = self.policy.tolerances
        override = self.policy.columns.get(column)
        if override is None:
            return base
        return base.model_copy(update=override.model_dump(exclude_none=True))

    def answer(self, section: str, qid: str) -> str:
        """The written answer to ``section.qid``, else what the measured data answers, else ""."""
        sheet = cast("dict[str, dict[str, Answer]]", self.datasheet)
        written = sheet.get(section, {}).get(qid)
        if written is not None and written.answer.strip():
            return str(written.answer)
        if self.measured is not None:
            return generated_answers(self.measured).get(f"{section}.{qid}", "")
        return ""

    def empty_required(self) -> list[str]:
        """The paths in ``policy.required`` whose value is empty (in the policy's order)."""
        empty: list[str] = []
        for path in self.policy.required:
            head, _, rest = path.partition(".")
            if head == "datasheet":
                section, _, qid = rest.partition(".")
                filled = bool(self.answer(section, qid).strip())
            else:
                value = getattr(self, head, None)
                filled = bool(value.strip() if isinstance(value, str) else value)
            if not filled:
                empty.append(path)
        return empty


def new_card(
    name: str,
    license: str | None = None,
    measured: Measured | None = None,
    generated: Mapping[str, str] | None = None,
    *,
    label: str | None = None,
    splits: Mapping[str, list[str]] | None = None,
) -> Card:
    """A fresh card for ``init``: every datasheet question present, generated answers filled.

    ``generated`` defaults to :func:`~datacard.datasheet.generated_answers` of ``measured``;
    ``label`` to ``measured.label``.
    Every question the data can answer is marked ``generated`` (even when empty today), so that
    ``update`` keeps it current until a person takes it over.

    >>> new_card("digits").datasheet["composition"]["count"].generated
    True
    """
    if generated is None:
        generated = generated_answers(measured) if measured is not None else {}
    datasheet: dict[str, dict[str, Any]] = {}
    for section, questions in SECTIONS.items():
        datasheet[section] = {}
        for q in questions:
            key = f"{section}.{q.id}"
            is_generated = key in GENERATABLE or key in generated
            datasheet[section][q.id] = Answer(
                question=q.text, answer=generated.get(key, ""), generated=is_generated
            )
    if label is None and measured is not None:
        label = measured.label
    policy = Policy(label=label, splits={k: list(v) for k, v in (splits or {}).items()})
    return Card.model_validate(
        {
            "format": CARD_FORMAT,
            "name": name,
            "license": license,
            "datasheet": datasheet,
            "policy": policy,
            "measured": measured,
        }
    )
