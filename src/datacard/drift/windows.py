"""Monitoring windows: cut new data into windows, profile each, compare each with the card.

``--window N`` makes consecutive windows of N rows in file order; ``--window 1d`` (units
``s``, ``m``, ``h``, ``d``, ``w``) with ``--time-column COL`` makes calendar periods in UTC
(the floor of each row's time; weeks start on Monday). Rows need not be sorted by time: a
window's profile is the merge of the profiles of its pieces, wherever they are in the files.
Memory is bounded by one partition of rows per worker plus one profile per open window.

The window spec and the time axis are :mod:`datacard.drift.timeaxis`.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from datacard.arrays import int64_array, valid_mask
from datacard.drift.compare import DriftReport, compare_profiles
from datacard.drift.policy import thresholds_of
from datacard.drift.timeaxis import WindowSpec, is_time_type, parse_window, period_start, times_us
from datacard.errors import SourceError, UsageError
from datacard.executors import Engine, open_engine
from datacard.logical_types import type_name
from datacard.profiling import (
    PARALLEL_THRESHOLD,
    Profile,
    SplitProfile,
    plan,
    profile_partition,
)
from datacard.readers import reader_for
from datacard.readers.base import DataFile, FileInfo, Partition

if TYPE_CHECKING:
    from datacard.card import Card
    from datacard.profiling import Progress

I64 = npt.NDArray[np.int64]

#: At most this many windows in one run (each open window holds a profile).
MAX_WINDOWS: Final = 10_000


@dataclass(frozen=True)
class _Task:
    """One partition (maybe a column group of it) and how to cut it into windows."""

    partition: Partition
    schema: pa.Schema  # the profiled columns (the time column removed)
    split: str
    spec: WindowSpec
    time_column: str | None = None
    first_row: int = 0  # global row number of the partition's first row (row windows)
    counts_times: bool = True  # the one column group of a unit that counts missing times


@dataclass
class _Cut:
    """A task's result: a profile per window key, rows read, and times it could not read."""

    profiles: dict[int, Profile] = field(default_factory=dict)
    rows: int = 0
    missing: int = 0
    bad: int = 0
    example: str | None = None


def _times(task: _Task, column: pa.ChunkedArray, cut: _Cut) -> tuple[I64, npt.NDArray[np.bool_]]:
    """Microseconds and where they are known; missing and unreadable times are counted once
    per unit of rows (by the column group that holds the time column)."""
    parts = [times_us(chunk) for chunk in column.chunks]
    t = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
    ok = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, bool)
    if task.counts_times:
        cut.missing += column.null_count
        cut.bad += sum(p[2] for p in parts)
        if cut.example is None and any(p[2] for p in parts):
            valid = np.concatenate([valid_mask(chunk) for chunk in column.chunks])
            cut.example = str(column[int(np.flatnonzero(~ok & valid)[0])].as_py())
    return t, ok


def _pieces(task: _Task, table: pa.Table, cut: _Cut) -> Iterator[tuple[int, pa.Table]]:
    """(window key, its rows) of one partition's rows: slices for row windows; for periods,
    the rows sorted by period once (stable: file order within a period), then sliced."""
    spec = task.spec
    n = table.num_rows
    if spec.rows is not None:
        pos = 0
        while pos < n:
            key = (task.first_row + pos) // spec.rows
            stop = min(n, (key + 1) * spec.rows - task.first_row)
            yield key, table.slice(pos, stop - pos)
            pos = stop
        return
    assert spec.period_us is not None and task.time_column is not None
    t, ok = _times(task, table.column(task.time_column), cut)
    rows = np.flatnonzero(ok)
    if rows.size == 0:
        return
    keys = np.floor_divide(t[rows] - spec.origin_us, spec.period_us)
    body = table.drop_columns([task.time_column])
    in_order = bool(np.all(keys[1:] >= keys[:-1]))
    if not in_order:
        order = np.argsort(keys, kind="stable")
        keys, rows = keys[order], rows[order]
    if not in_order or rows.size < n:
        body = body.take(int64_array(rows))
    bounds = [0, *(np.flatnonzero(keys[1:] != keys[:-1]) + 1).tolist(), len(keys)]
    for lo, hi in itertools.pairwise(bounds):
        yield int(keys[lo]), body.slice(lo, hi - lo)


