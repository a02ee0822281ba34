"""What other domains may ask of hazards (DESIGN.md §3: they import only ``hazards.service``, ``.schemas``,
``.events``, ``.enums``). The risk map's dynamic levels follow the events; this answers "what is open
now" when a consumer starts or rebuilds, within the caller's scope."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
from citysafe.core.clock import format_local
from citysafe.core.config import Settings
from citysafe.core.errors import Conflict, NotFound, field_error
from citysafe.core.geo import BoundingBox, Location, MapPoint
from citysafe.core.scope import in_region
from citysafe.hazards import overdue
from citysafe.hazards.calc.lifecycle import DEADLINE_STATES, OPEN_STATES, State, is_overdue
from citysafe.hazards.enforcement.models import EnforcementRecord, JointPunishment
from citysafe.hazards.enums import LEVEL_NAMES_ZH, HazardCategory, HazardLevel, HazardSource
from citysafe.hazards.permits.models import WorkPermit
from citysafe.hazards.schemas import OpenHazard, validate_region_code
from citysafe.hazards.tickets import cache as tickets_cache
from citysafe.hazards.tickets import service as tickets_service
from citysafe.hazards.tickets import stats as tickets_stats
from citysafe.hazards.tickets.models import HazardTicket
from citysafe.hazards.tickets.schemas import TicketCreate
from citysafe.orgs import service as orgs_service
from citysafe.regions import service as regions_service

__all__ = ["DueTicket", "EscalatedTicket", "OpenHazard", "TicketDigest", "TicketRef", "changes_version",
           "escalated_ticket", "hazard_stats", "note_promoted", "open_hazards", "open_ticket_for_fault",
           "open_tickets_in_box",
           "report_ticket", "sweep_overdue", "ticket_digest"]

log = logging.getLogger(__name__)

# One escalation sweep over the overdue tickets (the timer's job; the demo city runs one after seeding).
sweep_overdue = overdue.sweep
# Counts by level, state, category and child region (cached per application; the workbench's area table).
hazard_stats = tickets_stats.hazard_stats
# What changed last among the tickets, as a key of answers kept while nothing did (one index-only statement,
# read once per request): every ticket change writes a timeline step (tickets/cache.py ``generation``).
changes_version = tickets_cache.generation


@dataclass(frozen=True)
class DueTicket:
    id: int
    number: str
    title: str
    level: str
    state: str
    region_code: str
    organization_name: str
    deadline: datetime
    overdue: bool


@dataclass(frozen=True)
class TicketDigest:
    """What a workbench shows of the tickets in scope: how many run, how many are late or due soon, and the
    most pressing of them (the overdue first, longest overdue first; then those due soonest)."""

    running: int
    overdue: int
    due_soon: int
    major_running: int
    pressing: list[DueTicket]


def ticket_digest(session: Session, *, now: datetime, soon: timedelta = timedelta(days=3), limit: int = 6,
                  reporter_id: int | None = None) -> TicketDigest:
    """Two queries over the running tickets (the ``state, region_code, deadline`` index): the counts in one
    pass, then the ``limit`` tickets nearest their deadline. ``reporter_id`` keeps a reporter's own."""
    t = HazardTicket
    running = [s.value for s in DEADLINE_STATES]
    late = t.deadline < now
    counts = select(func.count(), func.sum(case((late, 1), else_=0)),
                    func.sum(case((t.deadline.between(now, now + soon), 1), else_=0)),
                    func.sum(case((t.level == HazardLevel.MAJOR.value, 1), else_=0))).where(t.state.in_(running))
    top = (select(t.id, t.title, t.level, t.state, t.region_code, t.organization_name, t.deadline)
           .where(t.state.in_(running), t.deadline < now + soon).order_by(t.deadline, t.id).limit(limit))
    if reporter_id is not None:
        counts, top = counts.where(t.reporter_id == reporter_id), top.where(t.reporter_id == reporter_id)
    total, overdue_n, soon_n, major_n = session.execute(counts).one()
    pressing = [DueTicket(id=r.id, number=f"YH{r.id:08d}", title=r.title, level=r.level, state=r.state,
                          region_code=r.region_code, organization_name=r.organization_name, deadline=r.deadline,
                          overdue=is_overdue(r.state, r.deadline, now)) for r in session.execute(top)]
    return TicketDigest(running=int(total or 0), overdue=int(overdue_n or 0), due_soon=int(soon_n or 0),
                        major_running=int(major_n or 0), pressing=pressing)


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


def open_tickets_in_box(session: Session, *, box: BoundingBox) -> list[MapPoint]:
    """Open tickets placed in ``box``, in the session's scope (for other domains' maps)."""
    t = HazardTicket
    rows = session.execute(select(t.id, t.title, t.level, t.lon, t.lat)
                           .where(t.state.in_([s.value for s in OPEN_STATES]), t.lon.between(box.west, box.east),
                                  t.lat.between(box.south, box.north)))
    return [MapPoint(id=row.id, name=row.title, lon=row.lon, lat=row.lat, level=row.level,
                     level_name=LEVEL_NAMES_ZH.get(row.level, row.level)) for row in rows]


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


@dataclass(frozen=True)
class TicketRef:
    id: int
    number: str


