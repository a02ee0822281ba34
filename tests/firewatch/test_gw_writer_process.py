"""The gateway's writer process (gateway.sinks.ProcessSink) against a real child on SQLite and
PostgreSQL: flags only for committed frames, live events relayed up the pipe before the flags, order
kept with two batches in flight, and a child that dies costs only the batch in flight."""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from tests.support.waiting import until

from citysafe.core.context import AppContext
from citysafe.firewatch.alarms.models import Alarm
from citysafe.firewatch.gateway.sinks import ProcessSink
from citysafe.firewatch.ingest.models import RawFrame
from citysafe.firewatch.ingest.service import ReceivedFrame
from citysafe.firewatch.protocols.gb26875 import (
    ComponentStatus,
    DeviceTime,
    UitdStatus,
    build_upload,
    decode_frame,
    encode_description,
    encode_frame,
)

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
LOCAL = datetime(2026, 3, 1, 10, 0)
ADDRESS = 0x0000_2026_1128


def item(serial: int, objects: list[Any], adu_type: int, *, source: int = ADDRESS) -> ReceivedFrame:
    raw = encode_frame(build_upload(adu_type, objects, serial=serial, source=source, destination=88888, sent=LOCAL))
    return ReceivedFrame(raw=raw, frame=decode_frame(raw), peer="127.0.0.1:40000",
                         received_at=T0 + timedelta(seconds=serial))


def fire(point: int, text: str) -> ComponentStatus:
    return ComponentStatus(1, 1, 40, 1 << 16 | point, 0x0003, encode_description(text), DeviceTime.of(LOCAL))


def heartbeat() -> UitdStatus:
    return UitdStatus(0x01, DeviceTime.of(LOCAL))


def count(ctx: AppContext, model: type[Any]) -> int:
    with ctx.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


async def test_batches_commit_in_the_child_and_alarms_come_back_before_the_flags(ctx: AppContext) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    flags_at_event: list[int] = []
    stored_batches: list[int] = []

    def on_events(name: str, payload: dict[str, Any]) -> None:
        seen.append((name, payload))
        flags_at_event.append(len(stored_batches))

    # Settings made in code reach the child (not only what its environment says): this UITD is unregistered
    # and lands in the configured region.
    settings = ctx.settings.model_copy(update={"firewatch_unregistered_region": "320102"})
    sink = ProcessSink(settings, on_events=on_events)
    await sink.start()
    try:
        first = [item(1, [heartbeat()], 21), item(2, [fire(7, "3层东侧走廊")], 2)]
        assert list(await sink.store(first)) == [True, True]
        stored_batches.append(1)
        assert count(ctx, RawFrame) == 2
        raised = [p for name, p in seen if name == "AlarmRaised"]
        assert [p["description"] for p in raised] == ["3层东侧走廊"]
        assert [p["region_code"] for p in raised] == ["320102"]
        assert flags_at_event == [0] * len(seen)  # the event arrived before the batch's flags

        # Two batches in flight at once: each reply settles its own batch, in order; the second
        # carries a retransmission of the first batch's fire, stored once.
        a = [item(3, [fire(8, "4层")], 2)]
        b = [item(2, [fire(7, "3层东侧走廊")], 2), item(4, [heartbeat()], 21)]
        results = await asyncio.gather(sink.store(a), sink.store(b))
        assert [list(r) for r in results] == [[True], [True, True]]
        assert count(ctx, RawFrame) == 4
        assert count(ctx, Alarm) == 2
    finally:
        await sink.aclose()
    assert sink.restarts == 0


async def test_a_child_that_dies_withholds_its_batch_and_the_next_batch_starts_a_new_one(ctx: AppContext) -> None:
    sink = ProcessSink(ctx.settings, on_events=lambda name, payload: None, reply_timeout=20)
    await sink.start()
    try:
        assert list(await sink.store([item(1, [heartbeat()], 21)])) == [True]
        pid = sink.health()["pid"]
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        await until(lambda: sink.health()["pid"] is None, what="the killed writer reaped")
        # The next batch finds the child gone and starts another one; nothing already ACKed is lost.
        assert list(await sink.store([item(2, [heartbeat()], 21), item(1, [heartbeat()], 21)])) == [True, True]
        assert sink.restarts == 1
        assert count(ctx, RawFrame) == 2
    finally:
        await sink.aclose()


async def test_a_child_killed_mid_batch_fails_only_that_batch(ctx: AppContext) -> None:
    """The child is killed while it holds a batch: that batch is withheld (its devices retransmit)."""
    sink = ProcessSink(ctx.settings, on_events=lambda name, payload: None, reply_timeout=20)
    await sink.start()
    try:
        pid = sink.health()["pid"]
        assert pid is not None
        big = [item(n, [heartbeat()], 21, source=ADDRESS + n % 50) for n in range(1, 3001)]
        pending = asyncio.ensure_future(sink.store(big))
        await asyncio.sleep(0)  # the batch is on its way
        os.kill(pid, signal.SIGKILL)
        flags = await pending
        stored = count(ctx, RawFrame)
        assert set(flags) == {False} or (all(flags) and stored == len(big))  # committed whole or not at all
        # The retransmission goes through once the next child runs, and nothing is doubled.
        assert all(await sink.store(big))
        assert count(ctx, RawFrame) == len(big)
    finally:
        await sink.aclose()
