"""The NATS JetStream side of ingest: stream names, the ingest worker, and the relay of live events.

At scale the gateway's ``JetStreamSink`` (``gateway.sinks``) publishes every frame to a file-backed
stream and waits for the stream's ack before the device's ACK; the subject carries a partition of the
UITD address so one worker keeps each device's order. ``run_worker`` (``citysafe gb26875 worker``)
pulls batches, ingests each batch in one transaction and acks the messages only after the commit: a
crash in between redelivers them and ingest's de-duplication drops what was already stored. The
message id is the frame's dedup key, so JetStream itself also drops a device's retransmissions within
its window.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Protocol

from sqlalchemy.orm import Session

from citysafe.core.events import EventBus
from citysafe.firewatch.ingest.service import ReceivedFrame
from citysafe.firewatch.live.hub import LIVE_EVENTS, NATS_SUBJECT
from citysafe.firewatch.protocols.gb26875 import FrameError, decode_frame

__all__ = ["MSG_ID_HEADER", "PEER_HEADER", "RECEIVED_HEADER", "STREAM", "FrameStore", "StreamNames",
           "ensure_stream", "relay_events", "run_worker"]

log = logging.getLogger(__name__)

STREAM: Final = "CITYSAFE_GB26875"
SUBJECT_PREFIX: Final = "citysafe.gb26875.raw"
# Headers of each published frame (the gateway's JetStreamSink sets them, the worker reads them).
PEER_HEADER: Final = "Citysafe-Peer"
RECEIVED_HEADER: Final = "Citysafe-Received-At"
MSG_ID_HEADER: Final = "Nats-Msg-Id"


@dataclass(frozen=True)
class StreamNames:
    """Where the raw frames go; tests use their own names so runs never see each other's messages."""

    stream: str = STREAM
    subject_prefix: str = SUBJECT_PREFIX
    durable_prefix: str = "citysafe-gb26875-ingest"

    @classmethod
    def of(cls, stream: str) -> StreamNames:
        """Names derived from the stream's (settings.gb26875_nats_stream); the default gives the defaults."""
        base = stream.lower().replace("_", ".")
        return cls(stream=stream, subject_prefix=f"{base}.raw", durable_prefix=f"{base.replace('.', '-')}-ingest")

    def subject(self, partition: int) -> str:
        return f"{self.subject_prefix}.{partition:03d}"

    def subject_for(self, address: int, partitions: int) -> str:
        """Partitioned by UITD address: one consumer per partition keeps each device's order."""
        return self.subject(address % partitions)


async def ensure_stream(js: Any, names: StreamNames) -> None:
    from nats.js.api import StorageType, StreamConfig
    from nats.js.errors import NotFoundError

    # A device retransmits within about 30 s (3 tries, ≤ 10 s apart); two minutes covers a reconnect too.
    config = StreamConfig(name=names.stream, subjects=[f"{names.subject_prefix}.*"], storage=StorageType.FILE,
                          duplicate_window=120.0, max_age=7 * 24 * 3600.0)
    try:
        await js.stream_info(names.stream)
    except NotFoundError:
        await js.add_stream(config)


def _received(msg: Any) -> ReceivedFrame | None:
    headers = msg.headers or {}
    try:
        frame = decode_frame(msg.data)
    except FrameError:
        log.error("dropping undecodable message %s: %s", msg.subject, bytes(msg.data).hex())
        return None
    raw_time = headers.get(RECEIVED_HEADER)
    received_at = datetime.fromisoformat(raw_time) if raw_time else datetime.now(UTC)
    return ReceivedFrame(raw=bytes(msg.data), frame=frame, peer=headers.get(PEER_HEADER, "nats"),
                         received_at=received_at)


class FrameStore(Protocol):
    """Where the worker's batches go: the gateway's ``DatabaseSink`` (one writer thread), or a test's."""

    async def store(self, items: Sequence[ReceivedFrame]) -> Sequence[bool]: ...


async def _consume(sub: Any, sink: FrameStore, stop: asyncio.Event, batch: int,
                   on_batch: Callable[[int], None] | None) -> None:
    while not stop.is_set():
        try:
            msgs = await sub.fetch(batch, timeout=1.0)
        except TimeoutError:  # nats' own TimeoutError subclasses it; nothing arrived
            continue
        pairs = [(msg, _received(msg)) for msg in msgs]
        items = [item for _, item in pairs if item is not None]
        stored = iter(await sink.store(items))
        for msg, item in pairs:
            if item is None:
                await msg.term()  # not a frame: redelivery cannot help
            elif next(stored):
                await msg.ack()
            else:
                # Redelivered after the delay (ingest de-duplicates); max_deliver bounds a poison frame.
                await msg.nak(delay=1.0)
        if on_batch is not None:
            on_batch(len(items))


async def run_worker(
    sink: FrameStore,
    *,
    url: str,
    partitions: Sequence[int],
    partition_count: int,
    stop: asyncio.Event,
    batch: int = 1000,
    names: StreamNames | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> None:
    """Ingest the given partitions until ``stop`` is set.

    One durable consumer and one fetch loop per partition, so each device's frames stay in order;
    the loops share the sink's single writer thread, which serialises their transactions.
    """
    import nats
    from nats.js.api import ConsumerConfig

    nc = await nats.connect(url, name="citysafe-gb26875-worker", max_reconnect_attempts=-1)
    try:
        js = nc.jetstream()
        names = names or StreamNames()
        await ensure_stream(js, names)
        consumer = ConsumerConfig(max_deliver=20, ack_wait=30.0, max_ack_pending=20_000)
        subs = [
            await js.pull_subscribe(names.subject(p), durable=f"{names.durable_prefix}-{p:03d}",
                                    stream=names.stream, config=consumer)
            for p in partitions
            if 0 <= p < partition_count
        ]
        if not subs:
            raise ValueError(f"no partition in 0..{partition_count - 1} to consume")
        try:
            await asyncio.gather(*(_consume(sub, sink, stop, batch, on_batch) for sub in subs))
        finally:
            for sub in subs:  # a pull subscription left open makes drain() wait out its whole timeout
                await sub.unsubscribe()
    finally:
        await nc.drain()


def relay_events(event_bus: EventBus, nc: Any, loop: asyncio.AbstractEventLoop) -> Callable[[], None]:
    """Forward this process's live alarm events to NATS, where every web process's live hub listens.

    Bus handlers run on the committing (writer) thread; the publish is handed to the loop. The returned
    ``detach()`` unsubscribes them; a delivery already under way when it runs does nothing (nor once the
    loop is closed): a handler that raised would roll back the other handlers' work.
    """
    active = [True]
    pending: set[asyncio.Task[None]] = set()  # the loop keeps only weak references to tasks

    def start(subject: str, data: bytes) -> None:
        task = loop.create_task(nc.publish(subject, data))
        pending.add(task)
        task.add_done_callback(pending.discard)

    def forwarder(name: str) -> Callable[[Session, dict[str, Any]], None]:
        subject = f"{NATS_SUBJECT}.{name}"

        def handler(_session: Session, payload: dict[str, Any]) -> None:
            if not active[0] or loop.is_closed():
                return
            data = json.dumps(payload, ensure_ascii=False).encode()
            with contextlib.suppress(RuntimeError):  # the loop closed in between
                loop.call_soon_threadsafe(start, subject, data)

        return handler

    handlers = {name: forwarder(name) for name in LIVE_EVENTS}
    for name, handler in handlers.items():
        event_bus.subscribe_name(name, handler)

    def detach() -> None:
        active[0] = False
        for name, handler in handlers.items():
            event_bus.unsubscribe_name(name, handler)

    return detach
