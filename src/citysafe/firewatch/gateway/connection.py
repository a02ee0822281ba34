"""One UITD's TCP connection to the gateway: framing in ``data_received``, flow control both ways.

The framer holds at most one incomplete frame; a peer with too many frames awaiting ACK stops being
read until they are written; a peer that does not read its replies is dropped after the gateway's
``write_timeout``. Frames go to ``Gateway.submit``; the gateway ACKs them after its group commit.

What a hostile peer can cost is bounded here too (``guard``): a connection is admitted only under the
caps; one that sends no valid frame within ``identify_timeout`` is closed; invalid input (broken frames,
garbage, preambles past the reply budget) spends a token bucket whose exhaustion drops the peer and
puts its host in the penalty box; NAKs and "OK!"s are capped per second; and input is framed in slices,
so a drop takes effect within one slice of a large read.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import sys
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, Protocol, cast

from citysafe.core.clock import Clock
from citysafe.firewatch.gateway.guard import Admission, TokenBucket, host_key
from citysafe.firewatch.gateway.limits import LimitWatch
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

__all__ = ["ACK_BUCKETS", "PREAMBLE_REPLY", "AckLatency", "Connection", "FrameObserver", "GatewayConfig",
           "GatewayStats", "Host"]

log = logging.getLogger(__name__)

PREAMBLE_REPLY: Final = b"OK!"
# Frames a device answers us with; they settle a downlink request instead of being ACKed.
_REPLIES: Final = frozenset((Command.ACK, Command.NAK))
# Bytes framed before the drop decision is looked at again: a few dozen frames of real traffic, and a
# bound on the invalid items one read can produce before a peer is dropped.
_SLICE: Final = 8192
# Garbage bytes (outside any frame) that cost one token of the invalid-input budget.
_GARBAGE_PER_TOKEN: Final = 1024


@dataclass(frozen=True)
class GatewayConfig:
    host: str = "127.0.0.1"
    port: int = 0
    # SO_REUSEPORT: several gateway processes listen on one port and the kernel spreads the connections
    # (`citysafe gb26875 gateway --processes N`), each process under its own open-file limit.
    reuse_port: bool = False
    # Frames of one connection awaiting their ACK before it stops being read (a device sends one at a
    # time and waits, so only a misbehaving or replaying peer ever gets near this).
    max_inflight_per_connection: int = 256
    # Largest group commit; more pending frames wait for the next transaction.
    max_batch: int = 4096
    write_timeout: float = 10.0
    # A UITD answers patrols and sends heartbeats; a connection silent this long is dead.
    idle_timeout: float = 3 * 3600.0
    write_buffer_high: int = 64 * 1024
    # service.config_from_settings derives it from the open-file limit (guard.connection_cap).
    max_connections: int = 50_000
    # Several UITDs can share one public address behind a site's NAT or a protocol converter; 20,000
    # silent sockets came from one.
    max_connections_per_host: int = 256
    # A UITD connects in order to talk: at power-up and after a lost link it sends its status or the
    # upload it still owes at once, then waits for the ACK. 15 s covers that first frame crossing a
    # lossy cellular link (TCP retransmits a lost segment after 1, 2, 4, 8 s); a device that had
    # nothing to say is closed without penalty and reconnects when it has.
    identify_timeout: float = 15.0
    # Invalid input a peer may send in a burst, and how fast that allowance comes back. A device on a
    # noisy line sends an occasional broken frame; one that sends 20 in a row is broken or hostile.
    invalid_burst: float = 20.0
    invalid_per_second: float = 1.0
    # NAKs and "OK!" preamble answers per second, past a burst; the rest are withheld (a device
    # retransmits on its own timer whether or not it got the NAK).
    replies_burst: float = 10.0
    replies_per_second: float = 5.0
    # How long a host whose peer was dropped for invalid input is refused (0: never).
    penalty_seconds: float = 60.0
    # Resident memory of the process past which new connections are refused (None: not bounded); the
    # limit watch warns from 80 % of it (limits.LimitWatch).
    memory_budget: int | None = None
    # With a sink that takes seen summaries (JetStream): one keep-alive per device is stored every this many
    # seconds, the others are ACKed here and summarised (heartbeats.HeartbeatPath); 0 stores every one.
    heartbeat_sample: float = 0.0


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
    refused: int = 0            # connections closed at accept: caps or penalty box (guard.Admission)
    unidentified: int = 0       # closed for sending no valid frame within identify_timeout
    dropped_invalid: int = 0    # peers dropped for invalid input past the budget
    replies_withheld: int = 0   # NAKs and "OK!"s not sent, past the per-second cap
    refused_memory: int = 0     # of ``refused``: the process's resident memory was at its budget
    offline: int = 0            # closed for not answering a patrol within the answer timeout (downlink)
    keepalives: int = 0         # of ``frames``: ACKed without being stored (heartbeats.HeartbeatPath)

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


#: Upper bounds (s) of the ACK latency histogram: receipt of a frame to its ACK written back (a fire's first
#: hop; GB 26875.1 asks the centre to take an alarm within seconds, the platform aims at well under one).
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass
class AckLatency:
    """Counts of ACKs by latency bucket (cumulative at read), their sum and count: /metrics' histogram."""

    counts: list[int] = field(default_factory=lambda: [0] * (len(ACK_BUCKETS) + 1))
    total_seconds: float = 0.0
    acks: int = 0

    def observe(self, seconds: float, n: int = 1) -> None:
        self.counts[bisect.bisect_left(ACK_BUCKETS, seconds)] += n
        self.total_seconds += seconds * n
        self.acks += n

    def cumulative(self) -> list[tuple[str, int]]:
        """(le, count) pairs as Prometheus writes a histogram, ending with +Inf."""
        running, out = 0, []
        for bound, count in zip((*(str(b) for b in ACK_BUCKETS), "+Inf"), self.counts, strict=True):
            running += count
            out.append((bound, running))
        return out


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
    admission: Admission
    limits: LimitWatch
    connections: set[Connection]
    by_address: dict[int, Connection]
    observer: FrameObserver | None

    def observe(self, conn: Connection, frame: Frame) -> None: ...

    def submit(self, conn: Connection, frame: Frame, received_at: datetime) -> None: ...

    def now_label(self) -> DeviceTime: ...


