"""The datasheet as plain Markdown (``export --format markdown``), and the Markdown helpers.

Every value that comes from the card or the data goes through :func:`escape_markdown` (the one
escaping helper, also used by the Hugging Face card), so a column named ``|a|`` cannot break a
table and a value ``<script>`` cannot inject HTML. :func:`unescape_markdown` is its exact inverse,
used when importing a card we wrote.

>>> escape_markdown("a|b <i>*x*</i>", inline=True)
'a\\\\|b &lt;i&gt;\\\\*x\\\\*&lt;/i&gt;'
>>> unescape_markdown(escape_markdown("# 50% of [x] & `y`\\nz_z"))
'# 50% of [x] & `y`\\nz_z'
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Final, cast

import jinja2

from datacard.audit.compliance import completeness
from datacard.card import Answer, Card
from datacard.compute import ComputeReport, compute_estimates
from datacard.datasheet import SECTIONS
from datacard.findings import Finding, Severity
from datacard.measured import Measured, SplitSummary

# ---------------------------------------------------------------------------------------------
# Escaping

_BACKSLASHED: Final = frozenset("\\`*_[]|")
_ENTITIES: Final = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
_SPECIAL = re.compile(r"[\\`*_\[\]|<>&]")
_LEADING_HASH = re.compile(r"^( {0,3})#", re.MULTILINE)
_NEWLINES = re.compile(r"[ \t]*(?:\r\n|\r|\n)+[ \t]*")
_ESCAPED = re.compile(r"\\([\\`*_\[\]|#])|&(lt|gt|amp);")
_UNENTITY: Final = {"lt": "<", "gt": ">", "amp": "&"}


def _one(match: re.Match[str]) -> str:
    char = match.group()
    return _ENTITIES.get(char) or "\\" + char


def escape_markdown(text: str, *, inline: bool = False) -> str:
    """``text`` as literal Markdown: specials backslash-escaped, ``<``, ``>``, ``&`` as entities.

    Escapes ``\\ ` * _ [ ] |`` and a ``#`` that starts a line. Newlines become ``\\n``;
    ``inline=True`` (table cells, bullet values) collapses them, and the spaces around them, to
    one space.

    >>> escape_markdown("#1 a_b\\r\\n#2", inline=True)
    '\\\\#1 a\\\\_b #2'
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if inline:
        text = _NEWLINES.sub(" ", text)
    return _LEADING_HASH.sub(r"\1\\#", _SPECIAL.sub(_one, text))


def unescape_markdown(text: str) -> str:
    """The inverse of :func:`escape_markdown` (other text passes through unchanged).

    >>> unescape_markdown(r"\\#1 a\\_b &amp;lt;")
    '#1 a_b &lt;'
    """

    def undo(match: re.Match[str]) -> str:
        return match.group(1) or _UNENTITY[match.group(2)]

    return _ESCAPED.sub(undo, text)


_SAFE_URL = re.compile(r"(?:https?|ftp)://[^\s<>\\`]+|mailto:[^\s<>\\`@]+@[^\s<>\\`@]+")


def link(url: str) -> str:
    """An autolink ``<url>`` for http(s), ftp and mailto URLs; any other text, escaped.

    >>> link("https://example.org/a_b"), link("javascript:alert(1)")
    ('<https://example.org/a_b>', 'javascript:alert(1)')
    """
    url = url.strip()
    return f"<{url}>" if _SAFE_URL.fullmatch(url) else escape_markdown(url, inline=True)


