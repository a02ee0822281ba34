"""The GB/T 26875.3 gateway over real loopback sockets, in front of an in-memory sink.

These tests pin the wire behaviour (ACK format and timing, NAK, preamble, framing abuse, back-pressure,
group commit); test_gw_store.py runs the same gateway against the real database.
Ordering instead of timing: the gateway answers a "TD" preamble at once, so an "OK!" arriving before
anything else proves no ACK was sent earlier.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.support.waiting import until

from citysafe.core.clock import FixedClock
from citysafe.firewatch.gateway.connection import GatewayConfig
from citysafe.firewatch.gateway.server import Gateway, ack_bytes
from citysafe.firewatch.ingest.service import ReceivedFrame
from citysafe.firewatch.protocols.gb26875 import (
    ComponentStatus,
    DeviceTime,
    Frame,
    StreamFramer,
    UitdStatus,
    build_ack,
    build_upload,
    decode_frame,
    encode_description,
    encode_frame,
)

T0 = datetime(2026, 3, 1, 2, 0, 0, tzinfo=UTC)  # 10:00 in Shanghai
FM12 = bytes.fromhex(
    "404001000101203A091A090C790300000000385B0100000030000202010101280A000200020020202020202020202020202020"
    "202020202020202020202020202020202000023A091A090C462323"
)
WAIT = 10.0  # generous bound for awaiting a condition; never an assertion about speed


class MemorySink:
    """Stores in a list; ``gate`` holds store() open so a test can look at the moment before it returns."""

    concurrent_batches = 1

    def __init__(self) -> None:
        self.batches: list[list[ReceivedFrame]] = []
        self.gate: asyncio.Event | None = None
        self.entered = asyncio.Event()
        self.refuse = False

    async def store(self, items: Sequence[ReceivedFrame]) -> Sequence[bool]:
        self.batches.append(list(items))
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        return [not self.refuse] * len(items)

    async def aclose(self) -> None:
        return None

    @property
    def frames(self) -> list[ReceivedFrame]:
        return [item for batch in self.batches for item in batch]


class Peer:
    """A raw TCP client that reads replies through the codec's own framer."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.framer = StreamFramer()
        self.items: list[object] = []

    @classmethod
    async def connect(cls, port: int) -> Peer:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    def send(self, data: bytes) -> None:
        self.writer.write(data)

    async def next_item(self) -> object:
        while not self.items:
            chunk = await asyncio.wait_for(self.reader.read(4096), WAIT)
            assert chunk, "gateway closed the connection"
            self.items.extend(self.framer.feed(chunk))
        return self.items.pop(0)

    async def next_frame(self) -> Frame:
        item = await self.next_item()
        assert isinstance(item, Frame), item
        return item

    async def expect_ok(self) -> None:
        """Send a vendor preamble and expect its "OK!" as the very next bytes."""
        self.send(b"TD0001\r\n")
        data = await asyncio.wait_for(self.reader.readexactly(3), WAIT)
        assert data == b"OK!"

    async def closed_by_gateway(self) -> bool:
        try:
            while await asyncio.wait_for(self.reader.read(65536), WAIT):
                pass
        except ConnectionError:  # reset, or a broken pipe while what it wrote is still being flushed
            pass
        return True

    def close(self) -> None:
        self.writer.close()


def upload(serial: int, *, source: int = 889, status: int = 0x0002, component: int = 10) -> Frame:
    obj = ComponentStatus(1, 1, 40, component, status, encode_description("一层走廊"),
                          DeviceTime.of(datetime(2026, 3, 1, 9, 59)))
    return build_upload(2, [obj], serial=serial, source=source, destination=88888,
                        sent=datetime(2026, 3, 1, 10, 0, 0))


def heartbeat(serial: int, source: int) -> bytes:
    return encode_frame(build_upload(21, [UitdStatus(0x01, DeviceTime.of(datetime(2026, 3, 1, 10, 0)))],
                                     serial=serial, source=source, destination=88888,
                                     sent=datetime(2026, 3, 1, 10, 0)))


@pytest.fixture
async def sink() -> MemorySink:
    return MemorySink()


@pytest.fixture
async def gateway(sink: MemorySink) -> AsyncIterator[Gateway]:
    gw = Gateway(sink=sink, clock=FixedClock(T0),
                 config=GatewayConfig(port=0, write_timeout=0.5, write_buffer_high=4096,
                                      max_inflight_per_connection=16))
    await gw.start()
    yield gw
    await gw.stop()


async def test_ack_echoes_serial_swaps_addresses_and_carries_a_fresh_time(gateway: Gateway) -> None:
    peer = await Peer.connect(gateway.port)
    peer.send(FM12)
    ack = await peer.next_frame()
    assert ack.command == 3
    assert ack.serial == 1
    assert (ack.source, ack.destination) == (88888, 889)
    assert ack.adu is None
    assert ack.version == (1, 1)
    assert ack.sent.value == datetime(2026, 3, 1, 10, 0, 0)  # the centre's clock in China time
    # byte for byte what FireMaster's centre sent (FM_ACK), apart from the time label
    expected = bytes.fromhex("404001000101") + ack.sent.raw + bytes.fromhex("385B01000000790300000000000003")
    assert ack.raw[:-3] == expected
    peer.close()


