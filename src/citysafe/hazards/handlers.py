"""Reactions to other domains' events: a fire-facility fault left open too long becomes a hazard ticket.

Firewatch sits on the same layer, so its event is taken by name (``FaultOverdue``) as a payload dict:
``alarm_id, unit_organization_id, region_code, description, device_address, component, opened_at``.
One ticket per alarm: the alarm id is the ticket's ``source_ref`` (unique), so a redelivered event finds
its ticket and does nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.core.clock import format_local, utcnow
from citysafe.core.config import Settings, get_settings
from citysafe.core.context import AppContext
from citysafe.core.errors import NotFound
from citysafe.core.events import EventBus
from citysafe.hazards.enums import HazardCategory, HazardSource
from citysafe.hazards.schemas import validate_region_code
from citysafe.hazards.tickets import service as tickets_service
from citysafe.hazards.tickets.models import HazardTicket
from citysafe.hazards.tickets.schemas import TicketCreate
from citysafe.orgs import service as orgs_service
from citysafe.regions import service as regions_service

log = logging.getLogger(__name__)

# Handlers get a session and a payload; settings and time come from here so tests can pin them.
settings_provider: Callable[[], Settings] = get_settings
clock: Callable[[], datetime] = utcnow


def _region(session: Session, code: Any) -> str | None:
    try:
        valid = validate_region_code(str(code)) if code else None
    except ValueError:
        return None
    return valid if valid and regions_service.names(session, codes=[valid]) else None


def _organization(session: Session, org_id: Any) -> Any:
    if not str(org_id or "").isdigit():
        return None
    try:
        return orgs_service.get(session, org_id=int(org_id))
    except NotFound:
        return None


def _opened(value: Any) -> str:
    try:
        return format_local(datetime.fromisoformat(str(value)))
    except ValueError:
        return str(value or "")


def open_ticket_for_fault(session: Session, payload: dict[str, Any], *, settings: Settings,
                          now: datetime) -> HazardTicket | None:
    alarm_id = payload.get("alarm_id")
    if alarm_id is None:
        log.warning("FaultOverdue without alarm_id ignored: %s", payload)
        return None
    ref = f"firewatch-alarm:{alarm_id}"
    existing = session.scalars(select(HazardTicket).where(HazardTicket.source_ref == ref)).first()
    if existing is not None:
        return existing
    org = _organization(session, payload.get("unit_organization_id"))
    component = str(payload.get("component") or "消防设施部件")
    device = str(payload.get("device_address") or "")
    detail = str(payload.get("description") or "")
    description = (f"消防设施故障超时未修复：{component}"
                   f"{'（设备 ' + device + '）' if device else ''}，故障发生于 {_opened(payload.get('opened_at'))}。"
                   f"{detail}")[:4000]
    ticket_in = TicketCreate(
        category=HazardCategory.FIRE_SAFETY, source=HazardSource.DEVICE_FAULT, description=description,
        title=f"消防设施故障未修复：{component}"[:200], region_code=_region(session, payload.get("region_code")),
        organization_id=org.id if org else None)
    return tickets_service.report(session, ticket_in=ticket_in, principal=None, settings=settings, now=now,
                                  source_ref=ref)


def on_fault_overdue(session: Session, payload: dict[str, Any]) -> None:
    open_ticket_for_fault(session, payload, settings=settings_provider(), now=clock())


def register(bus: EventBus, ctx: AppContext) -> None:
    del ctx  # these reactions need nothing of the running application
    bus.subscribe_name("FaultOverdue", on_fault_overdue)
