"""Where gateway frames become durable before they are ACKed: the ``FrameSink`` protocol and its sinks.

- ``DatabaseSink``: the embedded database, each group commit in one transaction on a single writer
  thread (``ingest.writer.write_batch``), so the event loop never blocks and SQLite never sees two
  writers.
- ``ProcessSink``: the same transactions in a child process (``ingest.writer.serve_pipe``, the default
  of ``serve --gb26875-port``), so framing and ACKing and ingesting run on two cores; several batches
  are in flight while the child writes.
- ``JetStreamSink``: at scale, every frame is published to a file-backed JetStream stream and the
  gateway ACKs after the stream's ack; ingest workers (``ingest.worker.run_worker``) store them.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, Final, Protocol

from sqlalchemy.orm import Session, sessionmaker

from citysafe.core.clock import Clock
from citysafe.core.config import Settings
from citysafe.firewatch.ingest.service import ReceivedFrame
from citysafe.firewatch.ingest.worker import (
    MSG_ID_HEADER,
    PEER_HEADER,
    RECEIVED_HEADER,
    VERDICT_HEADER,
    OfflineVerdict,
    SeenSummary,
    StreamNames,
    ensure_stream,
    is_urgent,
)
from citysafe.firewatch.ingest.writer import write_batch, write_offline, write_seen
from citysafe.firewatch.ingest.writer_child import CHILD_FAILURES, WriterChild
from citysafe.firewatch.protocols.gb26875 import dedup_key

__all__ = ["WRITER_COMMAND", "DatabaseSink", "FrameSink", "JetStreamSink", "ProcessSink"]

log = logging.getLogger(__name__)

# Devices per seen-summary message: ~25 bytes each in JSON, well under NATS's 1 MB default payload limit.
SEEN_CHUNK: Final = 10_000
# What the writer process is started as; tests may point it elsewhere.
WRITER_COMMAND: Final = (sys.executable, "-m", "citysafe", "gb26875", "ingest-writer")


class FrameSink(Protocol):
    """Where frames go before they are ACKed: the database (embedded) or JetStream (scale)."""

    # How many batches the gateway may hand over before the first is stored (the writer process takes
    # several: while it writes one, the next ones are already on their way).
    concurrent_batches: int

    async def start(self) -> None: ...

    async def store(self, items: Sequence[ReceivedFrame]) -> Sequence[bool]:
        """Make ``items`` durable; True for each one stored (or known as a duplicate), False to withhold its ACK."""
        ...

    async def aclose(self) -> None: ...


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

    async def record_offline(self, verdicts: Sequence[OfflineVerdict]) -> bool:
        """The ingest worker's offline verdicts, on the same writer thread as the frames (in their order)."""
        pairs = [(v.address, v.at) for v in verdicts]
        return await asyncio.get_running_loop().run_in_executor(self._executor, write_offline, self._factory, pairs)

    async def record_seen(self, seen: dict[int, datetime]) -> bool:
        """The gateways' seen summaries (``gateway.heartbeats``), on the same writer thread as the frames."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, write_seen, self._factory, seen)


class ProcessSink:
    """A ``FrameSink`` whose transactions run in a child process (``ingest.writer_child``).

    The child gets ``settings`` over its pipe and builds its own application context on them; the live
    events it commits come back to ``on_events`` (the parent application's live hub).

    Several batches may be in flight (``concurrent_batches``): the child writes one while the next ones
    cross the pipe, so it does not idle while the gateway sends ACKs and gathers the next batch.
    """

    concurrent_batches = 8

    def __init__(self, settings: Settings, *, command: Sequence[str] = WRITER_COMMAND,
                 reply_timeout: float = 60.0, on_events: Callable[[str, dict[str, Any]], None]) -> None:
        self._child = WriterChild(settings, command=command, name="ingest writer", reply_timeout=reply_timeout,
                                  on_events=on_events)

    @property
    def restarts(self) -> int:
        return self._child.restarts

    async def start(self) -> None:
        await self._child.start()

    def health(self) -> dict[str, Any]:
        """The writer child as the health endpoint reports it: running, its pid, restarts so far."""
        pid = self._child.pid
        return {"ok": pid is not None, "pid": pid, "restarts": self._child.restarts}

    async def store(self, items: Sequence[ReceivedFrame]) -> Sequence[bool]:
        if not items:
            return []
        try:
            flags = await self._child.send([(item.raw, item.peer, item.received_at) for item in items])
        except CHILD_FAILURES as exc:
            log.error("ingest writer failed on a batch of %d frames (%s); withholding their ACKs", len(items), exc)
            return [False] * len(items)
        return [flag == 1 for flag in flags]

    async def aclose(self) -> None:
        await self._child.stop(kill=False)


class JetStreamSink:
    """Publish each frame to JetStream and wait for the stream's acks (the gateway ACKs after that).

    Several batches may wait for their acks at once: the publishes of one NATS connection enter the stream
    in the order they were made, so a later batch never lands ahead of an earlier one, and a fire read
    while a batch waits for a slow ack goes out at once instead of after it (seconds at 100,000 devices)."""

    concurrent_batches = 4

    def __init__(self, url: str, *, partitions: int = 8, timeout: float = 5.0,
                 names: StreamNames | None = None) -> None:
        self._url = url
        self.names = names or StreamNames()
        self._partitions = partitions
        self._timeout = timeout
        self._nc: Any = None
        self._js: Any = None
        self._instance = uuid.uuid4().hex[:12]  # seen summaries' message ids: this process's, numbered
        self._summaries = 0

    async def start(self) -> None:
        import nats

        self._nc = await nats.connect(self._url, name="citysafe-gb26875-gateway", max_reconnect_attempts=-1)
        self._js = self._nc.jetstream(publish_async_max_pending=20_000)
        await ensure_stream(self._js, self.names)

    def health(self) -> dict[str, Any]:
        """NATS as the health endpoint reports it: connected (the client reconnects by itself) and where."""
        return {"ok": bool(self._nc is not None and self._nc.is_connected), "url": self._url.split("@")[-1]}

    async def store(self, items: Sequence[ReceivedFrame]) -> Sequence[bool]:
        js = self._js
        futures = []
        for item in items:
            source, serial, digest = dedup_key(item.frame)
            headers = {
                MSG_ID_HEADER: f"{source:012x}-{serial:04x}-{digest.hex()}",
                PEER_HEADER: item.peer,
                RECEIVED_HEADER: item.received_at.isoformat(),
            }
            subject = self.names.subject_for(source, self._partitions, urgent=is_urgent(item.frame))
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

    async def publish_offline(self, verdict: OfflineVerdict) -> bool:
        """The gateway's offline verdict, in the device's urgent lane (``ingest.worker``); logged and dropped
        if JetStream refuses it (the alarm timer's offline limit still applies)."""
        headers = {VERDICT_HEADER: "offline", MSG_ID_HEADER: f"offline-{verdict.address:012x}-{verdict.at.isoformat()}"}
        try:
            await self._js.publish(self.names.subject_for(verdict.address, self._partitions, urgent=True),
                                   verdict.encode(),
                                   headers=headers, timeout=self._timeout)
        except Exception as exc:  # any NATS failure: the verdict is advisory, the alarm timer remains
            log.warning("offline verdict of UITD %012x not published: %s", verdict.address, exc)
            return False
        return True

    async def publish_seen(self, seen: dict[int, datetime]) -> bool:
        """A seen summary (``gateway.heartbeats``) in each partition's normal lane, at most ``SEEN_CHUNK``
        devices a message; False if JetStream refused one (the gateway keeps those devices for the next)."""
        by_partition: dict[int, dict[int, datetime]] = {}
        for address, at in seen.items():
            by_partition.setdefault(address % self._partitions, {})[address] = at
        ok = True
        for partition, part in sorted(by_partition.items()):
            items = list(part.items())
            for start in range(0, len(items), SEEN_CHUNK):
                chunk = dict(items[start:start + SEEN_CHUNK])
                self._summaries += 1
                headers = {VERDICT_HEADER: "seen", MSG_ID_HEADER: f"seen-{self._instance}-{self._summaries}"}
                body = SeenSummary(chunk).encode()
                try:
                    await self._js.publish(self.names.subject(partition), body, headers=headers, timeout=self._timeout)
                except Exception as exc:  # any NATS failure: kept for the next summary
                    # The message's own count: the partition's other chunks may have been published.
                    log.warning("seen summary of %d UITDs not published: %s", len(chunk), exc)
                    ok = False
        return ok

    async def aclose(self) -> None:
        if self._nc is not None:
            await self._nc.drain()
