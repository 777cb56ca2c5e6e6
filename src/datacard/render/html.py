"""The HTML report: one self-contained file for people who do not read YAML.

The first screen says in plain words what the dataset is, how big it is, its splits, licence,
intended and out-of-scope uses, and the most important warnings (technical detail one click
away in ``<details>``). Then one section per column with an inline SVG chart (an image or
audio column: the statistics of its files, the normalisation constants to copy and the files
with problems), the datasheet, provenance, label balance, a changelog and how to verify. No
scripts, no network: a Content-Security-Policy meta tag forbids every fetch, and every data
value is escaped.

>>> from datacard.card import Card
>>> page = HtmlRenderer().render(Card(name="digits"), [])
>>> page.startswith("<!DOCTYPE html>"), "<h1>digits</h1>" in page
(True, True)
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Final
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from datacard.audit.compliance import completeness
from datacard.card import Card
from datacard.compute import compute_estimates
from datacard.datasheet import SECTIONS
from datacard.findings import CATALOG, Finding, Severity
from datacard.measured import ColumnSummary, LengthStats, Measured, TopValue
from datacard.render.charts import (
    _tick,
    chart_style,
    column_chart,
    drift_series,
    top_values,
    value_text,
)
from datacard.render.hf import channel_constants, normalisation_constants, problem_files
from datacard.text.tokenizer import WHITESPACE_LABEL

if TYPE_CHECKING:
    from datacard.drift.monitoring import Run, WindowRecord

#: The page's Content-Security-Policy: nothing may be fetched; inline styles and data: images only.
CSP: Final = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'"
)

SECTION_TITLES: Final[dict[str, str]] = {
    "motivation": "Motivation",
    "composition": "Composition",
    "collection": "Collection process",
    "preprocessing": "Preprocessing, cleaning and labelling",
    "uses": "Uses",
    "distribution": "Distribution",
    "maintenance": "Maintenance",
}

#: Finding code -> one sentence a non-specialist understands (falls back to the catalog title).
PLAIN: Final[dict[str, str]] = {
    "file.added": "A data file is present that this documentation does not describe.",
    "file.removed": "A data file this documentation describes is missing.",
    "file.changed": (
        "A data file has changed since it was documented, so numbers here may be out of date."
    ),
    "file.skipped": "A file could not be read and is not covered by this documentation.",
    "schema.column-added": "The data has a column this documentation does not describe.",
    "schema.column-removed": "A column this documentation describes is no longer in the data.",
    "schema.type-changed": "A column now holds a different kind of value than documented.",
    "schema.nullability-changed": "A column now has missing values where none were documented.",
    "schema.duplicate-column": "Two columns share a name; one of them was renamed.",
    "split.added": "The data has a part (split) this documentation does not describe.",
    "split.removed": "A part (split) of the data this documentation describes is missing.",
    "split.rows-changed": "A part (split) of the data has a different row count than documented.",
    "stats.null-fraction": "The share of missing values in a column changed more than allowed.",
    "stats.range": "A column has values outside the documented range.",
    "stats.distinct": "The number of different values in a column changed more than expected.",
    "stats.mean-shift": "The typical (average) value of a column moved more than allowed.",
    "stats.duplicates": "The number of repeated (duplicate) rows changed.",
    "card.required-empty": "Part of the documentation that must be written is still empty.",
    "card.content-hash": "The data's fingerprint differs from the documented one: it has changed.",
}

SEVERITY_WORDS: Final[dict[Severity, str]] = {
    Severity.ERROR: "Problem",
    Severity.WARNING: "Warning",
    Severity.INFO: "Note",
}

#: Columns drawn in the monitoring chart (those with the largest effect).
SERIES_COLUMNS: Final = 5
#: Earlier monitoring runs listed under the chart.
EARLIER_RUNS: Final = 5
#: Windows shown without a click (more go behind a ``<details>``).
OPEN_WINDOWS: Final = 24
#: CSS class of each window verdict's badge.
VERDICT_BADGE: Final = {"retrain": "error", "drifted": "warning", "empty": "info"}

QUANTILES: Final = ("0.01", "0.05", "0.25", "0.5", "0.75", "0.95", "0.99")


def plain_sentence(code: str) -> str:
    """The plain-language sentence for a finding code.

    >>> plain_sentence("file.changed").startswith("A data file has changed")
    True
    """
    if code in PLAIN:
        return PLAIN[code]
    title = CATALOG.get(code, (Severity.INFO, code))[1]
    return title if title.endswith(".") else title + "."


def safe_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL safe to link to, else None.

    >>> safe_url("https://example.org/a"), safe_url("javascript:alert(1)"), safe_url("data:,x")
    ('https://example.org/a', None, None)
    """
    if not url:
        return None
    text = url.strip()
    if any(c.isspace() or not c.isprintable() for c in text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return text


def fmt(value: object) -> str:
    """A number or measured value as people read it.

    >>> fmt(1234567), fmt(27.7797), fmt(0.000123456), fmt("nan"), fmt(None)
    ('1,234,567', '27.78', '0.0001235', 'nan', '—')
    """
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value == int(value) and abs(value) < 1e15:
            return f"{int(value):,}"
        if abs(value) >= 1000:
            return f"{value:,.1f}"
        if abs(value) >= 1:
            return f"{value:.2f}".rstrip("0").rstrip(".")
        return f"{value:.4g}"
    return value_text(value)


def percent(part: int, whole: int) -> str:
    """``part`` of ``whole`` as a short percentage.

    >>> percent(39, 800), percent(0, 10), percent(1, 100000)
    ('4.9%', '0%', '<0.1%')
    """
    if whole <= 0 or part <= 0:
        return "0%"
    share = 100.0 * part / whole
    if share < 0.1:
        return "<0.1%"
    return f"{share:.1f}".rstrip("0").rstrip(".") + "%"


def human_bytes(n: int) -> str:
    """``n`` bytes in SI units.

    >>> human_bytes(999), human_bytes(106109), human_bytes(3_500_000_000)
    ('999 bytes', '106.1 kB', '3.5 GB')
    """
    size = float(n)
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{n:,} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Warning_:
    """One finding, worded for people, with its technical detail."""

    severity: str  # "error", "warning", "info": the CSS class
    word: str  # "Problem", "Warning", "Note"
    sentence: str
    code: str
    where: str
    message: str
    evidence: list[tuple[str, str]]


@dataclass(frozen=True)
class MediaView:
    """The statistics of an image or audio column's files in one split, as text."""

    title: str  # "Images" or "Audio clips"
    rows: list[tuple[str, str]]  # statistic, value
    constants: str | None = None  # "mean=(...) std=(...)"
    channels: list[tuple[str, str, str]] = field(default_factory=list)  # channel, mean, std
    #: problem, how many files, the first files by path, how many more there are ("" if none)
    files: list[tuple[str, str, list[str], str]] = field(default_factory=list)


@dataclass(frozen=True)
class Panel:
    """One column in one split: its chart and key numbers."""

    split: str
    chart: Markup | None
    note: str  # why there is no chart (when there is none)
    numbers: list[tuple[str, str]]
    top: list[tuple[str, str, str]]  # value, count, share
    media: MediaView | None = None


@dataclass
class ColumnView:
    """One column (h3) with a panel per split it occurs in."""

    anchor: str
    name: str
    kind: str
    type: str
    panels: list[Panel] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)  # split -> "39 (4.9%)"