def _profile(task: _Task, key: int, rows: pa.Table) -> Profile:
    """The profile of one window's rows of one partition (no row hashes: not needed here)."""
    unit = f"{key}:{task.partition.unit}"
    names = tuple(rows.schema.names)
    if not names:
        out = Profile()
        out.split(task.split).units[unit] = rows.num_rows
        return out
    file = DataFile(path="", rel=f"window {key}", split=task.split, format="memory")
    out = profile_partition(Partition(file, unit, columns=names, table=rows), task.schema)
    for sp in out.splits.values():
        sp.row_hashes.clear()
    out.files.clear()
    return out


def _run(task: _Task) -> _Cut:
    """Read one partition, cut it into windows, and profile each window's rows (pure).

    Holds one partition's rows (about 256k rows or 32 MiB of text) at a time."""
    cut = _Cut()
    part = task.partition
    wanted = [n for n in task.schema.names if part.columns is None or n in part.columns]
    batches = []
    for batch in part.batches():
        keep = [n for n in wanted if n in batch.schema.names]
        if task.time_column and task.time_column not in batch.schema.names:  # a file without it
            batch = batch.append_column(task.time_column, pa.nulls(batch.num_rows, pa.string()))
        batches.append(batch.select([*keep, task.time_column] if task.time_column else keep))
        cut.rows += batch.num_rows
    if batches:
        try:
            table = pa.Table.from_batches(batches)
        except pa.ArrowInvalid:  # batches of one partition that disagree on a type
            tables = [pa.Table.from_batches([b]) for b in batches]
            table = pa.concat_tables(tables, promote_options="permissive")
        pieces = list(_pieces(task, table, cut))  # slices: cheap to hold
        if len(pieces) > MAX_WINDOWS:
            raise _too_many(task.spec, len(pieces))
        cut.profiles = {key: _profile(task, key, rows) for key, rows in pieces}
    return cut


def _too_many(spec: WindowSpec, count: int) -> UsageError:
    return UsageError(
        f"--window {spec.text} makes more than {MAX_WINDOWS:,} windows ({count:,})",
        hint="choose a longer period or more rows per window",
    )


# ---------------------------------------------------------------------------- planning


def _first_rows(
    files: Sequence[DataFile], infos: Mapping[str, FileInfo], parts: Sequence[Partition]
) -> dict[str, int] | None:
    """Global row number of each unit's first row, when every file's row count is known."""
    starts: dict[str, int] = {}
    start = 0
    for f in files:
        rows = infos[f.rel].rows
        if rows is None:
            return None
        starts[f.rel] = start
        start += rows
    return {p.unit: starts[p.file.rel] + p.row_offset for p in parts}


def _tasks(
    files: Sequence[DataFile],
    infos: Mapping[str, FileInfo],
    split: str,
    spec: WindowSpec,
    time_column: str | None,
    workers: int,
) -> tuple[list[_Task], bool]:
    """Tasks in file order, and whether they may run in parallel (row windows need every
    partition's first row number: known for Parquet and Arrow files, not for text)."""
    planned = plan(files, infos, workers)
    firsts = (
        _first_rows(files, infos, [t.partition for t in planned]) if spec.rows is not None else {}
    )
    parallel = firsts is not None
    if not parallel:
        planned = plan(files, infos, 1)
    tasks: list[_Task] = []
    for t in planned:
        schema = t.schema
        assert schema is not None
        part = t.partition
        counts = True
        if time_column is not None:
            schema = schema.remove(schema.get_field_index(time_column))
            if part.columns is not None:
                counts = time_column in part.columns
                if not counts:  # every column group reads the time column
                    part = dataclasses.replace(part, columns=(*part.columns, time_column))
        first = (firsts or {}).get(part.unit, 0)
        tasks.append(_Task(part, schema, split, spec, time_column, first, counts))
    return tasks, parallel


