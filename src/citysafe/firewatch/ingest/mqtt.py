"""The MQTT subscriber: IoT devices (or their platform) publish JSON to ``…/<kind>/<device id>`` topics
(docs/iot-payloads.md); batches of queued messages are written by a writer of their own
(``ingest.mqtt_sinks``: a child process by default, as the TCP gateway's), each in one transaction.

Delivery is at least once, with nothing lost across a crash: a QoS-1 message is acknowledged (PUBACK)
only after the transaction holding it has committed, as the TCP gateway ACKs frames. Until then the
broker keeps it in this client's persistent session (a stable client id, ``clean_session=False``) and
sends it again on the next connection, as it queues whatever arrives while citysafe is down. Batches are
pipelined (``PIPELINE`` in flight to the writer) and acknowledged in order of receipt, each once its
own answer came. A batch the writer answers ``WITHHELD`` (the database failed, the writer died) is not
acknowledged: the connection is dropped and re-opened after a pause, so the broker redelivers it and
everything behind it. A redelivered copy (DUP flag) of a message that had committed before a crash is
recognised and not stored twice (``ingest.iot_store``; GB/T 26875.3 frames by their own de-duplication).
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
import ssl
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote, urlparse

import aiomqtt
import paho.mqtt.client as paho
from fastapi import FastAPI
from paho.mqtt.enums import MQTTErrorCode

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.firewatch.config import CONFIG, FirewatchConfig
from citysafe.firewatch.ingest import mqtt_broker
from citysafe.firewatch.ingest.mqtt_batch import BatchWriter, Code, Row
from citysafe.firewatch.ingest.mqtt_sinks import MessageSink, ProcessWriter, ThreadWriter
from citysafe.firewatch.live.hub import broadcaster

log = logging.getLogger(__name__)
# Messages per batch handed to the writer. The broker sends at most max_inflight_messages unacknowledged
# messages, so that setting must be at least this (docs/operations.md) for batches to fill.
MAX_BATCH: Final = 500
# Batches in flight to the writer: while it commits one, the next ones cross the pipe and queue up to be
# written in its next transaction (``ingest.writer.serve_pipe``), so neither side waits for the other.
PIPELINE: Final = 4
# Bytes read from the broker's socket at a time (paho's reads are served from them).
RECV_CHUNK: Final = 1 << 16
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


class Acknowledger:
    """Manual PUBACKs, the DUP flag and reads in bursts, on one connection.

    aiomqtt 2.5 offers none of them (its Message drops ``dup``; it has no ``manual_ack`` option nor ``ack``;
    it reads one packet per readable event), so they go through its paho client, the private ``_client``,
    and paho's own private reading: touched here and nowhere else.
    """

    def __init__(self, client: aiomqtt.Client) -> None:
        self._paho: paho.Client = client._client
        # Before connecting: a resumed session's messages arrive right after CONNACK.
        self._paho.manual_ack_set(True)
        self._dup: set[int] = set()  # packet ids of messages received with DUP, until acknowledged
        deliver = self._paho.on_message
        assert deliver is not None

        def on_message(client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
            # The broker reuses a packet id only after its PUBACK, so the id names the message until then.
            if message.dup:
                self._dup.add(message.mid)
            deliver(client, userdata, message)

        self._paho.on_message = on_message
        # Reading: paho takes a message off the socket in three or more recv() calls (a byte of header, the
        # length byte by byte, the rest), and aiomqtt has it read one message per readable event. A
        # backlog was drained one event-loop turn and several system calls per message, a tenth of the
        # broker's rate. Here the socket is read in chunks that paho's reads are served from, and each
        # readable event reads on until nothing complete is left.
        self._chunk = b""
        self._at = 0
        self._paho._sock_recv = self._recv  # type: ignore[method-assign]
        self._paho.loop_read = self._read_all  # type: ignore[method-assign]

    def _recv(self, bufsize: int) -> bytes:
        """paho's ``_sock_recv``, from a chunk read ahead; BlockingIOError when the socket has nothing."""
        if self._at >= len(self._chunk):
            sock = self._paho._sock
            if sock is None:
                raise ConnectionError("the socket is closed")
            try:
                chunk = sock.recv(RECV_CHUNK)
            except ssl.SSLWantReadError as exc:
                raise BlockingIOError from exc
            if not chunk:
                return b""  # the broker closed the connection: paho handles it as recv() does
            self._chunk, self._at = chunk, 0
        end = self._at + bufsize
        out = self._chunk[self._at:end]
        self._at = min(end, len(self._chunk))
        return out

    def _read_all(self, max_packets: int = 1) -> MQTTErrorCode:
        """paho's ``loop_read``, reading packets until the socket and the chunk have none complete left.

        Bounded all the same: the broker sends at most max_inflight_messages unacknowledged messages, and
        acknowledgements need this event loop to run.
        """
        client = self._paho
        while True:
            if client._sock is None:
                return MQTTErrorCode.MQTT_ERR_NO_CONN
            rc = client._packet_read()
            if rc == MQTTErrorCode.MQTT_ERR_AGAIN:
                return MQTTErrorCode.MQTT_ERR_SUCCESS
            if rc > 0:
                return client._loop_rc_handle(rc)

    def redelivered(self, message: aiomqtt.Message) -> bool:
        return message.mid in self._dup

    def ack(self, messages: Sequence[aiomqtt.Message]) -> None:
        # In order of receipt, as MQTT 3.1.1 §4.6 asks; QoS 0 needs none (paho ignores it).
        for message in messages:
            self._paho.ack(message.mid, message.qos)
            self._dup.discard(message.mid)


