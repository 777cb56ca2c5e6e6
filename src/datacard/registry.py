"""Lazy lookup of readers, checks, renderers and executors through entry points.

Built-ins register exactly like a third-party plugin would, under ``datacard.<kind>``; nothing is
imported until it is asked for by name.

>>> lookup("checks", "conformance").__name__
'ConformanceCheck'
"""

from __future__ import annotations

import difflib
import functools
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from datacard.errors import MissingDependency, UsageError

#: A missing module -> (package, extra) for the install hint.
EXTRAS: dict[str, tuple[str, str]] = {
    "dask": ("dask", "dask"),
    "distributed": ("distributed", "dask"),
    "pandas": ("pandas", "pandas"),
    "polars": ("polars", "polars"),
    "datasets": ("datasets", "hf"),
}


@functools.cache
def _entry_points(kind: str) -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=f"datacard.{kind}")}


def names(kind: str) -> list[str]:
    """Registered names of one kind, sorted."""
    return sorted(_entry_points(kind))


def lookup(kind: str, name: str) -> Any:
    """The object registered as ``name`` under ``datacard.<kind>``.

    Unknown names get a "did you mean" hint; a missing optional dependency gets an install hint.
    """
    eps = _entry_points(kind)
    if name not in eps:
        close = difflib.get_close_matches(name, eps, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(sorted(eps))}"
        raise UsageError(f"unknown {kind[:-1]} '{name}'", hint=hint)
    try:
        return eps[name].load()
    except ModuleNotFoundError as exc:
        root = (exc.name or "").split(".")[0]
        if root in EXTRAS:
            package, extra = EXTRAS[root]
            raise MissingDependency(package, extra, f"{kind[:-1]} '{name}'") from exc
        raise
