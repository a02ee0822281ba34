"""Reactions to other domains' events: a fire-facility fault left open too long becomes a hazard ticket.

Firewatch sits on the same layer, so its event is taken by name (``FaultOverdue``) as a payload dict:
``alarm_id, unit_organization_id, region_code, description, device_address, component, opened_at``;
tests/contracts feeds the real event's payload to this handler, so a renamed field fails there. The
ticket itself (one per alarm) is ``hazards.service.open_ticket_for_fault``, which the demo city calls too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from citysafe.core.clock import utcnow
from citysafe.core.config import Settings, get_settings
from citysafe.core.events import EventBus
from citysafe.hazards.service import open_ticket_for_fault

__all__ = ["clock", "on_fault_overdue", "open_ticket_for_fault", "register", "settings_provider"]

# Handlers get a session and a payload; settings and time come from here so tests can pin them.
settings_provider: Callable[[], Settings] = get_settings
clock: Callable[[], datetime] = utcnow


def on_fault_overdue(session: Session, payload: dict[str, Any]) -> None:
    open_ticket_for_fault(session, payload, settings=settings_provider(), now=clock())


def register(bus: EventBus) -> None:
    bus.subscribe_name("FaultOverdue", on_fault_overdue)
