"""The keep-alive path (gateway/heartbeats.py): a repeated normal type-21 status is ACKed by the gateway and only
its device's seen time reaches the database, through a summary in JetStream (the real one on 127.0.0.1:4222);
every status change, abnormal status and first status of a connection is stored as before."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from tests.support.nats_streams import NATS_URL, fresh_stream_names
from tests.support.waiting import until

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.firewatch.gateway.connection import GatewayConfig
from citysafe.firewatch.gateway.heartbeats import HeartbeatPath, keepalive_status
from citysafe.firewatch.gateway.server import Gateway
from citysafe.firewatch.gateway.sinks import DatabaseSink, JetStreamSink
from citysafe.firewatch.ingest.models import RawFrame
from citysafe.firewatch.ingest.service import ReceivedFrame
from citysafe.firewatch.ingest.worker import SEEN_PER_TRANSACTION, OfflineVerdict, run_worker
from citysafe.firewatch.protocols.gb26875 import (
    AduObject,
    Command,
    ComponentStatus,
    DeviceTime,
    Frame,
    UitdStatus,
    build_upload,
    encode_description,
)
from citysafe.firewatch.registry.models import Uitd
from citysafe.firewatch.simulator import SimulatedUitd

T0 = datetime(2026, 3, 1, 2, 0, 0, tzinfo=UTC)
LABEL = DeviceTime.of(datetime(2026, 3, 1, 10, 0))
WAIT = 20.0
PARTITIONS = 2
NORMAL, TEST_MODE, POWER_FAULT = 0x01, 0x00, 0x09


def uitd_status(*statuses: int, command: int = Command.SEND_DATA, adu_type: int = 21) -> Frame:
    objects: list[AduObject] = [UitdStatus(s, LABEL) for s in statuses]
    return build_upload(adu_type, objects, serial=1, source=0x00AC_0000_0001, destination=0, sent=LABEL,
                        command=command)


def test_only_a_normal_uitd_status_is_a_keepalive() -> None:
    assert keepalive_status(uitd_status(NORMAL)) == NORMAL
    assert keepalive_status(uitd_status(NORMAL, command=Command.RESPONSE)) == NORMAL  # a patrol answer
    assert keepalive_status(uitd_status(TEST_MODE)) == TEST_MODE
    assert keepalive_status(uitd_status(NORMAL, NORMAL)) == NORMAL
    assert keepalive_status(uitd_status(POWER_FAULT)) is None  # a repeated fault re-raises a closed alarm
    assert keepalive_status(uitd_status(0x03)) is None  # fire
    assert keepalive_status(uitd_status(NORMAL, TEST_MODE)) is None
    point = ComponentStatus(1, 1, 40, 7, 0x0001, encode_description("7号探测器"), LABEL)
    assert keepalive_status(build_upload(2, [point], serial=1, source=1, destination=0, sent=LABEL)) is None


def test_a_keepalive_is_absorbed_only_after_its_status_was_stored_and_until_the_sample_is_due() -> None:
    async def publish(seen: dict[int, datetime]) -> bool:
        return True

    path = HeartbeatPath(publish, sample=3600.0, interval=30.0)
    conn = SimpleNamespace(keepalive=None, status_inflight=0, sampled_at=0.0)
    normal, fault = uitd_status(NORMAL), uitd_status(POWER_FAULT)
    assert not path.absorb(conn, normal, T0, 100.0)  # the first status of a connection is stored
    path.sent(conn, normal)
    assert not path.absorb(conn, normal, T0, 100.5)  # the first is still on its way
    path.sent(conn, normal)
    path.settled(conn, normal, True, 101.0)
    assert not path.absorb(conn, normal, T0, 101.5)  # one still on its way
    path.settled(conn, normal, True, 102.0)
    assert path.absorb(conn, normal, T0, 103.0)
    assert not path.absorb(conn, fault, T0, 104.0)
    path.sent(conn, fault)
    path.settled(conn, fault, True, 105.0)
    assert not path.absorb(conn, normal, T0, 106.0)  # the clear of the fault is stored
    path.sent(conn, normal)
    path.settled(conn, normal, False, 107.0)  # withheld: the status stored is not known
    assert not path.absorb(conn, normal, T0, 108.0)
    path.sent(conn, normal)
    path.settled(conn, normal, True, 109.0)
    assert path.absorb(conn, normal, T0 + timedelta(seconds=5), 110.0)
    assert not path.absorb(conn, normal, T0, 109.0 + 3600.0)  # the hourly sample is stored
    assert path.seen == {0x00AC_0000_0001: T0 + timedelta(seconds=5)}


@pytest.fixture
async def pipeline(ctx: AppContext) -> AsyncIterator[tuple[Gateway, JetStreamSink, FixedClock]]:
    async with fresh_stream_names("TEST_GB26875_KEEPALIVE") as names:
        clock = FixedClock(T0)
        sink = JetStreamSink(NATS_URL, partitions=PARTITIONS, names=names)
        await sink.start()
        gateway = Gateway(sink=sink, clock=clock, config=GatewayConfig(port=0, heartbeat_sample=3600.0))
        await gateway.start()
        stop = asyncio.Event()
        writer = DatabaseSink(ctx.session_factory, clock)
        worker = asyncio.create_task(run_worker(writer, url=NATS_URL, partitions=range(PARTITIONS),
                                                partition_count=PARTITIONS, stop=stop, names=names))
        yield gateway, sink, clock
        stop.set()
        await asyncio.wait_for(worker, WAIT)
        await writer.aclose()
        await gateway.stop()


def uitd_row(ctx: AppContext, address: int) -> tuple[int, datetime | None, datetime | None]:
    """(raw frames stored, last_seen_at, offline_since) of one UITD."""
    with ctx.session_factory() as session:
        frames = int(session.scalar(select(func.count()).select_from(RawFrame)
                                    .where(RawFrame.source_address == address)) or 0)
        row = session.execute(select(Uitd.last_seen_at, Uitd.offline_since).where(Uitd.address == address)).first()
        return (frames, row[0], row[1]) if row is not None else (frames, None, None)


async def test_repeated_normal_statuses_are_acked_and_only_their_seen_time_is_stored(
    ctx: AppContext, pipeline: tuple[Gateway, JetStreamSink, FixedClock],
) -> None:
    gateway, _, clock = pipeline
    heartbeats = gateway.heartbeats
    assert heartbeats is not None
    address = 0x00AC_0000_0100
    uitd = SimulatedUitd(address, host="127.0.0.1", port=gateway.port, ack_timeout=WAIT)
    await uitd.connect()
    # stored, absorbed, stored (fault), stored (the same fault again), stored (back to normal), absorbed
    for status in (NORMAL, NORMAL, POWER_FAULT, POWER_FAULT, NORMAL, NORMAL):
        clock.advance(seconds=10)
        assert (await uitd.send(21, [UitdStatus(status, LABEL)])).acked
    assert gateway.stats.keepalives == 2
    assert gateway.stats.acked == 6
    last = clock.now()

    async def stored() -> bool:
        return (await asyncio.to_thread(uitd_row, ctx, address))[0] == 4

    await until(stored, what="the four frames that change or repeat a fault")
    await heartbeats.flush()

    async def seen() -> bool:
        return (await asyncio.to_thread(uitd_row, ctx, address))[1] == last

    await until(seen, what="last_seen_at moved to the absorbed keep-alive's time by the summary")
    await uitd.close()


async def test_a_summary_brings_an_offline_uitd_back_only_when_seen_after_the_verdict(
    ctx: AppContext, pipeline: tuple[Gateway, JetStreamSink, FixedClock],
) -> None:
    gateway, sink, _ = pipeline
    address, other = 0x00AC_0000_0200, 0x00AC_0000_0202  # one partition: their summaries travel together
    for device in (address, other):
        uitd = SimulatedUitd(device, host="127.0.0.1", port=gateway.port, ack_timeout=WAIT)
        await uitd.connect()
        assert (await uitd.send(21, [UitdStatus(NORMAL, LABEL)])).acked
        await uitd.close()

    async def known() -> bool:
        return [(await asyncio.to_thread(uitd_row, ctx, a))[0] for a in (address, other)] == [1, 1]

    await until(known, what="the UITD in the database")
    verdict = T0 + timedelta(minutes=3)
    assert await sink.publish_offline(OfflineVerdict(address, verdict))

    async def offline() -> bool:
        return (await asyncio.to_thread(uitd_row, ctx, address))[2] == verdict

    await until(offline, what="the verdict recorded")
    # seen before the verdict (it overtook the device's last keep-alives): still offline, last_seen moved
    assert await sink.publish_seen({address: T0 + timedelta(minutes=2)})

    async def moved() -> bool:
        return (await asyncio.to_thread(uitd_row, ctx, address))[1] == T0 + timedelta(minutes=2)

    await until(moved, what="last_seen_at from the summary")
    assert (await asyncio.to_thread(uitd_row, ctx, address))[2] == verdict
    assert await sink.publish_seen({address: T0 + timedelta(minutes=4)})

    async def back() -> bool:
        return (await asyncio.to_thread(uitd_row, ctx, address))[2] is None

    await until(back, what="the UITD back online")
    # a summary older than what is stored does not move last_seen_at back; an unknown address is skipped
    assert await sink.publish_seen({address: T0 + timedelta(minutes=1), address + 4: T0,
                                    other: T0 + timedelta(minutes=6)})

    async def other_moved() -> bool:
        return (await asyncio.to_thread(uitd_row, ctx, other))[1] == T0 + timedelta(minutes=6)

    await until(other_moved, what="the summary recorded")
    assert (await asyncio.to_thread(uitd_row, ctx, address))[1:] == (T0 + timedelta(minutes=4), None)


class SeenRecorder:
    """A worker's store that records the seen transactions it is given (and stores frames as they come)."""

    def __init__(self) -> None:
        self.transactions: list[dict[int, datetime]] = []

    async def store(self, items: Sequence[ReceivedFrame]) -> Sequence[bool]:
        return [True] * len(items)

    async def record_offline(self, verdicts: Sequence[OfflineVerdict]) -> bool:
        return True

    async def record_seen(self, seen: dict[int, datetime]) -> bool:
        self.transactions.append(seen)
        return True


async def test_a_large_summary_is_recorded_in_short_transactions() -> None:
    """Six gateways' summaries reach a worker together at scale: one transaction for all would hold the urgent
    lane's fires behind it on the worker's one writer thread."""
    async with fresh_stream_names("TEST_GB26875_SEEN") as names:
        sink = JetStreamSink(NATS_URL, partitions=1, names=names)
        await sink.start()
        seen = {0x00AC_0001_0000 + i: T0 + timedelta(seconds=i % 30) for i in range(2 * SEEN_PER_TRANSACTION + 7)}
        assert await sink.publish_seen(seen)
        store, stop = SeenRecorder(), asyncio.Event()
        worker = asyncio.create_task(run_worker(store, url=NATS_URL, partitions=[0], partition_count=1, stop=stop,
                                                names=names))
        try:
            await until(lambda: sum(map(len, store.transactions)) == len(seen), what="the summary recorded")
        finally:
            stop.set()
            await asyncio.wait_for(worker, WAIT)
            await sink.aclose()
        assert [len(t) for t in store.transactions] == [SEEN_PER_TRANSACTION, SEEN_PER_TRANSACTION, 7]
        assert {a: t for part in store.transactions for a, t in part.items()} == seen
