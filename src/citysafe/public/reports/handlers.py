"""Reactions of citizen reports to other domains' events: a hazard ticket made from a report was closed
(hazards' ``HazardClosed``), so the reporter's tracking page shows 已整改销号 (or 经核查不构成隐患)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from citysafe.core.context import context_of
from citysafe.core.events import DomainEvent, EventBus
from citysafe.hazards.events import HazardClosed
from citysafe.public.reports import staff


def on_hazard_closed(session: Session, event: DomainEvent) -> None:
    assert isinstance(event, HazardClosed)
    try:
        at = datetime.fromisoformat(event.closed_at) if event.closed_at else context_of(session).clock.now()
    except ValueError:
        at = context_of(session).clock.now()
    staff.ticket_closed(session, ticket_id=event.ticket_id, outcome=event.outcome, at=at)


def register(bus: EventBus) -> None:
    bus.subscribe(HazardClosed, on_hazard_closed)
