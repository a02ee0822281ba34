"""MQTT delivery against the real Mosquitto: a message is acknowledged only once it is committed, so a
batch the database failed comes back, a copy of a committed one is not stored twice, messages sent while
citysafe is down arrive after it starts, and a malformed one or one ingest raises on is acknowledged
(counted, never sent again) without holding up the rest of its batch."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiomqtt
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError, ProgrammingError
from tests.firewatch.fw_support import forget_mqtt_session
from tests.support.waiting import until

from citysafe.core.config import Settings
from citysafe.core.context import AppContext
from citysafe.firewatch.config import FirewatchConfig
from citysafe.firewatch.ingest import mqtt, mqtt_batch
from citysafe.firewatch.ingest.iot_store import ReceivedMessage
from citysafe.firewatch.ingest.models import IotMessage


@pytest.fixture
async def mqtt_ctx(ctx: AppContext) -> AsyncIterator[tuple[AppContext, str]]:
    """The context with a topic root and a client id of this test alone: no run sees another's messages."""
    root = f"citysafe-test/{uuid.uuid4().hex}"
    client_id = f"cs-test-{uuid.uuid4().hex[:12]}"
    ctx.settings = ctx.settings.model_copy(update={"mqtt_url": "mqtt://127.0.0.1:1883",
                                                   "firewatch_mqtt_topics": f"{root}/#",
                                                   "firewatch_mqtt_client_id": client_id,
                                                   # a thread of this process writes: the tests patch ingest
                                                   "firewatch_mqtt_writer": "thread"})
    yield ctx, root
    await forget_mqtt_session(client_id)


@contextlib.asynccontextmanager
async def subscribed(ctx: AppContext) -> AsyncIterator[mqtt.Subscriber]:
    """The service as ``serve`` runs it, until its subscriptions are in place."""
    async with mqtt.running(FastAPI(), ctx):
        subscriber: mqtt.Subscriber = ctx.extras["firewatch.mqtt"]
        subscriber.first_pause = 0.1  # read when the task first runs, below
        await asyncio.wait_for(subscriber.ready.wait(), timeout=10)
        yield subscriber


async def publish(topic: str, *payloads: dict[str, Any] | bytes) -> None:
    async with aiomqtt.Client("127.0.0.1", 1883, identifier=f"test-{uuid.uuid4().hex[:8]}") as publisher:
        for payload in payloads:
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            await publisher.publish(topic, data, qos=1)


def stored(ctx: AppContext, device: str) -> int:
    with ctx.session_factory() as session:
        return session.scalar(select(func.count()).select_from(IotMessage).where(IotMessage.device_id == device)) or 0


def device_id() -> str:
    return f"SMK-{uuid.uuid4().hex[:8]}"


def database_down() -> OperationalError:
    return OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))