@dataclass(frozen=True)
class QuestionView:
    qid: str
    question: str
    answer: str
    generated: bool


@dataclass(frozen=True)
class SectionView:
    sid: str
    title: str
    questions: list[QuestionView]


def warnings_of(findings: Sequence[Finding]) -> list[Warning_]:
    """Findings, most severe first, worded for a non-specialist."""
    ordered = sorted(findings, key=lambda f: (-f.severity, f.code, f.where, f.message))
    return [
        Warning_(
            severity=str(f.severity),
            word=SEVERITY_WORDS.get(f.severity, str(f.severity)),
            sentence=plain_sentence(f.code),
            code=f.code,
            where=f.where,
            message=f.message,
            evidence=[(k, _evidence(v)) for k, v in sorted(f.evidence.items())],
        )
        for f in ordered
    ]


def _evidence(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return str(value)


def _lengths(label: str, stats: LengthStats | None) -> list[tuple[str, str]]:
    if stats is None:
        return []
    span = f"{fmt(stats.min)} – {fmt(stats.max)}, mean {fmt(stats.mean)}"
    if stats.quantiles and "0.5" in stats.quantiles:
        span += f", median {fmt(stats.quantiles['0.5'])}"
    return [(label, span)]


def numbers_of(col: ColumnSummary) -> list[tuple[str, str]]:
    """The key numbers of a column summary as (label, text) rows."""
    total = col.count + col.nulls
    rows: list[tuple[str, str]] = [
        ("type", col.type if col.type == col.kind else f"{col.type} ({col.kind})"),
        ("values", fmt(col.count)),
        ("missing (null)", f"{fmt(col.nulls)} ({percent(col.nulls, total)})"),
    ]
    if col.nan or col.posinf or col.neginf:
        rows.append(
            ("NaN / +inf / −inf", f"{fmt(col.nan)} / {fmt(col.posinf)} / {fmt(col.neginf)}")
        )
    for label, value in (
        ("distinct", col.distinct),
        ("min", col.min),
        ("max", col.max),
        ("mean", col.mean),
        ("std", col.std),
        ("skewness", col.skewness),
    ):
        if value is not None:
            rows.append((label, fmt(value)))
    if col.span_seconds is not None:
        rows.append(("time span", _duration(col.span_seconds)))
    if col.quantiles:
        qs = " · ".join(
            f"p{_pct_label(q)}\u00a0{fmt(col.quantiles[q])}"
            for q in QUANTILES
            if q in col.quantiles
        )
        rows.append(("quantiles", qs))
    rows += _lengths("length (characters)" if col.kind == "string" else "length", col.length)
    counted = col.tokenizer or WHITESPACE_LABEL  # without a tokenizer: words, approximately
    rows += _lengths(f"tokens: {counted}", col.tokens)
    if col.fields:
        rows.append(("fields", ", ".join(value_text(k) for k in col.fields)))
    return rows


def _pct_label(q: str) -> str:
    return fmt(round(float(q) * 100, 2))


def _duration(seconds: float) -> str:
    """``seconds`` in the largest sensible unit.

    >>> _duration(90), _duration(86400 * 3)
    ('1.5 minutes', '3 days')
    """
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("hours", 3600)):
        if seconds >= size:
            return f"{fmt(seconds / size)} {unit}"
    if seconds >= 60:
        return f"{fmt(seconds / 60)} minutes"
    return f"{fmt(seconds)} seconds"


