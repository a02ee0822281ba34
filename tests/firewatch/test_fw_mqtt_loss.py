"""MQTT at rate without silent loss, against a Mosquitto of each test's own: the writer process answers
only after commit (killed before or after its commit, nothing is lost nor stored twice), telemetry writes
no audit rows and last-seen at most every 30 s, a device's sequence gap and the broker's dropped count
each raise a fault, and the broker configuration check names the settings that lose messages."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiomqtt
import pytest
from sqlalchemy import func, select
from tests.firewatch.fw_mosquitto import mosquitto, subscribed
from tests.firewatch.fw_support import T0
from tests.support.waiting import until

from citysafe.core.audit import AuditEntry
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.firewatch.alarms.models import Alarm
from citysafe.firewatch.config import FirewatchConfig
from citysafe.firewatch.ingest import mqtt, mqtt_broker
from citysafe.firewatch.ingest.iot_store import SEEN_WRITE_INTERVAL_S, ReceivedMessage, ingest_messages
from citysafe.firewatch.ingest.models import IotMessage
from citysafe.firewatch.ingest.mqtt_sinks import ProcessWriter
from citysafe.firewatch.registry import cache as regcache
from citysafe.firewatch.registry.models import IotDevice

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def broker() -> Iterator[tuple[int, Path]]:
    """Mosquitto as docs/operations.md recommends it, but publishing $SYS every second."""
    with mosquitto(max_queued_messages=100000, max_inflight_messages=1000, sys_interval=1) as found:
        yield found


def on_port(ctx: AppContext, port: int, conf: Path, **more: Any) -> str:
    root = f"cs-loss/{uuid.uuid4().hex[:8]}"
    ctx.settings = ctx.settings.model_copy(update={
        "mqtt_url": f"mqtt://127.0.0.1:{port}", "firewatch_mqtt_topics": f"{root}/#",
        "firewatch_mqtt_client_id": f"cs-{uuid.uuid4().hex[:12]}", "firewatch_mqtt_broker_config": str(conf),
        "firewatch_mqtt_writer": "thread", **more})
    return root


async def publish(port: int, topic: str, payloads: list[dict[str, Any]]) -> None:
    async with aiomqtt.Client("127.0.0.1", port, identifier=f"pub-{uuid.uuid4().hex[:8]}") as publisher:
        for payload in payloads:
            await publisher.publish(topic, json.dumps(payload).encode(), qos=1)


def stored(ctx: AppContext, device: str) -> int:
    with ctx.session_factory() as session:
        return session.scalar(select(func.count()).select_from(IotMessage).where(IotMessage.device_id == device)) or 0


def faults(ctx: AppContext, point_key: str) -> list[Alarm]:
    with ctx.session_factory() as session:
        return list(session.scalars(select(Alarm).where(Alarm.point_key == point_key, Alarm.kind == "fault")))


@pytest.mark.timeout(300)  # two writer children start (up to 16 s each on the loaded machine), one dies
@pytest.mark.parametrize("moment", ["before", "after"])
async def test_a_writer_killed_around_its_commit_loses_nothing_and_stores_nothing_twice(
        ctx: AppContext, broker: tuple[int, Path], tmp_path: Path, moment: str) -> None:
    """The writer child dies on its first batch, before its commit or after it (the answer never leaves):
    nothing was acknowledged, the broker sends the batch again, and every message is stored exactly once."""
    port, conf = broker
    root = on_port(ctx, port, conf)
    device = f"SMK-{uuid.uuid4().hex[:8]}"
    command = (sys.executable, "-m", "tests.firewatch.mqtt_crashing_writer", moment, str(tmp_path / "died"))
    sink = ProcessWriter(ctx.settings, command=command, on_events=lambda name, payload: None)
    async with subscribed(ctx):
        pass  # the session exists: what is published now waits in the broker
    await publish(port, f"{root}/smoke/{device}", [{"event": "heartbeat", "seq": n} for n in range(1, 21)])
    async with subscribed(ctx, sink) as subscriber:
        await until(lambda: subscriber.stats.stored + subscriber.stats.duplicates == 20, what="all twenty",
                    timeout=120)
    assert (tmp_path / "died").exists()
    assert subscriber.stats.failed_batches == 1 and sink.restarts == 1
    assert stored(ctx, device) == 20
    assert subscriber.stats.duplicates == (int((tmp_path / "died").read_text()) if moment == "after" else 0)
    assert faults(ctx, f"iot:{device}/loss") == []  # nothing lost, so no gap either


def message(device: str, seconds: float, **payload: Any) -> ReceivedMessage:
    return ReceivedMessage(payload={"event": "heartbeat", **payload}, source=f"mqtt:t/smoke/{device}",
                           received_at=T0 + timedelta(seconds=seconds), device_id=device, kind="smoke")


def ingest(ctx: AppContext, *items: ReceivedMessage) -> None:
    with unit_of_work(ctx.session_factory, actor="system:mqtt") as session:
        outcomes = ingest_messages(session, items=list(items), clock=ctx.clock, config=FirewatchConfig())
    assert [o.error for o in outcomes] == [None] * len(items)


def test_telemetry_writes_no_audit_rows_and_last_seen_at_most_every_30_seconds(ctx: AppContext) -> None:
    device = "SMK-seen-1"

    def state() -> tuple[int, Any]:
        with ctx.session_factory() as session:
            audits = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
            return audits, session.scalar(select(IotDevice.last_seen_at).where(IotDevice.device_id == device))

    ingest(ctx, message(device, 0))  # an unknown device: created (its one audit row), seen at T0
    audits, seen = state()
    assert seen == T0
    ingest(ctx, message(device, 5), message(device, 10, battery_pct=80))
    assert state() == (audits, T0)  # within 30 s of the last write: not written again
    ingest(ctx, message(device, SEEN_WRITE_INTERVAL_S + 1))
    assert state() == (audits, T0 + timedelta(seconds=SEEN_WRITE_INTERVAL_S + 1))
    assert stored(ctx, device) == 4


def test_a_sequence_gap_raises_a_fault_and_a_restarted_count_does_not(ctx: AppContext) -> None:
    device = "SMK-seq-1"
    ingest(ctx, message(device, 0, seq=1), message(device, 1, seq=2))
    assert faults(ctx, f"iot:{device}/loss") == []
    ingest(ctx, message(device, 2, seq=5))
    [alarm] = faults(ctx, f"iot:{device}/loss")
    assert alarm.is_open and "丢失 2 条" in alarm.description
    ingest(ctx, message(device, 3, seq=1), message(device, 4, seq=2))  # the device restarted its count
    [alarm] = faults(ctx, f"iot:{device}/loss")
    assert alarm.occurrences == 1
    # Another process (its memory empty) takes the baseline from the last stored message.
    ctx.slot_value(regcache.CACHE).reset()
    ingest(ctx, message(device, 5, seq=4))
    [alarm] = faults(ctx, f"iot:{device}/loss")
    assert alarm.occurrences == 2


async def test_messages_the_broker_drops_raise_a_fault(ctx: AppContext) -> None:
    """Mosquitto's stock queue of 1000, here 10: what overflows it while citysafe is away is lost, and
    the broker's $SYS count says so."""
    with mosquitto(max_queued_messages=10, sys_interval=1) as (port, conf):
        root = on_port(ctx, port, conf)
        async with subscribed(ctx) as subscriber:
            assert any("max_queued_messages 10" in problem for problem in subscriber.broker_problems)
        await publish(port, f"{root}/smoke/SMK-drop-1", [{"event": "heartbeat"}] * 50)
        async with subscribed(ctx) as subscriber:
            await until(lambda: subscriber.stats.broker_dropped == 40, what="the broker's dropped count")
            assert stored(ctx, "SMK-drop-1") == 10
        [alarm] = faults(ctx, f"mqtt:127.0.0.1:{port}/dropped")
        assert "丢弃了 40 条" in alarm.description
        # Started again, citysafe compares with the count it stored: nothing new, no new occurrence.
        async with subscribed(ctx) as subscriber:
            await asyncio.sleep(2.5)  # two $SYS intervals
            assert subscriber.stats.broker_dropped == 0
        assert [a.occurrences for a in faults(ctx, f"mqtt:127.0.0.1:{port}/dropped")] == [1]


def test_the_config_check_names_what_loses_messages_and_passes_the_shipped_example(tmp_path: Path) -> None:
    stock = tmp_path / "stock.conf"
    stock.write_text("listener 1883 127.0.0.1\n", encoding="utf-8")
    problems = mqtt_broker.check_config(mqtt_broker.read_config(stock), backlog=1_000_000, batch=mqtt.MAX_BATCH)
    assert [p.split()[0] for p in problems] == ["max_queued_messages", "max_inflight_messages", "persistence"]
    shipped = mqtt_broker.read_config(REPO / "deploy" / "mosquitto" / "citysafe.conf")
    assert mqtt_broker.check_config(shipped, backlog=1_000_000, batch=mqtt.MAX_BATCH) == []
