"""The lean MQTT subscriber (ingest.mqtt_wire) and what it must keep, against a Mosquitto of each test's own:
no PUBACK leaves before the commit holding its message, a device's messages are stored in the order it sent
them even when a batch fails with others in flight behind it, a device's sequence gap raises a fault,
and the packet reader takes packets however the stream is cut."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiomqtt
import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from tests.firewatch.fw_mosquitto import mosquitto, subscribed
from tests.support.waiting import until

from citysafe.core.context import AppContext
from citysafe.firewatch.alarms.models import Alarm
from citysafe.firewatch.config import CONFIG
from citysafe.firewatch.ingest import mqtt, mqtt_batch, mqtt_wire
from citysafe.firewatch.ingest.models import IotMessage
from citysafe.firewatch.ingest.mqtt_sinks import ThreadWriter


@pytest.fixture
def broker() -> Iterator[tuple[int, Path]]:
    with mosquitto(max_queued_messages=100000, max_inflight_messages=1000) as found:
        yield found


def on_port(ctx: AppContext, port: int) -> str:
    root = f"cs-wire/{uuid.uuid4().hex[:8]}"
    ctx.settings = ctx.settings.model_copy(update={
        "mqtt_url": f"mqtt://127.0.0.1:{port}", "firewatch_mqtt_topics": f"{root}/#",
        "firewatch_mqtt_client_id": f"cs-{uuid.uuid4().hex[:12]}", "firewatch_mqtt_writer": "thread"})
    return root


async def publish(port: int, messages: list[tuple[str, dict[str, Any]]]) -> None:
    """QoS 1, each acknowledged by the broker before the next (the broker then holds them in order)."""
    async with aiomqtt.Client("127.0.0.1", port, identifier=f"pub-{uuid.uuid4().hex[:8]}") as publisher:
        for topic, payload in messages:
            await publisher.publish(topic, json.dumps(payload).encode(), qos=1)


class StallingSink:
    """Takes batches and never commits them: what a process killed between receipt and commit does."""

    def __init__(self) -> None:
        self.rows = 0
        self._release = asyncio.Event()

    async def start(self) -> None:
        return None

    async def store(self, rows: list[mqtt_batch.Row]) -> bytes:
        self.rows += len(rows)
        await self._release.wait()
        return bytes(len(rows))  # WITHHELD

    def health(self) -> dict[str, Any]:
        return {"ok": True}

    async def aclose(self) -> None:
        self._release.set()


class CopiesSeen(ThreadWriter):
    """The thread writer, counting the rows that came flagged as possible copies (DUP)."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(mqtt_batch.BatchWriter(ctx, CONFIG.get(ctx)))
        self.flagged = 0

    async def store(self, rows: list[mqtt_batch.Row]) -> bytes:
        self.flagged += sum(row[3] for row in rows)
        return await super().store(rows)


async def test_no_puback_leaves_before_the_commit(ctx: AppContext, broker: tuple[int, Path]) -> None:
    """Received, never committed, connection gone: the broker sends every message again, marked DUP."""
    port, _ = broker
    root = on_port(ctx, port)
    async with subscribed(ctx):
        pass  # the session exists: what is published now waits in the broker
    device = f"SMK-{uuid.uuid4().hex[:8]}"
    await publish(port, [(f"{root}/smoke/{device}", {"event": "heartbeat", "seq": n}) for n in range(1, 31)])
    stalling = StallingSink()
    async with subscribed(ctx, stalling) as first:
        await until(lambda: first.stats.received == 30, what="all thirty received")
    assert stalling.rows == 30 and first.stats.stored == 0
    writer = CopiesSeen(ctx)
    async with subscribed(ctx, writer) as second:
        await until(lambda: second.stats.stored == 30, what="all thirty again, stored")
    assert writer.flagged == 30  # each one sent again by the broker: none had been acknowledged
    assert stored_seqs(ctx, device) == list(range(1, 31))


def stored_seqs(ctx: AppContext, device: str) -> list[int]:
    with ctx.session_factory() as session:
        return [p["seq"] for p in session.scalars(select(IotMessage.payload).where(IotMessage.device_id == device)
                                                  .order_by(IotMessage.id))]


