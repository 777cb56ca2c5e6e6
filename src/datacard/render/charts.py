"""Small inline SVG charts of a column, drawn with matplotlib's SVG backend.

Charts are built on a bare :class:`~matplotlib.figure.Figure` (no pyplot, no global figure
registry), under a local ``rc_context`` that keeps text as text (``svg.fonttype: none``), turns
mathtext off (a ``$`` in a value is just a dollar) and fixes ``svg.hashsalt`` so ids are stable.
The SVG is then trimmed for inlining: no XML prolog, DOCTYPE, metadata or per-text font stacks,
coordinates rounded to one decimal, ids prefixed so several charts share one page. Each chart
gets ``role="img"``, an ``aria-label`` and a ``<title>``: the text alternative.

>>> from datacard.measured import ColumnSummary, Histogram
>>> col = ColumnSummary(type="int64", kind="numeric", count=3, nulls=0, min=1, max=3,
...                     histogram=Histogram(edges=[0, 1, 2, 3], counts=[1, 1, 1]))
>>> chart = column_chart("age", "train", col, "c1")
>>> chart.startswith('<svg role="img"'), "<title>" in chart
(True, True)
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Final

import matplotlib
from markupsafe import Markup, escape
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.typing import RcKeyType

from datacard.measured import ColumnSummary, TopValue

FONT: Final = 9.0

#: Local matplotlib settings for every chart (applied with ``rc_context``, never globally).
RC: Final[dict[RcKeyType, Any]] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "datacard",
    "text.parse_math": False,
    "text.usetex": False,
    "font.family": ["sans-serif"],
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": FONT,
    "axes.linewidth": 0.6,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "xtick.major.size": 2.5,
    "ytick.major.size": 2.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.unicode_minus": False,
    "path.simplify": True,
}

BAR_COLOUR: Final = "#2b5797"  # 7.4:1 on white
TEXT_COLOUR: Final = "#1a1a1a"
SIZE: Final = (3.6, 1.6)  # inches at 72 dpi: 259 x 115 px, shown 1:1
SERIES_SIZE: Final = (9.0, 2.5)  # the drift series: 648 x 180 px
MAX_LABEL: Final = 18
#: Drift series: colour and dash per line (told apart without colour too).
SERIES: Final[tuple[tuple[str, Any], ...]] = (
    ("#2b5797", "-"),
    ("#b35900", (0, (5, 1.5))),
    ("#1e7b4f", (0, (1, 1.5))),
    ("#7b3294", (0, (5, 1.5, 1, 1.5))),
    ("#4d4d4d", (0, (2.5, 1.5))),
)
THRESHOLD_COLOUR: Final = "#8f1d1d"
DRIFT_SHADE: Final = "#f6d5d2"
EMPTY_SHADE: Final = "#e3e3e3"
#: Effects above this are drawn at it (the alternative text gives the true value).
EFFECT_CAP: Final = 10.0

_NUMBER = re.compile(r"-?\d+\.\d+")
_ATTRS = re.compile(r'\b(d|x|y|width|height|transform|viewBox)="([^"]*)"')


def column_chart(column: str, split: str, col: ColumnSummary, prefix: str) -> Markup | None:
    """The chart of one column of one split as inline SVG, or None when there is nothing to draw.

    Numeric and temporal columns get a histogram, strings and booleans a bar chart of their most
    frequent values. ``prefix`` makes the SVG's ids unique within the page.
    """
    if col.kind in ("numeric", "temporal") and col.histogram and sum(col.histogram.counts):
        return histogram(column, split, col, prefix)
    if col.top and max(t.count for t in col.top) > 1:
        return top_values(column, split, col.top, prefix)
    return None


def histogram(column: str, split: str, col: ColumnSummary, prefix: str) -> Markup:
    """A filled step histogram from ``col.histogram`` (edges and counts)."""
    assert col.histogram is not None
    edges, counts = list(col.histogram.edges), list(col.histogram.counts)
    labels: list[tuple[float, str]] | None = None
    if all(isinstance(e, int | float) for e in edges):
        xs = [float(e) for e in edges]
        if _one_bin_per_integer(col, counts):
            lo = int(float(str(col.min)))
            xs = [lo - 0.5 + i for i in range(len(counts) + 1)]
        elif xs[0] == xs[-1]:
            xs = [xs[0] - 0.5, xs[0] + 0.5]
            counts = [sum(counts)]
    else:  # temporal: ISO text edges, drawn by position
        xs = [float(i) for i in range(len(edges))]
        labels = _time_labels([str(e) for e in edges])
    total = sum(counts)
    peak = max(range(len(counts)), key=lambda i: counts[i])
    if labels is None:
        lo_text, hi_text = _num(xs[0]), _num(xs[-1])
        peak_text = f"{_num(xs[peak])} to {_num(xs[peak + 1])}"
    else:
        lo_text, hi_text = str(edges[0]), str(edges[-1])
        peak_text = f"{edges[peak]} to {edges[peak + 1]}"
    alt = (
        f"Histogram of column {column} in split {split}: {total:,} values from {lo_text} "
        f"to {hi_text} in {len(counts)} bins; the tallest bin, {peak_text}, holds "
        f"{counts[peak]:,} values."
    )
    with chart_style():
        fig, ax = _figure()
        ax.stairs(counts, xs, fill=True, color=BAR_COLOUR, linewidth=0, clip_on=False)
        ax.set_xlim(xs[0], xs[-1])
        ax.set_ylim(0, max(counts) * 1.05 or 1)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))
        if labels is not None:
            ax.set_xticks([p for p, _ in labels], [t for _, t in labels])
            first, *_, last = ax.get_xticklabels()
            first.set_horizontalalignment("left")
            last.set_horizontalalignment("right")
        elif _one_bin_per_integer(col, counts) and len(counts) <= 8:
            ax.set_xticks([round(x + 0.5) for x in xs[:-1]])
        else:
            ax.xaxis.set_major_locator(
                MaxNLocator(nbins=4, integer=_one_bin_per_integer(col, counts))
            )
        ax.set_ylabel("rows")
        return _finish(fig, alt, prefix)


def top_values(column: str, split: str, top: Sequence[TopValue], prefix: str) -> Markup:
    """Horizontal bars of the most frequent values (largest first, at the top)."""
    items = list(top)[:10]
    names = [shorten(value_text(t.value)) for t in items]
    counts = [t.count for t in items]
    listed = "; ".join(f"{value_text(t.value)}: {t.count:,}" for t in items[:5])
    more = f" and {len(items) - 5} more" if len(items) > 5 else ""
    alt = (
        f"Bar chart of the most frequent values of column {column} in split {split}: "
        f"{listed}{more}."
    )
    height = max(1.0, 0.22 * len(items) + 0.55)
    with chart_style():
        widest = max(len(n) for n in names)
        left = min(1.45, 0.15 + widest * FONT * 0.6 / 72)
        fig, ax = _figure((SIZE[0], height), left=left, bottom=0.45)
        ax.add_patch(_bars(counts))
        ax.set_xlim(0, max(counts) * 1.05 or 1)
        ax.set_ylim(len(items) - 0.5, -0.5)
        ax.set_yticks(range(len(items)), names)
        ax.tick_params(axis="y", length=0)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))
        ax.set_xlabel("rows")
        return _finish(fig, alt, prefix)


def drift_series(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    drifted: Sequence[bool],
    empty: Sequence[bool],
    prefix: str,
) -> Markup:
    """A line per column of its drift effect (metric / threshold) per window, the threshold
    at 1, drifted windows shaded red and empty ones grey; ``labels`` name the windows.

    >>> svg = drift_series(["d1", "d2"], {"x": [0.2, 1.5]}, [False, True], [False, False], "m")
    >>> 'class="chart wide"' in svg, "window d2" in svg
    (True, True)
    """
    n = len(labels)
    top = max((v for ys in series.values() for v in ys if v is not None), default=0.0)
    cap = max(1.5, min(top * 1.08, EFFECT_CAP))
    alt = _series_alt(labels, series, drifted, empty, cap)
    names = [shorten(value_text(name)) for name in series]
    widest = max(len(name) for name in [*names, "threshold"])
    right = 0.25 + 0.45 + widest * FONT * 0.62 / 72  # gap, line sample, text
    width, height = SERIES_SIZE
    with chart_style():
        fig, ax = _figure(SERIES_SIZE, left=0.5, bottom=0.32)
        fig.subplots_adjust(right=1 - right / width, top=1 - 0.12 / height)
        for lo, hi, colour in _spans(drifted, DRIFT_SHADE) + _spans(empty, EMPTY_SHADE):
            ax.axvspan(lo - 0.5, hi + 0.5, color=colour, linewidth=0, zorder=0)
        threshold = ax.axhline(
            1.0, color=THRESHOLD_COLOUR, linestyle=(0, (4, 2)), linewidth=0.9, zorder=1
        )
        xs = list(range(n))
        lines = []
        for i, ys in enumerate(series.values()):
            colour, dash = SERIES[i % len(SERIES)]
            points = [math.nan if v is None else min(v, cap) for v in ys]
            (line,) = ax.plot(
                xs,
                points,
                color=colour,
                linestyle=dash,
                linewidth=1.3,
                marker="o" if n <= 60 else None,
                markersize=2.6,
                zorder=2,
                clip_on=False,
            )
            lines.append(line)
        ax.set_xlim(-0.5, n - 0.5)
        ax.set_ylim(0, cap)
        ticks = sorted({round(i * (n - 1) / 4) for i in range(5)}) if n > 1 else [0]
        ax.set_xticks(ticks, [labels[i] for i in ticks])
        ax.tick_params(axis="x", length=0)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
        ax.set_ylabel("effect")
        ax.legend(  # handles given: matplotlib would drop labels that start with "_"
            [*lines, threshold],
            [*names, "threshold"],
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            frameon=False,
            fontsize=FONT,
            handlelength=2.4,
            borderaxespad=0.0,
        )
        svg = _finish(fig, alt, prefix)
    return Markup(str(svg).replace('class="chart"', 'class="chart wide"', 1))


def _spans(flags: Sequence[bool], colour: str) -> list[tuple[int, int, str]]:
    """Runs of consecutive flagged windows as (first, last, colour): one shape per run."""
    runs: list[tuple[int, int, str]] = []
    for i, flag in enumerate(flags):
        if not flag:
            continue
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i, colour)
        else:
            runs.append((i, i, colour))
    return runs


def _series_alt(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    drifted: Sequence[bool],
    empty: Sequence[bool],
    cap: float,
) -> str:
    """The text alternative of :func:`drift_series`."""
    n = len(labels)
    span = f"window {labels[0]}" if n == 1 else f"{n} windows from {labels[0]} to {labels[-1]}"
    text = (
        "Line chart of the drift effect (metric over threshold; 1 is the threshold) per window, "
        f"{span}, for columns {', '.join(value_text(c) for c in series) or 'none'}."
    )
    flagged = [labels[i] for i, d in enumerate(drifted) if d]
    if flagged:
        listed = ", ".join(flagged[:5]) + (
            f" and {len(flagged) - 5} more" if len(flagged) > 5 else ""
        )
        text += f" {len(flagged)} drifted: {listed}."
    else:
        text += " No window drifted."
    if any(empty):
        text += f" {sum(empty)} had no rows."
    best = max(
        ((v, c, i) for c, ys in series.items() for i, v in enumerate(ys) if v is not None),
        default=None,
        key=lambda t: t[0],
    )
    if best is not None:
        value, column, i = best
        text += (
            f" The largest effect is {value:.3g}, column {value_text(column)}, "
            f"window {labels[i]}" + (f" (drawn at {cap:.3g})" if value > cap else "") + "."
        )
    return text


def chart_style() -> AbstractContextManager[object]:
    """Apply :data:`RC` for the duration of a ``with`` block (a no-op when already applied).

    Wrap many charts in one ``with chart_style():`` to pay for the rc copy once.
    """
    params = matplotlib.rcParams
    if all(params[key] == value for key, value in RC.items()):
        return nullcontext()
    return matplotlib.rc_context(RC)


def value_text(value: object) -> str:
    """How a value is written for people: ``null``, ``true``/``false``, text as is.

    >>> value_text(None), value_text(True), value_text("a\\nb")
    ('null', 'true', 'a\\\\nb')
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if value == "":
            return '""'
        return "".join(c if c.isprintable() else repr(c)[1:-1] for c in value)
    return str(value)


