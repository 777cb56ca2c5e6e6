"""Shared test settings: no hypothesis deadlines (CI machines are noisy), bounded examples."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "datacard",
    deadline=None,
    max_examples=50,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile("datacard")
