"""One client process of ``bench/connections.py``: thousands of simulated UITDs on one event loop.

Each device is a small ``asyncio.Protocol`` (no task, no timer of its own): it connects from one of the
process's source addresses (bound before connect, so each 127.0.0.x has its own ~28k ephemeral ports),
sends a heartbeat (type 21) at once and then every ``--heartbeat`` seconds in its slot of one shared
one-second tick, a component status or a fault now and then, answers the centre's patrols (type 81,
cmd 5) and ACKs its other downlink frames. On ``silence`` (a line on stdin) ``--silent`` devices stop
sending and answering while keeping their sockets open — a link that died without a FIN — and the
time until the gateway closes each is their offline detection delay. ``stop`` ends the process.

Progress and the report go to stdout as JSON lines. Run by ``connections.py``, never by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import json
import random
import socket
import sys
import time
from collections import Counter
from typing import Any

from citysafe.firewatch.protocols.gb26875 import (
    Command,
    ComponentStatus,
    DeviceTime,
    Frame,
    StreamFramer,
    UitdStatus,
    build_ack,
    build_upload,
    encode_description,
    encode_frame,
)
from citysafe.firewatch.simulator import china_now

NORMAL, FAULT = 0x0001, 0x0005
IP_BIND_ADDRESS_NO_PORT = 24  # linux/in.h: pick the port at connect, by the whole 4-tuple


class Fleet:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.label = DeviceTime.of(china_now())
        self.sent = self.acked = self.patrols = self.downlink = self.lost = self.failed = 0
        self.failure_reasons: Counter[str] = Counter()  # why connects failed
        self.lost_reasons: Counter[str] = Counter()     # why held connections ended unasked
        self.lost_ages: list[float] = []                # seconds they had been connected
        self.devices: list[Device] = []
        self.delays: list[float] = []
        self.silenced_at = 0.0
        self.stopping = False

    def now(self) -> DeviceTime:
        return self.label

    def tick_label(self) -> None:
        self.label = DeviceTime.of(china_now())


class Device(asyncio.Protocol):
    __slots__ = ("address", "closed", "connected_at", "fleet", "framer", "serial", "silent", "transport")

    def __init__(self, fleet: Fleet, address: int) -> None:
        self.fleet, self.address = fleet, address
        self.framer = StreamFramer()
        self.transport: asyncio.Transport | None = None
        self.serial = 0
        self.silent = False
        self.closed = False
        self.connected_at = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.connected_at = time.monotonic()
        self.heartbeat()

    def send(self, adu_type: int, objects: list[Any]) -> None:
        if self.transport is None or self.silent or self.closed:
            return
        frame = build_upload(adu_type, objects, serial=self.serial, source=self.address, destination=0,
                             sent=self.fleet.now())
        self.serial = (self.serial + 1) & 0xFFFF
        self.transport.write(encode_frame(frame))
        self.fleet.sent += 1

    def heartbeat(self) -> None:
        self.send(21, [UitdStatus(NORMAL, self.fleet.now())])

    def status(self, state: int) -> None:
        point = random.randint(1, 60)
        self.send(2, [ComponentStatus(1, 1, 40, 1 << 16 | point, state, encode_description(f"{point}号探测器"),
                                      self.fleet.now())])

    def data_received(self, data: bytes) -> None:
        fleet = self.fleet
        for item in self.framer.feed(data):
            if not isinstance(item, Frame) or self.silent:
                continue
            if item.command == Command.ACK:
                fleet.acked += 1
                continue
            fleet.downlink += 1
            if item.adu is not None and item.adu.type == 81:  # patrol: our status, the centre's serial
                fleet.patrols += 1
                reply = build_upload(21, [UitdStatus(NORMAL, fleet.now())], serial=item.serial, source=self.address,
                                     destination=item.source, sent=fleet.now(), command=Command.RESPONSE)
                self.transport.write(encode_frame(reply))  # type: ignore[union-attr]
            else:
                self.transport.write(encode_frame(build_ack(item, fleet.now())))  # type: ignore[union-attr]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        fleet = self.fleet
        if self.silent:
            fleet.delays.append(time.monotonic() - fleet.silenced_at)
        elif not fleet.stopping:
            fleet.lost += 1
            # None: the gateway closed it (EOF); else the kernel's reason (a reset, a timeout).
            fleet.lost_reasons[reason(exc) if exc is not None else "closed by the gateway (EOF)"] += 1
            fleet.lost_ages.append(round(time.monotonic() - self.connected_at, 1))


def reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {errno.errorcode.get(exc.errno, exc.errno)}" if isinstance(exc, OSError) \
        and exc.errno else type(exc).__name__


def emit(**fields: Any) -> None:
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


async def connect(fleet: Fleet, address: int, source: str, limit: asyncio.Semaphore) -> Device | None:
    loop = asyncio.get_running_loop()
    async with limit:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
            sock.bind((source, 0))
            sock.setblocking(False)
            # Bounded: a SYN dropped by a full accept queue is retried by the kernel for about two minutes.
            await asyncio.wait_for(loop.sock_connect(sock, (fleet.args.host, fleet.args.port)), 30)
            _, device = await loop.create_connection(lambda: Device(fleet, address), sock=sock)
        except (OSError, TimeoutError) as exc:
            sock.close()
            fleet.failed += 1
            fleet.failure_reasons[reason(exc)] += 1
            if fleet.failed <= 5:  # a few by name; the count is in the "connected" line
                emit(event="connect_failed", error=str(exc) or type(exc).__name__)
            return None
        return device


async def traffic(fleet: Fleet) -> None:
    """Once a second: the heartbeats of this second's slot, and a few status or fault frames."""
    args = fleet.args
    rng = random.Random(args.index)
    second = 0
    while not fleet.stopping:
        await asyncio.sleep(1.0)
        second += 1
        fleet.tick_label()
        slot = second % args.heartbeat
        devices = fleet.devices
        for device in devices[slot::args.heartbeat]:
            device.heartbeat()
        for _ in range(int(len(devices) / args.heartbeat * args.status_share + rng.random())):
            rng.choice(devices).status(FAULT if rng.random() < 0.2 else NORMAL)


