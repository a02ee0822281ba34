"""Firewatch's reactions to events, each run once the change that caused it has committed: a confirmed
fire is forwarded to 119; a reminder or an escalation of an unacknowledged alarm is notified to the
people on duty (alarms/notify.py), and a notice that failed is tried again when the timer says it is due.

``register(bus, ctx)`` binds them to this application's 119 forwarder and notifier (``alarms/links.py``),
so two applications in one process each forward through their own."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy.orm import Session

from citysafe.core.context import AppContext
from citysafe.core.events import DomainEvent, EventBus, Handler
from citysafe.firewatch.alarms import forwarding, notify
from citysafe.firewatch.alarms.links import links
from citysafe.firewatch.events import AlarmEscalated, AlarmReminded, FireConfirmed, NoticeRetryDue

HANDLERS_KEY: Final = "firewatch.handlers"


def register(bus: EventBus, ctx: AppContext) -> None:
    """Subscribe firewatch's reactions on ``bus``, each using ``ctx``'s links (``alarms/links.py``).
    Registering twice for one context subscribes the same functions, i.e. once."""
    links(ctx)  # built now: a forwarder or notifier the settings cannot make stops the start
    handlers = ctx.extras.get(HANDLERS_KEY)
    if handlers is None:
        handlers = ctx.extras[HANDLERS_KEY] = _handlers(ctx)
    for event_type, handler in handlers:
        bus.subscribe(event_type, handler)


def _handlers(ctx: AppContext) -> list[tuple[type[DomainEvent], Handler]]:
    # Each reaction asks ``ctx`` for its links when it runs: the context's, whatever was put there.

    def forward_confirmed(session: Session, event: DomainEvent) -> None:
        assert isinstance(event, FireConfirmed)
        forwarding.forward(session, notice=event.payload(), confirmed_at=datetime.fromisoformat(event.confirmed_at),
                           forwarder=links(ctx).forwarder)

    def notify_reminded(session: Session, event: DomainEvent) -> None:
        assert isinstance(event, AlarmReminded)
        notify.notify_reminded(session, alarm_id=event.alarm_id, notifier=links(ctx).notifier)

    def notify_escalated(session: Session, event: DomainEvent) -> None:
        assert isinstance(event, AlarmEscalated)
        notify.notify_escalated(session, alarm_id=event.alarm_id, level=event.level,
                                region_code=event.escalated_region_code, notifier=links(ctx).notifier)

    def notify_again(session: Session, event: DomainEvent) -> None:
        assert isinstance(event, NoticeRetryDue)
        notify.notify_again(session, event, notifier=links(ctx).notifier)

    return [(FireConfirmed, forward_confirmed), (AlarmReminded, notify_reminded),
            (AlarmEscalated, notify_escalated), (NoticeRetryDue, notify_again)]
