"""The MQTT subscriber: IoT devices (or their platform) publish JSON to ``…/<kind>/<device id>`` topics
(docs/iot-payloads.md); each batch of queued messages is ingested in one unit of work on a worker thread.

A payload that is a GB/T 26875.3 frame (starts with ``@@``: a UITD bridged onto MQTT) goes through
``ingest_frames`` like one from the TCP gateway, with peer ``mqtt:<topic>``.

Enabled when ``settings.mqtt_url`` is set (``mqtt://[user:password@]host[:port]``); topics from
``settings.firewatch_mqtt_topics`` (comma-separated filters). On a lost connection it reconnects with a
growing pause. A payload that is not JSON or not the schema is logged and counted, never fatal.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import unquote, urlparse

import aiomqtt
from fastapi import FastAPI

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.firewatch.config import FirewatchConfig
from citysafe.firewatch.ingest import ReceivedFrame, ingest_frames
from citysafe.firewatch.iot_ingest import ReceivedMessage, ingest_messages, topic_parts
from citysafe.firewatch.protocols.gb26875 import FrameError, decode_frame

log = logging.getLogger(__name__)
MAX_BATCH = 500


@dataclass
class MqttStats:
    received: int = 0
    stored: int = 0
    rejected: int = 0
    reconnects: int = 0
    last_error: str = ""


@dataclass
class Subscriber:
    ctx: AppContext
    config: FirewatchConfig
    topics: list[str]
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    stats: MqttStats = field(default_factory=MqttStats)

    def _decode(self, message: aiomqtt.Message) -> ReceivedMessage | ReceivedFrame | None:
        topic = str(message.topic)
        kind, device_id = topic_parts(topic)
        raw = message.payload
        if isinstance(raw, bytes | bytearray) and raw[:2] == b"@@":
            # A UITD bridged onto MQTT publishes its GB/T 26875.3 frames as they are.
            try:
                frame = decode_frame(bytes(raw))
            except FrameError as exc:
                self.stats.rejected += 1
                log.warning("MQTT %s: broken GB/T 26875.3 frame: %s", topic, exc)
                return None
            return ReceivedFrame(raw=bytes(raw), frame=frame, peer=f"mqtt:{topic}"[:80],
                                 received_at=self.ctx.clock.now())
        try:
            payload = json.loads(raw.decode("utf-8") if isinstance(raw, bytes | bytearray) else str(raw))
        except (UnicodeDecodeError, json.JSONDecodeError, TypeError):
            self.stats.rejected += 1
            log.warning("MQTT %s: payload is not JSON", topic)
            return None
        return ReceivedMessage(payload=payload, source=f"mqtt:{topic}", received_at=self.ctx.clock.now(),
                               device_id=device_id, kind=kind)

    def _ingest(self, items: list[ReceivedMessage | ReceivedFrame]) -> None:
        messages = [i for i in items if isinstance(i, ReceivedMessage)]
        frames = [i for i in items if isinstance(i, ReceivedFrame)]
        with unit_of_work(self.ctx.session_factory, actor="system:mqtt") as session:
            ingest_frames(session, items=frames, clock=self.ctx.clock, config=self.config)
            outcomes = ingest_messages(session, items=messages, clock=self.ctx.clock, config=self.config)
        self.stats.stored += len(frames)
        for item, outcome in zip(messages, outcomes, strict=True):
            if outcome.error:
                self.stats.rejected += 1
                log.warning("MQTT %s: %s", item.source, outcome.error)
            else:
                self.stats.stored += 1

    async def run(self) -> None:
        url = urlparse(self.ctx.settings.mqtt_url)
        pause = 1.0
        while True:
            try:
                async with aiomqtt.Client(
                    url.hostname or "127.0.0.1", url.port or 1883,
                    username=unquote(url.username) if url.username else None,
                    password=unquote(url.password) if url.password else None,
                    identifier=f"citysafe-firewatch-{uuid.uuid4().hex[:12]}",
                ) as client:
                    for topic in self.topics:
                        await client.subscribe(topic, qos=1)
                    self.ready.set()
                    pause = 1.0
                    await self._consume(client)
            except aiomqtt.MqttError as exc:
                self.ready.clear()
                self.stats.reconnects += 1
                self.stats.last_error = str(exc)
                log.warning("MQTT connection lost (%s); reconnecting in %.0fs", exc, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 60.0)

    async def _consume(self, client: aiomqtt.Client) -> None:
        messages = client.messages
        while True:
            batch = [await anext(messages)]
            while len(messages) and len(batch) < MAX_BATCH:  # drain what is queued, without waiting
                batch.append(await anext(messages))
            self.stats.received += len(batch)
            items = [i for i in (self._decode(m) for m in batch) if i is not None]
            if items:
                try:
                    await asyncio.to_thread(self._ingest, items)
                except Exception:
                    log.exception("MQTT batch of %d messages could not be stored", len(items))


@contextlib.asynccontextmanager
async def running(app: FastAPI, ctx: AppContext) -> AsyncIterator[None]:
    if not ctx.settings.mqtt_url:
        yield
        return
    topics = [t.strip() for t in ctx.settings.firewatch_mqtt_topics.split(",") if t.strip()]
    subscriber = Subscriber(ctx, FirewatchConfig.from_settings(ctx.settings), topics)
    ctx.extras["firewatch.mqtt"] = subscriber
    task = asyncio.create_task(subscriber.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        ctx.extras.pop("firewatch.mqtt", None)
