"""Simulated UITDs speaking real GB/T 26875.3 over TCP: for the demo, load tests and the test suite.

``SimulatedUitd`` behaves like a device: one upload in flight at a time, retransmitted with the same
serial when no ACK comes within ``ack_timeout`` or a NAK comes (3 retries, GB/T 26875.3 §6.5), a fresh
connection and the same retransmission after the link drops. It answers the centre's patrol (type 81,
with a cmd-5 type-21 status), clock sync (type 90, ACK) and 查岗 (type 91, ACK, then the operator's
reply: a type-24 upload with bit 5 after ``operator_delay``).

``Traffic`` decides what a unit reports next: heartbeats and status mostly, with faults, restores,
analog values, operations and now and then a fire, each on a plausible panel (loop/point addresses,
Chinese location descriptions). ``run`` drives N units at R frames per second in total.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from citysafe.core.clock import SHANGHAI
from citysafe.firewatch.protocols.gb26875 import (
    AduObject,
    AnalogValue,
    Command,
    ComponentStatus,
    DeviceTime,
    Frame,
    FrameError,
    Operation,
    StreamFramer,
    SystemStatus,
    UitdOperation,
    UitdStatus,
    build_ack,
    build_upload,
    encode_description,
    encode_frame,
)

__all__ = ["SendResult", "SimulatedUitd", "SimulatorStats", "Traffic", "run"]

log = logging.getLogger(__name__)

# Status words with bit 0 (normal operation) set, as the non-fire public samples send them; a fire is
# bit 1 whatever bit 0 says (the gateway and engine never read 0x0002 as a drill).
FIRE: Final = 0x0003
FAULT: Final = 0x0005
NORMAL: Final = 0x0001
DUTY_REPLY_BIT: Final = 0x20
_PLACES: Final = ("东侧走廊", "西侧楼梯间", "电梯前室", "配电房", "厨房", "库房", "会议室", "大堂", "地下车库",
                  "设备间")


# The demo's traffic (`citysafe demo`): 40 units at 2 frames/s in all is 7,200 frames an hour, of which
# about 4 fires and 40 faults, a pace one operator handles; the 3 % fires of a load test would be 216.
DEMO_UNITS: Final = 40
DEMO_RATE: Final = 2.0
DEMO_FIRE_SHARE: Final = 0.0005
DEMO_FAULT_SHARE: Final = 0.006


def china_now() -> datetime:
    return datetime.now(SHANGHAI).replace(tzinfo=None)


@dataclass
class SimulatorStats:
    sent: int = 0          # uploads handed to the link (first attempts)
    acked: int = 0
    retransmitted: int = 0
    failed: int = 0        # given up after the retries
    naks: int = 0
    downlink: int = 0      # patrol, clock sync and 查岗 frames answered
    reconnects: int = 0
    fires: int = 0
    mqtt_published: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class SendResult:
    frame: Frame
    acked: bool
    attempts: int


class SimulatedUitd:
    def __init__(
        self, address: int, *, host: str, port: int, centre: int = 0, ack_timeout: float = 10.0, retries: int = 3,
        operator_delay: float = 3.0, stats: SimulatorStats | None = None, now: Callable[[], datetime] = china_now,
    ) -> None:
        self.address, self.host, self.port, self.centre = address, host, port, centre
        self.ack_timeout, self.retries, self.operator_delay = ack_timeout, retries, operator_delay
        self.stats = stats or SimulatorStats()
        self.now = now
        self.serial = 0
        self.clock_offset = 0.0
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._waiting: dict[int, asyncio.Future[bool]] = {}
        self._lock = asyncio.Lock()  # one upload in flight, as a device waits for each ACK
        self._background: set[asyncio.Task[None]] = set()
        self._closed = False

    # -- link ---------------------------------------------------------------------------------------
    async def connect(self) -> None:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        self._writer = writer
        self._reader_task = asyncio.create_task(self._read(reader), name=f"uitd-{self.address}")
        # A device's serial starts at 0 on every new connection (spec §2.2).
        self.serial = 0

    async def close(self) -> None:
        self._closed = True
        for task in list(self._background):
            task.cancel()
        if self._reader_task is not None:
            self._reader_task.cancel()
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await self._writer.wait_closed()

    @property
    def connected(self) -> bool:
        return self._writer is not None and not self._writer.is_closing()

    async def _ensure_connected(self) -> None:
        delay = 0.2
        while not self.connected and not self._closed:
            again = self._writer is not None
            try:
                await self.connect()
                if again:
                    self.stats.reconnects += 1
            except OSError:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _write(self, data: bytes) -> None:
        if self._writer is not None and not self._writer.is_closing():
            self._writer.write(data)

    # -- uploads ------------------------------------------------------------------------------------
    def build(self, adu_type: int, objects: Sequence[AduObject], serial: int) -> Frame:
        return build_upload(adu_type, list(objects), serial=serial, source=self.address, destination=self.centre,
                            sent=self.now())

    async def send(self, adu_type: int, objects: Sequence[AduObject],
                   on_sent: Callable[[Frame], None] | None = None) -> SendResult:
        """Upload one ADU and wait for its ACK, retransmitting the same bytes on timeout or NAK."""
        async with self._lock:
            await self._ensure_connected()
            frame = self.build(adu_type, objects, self.serial)
            self.serial = (self.serial + 1) & 0xFFFF
            self.stats.sent += 1
            for attempt in range(1, self.retries + 2):
                if attempt > 1:
                    self.stats.retransmitted += 1
                    await self._ensure_connected()
                if on_sent is not None:
                    on_sent(frame)
                acked = await self.transmit(frame)
                if acked:
                    self.stats.acked += 1
                    return SendResult(frame, True, attempt)
            self.stats.failed += 1
            return SendResult(frame, False, self.retries + 1)

    async def transmit(self, frame: Frame) -> bool:
        """Write ``frame`` once and wait up to ``ack_timeout`` for its ACK (False on NAK, timeout, lost link)."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting[frame.serial] = future
        self._write(encode_frame(frame))
        try:
            if await asyncio.wait_for(future, self.ack_timeout):
                return True
            self.stats.naks += 1
        except (TimeoutError, ConnectionError):
            pass
        finally:
            self._waiting.pop(frame.serial, None)
        return False

    # -- what comes down ----------------------------------------------------------------------------
    async def _read(self, reader: asyncio.StreamReader) -> None:
        framer = StreamFramer()
        try:
            while chunk := await reader.read(65536):
                for item in framer.feed(chunk):
                    if isinstance(item, Frame):
                        self._on_frame(item)
                    elif isinstance(item, FrameError):
                        log.debug("UITD %d: broken frame from the centre: %s", self.address, item.reason)
        except (ConnectionError, OSError):
            pass
        finally:
            if self._writer is not None:
                self._writer.close()
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(ConnectionResetError("link lost"))

    def _on_frame(self, frame: Frame) -> None:
        if frame.command in (Command.ACK, Command.NAK):
            future = self._waiting.get(frame.serial)
            if future is not None and not future.done():
                future.set_result(frame.command == Command.ACK)
            return
        adu_type = frame.adu.type if frame.adu is not None else None
        self.stats.downlink += 1
        if adu_type == 81:  # patrol: answer with our status, echoing the centre's serial (cmd 5)
            reply = build_upload(21, [UitdStatus(NORMAL, DeviceTime.of(self.now()))], serial=frame.serial,
                                 source=self.address, destination=frame.source, sent=self.now(),
                                 command=Command.RESPONSE)
            self._write(encode_frame(reply))
            return
        self._write(encode_frame(build_ack(frame, self.now())))
        if adu_type == 91:  # 查岗: the operator presses the reply key after a while
            task = asyncio.create_task(self._operator_reply())
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _operator_reply(self) -> None:
        await asyncio.sleep(self.operator_delay)
        await self.send(24, [UitdOperation(DUTY_REPLY_BIT, 1, DeviceTime.of(self.now()))])


