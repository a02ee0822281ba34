"""The gateway in front of the real ingest path (SQLite and PostgreSQL): ACK after commit, dedup,
alarms reaching the live hub, patrol, clock sync and 查岗 over loopback sockets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.support.waiting import until

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.firewatch.alarms.models import Alarm, DutyCheck
from citysafe.firewatch.gateway.connection import GatewayConfig
from citysafe.firewatch.gateway.downlink import Downlink, DownlinkConfig
from citysafe.firewatch.gateway.server import Gateway
from citysafe.firewatch.gateway.sinks import DatabaseSink
from citysafe.firewatch.gateway.verdicts import OfflineRecorder
from citysafe.firewatch.ingest.models import RawFrame
from citysafe.firewatch.ingest.service import ReceivedFrame
from citysafe.firewatch.live import hub as live
from citysafe.firewatch.protocols.gb26875 import ComponentStatus, DeviceTime, UitdStatus, encode_description
from citysafe.firewatch.registry.models import Uitd
from citysafe.firewatch.simulator import SimulatedUitd

T0 = datetime(2026, 3, 1, 2, 0, 0, tzinfo=UTC)
WAIT = 20.0
ADDRESS = 0x0000_2026_0301


def fire(component: int = 0x0001_0007) -> ComponentStatus:
    return ComponentStatus(1, 1, 40, component, 0x0002, encode_description("3层东侧走廊"),
                           DeviceTime.of(datetime(2026, 3, 1, 9, 59, 58)))


def heartbeat() -> UitdStatus:
    return UitdStatus(0x01, DeviceTime.of(datetime(2026, 3, 1, 10, 0)))


async def query(ctx: AppContext, fn: Callable[[Any], Any]) -> Any:
    def run() -> Any:
        with ctx.session_factory() as session:
            return fn(session)

    return await asyncio.to_thread(run)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
async def gateway(ctx: AppContext, clock: FixedClock) -> AsyncIterator[Gateway]:
    gw = Gateway(sink=DatabaseSink(ctx.session_factory, clock), clock=clock, config=GatewayConfig(port=0))
    downlink = Downlink(gw, clock, DownlinkConfig(), ctx.session_factory)
    gw.observer = downlink
    await gw.start()
    yield gw
    await gw.stop()


@pytest.fixture
async def hub(ctx: AppContext) -> AsyncIterator[live.LiveHub]:
    hub = live.LiveHub(asyncio.get_running_loop())
    unregister = live.register(ctx.bus, hub)
    yield hub
    unregister()


async def device(gateway: Gateway, **kwargs: Any) -> SimulatedUitd:
    uitd = SimulatedUitd(ADDRESS, host="127.0.0.1", port=gateway.port, centre=88888, ack_timeout=WAIT, **kwargs)
    await uitd.connect()
    return uitd


async def test_a_fire_is_committed_before_its_ack_and_reaches_the_live_hub(
    ctx: AppContext, gateway: Gateway, hub: live.LiveHub,
) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    hub.listen(lambda name, payload: seen.append((name, payload)))
    uitd = await device(gateway)
    result = await uitd.send(2, [fire()])
    assert result.acked and result.attempts == 1
    # the ACK came, so the frame is committed: a fresh session sees it
    rows = await query(ctx, lambda s: s.scalars(select(RawFrame)).all())
    assert [(r.source_address, r.serial, r.command, r.adu_type) for r in rows] == [(ADDRESS, 0, 2, 2)]
    assert rows[0].received_at == T0
    assert rows[0].peer.startswith("127.0.0.1:")
    await until(lambda: any(name == "AlarmRaised" for name, _ in seen), what="AlarmRaised on the live hub")
    raised = next(p for name, p in seen if name == "AlarmRaised")
    assert raised["kind"] == "fire"
    assert raised["device_address"] == str(ADDRESS)
    await uitd.close()


async def test_a_retransmission_is_acked_again_but_stored_once(ctx: AppContext, gateway: Gateway) -> None:
    uitd = await device(gateway)
    frame = uitd.build(2, [fire()], serial=41)
    # the device missed our first ACK and sends the same bytes again: both are ACKed
    assert await uitd.transmit(frame)
    assert await uitd.transmit(frame)
    count = await query(ctx, lambda s: s.scalar(select(func.count()).select_from(RawFrame)))
    assert count == 1
    await uitd.close()


async def test_patrol_and_clock_sync_are_sent_on_schedule_and_answered(
    ctx: AppContext, gateway: Gateway, clock: FixedClock,
) -> None:
    downlink = gateway.observer
    assert isinstance(downlink, Downlink)
    uitd = await device(gateway)
    assert (await uitd.send(21, [heartbeat()])).acked
    sent = downlink.tick()  # a device that just showed up gets its clock set
    assert [s.kind for s in sent] == ["clock_sync"]
    await until(lambda: downlink.stats.answered == 1, what="the clock sync answered")
    clock.advance(minutes=59)
    assert downlink.tick() == []
    clock.advance(minutes=1)
    sent = downlink.tick()
    assert [(s.kind, s.address) for s in sent] == [("patrol", ADDRESS)]
    await until(lambda: downlink.stats.answered == 2, what="the patrol answered")
    # the type-21 response (cmd 5) is stored like an upload, so the unit's last-seen time moves
    await until(lambda: gateway.stats.frames == 2 and gateway.stats.batches == 2,
                what="the patrol response stored")
    commands = await query(ctx, lambda s: s.scalars(select(RawFrame.command).order_by(RawFrame.id)).all())
    assert commands == [2, 5]
    assert gateway.stats.acked == 1  # responses are not ACKed
    await uitd.close()


async def test_an_unanswered_request_makes_the_device_offline(ctx: AppContext, gateway: Gateway,
                                                              clock: FixedClock) -> None:
    downlink = gateway.observer
    assert isinstance(downlink, Downlink)
    uitd = await device(gateway)
    assert (await uitd.send(21, [heartbeat()])).acked
    uitd._on_frame = lambda frame: None  # type: ignore[method-assign]  # a device that stopped answering
    assert [s.kind for s in downlink.tick()] == ["clock_sync"]
    clock.advance(seconds=29)
    downlink.tick()
    assert gateway.stats.offline == 0  # within the answer timeout
    clock.advance(seconds=2)
    assert downlink.tick() == []
    assert downlink.stats.missed == 1
    assert downlink.stats.answered == 0
    assert gateway.stats.offline == 1
    await until(lambda: not uitd.connected, what="the gateway closing the silent device's connection")
    await uitd.close()


async def test_an_offline_verdict_reaches_the_database_and_the_live_hub(
    ctx: AppContext, gateway: Gateway, clock: FixedClock, hub: live.LiveHub,
) -> None:
    """Not only a closed socket: offline_since is set, the offline alarm opens and UnitOffline goes out; the
    device's next frame brings it back online."""
    downlink = gateway.observer
    assert isinstance(downlink, Downlink)
    recorder = OfflineRecorder(gateway.sink, ctx.session_factory)
    downlink.on_offline(recorder)
    seen: list[tuple[str, dict[str, Any]]] = []
    hub.listen(lambda name, payload: seen.append((name, payload)))
    uitd = await device(gateway)
    assert (await uitd.send(21, [heartbeat()])).acked
    uitd._on_frame = lambda frame: None  # type: ignore[method-assign]  # a device that stopped answering
    downlink.tick()
    clock.advance(seconds=31)
    downlink.tick()
    await recorder.aclose()
    assert recorder.recorded == 1
    offline_since = await query(ctx, lambda s: s.scalar(select(Uitd.offline_since).where(Uitd.address == ADDRESS)))
    assert offline_since == clock.now()
    kinds = await query(ctx, lambda s: s.scalars(select(Alarm.kind).where(Alarm.uitd_address == ADDRESS,
                                                                          Alarm.is_open.is_(True))).all())
    assert kinds == ["offline"]
    await until(lambda: any(name == "UnitOffline" for name, _ in seen), what="UnitOffline on the live hub")
    await until(lambda: not uitd.connected, what="the connection closed")
    # a heartbeat received before the verdict, stored after it (it overtook it in the urgent lane): still offline
    stale = uitd.build(21, [heartbeat()], serial=900)
    sink = gateway.sink
    assert isinstance(sink, DatabaseSink)
    assert sink.write([ReceivedFrame(stale.raw, stale, "127.0.0.1:1", clock.now() - timedelta(seconds=20))]) == [True]
    still = await query(ctx, lambda s: s.scalar(select(Uitd.offline_since).where(Uitd.address == ADDRESS)))
    assert still == offline_since
    clock.advance(seconds=1)
    back = await device(gateway)
    assert (await back.send(21, [heartbeat()])).acked
    assert await query(ctx, lambda s: s.scalar(select(Uitd.offline_since).where(Uitd.address == ADDRESS))) is None
    await back.close()
    await uitd.close()


async def test_duty_check_reply_is_matched_to_the_check(ctx: AppContext, gateway: Gateway) -> None:
    downlink = gateway.observer
    assert isinstance(downlink, Downlink)
    uitd = await device(gateway, operator_delay=0.0)
    assert (await uitd.send(21, [heartbeat()])).acked
    assert await downlink.duty_check(0x7777, 5) is None  # not connected
    sent = await downlink.duty_check(ADDRESS, 5)
    assert sent is not None and sent.kind == "duty_check"
    # the operator's type-24 reply was stored and ACKed
    await until(lambda: gateway.stats.acked == 2, what="the duty-check reply ACKed")

    def checks(session: Any) -> list[DutyCheck]:
        return list(session.scalars(select(DutyCheck)).all())

    (check,) = await query(ctx, checks)
    assert check.uitd_address == ADDRESS
    assert check.timeout_minutes == 5
    assert check.replied_at == T0
    assert check.late is False
    await uitd.close()
