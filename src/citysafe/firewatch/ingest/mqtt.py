"""The MQTT subscriber: IoT devices (or their platform) publish JSON to ``…/<kind>/<device id>`` topics
(docs/iot-payloads.md); batches of queued messages are written by a writer of their own
(``ingest.mqtt_sinks``: a child process by default, as the TCP gateway's), each in one transaction.
The connection is ``ingest.mqtt_wire``'s lean MQTT 3.1.1 client: messages arrive in batches, and a
batch's PUBACKs leave in one write (a general client library cost ~200 µs of CPU a message; bench/mqtt.py).

Delivery is at least once, with nothing lost across a crash: a QoS-1 message is acknowledged (PUBACK)
only after the transaction holding it has committed, as the TCP gateway ACKs frames. Until then the
broker keeps it in this client's persistent session (a stable client id, ``clean_session=False``) and
sends it again on the next connection, as it queues whatever arrives while citysafe is down. Batches are
pipelined (``PIPELINE`` in flight to the writer) and acknowledged in order of receipt, each once its
own answer came. A batch the writer answers ``WITHHELD`` (the database failed, the writer died) is not
acknowledged: the connection is dropped and re-opened after a pause, so the broker redelivers it and
everything behind it, in order; the batches behind it on that connection are withheld too (each row
carries its connection's number: ``mqtt_batch``'s fence), so a device's messages are stored in order.
A redelivered copy (DUP flag) of a message that had committed before a crash is recognised and not
stored twice (``ingest.iot_store``; GB/T 26875.3 frames by their own de-duplication).
What can never be stored (``mqtt_batch.Code``: rejected, set aside) is logged, counted and acknowledged.

Loss the broker causes is not silent: the broker's configuration is checked at start-up and its count
of dropped messages followed (``ingest.mqtt_broker``), and a device's sequence gaps raise a fault
(``iot_store.sequence_gaps``).

Enabled when ``settings.mqtt_url`` is set (``mqtt://[user:password@]host[:port]``); topics from
``settings.firewatch_mqtt_topics`` (comma-separated filters), client id from
``settings.resolved_mqtt_client_id()``. On a lost connection it reconnects with a growing pause.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from urllib.parse import unquote, urlparse

from fastapi import FastAPI

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.firewatch.config import CONFIG, FirewatchConfig
from citysafe.firewatch.ingest import mqtt_broker, mqtt_wire
from citysafe.firewatch.ingest.mqtt_batch import BatchWriter, Code, Row
from citysafe.firewatch.ingest.mqtt_sinks import MessageSink, PartitionedWriter, ProcessWriter, ThreadWriter
from citysafe.firewatch.live.hub import broadcaster

log = logging.getLogger(__name__)
# Messages per batch handed to the writer. The broker sends at most max_inflight_messages unacknowledged
# messages, so that setting must be at least this (docs/operations.md) for batches to fill.
MAX_BATCH: Final = 500
# Batches in flight to the writers: while one commits, the next ones cross the pipe and queue up to be
# written in its next transaction (``ingest.writer.serve_pipe``), so neither side waits for the other. With
# 4, a writer's transactions carried ~500 messages while draining a backlog; with 16 (the broker's
# max_inflight_messages 8000) up to a few thousand, and each device's index page, the commit and the turn
# of the write lock are paid once for several of its messages: bench/mqtt.py on SQLite 0.38–0.47 → 0.44–0.59
# of the broker's drain (docs/operations.md, stop 28). A transaction then takes up to ~0.1 s, in a backlog only.
PIPELINE: Final = 16
#: Where the running subscriber is kept on the application context (the health endpoint reads it).
SUBSCRIBER_EXTRA = "firewatch.mqtt"


@dataclass
class MqttStats:
    received: int = 0
    stored: int = 0
    duplicates: int = 0     # redelivered copies of messages already stored
    rejected: int = 0
    poisoned: int = 0       # messages ingest raised on, set aside (acknowledged, not stored)
    failed_batches: int = 0
    reconnects: int = 0
    broker_dropped: int = 0  # messages the broker reported dropped ($SYS), each raised as a fault
    last_error: str = ""


class BatchNotStored(Exception):
    """A batch's transaction failed: it stays unacknowledged, for the broker to deliver again."""


