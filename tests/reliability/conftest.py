"""Fixtures of the reliability tests: dummy credentials, hypothesis profiles.

The main suite runs a few examples of each property (`HYPOTHESIS_PROFILE` unset or
`ci`); `make soak` runs them with `HYPOTHESIS_PROFILE=soak` (at least 1,000 examples).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

from tests.integration.conftest import aws_environment

__all__ = ["aws_environment"]

_COMMON = {
    "deadline": None,  # a whole pipeline run per example: seconds, not milliseconds
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,  # the environment is the same for every input
    ],
    "derandomize": False,
}
# Each example runs two stacks for seconds: the main suite reports a failing example as
# found (shrinking it would take minutes); the soak run shrinks what it finds.
settings.register_profile(
    "ci",
    max_examples=5,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    **_COMMON,  # type: ignore[arg-type]
)
settings.register_profile(
    "soak",
    max_examples=int(os.environ.get("ROTATIVA_SOAK_EXAMPLES", "1000")),
    **_COMMON,  # type: ignore[arg-type]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
