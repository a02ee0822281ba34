"""Events firewatch publishes (outbox, delivered after commit).

Every event about an alarm derives from ``_AlarmEvent`` (alarm id, kind, region code, the unit's
organisation, device address); the live board's three (raised, updated, cleared) from ``_AlarmStateEvent``,
which adds state, unit, point and time. Risk (a higher layer) subscribes to the classes; hazards (the same
layer) subscribes by name and receives ``payload()`` (datetimes as ISO strings), and
``tests/contracts`` feeds each real event's payload to each by-name subscriber (docs/events.md):

* ``AlarmRaised``  — a new alarm was opened (every new fire alarm, also of unregistered devices).
* ``AlarmUpdated`` — an open alarm changed: another occurrence (``occurrences`` is the new count), a
  workflow step, corroboration or flapping. The live board updates its counter from it.
* ``AlarmCleared`` — the device reported the point normal again; ``closed`` says whether that closed
  the alarm (faults do; fires stay open for the operator's decision).
* ``FireConfirmed`` — an operator confirmed a fire; forwarded to 119 and opens an emergency incident.
* ``UnitOffline`` — a UITD or IoT device stopped reporting for longer than its offline limit.
* ``FaultOverdue`` — a fault stayed open past the configured limit; hazards opens a ticket from it.
* ``AlarmEscalated`` — an unacknowledged alarm went up one level of the region hierarchy.
* ``AlarmReminded`` — the timer's reminder of an unacknowledged alarm (notify.py tells the unit).
* ``NoticeRetryDue`` — a notice of an unacknowledged alarm failed and is due another attempt (notify.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from citysafe.core.events import DomainEvent


@dataclass(frozen=True)
class _AlarmEvent(DomainEvent):
    """What every event about one alarm carries: which alarm, of what kind, where and whose.

    ``unit_organization_id`` is the networked unit's organisation (None for an unregistered device).
    """

    alarm_id: int
    kind: str
    region_code: str
    unit_organization_id: int | None
    device_address: str


@dataclass(frozen=True)
class _AlarmStateEvent(_AlarmEvent):
    """An alarm's state as the live board shows it: its state, unit, point on the map and time."""

    state: str
    unit_id: int | None
    lon: float | None
    lat: float | None
    received_at: str


@dataclass(frozen=True)
class AlarmRaised(_AlarmStateEvent):
    name: ClassVar[str] = "AlarmRaised"

    unit_name: str
    component: str
    description: str
    device_time: str | None
    occurrences: int
    corroborated: bool
    maintenance: bool
    unregistered: bool
    source: str


@dataclass(frozen=True)
class AlarmUpdated(_AlarmStateEvent):
    name: ClassVar[str] = "AlarmUpdated"

    occurrences: int
    corroborated: bool
    flapping: bool
    change: str  # occurrence | acknowledged | verified | confirmed | false_alarm | test | corroborated | bound
    #              | reminded (the timer: still unacknowledged; notify.py tells the unit)


@dataclass(frozen=True)
class AlarmCleared(_AlarmStateEvent):
    name: ClassVar[str] = "AlarmCleared"

    closed: bool


@dataclass(frozen=True)
class FireConfirmed(_AlarmEvent):
    name: ClassVar[str] = "FireConfirmed"

    unit_id: int | None
    unit_name: str
    address: str
    lon: float | None
    lat: float | None
    component: str
    description: str
    first_received_at: str
    confirmed_at: str
    confirmed_by: str
    note: str


@dataclass(frozen=True)
class UnitOffline(DomainEvent):
    name: ClassVar[str] = "UnitOffline"

    alarm_id: int
    region_code: str
    unit_organization_id: int | None
    unit_id: int | None
    unit_name: str
    device_address: str
    last_seen_at: str | None
    lon: float | None
    lat: float | None


@dataclass(frozen=True)
class FaultOverdue(DomainEvent):
    name: ClassVar[str] = "FaultOverdue"

    alarm_id: int
    unit_organization_id: int | None
    region_code: str
    description: str
    device_address: str
    component: str
    opened_at: str


@dataclass(frozen=True)
class AlarmEscalated(_AlarmEvent):
    name: ClassVar[str] = "AlarmEscalated"

    escalated_region_code: str
    level: int
    first_received_at: str


@dataclass(frozen=True)
class AlarmReminded(DomainEvent):
    """The timer's reminder of an alarm still unacknowledged (the board learns it from ``AlarmUpdated``).

    An event of its own so that its handler (notify.py) subscribes to nothing else: ``AlarmUpdated``
    fires on every occurrence, and each delivered event costs the gateway's writer a transaction.
    """

    name: ClassVar[str] = "AlarmReminded"

    alarm_id: int
    kind: str
    region_code: str


@dataclass(frozen=True)
class NoticeRetryDue(DomainEvent):
    """The timer found a notice failed: make ``attempt`` (2, 3, …). Firewatch's own: notify.py handles it."""

    name: ClassVar[str] = "NoticeRetryDue"

    alarm_id: int
    channel: str
    level: int
    region_code: str | None  # the division of an escalation notice; None for the unit's reminder
    attempt: int


# The events this domain publishes, composed into every application's bus by ``citysafe.registry``.
EVENTS: tuple[type[DomainEvent], ...] = (AlarmRaised, AlarmUpdated, AlarmCleared, FireConfirmed, UnitOffline,
                                         FaultOverdue, AlarmEscalated, AlarmReminded, NoticeRetryDue)
