"""Executors: where partition work runs (this machine, or a Dask cluster).

:func:`open_engine` turns what a user gives (``None``/``"local"``, ``"dask"``, a
``distributed.Client``, or an :class:`Executor`) into an executor, and closes what it started.

>>> with open_engine("local", workers=1) as ex:
...     ex.name, ex.workers
('local', 1)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from datacard.errors import UsageError
from datacard.executors.base import Executor
from datacard.executors.local import LocalExecutor

#: What ``engine=`` accepts: a name, a ``distributed.Client``, or an executor.
Engine = str | Executor | Any | None

__all__ = ["Engine", "Executor", "LocalExecutor", "engine_scope", "open_engine"]


@contextmanager
def engine_scope(
    engine: Engine = None, *, workers: int | None = None, scheduler: str | None = None
) -> Iterator[Executor | None]:
    """``None`` for the local engine (each step then sizes its own pool), else one open
    executor for every step inside (a Dask cluster is started or reached once).

    >>> with engine_scope("local") as engine:
    ...     engine is None
    True
    """
    if (engine is None or engine == "local") and not scheduler:
        yield None
        return
    with open_engine(engine, workers=workers, scheduler=scheduler) as executor:
        yield executor


@contextmanager
def open_engine(
    engine: Engine = None, *, workers: int | None = None, scheduler: str | None = None
) -> Iterator[Executor]:
    """An executor for ``engine``, closed on exit when it was started here.

    ``workers`` caps local processes (or sizes a new Dask LocalCluster); ``scheduler`` is a Dask
    scheduler address (``tcp://host:8786``), only with ``engine="dask"``.
    """
    if engine is None or engine == "local":
        if scheduler:
            raise UsageError(
                "--scheduler is an address of a Dask scheduler", hint="add --engine dask"
            )
        yield LocalExecutor(workers)
        return
    if isinstance(engine, str):  # a registered executor, opened with connect()
        from datacard.registry import lookup

        executor: Executor = lookup("executors", engine).connect(scheduler, workers=workers)
        try:
            yield executor
        finally:
            executor.close()
        return
    if hasattr(engine, "map_reduce") and hasattr(engine, "map"):
        yield engine  # an executor: the caller owns it
        return
    if type(engine).__module__.startswith("distributed"):
        from datacard.registry import lookup

        yield lookup("executors", "dask")(engine)  # the caller's client: not closed here
        return
    raise UsageError(
        f"engine must be 'local', 'dask', a distributed.Client or an executor, "
        f"not {type(engine).__name__}"
    )
