"""Test settings: every NumPy floating-point warning is an error, hypothesis is derandomized."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "nnfunc",
    deadline=None,
    derandomize=True,
    database=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("ci", parent=settings.get_profile("nnfunc"), print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "nnfunc")
