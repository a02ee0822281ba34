"""Benchmark: MQTT ingest against a real Mosquitto, next to the broker's own backlog drain in the same run.

A Mosquitto of the run's own (the settings of deploy/mosquitto/citysafe.conf, or with ``--stock`` the
stock queue limits: 1000 queued, 20 in flight) on a free port. Each round, three by default, on a fresh
session: ``--messages`` QoS-1 messages from ``--devices`` devices (smoke heartbeats, hydrant pressure,
electrical readings, each with its ``seq``) are published while the subscriber is away, so that they
wait in the broker as a backlog; then

* baseline, the broker's drain: Mosquitto's own C client (``mosquitto_sub``, QoS 1) receives it:
  messages/s from its start to its exit; and, for reference, a bare aiomqtt subscriber (a general
  Python client library, PUBACKs sent by it at once) from connect to the last message;
* citysafe's subscriber path alone (``citysafe_receive_only``): ``ingest.mqtt.Subscriber`` on its own
  MQTT client (``ingest.mqtt_wire``) with a sink that answers every batch at once, writing nothing:
  what receiving, batching and acknowledging cost, told apart from the database's share;
* citysafe: ``ingest.mqtt.Subscriber`` with its writer process (``citysafe firewatch mqtt-writer``) on a
  fresh SQLite (or ``--database-url`` PostgreSQL) database drains it: messages/s from connect to the last
  PUBACK, which goes only after the commit that holds the message.

Lost = messages published − messages stored (checked in the database); the broker's dropped count and
the fault alarms citysafe raised are reported too. Prints one JSON object; ``--rounds`` rounds,
medians; the ratio is citysafe's rate over the broker's drain.

    .venv/bin/python bench/mqtt.py [--messages 50000] [--devices 500] [--rounds 3] [--stock]
                                   [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/x]

Measured 2026-12-07 (50,000 messages, 500 devices, 3 rounds, medians; the documented settings; the shared
2-core machine, load average 2–5; the drain itself swung between 40,000 and 85,000/s from round to round,
so only the same-round ratios mean much; before → after the COPY / reading-index / fewer-objects change):

    SQLite      citysafe  7,732/s (0.195 of a 42,723/s drain) → 23,428/s (0.276 of 77,687/s)
    PostgreSQL  citysafe  6,475/s (0.096 of a 58,984/s drain) → 15,857/s (0.235 of 67,486/s)

none lost, 500 audit rows (the devices' creation), no fault raised. Later that day, with msgspec decoding the
JSON (the same command, SQLite, the run before it on 8d2c763): 27,407/s (0.330 of 90,627/s) → 37,084/s (0.519
of 54,285/s, rounds 0.31, 0.85, 0.52: within the noise of 0.5), writer ~30 → ~25 µs a message in quiet rounds.
The writer child is the limit, at ~25–40 µs of CPU a message on SQLite and ~40 µs on PostgreSQL (plus the
server's own share); its breakdown and the history are in docs/operations.md ("MQTT: the broker's settings
and loss detection").

Stop 26 (PostgreSQL: states by one array parameter, binary COPY, two writer processes by device; the machine
quiet): PostgreSQL 14,580/s (0.23 of 82,216/s) → 33,277/s (0.389 of 82,935/s; rounds 0.53, 0.33, 0.39), none
lost; SQLite, one writer, 28,113/s (0.483 of 66,260/s). ``--writers N`` overrides the count.

Stop 28 (two writers on SQLite too, each parsing before the write lock, turns queued by flock; a batch's new
devices in one flush; readings not indexed by time): SQLite 25,192/s (0.384 of 61,369/s, one writer, before)
→ 33,267/s (0.585 of 56,834/s) and, the same code run again, 26,952/s (0.433 of 65,849/s): the writers' CPU a
message swung 31 → 42 µs between those runs. PostgreSQL 26,317/s (0.449 of 58,811/s). Then 16 batches in
flight instead of 4 (the broker's max_inflight_messages 8000), so that the writers merge a backlog into
transactions of thousands: SQLite 0.513 (0.51, 0.64, 0.51), 0.574 (0.47, 0.80, 0.57), 0.439 (0.44, 0.41, 0.70)
and 0.467 (0.45, 0.47, 0.78) of the drain in four runs, 28-35k/s, the writers' CPU 25-40 µs a message from round
to round; PostgreSQL 37,172/s, 0.728 (0.73, 0.71, 0.77). None lost, nothing dropped by the broker.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiomqtt
import paho.mqtt.client as paho
from fastapi import FastAPI
from sqlalchemy import create_engine, func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.firewatch.fw_mosquitto
sys.path.insert(0, str(Path(__file__).resolve().parent))  # harness

from tests.firewatch.fw_mosquitto import mosquitto

from citysafe.core.audit import AuditEntry
from citysafe.core.config import Settings
from citysafe.core.context import AppContext
from citysafe.core.migrate import upgrade
from citysafe.firewatch.alarms.models import Alarm
from citysafe.firewatch.ingest import mqtt
from citysafe.firewatch.ingest.models import IotMessage
from citysafe.firewatch.ingest.mqtt_batch import Code
from citysafe.firewatch.ingest.mqtt_sinks import PartitionedWriter, ProcessWriter
from citysafe.registry import new_context
from harness import cpu_seconds

SHIPPED = Path(__file__).resolve().parents[1] / "deploy" / "mosquitto" / "citysafe.conf"
STOCK = {"max_queued_messages": 1000, "max_inflight_messages": 20}


def documented() -> dict[str, str]:
    """The queue settings of deploy/mosquitto/citysafe.conf (listener and paths are the run's own)."""
    keep = {"max_queued_messages", "max_queued_bytes", "max_inflight_messages", "persistence"}
    found = {}
    for line in SHIPPED.read_text(encoding="utf-8").splitlines():
        words = line.split()
        if len(words) == 2 and words[0] in keep:
            found[words[0]] = words[1]
    return found


def traffic(messages: int, devices: int, root: str) -> list[tuple[str, bytes]]:
    rng = random.Random(7)
    kinds = ["smoke", "hydrant_pressure", "electrical_fire"]
    fleet = [(kinds[i % 3], f"BENCH-{i:05d}") for i in range(devices)]
    out = []
    for n in range(messages):
        kind, device = fleet[n % devices]
        seq = n // devices + 1
        payload: dict[str, Any] = {"seq": seq, "ts": 1772330400 + seq}
        if kind == "smoke":
            payload["event"] = "heartbeat"
        elif kind == "hydrant_pressure":
            payload["pressure_mpa"] = round(rng.uniform(0.25, 0.4), 3)
        else:
            payload.update(residual_current_ma=round(rng.uniform(10, 90), 1),
                           temperature_c=[round(rng.uniform(20, 40), 1)] * 3)
        out.append((f"{root}/{kind}/{device}", json.dumps(payload).encode()))
    return out


def publish(port: int, messages: list[tuple[str, bytes]]) -> float:
    """QoS-1 publish of everything (many in flight); seconds until the broker acknowledged the last."""
    client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:8]}")
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    start = time.perf_counter()
    infos = [client.publish(topic, payload, qos=1) for topic, payload in messages]
    for info in infos:
        info.wait_for_publish(60)
    seconds = time.perf_counter() - start
    client.loop_stop()
    client.disconnect()
    return seconds


