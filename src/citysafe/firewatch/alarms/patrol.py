"""Patrol, offline and 查岗 rules, pure: times in, answers out. The gateway and the timer both call them.

GB 50440 asks for a patrol (巡检) of every UITD at least every 2 hours; a UITD that neither answers nor
sends anything for longer than its offline limit is raised as offline (``UnitOffline``). A 查岗 (type 91)
asks the unit's operator to press the reply key within N minutes; the reply is a type-24 upload with bit 5.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_PATROL_PERIOD = timedelta(hours=2)


def offline_limit(default: timedelta, unit_minutes: int | None) -> timedelta:
    """The unit's own limit when it has one, else the configured default."""
    return timedelta(minutes=unit_minutes) if unit_minutes and unit_minutes > 0 else default


def is_offline(last_seen_at: datetime | None, now: datetime, limit: timedelta) -> bool:
    """A device seen before and silent for longer than ``limit``. One never seen is not offline: it
    has not been commissioned yet, and raising every freshly registered device would bury real ones."""
    return last_seen_at is not None and now - last_seen_at > limit


def patrol_period(requested: timedelta) -> timedelta:
    """The patrol period actually used: never longer than the 2 hours GB 50440 allows, never under 1 s."""
    return max(timedelta(seconds=1), min(requested, MAX_PATROL_PERIOD))


def patrol_due(last_sent_at: datetime | None, now: datetime, period: timedelta) -> bool:
    return last_sent_at is None or now - last_sent_at >= patrol_period(period)


@dataclass(frozen=True, slots=True)
class SentCheck:
    check_id: int
    sent_at: datetime
    timeout_minutes: int
    answered: bool = False


def match_duty_reply(checks: Sequence[SentCheck], reply_at: datetime) -> SentCheck | None:
    """The check a reply answers: the latest unanswered one sent at or before the reply."""
    candidates = [c for c in checks if not c.answered and c.sent_at <= reply_at]
    return max(candidates, key=lambda c: (c.sent_at, c.check_id), default=None)


def reply_is_late(check: SentCheck, reply_at: datetime) -> bool:
    return reply_at - check.sent_at > timedelta(minutes=check.timeout_minutes)


def unanswered_expired(check: SentCheck, now: datetime) -> bool:
    """A check nobody answered within its timeout (the unit's on-duty operator was absent)."""
    return not check.answered and now - check.sent_at > timedelta(minutes=check.timeout_minutes)
