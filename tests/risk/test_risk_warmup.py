"""A server process warms the risk map's division boundaries as it starts (risk/warmup.py); an app made for one
test or one command does not."""

from __future__ import annotations

import gc

import pytest
from fastapi.testclient import TestClient

from citysafe.core.context import AppContext
from citysafe.risk.service import boundaries


@pytest.mark.parametrize("server", [True, False])
def test_only_a_server_warms_the_boundaries(ctx: AppContext, server: bool) -> None:
    from citysafe.api import create_app

    ctx.settings = ctx.settings.model_copy(update={"settle_heap": server})
    threshold = gc.get_threshold()
    try:
        with TestClient(create_app(ctx=ctx)):
            cached = len(boundaries.CACHE.get(ctx).units)
    finally:  # a server also settles its heap (core/heap.py): the test process gets its own settings back
        gc.unfreeze()
        gc.set_threshold(*threshold)
    # Jiangsu's districts (the packaged divisions) are the root region's map units.
    assert (cached > 90) if server else (cached == 0)
