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
import contextlib
import logging
import pickle
import sys
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final, Protocol

from sqlalchemy.orm import Session, sessionmaker

from citysafe.core.clock import Clock
from citysafe.core.config import Settings
from citysafe.firewatch.ingest.service import ReceivedFrame
from citysafe.firewatch.ingest.worker import (
    MSG_ID_HEADER,
    PEER_HEADER,
    RECEIVED_HEADER,
    StreamNames,
    ensure_stream,
)
from citysafe.firewatch.ingest.writer import LENGTH, pack, write_batch
from citysafe.firewatch.protocols.gb26875 import dedup_key

__all__ = ["WRITER_COMMAND", "DatabaseSink", "FrameSink", "JetStreamSink", "ProcessSink"]

log = logging.getLogger(__name__)

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


class ProcessSink:
    """A ``FrameSink`` whose transactions run in a child process.

    The child gets ``settings`` over its pipe and builds its own application context on them; the live
    events it commits come back to ``on_events`` (the parent application's live hub).

    Several batches may be in flight (``concurrent_batches``): the child writes one while the next ones
    cross the pipe, so it does not idle while the gateway sends ACKs and gathers the next batch.
    The child answers in order, so each reply settles the oldest waiting batch.
    """

    concurrent_batches = 8

    def __init__(self, settings: Settings, *, command: Sequence[str] = WRITER_COMMAND,
                 reply_timeout: float = 60.0, on_events: Callable[[str, dict[str, Any]], None]) -> None:
        self._settings = settings
        self._command = tuple(command)
        self._reply_timeout = reply_timeout
        self._on_events = on_events
        self._proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._ready: asyncio.Future[None] | None = None
        self._replies: deque[asyncio.Future[bytes]] = deque()
        self._spawning = asyncio.Lock()
        self.restarts = 0

    async def start(self) -> None:
        async with self._spawning:
            await self._spawn()

    def health(self) -> dict[str, Any]:
        """The writer child as the health endpoint reports it: running, its pid, restarts so far."""
        proc = self._proc
        alive = proc is not None and proc.returncode is None
        return {"ok": alive, "pid": proc.pid if alive and proc is not None else None, "restarts": self.restarts}

    async def store(self, items: Sequence[ReceivedFrame]) -> Sequence[bool]:
        if not items:
            return []
        reply: asyncio.Future[bytes] | None = None
        try:
            async with self._spawning:
                if self._proc is None or self._proc.returncode is not None:
                    await self._stop_child(kill=True)
                    self.restarts += 1
                    await self._spawn()
            proc = self._proc
            assert proc is not None
            assert proc.stdin is not None
            reply = asyncio.get_running_loop().create_future()
            self._replies.append(reply)
            proc.stdin.write(pack(("batch", [(item.raw, item.peer, item.received_at) for item in items])))
            await proc.stdin.drain()
            flags = await asyncio.wait_for(reply, self._reply_timeout)
        except (OSError, EOFError, TimeoutError, asyncio.IncompleteReadError) as exc:
            log.error("ingest writer failed on a batch of %d frames (%s); withholding their ACKs", len(items), exc)
            if reply is not None and reply.done() and not reply.cancelled():
                reply.exception()  # the child died while this batch was still being sent: seen, not lost
            await self._stop_child(kill=True)
            return [False] * len(items)
        return [flag == 1 for flag in flags]

    async def aclose(self) -> None:
        await self._stop_child(kill=False)

    async def _spawn(self) -> None:
        loop = asyncio.get_running_loop()
        self._proc = await asyncio.create_subprocess_exec(
            *self._command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=1 << 20)
        self._ready = loop.create_future()
        self._reader = loop.create_task(self._read(self._proc), name="gb26875-writer-reader")
        assert self._proc.stdin is not None
        self._proc.stdin.write(pack(("settings", self._settings.model_dump(mode="json"))))
        await self._proc.stdin.drain()
        try:
            await asyncio.wait_for(asyncio.shield(self._ready), self._reply_timeout)
        except BaseException:
            await self._stop_child(kill=True)
            raise

    async def _read(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        problem: BaseException = EOFError("the ingest writer exited")
        try:
            while True:
                size = LENGTH.unpack(await proc.stdout.readexactly(LENGTH.size))[0]
                message = pickle.loads(await proc.stdout.readexactly(size))  # noqa: S301 - our own child
                kind = message[0]
                if kind == "stored":
                    reply = self._replies.popleft()
                    if not reply.done():  # else it timed out: the batch was withheld already
                        reply.set_result(message[1])
                elif kind == "events":
                    for name, payload in message[1]:
                        self._on_events(name, payload)
                elif kind == "ready" and self._ready is not None and not self._ready.done():
                    self._ready.set_result(None)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            problem = EOFError(f"the ingest writer exited ({exc})")
        except Exception as exc:  # a message we cannot read: the child is not what we think it is
            log.exception("unreadable message from the ingest writer")
            problem = exc
        waiters: list[asyncio.Future[Any]] = [*self._replies, *([self._ready] if self._ready else [])]
        self._replies.clear()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_exception(problem)

    async def _stop_child(self, *, kill: bool) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None and not proc.stdin.is_closing():
            proc.stdin.close()  # EOF: the child finishes its batch, runs its queued handlers and exits
        if kill:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
        try:
            await asyncio.wait_for(proc.wait(), 30.0)
        except TimeoutError:
            log.warning("ingest writer did not exit; killing it")
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
            self._reader = None


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
