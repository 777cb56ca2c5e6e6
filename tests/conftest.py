"""Shared test settings: no hypothesis deadlines (CI machines are noisy), bounded examples.

CI (``DATACARD_CI=1``, set by ``.ci/run``) draws the same examples every run, so a landing is
judged on known cases; a developer's run draws new ones (and keeps finding edge cases: add
each as an explicit test when it turns up).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "datacard",
    deadline=None,
    max_examples=50,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile("datacard-ci", parent=settings.get_profile("datacard"), derandomize=True)
settings.load_profile("datacard-ci" if os.environ.get("DATACARD_CI") else "datacard")
