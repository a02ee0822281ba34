"""Periodic rules driven by a fixed clock: reminders, escalation, overdue faults, offline, flap settling,
and retention pruning."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from tests.firewatch.fw_support import FAULT, FIRE, NORMAL, T0, component_frame, ingest, make_unit, uitd_status_frame

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.events import OutboxEvent
from citysafe.firewatch.alarms.links import links
from citysafe.firewatch.alarms.models import Alarm, AlarmAction, AlarmOccurrence
from citysafe.firewatch.alarms.retention import first_reading_since, prune
from citysafe.firewatch.alarms.timers import TickReport, tick
from citysafe.firewatch.config import FirewatchConfig
from citysafe.firewatch.ingest.models import RawFrame, Reading

CONFIG = FirewatchConfig(remind_after=timedelta(minutes=3), escalate_after=timedelta(minutes=5),
                         fault_overdue_after=timedelta(hours=72), offline_after=timedelta(minutes=150))


def _tick(ctx: AppContext, at: Any, config: FirewatchConfig = CONFIG) -> TickReport:
    with unit_of_work(ctx.session_factory, actor="timer") as session:
        return tick(session, now=at, config=config, forwarder=links(ctx).forwarder)


def _events(ctx: AppContext, name: str) -> list[dict[str, Any]]:
    with ctx.session_factory() as session:
        return [r.payload for r in session.execute(select(OutboxEvent).where(OutboxEvent.name == name)
                                                   .order_by(OutboxEvent.id)).scalars()]


def _alarm(ctx: AppContext, alarm_id: int) -> Alarm:
    with ctx.session_factory() as session:
        alarm = session.get(Alarm, alarm_id)
        assert alarm is not None
        return alarm


def test_unacknowledged_fire_reminds_then_escalates_up_the_regions(ctx: AppContext) -> None:
    make_unit(ctx, address=100001, region="320102002")
    alarm_id = ingest(ctx, [component_frame(100001, FIRE)], FixedClock(T0))[0].alarms_raised[0]
    assert _tick(ctx, T0 + timedelta(minutes=2)).reminded == []
    report = _tick(ctx, T0 + timedelta(minutes=3))
    assert report.reminded == [alarm_id] and report.escalated == []
    assert _tick(ctx, T0 + timedelta(minutes=4)).reminded == []  # reminded once
    assert _tick(ctx, T0 + timedelta(minutes=5)).escalated == [alarm_id]
    assert _alarm(ctx, alarm_id).escalated_region_code == "320102"
    assert _tick(ctx, T0 + timedelta(minutes=9)).escalated == []
    assert _tick(ctx, T0 + timedelta(minutes=10)).escalated == [alarm_id]
    alarm = _alarm(ctx, alarm_id)
    assert alarm.escalation_level == 2 and alarm.escalated_region_code == "320100"
    escalations = _events(ctx, "AlarmEscalated")
    assert [e["escalated_region_code"] for e in escalations] == ["320102", "320100"]
    with ctx.session_factory() as session:
        # Without "notify": whether handlers.py notified depends on an earlier test of this process having
        # bound the event bus to this database (test_fw_notify.py covers notifications).
        actions = session.execute(select(AlarmAction.action).where(AlarmAction.alarm_id == alarm_id,
                                                                   AlarmAction.action != "notify")
                                  .order_by(AlarmAction.id)).scalars().all()
    assert actions == ["remind", "escalate", "escalate"]


def test_acknowledged_alarm_does_not_escalate(ctx: AppContext) -> None:
    from citysafe.firewatch.alarms.workflow import transition

    alarm_id = ingest(ctx, [component_frame(700, FIRE)], FixedClock(T0))[0].alarms_raised[0]
    with unit_of_work(ctx.session_factory) as session:
        transition(session, alarm_id=alarm_id, action="acknowledge", actor="op", at=T0 + timedelta(minutes=1))
    report = _tick(ctx, T0 + timedelta(minutes=30))
    assert report.reminded == [] and report.escalated == []


def test_maintenance_window_marks_alarms_and_mutes_the_timer(ctx: AppContext) -> None:
    from citysafe.firewatch.registry import service as rs
    from citysafe.firewatch.registry.schemas import MaintenanceCreate

    ids = make_unit(ctx, address=100003)
    with unit_of_work(ctx.session_factory) as session:
        rs.create_maintenance(session, window_in=MaintenanceCreate(
            unit_id=ids["unit_id"], starts_at=T0 - timedelta(hours=1), ends_at=T0 + timedelta(hours=1),
            reason="季度维保"), actor="tests")
    alarm_id = ingest(ctx, [component_frame(100003, FIRE)], FixedClock(T0))[0].alarms_raised[0]
    assert _alarm(ctx, alarm_id).maintenance
    assert _events(ctx, "AlarmRaised")[0]["maintenance"] is True
    assert _tick(ctx, T0 + timedelta(minutes=30)).escalated == []
    later = ingest(ctx, [component_frame(100003, FIRE, component_address=5)], FixedClock(T0 + timedelta(hours=2)))
    assert not _alarm(ctx, later[0].alarms_raised[0]).maintenance


def test_fault_overdue_is_published_once(ctx: AppContext) -> None:
    make_unit(ctx, address=100004)
    alarm_id = ingest(ctx, [component_frame(100004, FAULT, description="水流指示器故障")],
                      FixedClock(T0))[0].alarms_raised[0]
    assert _tick(ctx, T0 + timedelta(hours=71)).overdue == []
    assert _tick(ctx, T0 + timedelta(hours=72)).overdue == [alarm_id]
    assert _tick(ctx, T0 + timedelta(hours=80)).overdue == []
    [payload] = _events(ctx, "FaultOverdue")
    assert payload == {
        "alarm_id": alarm_id, "unit_organization_id": payload["unit_organization_id"], "region_code": "320102002",
        "description": "水流指示器故障", "device_address": "100004", "component": payload["component"],
        "opened_at": T0.isoformat(),
    }
    assert payload["unit_organization_id"] is not None


def test_silent_uitd_goes_offline_and_comes_back(ctx: AppContext) -> None:
    ids = make_unit(ctx, address=100005)
    ingest(ctx, [uitd_status_frame(100005)], FixedClock(T0))
    assert _tick(ctx, T0 + timedelta(minutes=150)).offline == []
    [alarm_id] = _tick(ctx, T0 + timedelta(minutes=151)).offline
    assert _tick(ctx, T0 + timedelta(minutes=200)).offline == []  # raised once
    [offline] = _events(ctx, "UnitOffline")
    assert offline["alarm_id"] == alarm_id and offline["unit_id"] == ids["unit_id"]
    assert offline["last_seen_at"] == T0.isoformat()
    assert _alarm(ctx, alarm_id).kind == "offline"
    [back] = ingest(ctx, [uitd_status_frame(100005)], FixedClock(T0 + timedelta(minutes=210)))
    alarm = _alarm(ctx, alarm_id)
    assert not alarm.is_open and alarm.state == "restored"
    assert [e["alarm_id"] for e in _events(ctx, "AlarmCleared")] == [alarm_id]
    assert back.alarms_raised == []


def test_unit_offline_limit_overrides_default(ctx: AppContext) -> None:
    from citysafe.firewatch.registry.models import FireUnit

    ids = make_unit(ctx, address=100006)
    with unit_of_work(ctx.session_factory) as session:
        unit = session.get(FireUnit, ids["unit_id"])
        assert unit is not None
        unit.offline_minutes = 20
    ingest(ctx, [uitd_status_frame(100006)], FixedClock(T0))
    assert len(_tick(ctx, T0 + timedelta(minutes=21)).offline) == 1


def test_flapping_fault_settles_after_a_calm_window(ctx: AppContext) -> None:
    config = FirewatchConfig(flap_changes=3, flap_window=timedelta(minutes=10))
    clock = FixedClock(T0)
    for status in (FAULT, NORMAL, FAULT, NORMAL):
        ingest(ctx, [component_frame(701, status)], clock, config=config)
        clock.advance(seconds=30)
    with ctx.session_factory() as session:
        [flapping] = session.execute(select(Alarm).where(Alarm.is_open.is_(True))).scalars().all()
    assert flapping.flapping and flapping.cleared_at is not None
    assert _tick(ctx, clock.now() + timedelta(minutes=5), config).settled == []
    assert _tick(ctx, clock.now() + timedelta(minutes=11), config).settled == [flapping.id]
    assert not _alarm(ctx, flapping.id).is_open


def test_prune_keeps_a_year_and_open_alarms(ctx: AppContext) -> None:
    old = FixedClock(T0 - timedelta(days=400))
    closed = ingest(ctx, [component_frame(702, FAULT)], old)[0].alarms_raised[0]
    ingest(ctx, [component_frame(702, NORMAL)], old)
    still_open = ingest(ctx, [component_frame(703, FIRE)], old)[0].alarms_raised[0]
    ingest(ctx, [uitd_status_frame(704)], old)
    recent = ingest(ctx, [uitd_status_frame(704)], FixedClock(T0))[0].raw_frame_id
    with unit_of_work(ctx.session_factory) as session:
        counts = prune(session, now=T0, retention=timedelta(days=366))
    assert counts["alarms"] == 1 and counts["raw_frames"] == 3 and counts["alarm_occurrences"] == 2
    with ctx.session_factory() as session:
        assert session.get(Alarm, closed) is None and session.get(Alarm, still_open) is not None
        frames = set(session.execute(select(RawFrame.id)).scalars())
        open_alarm = session.get(Alarm, still_open)
        assert open_alarm is not None and frames == {open_alarm.raw_frame_id, recent}
        assert session.execute(select(func.count(AlarmOccurrence.id))).scalar() == 1


def test_readings_are_pruned_by_their_ids_boundary(ctx: AppContext) -> None:
    """Readings have no index by time: the prune bisects their ids for the first one received since the
    cutoff. Ids rise with receive times only roughly (writers' batches interleave): a reading received
    before the cutoff beyond the boundary waits for a later prune, one received after it below the
    boundary is kept."""
    year_ago = T0 - timedelta(days=366)
    times = [year_ago - timedelta(days=30 - n) for n in range(20)] + [year_ago + timedelta(hours=n) for n in range(10)]
    times[25] = year_ago - timedelta(days=1)   # late: before the cutoff, among the kept
    times[5] = year_ago + timedelta(minutes=1)  # early: after the cutoff, among the old ones
    with unit_of_work(ctx.session_factory) as session:
        session.add_all(Reading(received_at=t, device_id="HYD-1", quantity="pressure", value=0.3, unit="MPa")
                        for t in times)
    with ctx.session_factory() as session:
        ids = list(session.execute(select(Reading.id).order_by(Reading.id)).scalars())
        assert first_reading_since(session, year_ago) == ids[20]
    with unit_of_work(ctx.session_factory) as session:
        assert prune(session, now=T0, retention=timedelta(days=366))["readings"] == 19
    with ctx.session_factory() as session:
        kept = set(session.execute(select(Reading.id)).scalars())
    assert kept == {ids[5], *ids[20:]}
    with unit_of_work(ctx.session_factory) as session:
        empty = first_reading_since(session, T0 + timedelta(days=1))
        assert empty == ids[-1] + 1
