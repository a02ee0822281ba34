"""What other domains may ask of hazards (DESIGN.md §3: they import only ``hazards.service``, ``.schemas``,
``.events``, ``.enums``). The risk map's dynamic levels follow the events; this answers "what is open
now" when a consumer starts or rebuilds, within the caller's scope."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.core.scope import in_region
from citysafe.hazards.calc.lifecycle import OPEN_STATES, is_overdue
from citysafe.hazards.schemas import OpenHazard
from citysafe.hazards.tickets.models import HazardTicket

__all__ = ["OpenHazard", "open_hazards"]


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