async def open_session(port: int, client_id: str, topic: str) -> None:
    async with aiomqtt.Client("127.0.0.1", port, identifier=client_id, clean_session=False) as client:
        await client.subscribe(topic, qos=1)


async def bare_drain(port: int, client_id: str, count: int, idle: float) -> dict[str, Any]:
    """Receive until ``count`` messages came, or none for ``idle`` seconds (the broker dropped the rest)."""
    start = last = time.perf_counter()
    received = 0
    async with aiomqtt.Client("127.0.0.1", port, identifier=client_id, clean_session=False) as client:
        messages = aiter(client.messages)
        while received < count:
            try:
                await asyncio.wait_for(anext(messages), idle)
            except TimeoutError:
                break
            received += 1
            last = time.perf_counter()
    seconds = last - start
    return {"received": received, "seconds": round(seconds, 3), "msgs_per_s": round(received / seconds)}


def broker_drain(port: int, client_id: str, topic: str, count: int, idle: float) -> dict[str, Any]:
    """The broker's own delivery rate of the backlog: Mosquitto's C client (mosquitto_sub, QoS 1, the
    session's queue) receiving ``count`` messages, timed from its start to its exit."""
    start = time.perf_counter()
    done = subprocess.run(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-i", client_id, "-c", "-q", "1",
                           "-t", topic, "-C", str(count), "-W", str(int(idle * 3))],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False)
    seconds = time.perf_counter() - start
    received = done.stdout.count(b"\n")
    return {"received": received, "seconds": round(seconds, 3), "msgs_per_s": round(received / seconds)}