def shorten(text: str, limit: int = MAX_LABEL) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis.

    >>> shorten("abcdefghij", 5)
    'abcd…'
    """
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _figure(
    size: tuple[float, float] = SIZE, left: float = 0.62, bottom: float = 0.3
) -> tuple[Figure, Axes]:
    """A bare figure with fixed margins in inches (no ``tight_layout``: it costs a full draw)."""
    width, height = size
    fig = Figure(figsize=size, dpi=72)
    fig.patch.set_visible(False)
    fig.subplots_adjust(
        left=left / width, right=1 - 0.15 / width, bottom=bottom / height, top=1 - 0.08 / height
    )
    ax = fig.add_subplot()
    ax.patch.set_visible(False)
    ax.tick_params(colors=TEXT_COLOUR, labelsize=FONT)
    ax.xaxis.set_major_formatter(FuncFormatter(_tick))
    ax.yaxis.set_major_formatter(FuncFormatter(_tick))
    return fig, ax


def _bars(counts: Sequence[int]) -> PathPatch:
    """One compound path of horizontal bars (one SVG element, however many bars)."""
    vertices: list[tuple[float, float]] = []
    codes: list[int] = []
    rect = [int(c) for c in (Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY)]
    for i, c in enumerate(counts):
        top, bottom = i - 0.38, i + 0.38
        vertices += [(0, top), (c, top), (c, bottom), (0, bottom), (0, top)]
        codes += rect
    return PathPatch(Path(vertices, codes), facecolor=BAR_COLOUR, linewidth=0, clip_on=False)


def _one_bin_per_integer(col: ColumnSummary, counts: Sequence[int]) -> bool:
    if not (isinstance(col.min, int) and isinstance(col.max, int)) or col.kind != "numeric":
        return False
    return col.max > col.min and len(counts) == col.max - col.min + 1


def _time_labels(edges: list[str]) -> list[tuple[float, str]]:
    """Tick labels for ISO text edges: first and last; dates only unless within one day."""
    first, last = edges[0], edges[-1]
    if first[:10] == last[:10] and len(first) > 11:
        return [(0.0, first[11:19]), (float(len(edges) - 1), last[11:19])]
    return [(0.0, first[:10]), (float(len(edges) - 1), last[:10])]


def _tick(x: float, _pos: int | None = None) -> str:
    """Compact tick text: ``12.3k``, ``4M``, ``0.25``."""
    for scale, suffix, start in ((1e9, "G", 1e9), (1e6, "M", 1e6), (1e3, "k", 1e4)):
        if abs(x) >= start:
            return f"{x / scale:.3g}{suffix}"
    return f"{x:.3g}"


def _num(x: float) -> str:
    if math.isfinite(x) and x == int(x):
        return f"{int(x):,}"
    return f"{x:,.4g}"


def _round_attr(match: re.Match[str]) -> str:
    name, value = match.group(1), match.group(2)
    rounded = _NUMBER.sub(lambda m: _short(float(m.group(0))), value)
    return f'{name}="{" ".join(rounded.split())}"'


def _short(x: float) -> str:
    text = f"{x:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _finish(fig: Figure, alt: str, prefix: str) -> Markup:
    """Lay out, save as SVG and trim the markup for inlining."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None})
    return Markup(_trim(buf.getvalue(), alt, prefix))


