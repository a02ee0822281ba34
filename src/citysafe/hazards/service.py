"""What other domains may ask of hazards (DESIGN.md §3: they import only ``hazards.service``, ``.schemas``,
``.events``, ``.enums``). The risk map's dynamic levels follow the events; this answers "what is open
now" when a consumer starts or rebuilds, within the caller's scope."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.core.clock import format_local
from citysafe.core.config import Settings
from citysafe.core.errors import NotFound
from citysafe.core.scope import in_region
from citysafe.hazards import overdue
from citysafe.hazards.calc.lifecycle import OPEN_STATES, is_overdue
from citysafe.hazards.enums import HazardCategory, HazardSource
from citysafe.hazards.schemas import OpenHazard, validate_region_code
from citysafe.hazards.tickets import service as tickets_service
from citysafe.hazards.tickets.models import HazardTicket
from citysafe.hazards.tickets.schemas import TicketCreate
from citysafe.orgs import service as orgs_service
from citysafe.regions import service as regions_service

__all__ = ["OpenHazard", "open_hazards", "open_ticket_for_fault", "sweep_overdue"]

log = logging.getLogger(__name__)

# One escalation sweep over the overdue tickets (the timer's job; the demo city runs one after seeding).
sweep_overdue = overdue.sweep


def open_hazards(
    session: Session, *, now: datetime, within: str | None = None, organization_ids: Iterable[int] | None = None,
    limit: int = 100_000,
) -> list[OpenHazard]:
    """Open (not closed, not dismissed) tickets, oldest first, in the session's scope and ``within``."""
    t = HazardTicket
    stmt = (select(t.id, t.region_code, t.organization_id, t.level, t.category, t.source, t.lon, t.lat, t.deadline,
                   t.state)
            .where(t.state.in_([s.value for s in OPEN_STATES])).order_by(t.created_at, t.id).limit(limit))
    if within:
        stmt = stmt.where(in_region(t.region_code, within))
    if organization_ids is not None:
        stmt = stmt.where(t.organization_id.in_(list(organization_ids)))
    return [OpenHazard(ticket_id=row.id, region_code=row.region_code, organization_id=row.organization_id,
                       level=row.level, category=row.category, source=row.source, lon=row.lon, lat=row.lat,
                       deadline=row.deadline, overdue=is_overdue(row.state, row.deadline, now))
            for row in session.execute(stmt)]


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


def open_ticket_for_fault(session: Session, payload: Mapping[str, Any], *, settings: Settings,
                          now: datetime) -> HazardTicket | None:
    """A fire-facility fault left open too long (firewatch's ``FaultOverdue`` payload) as a hazard ticket.

    One ticket per alarm: the alarm id is the ticket's ``source_ref`` (unique), so a redelivered event
    finds its ticket and does nothing. Unknown regions or organisations are left out, not refused.
    """
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
