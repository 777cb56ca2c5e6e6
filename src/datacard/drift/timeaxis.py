"""The time axis of monitoring windows: window specs, calendar periods, times from columns.

``--window N`` is N rows; ``--window 1d`` (units ``s``, ``m``, ``h``, ``d``, ``w``) a calendar
period in UTC (weeks start on Monday). A time column may be a timestamp, a date or ISO-8601
text; everything becomes microseconds since the epoch.

>>> parse_window("100000").rows, parse_window("6h").period_us // 1_000_000
(100000, 21600)
>>> period_start(parse_window("1w"), 0)
'1970-01-05T00:00:00Z'
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from datacard.arrays import int64_array, valid_mask, values
from datacard.errors import UsageError

I64 = npt.NDArray[np.int64]

#: Seconds per period unit.
UNITS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400}
#: Weeks start on Monday: 1970-01-05 (the epoch was a Thursday).
WEEK_ORIGIN_US: Final = 4 * 86_400 * 1_000_000

_ROWS = re.compile(r"\d+", re.ASCII)
_PERIOD = re.compile(r"(\d+)([a-zA-Z]+)", re.ASCII)
_DATE = r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
_TIME = r"[T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?"
_NAIVE = rf"^{_DATE}({_TIME})?$"
_ZONED = rf"^{_DATE}{_TIME}(Z|[+-]\d{{2}}(:?\d{{2}})?)$"
_NANOS = r"(\.\d{6})\d+"  # fractions finer than a microsecond


@dataclass(frozen=True)
class WindowSpec:
    """``--window``: ``rows`` per window, or a period of ``period_us`` microseconds."""

    text: str
    rows: int | None = None
    period_us: int | None = None
    origin_us: int = 0


def parse_window(text: str) -> WindowSpec:
    """``"100000"`` (rows) or ``"1d"``, ``"6h"``, ``"30m"``, ``"2w"``, ``"90s"`` (periods)."""
    value = text.strip()
    hint = "e.g. --window 100000 for rows, or --window 1d --time-column COL; units s, m, h, d, w"
    if _ROWS.fullmatch(value):
        if int(value) == 0:
            raise UsageError("--window 0: a window needs at least one row", hint=hint)
        return WindowSpec(value, rows=int(value))
    match = _PERIOD.fullmatch(value)
    if match is None or match.group(2) not in UNITS:
        raise UsageError(f"--window '{text}' is neither a row count nor a period", hint=hint)
    count, unit = int(match.group(1)), match.group(2)
    if count == 0:
        raise UsageError(f"--window {value}: a period must be longer than 0", hint=hint)
    origin = WEEK_ORIGIN_US if unit == "w" else 0
    return WindowSpec(value, period_us=count * UNITS[unit] * 1_000_000, origin_us=origin)


def period_start(spec: WindowSpec, period: int) -> str:
    """The UTC start of period number ``period`` as ISO-8601 text."""
    assert spec.period_us is not None
    micros = spec.origin_us + period * spec.period_us
    try:
        when = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=micros)
    except OverflowError:  # beyond year 9999
        return f"{micros} µs after 1970-01-01T00:00:00Z"
    return when.strftime("%Y-%m-%dT%H:%M:%S") + (f".{when:%f}" if when.microsecond else "") + "Z"


# ---------------------------------------------------------------------------- times


def is_time_type(t: pa.DataType) -> bool:
    """Timestamps, dates and text (ISO-8601) can order windows."""
    if pa.types.is_dictionary(t):
        return is_time_type(t.value_type)
    return bool(
        pa.types.is_timestamp(t)
        or pa.types.is_date(t)
        or pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or pa.types.is_string_view(t)
    )


def _cast(arr: pa.Array, to: pa.DataType) -> pa.Array:
    """``arr`` cast to ``to``, values that fail becoming null (bisects around the bad ones)."""
    try:
        return pc.cast(arr, to)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        if len(arr) <= 1:
            return pa.nulls(len(arr), to)
        mid = len(arr) // 2
        return pa.concat_arrays([_cast(arr.slice(0, mid), to), _cast(arr.slice(mid), to)])


def _parse_text(arr: pa.Array) -> pa.Array:
    """ISO-8601 text as microseconds (int64) in UTC (no zone: taken as UTC); null if it is not
    a time. Clean, uniform text (all with a zone, or all without) takes one cast; otherwise
    regular expressions sort values with a zone from those without and drop the rest."""
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.string())
    sample = arr.slice(0, 256).drop_null()
    if pc.any(pc.match_substring_regex(sample, _NANOS)).as_py():
        arr = pc.replace_substring_regex(arr, _NANOS, r"\1")  # keep microseconds
        sample = arr.slice(0, 256).drop_null()
    zoned_sample = pc.match_substring_regex(sample, _ZONED)
    if pc.all(zoned_sample).as_py() or not pc.any(zoned_sample).as_py():
        zone = "UTC" if len(sample) and pc.all(zoned_sample).as_py() else None
        try:  # one cast; a failed cast costs about a microsecond per bad value
            return pc.cast(arr, pa.timestamp("us", zone)).cast(pa.int64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    arr = pc.replace_substring_regex(arr, _NANOS, r"\1")
    zoned = pc.match_substring_regex(arr, _ZONED)
    naive = pc.match_substring_regex(arr, _NAIVE)
    none = pa.scalar(None, arr.type)
    shaped = _real_dates(pc.if_else(pc.or_(zoned, naive), arr, none))
    local = _cast(pc.if_else(naive, shaped, none), pa.timestamp("us"))
    utc = _cast(pc.if_else(zoned, shaped, none), pa.timestamp("us", "UTC"))
    return pc.if_else(zoned, utc.cast(pa.int64()), local.cast(pa.int64()))


def _real_dates(arr: pa.Array) -> pa.Array:
    """ISO-shaped text (or null) with impossible days (2023-02-29, 2024-04-31) made null, so
    that the cast which follows rarely needs :func:`_cast`'s bisection."""
    y, m, d = (
        values(pc.cast(pc.utf8_slice_codeunits(arr, a, b), pa.int64()).fill_null(1))
        for a, b in ((0, 4), (5, 7), (8, 10))
    )
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    days = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(m, 1, 12) - 1]
    impossible = d > days + (leap & (m == 2))
    if not impossible.any():
        return arr
    keep = pc.equal(int64_array(impossible.astype(np.int64)), 0)
    return pc.if_else(keep, arr, pa.scalar(None, arr.type))


def times_us(arr: pa.Array) -> tuple[I64, npt.NDArray[np.bool_], int]:
    """Microseconds since the epoch (UTC) per row, where a time is known, and how many
    non-null values could not be read as a time.

    >>> t, ok, bad = times_us(pa.array(["2024-01-01T06:00:00+06:00", None, "soon"]))
    >>> t[:1].tolist(), ok.tolist(), bad
    ([1704067200000000], [True, False, False], 1)
    """
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    t = arr.type
    if pa.types.is_timestamp(t):
        micros = arr.cast(pa.timestamp("us", t.tz), safe=False).cast(pa.int64())
    elif pa.types.is_date32(t):
        days = values(arr.cast(pa.int32())).astype(np.int64)
        return days * 86_400_000_000, valid_mask(arr), 0
    elif pa.types.is_date64(t):
        millis = values(arr.cast(pa.int64())).astype(np.int64)
        return millis * 1000, valid_mask(arr), 0
    else:
        micros = _parse_text(arr)
    ok = valid_mask(micros)
    return values(micros).astype(np.int64, copy=False), ok, int(ok.size - ok.sum()) - arr.null_count


# ---------------------------------------------------------------------------- cutting
