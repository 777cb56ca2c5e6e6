"""Run partition work here: in this process, or in a pool of worker processes.

Executors decide only *where* :func:`datacard.profiling.profile_partition` runs; they contain no
statistics.

>>> list(LocalExecutor(workers=1).map(abs, [-1, 2]))
[(0, 1), (1, 2)]
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import TypeVar

from datacard.executors.base import Progress, fold_in_order

T = TypeVar("T")
R = TypeVar("R")


class LocalExecutor:
    """Map a function over items with up to ``workers`` processes (1: in this process)."""

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers if workers is not None else (os.cpu_count() or 1))

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[int, R]]:
        """``(index of the item, result)`` pairs as they complete (any order)."""
        if self.workers == 1 or len(items) <= 1:
            yield from ((i, fn(item)) for i, item in enumerate(items))
            return
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        workers = min(self.workers, len(items))
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            futures = {pool.submit(fn, item): i for i, item in enumerate(items)}
            for future in as_completed(futures):
                yield futures[future], future.result()

    def map_reduce(
        self,
        fn: Callable[[T], R],
        items: Sequence[T],
        combine: Callable[[R, R], R],
        progress: Progress | None = None,
    ) -> R:
        """Results combined here, in item order, while later items still run."""
        return fold_in_order(self.map(fn, items), len(items), combine, progress)

    def close(self) -> None:
        """Nothing to release: each :meth:`map` owns its pool."""
