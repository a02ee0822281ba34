"""Background jobs of the reward tests (reports made through the API) wait for the test to run them
(``reports_support.run_jobs``)."""

from __future__ import annotations

import pytest
from tests.public.reports_support import hold_jobs


@pytest.fixture(autouse=True)
def _held_jobs(request: pytest.FixtureRequest) -> None:
    if "ctx" in request.fixturenames:
        hold_jobs(request.getfixturevalue("ctx"))