def code_block(text: str, language: str = "") -> str:
    """``text`` in a fenced code block whose fence is longer than any backtick run inside.

    >>> print(code_block("x = 1", "python"))
    ```python
    x = 1
    ```
    """
    runs = [len(r) for r in re.findall(r"`+", text)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    body = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    return f"{fence}{language}\n{body}\n{fence}"


# ---------------------------------------------------------------------------------------------
# Numbers and tables (shared with the Hugging Face card)


def number(value: object) -> str:
    """A measured value as short text: ints with thousands separators, floats to 6 digits.

    >>> number(12345), number(3.14159265), number(None), number("2024-01-01T00:00:00")
    ('12,345', '3.14159', '', '2024-01-01T00:00:00')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return str(value) if not math.isfinite(value) else f"{value:.6g}"
    return str(value)


def percent(part: int, whole: int) -> str:
    """``part`` of ``whole`` as a percentage with up to two decimals (``"<0.01%"`` if tiny).

    >>> percent(1, 3), percent(0, 0), percent(1, 100000)
    ('33.33%', '0%', '<0.01%')
    """
    if whole == 0 or part == 0:
        return "0%"
    share = 100.0 * part / whole
    if share < 0.01:
        return "<0.01%"
    return f"{share:.2f}".rstrip("0").rstrip(".") + "%"


def table(header: Sequence[str], rows: Sequence[Sequence[str]], right: int = 0) -> str:
    """A GFM table; every cell escaped (one line each); the last ``right`` columns right-aligned.

    >>> print(table(["a", "b"], [["x|y", "1"]], right=1))
    | a | b |
    | --- | ---: |
    | x\\|y | 1 |
    """

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(escape_markdown(c, inline=True) for c in cells) + " |"

    align = ["---"] * (len(header) - right) + ["---:"] * right
    return "\n".join([line(header), "| " + " | ".join(align) + " |", *map(line, rows)])


def split_table(measured: Measured) -> str:
    """Rows, duplicates, files and bytes per split, with a total row when there are several."""
    files: dict[str, tuple[int, int]] = {}
    for f in measured.files:
        count, size = files.get(f.split, (0, 0))
        files[f.split] = (count + 1, size + f.bytes)
    rows: list[list[str]] = []
    for name, split in measured.splits.items():
        count, size = files.get(name, (0, 0))
        rows.append(
            [name, number(split.rows), number(split.duplicate_rows), number(count), number(size)]
        )
    if len(measured.splits) > 1:
        rows.append(
            [
                "total",
                number(sum(s.rows for s in measured.splits.values())),
                number(sum(s.duplicate_rows for s in measured.splits.values())),
                number(len(measured.files)),
                number(sum(f.bytes for f in measured.files)),
            ]
        )
    return table(["split", "rows", "duplicate rows", "files", "bytes"], rows, right=4)


def column_table(split: SplitSummary) -> str:
    """One row per column: name, type, nulls %, distinct, min, max, mean."""
    rows = [
        [
            name,
            c.type,
            percent(c.nulls, c.count + c.nulls),
            number(c.distinct),
            number(c.min),
            number(c.max),
            number(c.mean),
        ]
        for name, c in split.columns.items()
    ]
    header = ["column", "type", "nulls", "distinct", "min", "max", "mean"]
    return table(header, rows, right=5)


# ---------------------------------------------------------------------------------------------
# Answers and templates


def is_generated(card: Card, section: str, qid: str) -> bool:
    """True when ``card.answer(section, qid)`` comes from the data rather than from a person."""
    sheet = cast("Mapping[str, Mapping[str, Answer]]", card.datasheet)
    written = sheet.get(section, {}).get(qid)
    return written is None or written.generated or not written.answer.strip()


def clean_answer(text: str) -> str:
    """An answer as rendered: ``\\n`` newlines, no blank lines or spaces around it."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


@functools.cache
def environment() -> jinja2.Environment:
    """The Jinja environment of the Markdown templates: no autoescape (values use ``md``)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("datacard.render", "templates"),
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["md"] = escape_markdown
    env.filters["cell"] = functools.partial(escape_markdown, inline=True)
    env.filters["link"] = link
    return env


def render_template(template: str, /, **context: Any) -> str:
    """Render ``templates/<template>``, with runs of blank lines squeezed to one."""
    text = environment().get_template(template).render(**context)
    return squeeze_blank_lines(text).strip("\n") + "\n"


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


def squeeze_blank_lines(text: str) -> str:
    """Runs of blank lines become one, except inside fenced code blocks.

    >>> squeeze_blank_lines("a\\n\\n\\n\\nb\\n```\\n\\n\\n\\n```")
    'a\\n\\nb\\n```\\n\\n\\n\\n```'
    """
    out: list[str] = []
    fence = ""
    for line in text.split("\n"):
        marker = _FENCE.match(line)
        if fence:
            closes = (
                marker and marker.group(1)[0] == fence[0] and len(marker.group(1)) >= len(fence)
            )
            if closes and marker and not marker.group(2).strip():
                fence = ""
        elif marker:
            fence = marker.group(1)
        elif not line.strip() and out and not out[-1].strip():
            continue
        out.append(line)
    return "\n".join(out)


_SEVERITY_TITLES: Final = ((Severity.ERROR, "Errors"), (Severity.WARNING, "Warnings"))


def _findings(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    groups = [*_SEVERITY_TITLES, (Severity.INFO, "Notes")]
    out: list[dict[str, Any]] = []
    for severity, title in groups:
        found = sorted(
            (f for f in findings if f.severity == severity), key=lambda f: (f.code, f.where)
        )
        if found:
            out.append({"title": title, "entries": found})
    return out


def _datasheet(card: Card) -> list[dict[str, Any]]:
    """Sections with every question: the paper's first, then any extra the card carries."""
    sheet = cast("Mapping[str, Mapping[str, Answer]]", card.datasheet)
    out: list[dict[str, Any]] = []
    for section, questions in SECTIONS.items():
        texts = {q.id: q.text for q in questions}
        texts.update(
            {qid: a.question for qid, a in sheet.get(section, {}).items() if qid not in texts}
        )
        items = []
        for qid, text in texts.items():
            answer = clean_answer(card.answer(section, qid))
            generated = bool(answer) and is_generated(card, section, qid)
            items.append({"question": text, "answer": answer, "generated": generated})
        out.append({"title": section.capitalize(), "questions": items})
    return out


def compute_tables(report: ComputeReport | None) -> list[tuple[str, str, list[str]]]:
    """(split, table of its estimates, notes) for the "Training compute" section."""
    if report is None:
        return []
    header = ["estimate", "value", "how"]
    return [
        (
            s.split,
            table(header, [[e.label, e.text, e.how] for e in s.estimates]) if s.estimates else "",
            list(s.notes),
        )
        for s in report.splits
    ]


class MarkdownRenderer:
    """The datasheet as Markdown for a repository's docs folder (``docs/DATASHEET.md``).

    >>> from datacard.card import Card
    >>> MarkdownRenderer().render(Card(name="a|b"), []).splitlines()[0]
    '# a\\\\|b'
    """

    name: ClassVar[str] = "markdown"
    suffix: ClassVar[str] = ".md"

    def render(self, card: Card, findings: Sequence[Finding]) -> str:
        measured = card.measured
        compute = compute_estimates(card)
        return render_template(
            "datasheet.md.j2",
            card=card,
            measured=measured,
            split_table=split_table(measured) if measured else "",
            column_tables=(
                [(name, column_table(s)) for name, s in measured.splits.items()] if measured else []
            ),
            datasheet=_datasheet(card),
            compute=compute,
            compute_tables=compute_tables(compute),
            completeness=f"{completeness(card):.0%}",
            findings=_findings(findings),
            citation=code_block(
                card.citation, "bibtex" if card.citation.lstrip().startswith("@") else ""
            )
            if card.citation.strip()
            else "",
            code_block=code_block,
        )
