"""Recorded monitoring runs: ``datacard drift --window ... --record`` and the report's chart.

Runs are kept in ``.datacard/monitoring.jsonl`` beside the card (machine-owned, one JSON object
per line, the last :data:`MAX_RUNS` runs), written atomically under the card's lock. Reading is
tolerant: a line this datacard cannot read is skipped with a note, never an error.

>>> import tempfile
>>> card = Path(tempfile.mkdtemp()) / "datacard.yaml"
>>> w = WindowRecord(0, "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", 10, "stable", {"x": 0.2})
>>> _ = record_run(card, Run("2024-01-03T00:00:00Z", "prod", "1d", "ts", "train", [w]))
>>> [r.windows[0].effects for r in read_runs(card)]
[{'x': 0.2}]
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from datacard.fileio import atomic_write, card_lock

if TYPE_CHECKING:
    from datacard.drift.windows import WindowedDrift

#: The format of one line of the monitoring file.
RUN_FORMAT: Final = "datacard-monitoring/1"
#: The monitoring file, relative to the card's folder.
MONITORING_FILE: Final = ".datacard/monitoring.jsonl"
#: Runs kept (older ones are dropped when a run is recorded).
MAX_RUNS: Final = 50


@dataclass(frozen=True)
class WindowRecord:
    """One window of a recorded run: where, how many rows, the verdict, each column's effect
    (largest metric / threshold ratio; 1 is the threshold) and the drifted columns."""

    index: int
    start: int | str
    end: int | str
    rows: int
    verdict: str
    effects: dict[str, float] = field(default_factory=dict)
    drifted: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "window": self.index,
            "start": self.start,
            "end": self.end,
            "rows": self.rows,
            "verdict": self.verdict,
            "effects": {c: _number(e) for c, e in self.effects.items()},
            "drifted": self.drifted,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WindowRecord:
        """Raises KeyError, TypeError or ValueError for a malformed window."""
        start, end = data["start"], data["end"]
        if not all(isinstance(v, int | str) and not isinstance(v, bool) for v in (start, end)):
            raise TypeError("start and end must be row numbers or times")
        return cls(
            index=int(data["window"]),
            start=start,
            end=end,
            rows=int(data["rows"]),
            verdict=str(data["verdict"]),
            effects={str(c): float(e) for c, e in dict(data["effects"]).items()},
            drifted=[str(c) for c in data["drifted"]],
        )


@dataclass(frozen=True)
class Run:
    """One recorded ``datacard drift --window`` run."""

    recorded: str  # ISO-8601 UTC
    data: str  # relative to the card's folder when inside it, else as given
    window: str  # the --window spec
    time_column: str | None
    split: str
    windows: list[WindowRecord]
    notes: list[str] = field(default_factory=list)

    @property
    def drifted(self) -> int:
        """How many windows drifted (or call for retraining)."""
        return sum(w.verdict in ("drifted", "retrain") for w in self.windows)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": RUN_FORMAT,
            "recorded": self.recorded,
            "data": self.data,
            "window": self.window,
            "time_column": self.time_column,
            "split": self.split,
            "windows": [w.to_json() for w in self.windows],
            "notes": self.notes,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Run:
        """Raises KeyError, TypeError or ValueError for a malformed or foreign run."""
        if data.get("format") != RUN_FORMAT:
            raise ValueError(f"format {data.get('format')!r}, this datacard reads {RUN_FORMAT!r}")
        column = data["time_column"]
        return cls(
            recorded=str(data["recorded"]),
            data=str(data["data"]),
            window=str(data["window"]),
            time_column=None if column is None else str(column),
            split=str(data["split"]),
            windows=[WindowRecord.from_json(w) for w in data["windows"]],
            notes=[str(n) for n in data.get("notes", [])],
        )


def _number(x: float) -> float | str:
    """Four significant digits; ±inf as text (strict JSON has no infinity)."""
    if math.isfinite(x):
        return float(f"{x:.4g}")
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


def monitoring_path(card_file: Path) -> Path:
    """Where the runs of the card ``card_file`` are recorded."""
    return card_file.parent / MONITORING_FILE


def data_label(card_file: Path, data: str | os.PathLike[str]) -> str:
    """``data`` relative to the card's folder when it is inside it, else as given.

    >>> data_label(Path("/d/datacard.yaml"), "/d/prod/day1"), data_label(Path("/d/x"), "../p")
    ('prod/day1', '../p')
    """
    from datacard.remote import is_url

    if is_url(os.fspath(data)):
        return os.fspath(data)
    folder = card_file.parent.absolute()
    path = Path(data).absolute()
    if path == folder or folder in path.parents:
        return path.relative_to(folder).as_posix()
    return os.fspath(data)


def run_of(result: WindowedDrift, data: str, recorded: dt.datetime | None = None) -> Run:
    """The record of a windowed drift result (``recorded``: now, in UTC, by default)."""
    when = (recorded or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    windows = [
        WindowRecord(
            index=w.index,
            start=w.start,
            end=w.end,
            rows=w.rows,
            verdict=w.verdict,
            effects={c: d.effect for c, d in w.report.columns.items()} if w.report else {},
            drifted=w.drifted,
        )
        for w in result.windows
    ]
    return Run(
        recorded=when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        data=data,
        window=result.spec.text,
        time_column=result.time_column,
        split=result.split,
        windows=windows,
        notes=list(result.notes),
    )


def record_run(card_file: Path, run: Run, *, lock_timeout: float = 10.0) -> Path:
    """Append ``run`` to the card's monitoring file (keeping the last :data:`MAX_RUNS`)."""
    path = monitoring_path(card_file)
    line = json.dumps(run.to_json(), ensure_ascii=False, allow_nan=False, sort_keys=True)
    with card_lock(card_file, lock_timeout):
        try:
            old = path.read_bytes().decode("utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            old = []
        lines = [*(x for x in old if x.strip()), line][-MAX_RUNS:]
        path.parent.mkdir(exist_ok=True)
        atomic_write(path, "\n".join(lines) + "\n")
    return path


def read_runs(card_file: Path, notes: list[str] | None = None) -> list[Run]:
    """The recorded runs of a card, oldest first; lines that cannot be read are skipped, with
    a note appended to ``notes``."""
    path = monitoring_path(card_file)
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return []
    except OSError as exc:
        if notes is not None:
            notes.append(f"{MONITORING_FILE} cannot be read ({exc.strerror or exc})")
        return []
    runs: list[Run] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            runs.append(Run.from_json(json.loads(line)))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            if notes is not None:
                reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
                notes.append(f"{MONITORING_FILE} line {number} skipped: {reason}")
    return runs
