"""The urgent lane of the ingest worker against the real JetStream on 127.0.0.1:4222: a fire is stored while
its partition's heartbeats are stuck, yet no alarm is dropped and every point's frames (and the gateway's
offline verdicts among them) are stored in the order the device sent them.

The store is a recording double whose heartbeat batches wait until the test lets them go (a database busy
with the normal lane's big transaction)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from tests.support.nats_streams import NATS_URL, fresh_stream_names
from tests.support.waiting import until

from citysafe.firewatch.gateway.sinks import JetStreamSink
from citysafe.firewatch.ingest.service import ReceivedFrame
from citysafe.firewatch.ingest.worker import OfflineVerdict, StreamNames, run_worker
from citysafe.firewatch.protocols.gb26875 import (
    AduObject,
    ComponentStatus,
    DeviceTime,
    Operation,
    SystemStatus,
    UitdStatus,
    build_upload,
    decode_frame,
    encode_description,
    encode_frame,
)

PARTITIONS = 2
DEVICE = 0x00AD_0000_0000
LABEL = DeviceTime.of(datetime(2026, 3, 1, 10, 0))
NORMAL, FIRE, FAULT = 0x0001, 0x0003, 0x0005


@dataclass
class GatedStore:
    """Records what it stores, in order; batches holding a heartbeat (type 21) wait for ``heartbeats``."""

    heartbeats: asyncio.Event = field(default_factory=asyncio.Event)
    stored: list[tuple[str, int]] = field(default_factory=list)  # (what, serial or address)

    async def store(self, items: Sequence[ReceivedFrame]) -> Sequence[bool]:
        if any(item.frame.adu is not None and item.frame.adu.type == 21 for item in items):
            await self.heartbeats.wait()
        for item in items:
            adu = item.frame.adu
            assert adu is not None
            self.stored.append((f"type{adu.type}", item.frame.serial))
        return [True] * len(items)

    async def record_offline(self, verdicts: Sequence[OfflineVerdict]) -> bool:
        self.stored.extend(("offline", v.address) for v in verdicts)
        return True


def frame(serial: int, adu_type: int, obj: AduObject) -> ReceivedFrame:
    raw = encode_frame(build_upload(adu_type, [obj], serial=serial, source=DEVICE, destination=0, sent=LABEL))
    return ReceivedFrame(raw=raw, frame=decode_frame(raw), peer="127.0.0.1:1", received_at=datetime.now(UTC))


def heartbeat(serial: int) -> ReceivedFrame:
    return frame(serial, 21, UitdStatus(NORMAL, LABEL))


def component(serial: int, status: int) -> ReceivedFrame:
    return frame(serial, 2, ComponentStatus(1, 1, 40, 0x0001_0007, status, encode_description("3层走廊"), LABEL))


@pytest.fixture
async def names() -> AsyncIterator[StreamNames]:
    async with fresh_stream_names("TEST_LANES") as names:
        yield names


@pytest.fixture
async def sink(names: StreamNames) -> AsyncIterator[JetStreamSink]:
    sink = JetStreamSink(NATS_URL, partitions=PARTITIONS, names=names)
    await sink.start()
    yield sink
    await sink.aclose()


async def work(store: GatedStore, names: StreamNames, until_stored: int) -> None:
    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(store, url=NATS_URL, partitions=range(PARTITIONS),
                                            partition_count=PARTITIONS, stop=stop, names=names, batch=10))
    try:
        await until(lambda: len(store.stored) >= until_stored, what=f"{until_stored} items stored")
    finally:
        stop.set()
        await asyncio.wait_for(worker, 20)


async def test_a_fire_is_stored_while_its_partitions_heartbeats_wait_and_no_frame_is_dropped(
    names: StreamNames, sink: JetStreamSink,
) -> None:
    store = GatedStore()
    # 30 heartbeats ahead of the fire, in the same partition (the same device)
    assert all(await sink.store([heartbeat(serial) for serial in range(30)]))
    assert all(await sink.store([component(30, FIRE)]))
    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(store, url=NATS_URL, partitions=range(PARTITIONS),
                                            partition_count=PARTITIONS, stop=stop, names=names, batch=10))
    try:
        await until(lambda: ("type2", 30) in store.stored, what="the fire stored ahead of the heartbeats")
        assert store.stored == [("type2", 30)]
        store.heartbeats.set()
        await until(lambda: len(store.stored) == 31, what="the heartbeats stored too")
    finally:
        stop.set()
        await asyncio.wait_for(worker, 20)
    assert [serial for what, serial in store.stored if what == "type21"] == list(range(30))


async def test_each_points_frames_and_the_offline_verdicts_keep_the_devices_order(
    names: StreamNames, sink: JetStreamSink,
) -> None:
    """The component reports normal, fire, normal, fault; its system reports a fault and a manual alarm; the
    UITD heartbeats in between and is found offline once: however the lanes interleave, each point sees
    its reports in the order sent, and the verdict keeps its place among the urgent frames (the
    heartbeats it may overtake were received before it: ``presence.restore_online`` ignores them)."""
    store = GatedStore()
    system = SystemStatus(1, 1, FAULT, LABEL)
    manual = Operation(1, 1, 0x10, 0, LABEL)
    items = [component(0, NORMAL), heartbeat(1), component(2, FIRE), frame(3, 1, system), heartbeat(4),
             component(5, NORMAL), frame(6, 4, manual), heartbeat(7), component(8, FAULT)]
    assert all(await sink.store(items))
    assert await sink.publish_offline(OfflineVerdict(DEVICE, datetime.now(UTC)))
    assert all(await sink.store([heartbeat(9), component(10, NORMAL)]))
    store.heartbeats.set()  # from the start: the lanes race
    await work(store, names, len(items) + 3)
    assert [s for what, s in store.stored if what == "type2"] == [0, 2, 5, 8, 10]
    assert [s for what, s in store.stored if what in ("type1", "type4")] == [3, 6]
    assert [s for what, s in store.stored if what == "type21"] == [1, 4, 7, 9]
    urgent = [(what, s) for what, s in store.stored if what != "type21"]
    assert urgent.index(("offline", DEVICE)) == urgent.index(("type2", 8)) + 1
    assert urgent[-1] == ("type2", 10)


async def test_with_the_normal_lane_held_back_the_components_order_still_holds(
    names: StreamNames, sink: JetStreamSink,
) -> None:
    """Routing by content (fires urgent, normal statuses not) would store the component's normal reports
    after its fire here; routing by type keeps them in one lane."""
    store = GatedStore()
    assert all(await sink.store([component(0, NORMAL), heartbeat(1), component(2, FIRE), component(3, NORMAL)]))
    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(store, url=NATS_URL, partitions=range(PARTITIONS),
                                            partition_count=PARTITIONS, stop=stop, names=names, batch=10))
    try:
        await until(lambda: len(store.stored) == 3, what="the component's three reports")
        store.heartbeats.set()
        await until(lambda: len(store.stored) == 4, what="the heartbeat")
    finally:
        stop.set()
        await asyncio.wait_for(worker, 20)
    assert store.stored == [("type2", 0), ("type2", 2), ("type2", 3), ("type21", 1)]
