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
import operator
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from distributed import Client, Future, LocalCluster, as_completed

import dask
from datacard.errors import UsageError
from datacard.executors.base import Progress

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S")
P = TypeVar("P")
J = TypeVar("J")


@dataclass(frozen=True)
class Shuffle(Generic[S, P, J]):
    """How :meth:`DaskExecutor.map_reduce_shuffle` moves the side parts: ``groups[i]`` is item
    i's group; ``cut(side parts of a group, buckets)`` gives one piece per bucket;
    ``join(one bucket's pieces)`` gives that bucket's result."""

    groups: Sequence[int]
    buckets: int
    cut: Callable[[list[S], int], list[P]]
    join: Callable[[list[P]], J]


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
        root = self._tree(leaves, combine)
        self._follow(leaves, progress)
        del leaves
        result: R = root.result()
        return result

    def map_reduce_shuffle(
        self,
        fn: Callable[[T], tuple[R, S]],
        items: Sequence[T],
        combine: Callable[[R, R], R],
        progress: Progress | None,
        shuffle: Shuffle[S, P, J],
    ) -> tuple[R, list[J]]:
        """``fn`` gives each item a result to fold (as :meth:`map_reduce`) and a side part that
        is shuffled instead of travelling up the tree: the side parts of each group of items
        (``shuffle.groups[i]``: item i's group) are cut by one task into ``shuffle.buckets``
        pieces, and one task per bucket joins that bucket's pieces of every group. Returns the
        folded result and the joins, in bucket order. Tasks: items + groups x buckets pieces +
        buckets joins; no process holds more than a group's or a bucket's share of the side
        parts."""
        if not items:
            raise ValueError("nothing to combine")
        submit = self.client.submit
        leaves = self.client.map(fn, list(items), pure=False)
        firsts: list[Future[R]] = [submit(_first, f, pure=False) for f in leaves]
        root = self._tree(firsts, combine)
        sides: list[Future[S]] = [submit(_second, f, pure=False) for f in leaves]
        members: dict[int, list[Future[S]]] = {}
        for i, side in enumerate(sides):
            members.setdefault(shuffle.groups[i], []).append(side)
        cuts = [
            submit(shuffle.cut, group, shuffle.buckets, pure=False) for group in members.values()
        ]
        joins = [
            submit(
                shuffle.join,
                [submit(operator.getitem, c, k, pure=False) for c in cuts],
                pure=False,
            )
            for k in range(shuffle.buckets)
        ]
        self._follow(leaves, progress)
        del leaves, sides, members, cuts
        result: R = root.result()
        joined: list[J] = self.client.gather(joins)
        return result, joined

    def _tree(self, leaves: list[Future[R]], combine: Callable[[R, R], R]) -> Future[R]:
        """Neighbours merged pairwise, level by level, in item order: the root's future."""
        level = leaves
        while len(level) > 1:
            merged = [
                self.client.submit(combine, level[i], level[i + 1], pure=False)
                for i in range(0, len(level) - 1, 2)
            ]
            level = merged + level[len(level) - len(level) % 2 :]
        return level[0]

    def _follow(self, leaves: Sequence[Future[Any]], progress: Progress | None) -> None:
        """Wait for the leaves, reporting completed partitions."""
        total = len(leaves)
        completed = as_completed(leaves, loop=self.client.loop)
        for done, _ in enumerate(completed, 1):
            if progress is not None:  # (a partition lost with its worker may finish twice)
                progress(min(done, total), total)

    def close(self) -> None:
        """Close the client, and the LocalCluster if this executor started it."""
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def _first(pair: tuple[R, S]) -> R:
    return pair[0]


def _second(pair: tuple[R, S]) -> S:
    return pair[1]


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def is_client(obj: Any) -> bool:
    """Whether ``obj`` is a ``distributed.Client``."""
    return isinstance(obj, Client)
