"""GB/T 26875.3 TCP gateway: thousands of UITD connections on one asyncio loop, ACK after durable store.

Each connection frames its bytes by the length field (``StreamFramer``) inside ``data_received``; the
frames of every connection that arrive in one turn of the event loop go to the sink together (group
commit: one transaction in the embedded mode, one burst of JetStream publishes at scale), and only
when the sink says they are durable are they ACKed. While a batch is being written the next one
keeps filling (a sink with ``concurrent_batches`` > 1 — the writer process — takes it at once and
writes it next), so the batch size follows the load and the loop never waits on the database.

What a peer can do wrong costs only that peer (``connection.Connection``): the framer holds at most
one incomplete frame, a peer with too many frames awaiting ACK stops being read until they are
written, a peer that does not read its ACKs is dropped after ``write_timeout``, a silent one after
``idle_timeout``, one that never sends a valid frame after ``identify_timeout``, one that keeps sending
invalid input at once (and its host refused for a while). Connections are capped in total and per host
(``guard.Admission``), below the open-file limit, so the web process keeps descriptors for HTTP.
"""

from __future__ import annotations

import asyncio
import asyncio.trsock
import logging
import socket
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from citysafe.core.clock import Clock, to_local
from citysafe.firewatch.gateway.connection import AckLatency, Connection, FrameObserver, GatewayConfig, GatewayStats
from citysafe.firewatch.gateway.guard import Admission
from citysafe.firewatch.gateway.heartbeats import HeartbeatPath
from citysafe.firewatch.gateway.limits import LimitWatch
from citysafe.firewatch.gateway.sinks import FrameSink, JetStreamSink
from citysafe.firewatch.ingest.service import SEEN_WRITE_INTERVAL_S, ReceivedFrame
from citysafe.firewatch.protocols.gb26875 import Command, DeviceTime, Frame

__all__ = ["Gateway", "ack_bytes", "device_time"]

log = logging.getLogger(__name__)


def ack_bytes(raw: bytes, label: bytes) -> bytes:
    """The ACK of a received frame, cut from the frame's own bytes: serial and version echoed, addresses
    swapped, empty ADU, command 3. Byte for byte what ``encode_frame(build_ack(frame, label))`` gives
    (test_gw_protocol checks it) without the round trip through objects, thousands of times a second."""
    body = raw[2:6] + label + raw[18:24] + raw[12:18] + b"\x00\x00\x03"
    return b"@@" + body + bytes((sum(body) & 0xFF,)) + b"##"


def device_time(clock: Clock) -> DeviceTime:
    """The time label the centre sends: China local time, as every device expects (spec §2.6)."""
    return DeviceTime.of(to_local(clock.now()).replace(tzinfo=None))


@dataclass
class _Pending:
    conn: Connection
    item: ReceivedFrame
    ack: bool
    since: float  # the loop's time when the frame was read: its ACK latency counts from here


def defer_until_data(listeners: Sequence[socket.socket | asyncio.trsock.TransportSocket], seconds: int) -> None:
    """Have the kernel hand over a connection only once its first data arrived (TCP_DEFER_ACCEPT, Linux), or
    once ``seconds`` have passed; 0 leaves accept as it is.

    A UITD speaks first: a socket that says nothing now costs the process no descriptor while the kernel
    waits, and a connection usually arrives with its first frame already there, as nginx's and HAProxy's
    deferred listeners do for HTTP. It does not save a device whose first frame the kernel dropped on a full
    accept queue (a reconnect storm): past ``seconds`` the kernel hands the connection over on the device's
    next bare ACK, and a first frame retransmitted after a long back-off can still arrive past
    ``identify_timeout`` (docs/operations.md, "Gateway processes for a province").
    """
    option = getattr(socket, "TCP_DEFER_ACCEPT", None)
    if option is None or seconds <= 0:
        return
    for listener in listeners:
        listener.setsockopt(socket.IPPROTO_TCP, option, seconds)


