"""The end of retention (个人信息保护法 第十九条, 第四十七条): reporters' personal information whose period
(``identity_retention_days``, set when it was stored) has run out is erased at start-up and every hour after, by
this application's clock. Spent SMS codes older than a day go too (only digests, but nothing to keep them for).
At start-up, report photos a stopped process left undecoded are given their job again (``photo_jobs``)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import delete

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.public.reports import photo_jobs, vault
from citysafe.public.reports.models import SmsCode

log = logging.getLogger(__name__)
PERIOD_SECONDS = 3600


def run_once(ctx: AppContext) -> int:
    """One sweep: how many reporters' information was erased."""
    now = ctx.clock.now()
    with unit_of_work(ctx.session_factory, actor="system:retention") as session:
        erased = vault.erase_expired(session, now=now)
        session.execute(delete(SmsCode).where(SmsCode.expires_at < now - timedelta(days=1)))
    if erased:
        log.info("erased the personal information of %d reporters at the end of retention", erased)
    return erased


@asynccontextmanager
async def running(app: Any, ctx: AppContext) -> AsyncIterator[None]:
    stop = asyncio.Event()

    async def loop() -> None:
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=PERIOD_SECONDS)
            except TimeoutError:
                try:
                    await asyncio.to_thread(run_once, ctx)
                except Exception:
                    log.exception("reporter retention sweep failed; retrying next period")

    try:
        await asyncio.to_thread(run_once, ctx)  # at start-up, before requests are served
    except Exception:
        log.exception("reporter retention sweep failed at start-up")
    try:  # photos a stopped process left undecoded get their job again (core/jobs.py does not resume jobs)
        await asyncio.to_thread(photo_jobs.resume_unfinished, ctx)
    except Exception:
        log.exception("report photos: resuming the unfinished failed at start-up")
    task = asyncio.create_task(loop(), name="public-reports-retention")
    try:
        yield
    finally:
        stop.set()
        await task
