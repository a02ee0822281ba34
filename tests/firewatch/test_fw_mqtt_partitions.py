"""MQTT's partitioned writers (``mqtt_sinks.PartitionedWriter``, two writer processes by default, on SQLite
as on PostgreSQL): a device's messages always go to the same writer and keep their order, the answers come back
in the batch's order, a writer that fails withholds only its own share; and two fires of one zone stored
at once by two writers still corroborate each other (``core.db.one_at_a_time``)."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiomqtt
import pytest
from sqlalchemy import func, select, text
from tests.firewatch.fw_mosquitto import mosquitto, subscribed
from tests.firewatch.fw_support import FIRE, T0, component_frame, make_unit, received
from tests.support.waiting import until, until_sync

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.firewatch.alarms.models import Alarm
from citysafe.firewatch.ingest import mqtt
from citysafe.firewatch.ingest.models import IotMessage
from citysafe.firewatch.ingest.mqtt_batch import Code, Row, device_key
from citysafe.firewatch.ingest.mqtt_sinks import PartitionedWriter, ProcessWriter
from citysafe.firewatch.ingest.service import ingest_frames

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def row(topic: str, payload: dict[str, Any] | bytes, connection: int = 1) -> Row:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return (topic, raw, NOW, False, connection)


def test_a_message_belongs_to_the_device_ingest_stores_it_under() -> None:
    assert device_key("citysafe/iot/smoke/SMK-1", b'{"event": "heartbeat"}') == "SMK-1"
    # A gateway publishing for its devices on one topic: the payload's device_id, as iot_store takes it.
    assert device_key("citysafe/iot/gw-7", b'{"device_id": "SMK-9", "event": "alarm"}') == "SMK-9"
    assert device_key("citysafe/iot/gw-7", b'{"device_id": "", "event": "alarm"}') == "gw-7"
    assert device_key("citysafe/iot/smoke/SMK-1/", b'{"device_id": broken') == "SMK-1"
    assert device_key("uitd/bridge-3", b"@@\x01\x00 a frame, not JSON") == "bridge-3"


class Recorder:
    """A writer that answers STORED, or REJECTED for a payload that says so, or withholds everything when
    told to fail; it keeps what it was given."""

    def __init__(self, *, failing: bool = False) -> None:
        self.failing = failing
        self.batches: list[list[Row]] = []

    async def start(self) -> None:
        return None

    async def store(self, rows: list[Row]) -> bytes:
        if not rows:
            return b""
        self.batches.append(rows)
        if self.failing:
            return bytes(len(rows))
        return bytes(Code.REJECTED if b"bad" in r[1] else Code.STORED for r in rows)

    def health(self) -> dict[str, Any]:
        return {"ok": not self.failing}

    async def aclose(self) -> None:
        return None


async def test_each_device_goes_to_one_writer_in_order_and_the_answers_keep_the_batch_order() -> None:
    writers = [Recorder(), Recorder()]
    sink = PartitionedWriter(writers)
    devices = [f"SMK-{n}" for n in range(12)]
    batches = [[row(f"t/smoke/{d}", {"seq": seq, **({"note": "bad"} if (seq + n) % 5 == 0 else {})})
                for n, d in enumerate(devices)] for seq in range(1, 4)]
    answers = [await sink.store(batch) for batch in batches]
    for batch, answer in zip(batches, answers, strict=True):
        assert list(answer) == [Code.REJECTED if b"bad" in r[1] else Code.STORED for r in batch]
    got = [[(r[0], json.loads(r[1])["seq"]) for b in w.batches for r in b] for w in writers]
    assert all(got), "twelve devices share out to both writers"
    for topic in {r[0] for b in batches for r in b}:
        [holder] = [w for w in got if any(t == topic for t, _ in w)]  # one writer has all of a device's
        assert [seq for t, seq in holder if t == topic] == [1, 2, 3]
    assert sink.health()["ok"]


async def test_a_failing_writer_withholds_only_its_own_share() -> None:
    failing = Recorder(failing=True)
    sink = PartitionedWriter([Recorder(), failing])
    batch = [row(f"t/smoke/SMK-{n}", {"seq": 1}) for n in range(20)]
    answer = await sink.store(batch)
    withheld = {r[0] for r, code in zip(batch, answer, strict=True) if code == Code.WITHHELD}
    failed_share = {r[0] for b in failing.batches for r in b}
    assert withheld == failed_share and 0 < len(withheld) < 20
    assert not sink.health()["ok"]


def test_serve_runs_two_writer_processes_by_default(ctx: AppContext) -> None:
    """On either database: on SQLite one parses its batch while the other holds the write lock."""
    ctx.settings = ctx.settings.model_copy(update={"firewatch_mqtt_writer": "process", "firewatch_mqtt_writers": 0})
    sink = mqtt.sink_for(ctx)
    assert isinstance(sink, PartitionedWriter) and len(sink.writers) == 2
    assert all(isinstance(w, ProcessWriter) for w in sink.writers)


@pytest.fixture
def broker() -> Iterator[tuple[int, Path]]:
    with mosquitto(max_queued_messages=100000, max_inflight_messages=1000) as found:
        yield found


@pytest.mark.timeout(300)  # two writer children start (up to 16 s each on the loaded machine)
async def test_two_writer_processes_store_every_message_once_in_each_devices_order(
        ctx: AppContext, broker: tuple[int, Path]) -> None:
    port, _conf = broker
    root = f"cs-parts/{uuid.uuid4().hex[:8]}"
    ctx.settings = ctx.settings.model_copy(update={
        "mqtt_url": f"mqtt://127.0.0.1:{port}", "firewatch_mqtt_topics": f"{root}/#",
        "firewatch_mqtt_client_id": f"cs-{uuid.uuid4().hex[:12]}", "firewatch_mqtt_broker_config": "",
        "firewatch_mqtt_writer": "process", "firewatch_mqtt_writers": 2})
    sink = mqtt.sink_for(ctx)
    assert isinstance(sink, PartitionedWriter)
    assert all(isinstance(w, ProcessWriter) for w in sink.writers)
    devices = [f"SMK-{uuid.uuid4().hex[:6]}" for _ in range(16)]
    async with subscribed(ctx):
        pass  # the session exists: what is published now waits in the broker, and comes in large batches
    async with aiomqtt.Client("127.0.0.1", port, identifier=f"pub-{uuid.uuid4().hex[:8]}") as publisher:
        for seq in range(1, 26):
            for device in devices:
                await publisher.publish(f"{root}/smoke/{device}", json.dumps({"event": "heartbeat", "seq": seq}),
                                        qos=1)
    async with subscribed(ctx, sink) as subscriber:
        await until(lambda: subscriber.stats.stored == 400, what="all 400 stored", timeout=120)
        pids = {w.pid for w in sink.writers if isinstance(w, ProcessWriter)}
    assert len(pids) == 2 and None not in pids
    with ctx.session_factory() as session:
        rows = session.execute(select(IotMessage.device_id, IotMessage.payload).order_by(IotMessage.id)).all()
        loss = session.scalar(select(func.count()).select_from(Alarm).where(Alarm.kind == "fault"))
    assert len(rows) == 400
    for device in devices:  # ids rise in each device's order: its writer stored them as they came
        assert [p["seq"] for d, p in rows if d == device] == list(range(1, 26))
    assert loss == 0


def test_two_fires_of_one_zone_stored_at_once_by_two_writers_corroborate(ctx: AppContext) -> None:
    """The first writer's transaction has raised its fire and not committed; the second, raising a fire in
    the same zone, waits for it (PostgreSQL: the zone's advisory lock; SQLite: the write lock) and then sees
    it: both are corroborated. Without the wait neither transaction would see the other's fire."""
    make_unit(ctx, address=100002, zone_components=[(1, "2层", "B区"), (2, "2层", "B区")])
    clock = FixedClock(T0)
    first_raised, commit_first = threading.Event(), threading.Event()

    def first_writer() -> None:
        with unit_of_work(ctx.session_factory, actor="system:mqtt") as session:
            ingest_frames(session, items=[received(component_frame(100002, FIRE, component_address=1), T0)],
                          clock=clock)
            first_raised.set()
            commit_first.wait(60)

    def second_writer() -> None:
        with unit_of_work(ctx.session_factory, actor="system:mqtt") as session:
            ingest_frames(session, items=[received(component_frame(100002, FIRE, component_address=2), T0)],
                          clock=clock)

    first = threading.Thread(target=first_writer)
    first.start()
    assert first_raised.wait(60)
    second = threading.Thread(target=second_writer)
    second.start()
    if ctx.engine.dialect.name == "postgresql":
        until_sync(lambda: _advisory_waiters(ctx) == 1, what="the second writer waits for the zone", timeout=30)
    else:
        second.join(0.5)  # SQLite: it waits for the write lock at its BEGIN
    assert second.is_alive()
    commit_first.set()
    first.join(60)
    second.join(60)
    with ctx.session_factory() as session:
        fires = session.execute(select(Alarm.component_address, Alarm.corroborated).where(Alarm.kind == "fire"))
        corroborated = {row.component_address: row.corroborated for row in fires}
    assert corroborated == {1: True, 2: True}


def _advisory_waiters(ctx: AppContext) -> int:
    with ctx.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                                     " AND wait_event = 'advisory' AND datname = current_database()")).scalar_one())
