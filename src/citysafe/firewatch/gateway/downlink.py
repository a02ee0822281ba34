"""What the centre sends down to UITDs: patrol (type 81), clock sync (type 90) and 查岗 (type 91).

Each connected UITD is patrolled every ``patrol`` (GB 50440: at most 2 h) and gets its clock set when it
first shows up and then every ``clock_sync``. Its answers are matched by the serial it echoes: a
type-21 response (cmd 5) or an ACK (cmd 3). The response frames are stored like uploads (or, repeating the
normal status last stored, summarised as seen: ``heartbeats``), so the unit's last-seen time moves and the
alarm timer's offline rule (firewatch_offline_minutes, longer than the patrol period) raises a unit that stops
answering.

Here a request unanswered within ``answer_timeout`` makes the device offline for the gateway: its
connection is closed (``GatewayStats.offline``), so a link that died without a FIN or RST (a cut cable,
a NAT that forgot it) holds no descriptor past its next patrol, and a device that is alive reconnects.
Every connected device is patrolled at least every ``patrol``, so a device that falls silent is offline
within ``patrol + answer_timeout + 2 × tick_seconds`` (≤ patrol + 40 s): one sweep per tick over the
process's devices, not a timer per connection. The sweep's verdicts go to the ``on_offline`` listeners
(``verdicts.OfflineRecorder``), which record them where the platform keeps device online state.

Times come from the injected clock, so tests advance a FixedClock and call ``tick()``; the running
service ticks every ``tick_seconds`` of real time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy.orm import Session, sessionmaker

from citysafe.core.clock import Clock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.firewatch.alarms.patrol import MAX_PATROL_PERIOD, patrol_period
from citysafe.firewatch.alarms.presence import record_duty_check_sent
from citysafe.firewatch.gateway.connection import Connection
from citysafe.firewatch.gateway.server import Gateway
from citysafe.firewatch.ingest.worker import OfflineVerdict
from citysafe.firewatch.protocols.gb26875 import (
    Command,
    Frame,
    build_clock_sync,
    build_duty_check,
    build_read_uitd_status,
    encode_frame,
)

__all__ = ["Downlink", "DownlinkConfig", "DownlinkStats", "Sent"]

log = logging.getLogger(__name__)

PATROL: Final = "patrol"
CLOCK_SYNC: Final = "clock_sync"
_ANSWERS_WITHOUT_DATA: Final = frozenset((Command.ACK, Command.NAK))
_ANSWERS: Final = frozenset((Command.ACK, Command.NAK, Command.RESPONSE))
DUTY_CHECK: Final = "duty_check"
#: Offline devices named one by one per sweep; the rest of a mass outage is one line with the count.
_OFFLINE_NAMED: Final = 10


@dataclass(frozen=True)
class DownlinkConfig:
    patrol: timedelta = timedelta(hours=1)
    clock_sync: timedelta = timedelta(hours=24)
    # GB/T 26875.3 §6.5: a device answers within 10 s; three times that allows for a slow cellular channel
    # and keeps an unanswered patrol's offline verdict within the patrol period + 60 s (issue #16).
    answer_timeout: timedelta = timedelta(seconds=30)
    tick_seconds: float = 5.0

    def __post_init__(self) -> None:
        if not timedelta(0) < self.patrol <= MAX_PATROL_PERIOD:
            raise ValueError(f"patrol period {self.patrol} must be positive and at most 2 h (GB 50440)")


@dataclass(frozen=True)
class Sent:
    """A downlink frame that went out: what, to whom, with which serial, when."""

    kind: str
    address: int
    serial: int
    sent_at: datetime


@dataclass
class DownlinkStats:
    patrols: int = 0
    clock_syncs: int = 0
    duty_checks: int = 0
    answered: int = 0
    refused: int = 0
    missed: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass(slots=True)
class _Device:
    next_patrol: datetime
    next_clock_sync: datetime
    outstanding: dict[int, Sent] = field(default_factory=dict)
    missed_in_a_row: int = 0
    last_answer: datetime | None = None


class Downlink:
    """The downlink scheduler of one gateway; the gateway reports every device frame to it."""

    def __init__(self, gateway: Gateway, clock: Clock, config: DownlinkConfig | None = None,
                 session_factory: sessionmaker[Session] | None = None) -> None:
        self.gateway = gateway
        self._session_factory = session_factory
        self.clock = clock
        self.config = config or DownlinkConfig()
        self.stats = DownlinkStats()
        self._devices: dict[Connection, _Device] = {}
        self._task: asyncio.Task[None] | None = None
        self._listeners: list[Callable[[Sent, Frame], None]] = []
        self._offline_listeners: list[Callable[[list[OfflineVerdict]], None]] = []

    @classmethod
    def from_settings(cls, gateway: Gateway, ctx: AppContext) -> Downlink:
        settings = ctx.settings
        return cls(gateway, ctx.clock, DownlinkConfig(
            patrol=patrol_period(timedelta(seconds=settings.gb26875_patrol_seconds)),
            clock_sync=timedelta(seconds=settings.gb26875_clock_sync_seconds),
        ), ctx.session_factory)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="gb26875-downlink")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    def on_answer(self, listener: Callable[[Sent, Frame], None]) -> None:
        """Call ``listener(sent, reply)`` when a device answers a downlink frame."""
        self._listeners.append(listener)

    def on_offline(self, listener: Callable[[list[OfflineVerdict]], None]) -> None:
        """Call ``listener(verdicts)`` after each sweep that found devices offline (their connections closed)."""
        self._offline_listeners.append(listener)

    # -- traffic from the gateway -------------------------------------------------------------------
    def on_frame(self, conn: Connection, frame: Frame) -> None:
        # Called for every frame: the common case (an upload from a known device) returns at once.
        device = self._devices.get(conn)
        command = frame.command
        if device is None:
            if command in _ANSWERS_WITHOUT_DATA:
                return  # an ACK before the device has shown its address cannot answer us
            # A device that just connected: set its clock at the next tick, patrol after a period.
            now = self.clock.now()
            device = self._devices[conn] = _Device(next_patrol=now + self.config.patrol, next_clock_sync=now)
        if command not in _ANSWERS:
            return
        now = self.clock.now()
        sent = device.outstanding.pop(frame.serial, None)
        if sent is None:
            return
        device.last_answer = now
        device.missed_in_a_row = 0
        if frame.command == Command.NAK:
            self.stats.refused += 1
            log.warning("UITD %012x refused our %s (serial %d)", sent.address, sent.kind, sent.serial)
        else:
            self.stats.answered += 1
        for listener in self._listeners:
            listener(sent, frame)

    def on_disconnect(self, conn: Connection) -> None:
        self._devices.pop(conn, None)

    # -- sending ------------------------------------------------------------------------------------
    def tick(self) -> list[Sent]:
        """Send what is due on every connection and expire unanswered requests; returns what was sent."""
        now = self.clock.now()
        out: list[Sent] = []
        offline: list[Sent] = []
        for conn, device in list(self._devices.items()):
            if not conn.open or conn.address is None:
                continue
            missed = self._expire(device, now)
            if missed is not None:
                offline.append(missed)
                self.gateway.stats.offline += 1
                conn.close()
                continue
            if device.next_clock_sync <= now:
                device.next_clock_sync = now + self.config.clock_sync
                out.append(self._send(conn, device, CLOCK_SYNC, now))
            if device.next_patrol <= now:
                device.next_patrol = now + self.config.patrol
                out.append(self._send(conn, device, PATROL, now))
        if offline:
            self._log_offline(offline)
            verdicts = [OfflineVerdict(sent.address, now) for sent in offline]
            for listener in self._offline_listeners:
                listener(verdicts)
        return out

    def _log_offline(self, offline: list[Sent]) -> None:
        # A district's power cut silences thousands at once: the first few by name, the rest as a count.
        for sent in offline[:_OFFLINE_NAMED]:
            log.warning("UITD %012x offline: no answer to our %s (serial %d) within %s; connection closed",
                        sent.address, sent.kind, sent.serial, self.config.answer_timeout)
        if len(offline) > _OFFLINE_NAMED:
            log.warning("and %d more UITDs offline in this sweep (%d so far)", len(offline) - _OFFLINE_NAMED,
                        self.gateway.stats.offline)

    def patrol_now(self, address: int) -> Sent | None:
        """Patrol one UITD immediately (an operator's 巡检 button); None when it is not connected."""
        return self._send_to(address, PATROL)

    def sync_clock_now(self, address: int) -> Sent | None:
        return self._send_to(address, CLOCK_SYNC)

    async def duty_check(self, address: int, timeout_minutes: int = 10) -> Sent | None:
        """Send a 查岗 (type 91); None when the UITD is not connected.

        The check is recorded (``alarms.presence.record_duty_check_sent``) and committed before the frame goes
        out, so the operator's reply, a type-24 upload with bit 5 that the ingest path matches to the
        latest open check, can never arrive ahead of it.
        """
        if self._session_factory is None:
            raise RuntimeError("duty checks need a database: build the Downlink with a session factory")
        if not self.connected(address):
            return None
        sent_at = self.clock.now()
        factory = self._session_factory

        def record() -> int:
            with unit_of_work(factory, actor="gateway:gb26875") as session:
                return record_duty_check_sent(session, address=address, sent_at=sent_at,
                                              timeout_minutes=timeout_minutes)

        await asyncio.to_thread(record)
        return self._send_to(address, DUTY_CHECK, timeout_minutes)

    def connected(self, address: int) -> bool:
        conn = self.gateway.by_address.get(address)
        return conn is not None and conn.open

    def _send_to(self, address: int, kind: str, timeout_minutes: int = 10) -> Sent | None:
        conn = self.gateway.by_address.get(address)
        if conn is None or not conn.open:
            return None
        now = self.clock.now()
        device = self._devices.get(conn)
        if device is None:
            device = self._devices[conn] = _Device(next_patrol=now + self.config.patrol, next_clock_sync=now)
        return self._send(conn, device, kind, now, timeout_minutes)

    def _send(self, conn: Connection, device: _Device, kind: str, now: datetime, timeout_minutes: int = 10) -> Sent:
        assert conn.address is not None
        serial = conn.next_serial()
        label = self.gateway.now_label()
        source, destination = conn.centre_address, conn.address
        if kind == PATROL:
            frame = build_read_uitd_status(serial=serial, source=source, destination=destination, sent=label)
            self.stats.patrols += 1
        elif kind == CLOCK_SYNC:
            frame = build_clock_sync(serial=serial, source=source, destination=destination, sent=label, clock=label)
            self.stats.clock_syncs += 1
        else:
            frame = build_duty_check(serial=serial, source=source, destination=destination, sent=label,
                                     timeout_minutes=timeout_minutes)
            self.stats.duty_checks += 1
        conn.write(encode_frame(frame))
        sent = Sent(kind, conn.address, serial, now)
        device.outstanding[serial] = sent
        return sent

    def _expire(self, device: _Device, now: datetime) -> Sent | None:
        """Drop requests unanswered past the timeout; the first of them if there was one (the device is offline)."""
        deadline = now - self.config.answer_timeout
        first: Sent | None = None
        for serial, sent in list(device.outstanding.items()):
            if sent.sent_at <= deadline:
                del device.outstanding[serial]
                self.stats.missed += 1
                device.missed_in_a_row += 1
                first = first or sent
        return first

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.config.tick_seconds)
            try:
                self.tick()
            except Exception:
                log.exception("downlink tick failed")