def _top(top: list[TopValue] | None, count: int) -> list[tuple[str, str, str]]:
    """(value, rows, share) of the most frequent values; none when every value occurs once."""
    if not top or max(t.count for t in top) <= 1:
        return []
    return [(value_text(t.value), fmt(t.count), percent(t.count, count)) for t in top or []]


#: Media statistics: field -> the label of its row.
IMAGE_ROWS: Final = (
    ("width", "width (pixels)"),
    ("height", "height (pixels)"),
    ("aspect_ratio", "aspect ratio (width / height)"),
    ("bytes", "file size (bytes)"),
    ("brightness", "brightness (mean luma, 0–1)"),
)
AUDIO_ROWS: Final = (
    ("duration", "duration (seconds)"),
    ("clipping", "clipping (share of samples at full scale)"),
    ("silence", "silence (share of 10 ms windows below −60 dBFS)"),
    ("peak_db", "peak level (dBFS)"),
    ("rms_db", "RMS level (dBFS)"),
)
#: Problem file fields (``kind: files``) -> what they are, in plain words.
PROBLEM_FILES: Final = {
    "corrupt_files": "Files that cannot be decoded",
    "bomb_files": "Images claiming more pixels than the decoding budget (not decoded)",
    "tiny_files": "Images under 32 pixels on the shorter side",
    "huge_files": "Images over 40 megapixels",
    "gps_files": "Images with GPS coordinates in their EXIF data",
    "clipped_files": "Clips that clip (at least 0.1% of samples at full scale)",
    "silent_files": "Silent clips (at least 99% silence)",
}


