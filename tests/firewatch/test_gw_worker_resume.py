"""The ingest worker against the real JetStream on 127.0.0.1:4222: a worker killed with frames fetched and not
acked, and a database that refuses batches for a while, leave every device's frames stored once and in order.

The store here is a recording double (a list in arrival order); tests/deploy/test_deploy_killed.py does the
same with real processes and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import nats
import pytest
from tests.support.nats_streams import NATS_URL, fresh_stream_names
from tests.support.waiting import until

from citysafe.firewatch.gateway.sinks import JetStreamSink
from citysafe.firewatch.ingest.service import ReceivedFrame
from citysafe.firewatch.ingest.worker import StreamNames, run_worker
from citysafe.firewatch.protocols.gb26875 import DeviceTime, UitdStatus, build_upload, decode_frame, encode_frame

PARTITIONS = 2
DEVICES = (0x00AC_0000_0000, 0x00AC_0000_0001)  # one in each partition


@dataclass
class RecordingStore:
    """Stores in arrival order; refuses the next ``refuse`` calls whole (a database that is down)."""

    refuse: int = 0
    stored: list[tuple[int, int]] = field(default_factory=list)  # (source, serial)
    calls: int = 0

    async def store(self, items: Sequence[ReceivedFrame]) -> Sequence[bool]:
        self.calls += 1
        if self.refuse > 0:
            self.refuse -= 1
            return [False] * len(items)
        self.stored.extend((item.frame.source, item.frame.serial) for item in items)
        return [True] * len(items)


def frame(source: int, serial: int) -> ReceivedFrame:
    sent = datetime(2026, 3, 1, 10, 0)
    raw = encode_frame(build_upload(21, [UitdStatus(0x01, DeviceTime.of(sent))], serial=serial, source=source,
                                    destination=0, sent=sent))
    return ReceivedFrame(raw=raw, frame=decode_frame(raw), peer="127.0.0.1:1", received_at=datetime.now(UTC))


@pytest.fixture
async def names() -> AsyncIterator[StreamNames]:
    async with fresh_stream_names("TEST_RESUME") as names:
        yield names


async def publish(names: StreamNames, serials: range) -> None:
    sink = JetStreamSink(NATS_URL, partitions=PARTITIONS, names=names)
    await sink.start()
    try:
        for serial in serials:
            assert all(await sink.store([frame(source, serial) for source in DEVICES]))
    finally:
        await sink.aclose()


def in_order_once(store: RecordingStore, serials: range) -> None:
    for source in DEVICES:
        mine = [serial for src, serial in store.stored if src == source]
        assert sorted(set(mine)) == list(serials), f"{source:#x}: missing or doubled"
        # redelivered frames a dead worker had stored may come again (ingest drops them); never out of order
        firsts = list(dict.fromkeys(mine))
        assert firsts == list(serials), f"{source:#x}: out of order"


async def run_until_stored(store: RecordingStore, names: StreamNames, count: int) -> None:
    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(store, url=NATS_URL, partitions=range(PARTITIONS),
                                            partition_count=PARTITIONS, stop=stop, names=names, batch=10))
    try:
        await until(lambda: len(set(store.stored)) >= count, what=f"{count} frames stored")
    finally:
        stop.set()
        await asyncio.wait_for(worker, 20)


async def test_a_worker_killed_holding_unacked_frames_is_resumed_in_stream_order(names: StreamNames) -> None:
    await publish(names, range(0, 30))
    first = RecordingStore()
    await run_until_stored(first, names, 2 * 30)  # the durable consumers exist and are acked up to 30
    await publish(names, range(30, 60))
    # A worker that fetched the next frames and died before acking them (kill -9: no ack, no nak).
    nc = await nats.connect(NATS_URL)
    js = nc.jetstream()
    for partition in range(PARTITIONS):
        sub = await js.pull_subscribe_bind(durable=f"{names.durable_prefix}-{partition:03d}", stream=names.stream)
        assert len(await sub.fetch(12, timeout=5)) == 12
    await nc.close()
    await publish(names, range(60, 90))  # newer frames behind the held ones
    second = RecordingStore()
    await run_until_stored(second, names, 2 * 60)
    in_order_once(second, range(30, 90))


async def test_a_refused_batch_is_retried_in_place_keeping_the_order(names: StreamNames) -> None:
    await publish(names, range(0, 40))
    store = RecordingStore(refuse=3)  # the first three transactions fail (the database was down)
    await run_until_stored(store, names, 2 * 40)
    assert store.calls > 3
    in_order_once(store, range(0, 40))