async def commands(fleet: Fleet) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := (await reader.readline()).decode().strip():
        if line == "silence":
            fleet.silenced_at = time.monotonic()
            for device in fleet.devices[: fleet.args.silent]:
                device.silent = True
            emit(event="silenced", addresses=[d.address for d in fleet.devices[: fleet.args.silent]])
        elif line == "stop":
            break
    fleet.stopping = True


async def main(args: argparse.Namespace) -> None:
    fleet = Fleet(args)
    sources = args.sources.split(",")
    limit = asyncio.Semaphore(args.concurrency)
    base = args.first_address
    started = time.monotonic()
    results = await asyncio.gather(*(connect(fleet, base + i, sources[i % len(sources)], limit)
                                     for i in range(args.count)))
    fleet.devices = [d for d in results if d is not None]
    emit(event="connected", devices=len(fleet.devices), failed=fleet.failed, failure_reasons=fleet.failure_reasons,
         seconds=round(time.monotonic() - started, 1))
    ticker = asyncio.create_task(traffic(fleet))
    await commands(fleet)
    ticker.cancel()
    undetected = sum(1 for d in fleet.devices[: args.silent] if d.silent and not d.closed) if fleet.silenced_at else 0
    emit(event="done", devices=len(fleet.devices), sent=fleet.sent, acked=fleet.acked, patrols=fleet.patrols,
         downlink=fleet.downlink, lost=fleet.lost, lost_reasons=fleet.lost_reasons,
         lost_ages_s=sorted(fleet.lost_ages), offline_delays=[round(d, 2) for d in fleet.delays],
         undetected=undetected)
    for device in fleet.devices:
        if device.transport is not None:
            device.transport.abort()


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--index", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--first-address", type=int, required=True)
    parser.add_argument("--sources", required=True, help="comma-separated 127.0.0.x to bind before connect")
    parser.add_argument("--heartbeat", type=int, default=60)
    parser.add_argument("--status-share", type=float, default=0.05, help="status frames per heartbeat")
    parser.add_argument("--silent", type=int, default=0)
    parser.add_argument("--concurrency", type=int, default=200)
    return parser.parse_args()


if __name__ == "__main__":
    import uvloop

    uvloop.run(main(parse()))
