"""Start-up of the risk map in a serving process: warm the boundary cache, then freeze the heap.

Two things made the first and the slowest map requests slow. Parsing and simplifying division boundaries
happens once per process; doing it at start-up rather than in the first user's request keeps that request
fast. And a map built from the database allocates tens of thousands of short-lived objects, so Python's
oldest-generation collections run every request or two and each walks every object of the process (a
six-figure count in this app: routes, models, templates) — the pauses that made the p95 several times
the median. ``gc.freeze()`` after start-up moves the long-lived objects out of those walks.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.regions import service as regions_service
from citysafe.risk.service import boundaries

log = logging.getLogger(__name__)


def warm(ctx: AppContext) -> int:
    """Load the boundaries of the root region's districts and streets into the cache; returns how many."""
    loaded = 0
    with unit_of_work(ctx.session_factory, actor="system:risk-warmup") as session:
        root = regions_service.get(session, code=ctx.settings.root_region)
        for level in ("district", "street"):
            loaded += len(boundaries.units_at_level(session, region=root, level=level))
    return loaded


@asynccontextmanager
async def running(app: Any, ctx: AppContext) -> AsyncIterator[None]:
    # Only a server process (serve, demo: ``settle_heap``) lives long enough for either to pay: an app made for
    # one test or one command would warm boundaries nobody asks for (0.15-0.3 s per test in the suite).
    if ctx.settings.settle_heap:
        try:
            count = await asyncio.to_thread(warm, ctx)
            log.info("risk map: %d division boundaries cached", count)
        except Exception:  # a database without divisions yet must not stop the app from serving
            log.warning("risk map: boundary cache not warmed", exc_info=True)
        gc.freeze()
    yield