def _trim(svg: str, alt: str, prefix: str) -> str:
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r'<style type="text/css">.*?</style>', "", svg, flags=re.S)
    svg = re.sub(r"font-family: [^;\"]*;? ?", "", svg)
    svg = re.sub(r' transform="rotate\(-?0 [^"]*\)"', "", svg)
    svg = _ATTRS.sub(_round_attr, svg)
    used = set(re.findall(r'(?:href="#|url\(#)([^")]+)', svg))

    def _id(match: re.Match[str]) -> str:
        name = match.group(1)
        return f' id="{prefix}-{name}"' if name in used else ""

    svg = re.sub(r' id="([^"]+)"', _id, svg)
    svg = re.sub(r'(href="#|url\(#)([^")]+)', lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)
    svg = re.sub(r">\s+<", "><", svg)
    svg = _drop_bare_groups(svg)
    svg = re.sub(r"<defs></defs>|<g/>", "", svg)
    label = escape(alt)
    head, rest = svg.split(">", 1)
    head = head.replace("<svg ", f'<svg role="img" aria-label="{label}" class="chart" ', 1)
    head = re.sub(r' (width|height)="[^"]*pt"', "", head)
    return f"{head}><title>{label}</title>{rest.strip()}"


def _drop_bare_groups(svg: str) -> str:
    """Remove ``<g>`` wrappers without attributes (and their ``</g>``); they draw nothing."""
    out: list[str] = []
    bare: list[bool] = []
    pos = 0
    for m in re.finditer(r"<g(?=[\s>/])[^>]*>|</g>", svg):
        out.append(svg[pos : m.start()])
        pos = m.end()
        tag = m.group(0)
        if tag == "</g>":
            if not bare.pop():
                out.append(tag)
        elif tag.endswith("/>"):
            continue
        else:
            bare.append(tag == "<g>")
            if tag != "<g>":
                out.append(tag)
    out.append(svg[pos:])
    return "".join(out)
