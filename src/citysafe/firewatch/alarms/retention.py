"""Retention: raw frames, IoT messages, readings and closed alarms are kept for the configured time
(≥ 1 year by default, GB 50440) and then pruned in chunks, so a prune never holds a long lock.

Open alarms are never pruned, and neither is the first frame of one: an alarm still being handled
keeps its evidence however old it is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
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


def prune(session: Session, *, now: datetime, retention: Any) -> dict[str, int]:
    """Delete what is older than ``now - retention``; returns how many rows of each kind went."""
    cutoff = now - retention
    kept_frames = select(Alarm.raw_frame_id).where(Alarm.is_open.is_(True), Alarm.raw_frame_id.is_not(None))
    old_alarms = select(Alarm.id).where(Alarm.is_open.is_(False), Alarm.closed_at < cutoff)
    counts = {
        "raw_frames": _chunked(session, RawFrame, lambda: select(RawFrame.id).where(
            RawFrame.received_at < cutoff, RawFrame.id.not_in(kept_frames))),
        "iot_messages": _chunked(session, IotMessage, lambda: select(IotMessage.id).where(
            IotMessage.received_at < cutoff)),
        "readings": _chunked(session, Reading, lambda: select(Reading.id).where(Reading.received_at < cutoff)),
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