def report_ticket(session: Session, *, title: str, description: str, category: HazardCategory, region_code: str,
                  organization_id: int | None, principal: Principal, settings: Settings, now: datetime,
                  source_ref: str, source: HazardSource | None = None, location: Location | None = None,
                  address: str = "") -> TicketRef:
    """A hazard ticket raised by another domain's record (a drill's finding, a citizen's report: ``source``,
    where it is): one per ``source_ref``, so asking again answers the ticket already raised."""
    existing = session.scalars(select(HazardTicket).where(HazardTicket.source_ref == source_ref)).first()
    if existing is None:
        ticket_in = TicketCreate(category=category, title=title[:200], description=description[:4000],
                                 region_code=region_code, organization_id=organization_id, source=source,
                                 location=location, address=address[:300])
        existing = tickets_service.report(session, ticket_in=ticket_in, principal=principal, settings=settings,
                                          now=now, source_ref=source_ref)
    return TicketRef(existing.id, existing.number)


# ---- an escalated ticket promoted to an emergency incident (emergency asks; hazards keeps its own history) ----

PROMOTED = "promoted"  # the step's action on the ticket's timeline


@dataclass(frozen=True)
class EscalatedTicket:
    """What an incident opened from a ticket takes from it: what, where, whose, and how far it was escalated."""

    id: int
    number: str
    title: str
    description: str
    place: str
    lon: float | None
    lat: float | None
    region_code: str
    organization_id: int | None
    organization_name: str
    escalation_step: int
    escalation_region_code: str | None


def escalated_ticket(session: Session, *, ticket_id: int) -> EscalatedTicket:
    """The ticket ``ticket_id`` in the caller's scope (NotFound otherwise), refused (409, field ``ticket_id``)
    unless the overdue sweep escalated it (``escalation_step`` ≥ 1): only an escalated hazard is promoted."""
    ticket = tickets_service.get(session, ticket_id=ticket_id)
    if ticket.escalation_step < 1:
        raise Conflict(detail="only an escalated hazard ticket can be promoted to an incident",
                       detail_zh="只有已逾期督办（升级）的隐患才能升级为突发事件",
                       fields=[field_error("ticket_id", "not escalated", "该隐患尚未督办升级").fields[0]])
    place = "，".join(p for p in (ticket.organization_name, ticket.place_name, ticket.address) if p)
    return EscalatedTicket(
        id=ticket.id, number=ticket.number, title=ticket.title, description=ticket.description or ticket.title,
        place=place or ticket.title, lon=ticket.lon, lat=ticket.lat, region_code=ticket.region_code,
        organization_id=ticket.organization_id, organization_name=ticket.organization_name,
        escalation_step=ticket.escalation_step, escalation_region_code=ticket.escalation_region_code)


def note_promoted(session: Session, *, ticket_id: int, incident_id: int, incident_number: str,
                  principal: Principal | None, now: datetime) -> None:
    """A note on the ticket's own timeline that it was promoted to incident ``incident_number``; the ticket's
    state and deadline do not change (the rectification still has to be done)."""
    ticket = tickets_service.get(session, ticket_id=ticket_id)
    tickets_service.add_note(session, ticket=ticket, action=PROMOTED, principal=principal, now=now,
                             note=f"已升级为突发事件 {incident_number}",
                             data={"incident_id": incident_id, "incident_number": incident_number})


# --- figures for the evaluation domain's evidence (issue #14 point 4), read-only -----------------------------

def _listed(session: Session, model: Any, label: Any, conditions: list[Any], limit: int) -> dict[str, Any]:
    """How many rows match, and the first ``limit`` of them (id, label), newest first."""
    count = int(session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0)
    rows = session.execute(select(model.id, label).where(*conditions).order_by(model.id.desc()).limit(limit)).all()
    return {"count": count, "records": [(int(row[0]), str(row[1])) for row in rows]}


def evaluation_figures(session: Session, *, region_code: str, start: datetime, end: datetime,
                       limit: int = 10) -> dict[str, dict[str, Any]]:
    """Counts of a region's hazard work in [start, end), each with its first records: tickets found, closed
    (销号) and closed by their deadline; dangerous-work permits; enforcement records and penalties; joint
    punishments decided. Each value is {"count": n, "records": [(id, label), …]}."""
    found = [in_region(HazardTicket.region_code, region_code), HazardTicket.created_at >= start,
             HazardTicket.created_at < end, HazardTicket.state != State.DISMISSED.value]
    closed = [*found, HazardTicket.state == State.CLOSED.value]
    return {
        "tickets_found": _listed(session, HazardTicket, HazardTicket.title, found, limit),
        "tickets_closed": _listed(session, HazardTicket, HazardTicket.title, closed, limit),
        "tickets_on_time": _listed(session, HazardTicket, HazardTicket.title,
                                   [*closed, HazardTicket.closed_at <= HazardTicket.deadline], limit),
        "permits": _listed(session, WorkPermit, WorkPermit.organization_name,
                           [in_region(WorkPermit.region_code, region_code), WorkPermit.created_at >= start,
                            WorkPermit.created_at < end], limit),
        "enforcement": _listed(session, EnforcementRecord, EnforcementRecord.target_name,
                               [in_region(EnforcementRecord.region_code, region_code),
                                EnforcementRecord.inspected_at >= start, EnforcementRecord.inspected_at < end], limit),
        "punishments": _listed(session, JointPunishment, JointPunishment.organization_name,
                               [in_region(JointPunishment.region_code, region_code),
                                JointPunishment.starts_at >= start, JointPunishment.starts_at < end], limit),
    }