def fresh_database(directory: Path, database_url: str) -> Settings:
    if database_url:
        admin = create_engine(database_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        name = f"bench_mqtt_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        database_url = database_url.rsplit("/", 1)[0] + "/" + name
    settings = Settings(data_dir=directory, database_url=database_url)
    ctx = AppContext.from_settings(settings)
    upgrade(ctx.engine)
    ctx.engine.dispose()
    return settings


def drop_database(settings: Settings) -> None:
    """The round's PostgreSQL database goes again (an SQLite file goes with the temporary folder)."""
    url = settings.database_url
    if not url.startswith("postgresql"):
        return
    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


async def citysafe_drain(settings: Settings, port: int, client_id: str, root: str, count: int,
                         idle: float, writers: int = 0) -> dict[str, Any]:
    """Drain as ``bare_drain`` does, but through citysafe: until the last message is acknowledged after its
    commit (or none was for ``idle`` seconds). ``writers``: writer processes (0: as ``serve`` decides)."""
    settings = settings.model_copy(update={"firewatch_mqtt_writers": writers,
        "mqtt_url": f"mqtt://127.0.0.1:{port}", "firewatch_mqtt_topics": f"{root}/#",
        "firewatch_mqtt_client_id": client_id, "firewatch_mqtt_broker_config": ""})
    ctx = new_context(settings)
    sink = mqtt.sink_for(ctx)  # as ``serve`` builds it: on PostgreSQL two writer processes by default
    await sink.start()  # the children's start-up is not the drain's
    children = sink.writers if isinstance(sink, PartitionedWriter) else (sink,)
    writer_pids = [child.pid for child in children if isinstance(child, ProcessWriter)]
    assert writer_pids
    assert None not in writer_pids
    writer_cpu, own_cpu = sum(cpu_seconds(pid) for pid in writer_pids if pid), time.process_time()
    start = time.perf_counter()
    async with mqtt.running(FastAPI(), ctx, sink):
        subscriber: mqtt.Subscriber = ctx.extras[mqtt.SUBSCRIBER_EXTRA]
        last, done = start, 0
        while done < count and time.perf_counter() - last < idle:
            await asyncio.sleep(0.01)
            if subscriber.stats.stored + subscriber.stats.duplicates > done:
                done, last = subscriber.stats.stored + subscriber.stats.duplicates, time.perf_counter()
        seconds = last - start
        writer_cpu = sum(cpu_seconds(pid) for pid in writer_pids if pid) - writer_cpu
        own_cpu = time.process_time() - own_cpu
        stats = subscriber.stats
        await asyncio.sleep(2.5)  # two $SYS intervals: the broker's dropped count arrives
        dropped = subscriber.stats.broker_dropped
    with ctx.session_factory() as session:
        stored = session.scalar(select(func.count()).select_from(IotMessage)) or 0
        audits = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
        faults = session.execute(select(Alarm.point_key, Alarm.description).where(Alarm.kind == "fault")).all()
    ctx.engine.dispose()
    return {"acked_after_commit": stats.stored, "stored_rows": stored, "duplicates": stats.duplicates,
            "seconds": round(seconds, 3), "msgs_per_s": round(stats.stored / seconds), "audit_rows": audits,
            "writer_processes": len(writer_pids),
            "writer_cpu_us_per_msg": round(writer_cpu / max(stats.stored, 1) * 1e6),
            "subscriber_cpu_us_per_msg": round(own_cpu / max(stats.stored, 1) * 1e6),
            "broker_dropped": dropped, "loss_faults": len(faults),
            "fault_examples": [f"{k}: {d}" for k, d in faults[:3]], "failed_batches": stats.failed_batches}


class AnswerAtOnce:
    """A sink that answers every message STORED without writing it: the subscriber's own path (receive,
    batch, PUBACK) on its own, to tell its cost from the database's."""

    async def start(self) -> None:
        return None

    async def store(self, rows: list[Any]) -> bytes:
        return bytes([Code.STORED]) * len(rows)

    def health(self) -> dict[str, Any]:
        return {"ok": True}

    async def aclose(self) -> None:
        return None


async def receive_only(settings: Settings, port: int, client_id: str, root: str, count: int,
                       idle: float) -> dict[str, Any]:
    """citysafe's subscriber with ``AnswerAtOnce``: messages/s from connect to the last PUBACK."""
    settings = settings.model_copy(update={
        "mqtt_url": f"mqtt://127.0.0.1:{port}", "firewatch_mqtt_topics": f"{root}/#",
        "firewatch_mqtt_client_id": client_id, "firewatch_mqtt_broker_config": ""})
    ctx = new_context(settings)
    own_cpu, start = time.process_time(), time.perf_counter()
    async with mqtt.running(FastAPI(), ctx, AnswerAtOnce()):
        subscriber: mqtt.Subscriber = ctx.extras[mqtt.SUBSCRIBER_EXTRA]
        last, done = start, 0
        while done < count and time.perf_counter() - last < idle:
            await asyncio.sleep(0.005)
            if subscriber.stats.stored > done:
                done, last = subscriber.stats.stored, time.perf_counter()
        own_cpu = time.process_time() - own_cpu
    ctx.engine.dispose()
    seconds = last - start
    return {"acknowledged": done, "seconds": round(seconds, 3), "msgs_per_s": round(done / seconds),
            "cpu_us_per_msg": round(own_cpu / max(done, 1) * 1e6, 1)}


async def one_round(port: int, args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    root = f"bench/{uuid.uuid4().hex[:6]}"
    messages = traffic(args.messages, args.devices, root)
    sub_id, bare_id, only_id, cs_id = (f"{who}-{uuid.uuid4().hex[:8]}" for who in ("sub", "bare", "only", "cs"))
    await open_session(port, sub_id, f"{root}/#")
    published = publish(port, messages)
    broker = broker_drain(port, sub_id, f"{root}/#", args.messages, args.idle)
    await open_session(port, bare_id, f"{root}/#")
    publish(port, messages)
    bare = await bare_drain(port, bare_id, args.messages, args.idle)
    await open_session(port, only_id, f"{root}/#")
    publish(port, messages)
    only = await receive_only(settings, port, only_id, root, args.messages, args.idle)
    await open_session(port, cs_id, f"{root}/#")
    publish(port, messages)
    ours = await citysafe_drain(settings, port, cs_id, root, args.messages, args.idle, args.writers)
    ours["lost"] = args.messages - ours["stored_rows"]
    return {"publish_s": round(published, 3), "broker_drain": broker, "aiomqtt_bare": bare,
            "citysafe_receive_only": only, "citysafe": ours,
            "ratio_receive_only": round(only["msgs_per_s"] / broker["msgs_per_s"], 3) if broker["msgs_per_s"] else None,
            "ratio": round(ours["msgs_per_s"] / broker["msgs_per_s"], 3) if broker["msgs_per_s"] else None,
            "ratio_to_aiomqtt_bare": round(ours["msgs_per_s"] / bare["msgs_per_s"], 3) if bare["msgs_per_s"] else None}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--devices", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--idle", type=float, default=10.0, help="seconds without a message that end a drain")
    parser.add_argument("--writers", type=int, default=0,
                        help="MQTT writer processes (default 0: as serve decides, 2 on PostgreSQL, 1 on SQLite)")
    parser.add_argument("--stock", action="store_true", help="Mosquitto's stock queue limits instead")
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    options: dict[str, Any] = dict(STOCK) if args.stock else documented()
    options["sys_interval"] = 1
    rounds = []
    with mosquitto(**options) as (port, _conf), tempfile.TemporaryDirectory(prefix="bench-mqtt-") as folder:
        for n in range(args.rounds):
            settings = fresh_database(Path(folder) / f"r{n}", args.database_url)
            try:
                rounds.append(asyncio.run(one_round(port, args, settings)))
            finally:
                drop_database(settings)
    ratios = [r["ratio"] for r in rounds if r["ratio"] is not None]
    print(json.dumps({
        "broker_settings": options, "messages": args.messages, "devices": args.devices,
        "database": "postgresql" if args.database_url else "sqlite",
        "median_broker_drain_msgs_per_s": statistics.median(r["broker_drain"]["msgs_per_s"] for r in rounds),
        "median_aiomqtt_bare_msgs_per_s": statistics.median(r["aiomqtt_bare"]["msgs_per_s"] for r in rounds),
        "median_citysafe_receive_only_msgs_per_s": statistics.median(
            r["citysafe_receive_only"]["msgs_per_s"] for r in rounds),
        "median_citysafe_msgs_per_s": statistics.median(r["citysafe"]["msgs_per_s"] for r in rounds),
        "median_ratio": statistics.median(ratios) if ratios else None,  # citysafe / the broker's drain
        "median_ratio_receive_only": statistics.median(r["ratio_receive_only"] for r in rounds
                                                       if r["ratio_receive_only"] is not None),
        "lost": [r["citysafe"]["lost"] for r in rounds],
        "rounds": rounds,
    }, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
