"""The machine-owned part of a card: what datacard measured, as plain, documented data.

These models are the stable shape of ``measured:`` in ``datacard.yaml`` and of ``show --json``
(see ``docs/card-format.md``). Numbers are plain JSON numbers; non-finite floats are written as
the strings ``"nan"``, ``"inf"`` and ``"-inf"``.

>>> ColumnSummary(type="int64", kind="numeric", count=3, nulls=0).model_dump(exclude_none=True)
{'type': 'int64', 'kind': 'numeric', 'count': 3, 'nulls': 0}
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

Number = float | int | str  # str only for non-finite floats and ISO timestamps


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class TopValue(_Model):
    """A frequent value and how often it occurs (a lower bound when the sketch is in estimation)."""

    value: Any
    count: int


class Histogram(_Model):
    """Equal-width bins over [min, max]: ``len(edges) == len(counts) + 1``."""

    edges: list[Number]
    counts: list[int]


class LengthStats(_Model):
    """Distribution of a length (characters, whitespace tokens, list items)."""

    min: float | int | None = None
    max: float | int | None = None
    mean: float | None = None
    std: float | None = None
    total: int | None = None
    quantiles: dict[str, Number] | None = None


class LanguageShare(_Model):
    """One language of a column's sample: values (repeats counted) and their share."""

    language: str  # ISO 639 code from py3langid; "und" undetermined, "zxx" not words
    count: int
    share: float


class LanguageMix(_Model):
    """Languages of a text column, from a deterministic sample of its values (docs/text.md)."""

    detector: str  # e.g. "py3langid 0.4.0"
    eligible: int  # values of at least 20 characters: the population sampled
    sampled: int  # distinct values classified (at most the sample size)
    values: int  # eligible values the sample stands for (repeats counted)
    exact: bool  # every eligible value was classified
    top: list[LanguageShare] = Field(default_factory=list)


class RoleStats(_Model):
    """The turns of one role in a chat column."""

    turns: int
    empty: int  # content "" or only whitespace
    null_content: int  # content absent (e.g. an assistant turn that only calls a tool)
    length: LengthStats | None = None  # characters of content
    tokens: LengthStats | None = None  # tokens of content (see ChatSummary.tokenizer)


class TruncationCap(_Model):
    """A length many turns stop at, mid-word: a likely truncation limit (docs/text.md)."""

    role: str
    unit: str  # "characters" or "tokens"
    length: int
    turns: int  # turns of that role ending unpunctuated at exactly this length


class ChatSummary(_Model):
    """A conversations column (list of {role, content}): turns, roles, and suspicious turns."""

    format: str  # "role/content" (OpenAI messages) or "from/value" (ShareGPT)
    conversations: int  # non-null conversations
    empty_conversations: int  # conversations without turns
    turns: LengthStats | None = None  # turns per conversation
    tokens: LengthStats | None = None  # tokens per conversation (all turns)
    tokenizer: str  # what the tokens count: "whitespace (approximate)" or "<name> sha256:<hex>"
    roles: dict[str, RoleStats] = Field(default_factory=dict)
    empty_turns: int
    null_content: int
    unexpected_roles: int  # turns whose role is null or outside the format's roles
    same_role_pairs: int  # adjacent turns of one conversation with the same role
    conversations_with_same_role_pairs: int
    not_ending_with_reply: int  # non-empty conversations whose last turn is not the reply role
    truncated_turns: int  # turns at a truncation cap (the larger of characters and tokens)
    truncation_caps: list[TruncationCap] = Field(default_factory=list)


class ColumnSummary(_Model):
    """What was measured about one column of one split.

    ``kind`` is one of ``numeric``, ``string``, ``binary``, ``boolean``, ``temporal``, ``list``,
    ``struct``, ``null``, ``other``. Statistics that do not apply to the kind are absent.
    Moments, min/max and quantiles of numeric columns are over finite values only; ``nan``,
    ``posinf`` and ``neginf`` count the rest.
    """

    type: str
    kind: str
    count: int  # non-null values
    nulls: int
    nan: int | None = None
    posinf: int | None = None
    neginf: int | None = None
    distinct: int | None = None
    min: Number | None = None
    max: Number | None = None
    mean: Number | None = None
    std: Number | None = None
    skewness: Number | None = None
    span_seconds: float | None = None
    quantiles: dict[str, Number] | None = None
    histogram: Histogram | None = None
    top: list[TopValue] | None = None
    length: LengthStats | None = None
    tokens: LengthStats | None = None
    fields: dict[str, ColumnSummary] | None = None
    tokenizer: str | None = None
    language: LanguageMix | None = None
    chat: ChatSummary | None = None


class FileSummary(_Model):
    """One data file: where it is (relative to the card), its size and content hash."""

    path: str
    split: str
    format: str
    bytes: int
    sha256: str
    rows: int | None = None


class SplitSummary(_Model):
    """One split: its size, exact duplicate rows, columns and (with a label) class balance."""

    rows: int
    duplicate_rows: int
    columns: dict[str, ColumnSummary] = Field(default_factory=dict)
    label_balance: list[TopValue] | None = None


class StoredLocation(_Model):
    """Where a stored finding points (all optional)."""

    split: str | None = None
    column: str | None = None
    file: str | None = None
    row: int | None = None


class StoredFinding(_Model):
    """A finding as the card keeps it (values in ``evidence`` are already masked)."""

    code: str
    severity: str
    message: str
    where: str = ""
    location: StoredLocation | None = None
    evidence: dict[str, Any] = Field(default_factory=dict)


class AuditRecord(_Model):
    """The last ``datacard audit``: what ran, on which data, and what it found."""

    generated_by: str
    date: str  # ISO date and time (UTC)
    content_hash: str  # the data the audit saw
    parts: list[str]  # pii, sensitive, licenses, poisoning
    sample: int | None = None  # rows per split scanned (None: every row)
    completeness: float | None = None  # datasheet completeness score when audited, 0..1
    findings: list[StoredFinding] = Field(default_factory=list)
    representation: list[dict[str, Any]] = Field(default_factory=list)
    compliance: dict[str, dict[str, int]] = Field(
        default_factory=dict
    )  # framework -> status counts


class Measured(_Model):
    """Everything datacard measured; rewritten by ``update``, never edited by people."""

    generated_by: str
    content_hash: str
    splits_from: str
    label: str | None = None
    profile: str | None = None  # sidecar with serialized sketches, relative to the card
    files: list[FileSummary] = Field(default_factory=list)
    splits: dict[str, SplitSummary] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    audit: AuditRecord | None = None