@dataclass
class Gateway:
    """The listener, its connections and the group-commit pipeline in front of a ``FrameSink``."""

    sink: FrameSink
    clock: Clock
    config: GatewayConfig = field(default_factory=GatewayConfig)
    observer: FrameObserver | None = None
    connections: set[Connection] = field(default_factory=set)
    by_address: dict[int, Connection] = field(default_factory=dict)
    stats: GatewayStats = field(default_factory=GatewayStats)
    ack_latency: AckLatency = field(default_factory=AckLatency)

    def __post_init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        config = self.config
        self.admission = Admission(config.max_connections, config.max_connections_per_host, config.penalty_seconds)
        self.limits = LimitWatch(config.max_connections, memory_budget=config.memory_budget)
        self._server: asyncio.Server | None = None
        self._pending: list[_Pending] = []
        self._scheduled = False
        self._writing: set[asyncio.Task[None]] = set()
        self._max_writing = max(1, self.sink.concurrent_batches)
        self._sweeper: asyncio.Task[None] | None = None
        self._label_second = -1.0
        self._label = device_time(self.clock)
        self._on_batch: list[Callable[[int], None]] = []
        # Keep-alives ACKed here and summarised, where a sink takes the summaries (heartbeats.py).
        self.heartbeats: HeartbeatPath | None = None
        if config.heartbeat_sample > 0 and isinstance(self.sink, JetStreamSink):
            self.heartbeats = HeartbeatPath(self.sink.publish_seen, sample=config.heartbeat_sample,
                                            interval=SEEN_WRITE_INTERVAL_S)

    # -- lifecycle ----------------------------------------------------------------------------------
    async def start(self, backlog: int = 4096) -> int:
        self._server = await self.loop.create_server(
            lambda: Connection(self), self.config.host, self.config.port, backlog=backlog, reuse_address=True,
            reuse_port=self.config.reuse_port or None,
        )
        defer_until_data(self._server.sockets, int(self.config.identify_timeout))
        self._sweeper = asyncio.create_task(self._sweep_idle(), name="gb26875-idle-sweep")
        if self.heartbeats is not None:
            self.heartbeats.start()
        port = int(self._server.sockets[0].getsockname()[1])
        log.info("GB/T 26875.3 gateway listening on %s:%d", self.config.host, port)
        return port

    async def stop(self) -> None:
        """Stop accepting, drop the connections, let the batch being written finish, close the sink."""
        if self._server is not None:
            self._server.close()
        if self._sweeper is not None:
            self._sweeper.cancel()
            with suppress(asyncio.CancelledError):
                await self._sweeper
        for conn in list(self.connections):
            conn.close()
        if self._writing:
            await asyncio.gather(*self._writing, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
        if self.heartbeats is not None:
            await self.heartbeats.stop()  # the last summary, before the sink closes
        await self.sink.aclose()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    def on_batch(self, callback: Callable[[int], None]) -> None:
        """Call ``callback(n)`` after each group commit of ``n`` frames (benchmarks and tests watch this)."""
        self._on_batch.append(callback)

    def now_label(self) -> DeviceTime:
        """The centre's current time label, computed at most once per second of loop time."""
        now = self.loop.time()
        if now - self._label_second >= 0.5:
            self._label_second = now
            self._label = device_time(self.clock)
        return self._label

    # -- traffic ------------------------------------------------------------------------------------
    def observe(self, conn: Connection, frame: Frame) -> None:
        if self.observer is not None:
            self.observer.on_frame(conn, frame)

    def submit(self, conn: Connection, frame: Frame, received_at: datetime) -> None:
        self.stats.frames += 1
        if conn.address != frame.source:
            if conn.address is not None and self.by_address.get(conn.address) is conn:
                del self.by_address[conn.address]
            conn.address = frame.source
        # The newest connection claiming an address is the one downlink frames go to.
        self.by_address[frame.source] = conn
        conn.centre_address = frame.destination
        self.observe(conn, frame)
        # A response (cmd 5) to our own request is stored but not ACKed: request/response has no ACK.
        ack = frame.command != Command.RESPONSE
        heartbeats = self.heartbeats
        if heartbeats is not None:
            if heartbeats.absorb(conn, frame, received_at, self.loop.time()):
                self.stats.keepalives += 1
                if ack:
                    conn.write(ack_bytes(frame.raw, self.now_label().raw))
                    self.stats.acked += 1
                    self.ack_latency.observe(0.0)
                return
            heartbeats.sent(conn, frame)
        conn.inflight += 1
        self._pending.append(_Pending(conn, ReceivedFrame(frame.raw, frame, conn.peer, received_at), ack,
                                      self.loop.time()))
        if not self._scheduled and len(self._writing) < self._max_writing:
            self._scheduled = True
            # Runs after every callback already ready in this turn: the data of all connections that
            # became readable together is in the batch.
            self.loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._scheduled = False
        if len(self._writing) >= self._max_writing or not self._pending:
            return
        limit = self.config.max_batch
        batch, self._pending = self._pending[:limit], self._pending[limit:]
        task = self.loop.create_task(self._commit(batch))
        self._writing.add(task)
        task.add_done_callback(self._writing.discard)

    async def _commit(self, batch: list[_Pending]) -> None:
        try:
            stored: Sequence[bool] = await self.sink.store([p.item for p in batch])
        except Exception:
            log.exception("storing %d frames failed; withholding their ACKs", len(batch))
            stored = [False] * len(batch)
        self._writing.discard(cast(asyncio.Task[None], asyncio.current_task()))
        self._acknowledge(batch, stored)
        self.stats.batches += 1
        self.stats.largest_batch = max(self.stats.largest_batch, len(batch))
        for callback in self._on_batch:
            callback(len(batch))
        if self._pending and not self._scheduled:
            self._flush()

    def _acknowledge(self, batch: list[_Pending], stored: Sequence[bool]) -> None:
        label = self.now_label().raw
        now = self.loop.time()
        acks: dict[Connection, list[bytes]] = {}
        counts: dict[Connection, int] = {}
        heartbeats = self.heartbeats
        for pending, ok in zip(batch, stored, strict=True):
            conn = pending.conn
            counts[conn] = counts.get(conn, 0) + 1
            if heartbeats is not None:
                heartbeats.settled(conn, pending.item.frame, ok, now)
            if not ok:
                self.stats.withheld += 1  # the device retransmits; a later batch may succeed
            elif pending.ack:
                acks.setdefault(conn, []).append(ack_bytes(pending.item.raw, label))
                self.ack_latency.observe(now - pending.since)
        for conn, frames in acks.items():
            conn.write(b"".join(frames))
            self.stats.acked += len(frames)
        for conn, count in counts.items():
            conn.settled(count)

    async def _sweep_idle(self) -> None:
        # One sweep for all connections instead of a timer per connection re-armed on every read. It
        # also lets hosts out of the penalty box, logs the refusals of the last seconds and looks at
        # the descriptors and memory in use (limits.LimitWatch).
        period = max(0.05, min(5.0, self.config.idle_timeout / 4))
        while True:
            await asyncio.sleep(period)
            self.admission.sweep(self.loop.time())
            self.limits.sample(len(self.connections))
            deadline = self.loop.time() - self.config.idle_timeout
            for conn in [c for c in self.connections if c.last_received < deadline]:
                log.info("closing %s (address %s): silent for %.0f s", conn.peer, conn.address,
                         self.config.idle_timeout)
                self.stats.timeouts += 1
                conn.close()