async def test_ack_only_after_the_sink_has_stored_the_frame(gateway: Gateway, sink: MemorySink) -> None:
    sink.gate = asyncio.Event()
    peer = await Peer.connect(gateway.port)
    peer.send(encode_frame(upload(5)))
    await asyncio.wait_for(sink.entered.wait(), WAIT)
    await peer.expect_ok()  # the store is still open: nothing but the preamble answer has come
    sink.gate.set()
    ack = await peer.next_frame()
    assert (ack.command, ack.serial) == (3, 5)
    assert sink.frames[0].raw == encode_frame(upload(5))
    assert sink.frames[0].received_at == T0
    assert sink.frames[0].peer.startswith("127.0.0.1:")
    peer.close()


async def test_refused_store_withholds_the_ack(gateway: Gateway, sink: MemorySink) -> None:
    sink.refuse = True
    peer = await Peer.connect(gateway.port)
    peer.send(encode_frame(upload(6)))
    await asyncio.wait_for(sink.entered.wait(), WAIT)
    await until(lambda: gateway.stats.withheld > 0, what="the refused frame withheld", timeout=WAIT, interval=0)
    await peer.expect_ok()
    sink.refuse = False
    peer.send(encode_frame(upload(6)))  # the device's retransmission
    ack = await peer.next_frame()
    assert ack.serial == 6
    peer.close()


async def test_vendor_preamble_is_answered_ok(gateway: Gateway, sink: MemorySink) -> None:
    peer = await Peer.connect(gateway.port)
    await peer.expect_ok()
    peer.send(b"TD,12345,LOGIN" + FM12)
    assert await asyncio.wait_for(peer.reader.readexactly(3), WAIT) == b"OK!"
    assert (await peer.next_frame()).serial == 1
    assert gateway.stats.preambles == 2
    peer.close()


async def test_garbage_is_skipped_and_the_following_frame_acked(gateway: Gateway, sink: MemorySink) -> None:
    peer = await Peer.connect(gateway.port)
    # Garbage that happens to contain "@@" looks like a broken frame start and may be NAKed (a device
    # ignores a NAK of a serial it has not sent); what matters is that the real frame behind it is ACKed.
    peer.send(bytes(range(256)) * 4 + b"\x00\xff@" + FM12)
    reply = await peer.next_frame()
    while reply.command == 6:
        reply = await peer.next_frame()
    assert (reply.command, reply.serial) == (3, 1)
    assert len(sink.frames) == 1
    assert gateway.stats.dropped_bytes > 0
    peer.close()


async def test_half_frames_are_completed_by_later_bytes(gateway: Gateway, sink: MemorySink) -> None:
    peer = await Peer.connect(gateway.port)
    frame = encode_frame(upload(9))
    for cut in (1, 20, 27, len(frame) - 1):
        peer.send(frame[:cut])
        # accepted once its first bytes arrived (TCP_DEFER_ACCEPT), then read
        await until(lambda: len(gateway.connections) == 1, what="the connection accepted", timeout=WAIT)
        (conn,) = gateway.connections
        # the gateway has read the first piece and holds it
        await until(lambda conn=conn, cut=cut: conn.framer.buffered == cut,
                    what=f"the first {cut} bytes buffered", timeout=WAIT, interval=0)
        peer.send(frame[cut:])
        ack = await peer.next_frame()
        assert ack.serial == 9
    assert len(sink.frames) == 4
    peer.close()


async def test_oversize_length_is_nakked_and_does_not_stall_the_stream(gateway: Gateway, sink: MemorySink) -> None:
    frame = bytearray(encode_frame(upload(11)))
    frame[24:26] = (0xFFFF).to_bytes(2, "little")
    peer = await Peer.connect(gateway.port)
    peer.send(bytes(frame) + encode_frame(upload(12)))
    nak = await peer.next_frame()
    assert (nak.command, nak.serial) == (6, 11)
    ack = await peer.next_frame()
    assert (ack.command, ack.serial) == (3, 12)
    assert [i.frame.serial for i in sink.frames] == [12]
    peer.close()


async def test_bad_checksum_and_reserved_command_are_nakked(gateway: Gateway, sink: MemorySink) -> None:
    bad = bytearray(encode_frame(upload(21)))
    bad[-3] ^= 0xFF
    reserved = bytearray(encode_frame(upload(22)))
    reserved[26] = 7
    reserved[-3] = sum(reserved[2:-3]) & 0xFF
    peer = await Peer.connect(gateway.port)
    peer.send(bytes(bad) + bytes(reserved))
    first, second = await peer.next_frame(), await peer.next_frame()
    assert (first.command, first.serial, first.destination) == (6, 21, 889)
    assert (second.command, second.serial) == (6, 22)
    assert sink.frames == []
    peer.close()


