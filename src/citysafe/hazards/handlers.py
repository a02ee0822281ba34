"""Reactions to other domains' events: a fire-facility fault left open too long becomes a hazard ticket.

Firewatch sits on the same layer, so its event is taken by name (``FaultOverdue``) as a payload dict:
``alarm_id, unit_organization_id, region_code, description, device_address, component, opened_at``;
tests/contracts feeds the real event's payload to this handler, so a renamed field fails there. The
ticket itself (one per alarm) is ``hazards.service.open_ticket_for_fault``, which the demo city calls too.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from citysafe.core.context import context_of
from citysafe.core.events import EventBus
from citysafe.hazards.service import open_ticket_for_fault

__all__ = ["on_fault_overdue", "register"]


def on_fault_overdue(session: Session, payload: dict[str, Any]) -> None:
    ctx = context_of(session)  # settings and time of the session's application (tests pin its clock)
    open_ticket_for_fault(session, payload, settings=ctx.settings, now=ctx.clock.now())


def register(bus: EventBus) -> None:
    bus.subscribe_name("FaultOverdue", on_fault_overdue)
