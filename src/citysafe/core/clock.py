"""The clock is injected so that tests never sleep for time and timers can be driven by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        self._now = start if start.tzinfo else start.replace(tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **kwargs: float) -> None:
        self._now += timedelta(**kwargs)

    def set(self, moment: datetime) -> None:
        self._now = moment


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """Database drivers hand naive datetimes back from SQLite; everything stored is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def to_local(moment: datetime) -> datetime:
    return as_utc(moment).astimezone(SHANGHAI)


def format_local(moment: datetime | None) -> str:
    if moment is None:
        return ""
    try:
        return to_local(moment).strftime("%Y-%m-%d %H:%M:%S")
    except OverflowError:
        # Within 8 hours of the calendar's end (a row stored before inputs were bounded) China time does
        # not exist; the page shows the moment in UTC rather than failing for everyone who lists it.
        return as_utc(moment).strftime("%Y-%m-%d %H:%M:%S UTC")
