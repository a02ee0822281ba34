"""The gateway's database writer: one group commit per transaction, on a thread or in a child process.

``write_batch`` stores a batch in one transaction and, when that fails, finds and withholds only the
frames that fail; the gateway's ``DatabaseSink`` runs it on a writer thread, and ``serve_pipe`` runs it
in the writer process (the default of ``serve --gb26875-port``, ``citysafe gb26875 ingest-writer``).

Framing and ACKing thousands of connections and ingesting what they send are each about one core's
work at full load; in one process they share one GIL. The gateway's ``ProcessSink`` (``gateway.sinks``)
hands each group commit to the child over a pipe and ACKs when the child says the batch committed, so
the two halves run on two cores.

The child answers first and reacts afterwards: committed events are queued (``EventBus.defer``) and
their handlers (risk levels, hazard tickets, 119 forwarding) run between batches, so a burst of
alarms never holds back the ACKs of the batch that carried it. Live alarm events go back up the pipe
as they commit and reach the web process's live hub before the ACKs do.

Wire format, both ways: a 4-byte big-endian length, then a pickled tuple (``pack``). Pickle is safe
here: both ends are this package, on a pipe between a parent and the child it started.

    parent → child   ("settings", {...})  then  ("batch", [(raw, peer, received_at), ...])  … EOF = stop
    child → parent   ("ready",)  ("events", [(name, payload), ...])  ("stored", bytes of 0/1 per frame)

If the child dies or stops answering, the batch in flight is withheld (devices retransmit; ingest's
de-duplication drops what had committed after all) and the next batch starts a new child.
"""

from __future__ import annotations

import logging
import os
import pickle
import select
import signal
import struct
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any, BinaryIO, Final

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, configure_mappers, sessionmaker

from citysafe.core import heap
from citysafe.core.clock import Clock
from citysafe.core.config import Settings
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.firewatch.alarms.presence import record_offline_verdicts, record_seen
from citysafe.firewatch.config import config_of
from citysafe.firewatch.ingest.service import ReceivedFrame, ingest_frames
from citysafe.firewatch.live.hub import LIVE_EVENTS
from citysafe.firewatch.protocols.gb26875 import FrameError, decode_frame

__all__ = ["LENGTH", "pack", "serve_pipe", "write_batch", "write_offline", "write_seen"]

log = logging.getLogger(__name__)

LENGTH: Final = struct.Struct(">I")
# Handlers of queued events run between batches, this many at a time while a batch is waiting.
_EVENTS_BETWEEN_BATCHES: Final = 8


def pack(message: tuple[Any, ...]) -> bytes:
    """One message of the pipe's wire format: its length, then the pickled tuple."""
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return LENGTH.pack(len(body)) + body


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


def write_offline(factory: sessionmaker[Session], verdicts: list[tuple[int, datetime]]) -> bool:
    """Record the gateway's offline verdicts (``(address, when)``) in one transaction; False if it failed."""
    return _presence_transaction(factory, f"{len(verdicts)} offline verdicts",
                                 lambda session: record_offline_verdicts(session, verdicts, config=config_of(session)))


def write_seen(factory: sessionmaker[Session], seen: dict[int, datetime]) -> bool:
    """Record the gateways' seen summaries (address → when) in one transaction; False if it failed."""
    return _presence_transaction(factory, f"{len(seen)} seen UITDs", lambda session: record_seen(session, seen))


def _presence_transaction(factory: sessionmaker[Session], what: str, record: Callable[[Session], object]) -> bool:
    try:
        with unit_of_work(factory, actor="gateway:gb26875") as session:
            record(session)
    except OperationalError as exc:
        # A deadlock with another worker's transaction (offline verdicts bump the registry version) or the
        # database away: the worker tries again.
        log.warning("recording %s failed, to be retried: %s", what, str(exc).splitlines()[0])
        return False
    except Exception:
        log.exception("recording %s failed", what)
        return False
    return True


# -- the child ---------------------------------------------------------------------------------------
class _Pipe:
    """Length-prefixed messages on raw file descriptors (no buffering layer hiding what is waiting)."""

    def __init__(self, read_fd: int, out: BinaryIO) -> None:
        self._fd = read_fd
        self._out = out
        self._buf = bytearray()
        self.eof = False

    def send(self, message: tuple[Any, ...]) -> None:
        self._out.write(pack(message))
        self._out.flush()

    def receive(self, *, wait: bool) -> tuple[Any, ...] | None:
        """The next message; None at EOF, or at once when ``wait`` is False and none is complete."""
        while True:
            if len(self._buf) >= LENGTH.size:
                size = LENGTH.unpack_from(self._buf)[0]
                end = LENGTH.size + size
                if len(self._buf) >= end:
                    message: tuple[Any, ...] = pickle.loads(self._buf[LENGTH.size:end])  # noqa: S301
                    del self._buf[:end]
                    return message
            if self.eof or (not wait and not select.select([self._fd], [], [], 0)[0]):
                return None
            chunk = os.read(self._fd, 1 << 20)
            if not chunk:
                self.eof = True
            self._buf += chunk


def serve_pipe(*, make_context: Callable[[Settings], AppContext],
               make_writer: Callable[[AppContext], Callable[[list[Any]], bytes]] | None = None) -> None:
    """The child's main loop (``citysafe gb26875 ingest-writer``): batches in, flags and events out.

    ``make_context(settings)`` builds the child's application context on the parent's settings (thresholds,
    dedup window, risk rules: the parent's, not this environment's), its bus with the domains' handlers.
    ``make_writer(ctx)`` gives what stores one group commit's items and answers a byte per item; by
    default the gateway's frames (``_write``). The MQTT writer (``ingest.mqtt_batch``) passes its own.
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
    ctx = make_context(Settings.model_validate(first[1]))
    factory, clock, event_bus = ctx.session_factory, ctx.clock, ctx.bus
    write: Callable[[list[Any]], bytes] = (make_writer(ctx) if make_writer is not None
                                           else lambda batch: _write(factory, clock, batch))
    outgoing: list[tuple[str, dict[str, Any]]] = []

    def forward_live(name: str, payload: dict[str, Any]) -> None:
        if name in LIVE_EVENTS:
            outgoing.append((name, payload))

    event_bus.observe_commits(forward_live)
    event_bus.defer()
    # The models' mappers are configured by the first query of a process otherwise: ~0.1 s inside the first
    # batch (py-spy of the MQTT writers on bench/mqtt.py), with the batch's devices waiting for their ACKs.
    configure_mappers()
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
        flags = write([item for batch in batches for item in batch])
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