def _spread(col: ColumnSummary) -> str:
    """``min – max`` and the quantiles of a numeric field, as people read them.

    >>> _spread(ColumnSummary(type="int64", kind="numeric", count=2, nulls=0, min=1, max=3,
    ...                       quantiles={"0.5": 2}))
    '1 – 3 · p50\xa02'
    """
    if col.count == 0 or col.min is None:
        return "—"
    text = fmt(col.min) if col.min == col.max else f"{fmt(col.min)} – {fmt(col.max)}"
    quantiles = [q for q in QUANTILES if q in (col.quantiles or {})]
    if col.min != col.max and quantiles:
        assert col.quantiles is not None
        text += " · " + " · ".join(
            f"p{_pct_label(q)}\u00a0{fmt(col.quantiles[q])}" for q in quantiles
        )
    return text


def _mix(col: ColumnSummary | None, unit: str = "") -> str:
    """The frequent values of a field with their shares: ``JPEG 70% · PNG 30%``."""
    if col is None or not col.top or not col.count:
        return "—"
    return " · ".join(f"{fmt(t.value)}{unit} {percent(t.count, col.count)}" for t in col.top)


def media_of(col: ColumnSummary) -> MediaView | None:
    """The statistics of an image or audio column (None for other columns)."""
    if col.kind not in ("image", "audio"):
        return None
    fields = col.fields or {}
    rows: list[tuple[str, str]] = []
    for name, label in IMAGE_ROWS if col.kind == "image" else AUDIO_ROWS:
        if name in fields:
            rows.append((label, _spread(fields[name])))
    if col.kind == "image":
        rows += [("formats", _mix(fields.get("format"))), ("modes", _mix(fields.get("mode")))]
        exif = fields.get("exif")
        if exif is not None and exif.count:
            trues = round(float(exif.mean or 0) * exif.count)
            rows.append(("with EXIF data", f"{percent(trues, exif.count)} ({fmt(trues)})"))
    else:
        duration = fields.get("duration")
        if duration is not None and duration.count and duration.mean is not None:
            total = float(duration.mean) * duration.count
            rows.insert(1, ("total duration", _duration(total)))
        rows += [
            ("sample rates", _mix(fields.get("sample_rate"), " Hz")),
            ("channels", _mix(fields.get("channels"))),
            ("bit depths", _mix(fields.get("bit_depth"), " bit")),
            ("formats", _mix(fields.get("format"))),
            ("encodings", _mix(fields.get("subtype"))),
        ]
    found = channel_constants(col) if col.kind == "image" else None
    channels = [(n, f"{m:.4f}", f"{d:.4f}") for n, m, d in zip(*found)] if found is not None else []
    files = [
        (
            PROBLEM_FILES.get(name, name),
            fmt(count),
            names,
            f"… and {fmt(count - len(names))} more" if count > len(names) else "",
        )
        for name, count, names in problem_files(col)
    ]
    return MediaView(
        title="Images" if col.kind == "image" else "Audio clips",
        rows=rows,
        constants=normalisation_constants(col) if col.kind == "image" else None,
        channels=channels,
        files=files,
    )


def chart_note(col: ColumnSummary) -> str:
    """Why a column has no chart, in plain words."""
    if col.count == 0:
        return "No chart: the column has no values."
    if col.kind in ("image", "audio"):
        return "No chart: the statistics of the files are below."
    if col.kind in ("string", "binary") or col.top is not None:
        return "No chart: (almost) every value is different."
    return "No chart for this kind of column."


def columns_of(measured: Measured | None) -> list[ColumnView]:
    """One view per column name (in file order across splits), each with a panel per split."""
    if measured is None:
        return []
    with chart_style():
        return _columns(measured)


