"""The executor protocol: *where* partition work runs, never *what* it computes.

An executor maps a picklable function over picklable items (partitions, tasks) and yields
``(index, result)`` as results complete; :meth:`Executor.map_reduce` also folds the results with
an associative ``combine`` (``Profile.merge``), on the executor when it can (Dask: a tree of
merge tasks on the workers, so only partial profiles travel), here otherwise.

>>> from datacard.executors.local import LocalExecutor
>>> ex: Executor = LocalExecutor(workers=1)
>>> ex.map_reduce(abs, [-1, 2, -3], lambda a, b: a + b)
6
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")
Progress = Callable[[int, int], None]


class Executor(Protocol):
    """Runs partition work: locally (a process pool) or on a cluster (Dask)."""

    name: str
    workers: int

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[int, R]]:
        """``(index of the item, result)`` pairs as they complete (any order)."""
        ...

    def map_reduce(
        self,
        fn: Callable[[T], R],
        items: Sequence[T],
        combine: Callable[[R, R], R],
        progress: Progress | None = None,
    ) -> R:
        """``combine`` over ``[fn(item) for item in items]`` in item order (a fixed order, so
        the same data gives the same numbers); ``progress(done, total)`` after each item."""
        ...

    def close(self) -> None:
        """Release what the executor started (a cluster it created; not one it was given)."""
        ...


def fold_in_order(
    results: Iterator[tuple[int, R]],
    total: int,
    combine: Callable[[R, R], R],
    progress: Progress | None = None,
) -> R:
    """Combine results that arrive in any order, in index order, as soon as each is next.

    >>> fold_in_order(iter([(1, "b"), (0, "a"), (2, "c")]), 3, lambda a, b: a + b)
    'abc'
    """
    if total == 0:
        raise ValueError("nothing to combine")
    waiting: dict[int, R] = {}
    acc: R | None = None
    nxt = 0
    for done, (index, result) in enumerate(results, 1):
        waiting[index] = result
        while nxt in waiting:
            item = waiting.pop(nxt)
            acc = item if acc is None else combine(acc, item)
            nxt += 1
        if progress is not None:
            progress(done, total)
    assert acc is not None and nxt == total, "an item gave no result"
    return acc
