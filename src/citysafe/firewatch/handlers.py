"""Firewatch's reactions to events: a confirmed fire is forwarded to 119 once the confirmation commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from citysafe.core.events import DomainEvent, EventBus
from citysafe.firewatch import forwarding
from citysafe.firewatch.events import FireConfirmed


def _forward_confirmed(session: Session, event: DomainEvent) -> None:
    assert isinstance(event, FireConfirmed)
    forwarding.forward(session, notice=event.payload(), confirmed_at=datetime.fromisoformat(event.confirmed_at))


def register(bus: EventBus) -> None:
    bus.subscribe(FireConfirmed, _forward_confirmed)
