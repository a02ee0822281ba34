"""A lean MQTT 3.1.1 subscriber connection on asyncio (OASIS MQTT 3.1.1, the packets of §3): what
``ingest.mqtt`` needs to drain a persistent session at the broker's rate, and nothing more.

Why not aiomqtt (paho-mqtt underneath), which citysafe used before: draining a backlog it spent about
200 µs of CPU per message (paho reads a packet in three or more ``recv`` calls, aiomqtt wakes an asyncio
task per message, and each PUBACK is a ``send`` of its own), so even a bare aiomqtt subscriber reached a
tenth of what the broker delivers to ``mosquitto_sub`` (bench/mqtt.py). Here the socket is read in chunks,
every complete packet of a chunk is parsed in one loop, the messages are handed over in batches (one
wake-up per batch) and a batch's PUBACKs leave in one write, only when the caller says so (after the
commit holding them: ``ack``).

Only what a QoS-1 subscriber meets is implemented: CONNECT/CONNACK, SUBSCRIBE/SUBACK, PUBLISH (QoS 0
and 1; a subscription granted at most QoS 1 never brings QoS 2, §3.8.4), PUBACK, PINGREQ/PINGRESP,
DISCONNECT. Anything else from the broker is a protocol error and ends the connection (§4.8).
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
import time
from collections import deque
from collections.abc import Iterable
from typing import Final, NamedTuple

CONNECT, CONNACK, PUBLISH, PUBACK, SUBSCRIBE, SUBACK, PINGREQ, PINGRESP, DISCONNECT = 1, 2, 3, 4, 8, 9, 12, 13, 14
DUP: Final = 0x08     # PUBLISH flags (§3.3.1)
RETAIN: Final = 0x01
_PUBACK: Final = struct.Struct(">BBH")
_CONNACK_REFUSED: Final = {1: "unacceptable protocol version", 2: "client identifier rejected",
                           3: "server unavailable", 4: "bad user name or password", 5: "not authorised"}
# Messages received and not yet taken before reading pauses. The broker sends at most
# max_inflight_messages unacknowledged QoS-1 messages, which bounds this already; the pause covers a
# broker configured without that bound (max_inflight_messages 0) and a flood of QoS-0 ones.
PAUSE_AT: Final = 20_000
_TOPIC_CACHE: Final = 10_000  # topic names kept decoded (a fleet's devices publish on the same topics)


class MqttError(Exception):
    """The connection failed, was refused or ended."""


class Publish(NamedTuple):
    topic: str
    payload: bytes
    packet_id: int  # 0 for QoS 0
    flags: int      # DUP, QoS << 1, RETAIN (§3.3.1)

    @property
    def qos(self) -> int:
        return (self.flags >> 1) & 3

    @property
    def maybe_copy(self) -> bool:
        """Sent before (DUP), or a retained message sent again on every subscription."""
        return bool(self.flags & (DUP | RETAIN))


def _string(text: str) -> bytes:
    data = text.encode()
    return struct.pack(">H", len(data)) + data


def _packet(first: int, body: bytes) -> bytes:
    """Fixed header (type and flags, the remaining length in 7-bit groups, §2.2.3) and ``body``."""
    length, encoded = len(body), bytearray()
    while True:
        length, digit = divmod(length, 128)
        encoded.append(digit | (0x80 if length else 0))
        if not length:
            return bytes([first]) + bytes(encoded) + body


def connect_packet(client_id: str, *, clean_session: bool, keepalive: int, username: str | None = None,
                   password: str | None = None) -> bytes:
    flags = (0x02 if clean_session else 0) | (0x80 if username is not None else 0) | (
        0x40 if password is not None else 0)
    body = _string("MQTT") + bytes([4, flags]) + struct.pack(">H", keepalive) + _string(client_id)
    if username is not None:
        body += _string(username)
    if password is not None:
        body += _string(password)
    return _packet(CONNECT << 4, body)


def subscribe_packet(packet_id: int, filters: Iterable[tuple[str, int]]) -> bytes:
    body = struct.pack(">H", packet_id) + b"".join(_string(topic) + bytes([qos]) for topic, qos in filters)
    return _packet(SUBSCRIBE << 4 | 0x02, body)


def pubacks(packet_ids: Iterable[int]) -> bytes:
    """The PUBACKs of ``packet_ids``, in that order (§4.6: in the order the PUBLISHes came), as one write."""
    pack = _PUBACK.pack
    return b"".join([pack(PUBACK << 4, 2, packet_id) for packet_id in packet_ids])


class Connection(asyncio.Protocol):
    """One connection to the broker; ``open`` makes it. Received PUBLISHes wait in arrival order until
    ``take``n; ``ack`` sends PUBACKs. ``closed`` completes when the connection ends (its exception says why)."""

    def __init__(self, keepalive: int) -> None:
        loop = asyncio.get_running_loop()
        self.keepalive = keepalive
        self.closed: asyncio.Future[None] = loop.create_future()
        self.session_present = False
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._messages: deque[Publish] = deque()
        self._arrived: asyncio.Future[None] | None = None
        self._replies: dict[int, asyncio.Future[bytes]] = {}  # CONNACK (key 0) and SUBACKs by packet id
        self._topics: dict[bytes, str] = {}
        self._next_id = 0
        self._paused = False
        self._last_read = time.monotonic()
        self._pinger: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, host: str, port: int, client_id: str, *, clean_session: bool, keepalive: int = 60,
                   username: str | None = None, password: str | None = None, timeout: float = 10.0) -> Connection:
        """Connect and wait for the CONNACK; MqttError if refused or unreachable."""
        loop = asyncio.get_running_loop()
        try:
            _, conn = await asyncio.wait_for(loop.create_connection(lambda: cls(keepalive), host, port), timeout)
        except (OSError, TimeoutError) as exc:
            raise MqttError(f"cannot reach the broker at {host}:{port}: {exc}") from exc
        reply = conn._expect(0)
        conn._write(connect_packet(client_id, clean_session=clean_session, keepalive=keepalive, username=username,
                                   password=password))
        body = await conn._wait(reply, timeout)
        if body[1] != 0:
            conn.abort()
            raise MqttError(f"the broker refused the connection: {_CONNACK_REFUSED.get(body[1], body[1])}")
        conn.session_present = bool(body[0] & 0x01)
        conn._pinger = loop.create_task(conn._ping())
        return conn

    async def subscribe(self, filters: list[tuple[str, int]], timeout: float = 10.0) -> list[int]:
        """Subscribe and wait for the SUBACK; the QoS granted to each filter. MqttError if one failed."""
        self._next_id = self._next_id % 0xFFFF + 1
        reply = self._expect(self._next_id)
        self._write(subscribe_packet(self._next_id, filters))
        granted = list(await self._wait(reply, timeout))
        if 0x80 in granted:
            raise MqttError(f"the broker refused the subscription to {filters[granted.index(0x80)][0]!r}")
        return granted

    async def take(self, most: int) -> list[Publish]:
        """The messages received so far, at least one (waiting for it), at most ``most``."""
        while not self._messages:
            if self.closed.done():
                raise MqttError(f"the connection ended: {self.closed.exception()}")
            self._arrived = asyncio.get_running_loop().create_future()
            await asyncio.wait((self._arrived, self.closed), return_when=asyncio.FIRST_COMPLETED)
        messages = self._messages
        batch = [messages.popleft() for _ in range(min(most, len(messages)))]
        if self._paused and len(messages) < PAUSE_AT // 2 and self._transport is not None:
            self._paused = False
            self._transport.resume_reading()
        return batch

    def ack(self, packet_ids: Iterable[int]) -> None:
        self._write(pubacks(packet_ids))

    async def disconnect(self) -> None:
        """A clean end (DISCONNECT): the broker keeps a persistent session all the same (§3.14)."""
        if self._transport is not None and not self._transport.is_closing():
            self._write(bytes([DISCONNECT << 4, 0]))
            self._transport.close()
        with contextlib.suppress(MqttError, asyncio.CancelledError):
            await self.closed
        self._stop_pinger()

    def abort(self) -> None:
        """Drop the connection at once: whatever was not acknowledged, the broker sends again."""
        if self._transport is not None:
            self._transport.abort()
        self._stop_pinger()

    # -- asyncio.Protocol ------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self._end(MqttError(f"connection lost: {exc}" if exc else "the broker closed the connection"))

    def data_received(self, data: bytes) -> None:
        self._last_read = time.monotonic()
        buffer = self._buffer
        buffer += data
        try:
            used = self._parse(buffer)
        except (MqttError, IndexError, UnicodeDecodeError, struct.error) as exc:
            self._end(exc if isinstance(exc, MqttError) else MqttError(f"malformed packet from the broker: {exc}"))
            self.abort()
            return
        del buffer[:used]
        if self._arrived is not None and self._messages and not self._arrived.done():
            self._arrived.set_result(None)
        if len(self._messages) >= PAUSE_AT and not self._paused and self._transport is not None:
            self._paused = True
            self._transport.pause_reading()

    def _parse(self, buffer: bytearray) -> int:
        """Handle every complete packet in ``buffer``; the bytes used."""
        at, end = 0, len(buffer)
        append, topics = self._messages.append, self._topics
        while end - at >= 2:
            first, length, shift, i = buffer[at], 0, 0, at + 1
            while True:  # the remaining length, 7 bits a byte (§2.2.3)
                if i >= end:
                    return at
                digit = buffer[i]
                length |= (digit & 0x7F) << shift
                i += 1
                if digit < 0x80:
                    break
                shift += 7
                if shift > 21:
                    raise MqttError("remaining length longer than four bytes")
            stop = i + length
            if stop > end:
                return at
            kind = first >> 4
            if kind == PUBLISH:
                size = buffer[i] << 8 | buffer[i + 1]
                name = bytes(buffer[i + 2:i + 2 + size])
                topic = topics.get(name)
                if topic is None:
                    if len(topics) >= _TOPIC_CACHE:
                        topics.clear()
                    topic = topics[name] = name.decode()
                i += 2 + size
                if first & 0x06:
                    if first & 0x06 != 0x02:
                        raise MqttError("a QoS-2 message on a subscription granted QoS 1")
                    packet_id = buffer[i] << 8 | buffer[i + 1]
                    i += 2
                else:
                    packet_id = 0
                append(Publish(topic, bytes(buffer[i:stop]), packet_id, first & 0x0F))
            elif kind in (CONNACK, SUBACK):
                body = bytes(buffer[i:stop])
                key = 0 if kind == CONNACK else body[0] << 8 | body[1]
                waiter = self._replies.pop(key, None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(body if kind == CONNACK else body[2:])
            elif kind != PINGRESP:
                raise MqttError(f"unexpected packet type {kind} from the broker")
            at = stop
        return at

    # -- internals -------------------------------------------------------------------------------------
    def _write(self, data: bytes) -> None:
        if self._transport is None or self._transport.is_closing():
            raise MqttError("the connection is closed")
        self._transport.write(data)

    def _expect(self, key: int) -> asyncio.Future[bytes]:
        reply: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._replies[key] = reply
        return reply

    async def _wait(self, reply: asyncio.Future[bytes], timeout: float) -> bytes:
        done, _ = await asyncio.wait((reply, self.closed), timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if reply in done:
            return reply.result()
        self.abort()
        if self.closed.done() and self.closed.exception() is not None:
            raise MqttError(str(self.closed.exception()))
        raise MqttError("the broker did not answer in time")

    async def _ping(self) -> None:
        """PINGREQ every half keepalive (the broker drops a client silent for 1.5 × keepalive, §3.1.2.10);
        a broker silent for a whole keepalive after a ping is taken as gone."""
        interval = max(self.keepalive / 2, 0.5)
        while True:
            await asyncio.sleep(interval)
            with contextlib.suppress(MqttError):
                self._write(bytes([PINGREQ << 4, 0]))
            if time.monotonic() - self._last_read > self.keepalive + interval:
                self._end(MqttError(f"no answer from the broker for {self.keepalive + interval:.0f}s"))
                self.abort()
                return

    def _stop_pinger(self) -> None:
        if self._pinger is not None and self._pinger is not asyncio.current_task():
            self._pinger.cancel()

    def _end(self, problem: MqttError) -> None:
        if not self.closed.done():
            self.closed.set_exception(problem)
            self.closed.exception()  # retrieved: an ended connection nobody waited on is not an error
        for waiter in self._replies.values():
            if not waiter.done():
                waiter.set_exception(problem)
        self._replies.clear()
        if self._arrived is not None and not self._arrived.done():
            self._arrived.set_result(None)
        self._stop_pinger()