async def test_a_batch_whose_ingest_fails_is_redelivered_and_stored_once(
        mqtt_ctx: tuple[AppContext, str], monkeypatch: pytest.MonkeyPatch) -> None:
    ctx, root = mqtt_ctx
    real, calls = mqtt_batch.ingest_messages, []

    def fails_once(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise database_down()
        return real(*args, **kwargs)

    monkeypatch.setattr(mqtt_batch, "ingest_messages", fails_once)
    device, later = device_id(), device_id()
    async with subscribed(ctx) as subscriber:
        await publish(f"{root}/smoke/{device}", {"event": "alarm", "ts": 1772330400})
        await until(lambda: stored(ctx, device) == 1, what="the failed message, redelivered")
        # Messages are handled in order: once a later one is stored, no second copy of the first is coming.
        await publish(f"{root}/smoke/{later}", {"event": "heartbeat"})
        await until(lambda: stored(ctx, later) == 1, what="the later message")
    assert stored(ctx, device) == 1
    assert subscriber.stats.failed_batches == 1 and subscriber.stats.reconnects == 1
    assert subscriber.stats.duplicates == 0


async def test_a_copy_of_a_committed_message_is_not_stored_twice(
        mqtt_ctx: tuple[AppContext, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash after the commit and before the PUBACK: the broker sends the message again, with DUP."""
    ctx, root = mqtt_ctx
    real, calls = mqtt_batch.BatchWriter.ingest, []

    def commits_then_fails_once(self: mqtt_batch.BatchWriter, items: Any) -> Any:
        result = real(self, items)
        calls.append(1)
        if len(calls) == 1:
            raise database_down()  # as good as a crash before the acknowledgement
        return result

    monkeypatch.setattr(mqtt_batch.BatchWriter, "ingest", commits_then_fails_once)
    device, later = device_id(), device_id()
    async with subscribed(ctx) as subscriber:
        await publish(f"{root}/hydrant_pressure/{device}", {"pressure_mpa": 0.32})
        await until(lambda: subscriber.stats.duplicates == 1, what="the redelivered copy, recognised")
        await publish(f"{root}/smoke/{later}", {"event": "heartbeat"})
        await until(lambda: stored(ctx, later) == 1, what="the later message")
    assert stored(ctx, device) == 1
    assert subscriber.stats.failed_batches == 1


async def test_messages_published_while_stopped_arrive_after_restart(mqtt_ctx: tuple[AppContext, str]) -> None:
    ctx, root = mqtt_ctx
    async with subscribed(ctx):
        pass  # the broker now holds the session and its subscriptions
    first, second = device_id(), device_id()
    await publish(f"{root}/smoke/{first}", {"event": "alarm", "seq": 1})
    await publish(f"{root}/water_level/{second}", {"level_m": 2.5}, {"level_m": 2.4})
    async with subscribed(ctx) as subscriber:
        await until(lambda: stored(ctx, first) == 1 and stored(ctx, second) == 2, what="the messages queued meanwhile")
    assert subscriber.stats.duplicates == 0


async def test_malformed_payloads_are_acknowledged_and_counted(mqtt_ctx: tuple[AppContext, str]) -> None:
    ctx, root = mqtt_ctx
    device = device_id()
    async with subscribed(ctx) as subscriber:
        # One at a time, so that each is a batch of its own: one with nothing to store is acknowledged too.
        for count, payload in enumerate((b"not json", b"@@ broken frame", {"event": "exploded"}), start=1):
            await publish(f"{root}/smoke/{device}", payload)
            await until(lambda count=count: subscriber.stats.rejected == count, what=f"rejection {count}")
    assert stored(ctx, device) == 0
    # Unacknowledged messages would come again, first thing, on the resumed session.
    later = device_id()
    async with subscribed(ctx) as again:
        await publish(f"{root}/smoke/{later}", {"event": "heartbeat"})
        await until(lambda: stored(ctx, later) == 1, what="the later message")
    assert again.stats.received == 1 and again.stats.rejected == 0


def test_the_default_client_id_is_kept_per_data_dir(tmp_path: Path) -> None:
    one, other = Settings(data_dir=tmp_path / "one"), Settings(data_dir=tmp_path / "other")
    first = one.resolved_mqtt_client_id()
    assert Settings(data_dir=tmp_path / "one").resolved_mqtt_client_id() == first  # a restart keeps its session
    assert other.resolved_mqtt_client_id() != first
    assert len(first) <= 23 and first.startswith("citysafe-")  # MQTT 3.1.1 servers must accept 23 characters
    assert Settings(data_dir=tmp_path / "one", firewatch_mqtt_client_id="site-a").resolved_mqtt_client_id() == "site-a"


POISON = {"event": "alarm", "poison": True}


def raises_on_poison(real: Callable[..., Any]) -> Callable[..., Any]:
    """``ingest_messages`` that fails on a batch holding the poison payload (a bug, not a schema error)."""
    def ingest(*args: Any, items: list[ReceivedMessage], **kwargs: Any) -> Any:
        if any(item.payload == POISON for item in items):
            raise KeyError("a bug the payload trips")
        return real(*args, items=items, **kwargs)
    return ingest


def test_a_failing_batch_is_halved_until_the_culprit_is_alone(
        ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mqtt_batch, "ingest_messages", raises_on_poison(mqtt_batch.ingest_messages))
    writer = mqtt_batch.BatchWriter(ctx, FirewatchConfig())
    devices = [device_id() for _ in range(5)]
    items: list[mqtt_batch.Item] = [
        ReceivedMessage(payload=POISON if i == 3 else {"event": "heartbeat"}, source=f"mqtt:t/smoke/{d}",
                        received_at=ctx.clock.now(), device_id=d, kind="smoke") for i, d in enumerate(devices)]
    code = mqtt_batch.Code
    assert writer.store(items) == [code.STORED, code.STORED, code.STORED, code.SET_ASIDE, code.STORED]
    assert [stored(ctx, d) for d in devices] == [1, 1, 1, 0, 1]


def schema_mismatch() -> ProgrammingError:
    return ProgrammingError("INSERT INTO fw_iot_message", {}, Exception("column \"kind\" does not exist"))


@pytest.mark.parametrize("trouble", [database_down, schema_mismatch], ids=["database down", "schema mismatch"])
def test_a_failing_database_splits_nothing(
        ctx: AppContext, monkeypatch: pytest.MonkeyPatch, trouble: Callable[[], Exception]) -> None:
    """Every message would fail alone too: splitting would set them all aside as poison and lose them."""
    def down(*args: Any, **kwargs: Any) -> Any:
        raise trouble()

    monkeypatch.setattr(mqtt_batch, "ingest_messages", down)
    writer = mqtt_batch.BatchWriter(ctx, FirewatchConfig())
    items: list[mqtt_batch.Item] = [ReceivedMessage(payload={}, source="mqtt:t", received_at=ctx.clock.now())
                                    for _ in range(4)]
    with pytest.raises(type(trouble())):
        writer.store(items)
    # As the writer answers it: every message withheld, none acknowledged.
    rows: list[mqtt_batch.Row] = [("t/smoke/x", b"{}", ctx.clock.now(), False, 1)] * 4
    assert writer.write(rows) == bytes(4)


async def test_a_poison_message_is_set_aside_and_the_rest_of_its_batch_stored(
        mqtt_ctx: tuple[AppContext, str], monkeypatch: pytest.MonkeyPatch) -> None:
    ctx, root = mqtt_ctx
    monkeypatch.setattr(mqtt_batch, "ingest_messages", raises_on_poison(mqtt_batch.ingest_messages))
    async with subscribed(ctx):
        pass  # the session exists: what is published now waits in the broker and arrives as one batch
    good, bad = device_id(), device_id()
    await publish(f"{root}/smoke/{good}", {"event": "heartbeat", "seq": 1})
    await publish(f"{root}/smoke/{bad}", POISON)
    await publish(f"{root}/smoke/{good}", {"event": "heartbeat", "seq": 2})
    async with subscribed(ctx) as subscriber:
        await until(lambda: subscriber.stats.poisoned == 1 and stored(ctx, good) == 2, what="the good ones stored")
    assert stored(ctx, bad) == 0
    assert subscriber.stats.stored == 2 and subscriber.stats.reconnects == 0 and subscriber.stats.failed_batches == 0
    # Set aside means acknowledged: the resumed session brings back nothing of it.
    later = device_id()
    async with subscribed(ctx) as again:
        await publish(f"{root}/smoke/{later}", {"event": "heartbeat"})
        await until(lambda: stored(ctx, later) == 1, what="the later message")
    assert again.stats.received == 1 and again.stats.poisoned == 0


@pytest.mark.parametrize("raw", [
    b"not json", b'{"pressure_mpa": NaN}', b'{"pressure_mpa": Infinity}', b'{"pressure_mpa": 1e400}',
    rb'{"description": "\ud800"}', "{\"description\": \"烟感\"}".encode("gb18030"), b'{"seq": 1',
], ids=["text", "NaN", "Infinity", "overflow", "lone surrogate", "GB18030", "truncated"])
def test_a_payload_that_is_not_json_is_rejected_before_ingest(ctx: AppContext, raw: bytes) -> None:
    """RFC 8259 JSON in UTF-8 only: what json.loads would let through (NaN, ∞, a lone surrogate) the JSON
    column would not store alike on both databases."""
    writer = mqtt_batch.BatchWriter(ctx, FirewatchConfig())
    assert writer.decode(("t/smoke/X-1", raw, ctx.clock.now(), False, 1)) == "payload is not JSON"
    assert writer.write([("t/smoke/X-1", raw, ctx.clock.now(), False, 1)]) == bytes([mqtt_batch.Code.REJECTED])
    assert stored(ctx, "X-1") == 0


def test_a_json_payload_decodes_as_json_loads_would(ctx: AppContext) -> None:
    text = json.dumps({"device_id": "X-2", "seq": 2**70, "ts": "2026-03-01T10:00:00", "temperature_c": [41.5, -0.0],
                       "description": "三楼 烟感", "fault": False, "extra": None}, ensure_ascii=False)
    item = mqtt_batch.BatchWriter(ctx, FirewatchConfig()).decode(
        ("t/smoke/X-2", text.encode(), ctx.clock.now(), True, 1))
    assert isinstance(item, ReceivedMessage)
    assert item.payload == json.loads(text) and item.text == text
    assert (item.kind, item.device_id, item.source, item.redelivered) == ("smoke", "X-2", "mqtt:t/smoke/X-2", True)
