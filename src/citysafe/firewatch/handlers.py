"""Firewatch's reactions to events, each run once the change that caused it has committed: a confirmed
fire is forwarded to 119; a reminder or an escalation of an unacknowledged alarm is notified to the
people on duty (alarms/notify.py), and a notice that failed is tried again when the timer says it is due.

Each reaction takes the 119 forwarder and the notifier of the session's own application
(``alarms/links.py``: the ``LINKS`` slot), so two applications in one process each forward through
their own. An escalation names the people on the division's duty roster, found through the application's
``DUTY_LOOKUP`` (alarms/duty.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from citysafe.core.events import DomainEvent, EventBus
from citysafe.firewatch.alarms import forwarding, notify
from citysafe.firewatch.alarms.duty import DUTY_LOOKUP
from citysafe.firewatch.alarms.links import LINKS
from citysafe.firewatch.events import AlarmEscalated, AlarmReminded, FireConfirmed, NoticeRetryDue


def forward_confirmed(session: Session, event: DomainEvent) -> None:
    assert isinstance(event, FireConfirmed)
    forwarding.forward(session, notice=event.payload(), confirmed_at=datetime.fromisoformat(event.confirmed_at),
                       forwarder=LINKS.of(session).forwarder)


def notify_reminded(session: Session, event: DomainEvent) -> None:
    assert isinstance(event, AlarmReminded)
    notify.notify_reminded(session, alarm_id=event.alarm_id, notifier=LINKS.of(session).notifier)


def notify_escalated(session: Session, event: DomainEvent) -> None:
    assert isinstance(event, AlarmEscalated)
    notify.notify_escalated(session, alarm_id=event.alarm_id, level=event.level,
                            region_code=event.escalated_region_code, notifier=LINKS.of(session).notifier,
                            duty=DUTY_LOOKUP.of(session))


def notify_again(session: Session, event: DomainEvent) -> None:
    assert isinstance(event, NoticeRetryDue)
    notify.notify_again(session, event, notifier=LINKS.of(session).notifier, duty=DUTY_LOOKUP.of(session))


def register(bus: EventBus) -> None:
    bus.subscribe(FireConfirmed, forward_confirmed)
    bus.subscribe(AlarmReminded, notify_reminded)
    bus.subscribe(AlarmEscalated, notify_escalated)
    bus.subscribe(NoticeRetryDue, notify_again)
