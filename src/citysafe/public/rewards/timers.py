"""The reward timers, as a sweep (one transaction) and the background loop that runs it on the injected clock.

- 领奖通知: due within the rule's ``notice_days`` (20) of the report being found true. An approved case still
  without its notice when that time has passed is marked overdue once, with a step on its timeline, so the
  console can list it first; the notice can still be sent.
- 领取: within the rule's ``claim_days`` (60) of the notice, or the reporter is taken to have given the reward
  up (逾期未领取奖金者，视为放弃领奖权利): the case lapses. An extension granted before then moves the date.

Each case's step is written in the same transaction as its change; on PostgreSQL concurrent sweepers take
disjoint rows (``skip_locked``) and the unique step number makes a double announcement fail and roll back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.core.clock import format_local
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.public.rewards.models import RewardCase
from citysafe.public.rewards.service import record_step

log = logging.getLogger(__name__)
BATCH = 500
SWEEP_SECONDS = 300.0  # the loop's period; the timers count days, so five minutes late is on time


@dataclass(frozen=True)
class SweepResult:
    overdue_notices: list[int]
    lapsed: list[int]

    @property
    def examined(self) -> int:
        return len(self.overdue_notices) + len(self.lapsed)


def _due(session: Session, stmt: Any) -> list[RewardCase]:
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.scalars(stmt.order_by(RewardCase.id).limit(BATCH)))


def sweep(session: Session, *, now: datetime) -> SweepResult:
    """Mark the notices overdue and lapse the unclaimed rewards due at ``now`` (up to ``BATCH`` of each)."""
    overdue = _due(session, select(RewardCase).where(RewardCase.state == "approved",
                                                     RewardCase.notice_overdue.is_(False),
                                                     RewardCase.notice_due_at <= now))
    for case in overdue:
        case.notice_overdue = True
        record_step(session, case, action="notice_overdue", before=case.state, actor="system", actor_name="系统",
                    now=now,
                    note=f"领奖通知应于 {format_local(case.notice_due_at)[:16]} 前发出，已逾期，请尽快通知举报人")
    lapsing = _due(session, select(RewardCase).where(RewardCase.state == "notified", RewardCase.claim_due_at <= now))
    for case in lapsing:
        case.state, case.closed_at = "lapsed", now
        record_step(session, case, action="lapse", before="notified", actor="system", actor_name="系统", now=now,
                    note=f"举报人未在 {format_local(case.claim_due_at)[:16]} 前领取，视为放弃领奖权利")
    session.flush()
    return SweepResult([c.id for c in overdue], [c.id for c in lapsing])


def run_once(ctx: AppContext) -> int:
    """Sweep until nothing is due; one transaction per batch. Returns the number of cases changed."""
    total = 0
    while True:
        with unit_of_work(ctx.session_factory, actor="system:rewards") as session:
            result = sweep(session, now=ctx.clock.now())
        total += result.examined
        if len(result.overdue_notices) < BATCH and len(result.lapsed) < BATCH:
            return total


@asynccontextmanager
async def running(app: Any, ctx: AppContext) -> AsyncIterator[None]:
    """Sweep at start-up and then every ``SWEEP_SECONDS`` until the app stops."""
    del app
    stop = asyncio.Event()
    swept = asyncio.Event()  # set after each sweep: lets tests wait without sleeping

    async def loop() -> None:
        while not stop.is_set():
            try:
                await asyncio.to_thread(run_once, ctx)
            except Exception:
                log.exception("reward timers sweep failed; retrying next period")
            swept.set()
            try:
                await asyncio.wait_for(stop.wait(), timeout=SWEEP_SECONDS)
            except TimeoutError:
                continue

    task = asyncio.create_task(loop(), name="rewards-timers-sweep")
    ctx.extras["rewards.swept"] = swept
    try:
        yield
    finally:
        stop.set()
        await task
