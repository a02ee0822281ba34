"""The MQTT subscriber: IoT devices (or their platform) publish JSON to ``…/<kind>/<device id>`` topics
(docs/iot-payloads.md); each batch of queued messages is ingested in one unit of work on a worker thread.

Delivery is at least once, with nothing lost across a crash: a QoS-1 message is acknowledged (PUBACK)
only after the transaction holding it has committed, as the TCP gateway ACKs frames. Until then the
broker keeps it in this client's persistent session (a stable client id, ``clean_session=False``) and
sends it again on the next connection, as it queues whatever arrives while citysafe is down. A batch
whose transaction fails is not acknowledged: the connection is dropped and re-opened after a pause, so
the broker redelivers it. A redelivered copy (DUP flag) of a message that had committed before a crash is
recognised and not stored twice (``ingest.iot_store``; GB/T 26875.3 frames by their own de-duplication).
A payload that cannot be stored however often it is sent (not JSON, a broken frame, off the schema) is
logged, counted and acknowledged: redelivery would not help. So is one on which ingest itself raises (a
"poison" message): a batch whose transaction fails with anything but ``DATABASE_TROUBLE`` is halved
until the culprit is alone, as the gateway's ``ingest.writer.write_batch`` does, the rest is stored and acknowledged
and the culprit set aside (logged with its topic and the start of its payload, counted in ``poisoned``);
otherwise it would come back first on every connection and hold up everything queued behind it. The
database's own failures (down, locked, a schema that does not match the code) say nothing about the
messages: nothing is acknowledged.

A payload that is a GB/T 26875.3 frame (starts with ``@@``: a UITD bridged onto MQTT) goes through
``ingest_frames`` like one from the TCP gateway, with peer ``mqtt:<topic>``.

Enabled when ``settings.mqtt_url`` is set (``mqtt://[user:password@]host[:port]``); topics from
``settings.firewatch_mqtt_topics`` (comma-separated filters), client id from
``settings.resolved_mqtt_client_id()``. On a lost connection it reconnects with a growing pause.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlparse

import aiomqtt
import paho.mqtt.client as paho
from fastapi import FastAPI
from sqlalchemy.exc import InterfaceError, InternalError, OperationalError, ProgrammingError

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.firewatch.config import CONFIG, FirewatchConfig
from citysafe.firewatch.ingest.iot_store import ReceivedMessage, ingest_messages, topic_parts
from citysafe.firewatch.ingest.service import ReceivedFrame, ingest_frames
from citysafe.firewatch.protocols.gb26875 import FrameError, decode_frame

log = logging.getLogger(__name__)
# Failures of the database itself, not of a message: down or locked (Operational), the driver's link
# (Interface), or a schema the code does not match (Programming, e.g. after a migration went wrong).
# A batch that meets one is not split, and nothing is acknowledged: setting every message aside as
# "poison" would lose them all.
DATABASE_TROUBLE = (OperationalError, InterfaceError, InternalError, ProgrammingError)
MAX_BATCH = 500
#: Where the running subscriber is kept on the application context (the health endpoint reads it).
SUBSCRIBER_EXTRA = "firewatch.mqtt"
EXCERPT = 300  # characters of a set-aside payload in the log
Item = ReceivedMessage | ReceivedFrame


@dataclass
class MqttStats:
    received: int = 0
    stored: int = 0
    duplicates: int = 0     # redelivered copies of messages already stored
    rejected: int = 0
    poisoned: int = 0       # messages ingest raised on, set aside (acknowledged, not stored)
    failed_batches: int = 0
    reconnects: int = 0
    last_error: str = ""


class BatchNotStored(Exception):
    """A batch's transaction failed: it stays unacknowledged, for the broker to deliver again."""


