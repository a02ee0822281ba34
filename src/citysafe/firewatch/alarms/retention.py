"""Retention: raw frames, IoT messages, readings and closed alarms are kept for the configured time
(≥ 1 year by default, GB 50440) and then pruned in chunks, so a prune never holds a long lock.

Open alarms are never pruned, and neither is the first frame of one: an alarm still being handled
keeps its evidence however old it is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from citysafe.firewatch.alarms.models import Alarm, AlarmAction, AlarmOccurrence, DutyCheck, Forwarding
from citysafe.firewatch.ingest.models import IotMessage, RawFrame, Reading

CHUNK = 5000


def _chunked(session: Session, model: Any, ids: Callable[[], Any]) -> int:
    total = 0
    while True:
        chunk = [row[0] for row in session.execute(ids().limit(CHUNK)).all()]
        if not chunk:
            return total
        session.execute(delete(model).where(model.id.in_(chunk)).execution_options(synchronize_session=False))
        total += len(chunk)
        if len(chunk) < CHUNK:
            return total


def first_reading_since(session: Session, cutoff: datetime) -> int:
    """The id from which readings were received at or after ``cutoff`` (one past the last id if none was).

    Readings are not indexed by time: every reading of every device went into that index, ~2 µs a row on
    SQLite inside MQTT ingest's write lock (migration 0037). Their ids rise with their receive times (up
    to the seconds by which writers' batches interleave), so the boundary is found by bisecting the ids
    through the primary key, ~30 lookups for a billion rows. What a reading received before ``cutoff``
    after the boundary keeps, the next prune takes.
    """
    low = session.scalar(select(func.min(Reading.id)))
    high = session.scalar(select(func.max(Reading.id)))
    if low is None or high is None:
        return 0
    high += 1
    while low < high:
        middle = (low + high) // 2
        found = session.execute(select(Reading.id, Reading.received_at).where(Reading.id >= middle)
                                .order_by(Reading.id).limit(1)).first()
        if found is None or found.received_at >= cutoff:
            high = middle
        else:
            low = found.id + 1
    return low


def prune(session: Session, *, now: datetime, retention: Any) -> dict[str, int]:
    """Delete what is older than ``now - retention``; returns how many rows of each kind went."""
    cutoff = now - retention
    kept_frames = select(Alarm.raw_frame_id).where(Alarm.is_open.is_(True), Alarm.raw_frame_id.is_not(None))
    old_alarms = select(Alarm.id).where(Alarm.is_open.is_(False), Alarm.closed_at < cutoff)
    readings_boundary = first_reading_since(session, cutoff)  # once: the chunks' deletes leave it where it is
    counts = {
        "raw_frames": _chunked(session, RawFrame, lambda: select(RawFrame.id).where(
            RawFrame.received_at < cutoff, RawFrame.id.not_in(kept_frames))),
        "iot_messages": _chunked(session, IotMessage, lambda: select(IotMessage.id).where(
            IotMessage.received_at < cutoff)),
        "readings": _chunked(session, Reading, lambda: select(Reading.id).where(
            Reading.id < readings_boundary, Reading.received_at < cutoff)),
        "duty_checks": _chunked(session, DutyCheck, lambda: select(DutyCheck.id).where(DutyCheck.sent_at < cutoff)),
    }
    counts["alarm_occurrences"] = _chunked(session, AlarmOccurrence, lambda: select(AlarmOccurrence.id).where(
        AlarmOccurrence.alarm_id.in_(old_alarms)))
    counts["alarm_actions"] = _chunked(session, AlarmAction, lambda: select(AlarmAction.id).where(
        AlarmAction.alarm_id.in_(old_alarms)))
    counts["forwardings"] = _chunked(session, Forwarding, lambda: select(Forwarding.id).where(
        Forwarding.alarm_id.in_(old_alarms)))
    counts["alarms"] = _chunked(session, Alarm, lambda: old_alarms.execution_options(skip_scope=True))
    return counts
