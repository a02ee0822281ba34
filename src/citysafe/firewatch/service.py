"""What other domains may ask firewatch (DESIGN.md §3: only service, schemas, events, enums are public).

Risk raises a source's dynamic level from live alarms; emergency and reporting read alarms and units.
Everything here honours the session's region/organisation scope like any other query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citysafe.core.pagination import PageParams
from citysafe.core.scope import region_clause
from citysafe.core.validators import region_prefix
from citysafe.firewatch.alarms import workflow
from citysafe.firewatch.alarms.models import Alarm
from citysafe.firewatch.alarms.schemas import AlarmFilter, AlarmRead
from citysafe.firewatch.registry import service as registry_service

__all__ = ["OpenAlarm", "alarm_counts_by_organization", "list_alarms", "open_alarms", "registry_service"]


@dataclass(frozen=True)
class OpenAlarm:
    alarm_id: int
    kind: str
    state: str
    region_code: str
    organization_id: int | None
    unit_id: int | None
    lon: float | None
    lat: float | None
    first_received_at: datetime
    corroborated: bool


def open_alarms(session: Session, *, region: str | None = None, kinds: set[str] | None = None,
                limit: int = 5000) -> list[OpenAlarm]:
    """Open alarms (newest first), optionally within a region and of some kinds."""
    stmt = select(Alarm).where(Alarm.is_open.is_(True)).order_by(Alarm.first_received_at.desc()).limit(limit)
    if region:
        stmt = stmt.where(region_clause(Alarm.region_code, region_prefix(region)))
    if kinds:
        stmt = stmt.where(Alarm.kind.in_(sorted(kinds)))
    return [OpenAlarm(a.id, a.kind, a.state, a.region_code, a.organization_id, a.unit_id, a.lon, a.lat,
                      a.first_received_at, a.corroborated) for a in session.execute(stmt).scalars()]


def alarm_counts_by_organization(session: Session, *, since: datetime, kinds: set[str] | None = None,
                                 open_only: bool = False) -> dict[int, int]:
    """Alarms per owning organisation since ``since`` (unregistered devices have none and are left out)."""
    stmt = (select(Alarm.organization_id, func.count(Alarm.id)).where(Alarm.organization_id.is_not(None),
                                                                      Alarm.first_received_at >= since)
            .group_by(Alarm.organization_id))
    if kinds:
        stmt = stmt.where(Alarm.kind.in_(sorted(kinds)))
    if open_only:
        stmt = stmt.where(Alarm.is_open.is_(True))
    return {int(org): int(n) for org, n in session.execute(stmt).all()}


def list_alarms(session: Session, *, filters: AlarmFilter, params: PageParams) -> tuple[list[AlarmRead], int]:
    items, total = workflow.list_alarms(session, filters=filters, params=params)
    return workflow.alarm_reads(session, items), total