async def test_a_stalled_peer_does_not_delay_others(gateway: Gateway, sink: MemorySink) -> None:
    # One peer sends half a frame and goes quiet; another floods frames and never reads its ACKs.
    half = await Peer.connect(gateway.port)
    half.send(encode_frame(upload(1, source=1))[:40])
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)  # keep the kernel from absorbing the ACKs
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", gateway.port))
    _, flood_writer = await asyncio.open_connection(sock=sock)
    chunk = b"".join(heartbeat(s, 2) for s in range(200))

    async def flood() -> None:
        while True:
            flood_writer.write(chunk)
            await flood_writer.drain()

    flooding = asyncio.create_task(flood())
    await until(lambda: gateway.stats.acked >= 2000 or flooding.done(), what="2000 of the flood's frames ACKed",
                timeout=WAIT)
    assert gateway.stats.acked >= 2000, f"the flooder stopped early: {flooding!r}"
    good = await Peer.connect(gateway.port)
    for serial in range(3):
        good.send(heartbeat(serial, 3))
        ack = await good.next_frame()
        assert (ack.command, ack.serial) == (3, serial)
    # the flooder is dropped for not reading its replies (write_timeout), the others stay connected
    with pytest.raises((ConnectionResetError, BrokenPipeError)):
        await asyncio.wait_for(flooding, WAIT)
    assert gateway.stats.timeouts == 1
    good.send(heartbeat(3, 3))
    assert (await good.next_frame()).serial == 3
    half.close()
    good.close()


async def test_frames_arriving_together_are_committed_together(gateway: Gateway, sink: MemorySink) -> None:
    peers = [await Peer.connect(gateway.port) for _ in range(40)]
    for i, peer in enumerate(peers):  # warm up: every connection accepted and seen
        peer.send(heartbeat(0, 100 + i))
        await peer.next_frame()
    sink.batches.clear()
    for i, peer in enumerate(peers):  # no await in between: all 40 arrive before the gateway runs again
        peer.send(heartbeat(1, 100 + i))
    acks = [await peer.next_frame() for peer in peers]
    assert all(a.serial == 1 for a in acks)
    assert [len(b) for b in sink.batches] == [40]
    for peer in peers:
        peer.close()


async def test_frames_are_acked_in_order_per_connection(gateway: Gateway, sink: MemorySink) -> None:
    peer = await Peer.connect(gateway.port)
    peer.send(b"".join(encode_frame(upload(s)) for s in range(10)))
    serials = [(await peer.next_frame()).serial for _ in range(10)]
    assert serials == list(range(10))
    assert decode_frame(sink.frames[3].raw).serial == 3
    peer.close()


@settings(max_examples=200, deadline=None)
@given(serial=st.integers(0, 0xFFFF), version=st.tuples(st.integers(0, 255), st.integers(0, 255)),
       source=st.integers(0, (1 << 48) - 1), destination=st.integers(0, (1 << 48) - 1),
       adu=st.binary(max_size=64), label=st.binary(min_size=6, max_size=6))
def test_fast_ack_is_byte_for_byte_the_codec_ack(serial: int, version: tuple[int, int], source: int,
                                                  destination: int, adu: bytes, label: bytes) -> None:
    body = (serial.to_bytes(2, "little") + bytes(version) + bytes(6) + source.to_bytes(6, "little")
            + destination.to_bytes(6, "little") + len(adu).to_bytes(2, "little") + b"\x02" + adu)
    raw = b"@@" + body + bytes((sum(body) & 0xFF,)) + b"##"
    frame = decode_frame(raw)
    assert ack_bytes(raw, label) == encode_frame(build_ack(frame, DeviceTime(label)))


def test_the_same_on_uvloop() -> None:
    """`citysafe serve` runs on uvloop (uvicorn's default), whose transports differ from asyncio's."""
    import uvloop

    async def scenario() -> None:
        sink = MemorySink()
        gw = Gateway(sink=sink, clock=FixedClock(T0), config=GatewayConfig(port=0))
        await gw.start()
        try:
            peer = await Peer.connect(gw.port)
            await peer.expect_ok()
            bad = bytearray(encode_frame(upload(2)))
            bad[-3] ^= 0xFF
            frame = encode_frame(upload(3))
            peer.send(b"\xff\x00garbage" + bytes(bad) + frame[:20])
            nak = await peer.next_frame()
            assert (nak.command, nak.serial) == (6, 2)
            peer.send(frame[20:])
            ack = await peer.next_frame()
            assert (ack.command, ack.serial, ack.destination) == (3, 3, 889)
            assert [i.frame.serial for i in sink.frames] == [3]
            peer.close()
        finally:
            await gw.stop()

    uvloop.run(scenario())