@dataclass
class Traffic:
    """What one unit reports next; a fire or fault is followed later by its restore.

    The panel has ``loops`` × ``points`` components at ``(loop << 16) | point``; ``component_type``
    None means smoke detectors on loops 1-2 and manual call points on the others.
    """

    rng: random.Random = field(default_factory=random.Random)
    fire_share: float = 0.03
    fault_share: float = 0.08
    loops: int = 4
    points: int = 60
    component_type: int | None = None
    _open: dict[int, list[int]] = field(default_factory=dict)  # address → components in fire or fault

    def next(self, address: int, now: datetime) -> tuple[int, list[AduObject]]:
        t = DeviceTime.of(now)
        roll = self.rng.random()
        opened = self._open.setdefault(address, [])
        if roll < self.fire_share + self.fault_share:
            return self.alarm(address, now, FIRE if roll < self.fire_share else FAULT)
        roll -= self.fire_share + self.fault_share
        if roll < 0.08 and opened:
            return 2, [self._status(opened.pop(0), NORMAL, t)]
        if roll < 0.20:
            return 3, [AnalogValue(1, 1, 99, self._component(), 5, self.rng.randint(2800, 4200), t)]  # ×0.1 kPa
        if roll < 0.30:
            return 1, [SystemStatus(1, 1, NORMAL, t)]
        if roll < 0.31:
            return 4, [Operation(1, 1, 0x01, 1, t)]  # reset at the panel
        return 21, [UitdStatus(NORMAL, t)]  # heartbeat

    def alarm(self, address: int, now: datetime, status: int = FIRE) -> tuple[int, list[AduObject]]:
        component = self._component()
        self._open.setdefault(address, []).append(component)
        return 2, [self._status(component, status, DeviceTime.of(now))]

    def _component(self) -> int:
        return self.rng.randint(1, self.loops) << 16 | self.rng.randint(1, self.points)

    def _status(self, component: int, status: int, t: DeviceTime) -> ComponentStatus:
        loop, point = component >> 16, component & 0xFFFF
        if self.component_type is not None:  # a known panel (the demo's): name the point as the panel does
            part, text = self.component_type, f"{loop}回路{point}号"
        else:
            part, text = (40 if loop <= 2 else 23), f"{point % 20 + 1}层{_PLACES[point % len(_PLACES)]}"
        return ComponentStatus(1, 1, part, component, status, encode_description(text), t)


