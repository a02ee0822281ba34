"""The gateway's database writer in a process of its own (the default of ``serve --gb26875-port``).

Framing and ACKing thousands of connections and ingesting what they send are each about one core's
work at full load; in one process they share one GIL. ``ProcessSink`` hands each group commit to a
child process (``citysafe gb26875 ingest-writer``) over a pipe and ACKs when the child says the batch
committed, so the two halves run on two cores.

The child answers first and reacts afterwards: committed events are queued (``EventBus.defer``) and
their handlers (risk levels, hazard tickets, 119 forwarding) run between batches, so a burst of
alarms never holds back the ACKs of the batch that carried it. Live alarm events go back up the pipe
as they commit and reach the web process's live hub before the ACKs do.

Wire format, both ways: a 4-byte big-endian length, then a pickled tuple. Pickle is safe here: both
ends are this package, on a pipe between a parent and the child it started.

    parent → child   ("settings", {...})  then  ("batch", [(raw, peer, received_at), ...])  … EOF = stop
    child → parent   ("ready",)  ("events", [(name, payload), ...])  ("stored", bytes of 0/1 per frame)

If the child dies or stops answering, the batch in flight is withheld (devices retransmit; ingest's
de-duplication drops what had committed after all) and the next batch starts a new child.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import select
import signal
import struct
import sys
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, BinaryIO, Final

from sqlalchemy.orm import Session, sessionmaker

from citysafe.core import heap
from citysafe.core.clock import Clock
from citysafe.core.config import Settings, install_settings
from citysafe.core.events import EventBus
from citysafe.firewatch.ingest import ReceivedFrame
from citysafe.firewatch.live import LIVE_EVENTS, broadcast
from citysafe.firewatch.protocols.gb26875 import FrameError, decode_frame
from citysafe.firewatch.worker import write_batch

__all__ = ["ProcessSink", "serve_pipe"]

log = logging.getLogger(__name__)

_LENGTH: Final = struct.Struct(">I")
# What the child is started as; tests may point it elsewhere.
WRITER_COMMAND: Final = (sys.executable, "-m", "citysafe", "gb26875", "ingest-writer")
# Handlers of queued events run between batches, this many at a time while a batch is waiting.
_EVENTS_BETWEEN_BATCHES: Final = 8


def _pack(message: tuple[Any, ...]) -> bytes:
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(body)) + body


class ProcessSink:
    """A ``FrameSink`` whose transactions run in a child process.

    Several batches may be in flight (``concurrent_batches``): the child writes one while the next ones
    cross the pipe, so it does not idle while the gateway sends ACKs and gathers the next batch.
    The child answers in order, so each reply settles the oldest waiting batch.
    """

    concurrent_batches = 8

    def __init__(self, settings: Settings, *, command: Sequence[str] = WRITER_COMMAND,
                 reply_timeout: float = 60.0, on_events: Callable[[str, dict[str, Any]], None] = broadcast) -> None:
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
            proc.stdin.write(_pack(("batch", [(item.raw, item.peer, item.received_at) for item in items])))
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
        self._proc.stdin.write(_pack(("settings", self._settings.model_dump(mode="json"))))
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
                size = _LENGTH.unpack(await proc.stdout.readexactly(_LENGTH.size))[0]
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


# -- the child ---------------------------------------------------------------------------------------
class _Pipe:
    """Length-prefixed messages on raw file descriptors (no buffering layer hiding what is waiting)."""

    def __init__(self, read_fd: int, out: BinaryIO) -> None:
        self._fd = read_fd
        self._out = out
        self._buf = bytearray()
        self.eof = False

    def send(self, message: tuple[Any, ...]) -> None:
        self._out.write(_pack(message))
        self._out.flush()

    def receive(self, *, wait: bool) -> tuple[Any, ...] | None:
        """The next message; None at EOF, or at once when ``wait`` is False and none is complete."""
        while True:
            if len(self._buf) >= _LENGTH.size:
                size = _LENGTH.unpack_from(self._buf)[0]
                end = _LENGTH.size + size
                if len(self._buf) >= end:
                    message: tuple[Any, ...] = pickle.loads(self._buf[_LENGTH.size:end])  # noqa: S301
                    del self._buf[:end]
                    return message
            if self.eof or (not wait and not select.select([self._fd], [], [], 0)[0]):
                return None
            chunk = os.read(self._fd, 1 << 20)
            if not chunk:
                self.eof = True
            self._buf += chunk


def serve_pipe(event_bus: EventBus, *,
               make_writer: Callable[[Settings], tuple[sessionmaker[Session], Clock]]) -> None:
    """The child's main loop (``citysafe gb26875 ingest-writer``): batches in, flags and events out.

    ``make_writer(settings)`` returns the session factory and clock to write with; the caller has
    subscribed the domains' handlers to ``event_bus`` and bound it.
    """
    # The parent decides when the child stops (EOF on stdin): a Ctrl-C sent to the terminal's whole
    # process group must not abort the batch in flight.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout = sys.stderr  # a stray print must not corrupt the protocol
    pipe = _Pipe(sys.stdin.fileno(), out)
    first = pipe.receive(wait=True)
    if first is None or first[0] != "settings":
        raise SystemExit("ingest writer: expected the settings first")
    settings = Settings.model_validate(first[1])
    install_settings(settings)  # thresholds, dedup window, risk rules: the parent's, not this environment's
    factory, clock = make_writer(settings)
    outgoing: list[tuple[str, dict[str, Any]]] = []

    def forward_live(name: str, payload: dict[str, Any]) -> None:
        if name in LIVE_EVENTS:
            outgoing.append((name, payload))

    event_bus.observe_commits(forward_live)
    event_bus.defer()
    heap.settle()  # what startup loaded lives as long as the process: out of the collector's way
    pipe.send(("ready",))

    def flush_events() -> None:
        if outgoing:
            pipe.send(("events", outgoing.copy()))
            outgoing.clear()

    while True:
        message = pipe.receive(wait=not event_bus.deferred)
        if message is None:
            if pipe.eof:
                break
            event_bus.deliver_deferred(_EVENTS_BETWEEN_BATCHES)  # idle: react to what committed
            flush_events()
            continue
        if message[0] != "batch":
            log.warning("ingest writer: ignoring a %r message", message[0])
            continue
        # Group commit across batches: those that queued up while the last transaction ran are written
        # in this one, so the busier the gateway, the fewer (and larger) the transactions.
        batches = [message[1]]
        while (more := pipe.receive(wait=False)) is not None:
            if more[0] == "batch":
                batches.append(more[1])
        assert event_bus.deferred is not None
        before = len(event_bus.deferred)
        flags = _write(factory, clock, [frame for batch in batches for frame in batch])
        flush_events()  # before the flags: a fire is on the live board no later than it is ACKed
        start = 0
        for batch in batches:  # one reply per batch, in order: each settles the oldest waiting one
            pipe.send(("stored", flags[start:start + len(batch)]))
            start += len(batch)
        # Keep pace with what this batch queued, so an alarm storm cannot grow the queue without bound.
        event_bus.deliver_deferred(max(_EVENTS_BETWEEN_BATCHES, len(event_bus.deferred) - before))
        flush_events()
    event_bus.deliver_deferred()
    flush_events()


def _write(factory: sessionmaker[Session], clock: Clock, batch: list[tuple[bytes, str, Any]]) -> bytes:
    items: list[ReceivedFrame] = []
    positions: list[int] = []
    for position, (raw, peer, received_at) in enumerate(batch):
        try:
            items.append(ReceivedFrame(raw=raw, frame=decode_frame(raw), peer=peer, received_at=received_at))
            positions.append(position)
        except FrameError:  # the gateway framed it already; a frame that does not decode is not ACKed
            log.error("ingest writer: undecodable frame from %s: %s", peer, raw.hex())
    flags = bytearray(len(batch))
    for position, ok in zip(positions, write_batch(factory, clock, items), strict=True):
        flags[position] = ok
    return bytes(flags)
