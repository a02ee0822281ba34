"""Where gateway frames become durable: the embedded database, or NATS JetStream and ingest workers.

Embedded (one process): ``DatabaseSink`` writes each group commit in one transaction on a single
writer thread, so the event loop never blocks and SQLite never sees two writers.

At scale: the gateway's ``JetStreamSink`` publishes every frame to a file-backed stream and waits for
the stream's ack before the device's ACK; the subject carries a partition of the UITD address so one
worker keeps each device's order. ``run_worker`` (``citysafe gb26875 worker``) pulls batches, ingests
each batch in one transaction and acks the messages only after the commit: a crash in between
redelivers them and ingest's de-duplication drops what was already stored. The message id is the
frame's dedup key, so JetStream itself also drops a device's retransmissions within its window.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from citysafe.core.clock import Clock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.events import EventBus
from citysafe.firewatch.ingest import ReceivedFrame, ingest_frames
from citysafe.firewatch.protocols.gb26875 import FrameError, decode_frame, dedup_key

if TYPE_CHECKING:
    from citysafe.firewatch.gateway import FrameSink

__all__ = ["STREAM", "DatabaseSink", "JetStreamSink", "StreamNames", "relay_events", "run_worker", "sink_for",
           "write_batch"]

log = logging.getLogger(__name__)

STREAM: Final = "CITYSAFE_GB26875"
SUBJECT_PREFIX: Final = "citysafe.gb26875.raw"
_PEER: Final = "Citysafe-Peer"
_RECEIVED: Final = "Citysafe-Received-At"
_MSG_ID: Final = "Nats-Msg-Id"


class DatabaseSink:
    """Group commit through ``ingest_frames`` on one writer thread."""

    concurrent_batches = 1  # one thread writes one transaction at a time

    def __init__(self, session_factory: sessionmaker[Session], clock: Clock) -> None:
        self._factory = session_factory
        self._clock = clock
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gb26875-writer")

    async def start(self) -> None:
        return None

    async def store(self, items: Sequence[ReceivedFrame]) -> Sequence[bool]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.write, list(items))

    async def aclose(self) -> None:
        # Waits for the transaction in progress: its frames are ACKed only if it commits.
        await asyncio.get_running_loop().run_in_executor(None, self._executor.shutdown)

    def write(self, items: list[ReceivedFrame]) -> list[bool]:
        return write_batch(self._factory, self._clock, items)


def write_batch(factory: sessionmaker[Session], clock: Clock, items: list[ReceivedFrame]) -> list[bool]:
    """Store ``items`` in one transaction; on failure find and withhold only the frames that fail."""
    if not items:
        return []
    try:
        with unit_of_work(factory, actor="gateway:gb26875") as session:
            ingest_frames(session, items=items, clock=clock)
    except OperationalError:
        # The database itself is failing (disk, lock, connection): splitting would not help.
        log.exception("group commit of %d frames failed", len(items))
        return [False] * len(items)
    except Exception:
        if len(items) == 1:
            log.exception("frame from %s could not be stored: %s", items[0].peer, items[0].raw.hex())
            return [False]
        # One bad frame must not keep a whole batch (other devices' alarms) from being ACKed:
        # halve until the culprit is alone. k bad frames cost about 2·k·log2(n) transactions.
        half = len(items) // 2
        return write_batch(factory, clock, items[:half]) + write_batch(factory, clock, items[half:])
    return [True] * len(items)


def sink_for(ctx: AppContext) -> FrameSink:
    """JetStream when ``nats_url`` is set (workers ingest); else the database, written by a child
    process (``gb26875_writer = "process"``, the default) or by a thread of this one."""
    if ctx.settings.nats_url:
        return JetStreamSink(ctx.settings.nats_url, partitions=ctx.settings.gb26875_partitions,
                             names=StreamNames.of(ctx.settings.gb26875_nats_stream))
    if ctx.settings.gb26875_writer == "process":
        from citysafe.firewatch.ingest_process import ProcessSink

        return ProcessSink(ctx.settings)
    return DatabaseSink(ctx.session_factory, ctx.clock)


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


class JetStreamSink:
    """Publish each frame to JetStream and wait for the stream's acks (the gateway ACKs after that)."""

    concurrent_batches = 1

    def __init__(self, url: str, *, partitions: int = 8, timeout: float = 5.0,
                 names: StreamNames | None = None) -> None:
        self._url = url
        self.names = names or StreamNames()
        self._partitions = partitions
        self._timeout = timeout
        self._nc: Any = None
        self._js: Any = None

    async def start(self) -> None:
        import nats

        self._nc = await nats.connect(self._url, name="citysafe-gb26875-gateway", max_reconnect_attempts=-1)
        self._js = self._nc.jetstream(publish_async_max_pending=20_000)
        await ensure_stream(self._js, self.names)

    async def store(self, items: Sequence[ReceivedFrame]) -> Sequence[bool]:
        js = self._js
        futures = []
        for item in items:
            source, serial, digest = dedup_key(item.frame)
            headers = {
                _MSG_ID: f"{source:012x}-{serial:04x}-{digest.hex()}",
                _PEER: item.peer,
                _RECEIVED: item.received_at.isoformat(),
            }
            subject = self.names.subject_for(source, self._partitions)
            futures.append(await js.publish_async(subject, item.raw, headers=headers))
        try:
            results = await asyncio.wait_for(asyncio.gather(*futures, return_exceptions=True), self._timeout)
        except TimeoutError:
            log.warning("JetStream did not ack %d frames within %.0f s", len(items), self._timeout)
            return [f.done() and not f.cancelled() and f.exception() is None for f in futures]
        failed = [r for r in results if isinstance(r, BaseException)]
        if failed:
            log.warning("JetStream refused %d of %d frames: %s", len(failed), len(items), failed[0])
        return [not isinstance(r, BaseException) for r in results]

    async def aclose(self) -> None:
        if self._nc is not None:
            await self._nc.drain()


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
    raw_time = headers.get(_RECEIVED)
    received_at = datetime.fromisoformat(raw_time) if raw_time else datetime.now(UTC)
    return ReceivedFrame(raw=bytes(msg.data), frame=frame, peer=headers.get(_PEER, "nats"), received_at=received_at)


async def _consume(sub: Any, sink: DatabaseSink, stop: asyncio.Event, batch: int,
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
    sink: DatabaseSink,
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

    Bus handlers run on the committing (writer) thread; the publish is handed to the loop. The bus
    cannot unsubscribe, so the returned ``detach()`` turns the handlers into no-ops (and they are
    no-ops once the loop is closed): a handler that raised would roll back the other handlers' work.
    """
    from citysafe.firewatch.live import LIVE_EVENTS, NATS_SUBJECT

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

    for name in LIVE_EVENTS:
        event_bus.subscribe_name(name, forwarder(name))

    def detach() -> None:
        active[0] = False

    return detach