@dataclass
class Subscriber:
    ctx: AppContext
    config: FirewatchConfig
    topics: list[str]
    client_id: str
    sink: MessageSink | None = None  # None: a thread of this process writes (``ThreadWriter``)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    stats: MqttStats = field(default_factory=MqttStats)
    first_pause: float = 1.0   # seconds before reconnecting; doubles up to a minute while it keeps failing
    broker_problems: list[str] = field(default_factory=list)  # the start-up check's findings
    connection_number: int = 0  # counts this subscriber's connections; the writer fences a failed one's batches
    _failing: bool = field(default=False, init=False, repr=False)  # the last batch was not stored
    _loss: mqtt_broker.BrokerLoss | None = field(default=None, init=False, repr=False)

    def check_broker(self) -> list[str]:
        """The broker configuration's settings that would lose messages or cap the rate, each logged."""
        name = self.ctx.settings.firewatch_mqtt_broker_config
        if not name:
            return []
        try:
            options = mqtt_broker.read_config(Path(name))
        except OSError as exc:
            log.info("MQTT broker configuration %s not readable here (%s): its queue settings are not checked "
                     "(docs/operations.md, MQTT); lost messages are still detected through $SYS", name, exc.strerror)
            return []
        problems = mqtt_broker.check_config(options, backlog=self.ctx.settings.firewatch_mqtt_backlog, batch=MAX_BATCH)
        for problem in problems:
            log.warning("MQTT broker %s: %s", name, problem)
        return problems

    async def run(self) -> None:
        url = urlparse(self.ctx.settings.mqtt_url)
        host, port = url.hostname or "127.0.0.1", url.port or 1883
        self._loss = mqtt_broker.BrokerLoss(mqtt_broker.broker_device(host, port))
        self.broker_problems = await asyncio.to_thread(self.check_broker)
        if self.sink is None:
            self.sink = ThreadWriter(BatchWriter(self.ctx, self.config))
        try:
            await self.sink.start()
        except Exception:  # the first batch tries again; until then the broker keeps the messages
            log.exception("MQTT writer did not start")
        pause = self.first_pause
        while True:
            self.connection_number += 1
            try:
                conn = await mqtt_wire.Connection.open(
                    host, port, self.client_id,
                    username=unquote(url.username) if url.username else None,
                    password=unquote(url.password) if url.password else None,
                    # A persistent session (MQTT 3.1.1): the broker keeps unacknowledged and newly arriving
                    # messages for this id while we are away, and delivers them when we come back.
                    clean_session=False)
                try:
                    await conn.subscribe([(topic, 1) for topic in self.topics] + [(mqtt_broker.DROPPED_TOPIC, 0)])
                    self.ready.set()
                    if not self._failing:  # a database that keeps failing gets ever longer pauses, too
                        pause = self.first_pause
                    await self._consume(conn)
                finally:
                    conn.abort()  # cancelled (stopping) or failed: nothing unacknowledged is lost either way
            except (mqtt_wire.MqttError, BatchNotStored) as exc:
                self.ready.clear()
                self.stats.reconnects += 1
                self.stats.last_error = str(exc)
                log.warning("MQTT connection dropped (%s); reconnecting in %.1fs", exc, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 60.0)

    async def _consume(self, conn: mqtt_wire.Connection) -> None:
        """Read batches and acknowledge them as their answers come, until either side fails."""
        pending: asyncio.Queue[tuple[list[int], asyncio.Task[bytes]]] = asyncio.Queue(PIPELINE)
        reader = asyncio.create_task(self._read(conn, pending))
        acker = asyncio.create_task(self._acknowledge(conn, pending))
        try:
            done, _ = await asyncio.wait({reader, acker}, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
        finally:
            reader.cancel()
            acker.cancel()
            await asyncio.gather(reader, acker, return_exceptions=True)
            # Batches still in flight are left to finish: none of them is acknowledged on this connection,
            # so the broker sends them again, and what committed comes back as copies. Those behind a
            # withheld one are withheld too (the writer's fence, ``mqtt_batch``), so a device's messages
            # are stored in the order they were sent.
            while not pending.empty():
                pending.get_nowait()[1].add_done_callback(_seen)

    async def _read(self, conn: mqtt_wire.Connection,
                    pending: asyncio.Queue[tuple[list[int], asyncio.Task[bytes]]]) -> None:
        assert self.sink is not None
        number = self.connection_number
        while True:
            batch = await conn.take(MAX_BATCH)
            telemetry = []
            for message in batch:
                if message.packet_id == 0 and message.topic.startswith("$SYS/"):
                    await self._broker_count(message.payload)
                else:
                    telemetry.append(message)
            if not telemetry:
                continue
            self.stats.received += len(telemetry)
            now = self.ctx.clock.now()
            rows: list[Row] = [(m.topic, m.payload, now, m.maybe_copy, number) for m in telemetry]
            # QoS 0 needs no PUBACK (its packet id is 0).
            ids = [m.packet_id for m in telemetry if m.packet_id]
            await pending.put((ids, asyncio.create_task(self.sink.store(rows))))

    async def _acknowledge(self, conn: mqtt_wire.Connection,
                           pending: asyncio.Queue[tuple[list[int], asyncio.Task[bytes]]]) -> None:
        while True:
            ids, answer = await pending.get()
            codes = await answer
            if Code.WITHHELD in codes:
                self._failing = True
                self.stats.failed_batches += 1
                # Leaving the connection (no PUBACK for this batch nor for what is queued behind it)
                # makes the broker send them all again once we reconnect.
                raise BatchNotStored(f"batch of {len(codes)} messages not stored")
            self._failing = False
            conn.ack(ids)  # in order of receipt, one write for the batch
            # Counted once acknowledged: a batch that failed comes again and is counted then.
            self.stats.stored += codes.count(Code.STORED)
            self.stats.duplicates += codes.count(Code.COPY)
            self.stats.rejected += codes.count(Code.REJECTED)
            self.stats.poisoned += codes.count(Code.SET_ASIDE)

    async def _broker_count(self, payload: bytes) -> None:
        """The broker's dropped count ($SYS): stored when it changed, a fault alarm when it grew."""
        try:
            count = int(payload)
        except ValueError:
            return
        loss = self._loss
        assert loss is not None
        if count == loss.baseline:
            return

        def record() -> int:
            with unit_of_work(self.ctx.session_factory, actor="system:mqtt") as session:
                stored = mqtt_broker.last_count(session, loss.device) if loss.baseline is None else loss.baseline
                lost = loss.seen(count, stored)
                if count != stored:
                    mqtt_broker.record_count(session, device=loss.device, count=count, lost=lost,
                                             at=self.ctx.clock.now(), config=self.config)
                return lost

        lost = await asyncio.to_thread(record)
        if lost > 0:
            self.stats.broker_dropped += lost
            log.error("MQTT broker %s dropped %d messages (its count: %d): raised as a fault; check its queue "
                      "settings (docs/operations.md, MQTT)", loss.device, lost, count)


def _seen(task: asyncio.Task[bytes]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved, so asyncio does not log it as never retrieved


def sink_for(ctx: AppContext) -> MessageSink:
    """The MQTT writer ``serve`` uses: child processes (``firewatch_mqtt_writer = "process"``, as many as
    ``firewatch_mqtt_writers``, partitioned by device) or a thread."""
    settings = ctx.settings
    if settings.firewatch_mqtt_writer != "process":
        return ThreadWriter(BatchWriter(ctx, CONFIG.get(ctx)))
    count = settings.firewatch_mqtt_writers or 2
    if count == 1:
        return ProcessWriter(settings, on_events=broadcaster(ctx))
    return PartitionedWriter([ProcessWriter(settings, on_events=broadcaster(ctx)) for _ in range(count)])


@contextlib.asynccontextmanager
async def running(app: FastAPI, ctx: AppContext, sink: MessageSink | None = None) -> AsyncIterator[None]:
    if not ctx.settings.mqtt_url:
        yield
        return
    topics = [t.strip() for t in ctx.settings.firewatch_mqtt_topics.split(",") if t.strip()]
    the_sink = sink if sink is not None else sink_for(ctx)
    subscriber = Subscriber(ctx, CONFIG.get(ctx), topics, ctx.settings.resolved_mqtt_client_id(), sink=the_sink)
    ctx.extras[SUBSCRIBER_EXTRA] = subscriber
    task = asyncio.create_task(subscriber.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await the_sink.aclose()
        ctx.extras.pop(SUBSCRIBER_EXTRA, None)
