"""The periodic side of firewatch: reminders and escalation of unacknowledged alarms, overdue faults,
offline devices, settling of flapping alarms, retries of failed notices and 119 hand-overs, and retention
pruning.

``tick`` and ``retention.prune`` are plain functions of a session and a time (tests drive them with a
fixed clock); ``running`` is the app service that calls them on a timer, each run in its own unit of work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.core.context import AppContext
from citysafe.core.db import take_turn, unit_of_work
from citysafe.core.events import publish
from citysafe.firewatch.alarms import forwarding, notify, retention
from citysafe.firewatch.alarms.links import links
from citysafe.firewatch.alarms.models import Alarm, AlarmAction
from citysafe.firewatch.alarms.presence import mark_offline
from citysafe.firewatch.alarms.store import updated_event
from citysafe.firewatch.alarms.workflow import confirmed_notice
from citysafe.firewatch.config import CONFIG, FirewatchConfig
from citysafe.firewatch.enums import DECISION_KINDS, AlarmKind, AlarmState
from citysafe.firewatch.events import AlarmCleared, AlarmEscalated, AlarmReminded, FaultOverdue

log = logging.getLogger(__name__)
PRUNE_EVERY = timedelta(hours=1)
ACTOR = "system:timer"


def parent_region(code: str) -> str | None:
    """The division one level up: community → street → county → city → province; None above that."""
    if len(code) > 6:
        return code[:9] if len(code) > 9 else code[:6]
    if code[4:6] != "00":
        return code[:4] + "00"
    if code[2:4] != "00":
        return code[:2] + "0000"
    return None


@dataclass
class TickReport:
    reminded: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)
    overdue: list[int] = field(default_factory=list)
    offline: list[int] = field(default_factory=list)
    settled: list[int] = field(default_factory=list)
    renotified: list[int] = field(default_factory=list)  # one alarm id per failed notice tried again
    forwarded: int = 0


def _open(session: Session, *conditions: Any) -> list[Alarm]:
    stmt = select(Alarm).where(Alarm.is_open.is_(True), *conditions).execution_options(skip_scope=True)
    return list(session.execute(stmt).scalars())


def _action(session: Session, alarm: Alarm, action: str, now: datetime, **data: Any) -> None:
    session.add(AlarmAction(alarm_id=alarm.id, action=action, from_state=alarm.state, to_state=alarm.state,
                            actor=ACTOR, at=now, data=data))


def _remind_and_escalate(session: Session, now: datetime, config: FirewatchConfig, report: TickReport) -> None:
    unacknowledged = _open(session, Alarm.state == AlarmState.NEW.value, Alarm.maintenance.is_(False),
                           Alarm.first_received_at <= now - config.remind_after)
    for alarm in unacknowledged:
        if alarm.reminded_at is None:
            alarm.reminded_at = now
            _action(session, alarm, "remind", now)
            publish(session, updated_event(alarm, notify.REMINDED))  # for the board
            # handlers.py notifies the unit on this one (AlarmUpdated fires on every occurrence)
            publish(session, AlarmReminded(alarm_id=alarm.id, kind=alarm.kind, region_code=alarm.region_code))
            report.reminded.append(alarm.id)
        if alarm.kind not in DECISION_KINDS:
            continue
        due = alarm.first_received_at + config.escalate_after * (alarm.escalation_level + 1)
        target = parent_region(alarm.escalated_region_code or alarm.region_code)
        if now < due or target is None:
            continue
        alarm.escalation_level += 1
        alarm.escalated_region_code, alarm.escalated_at = target, now
        _action(session, alarm, "escalate", now, level=alarm.escalation_level, region=target)
        publish(session, AlarmEscalated(  # handlers.py notifies the division's duty officer
            alarm_id=alarm.id, kind=alarm.kind, region_code=alarm.region_code, escalated_region_code=target,
            level=alarm.escalation_level, unit_organization_id=alarm.organization_id,
            device_address=alarm.device_address, first_received_at=alarm.first_received_at.isoformat()))
        report.escalated.append(alarm.id)


def _overdue_faults(session: Session, now: datetime, config: FirewatchConfig, report: TickReport) -> None:
    for alarm in _open(session, Alarm.kind == AlarmKind.FAULT.value, Alarm.overdue_reported_at.is_(None),
                       Alarm.first_received_at <= now - config.fault_overdue_after):
        alarm.overdue_reported_at = now
        publish(session, FaultOverdue(
            alarm_id=alarm.id, unit_organization_id=alarm.organization_id, region_code=alarm.region_code,
            description=alarm.description, device_address=alarm.device_address, component=alarm.component,
            opened_at=alarm.first_received_at.isoformat()))
        report.overdue.append(alarm.id)


def _settle_flapping(session: Session, now: datetime, config: FirewatchConfig, report: TickReport) -> None:
    for alarm in _open(session, Alarm.flapping.is_(True), Alarm.cleared_at.is_not(None),
                       Alarm.cleared_at <= now - config.flap_window, Alarm.kind.not_in(sorted(DECISION_KINDS))):
        alarm.is_open, alarm.state, alarm.closed_at = False, AlarmState.RESTORED.value, now
        publish(session, AlarmCleared(
            alarm_id=alarm.id, kind=alarm.kind, state=alarm.state, region_code=alarm.region_code,
            unit_organization_id=alarm.organization_id, unit_id=alarm.unit_id, lon=alarm.lon, lat=alarm.lat,
            device_address=alarm.device_address, received_at=now.isoformat(), closed=True))
        report.settled.append(alarm.id)


def tick(session: Session, *, now: datetime, config: FirewatchConfig,
         forwarder: forwarding.Forwarder) -> TickReport:
    """One run of every periodic rule at ``now``; failed 119 hand-overs are tried again with ``forwarder``."""
    report = TickReport()
    _remind_and_escalate(session, now, config, report)
    _overdue_faults(session, now, config, report)
    report.offline = mark_offline(session, now=now, config=config)
    _settle_flapping(session, now, config, report)
    # Only published here; the attempts run after this commit, like the first ones (see alarms/notify.py).
    report.renotified = notify.retry_failed(session)
    report.forwarded = forwarding.retry_failed(session, notice_for=lambda a: confirmed_notice(session, a),
                                               forwarder=forwarder)
    session.flush()
    return report


async def _loop(ctx: AppContext, config: FirewatchConfig, period: float) -> None:
    last_prune: datetime | None = None
    while True:
        await asyncio.sleep(period)
        now = ctx.clock.now()
        try:
            await asyncio.to_thread(_run_tick, ctx, config, now)
            if last_prune is None or now - last_prune >= PRUNE_EVERY:
                await asyncio.to_thread(_run_prune, ctx, config, now)
                last_prune = now
        except Exception:
            log.exception("firewatch timer run failed; next run in %ss", period)


def _run_tick(ctx: AppContext, config: FirewatchConfig, now: datetime) -> None:
    with unit_of_work(ctx.session_factory, actor=ACTOR) as session:
        # Every web process runs this loop; two ticks at once would remind and escalate an alarm twice.
        if take_turn(session, "firewatch.timers"):
            tick(session, now=now, config=config, forwarder=links(ctx).forwarder)


def _run_prune(ctx: AppContext, config: FirewatchConfig, now: datetime) -> None:
    with unit_of_work(ctx.session_factory, actor=ACTOR) as session:
        counts = retention.prune(session, now=now, retention=config.retention)
    if any(counts.values()):
        log.info("firewatch retention pruned %s", counts)


@contextlib.asynccontextmanager
async def running(app: FastAPI, ctx: AppContext) -> AsyncIterator[None]:
    """Run the timers until the app stops; the 119 retries go through the context's forwarder
    (``alarms/links.py``, built before the app starts by ``citysafe.registry.check_startup``)."""
    config = CONFIG.get(ctx)
    task = asyncio.create_task(_loop(ctx, config, float(ctx.settings.firewatch_timer_seconds)))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
