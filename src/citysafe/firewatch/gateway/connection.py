"""One UITD's TCP connection to the gateway: framing in ``data_received``, flow control both ways.

The framer holds at most one incomplete frame; a peer with too many frames awaiting ACK stops being
read until they are written; a peer that does not read its replies is dropped after the gateway's
``write_timeout``. Frames go to ``Gateway.submit``; the gateway ACKs them after its group commit.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol, cast

from citysafe.core.clock import Clock
from citysafe.firewatch.protocols.gb26875 import (
    Command,
    DeviceTime,
    Frame,
    Preamble,
    StreamFramer,
    build_nak,
    encode_frame,
)
from citysafe.firewatch.protocols.gb26875.tables import is_reserved_command

__all__ = ["PREAMBLE_REPLY", "Connection", "FrameObserver", "GatewayConfig", "GatewayStats", "Host"]

log = logging.getLogger(__name__)

PREAMBLE_REPLY: Final = b"OK!"
# Frames a device answers us with; they settle a downlink request instead of being ACKed.
_REPLIES: Final = frozenset((Command.ACK, Command.NAK))


@dataclass(frozen=True)
class GatewayConfig:
    host: str = "127.0.0.1"
    port: int = 0
    # Frames of one connection awaiting their ACK before it stops being read (a device sends one at a
    # time and waits, so only a misbehaving or replaying peer ever gets near this).
    max_inflight_per_connection: int = 256
    # Largest group commit; more pending frames wait for the next transaction.
    max_batch: int = 4096
    write_timeout: float = 10.0
    # A UITD answers patrols and sends heartbeats; a connection silent this long is dead.
    idle_timeout: float = 3 * 3600.0
    write_buffer_high: int = 64 * 1024
    max_connections: int = 50_000


@dataclass
class GatewayStats:
    connections: int = 0
    accepted: int = 0
    frames: int = 0
    acked: int = 0
    withheld: int = 0
    naks: int = 0
    preambles: int = 0
    dropped_bytes: int = 0
    batches: int = 0
    largest_batch: int = 0
    timeouts: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


class FrameObserver(Protocol):
    """The downlink scheduler's view of the traffic (``downlink.Downlink``)."""

    def on_frame(self, conn: Connection, frame: Frame) -> None: ...

    def on_disconnect(self, conn: Connection) -> None: ...


class Host(Protocol):
    """What a connection uses of its gateway (``server.Gateway``): the loop and clock, the limits and
    counters, the open connections by peer and address, and where frames go. A protocol, so that the
    server imports this module and not the other way round."""

    loop: asyncio.AbstractEventLoop
    clock: Clock
    config: GatewayConfig
    stats: GatewayStats
    connections: set[Connection]
    by_address: dict[int, Connection]
    observer: FrameObserver | None

    def observe(self, conn: Connection, frame: Frame) -> None: ...

    def submit(self, conn: Connection, frame: Frame, received_at: datetime) -> None: ...

    def now_label(self) -> DeviceTime: ...


class Connection(asyncio.Protocol):
    """One UITD's TCP connection."""

    def __init__(self, gateway: Host) -> None:
        self.gateway = gateway
        self.framer = StreamFramer()
        self.transport: asyncio.Transport | None = None
        self.peer = "?"
        self.address: int | None = None  # the UITD's source address, once a frame has shown it
        self.centre_address = 0  # the destination the UITD uses for us
        self.inflight = 0
        self.last_received = 0.0
        self.serial = 0  # our own counter for downlink frames (each initiator keeps its own)
        self._write_timer: asyncio.TimerHandle | None = None
        self._reading_paused = False
        self._writing_paused = False

    # -- asyncio.Protocol ---------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport, so no isinstance check here.
        transport = cast(asyncio.Transport, transport)
        self.transport = transport
        gateway = self.gateway
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        if len(gateway.connections) >= gateway.config.max_connections:
            log.warning("refusing %s: %d connections open", self.peer, len(gateway.connections))
            transport.abort()
            return
        transport.set_write_buffer_limits(high=gateway.config.write_buffer_high)
        self.last_received = gateway.loop.time()
        gateway.connections.add(self)
        gateway.stats.accepted += 1
        gateway.stats.connections = len(gateway.connections)

    def data_received(self, data: bytes) -> None:
        gateway = self.gateway
        self.last_received = gateway.loop.time()
        received_at: datetime | None = None
        replies: list[bytes] = []
        framer = self.framer
        discarded = framer.discarded_bytes
        for item in framer.feed(data):
            if isinstance(item, Frame):
                command = item.command
                if command in _REPLIES:
                    gateway.observe(self, item)
                elif is_reserved_command(command):
                    # §6.5 lists an unknown command byte among the validation errors: NAK it.
                    replies.append(encode_frame(build_nak(item, gateway.now_label())))
                    gateway.stats.naks += 1
                else:
                    if received_at is None:
                        received_at = gateway.clock.now()
                    gateway.submit(self, item, received_at)
            elif isinstance(item, Preamble):
                replies.append(PREAMBLE_REPLY)
                gateway.stats.preambles += 1
            else:
                header = item.header
                if header is not None:
                    replies.append(encode_frame(build_nak(header, gateway.now_label())))
                    gateway.stats.naks += 1
                else:
                    gateway.stats.dropped_bytes += len(item.data)
        if framer.discarded_bytes != discarded:
            gateway.stats.dropped_bytes += framer.discarded_bytes - discarded
        if replies:
            self.write(b"".join(replies))
        if self.inflight >= gateway.config.max_inflight_per_connection:
            self._pause_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        gateway = self.gateway
        gateway.connections.discard(self)
        gateway.stats.connections = len(gateway.connections)
        if self.address is not None and gateway.by_address.get(self.address) is self:
            del gateway.by_address[self.address]
        if self._write_timer is not None:
            self._write_timer.cancel()
        if gateway.observer is not None:
            gateway.observer.on_disconnect(self)
        self.transport = None

    def pause_writing(self) -> None:
        # The peer is not reading its ACKs: read nothing more from it and give it write_timeout to drain.
        self._writing_paused = True
        self._pause_reading()
        self._write_timer = self.gateway.loop.call_later(self.gateway.config.write_timeout, self._write_timed_out)

    def resume_writing(self) -> None:
        self._writing_paused = False
        if self._write_timer is not None:
            self._write_timer.cancel()
            self._write_timer = None
        self._maybe_resume_reading()

    # -- gateway side -------------------------------------------------------------------------------
    @property
    def open(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()

    def write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def next_serial(self) -> int:
        serial = self.serial
        self.serial = (serial + 1) & 0xFFFF
        return serial

    def settled(self, count: int) -> None:
        """``count`` of this connection's frames left the sink (ACKed or withheld)."""
        self.inflight -= count
        self._maybe_resume_reading()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def _pause_reading(self) -> None:
        if not self._reading_paused and self.transport is not None and not self.transport.is_closing():
            self._reading_paused = True
            self.transport.pause_reading()

    def _maybe_resume_reading(self) -> None:
        if (
            self._reading_paused
            and not self._writing_paused
            and self.inflight < self.gateway.config.max_inflight_per_connection
            and self.transport is not None
            and not self.transport.is_closing()
        ):
            self._reading_paused = False
            self.transport.resume_reading()

    def _write_timed_out(self) -> None:
        log.warning("dropping %s: it has not read its replies for %.0f s", self.peer,
                    self.gateway.config.write_timeout)
        self.gateway.stats.timeouts += 1
        self.close()
