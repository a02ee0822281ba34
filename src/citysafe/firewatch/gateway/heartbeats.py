"""The cheap path of keep-alives at scale (issue #16): the gateway ACKs them itself and reports only who was seen.

At 100,000 devices the heartbeats (type 21 every few minutes) and patrol answers (type 21, cmd 5, every patrol)
were ~1,100 frames/s, each a JetStream message, a dedup probe, a raw-frame row and a share of a transaction,
and they saturated the workers of a 2-core box while fires waited. Most of them change nothing: a UITD
reporting the same normal status it reported last. For those the alarm engine makes no decision
(``engine.step``: nothing appeared, nothing disappeared), so what such a frame did was move ``last_seen_at``
(written at most every 30 s anyway, ``ingest.service.SEEN_WRITE_INTERVAL_S``), bring an offline UITD back
(``presence.restore_online``) and add one raw frame.

A **keep-alive** here is a type-21 frame (an upload or a patrol answer) whose every object reports one status
with no condition in it (no fire, no fault: ``observe.uitd_conditions``), the same status the platform
stored last from this connection, with none of the connection's type-21 frames still on their way. It is
ACKed at once (a patrol answer is not ACKed, as before, but still settles its patrol) and its UITD goes into
this process's *seen* map; every ``SEEN_WRITE_INTERVAL_S`` the map goes to the workers as one message per
partition (``JetStreamSink.publish_seen``), which set ``last_seen_at`` and restore offline UITDs in one
transaction (``presence.record_seen``). Everything else takes the full path, in order, as before:

- the first type-21 frame of every connection (the status may have changed while it was away, and a
  reconnect is where an offline UITD comes back), and any whose status differs from the last stored;
- a repeated *abnormal* status (a main-power fault sent as heartbeat, FM1 of the spec): after an operator
  closes its alarm the next report raises it again (``engine.step``), so it is never absorbed;
- one keep-alive per device every ``heartbeat_sample`` seconds (default an hour): the raw-frame table keeps a
  sampled copy of each device's heartbeats for audit (the spec's §6.7 "keep the raw frames"), not every one.

What may be lost: a gateway process killed between two summaries loses up to 30 s of *seen* times of
devices whose last frames were keep-alives; offline limits are minutes and the patrol verdicts come from
the gateway itself, so nothing the platform shows depends on them. Without JetStream (one gateway process
writing to the database) every frame is stored as before.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import datetime
from typing import Final, Protocol

from citysafe.firewatch.ingest.observe import uitd_conditions
from citysafe.firewatch.protocols.gb26875 import Command, Frame, UitdStatus

__all__ = ["HeartbeatPath", "KeepAliveConn", "keepalive_status"]

log = logging.getLogger(__name__)

_KEEPALIVE_TYPE: Final = 21
_KEEPALIVE_COMMANDS: Final = frozenset((Command.SEND_DATA, Command.RESPONSE))


def keepalive_status(frame: Frame) -> int | None:
    """The status a type-21 frame reports when every object reports that one normal status; else None."""
    adu = frame.adu
    if adu is None or adu.type != _KEEPALIVE_TYPE or adu.rest or not adu.objects \
            or frame.command not in _KEEPALIVE_COMMANDS:
        return None
    first = adu.objects[0]
    if not isinstance(first, UitdStatus) or uitd_conditions(first.status):
        return None
    status = first.status
    for obj in adu.objects[1:]:
        if not isinstance(obj, UitdStatus) or obj.status != status:
            return None
    return status


class KeepAliveConn(Protocol):
    """What the path keeps on each connection (``connection.Connection``'s slots)."""

    keepalive: int | None    # the normal status stored last from this connection; None: the next one is stored
    status_inflight: int     # type-21 frames of this connection on their way to the sink
    sampled_at: float        # the loop's time when a keep-alive of this connection was last stored


class HeartbeatPath:
    """Absorbs keep-alives (``absorb``), learns from what the sink stored (``sent``/``settled``) and publishes
    the seen map every ``interval`` seconds."""

    def __init__(self, publish: Callable[[dict[int, datetime]], Awaitable[bool]], *, sample: float,
                 interval: float) -> None:
        self._publish = publish
        self.sample = sample
        self.interval = interval
        self.seen: dict[int, datetime] = {}
        self.published = 0  # devices in summaries that JetStream took
        self._task: asyncio.Task[None] | None = None

    def absorb(self, conn: KeepAliveConn, frame: Frame, received_at: datetime, now: float) -> bool:
        """True when ``frame`` is a keep-alive of ``conn`` that need not be stored (it is counted as seen)."""
        if conn.keepalive is None or conn.status_inflight or now - conn.sampled_at >= self.sample:
            return False
        if keepalive_status(frame) != conn.keepalive:
            return False
        self.seen[frame.source] = received_at
        return True

    @staticmethod
    def sent(conn: KeepAliveConn, frame: Frame) -> None:
        """``frame`` goes the full way: while a type-21 frame is on its way nothing of ``conn`` is absorbed."""
        adu = frame.adu
        if adu is not None and adu.type == _KEEPALIVE_TYPE:
            conn.status_inflight += 1
            conn.keepalive = None

    @staticmethod
    def settled(conn: KeepAliveConn, frame: Frame, stored: bool, now: float) -> None:
        """The sink stored ``frame`` (or withheld it): the last of its type-21 frames stored sets the status."""
        adu = frame.adu
        if adu is None or adu.type != _KEEPALIVE_TYPE:
            return
        conn.status_inflight -= 1
        if stored and not conn.status_inflight:
            conn.keepalive = keepalive_status(frame)
            conn.sampled_at = now

    # -- the summaries ------------------------------------------------------------------------------
    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="gb26875-seen-summary")

    async def stop(self) -> None:
        """Stop the timer and publish what was seen since the last summary."""
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
        await self.flush()

    async def flush(self) -> None:
        seen, self.seen = self.seen, {}
        if not seen:
            return
        if await self._publish(seen):
            self.published += len(seen)
            return
        for address, at in seen.items():  # refused: the next summary carries them (newer times win)
            self.seen.setdefault(address, at)

    async def _run(self) -> None:
        # Gateway processes started together would publish together and their summaries reach each worker at
        # once: a random phase spreads them over the interval.
        await asyncio.sleep(random.uniform(0, self.interval))
        while True:
            await self._flush_logged()
            await asyncio.sleep(self.interval)

    async def _flush_logged(self) -> None:
        try:
            await self.flush()
        except Exception:  # a bug, not JetStream (publish_seen reports that): log it and keep going
            log.exception("publishing the seen summary failed")
