"""Overdue reminders and escalation: a sweep (one transaction) and the background loop that runs it.

Each ticket carries ``next_escalation_at``, so the sweep reads only the tickets due now through an index
however many tickets exist. Every announced step is a ``hazard_escalation`` row, unique per ticket and
step, written in the same transaction as the ``HazardOverdue`` event: if two processes sweep at once, one
of them fails on the unique key and rolls back with its events, so each step is announced exactly once.
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

from citysafe.core.config import Settings
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.events import publish
from citysafe.hazards import rules
from citysafe.hazards.calc.escalation import DueTicket, Escalation, next_escalation_at, plan_escalations
from citysafe.hazards.calc.lifecycle import DEADLINE_STATES
from citysafe.hazards.events import HazardOverdue
from citysafe.hazards.tickets import cache
from citysafe.hazards.tickets.models import HazardEscalation, HazardTicket
from citysafe.hazards.tickets.service import event_fields

log = logging.getLogger(__name__)
BATCH = 500


@dataclass(frozen=True)
class SweepResult:
    announced: list[Escalation]
    examined: int


def sweep(session: Session, *, now: datetime, settings: Settings, limit: int = BATCH) -> SweepResult:
    """Announce every escalation step due at ``now`` for up to ``limit`` tickets."""
    policy = rules.escalation_policy(settings)
    stmt = (select(HazardTicket)
            .where(HazardTicket.next_escalation_at <= now, HazardTicket.state.in_([s.value for s in DEADLINE_STATES]))
            .order_by(HazardTicket.next_escalation_at, HazardTicket.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)  # concurrent sweepers take disjoint tickets
    tickets = {t.id: t for t in session.scalars(stmt)}
    due = [DueTicket(t.id, t.region_code, t.deadline, t.escalation_step) for t in tickets.values()]
    announced = plan_escalations(due, now, policy)
    for escalation in announced:
        ticket = tickets[escalation.ticket_id]
        hours = round(escalation.overdue_by.total_seconds() / 3600, 1)
        session.add(HazardEscalation(ticket_id=ticket.id, step=escalation.step, region_code=ticket.region_code,
                                     target_region_code=escalation.region_code, overdue_hours=hours, at=now))
        ticket.escalation_step = escalation.step
        ticket.escalation_region_code = escalation.region_code
        publish(session, HazardOverdue(**event_fields(ticket), step=escalation.step,
                                       escalation_region_code=escalation.region_code,
                                       deadline=ticket.deadline.isoformat(), overdue_hours=hours))
    for ticket in tickets.values():
        ticket.next_escalation_at = next_escalation_at(ticket.region_code, ticket.deadline, ticket.escalation_step,
                                                       policy)
    session.flush()
    return SweepResult(announced, len(tickets))


def run_once(ctx: AppContext) -> int:
    """Sweep until nothing is due; one transaction per batch. Returns the number of steps announced."""
    total = 0
    while True:
        with unit_of_work(ctx.session_factory, actor="system:hazards") as session:
            result = sweep(session, now=ctx.clock.now(), settings=ctx.settings)
        total += len(result.announced)
        if result.examined < BATCH:  # a short batch: nothing else is due (or the rest is another sweeper's)
            return total


@asynccontextmanager
async def running(app: Any, ctx: AppContext) -> AsyncIterator[None]:
    """Sweep at start-up and then every ``hazard_sweep_seconds`` until the app stops."""
    cache.CACHE.get(ctx).clear()  # an app starting trusts nothing cached before it
    stop = asyncio.Event()
    swept = asyncio.Event()  # set after each sweep: lets tests and health checks wait without sleeping

    async def loop() -> None:
        while not stop.is_set():
            try:
                await asyncio.to_thread(run_once, ctx)
            except Exception:
                log.exception("hazard overdue sweep failed; retrying next period")
            swept.set()
            try:
                await asyncio.wait_for(stop.wait(), timeout=ctx.settings.hazard_sweep_seconds)
            except TimeoutError:
                continue

    task = asyncio.create_task(loop(), name="hazards-overdue-sweep")
    ctx.extras["hazards.swept"] = swept
    try:
        yield
    finally:
        stop.set()
        await task