class Connection(asyncio.Protocol):
    """One UITD's TCP connection."""

    # A gateway process holds ~17,000 of these: slots instead of a __dict__ per connection (measured by
    # bench/connections.py, RSS per connection).
    __slots__ = ("_admitted", "_identify_timer", "_invalid", "_reading_paused", "_replies", "_write_timer",
                 "_writing_paused", "address", "centre_address", "framer", "gateway", "host", "identified",
                 "inflight", "keepalive", "last_received", "peer", "sampled_at", "serial", "status_inflight",
                 "transport")

    def __init__(self, gateway: Host) -> None:
        self.gateway = gateway
        self.framer = StreamFramer()
        self.transport: asyncio.Transport | None = None
        self.peer = "?"
        self.host = "?"  # the peer's IP address (IPv6: its /64): what the per-host cap and penalty box count
        self.address: int | None = None  # the UITD's source address, once a frame has shown it
        self.centre_address = 0  # the destination the UITD uses for us
        self.identified = False  # a valid frame has arrived
        self.inflight = 0
        self.last_received = 0.0
        self.serial = 0  # our own counter for downlink frames (each initiator keeps its own)
        # The keep-alive path's view of this connection (heartbeats.KeepAliveConn).
        self.keepalive: int | None = None
        self.status_inflight = 0
        self.sampled_at = 0.0
        config = gateway.config
        self._invalid = TokenBucket(config.invalid_per_second, config.invalid_burst)
        self._replies = TokenBucket(config.replies_per_second, config.replies_burst)
        self._admitted = False
        self._identify_timer: asyncio.TimerHandle | None = None
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
        # Interned: thousands of connections behind one NAT or converter share one string.
        self.host = sys.intern(host_key(str(peer[0])) if isinstance(peer, tuple) else str(peer))
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        now = gateway.loop.time()
        if gateway.limits.over_budget():
            gateway.stats.refused += 1
            gateway.stats.refused_memory += 1
            transport.abort()
            return
        if gateway.admission.refusal(self.host, len(gateway.connections), now) is not None:
            gateway.stats.refused += 1
            transport.abort()  # at once: a refused socket must not hold a descriptor
            return
        self._admitted = True
        transport.set_write_buffer_limits(high=gateway.config.write_buffer_high)
        self.last_received = now
        self._invalid.start(now)
        self._replies.start(now)
        self._identify_timer = gateway.loop.call_later(gateway.config.identify_timeout, self._not_identified)
        gateway.connections.add(self)
        gateway.stats.accepted += 1
        gateway.stats.connections = len(gateway.connections)
        gateway.limits.on_connections(gateway.stats.connections)

    def data_received(self, data: bytes) -> None:
        if len(data) <= _SLICE:
            self._receive(data)
            return
        view = memoryview(data)
        for start in range(0, len(data), _SLICE):
            if not self.open:
                return  # dropped by the slice before: the rest is not worth framing
            self._receive(view[start : start + _SLICE])

    def _receive(self, data: bytes | memoryview) -> None:
        gateway = self.gateway
        now = gateway.loop.time()
        self.last_received = now
        received_at: datetime | None = None
        replies: list[bytes] = []
        invalid = 0
        framer = self.framer
        discarded = framer.discarded_bytes
        for item in framer.feed(data):
            if isinstance(item, Frame):
                command = item.command
                if is_reserved_command(command):
                    # §6.5 lists an unknown command byte among the validation errors: NAK it.
                    invalid += 1
                    if self._may_reply(now):
                        replies.append(encode_frame(build_nak(item, gateway.now_label())))
                        gateway.stats.naks += 1
                    continue
                if not self.identified:
                    self._identify()
                if command in _REPLIES:
                    gateway.observe(self, item)
                else:
                    if received_at is None:
                        received_at = gateway.clock.now()
                    gateway.submit(self, item, received_at)
            elif isinstance(item, Preamble):
                gateway.stats.preambles += 1
                if self._may_reply(now):
                    replies.append(PREAMBLE_REPLY)
                else:
                    invalid += 1
            else:
                invalid += 1
                header = item.header
                if header is None:
                    gateway.stats.dropped_bytes += len(item.data)
                elif self._may_reply(now):
                    replies.append(encode_frame(build_nak(header, gateway.now_label())))
                    gateway.stats.naks += 1
        garbage = framer.discarded_bytes - discarded
        if garbage:
            gateway.stats.dropped_bytes += garbage
            invalid += -(-garbage // _GARBAGE_PER_TOKEN)
        if invalid and not self._invalid.take(now, invalid):
            self._drop_for_invalid_input(now)
            return
        if replies:
            self.write(b"".join(replies))
        if self.inflight >= gateway.config.max_inflight_per_connection:
            self._pause_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        gateway = self.gateway
        if self._admitted:
            self._admitted = False
            gateway.admission.closed(self.host)
        gateway.connections.discard(self)
        gateway.stats.connections = len(gateway.connections)
        if self.address is not None and gateway.by_address.get(self.address) is self:
            del gateway.by_address[self.address]
        for timer in (self._write_timer, self._identify_timer):
            if timer is not None:
                timer.cancel()
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

    def _may_reply(self, now: float) -> bool:
        if self._replies.take(now):
            return True
        self.gateway.stats.replies_withheld += 1
        return False

    def _identify(self) -> None:
        self.identified = True
        if self._identify_timer is not None:
            self._identify_timer.cancel()
            self._identify_timer = None

    def _not_identified(self) -> None:
        self._identify_timer = None
        # Debug, not info: thousands of silent sockets would be thousands of lines; the counter says it.
        log.debug("closing %s: no valid frame within %.0f s", self.peer, self.gateway.config.identify_timeout)
        self.gateway.stats.unidentified += 1
        self.close()

    def _drop_for_invalid_input(self, now: float) -> None:
        gateway = self.gateway
        gateway.stats.dropped_invalid += 1
        gateway.admission.penalise(self.host, now)
        log.warning("dropping %s (address %s): invalid input past the allowance of %.0f; %s refused for %.0f s",
                    self.peer, self.address, gateway.config.invalid_burst, self.host, gateway.config.penalty_seconds)
        self.close()

    def _write_timed_out(self) -> None:
        log.warning("dropping %s: it has not read its replies for %.0f s", self.peer,
                    self.gateway.config.write_timeout)
        self.gateway.stats.timeouts += 1
        self.close()