def _columns(measured: Measured) -> list[ColumnView]:
    views: dict[str, ColumnView] = {}
    chart_no = 0
    for split_name, split in measured.splits.items():
        for name, col in split.columns.items():
            view = views.get(name)
            if view is None:
                view = ColumnView(f"col-{len(views) + 1}", name, col.kind, col.type)
                views[name] = view
            chart_no += 1
            chart = column_chart(name, split_name, col, f"c{chart_no}")
            note = "" if chart is not None else chart_note(col)
            media = media_of(col)
            numbers = numbers_of(col)
            if media is not None:  # the fields are shown one by one
                numbers = [(k, v) for k, v in numbers if k != "fields"]
            view.panels.append(
                Panel(split_name, chart, note, numbers, _top(col.top, col.count), media)
            )
            total = col.count + col.nulls
            view.missing[split_name] = f"{fmt(col.nulls)} ({percent(col.nulls, total)})"
    return list(views.values())


def datasheet_of(card: Card) -> list[SectionView]:
    """All seven datasheet sections with every question; extra questions in the card follow."""
    sections: list[SectionView] = []
    for sid, questions in SECTIONS.items():
        written = card.datasheet.get(sid, {})  # type: ignore[call-overload]
        known = {q.id for q in questions}
        items = [(q.id, q.text) for q in questions]
        items += [(qid, a.question or qid) for qid, a in written.items() if qid not in known]
        views = []
        for qid, text in items:
            answer = card.answer(sid, qid).strip()
            entry = written.get(qid)
            generated = bool(answer) and (entry is None or entry.generated or not entry.answer)
            views.append(QuestionView(qid, text, answer, generated))
        sections.append(SectionView(sid, SECTION_TITLES.get(sid, sid), views))
    return sections


def changelog_of(card: Card) -> list[tuple[str, str]]:
    """(version and date, what changed) for each entry of the card's changelog, newest first."""
    return [(f"{e.version} ({e.date})" if e.date else e.version, e.changes) for e in card.changelog]


@dataclass(frozen=True)
class WindowRow:
    """One window of the monitoring table, as text."""

    index: str
    start: str
    end: str
    rows: str
    verdict: str
    badge: str  # CSS class of the verdict ("" for stable)
    columns: str  # the drifted columns, largest effect first, with their effect


@dataclass(frozen=True)
class MonitoringView:
    """The latest recorded monitoring run: a sentence, the chart, the windows; earlier runs."""

    summary: str
    chart: Markup | None
    windows: list[WindowRow]
    earlier: list[tuple[str, str, str, str]]  # recorded, data, window, outcome
    notes: list[str]


def _outcome(run: Run) -> str:
    empty = sum(w.verdict == "empty" for w in run.windows)
    text = f"{len(run.windows):,} windows, {run.drifted:,} drifted"
    return text + (f", {empty:,} empty" if empty else "")


def _window_label(run: Run, w: WindowRecord) -> str:
    """Short text for a chart tick: a date (or date and time), or a row number."""
    if isinstance(w.start, int):
        return _tick(float(w.start))
    daily = all(str(x.start).endswith("T00:00:00Z") for x in run.windows)
    return w.start[:10] if daily else w.start[:16].replace("T", " ")


def _effect(value: float) -> str:
    return f"{value:.3g}"


def monitoring_of(runs: Sequence[Run], notes: Sequence[str] = ()) -> MonitoringView | None:
    """The view of the latest run (None without runs): the columns with the largest effect
    drawn per window, and every window in a table."""
    if not runs:
        if not notes:
            return None
        return MonitoringView("No recorded monitoring run could be read.", None, [], [], [*notes])
    run = runs[-1]
    peaks: dict[str, float] = {}
    for w in run.windows:
        for column, effect in w.effects.items():
            peaks[column] = max(peaks.get(column, -math.inf), effect)
    shown = sorted(peaks, key=lambda c: (-peaks[c], c))[:SERIES_COLUMNS]
    chart = None
    if run.windows:
        with chart_style():
            chart = drift_series(
                [_window_label(run, w) for w in run.windows],
                {c: [w.effects.get(c) for w in run.windows] for c in shown},
                [w.verdict in ("drifted", "retrain") for w in run.windows],
                [w.verdict == "empty" for w in run.windows],
                "m1",
            )
    rows = [
        WindowRow(
            index=fmt(w.index),
            start=fmt(w.start),
            end=fmt(w.end),
            rows=fmt(w.rows),
            verdict=w.verdict,
            badge=VERDICT_BADGE.get(w.verdict, ""),
            columns=", ".join(
                f"{value_text(c)} ({_effect(w.effects[c])})" if c in w.effects else value_text(c)
                for c in w.drifted
            ),
        )
        for w in run.windows
    ]
    how = f"{run.window} by {run.time_column}" if run.time_column else f"{run.window} rows"
    summary = (
        f"Latest run, recorded {run.recorded}: {run.data} cut into windows of {how} and "
        f"compared with the split {run.split}: {_outcome(run)}."
    )
    earlier = [(r.recorded, r.data, r.window, _outcome(r)) for r in runs[-2::-1][:EARLIER_RUNS]]
    return MonitoringView(summary, chart, rows, earlier, [*notes, *run.notes])


