"""Where the MQTT subscriber's batches are written: a child process (the default), or a thread.

``ProcessWriter`` is the gateway's design (``gateway.sinks.ProcessSink``, ``ingest.writer``) for MQTT:
receiving (the MQTT client, in the subscriber's event loop) and storing (one group commit per
transaction, ``ingest.mqtt_batch.BatchWriter``, in ``citysafe firewatch mqtt-writer``) are each about one
core's work at full rate, and in one process they would share one GIL. Batches go down the child's
stdin; the child answers one code per message, in order, once the transaction holding it committed;
live alarm events come back up as they commit. Several batches may be in flight: the child writes
those that queued up while its last transaction ran in one transaction (``serve_pipe``).

If the child dies or stops answering, every batch in flight is answered ``WITHHELD`` (the subscriber
drops its connection, the broker delivers them again, de-duplication drops what had committed after
all) and the next batch starts a new child.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pickle
import sys
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, Final, Protocol

from citysafe.core.config import Settings
from citysafe.firewatch.ingest.mqtt_batch import BatchWriter, Row
from citysafe.firewatch.ingest.writer import LENGTH, pack

log = logging.getLogger(__name__)

WRITER_COMMAND: Final = (sys.executable, "-m", "citysafe", "firewatch", "mqtt-writer")


class MessageSink(Protocol):
    async def start(self) -> None: ...

    async def store(self, rows: list[Row]) -> bytes:
        """One ``mqtt_batch.Code`` per row, once the rows are committed (or withheld)."""
        ...

    def health(self) -> dict[str, Any]: ...

    async def aclose(self) -> None: ...


class ThreadWriter:
    """The batches written by a thread of this process, one at a time (tests; ``firewatch_mqtt_writer = "thread"``)."""

    def __init__(self, writer: BatchWriter) -> None:
        self.writer = writer
        self._turn = asyncio.Lock()  # in order of receipt, one transaction at a time

    async def start(self) -> None:
        return None

    async def store(self, rows: list[Row]) -> bytes:
        async with self._turn:
            return await asyncio.to_thread(self.writer.write, rows)

    def health(self) -> dict[str, Any]:
        return {"ok": True, "mode": "thread"}

    async def aclose(self) -> None:
        return None


class ProcessWriter:
    """The batches written by a child process (``citysafe firewatch mqtt-writer``), several in flight."""

    def __init__(self, settings: Settings, *, command: Sequence[str] = WRITER_COMMAND, reply_timeout: float = 60.0,
                 on_events: Callable[[str, dict[str, Any]], None]) -> None:
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
        self._spawned = False  # a child was started before: the next one is a restart

    async def start(self) -> None:
        async with self._spawning:
            if self._proc is None:
                await self._spawn()

    @property
    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None and proc.returncode is None else None

    def health(self) -> dict[str, Any]:
        return {"ok": self.pid is not None, "mode": "process", "pid": self.pid, "restarts": self.restarts}

    async def store(self, rows: list[Row]) -> bytes:
        if not rows:
            return b""
        reply: asyncio.Future[bytes] | None = None
        try:
            async with self._spawning:
                if self._proc is None or self._proc.returncode is not None:
                    if self._spawned:
                        self.restarts += 1
                    await self._stop_child(kill=True)
                    await self._spawn()
            proc = self._proc
            assert proc is not None
            assert proc.stdin is not None
            reply = asyncio.get_running_loop().create_future()
            self._replies.append(reply)
            proc.stdin.write(pack(("batch", rows)))
            await proc.stdin.drain()
            return await asyncio.wait_for(asyncio.shield(reply), self._reply_timeout)
        except (OSError, EOFError, TimeoutError, asyncio.IncompleteReadError) as exc:
            log.error("MQTT writer failed on a batch of %d messages (%s); withholding their PUBACKs", len(rows), exc)
            if reply is not None and reply.done() and not reply.cancelled():
                reply.exception()  # the child died while this batch was still being sent: seen, not lost
            await self._stop_child(kill=True)
            return bytes(len(rows))

    async def aclose(self) -> None:
        await self._stop_child(kill=False)

    async def _spawn(self) -> None:
        self._spawned = True
        loop = asyncio.get_running_loop()
        self._proc = await asyncio.create_subprocess_exec(
            *self._command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=1 << 20)
        self._ready = loop.create_future()
        self._reader = loop.create_task(self._read(self._proc), name="mqtt-writer-reader")
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
        problem: BaseException = EOFError("the MQTT writer exited")
        try:
            while True:
                size = LENGTH.unpack(await proc.stdout.readexactly(LENGTH.size))[0]
                message = pickle.loads(await proc.stdout.readexactly(size))  # noqa: S301 - our own child
                if message[0] == "stored":
                    reply = self._replies.popleft()
                    if not reply.done():  # else it timed out: the batch was withheld already
                        reply.set_result(message[1])
                elif message[0] == "events":
                    for name, payload in message[1]:
                        self._on_events(name, payload)
                elif message[0] == "ready" and self._ready is not None and not self._ready.done():
                    self._ready.set_result(None)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            problem = EOFError(f"the MQTT writer exited ({exc})")
        except Exception as exc:  # a message we cannot read: the child is not what we think it is
            log.exception("unreadable message from the MQTT writer")
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
            log.warning("MQTT writer did not exit; killing it")
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
            self._reader = None