async def _unit_loop(uitd: SimulatedUitd, queue: asyncio.Queue[tuple[int, list[AduObject]]]) -> None:
    while True:
        adu_type, objects = await queue.get()
        await uitd.send(adu_type, objects)


async def run(
    host: str, port: int, *, addresses: Sequence[int], rate: float, duration: float | None = None,
    stop: asyncio.Event | None = None, seed: int | None = None, ack_timeout: float = 10.0,
    stats: SimulatorStats | None = None, traffic: Traffic | None = None, backlog: int = 50,
    first_fire: bool = False, mqtt: tuple[str, int] | None = None, mqtt_rate: float = 1.0,
    iot_devices: Sequence[tuple[str, str]] = (),
) -> SimulatorStats:
    """Connect one ``SimulatedUitd`` per address and send ``rate`` frames per second among them in total
    until ``duration`` seconds passed or ``stop`` is set. A unit whose ACKs lag keeps at most ``backlog``
    reports queued (like a device's buffer); the rest are not generated. With ``first_fire`` a fire goes
    out right after connecting (the demo); with ``mqtt`` the ``iot_devices`` publish JSON there too."""
    stats = stats or SimulatorStats()
    traffic = traffic or Traffic(random.Random(seed))
    rng = random.Random(seed)
    stop = stop or asyncio.Event()
    uitds = [SimulatedUitd(a, host=host, port=port, ack_timeout=ack_timeout, stats=stats) for a in addresses]
    queues: list[asyncio.Queue[tuple[int, list[AduObject]]]] = [asyncio.Queue(backlog) for _ in uitds]
    for batch_start in range(0, len(uitds), 200):  # do not hit the listen backlog with thousands at once
        await asyncio.gather(*(u._ensure_connected() for u in uitds[batch_start:batch_start + 200]))
    workers = [asyncio.create_task(_unit_loop(u, q)) for u, q in zip(uitds, queues, strict=True)]
    if mqtt is not None and iot_devices:
        workers.append(asyncio.create_task(_publish_iot(mqtt, iot_devices, mqtt_rate, rng, stats)))
    if first_fire and uitds:
        stats.fires += 1
        queues[0].put_nowait(traffic.alarm(uitds[0].address, china_now()))
    loop = asyncio.get_running_loop()
    started = loop.time()
    generated = 0
    try:
        while not stop.is_set():
            elapsed = loop.time() - started
            if duration is not None and elapsed >= duration:
                break
            due = int(elapsed * rate) - generated
            now = china_now()
            for _ in range(max(0, due)):
                index = rng.randrange(len(uitds))
                adu_type, objects = traffic.next(uitds[index].address, now)
                generated += 1
                if queues[index].full():
                    continue
                if adu_type == 2 and any(isinstance(o, ComponentStatus) and o.status == FIRE for o in objects):
                    stats.fires += 1
                queues[index].put_nowait((adu_type, objects))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.01)
    finally:
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        await asyncio.gather(*(u.close() for u in uitds), return_exceptions=True)
    return stats