def loss_faults(ctx: AppContext, device: str) -> list[Alarm]:
    with ctx.session_factory() as session:
        return list(session.scalars(select(Alarm).where(Alarm.point_key == f"iot:{device}/loss")))


@pytest.mark.timeout(120)
async def test_order_holds_when_a_batch_fails_with_others_in_flight_and_a_gap_is_raised(
        ctx: AppContext, broker: tuple[int, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    port, _ = broker
    root = on_port(ctx, port)
    monkeypatch.setattr(mqtt, "MAX_BATCH", 7)  # many small batches: several in flight behind the failing one
    real, calls = mqtt_batch.ingest_messages, []

    def fails_on_the_third(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise OperationalError("COMMIT", {}, Exception("database is locked"))
        return real(*args, **kwargs)

    monkeypatch.setattr(mqtt_batch, "ingest_messages", fails_on_the_third)
    async with subscribed(ctx):
        pass
    devices = [f"HYD-{uuid.uuid4().hex[:8]}" for _ in range(4)]
    gappy = f"HYD-{uuid.uuid4().hex[:8]}"
    messages = [(f"{root}/hydrant_pressure/{d}", {"pressure_mpa": 0.3, "seq": n})
                for n in range(1, 31) for d in devices]
    messages += [(f"{root}/hydrant_pressure/{gappy}", {"pressure_mpa": 0.3, "seq": n}) for n in (1, 2, 5)]
    await publish(port, messages)
    async with subscribed(ctx) as subscriber:
        await until(lambda: subscriber.stats.stored == len(messages), what="every message", timeout=60)
    assert subscriber.stats.failed_batches == 1 and subscriber.stats.duplicates == 0
    for device in devices:
        assert stored_seqs(ctx, device) == list(range(1, 31)), device
        assert loss_faults(ctx, device) == []
    [fault] = loss_faults(ctx, gappy)
    assert fault.is_open and "丢失 2 条" in fault.description


def publish_packet(topic: str, payload: bytes, *, packet_id: int, dup: bool = False, retain: bool = False) -> bytes:
    """A PUBLISH as MQTT 3.1.1 §3.3 lays it out, written here independently of the code under test."""
    name = topic.encode()
    body = len(name).to_bytes(2, "big") + name + (packet_id.to_bytes(2, "big") if packet_id else b"") + payload
    length, encoded = len(body), bytearray()
    while True:
        length, digit = divmod(length, 128)
        encoded.append(digit | (0x80 if length else 0))
        if not length:
            break
    first = 0x30 | (0x08 if dup else 0) | (0x02 if packet_id else 0) | (0x01 if retain else 0)
    return bytes([first]) + bytes(encoded) + body


class Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += data

    def is_closing(self) -> bool:
        return False


@pytest.mark.parametrize("cut", [1, 3, 1000], ids=["byte by byte", "three bytes", "whole"])
async def test_the_reader_takes_packets_however_the_stream_is_cut(cut: int) -> None:
    """Remaining lengths of one, two and three bytes (§2.2.3), QoS 0 and 1, DUP and RETAIN, split anywhere."""
    sizes = [0, 5, 200, 20_000]
    stream = b"".join(publish_packet(f"t/{n}", b"x" * n, packet_id=n + 1 if n else 0,
                                               dup=n == 5, retain=n == 200) for n in sizes)
    stream += bytes([mqtt_wire.PINGRESP << 4, 0])
    conn = mqtt_wire.Connection(keepalive=60)
    conn.connection_made(Transport())
    for at in range(0, len(stream), cut):
        conn.data_received(stream[at:at + cut])
    got = await conn.take(10)
    assert [(m.topic, len(m.payload), m.packet_id, m.qos, m.maybe_copy) for m in got] == [
        ("t/0", 0, 0, 0, False), ("t/5", 5, 6, 1, True), ("t/200", 200, 201, 1, True),
        ("t/20000", 20_000, 20_001, 1, False)]
    assert not conn.closed.done()


def test_a_batch_s_pubacks_are_one_write_in_order() -> None:
    assert mqtt_wire.pubacks([1, 300, 65535]) == bytes([0x40, 2, 0, 1, 0x40, 2, 1, 44, 0x40, 2, 255, 255])
