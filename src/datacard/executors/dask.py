"""Run partition work on a Dask cluster (``pip install 'datacard[dask]'``).

Partitions are planned on the client and sent to the workers, which read the files themselves
(local paths for a :class:`distributed.LocalCluster`, paths every worker can see for a remote
one); :meth:`DaskExecutor.map_reduce` merges the partial results in a binary tree of tasks *on
the workers*, in item order, so only partial profiles (sketches) travel, never rows. A worker
that dies mid-run loses its tasks, and the scheduler runs them again elsewhere.

This module imports ``distributed``; :func:`datacard.executors.open_engine` loads it only when
``engine="dask"`` is asked for.

>>> ex = DaskExecutor.connect(None, workers=1)  # doctest: +SKIP
>>> ex.map_reduce(abs, [-1, 2, -3], lambda a, b: a + b)  # doctest: +SKIP
6
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from distributed import Client, Future, LocalCluster, as_completed

import dask
from datacard.errors import UsageError
from datacard.executors.base import Progress

T = TypeVar("T")
R = TypeVar("R")

#: Seconds to wait for a scheduler before saying it cannot be reached
#: (``DATACARD_DASK_CONNECT_TIMEOUT`` overrides it).
CONNECT_TIMEOUT = 10.0


class DaskExecutor:
    """Map and tree-reduce on the workers of a ``distributed.Client``."""

    name = "dask"

    def __init__(self, client: Client, *, cluster: LocalCluster | None = None) -> None:
        self.client = client
        self._cluster = cluster  # created here: closed by close()
        self.workers = max(1, len(client.scheduler_info().get("workers", {})))

    @classmethod
    def connect(
        cls, scheduler: str | None, *, workers: int | None = None, timeout: float | None = None
    ) -> DaskExecutor:
        """A client of the scheduler at ``scheduler`` (``tcp://host:8786``), or of a new
        LocalCluster with ``workers`` single-threaded worker processes (default: one per core)."""
        if timeout is None:
            timeout = float(os.environ.get("DATACARD_DASK_CONNECT_TIMEOUT", CONNECT_TIMEOUT))
        if scheduler:
            try:
                client = Client(scheduler, timeout=timeout, set_as_default=False)
            except (OSError, TimeoutError, ValueError) as exc:
                raise UsageError(
                    f"cannot reach the Dask scheduler at {scheduler} ({_reason(exc)})",
                    hint="start one with `dask scheduler` (and `dask worker ADDRESS`), or check "
                    "the address: tcp://HOST:8786",
                ) from exc
            return cls(client)
        # distributed puts MALLOC_TRIM_THRESHOLD_=65536 into every worker's environment, which
        # makes each partition 1.6-2x slower here (every large buffer a fresh mmap; measured in
        # bench/dask): our workers start without it.
        environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
        environ.pop("MALLOC_TRIM_THRESHOLD_", None)
        with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
            cluster = LocalCluster(
                n_workers=workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",  # no fixed port: clusters side by side
                silence_logs=logging.ERROR,
            )
        return cls(Client(cluster, set_as_default=False), cluster=cluster)

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[int, R]]:
        """``(index, result)`` as tasks complete on the workers."""
        futures = self.client.map(fn, list(items), pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        for future in as_completed(futures, loop=self.client.loop):
            yield index[future.key], future.result()
            future.release()

    def map_reduce(
        self,
        fn: Callable[[T], R],
        items: Sequence[T],
        combine: Callable[[R, R], R],
        progress: Progress | None = None,
    ) -> R:
        """Leaves on the workers, then neighbours merged pairwise (in item order) until one
        result is left; only that one comes back to the client."""
        if not items:
            raise ValueError("nothing to combine")
        leaves: list[Future[R]] = self.client.map(fn, list(items), pure=False)
        level = leaves
        while len(level) > 1:
            merged = [
                self.client.submit(combine, level[i], level[i + 1], pure=False)
                for i in range(0, len(level) - 1, 2)
            ]
            level = merged + level[len(level) - len(level) % 2 :]
        root = level[0]
        total = len(leaves)
        completed = as_completed(leaves, loop=self.client.loop)
        for done, _ in enumerate(completed, 1):  # progress: completed partitions
            if progress is not None:  # (a partition lost with its worker may finish twice)
                progress(min(done, total), total)
        del leaves, level
        result: R = root.result()
        return result

    def close(self) -> None:
        """Close the client, and the LocalCluster if this executor started it."""
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def is_client(obj: Any) -> bool:
    """Whether ``obj`` is a ``distributed.Client``."""
    return isinstance(obj, Client)