def _results(
    tasks: Sequence[_Task], parallel: bool, workers: int, engine: Engine
) -> Iterator[tuple[int, _Cut]]:
    """``(task index, cut)`` as tasks finish; sequential row windows number rows as they go."""
    if parallel:
        with open_engine(engine, workers=workers) as executor:
            yield from executor.map(_run, tasks)
        return
    row = 0
    for i, task in enumerate(tasks):
        cut = _run(dataclasses.replace(task, first_row=row))
        row += cut.rows
        yield i, cut


# ---------------------------------------------------------------------------- results


@dataclass
class Window:
    """One window: where it starts and ends, its rows, and its drift report (None: empty).

    ``start`` and ``end`` are row numbers (0-based, end exclusive) for row windows and ISO-8601
    UTC times (end exclusive) for periods.
    """

    index: int
    start: int | str
    end: int | str
    rows: int
    report: DriftReport | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """``stable``, ``drifted``, ``retrain``, or ``empty`` (a period without rows)."""
        return "empty" if self.report is None else self.report.verdict

    @property
    def drifted(self) -> list[str]:
        """Drifted columns, largest effect first."""
        return [] if self.report is None else self.report.drifted

    def to_json(self) -> dict[str, Any]:
        """One JSON line: window, start, end, rows, verdict, drifted, columns, schema, notes."""
        full = self.report.to_json() if self.report is not None else None
        return {
            "window": self.index,
            "start": self.start,
            "end": self.end,
            "rows": self.rows,
            "verdict": self.verdict,
            "drifted": self.drifted,
            "split": full["split"] if full else None,
            "columns": full["columns"] if full else {},
            "schema": full["schema"] if full else {"added": [], "removed": [], "retyped": {}},
            "notes": self.notes + (full["notes"] if full else []),
        }


@dataclass
class WindowedDrift:
    """Every window of a run, in order, and notes about the run as a whole."""

    spec: WindowSpec
    split: str
    time_column: str | None
    windows: list[Window]
    notes: list[str] = field(default_factory=list)

    @property
    def drifted(self) -> bool:
        """Whether any window drifted (or calls for retraining); empty windows do not count."""
        return any(w.verdict in ("drifted", "retrain") for w in self.windows)


# ---------------------------------------------------------------------------- the run


def check_options(spec: WindowSpec, time_column: str | None) -> None:
    """A period needs a time column; a row count takes none."""
    if spec.period_us is not None and time_column is None:
        raise UsageError(
            f"--window {spec.text} needs --time-column COL",
            hint="name the column with each row's time, or count rows: --window 100000",
        )
    if spec.rows is not None and time_column is not None:
        raise UsageError(
            f"--window {spec.text} counts rows; --time-column needs a period such as 1d",
            hint="drop --time-column, or give a period (units s, m, h, d, w)",
        )


def reference_split(reference: Profile, split: str | None) -> str:
    """``split`` if given, else the card's ``train``, else its only split."""
    names = sorted(reference.splits)
    if split is not None:
        if split not in reference.splits:
            raise UsageError(
                f"the card has no split '{split}'", hint=f"its splits: {', '.join(names)}"
            )
        return split
    if "train" in reference.splits:
        return "train"
    if len(names) == 1:
        return names[0]
    raise UsageError(
        f"the card has splits {', '.join(names)} and none is 'train'",
        hint="name the one to compare with --split",
    )