def context(
    card: Card,
    findings: Sequence[Finding],
    monitoring: Sequence[Run] = (),
    notes: Sequence[str] = (),
) -> dict[str, Any]:
    """Everything the template shows, computed once, as plain values."""
    m = card.measured
    warnings = warnings_of(findings)
    counts = {s: sum(1 for w in warnings if w.severity == s) for s in ("error", "warning", "info")}
    splits = [(name, fmt(s.rows)) for name, s in m.splits.items()] if m else []
    balance: list[tuple[str, Markup, list[tuple[str, str, str]]]] = []
    if m is not None and m.label:
        for split_name, split in m.splits.items():
            if split.label_balance:
                labelled = sum(t.count for t in split.label_balance)
                chart = top_values(m.label, split_name, split.label_balance, f"l{len(balance)}")
                balance.append((split_name, chart, _top(split.label_balance, labelled)))
    columns = columns_of(m)
    return {
        "csp": Markup(CSP),
        "has_media": any(p.media is not None for c in columns for p in c.panels),
        "card": card,
        "summary": card.summary.strip(),
        "licence": (card.license or "").strip(),
        "rows": fmt(sum(s.rows for s in m.splits.values())) if m else None,
        "file_count": len(m.files) if m else 0,
        "bytes": human_bytes(sum(f.bytes for f in m.files)) if m else None,
        "splits": splits,
        "label": m.label if m else None,
        "tasks": card.answer("uses", "tasks").strip(),
        "out_of_scope": card.answer("uses", "out_of_scope").strip(),
        "warnings": warnings,
        "first_warnings": warnings[:5],
        "more_warnings": warnings[5:],
        "counts": counts,
        "columns": columns,
        "datasheet": datasheet_of(card),
        "creators": [(c, safe_url(c.url)) for c in card.creators],
        "sources": [(s, safe_url(s.url)) for s in card.sources],
        "files": [(f, fmt(f.rows), human_bytes(f.bytes)) for f in m.files] if m else [],
        "measured": m,
        "balance": balance,
        "compute": compute_estimates(card),
        "changelog": changelog_of(card),
        "monitoring": monitoring_of(monitoring, notes),
        "open_windows": OPEN_WINDOWS,
        "completeness": f"{completeness(card):.0%}",
    }


def environment() -> Environment:
    """The Jinja2 environment: autoescaping on, undefined names are errors."""
    return Environment(
        loader=PackageLoader("datacard.render", "templates"),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


class HtmlRenderer:
    """The self-contained HTML report (``datacard report``).

    ``monitoring``: the card's recorded monitoring runs (oldest first; the latest is drawn),
    ``monitoring_notes``: what could not be read of them. Without runs there is no section.
    """

    name: ClassVar[str] = "html"
    suffix: ClassVar[str] = ".html"

    def __init__(
        self, monitoring: Sequence[Run] = (), monitoring_notes: Sequence[str] = ()
    ) -> None:
        self.monitoring = list(monitoring)
        self.monitoring_notes = list(monitoring_notes)

    def render(self, card: Card, findings: Sequence[Finding]) -> str:
        template = environment().get_template("report.html.j2")
        return template.render(context(card, findings, self.monitoring, self.monitoring_notes))