def _payload(message: aiomqtt.Message) -> bytes:
    raw = message.payload
    if isinstance(raw, bytes):
        return raw
    return bytes(raw) if isinstance(raw, bytearray) else str(raw).encode()


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
            client = aiomqtt.Client(
                host, port,
                username=unquote(url.username) if url.username else None,
                password=unquote(url.password) if url.password else None,
                # A persistent session (MQTT 3.1.1): the broker keeps unacknowledged and newly arriving
                # messages for this id while we are away, and delivers them when we come back.
                identifier=self.client_id, clean_session=False, protocol=aiomqtt.ProtocolVersion.V311,
            )
            acks = Acknowledger(client)
            try:
                async with client:
                    for topic in self.topics:
                        await client.subscribe(topic, qos=1)
                    await client.subscribe(mqtt_broker.DROPPED_TOPIC, qos=0)
                    self.ready.set()
                    if not self._failing:  # a database that keeps failing gets ever longer pauses, too
                        pause = self.first_pause
                    await self._consume(client, acks)
            except (aiomqtt.MqttError, BatchNotStored) as exc:
                self.ready.clear()
                self.stats.reconnects += 1
                self.stats.last_error = str(exc)
                log.warning("MQTT connection dropped (%s); reconnecting in %.1fs", exc, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 60.0)

    async def _consume(self, client: aiomqtt.Client, acks: Acknowledger) -> None:
        """Read batches and acknowledge them as their answers come, until either side fails."""
        pending: asyncio.Queue[tuple[list[aiomqtt.Message], asyncio.Task[bytes]]] = asyncio.Queue(PIPELINE)
        reader = asyncio.create_task(self._read(client, acks, pending))
        acker = asyncio.create_task(self._acknowledge(acks, pending))
        try:
            done, _ = await asyncio.wait({reader, acker}, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
        finally:
            reader.cancel()
            acker.cancel()
            await asyncio.gather(reader, acker, return_exceptions=True)
            # Batches still in flight are left to finish: none of them is acknowledged on this connection,
            # so the broker sends them again, and what committed comes back as copies.
            while not pending.empty():
                pending.get_nowait()[1].add_done_callback(_seen)

    async def _read(self, client: aiomqtt.Client, acks: Acknowledger,
                    pending: asyncio.Queue[tuple[list[aiomqtt.Message], asyncio.Task[bytes]]]) -> None:
        messages = client.messages
        assert self.sink is not None
        while True:
            batch = [await anext(messages)]
            while len(messages) and len(batch) < MAX_BATCH:  # drain what is queued, without waiting
                batch.append(await anext(messages))
            telemetry = []
            for message in batch:
                if message.topic.value.startswith("$SYS/"):
                    await self._broker_count(message)
                else:
                    telemetry.append(message)
            if not telemetry:
                continue
            self.stats.received += len(telemetry)
            now = self.ctx.clock.now()
            # A retained message is sent again on every (re)subscription: it may be a copy as well.
            rows: list[Row] = [(message.topic.value, _payload(message), now,
                                acks.redelivered(message) or message.retain) for message in telemetry]
            await pending.put((telemetry, asyncio.create_task(self.sink.store(rows))))

    async def _acknowledge(self, acks: Acknowledger,
                           pending: asyncio.Queue[tuple[list[aiomqtt.Message], asyncio.Task[bytes]]]) -> None:
        while True:
            batch, answer = await pending.get()
            codes = await answer
            if Code.WITHHELD in codes:
                self._failing = True
                self.stats.failed_batches += 1
                # Leaving the connection (no PUBACK for this batch nor for what is queued behind it)
                # makes the broker send them all again once we reconnect.
                raise BatchNotStored(f"batch of {len(batch)} messages not stored")
            self._failing = False
            acks.ack(batch)
            # Counted once acknowledged: a batch that failed comes again and is counted then.
            self.stats.stored += codes.count(Code.STORED)
            self.stats.duplicates += codes.count(Code.COPY)
            self.stats.rejected += codes.count(Code.REJECTED)
            self.stats.poisoned += codes.count(Code.SET_ASIDE)

    async def _broker_count(self, message: aiomqtt.Message) -> None:
        """The broker's dropped count ($SYS): stored when it changed, a fault alarm when it grew."""
        try:
            count = int(_payload(message))
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
    """The MQTT writer ``serve`` uses: a child process (``firewatch_mqtt_writer = "process"``) or a thread."""
    if ctx.settings.firewatch_mqtt_writer == "process":
        return ProcessWriter(ctx.settings, on_events=broadcaster(ctx))
    return ThreadWriter(BatchWriter(ctx, CONFIG.get(ctx)))


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
