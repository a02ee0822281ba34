"""The demo tests build parts of the demo city on the shared test databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.support.demo_parts import remove_grids


@pytest.fixture(autouse=True)
def _remove_grids(request: pytest.FixtureRequest) -> Iterator[None]:
    ctx = request.getfixturevalue("ctx") if "ctx" in request.fixturenames else None
    yield
    if ctx is not None:
        remove_grids(ctx)
