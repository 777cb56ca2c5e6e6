"""Shared test settings: no hypothesis deadlines (CI machines are noisy), bounded examples.

CI (``DATACARD_CI=1``, set by ``.ci/run``) draws the same examples every run, so a landing is
judged on known cases; a developer's run draws new ones (and keeps finding edge cases: add
each as an explicit test when it turns up).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, settings

if TYPE_CHECKING:
    from datacard.executors.dask import DaskExecutor

settings.register_profile(
    "datacard",
    deadline=None,
    max_examples=50,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile("datacard-ci", parent=settings.get_profile("datacard"), derandomize=True)
settings.load_profile("datacard-ci" if os.environ.get("DATACARD_CI") else "datacard")


@pytest.fixture(scope="module")
def cluster() -> Iterator[DaskExecutor]:
    """A real Dask LocalCluster of 2 worker processes, one per test module that asks for it."""
    from datacard.executors.dask import DaskExecutor

    executor = DaskExecutor.connect(None, workers=2)
    try:
        yield executor
    finally:
        executor.close()


@pytest.fixture
def dask_connects(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str | None, int | None]]:
    """Every ``DaskExecutor.connect(scheduler, workers=...)`` of the test, recorded (each one
    still connects): the proof that ``--engine dask`` reached the executor."""
    from datacard.executors.dask import DaskExecutor

    calls: list[tuple[str | None, int | None]] = []
    real = DaskExecutor.connect

    def connect(cls: type[DaskExecutor], scheduler: str | None, **options: Any) -> DaskExecutor:
        calls.append((scheduler, options.get("workers")))
        return real(scheduler, **options)

    monkeypatch.setattr(DaskExecutor, "connect", classmethod(connect))
    return calls