# -- fire-IoT devices over MQTT (docs/iot-payloads.md) ---------------------------------------------
# The demo registers these (citysafe.demo.firewatch): prefix, kind, how many.
DEMO_IOT: Final = (("NJ-SMK", "smoke", 10), ("NJ-HP", "hydrant_pressure", 10), ("NJ-EF", "electrical_fire", 5),
                   ("NJ-GAS", "combustible_gas", 3), ("NJ-WL", "water_level", 3))


def demo_iot_devices() -> list[tuple[str, str]]:
    return [(f"{prefix}-{n:03d}", kind) for prefix, kind, upto in DEMO_IOT for n in range(1, upto + 1)]


def iot_payload(device_id: str, kind: str, rng: random.Random, alarm_share: float = 0.05) -> dict[str, object]:
    """One message in citysafe's schema; now and then a value past its default threshold."""
    alarm = rng.random() < alarm_share
    body: dict[str, object] = {"device_id": device_id, "kind": kind, "ts": round(datetime.now().timestamp())}
    if kind == "smoke":
        body.update(event="alarm" if alarm else "heartbeat", battery_pct=rng.randint(60, 100))
    elif kind in ("hydrant_pressure", "sprinkler_pressure"):
        body["pressure_mpa"] = 0.07 if alarm else round(rng.uniform(0.25, 0.45), 3)
    elif kind == "electrical_fire":
        body["residual_current_ma"] = 320 if alarm else rng.randint(20, 150)
        body["temperature_c"] = [round(rng.uniform(30, 45), 1) for _ in range(4)]
    elif kind == "combustible_gas":
        body["gas_lel"] = 27.5 if alarm else round(rng.uniform(0, 5), 1)
    else:
        body["level_m"] = 0.8 if alarm else round(rng.uniform(2.0, 2.6), 2)
    return body


async def _publish_iot(broker: tuple[str, int], devices: Sequence[tuple[str, str]], rate: float,
                       rng: random.Random, stats: SimulatorStats) -> None:
    import aiomqtt  # optional: only the IoT traffic needs it

    async with aiomqtt.Client(hostname=broker[0], port=broker[1], identifier=f"citysafe-sim-{rng.getrandbits(32):x}") \
            as client:
        while True:
            device_id, kind = rng.choice(list(devices))
            payload = json.dumps(iot_payload(device_id, kind, rng), ensure_ascii=False)
            await client.publish(f"citysafe/iot/{kind}/{device_id}", payload, qos=1)
            stats.mqtt_published += 1
            await asyncio.sleep(1 / rate)
