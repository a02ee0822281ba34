"""Reactions to hazards and fire monitoring: open hazards and active alarms raise sources' levels.

Risk sits above both domains (DESIGN.md §3), so it subscribes to their event classes and reads typed
attributes: a renamed field fails the type check, not a map in production. ``HazardReported`` and
``HazardLevelChanged`` (re-judged general ↔ major) open or update a ticket's factor, ``HazardClosed``
clears it; ``AlarmRaised`` opens an alarm's factor. An alarm stops raising when it ends: ``AlarmCleared``
that closed it (a fire whose detector returned to normal stays open for the operator, ``closed`` false),
or ``AlarmUpdated`` into a terminal state (confirmed — the emergency incident takes over —, false alarm,
test, restored).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from citysafe.core.clock import utcnow
from citysafe.core.context import context_of
from citysafe.core.events import DomainEvent, EventBus
from citysafe.firewatch.events import AlarmCleared, AlarmRaised, AlarmUpdated
from citysafe.hazards.events import HazardClosed, HazardLevelChanged, HazardReported
from citysafe.risk.service import config, dynamic


def _config(session: Session) -> config.RiskConfig:
    """The rulebooks of the session's application."""
    return config.from_settings(context_of(session).settings)


def on_hazard_reported(session: Session, event: DomainEvent) -> None:
    assert isinstance(event, HazardReported | HazardLevelChanged)
    cfg = _config(session)
    dynamic.on_hazard_reported(session, event, at=utcnow(), rules=cfg.rules, radius_m=cfg.match_radius_m)


def on_hazard_closed(session: Session, event: DomainEvent) -> None:
    assert isinstance(event, HazardClosed)
    dynamic.clear_factor(session, kind="hazard", ref_id=str(event.ticket_id), at=utcnow(), rules=_config(session).rules)


def on_alarm_raised(session: Session, event: DomainEvent) -> None:
    assert isinstance(event, AlarmRaised)
    cfg = _config(session)
    dynamic.on_alarm_raised(session, event, at=utcnow(), rules=cfg.rules, radius_m=cfg.match_radius_m)


TERMINAL_ALARM_STATES = frozenset({"confirmed", "false_alarm", "test", "restored"})


def on_alarm_cleared(session: Session, event: DomainEvent) -> None:
    assert isinstance(event, AlarmCleared)
    if event.closed:
        dynamic.clear_factor(session, kind="alarm", ref_id=str(event.alarm_id), at=utcnow(),
                             rules=_config(session).rules)


def ended(payload: dict[str, Any]) -> bool:
    """An update that ends an alarm; the bus delivers no other (each occurrence publishes one), testing the
    payload before it rebuilds the event. The contract test feeds it a real ``AlarmUpdated``'s payload."""
    return payload.get("state") in TERMINAL_ALARM_STATES


def on_alarm_updated(session: Session, event: DomainEvent) -> None:
    assert isinstance(event, AlarmUpdated)
    if event.state in TERMINAL_ALARM_STATES:
        dynamic.clear_factor(session, kind="alarm", ref_id=str(event.alarm_id), at=utcnow(),
                             rules=_config(session).rules)


def register(bus: EventBus) -> None:
    bus.subscribe(HazardReported, on_hazard_reported)
    bus.subscribe(HazardLevelChanged, on_hazard_reported)  # same ticket, new level: the factor follows
    bus.subscribe(HazardClosed, on_hazard_closed)
    bus.subscribe(AlarmRaised, on_alarm_raised)
    bus.subscribe(AlarmUpdated, on_alarm_updated, when=ended)
    bus.subscribe(AlarmCleared, on_alarm_cleared)