class Acknowledger:
    """Manual PUBACKs and the DUP flag of one connection.

    aiomqtt 2.5 offers neither (its Message drops ``dup``; it has no ``manual_ack`` option nor ``ack``), so
    both go through its paho client, the private ``_client``: touched here and nowhere else.
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

    def redelivered(self, message: aiomqtt.Message) -> bool:
        return message.mid in self._dup

    def ack(self, messages: Sequence[aiomqtt.Message]) -> None:
        # In order of receipt, as MQTT 3.1.1 §4.6 asks; QoS 0 needs none (paho ignores it).
        for message in messages:
            self._paho.ack(message.mid, message.qos)
            self._dup.discard(message.mid)


@dataclass
class Subscriber:
    ctx: AppContext
    config: FirewatchConfig
    topics: list[str]
    client_id: str
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    stats: MqttStats = field(default_factory=MqttStats)
    first_pause: float = 1.0   # seconds before reconnecting; doubles up to a minute while it keeps failing
    _failing: bool = field(default=False, init=False, repr=False)  # the last batch was not stored

    def _decode(self, message: aiomqtt.Message, redelivered: bool) -> ReceivedMessage | ReceivedFrame | str:
        """The message to ingest, or why it cannot be (logged and counted once it is acknowledged)."""
        topic = str(message.topic)
        kind, device_id = topic_parts(topic)
        raw = message.payload
        if isinstance(raw, bytes | bytearray) and raw[:2] == b"@@":
            # A UITD bridged onto MQTT publishes its GB/T 26875.3 frames as they are.
            try:
                frame = decode_frame(bytes(raw))
            except FrameError as exc:
                return f"broken GB/T 26875.3 frame: {exc}"
            return ReceivedFrame(raw=bytes(raw), frame=frame, peer=f"mqtt:{topic}"[:80],
                                 received_at=self.ctx.clock.now())
        try:
            payload = json.loads(raw.decode("utf-8") if isinstance(raw, bytes | bytearray) else str(raw))
        except (UnicodeDecodeError, json.JSONDecodeError, TypeError):
            return "payload is not JSON"
        # A retained message is sent again on every (re)subscription: it may be a copy as well.
        return ReceivedMessage(payload=payload, source=f"mqtt:{topic}", received_at=self.ctx.clock.now(),
                               device_id=device_id, kind=kind, redelivered=redelivered or message.retain)

    def _ingest(self, items: list[Item]) -> tuple[int, list[tuple[str, str]]]:
        """Store one batch in one transaction; returns how many were copies, and (source, why) of each
        message that the schema rejected."""
        messages = [i for i in items if isinstance(i, ReceivedMessage)]
        frames = [i for i in items if isinstance(i, ReceivedFrame)]
        with unit_of_work(self.ctx.session_factory, actor="system:mqtt") as session:
            frame_outcomes = ingest_frames(session, items=frames, clock=self.ctx.clock, config=self.config)
            outcomes = ingest_messages(session, items=messages, clock=self.ctx.clock, config=self.config)
        copies = sum(o.duplicate for o in frame_outcomes) + sum(o.duplicate for o in outcomes)
        return copies, [(item.source, o.error) for item, o in zip(messages, outcomes, strict=True) if o.error]

    def _store(self, items: list[Item]) -> tuple[int, list[tuple[str, str]], list[Item]]:
        """``_ingest`` the batch, halving it on a failure until the message that fails is alone; returns the
        copies, the schema's rejections and the messages set aside.

        A ``DATABASE_TROUBLE`` error propagates (whatever halves committed before it come again as copies). Any
        other failure is taken to be the messages': k bad ones cost about 2·k·log2(n) transactions.
        """
        try:
            copies, invalid = self._ingest(items)
            return copies, invalid, []
        except DATABASE_TROUBLE:
            raise
        except Exception:
            if len(items) == 1:
                log.exception("MQTT %s: ingest failed on this message; set aside (acknowledged, not stored): %s",
                              _source(items[0]), _excerpt(items[0]))
                return 0, [], items
        # Split outside the handler, so that the culprit's traceback is not chained to its batch's.
        half = len(items) // 2
        head, tail = self._store(items[:half]), self._store(items[half:])
        return head[0] + tail[0], head[1] + tail[1], head[2] + tail[2]

    async def run(self) -> None:
        url = urlparse(self.ctx.settings.mqtt_url)
        pause = self.first_pause
        while True:
            client = aiomqtt.Client(
                url.hostname or "127.0.0.1", url.port or 1883,
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
        messages = client.messages
        while True:
            batch = [await anext(messages)]
            while len(messages) and len(batch) < MAX_BATCH:  # drain what is queued, without waiting
                batch.append(await anext(messages))
            self.stats.received += len(batch)
            decoded = [(m, self._decode(m, acks.redelivered(m))) for m in batch]
            items = [i for _, i in decoded if not isinstance(i, str)]
            rejected = [(f"mqtt:{m.topic}", why) for m, why in decoded if isinstance(why, str)]
            copies = 0                               # of the items: copies of messages stored before,
            invalid: list[tuple[str, str]] = []      # the messages the schema rejected,
            poisoned: list[Item] = []                # and those ingest raised on
            if items:
                try:
                    copies, invalid, poisoned = await asyncio.to_thread(self._store, items)
                except DATABASE_TROUBLE as exc:
                    self._failing = True
                    self.stats.failed_batches += 1
                    log.exception("MQTT batch of %d messages could not be stored", len(items))
                    # Leaving the connection (no PUBACK for this batch nor for what is queued behind it)
                    # makes the broker send them all again once we reconnect.
                    raise BatchNotStored(f"batch not stored: {exc}") from exc
                self._failing = False
            acks.ack(batch)
            # Counted once acknowledged: a batch that failed comes again and is counted then.
            for source, why in rejected + invalid:
                log.warning("MQTT %s: %s", source, why)
            self.stats.rejected += len(rejected) + len(invalid)
            self.stats.poisoned += len(poisoned)
            self.stats.duplicates += copies
            self.stats.stored += len(items) - copies - len(invalid) - len(poisoned)


def _source(item: Item) -> str:
    return item.source if isinstance(item, ReceivedMessage) else item.peer


def _excerpt(item: Item) -> str:
    if isinstance(item, ReceivedMessage):
        text = json.dumps(item.payload, ensure_ascii=False, default=str)
    else:
        text = item.raw.hex()
    return text if len(text) <= EXCERPT else text[:EXCERPT] + f"… ({len(text)} characters)"


@contextlib.asynccontextmanager
async def running(app: FastAPI, ctx: AppContext) -> AsyncIterator[None]:
    if not ctx.settings.mqtt_url:
        yield
        return
    topics = [t.strip() for t in ctx.settings.firewatch_mqtt_topics.split(",") if t.strip()]
    subscriber = Subscriber(ctx, CONFIG.get(ctx), topics,
                            ctx.settings.resolved_mqtt_client_id())
    ctx.extras[SUBSCRIBER_EXTRA] = subscriber
    task = asyncio.create_task(subscriber.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        ctx.extras.pop(SUBSCRIBER_EXTRA, None)