def _check_time_column(schema: pa.Schema, column: str, where: str) -> None:
    if column not in schema.names:
        import difflib

        close = difflib.get_close_matches(column, schema.names, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"columns: {', '.join(schema.names)}"
        raise UsageError(f"no column '{column}' in the data", where=where, hint=hint)
    t = schema.field(column).type
    if not is_time_type(t):
        raise UsageError(
            f"column '{column}' is {type_name(t)}, not a time",
            where=where,
            hint="give a timestamp, date or ISO-8601 text column to --time-column",
        )


class _Comparer:
    """Compares window profiles with the card's split, with the card's drift policy."""

    def __init__(self, card: Card, reference: Profile, split: str, drop: str | None) -> None:
        self.reference = _without(reference, split, drop)
        self.split = split
        self.policy = card.policy
        self.thresholds, self.per_column = thresholds_of(card.policy.drift)

    def __call__(self, current: Profile) -> DriftReport:
        return compare_profiles(
            self.reference,
            current,
            split=self.split,
            thresholds=self.thresholds,
            column_thresholds=self.per_column,
            important=self.policy.drift.important,
            label=self.policy.label,
        )


def _without(profile: Profile, split: str, column: str | None) -> Profile:
    """``profile`` without ``column`` in ``split`` (the time column moves by design)."""
    sp = profile.splits[split]
    if column is None or column not in sp.columns:
        return profile
    columns = {name: acc for name, acc in sp.columns.items() if name != column}
    stripped = SplitProfile(
        units=sp.units, unit_files=sp.unit_files, columns=columns, duplicates=sp.duplicates
    )
    return Profile(
        splits={**profile.splits, split: stripped},
        column_order={k: [c for c in v if c != column] for k, v in profile.column_order.items()},
    )


def drift_windows(
    card_root: str | Path,
    data: str | Path,
    window: str,
    *,
    time_column: str | None = None,
    split: str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    engine: Engine = None,
) -> WindowedDrift:
    """Cut ``data`` (a file or folder) into windows and compare each with the card's sketches.

    Windows are profiled on ``engine`` (local processes, or a Dask cluster); row windows of
    text files (CSV, JSON Lines) are cut in this process, in order.

    The split compared is ``split``, else the card's ``train``, else its only split; thresholds,
    important columns and the label come from the card's policy, as in ``datacard drift``.
    """
    from datacard.layout import discover
    from datacard.profiling import unify, work_bytes
    from datacard.workflow import _sidecar_profile, card_path, open_card

    spec = parse_window(window)
    check_options(spec, time_column)
    card = open_card(card_root).card
    reference = _sidecar_profile(card_path(card_root), card)
    target = reference_split(reference, split)
    from datacard.remote import is_url

    layout = discover(str(data) if is_url(str(data)) else Path(data))
    notes = [f"skipped {rel}: {reason}" for rel, reason in layout.skipped]
    files = list(layout.files)
    if len(layout.splits) > 1:
        if target not in layout.splits:
            raise UsageError(
                f"the data has splits {', '.join(layout.splits)} and none is '{target}'",
                where=str(data),
                hint="name the split to compare with --split, or give one split's folder",
            )
        files = list(layout.files_of(target))
        notes.append(f"the data has splits {', '.join(layout.splits)}: only '{target}' is cut")
    infos = {f.rel: reader_for(f.format).inspect(f) for f in files}
    notes += [w for info in infos.values() for w in info.warnings]
    if time_column is not None:
        schema = unify(files[0].split, [(f, infos[f.rel]) for f in files])
        _check_time_column(schema, time_column, str(data))
        if time_column in reference.splits[target].columns:
            notes.append(f"column '{time_column}' orders the windows and is not compared")
    if engine is not None and not isinstance(engine, str):
        workers = getattr(engine, "workers", workers)
    if workers is None:
        workers = os.cpu_count() or 1
    if engine in (None, "local") and sum(work_bytes(f) for f in files) < PARALLEL_THRESHOLD:
        workers = 1
    known_rows = [infos[f.rel].rows for f in files]
    if spec.rows is not None and None not in known_rows:
        count = -(-sum(r or 0 for r in known_rows) // spec.rows)
        if count > MAX_WINDOWS:
            raise _too_many(spec, count)
    tasks, parallel = _tasks(files, infos, target, spec, time_column, workers)
    compare = _Comparer(card, reference, target, time_column)
    run = _Run(spec, tasks, compare, progress)
    windows = run.collect(_results(tasks, parallel, workers, engine), parallel)
    notes += run.notes(time_column)
    if not windows:
        raise SourceError(
            "no rows to cut into windows"
            + (f": no row has a time in column '{time_column}'" if time_column else ""),
            where=str(data),
            hint=f"e.g. '{run.example}' is not ISO-8601" if run.example else "give data with rows",
        )
    known = {c for sp in reference.splits.values() for c in sp.columns}
    named = [*card.policy.drift.columns, *card.policy.drift.important]
    notes += [
        f"policy.drift names '{c}', which is not a column of the card"
        for c in named
        if c not in known
    ]
    return WindowedDrift(spec, target, time_column, windows, notes)


class _Run:
    """Merges task results in plan order (the same data gives the same numbers) and compares
    each window once it is complete: row windows as soon as their rows are in, periods at the
    end (rows need not be sorted by time)."""

    def __init__(
        self,
        spec: WindowSpec,
        tasks: Sequence[_Task],
        compare: Callable[[Profile], DriftReport],
        progress: Progress | None,
    ) -> None:
        self.spec, self.tasks, self.compare, self.progress = spec, tasks, compare, progress
        self.opened: dict[int, Profile] = {}
        self.windows: list[Window] = []
        self.missing = self.bad = 0
        self.example: str | None = None

    def collect(self, results: Iterator[tuple[int, _Cut]], parallel: bool) -> list[Window]:
        pending: dict[int, _Cut] = {}
        merged = rows = 0
        for finished, (index, cut) in enumerate(results, 1):
            pending[index] = cut
            while merged in pending:
                part = pending.pop(merged)
                merged += 1
                rows += part.rows
                self._merge(part)
                if self.spec.rows is not None:
                    below = self.tasks[merged].first_row if merged < len(self.tasks) else None
                    self._close_rows(rows if not parallel or below is None else below)
            if self.progress:
                self.progress(finished, len(self.tasks))
        if self.spec.rows is not None:
            self._close_rows(None)
            if self.windows and self.windows[-1].rows < self.spec.rows:
                last = self.windows[-1]
                last.notes.append(
                    f"a short last window: {last.rows:,} of {self.spec.rows:,} rows "
                    "(small samples are noisy)"
                )
        else:
            self._close_periods()
        return self.windows

    def _merge(self, cut: _Cut) -> None:
        self.missing += cut.missing
        self.bad += cut.bad
        self.example = self.example or cut.example
        for key, p in cut.profiles.items():
            mine = self.opened.get(key)
            self.opened[key] = p if mine is None else mine.merge(p)
        if len(self.opened) + len(self.windows) > MAX_WINDOWS:
            raise _too_many(self.spec, len(self.opened) + len(self.windows))

    def _close_rows(self, below: int | None) -> None:
        """Compare the row windows that end at or before row ``below`` (None: all)."""
        size = self.spec.rows
        assert size is not None
        for key in sorted(self.opened):
            if below is not None and (key + 1) * size > below:
                break
            current = self.opened.pop(key)
            n = sum(sp.rows for sp in current.splits.values())
            start = key * size
            self.windows.append(Window(key, start, start + n, n, self.compare(current)))

    def _close_periods(self) -> None:
        if not self.opened:
            return
        first, last = min(self.opened), max(self.opened)
        if last - first + 1 > MAX_WINDOWS:
            raise _too_many(self.spec, last - first + 1)
        total = len(self.tasks) + last - first + 1
        for key in range(first, last + 1):
            start, end = period_start(self.spec, key), period_start(self.spec, key + 1)
            current = self.opened.pop(key, None)
            index = key - first
            if current is None:
                self.windows.append(Window(index, start, end, 0, None, ["no rows in this period"]))
            else:
                n = sum(sp.rows for sp in current.splits.values())
                self.windows.append(Window(index, start, end, n, self.compare(current)))
            if self.progress:
                self.progress(len(self.tasks) + index + 1, total)

    def notes(self, time_column: str | None) -> list[str]:
        if not (self.missing or self.bad):
            return []
        parts = [f"{self.missing:,} null"] if self.missing else []
        if self.bad:
            parts.append(f"{self.bad:,} not ISO-8601, e.g. '{self.example}'")
        return [
            f"{self.missing + self.bad:,} rows have no time in column '{time_column}' "
            f"({'; '.join(parts)}): they are in no window"
        ]
