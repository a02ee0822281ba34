"""ingest_frames: storage, de-duplication, unregistered devices, alarms raised, re-occurring, cleared."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from tests.firewatch.fw_support import (
    FAULT,
    FIRE,
    NORMAL,
    T0,
    component_frame,
    ingest,
    make_unit,
    received,
    uitd_operation_frame,
    uitd_status_frame,
)

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.events import OutboxEvent
from citysafe.firewatch.alarms.models import Alarm, AlarmOccurrence, DutyCheck, PointState
from citysafe.firewatch.alarms.presence import record_duty_check_sent
from citysafe.firewatch.config import FirewatchConfig
from citysafe.firewatch.ingest.models import RawFrame
from citysafe.firewatch.ingest.service import ingest_frames
from citysafe.firewatch.registry.models import Uitd

FM12 = bytes.fromhex(
    "404001000101203A091A090C790300000000385B0100000030000202010101280A000200020020202020202020202020202020"
    "202020202020202020202020202020202000023A091A090C462323")


def _all(ctx: AppContext, stmt: Any) -> list[Any]:
    with ctx.session_factory() as session:
        return list(session.execute(stmt).scalars())


def _events(ctx: AppContext) -> list[tuple[str, dict[str, Any]]]:
    with ctx.session_factory() as session:
        return [(r.name, r.payload) for r in session.execute(select(OutboxEvent).order_by(OutboxEvent.id)).scalars()]


def test_unregistered_fire_is_stored_acked_and_raised(ctx: AppContext) -> None:
    clock = FixedClock(T0)
    [outcome] = ingest(ctx, [FM12], clock)
    assert not outcome.duplicate and outcome.raw_frame_id is not None and len(outcome.alarms_raised) == 1
    [alarm] = _all(ctx, select(Alarm))
    assert alarm.kind == "fire" and alarm.state == "new" and alarm.unregistered and alarm.device_address == "889"
    assert alarm.region_code == FirewatchConfig().unregistered_region
    # the device clock said 2012-09-26 09:58:02 China time; the receive time is the platform's
    assert alarm.device_time is not None and alarm.device_time.year == 2012 and alarm.first_received_at == T0
    [uitd] = _all(ctx, select(Uitd))
    assert uitd.address == 889 and not uitd.registered and uitd.last_seen_at == T0
    [frame] = _all(ctx, select(RawFrame))
    assert frame.raw == FM12 and frame.source_address == 889 and frame.peer == "127.0.0.1:40000"
    name, payload = _events(ctx)[0]
    assert name == "AlarmRaised"
    assert {"alarm_id", "kind", "region_code", "unit_organization_id", "lon", "lat", "unit_id", "device_address",
            "received_at"} <= payload.keys()
    assert payload["alarm_id"] == alarm.id and payload["kind"] == "fire" and payload["unit_organization_id"] is None


def test_retransmission_is_a_duplicate_in_the_batch_and_across_batches(ctx: AppContext) -> None:
    clock = FixedClock(T0)
    first, again = ingest(ctx, [FM12, FM12], clock)
    assert not first.duplicate and again.duplicate and again.raw_frame_id == first.raw_frame_id
    clock.advance(seconds=10)
    [later] = ingest(ctx, [FM12], clock)
    assert later.duplicate and later.raw_frame_id == first.raw_frame_id and later.alarms_raised == []
    assert _all(ctx, select(func.count(RawFrame.id))) == [1]
    assert _all(ctx, select(Alarm.occurrences)) == [1]


def test_outcome_ids_are_the_rows_stored_also_after_pruning(ctx: AppContext) -> None:
    # SQLite numbers the new rows itself instead of reading them back (ingest.insert_numbered): a pruned
    # newest row or a retransmission in the batch must not shift an id onto another frame's row.
    clock = FixedClock(T0)
    first = ingest(ctx, [uitd_status_frame(970 + n) for n in range(5)], clock)
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        session.execute(delete(RawFrame).where(RawFrame.id.in_([first[0].raw_frame_id, first[-1].raw_frame_id])))
    raws = [uitd_status_frame(980 + n % 7) for n in range(40)] + [component_frame(990, FIRE)]
    raws.insert(10, raws[3])  # a retransmission within the batch
    clock.advance(seconds=1)
    outcomes = ingest(ctx, raws, clock)
    with ctx.session_factory() as session:
        stored = {row.id: (row.raw, row.received_at) for row in session.execute(select(RawFrame.id, RawFrame.raw,
                                                                                         RawFrame.received_at))}
    assert [stored[o.raw_frame_id] for o in outcomes if o.raw_frame_id] == [(raw, clock.now()) for raw in raws]
    assert [o.duplicate for o in outcomes].count(True) == 1 and len(stored) == 3 + len(raws) - 1
    [alarm] = _all(ctx, select(Alarm))
    assert alarm.raw_frame_id == outcomes[-1].raw_frame_id and outcomes[-1].alarms_raised == [alarm.id]


def test_same_serial_after_the_dedup_window_is_a_new_frame(ctx: AppContext) -> None:
    # Serials restart at 0 with every connection: the same bytes an hour later are news, not a retry.
    clock = FixedClock(T0)
    ingest(ctx, [FM12], clock)
    clock.advance(hours=1)
    [later] = ingest(ctx, [FM12], clock)
    assert not later.duplicate
    assert _all(ctx, select(func.count(RawFrame.id))) == [2]


def test_registered_fire_carries_unit_and_component_place(ctx: AppContext) -> None:
    ids = make_unit(ctx, address=100001, zone_components=[(0x0002000A, "3层", "A区")])
    clock = FixedClock(T0)
    [outcome] = ingest(ctx, [component_frame(100001, FIRE)], clock)
    [alarm] = _all(ctx, select(Alarm))
    assert outcome.alarms_raised == [alarm.id]
    assert alarm.unit_id == ids["unit_id"] and alarm.organization_id == ids["organization_id"]
    assert alarm.region_code == "320102002" and not alarm.unregistered and alarm.lon == pytest.approx(118.79)
    assert "1号楼 3层 A区" in alarm.component and alarm.component_id is not None
    payload = _events(ctx)[0][1]
    assert payload["unit_id"] == ids["unit_id"] and payload["unit_organization_id"] == ids["organization_id"]


def test_occurrences_restore_and_reraise(ctx: AppContext) -> None:
    clock = FixedClock(T0)
    [first] = ingest(ctx, [component_frame(200, FIRE)], clock)
    alarm_id = first.alarms_raised[0]
    clock.advance(seconds=30)
    [restore] = ingest(ctx, [component_frame(200, NORMAL)], clock)
    assert restore.alarms_cleared == [alarm_id]
    [alarm] = _all(ctx, select(Alarm))
    assert alarm.is_open and alarm.cleared_at == clock.now()  # a fire waits for the operator
    clock.advance(seconds=30)
    [again] = ingest(ctx, [component_frame(200, FIRE)], clock)
    assert again.alarms_raised == [alarm_id]
    [alarm] = _all(ctx, select(Alarm))
    assert alarm.occurrences == 2 and alarm.cleared_at is None
    changes = _all(ctx, select(AlarmOccurrence.change).order_by(AlarmOccurrence.id))
    assert changes == ["raise", "clear", "occur"]
    names = [n for n, _ in _events(ctx)]
    assert names == ["AlarmRaised", "AlarmCleared", "AlarmUpdated"]
    assert _events(ctx)[-1][1]["occurrences"] == 2


def test_steady_reports_do_not_inflate_occurrences(ctx: AppContext) -> None:
    clock = FixedClock(T0)
    ingest(ctx, [component_frame(201, FIRE)], clock)
    clock.advance(seconds=5)
    ingest(ctx, [component_frame(201, FIRE)], clock)  # e.g. the answer to a status read
    assert _all(ctx, select(Alarm.occurrences)) == [1]


def test_fault_closes_on_restore(ctx: AppContext) -> None:
    clock = FixedClock(T0)
    [raised] = ingest(ctx, [component_frame(202, FAULT)], clock)
    clock.advance(minutes=1)
    [cleared] = ingest(ctx, [component_frame(202, NORMAL)], clock)
    assert cleared.alarms_cleared == raised.alarms_raised
    [alarm] = _all(ctx, select(Alarm))
    assert alarm.kind == "fault" and not alarm.is_open and alarm.state == "restored"
    assert _events(ctx)[-1][1]["closed"] is True


def test_fire_with_bit0_clear_is_still_fire_and_test_mode_recorded(ctx: AppContext) -> None:
    clock = FixedClock(T0)
    ingest(ctx, [component_frame(203, 0x0002)], clock)
    [alarm] = _all(ctx, select(Alarm))
    assert alarm.kind == "fire" and alarm.test_mode


def test_gas_and_electrical_components(ctx: AppContext) -> None:
    clock = FixedClock(T0)
    ingest(ctx, [component_frame(204, FIRE, component_type=11, component_address=1),
                 component_frame(204, FIRE, component_type=17, component_address=2)], clock)
    assert sorted(_all(ctx, select(Alarm.kind))) == ["electrical", "gas"]


def test_flapping_point_keeps_one_alarm(ctx: AppContext) -> None:
    clock = FixedClock(T0)
    config = FirewatchConfig(flap_changes=4)
    for _ in range(4):
        ingest(ctx, [component_frame(205, FAULT)], clock, config=config)
        clock.advance(seconds=20)
        ingest(ctx, [component_frame(205, NORMAL)], clock, config=config)
        clock.advance(seconds=20)
    alarms = _all(ctx, select(Alarm))
    # two clean cycles close their alarms; from the fourth change on the point flaps and its alarm stays
    flapping = [a for a in alarms if a.flapping]
    assert len(flapping) == 1 and flapping[0].is_open and flapping[0].occurrences >= 2
    assert len(alarms) <= 3


def test_two_fire_points_in_one_zone_corroborate(ctx: AppContext) -> None:
    make_unit(ctx, address=100002, zone_components=[(1, "2层", "B区"), (2, "2层", "B区"), (3, "5层", "C区")])
    clock = FixedClock(T0)
    ingest(ctx, [component_frame(100002, FIRE, component_address=1)], clock)
    clock.advance(seconds=40)
    ingest(ctx, [component_frame(100002, FIRE, component_address=3)], clock)
    assert not any(_all(ctx, select(Alarm.corroborated)))
    clock.advance(seconds=40)
    ingest(ctx, [component_frame(100002, FIRE, component_address=2)], clock)
    by_address = {a.component_address: a.corroborated for a in _all(ctx, select(Alarm))}
    assert by_address == {1: True, 2: True, 3: False}
    updated = [p for n, p in _events(ctx) if n == "AlarmUpdated"]
    assert any(p["corroborated"] for p in updated)


def test_heartbeats_touch_nothing_but_raw_frames(ctx: AppContext) -> None:
    clock = FixedClock(T0)
    outcomes = ingest(ctx, [uitd_status_frame(300 + i) for i in range(20)], clock)
    assert all(not o.duplicate and not o.alarms_raised for o in outcomes)
    assert _all(ctx, select(func.count(PointState.id))) == [0]
    assert _all(ctx, select(func.count(Alarm.id))) == [0]
    assert _all(ctx, select(func.count(RawFrame.id))) == [20]


def test_uitd_main_power_fault_then_normal(ctx: AppContext) -> None:
    clock = FixedClock(T0)
    [raised] = ingest(ctx, [uitd_status_frame(301, 0x09)], clock)
    assert len(raised.alarms_raised) == 1
    clock.advance(minutes=2)
    [cleared] = ingest(ctx, [uitd_status_frame(301, 0x01, with_time=False)], clock)
    assert cleared.alarms_cleared == raised.alarms_raised


def test_manual_alarm_key_raises_fire(ctx: AppContext) -> None:
    clock = FixedClock(T0)
    [outcome] = ingest(ctx, [uitd_operation_frame(302, 0x04)], clock)
    [alarm] = _all(ctx, select(Alarm))
    assert outcome.alarms_raised == [alarm.id] and alarm.kind == "fire" and alarm.cause == "manual_alarm"


def test_duty_check_reply_is_matched_with_its_delay(ctx: AppContext) -> None:
    clock = FixedClock(T0)
    with unit_of_work(ctx.session_factory) as session:
        check_id = record_duty_check_sent(session, address=303, sent_at=T0, timeout_minutes=10, serial=5)
    clock.advance(minutes=3)
    ingest(ctx, [uitd_operation_frame(303, 0x20, operator=9)], clock)
    [check] = _all(ctx, select(DutyCheck))
    assert check.id == check_id and check.replied_at == T0 + timedelta(minutes=3)
    assert check.reply_seconds == 180 and check.operator == 9 and not check.late
    assert _all(ctx, select(func.count(Alarm.id))) == [0]


def test_outcomes_follow_item_order_in_a_mixed_batch(ctx: AppContext) -> None:
    clock = FixedClock(T0)
    raws = [uitd_status_frame(400), component_frame(401, FIRE), FM12, FM12, component_frame(401, FAULT,
                                                                                            component_address=9)]
    items = [received(r, clock.now()) for r in raws]
    with unit_of_work(ctx.session_factory) as session:
        outcomes = ingest_frames(session, items=items, clock=clock)
    assert [o.duplicate for o in outcomes] == [False, False, False, True, False]
    assert [len(o.alarms_raised) for o in outcomes] == [0, 1, 1, 0, 1]
    assert len({o.raw_frame_id for o in outcomes}) == 4


def test_a_rolled_back_batch_leaves_no_ghost_device_in_the_cache(ctx: AppContext) -> None:
    clock = FixedClock(T0)
    session = ctx.session_factory()
    try:
        ingest_frames(session, items=[received(component_frame(950, FIRE), T0)], clock=clock)
        session.rollback()  # e.g. the disk filled up at commit: the gateway does not ACK
    finally:
        session.close()
    [again] = ingest(ctx, [component_frame(950, FIRE, serial=0)], clock)
    assert not again.duplicate and len(again.alarms_raised) == 1
    [uitd] = _all(ctx, select(Uitd))
    [alarm] = _all(ctx, select(Alarm))
    assert uitd.address == 950 and uitd.last_seen_at == T0 and alarm.uitd_address == 950


def test_system_and_uitd_fire_flags_do_not_double_a_component_fire(ctx: AppContext) -> None:
    from tests.firewatch.fw_support import CENTRE, local, next_serial

    from citysafe.firewatch.protocols.gb26875 import DeviceTime, SystemStatus, build_upload, encode_frame

    def system_fire(address: int) -> bytes:
        obj = SystemStatus(1, 1, 0x0003, DeviceTime.of(local(T0)))
        return encode_frame(build_upload(1, [obj], serial=next_serial(address), source=address, destination=CENTRE,
                                         sent=local(T0)))

    clock = FixedClock(T0)
    # the summary flags arrive first in the batch; the component's fire still gets the one alarm
    outcomes = ingest(ctx, [system_fire(960), uitd_status_frame(960, 0x03), component_frame(960, FIRE)], clock)
    assert [len(o.alarms_raised) for o in outcomes] == [0, 0, 1]
    [alarm] = _all(ctx, select(Alarm))
    assert alarm.component_address is not None
    # a summary fire alone (a panel that sends no component detail) is raised all the same
    [alone] = ingest(ctx, [system_fire(961)], clock)
    assert len(alone.alarms_raised) == 1


def test_dedup_probes_the_dedup_index_on_sqlite(ctx: AppContext) -> None:
    if ctx.engine.dialect.name != "sqlite":
        pytest.skip("reads SQLite's EXPLAIN QUERY PLAN; PostgreSQL chooses plans from table statistics")
    from citysafe.firewatch.ingest.service import dedup_sql

    with ctx.engine.connect() as conn:
        plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {dedup_sql(16, 'qmark')}", (0,) * 48))
    # a time-window or full scan here was quadratic: every batch read the whole last ten minutes
    assert "ix_fw_raw_frame_dedup" in plan and "SCAN fw_raw_frame" not in plan and "SCAN r" not in plan
