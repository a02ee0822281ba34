"""The periodic side of risk: a temporary raise (an unverified fire alarm's one level up) lapses on time.

A source's current level is stored, so it cannot fall back by itself when a held raise runs out; this
service re-evaluates the sources whose raise has lapsed, once a minute, each run in its own unit of work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.risk.service import config, dynamic

log = logging.getLogger(__name__)
ACTOR = "system:risk-timer"
PERIOD_SECONDS = 60.0  # a raise is stated to the minute (临时上调一级至 HH:MM)


def run_once(ctx: AppContext, now: datetime) -> int:
    with unit_of_work(ctx.session_factory, actor=ACTOR) as session:
        return dynamic.lapse_held_raises(session, now=now, rules=config.from_settings(ctx.settings).rules)


async def _loop(ctx: AppContext) -> None:
    while True:
        await asyncio.sleep(PERIOD_SECONDS)
        try:
            changed = await asyncio.to_thread(run_once, ctx, ctx.clock.now())
            if changed:
                log.info("risk: %d sources back to their level after a temporary raise lapsed", changed)
        except Exception:
            log.exception("risk timer run failed; next run in %ss", PERIOD_SECONDS)


@contextlib.asynccontextmanager
async def running(app: Any, ctx: AppContext) -> AsyncIterator[None]:
    task = asyncio.create_task(_loop(ctx))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
