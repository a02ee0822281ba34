"""Reporting hazards and moving them through the closed loop; the rules themselves are in calc.lifecycle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from citysafe.auth.enums import Permission, Role
from citysafe.auth.schemas import Principal
from citysafe.core.clock import as_utc
from citysafe.core.config import Settings
from citysafe.core.db import get_or_404
from citysafe.core.errors import CitysafeError, Conflict, Forbidden, field_error
from citysafe.core.events import publish
from citysafe.core.geo import location_wgs84
from citysafe.hazards import rules
from citysafe.hazards.calc.escalation import next_escalation_at
from citysafe.hazards.calc.judging import UnknownCriterion, judge_level
from citysafe.hazards.calc.lifecycle import (
    DEADLINE_STATES,
    Action,
    Capacity,
    Facts,
    Refusal,
    State,
    TransitionRefused,
    decide,
)
from citysafe.hazards.enums import CATEGORY_NAMES_ZH, HazardSource, zh
from citysafe.hazards.events import HazardClosed, HazardLevelChanged, HazardReported
from citysafe.hazards.grids import service as grids_service
from citysafe.hazards.tickets import files, tally
from citysafe.hazards.tickets.models import HazardStep, HazardTicket
from citysafe.hazards.tickets.schemas import RectificationPlan, TicketCreate, TransitionIn
from citysafe.orgs import service as orgs_service

# Which sources each role may claim: an enterprise reports its own self-checks, a grid officer what it
# found or what residents told it, the monitoring centre device faults; offices and departments anything.
_SOURCES_BY_ROLE: dict[Role, frozenset[HazardSource]] = {
    Role.ENTERPRISE: frozenset({HazardSource.SELF_CHECK}),
    Role.GRID_OFFICER: frozenset({HazardSource.GRID_OFFICER, HazardSource.CITIZEN}),
    Role.OPERATOR: frozenset({HazardSource.DEVICE_FAULT, HazardSource.CITIZEN}),
}
_DEFAULT_SOURCE: dict[Role, HazardSource] = {
    Role.ENTERPRISE: HazardSource.SELF_CHECK, Role.GRID_OFFICER: HazardSource.GRID_OFFICER,
    Role.OPERATOR: HazardSource.DEVICE_FAULT,
}
SYSTEM_NAME = "系统"


# Keep an uploaded photo or document (evidence), to be claimed by a ticket or a step.
store_attachment = files.store


def capacities_for(principal: Principal | None, ticket: HazardTicket) -> frozenset[Capacity]:
    if principal is None:
        return frozenset({Capacity.SYSTEM})
    out: set[Capacity] = set()
    if principal.can(Permission.WRITE_HAZARDS):
        out.add(Capacity.SUPERVISOR)
    if principal.can(Permission.VERIFY_HAZARDS):
        out.add(Capacity.INSPECTOR)
    # The responsible unit's own staff, or an office recording for a unit that has no account (a small shop).
    if principal.can(Permission.RECTIFY_HAZARDS) and (
            principal.role != Role.ENTERPRISE or principal.organization_id == ticket.organization_id):
        out.add(Capacity.RECTIFIER)
    return frozenset(out)


def _source(requested: HazardSource | None, principal: Principal | None) -> HazardSource:
    if principal is None:
        return requested or HazardSource.DEVICE_FAULT
    source = requested or _DEFAULT_SOURCE.get(principal.role, HazardSource.INSPECTION)
    allowed = _SOURCES_BY_ROLE.get(principal.role)
    if allowed is not None and source not in allowed:
        raise field_error("source", f"a {principal.role} may not report as {source}", "当前角色不能以此来源上报隐患")
    return source


def _level(settings: Settings, criteria: list[str], declared: str | None) -> str:
    try:
        return judge_level(rules.standards(settings), criteria, declared)
    except UnknownCriterion as exc:
        raise field_error("criteria", f"unknown judging criterion {exc.code}",
                          f"未知的判定标准条款 {exc.code}") from exc


def _may_set_deadline(principal: Principal | None) -> bool:
    return principal is None or principal.can(Permission.WRITE_HAZARDS)


def _check_deadline(deadline: datetime, now: datetime) -> datetime:
    if deadline.tzinfo is None:
        raise field_error("deadline", "give the time zone (e.g. +08:00)", "须带时区（如 +08:00）")
    if deadline <= now:
        raise field_error("deadline", "the deadline must lie in the future", "整改期限须晚于当前时间")
    return as_utc(deadline)


def event_fields(ticket: HazardTicket) -> dict[str, Any]:
    return {"ticket_id": ticket.id, "region_code": ticket.region_code, "organization_id": ticket.organization_id,
            "level": ticket.level, "category": ticket.category, "source": ticket.source, "lon": ticket.lon,
            "lat": ticket.lat}


def _schedule(ticket: HazardTicket, settings: Settings) -> None:
    """When the overdue sweep next needs to look at this ticket (None: not while its deadline is not running)."""
    if ticket.state in DEADLINE_STATES:
        ticket.next_escalation_at = next_escalation_at(ticket.region_code, ticket.deadline, ticket.escalation_step,
                                                       rules.escalation_policy(settings))
    else:
        ticket.next_escalation_at = None


def _step(session: Session, ticket: HazardTicket, *, action: str, from_state: str | None, principal: Principal | None,
          note: str, data: dict[str, Any], now: datetime, attachment_ids: list[int]) -> HazardStep:
    step = HazardStep(
        ticket_id=ticket.id, region_code=ticket.region_code, action=action, from_state=from_state,
        to_state=ticket.state, actor_id=principal.user_id if principal else None,
        actor_name=principal.display_name if principal else SYSTEM_NAME,
        actor_role=principal.role.value if principal else "system", note=note, data=data, at=now)
    session.add(step)
    session.flush()
    files.claim(session, ids=attachment_ids, user_id=principal.user_id if principal else None, ticket=ticket,
                step_id=step.id)
    return step


def add_note(session: Session, *, ticket: HazardTicket, action: str, note: str, data: dict[str, Any],
             principal: Principal | None, now: datetime) -> HazardStep:
    """A step on the ticket's timeline that does not move it (another domain's record about it)."""
    ticket.updated_at = now
    return _step(session, ticket, action=action, from_state=ticket.state, principal=principal, note=note, data=data,
                 now=now, attachment_ids=[])


@dataclass(frozen=True)
class _Where:
    org: Any
    place: Any
    lon: float | None
    lat: float | None
    region: str


def _where(session: Session, ticket_in: TicketCreate, principal: Principal | None, settings: Settings) -> _Where:
    """The unit, place, point and region of a report: given, else taken from the place, the unit, the reporter."""
    org_id = ticket_in.organization_id
    if principal is not None and principal.role == Role.ENTERPRISE:
        if org_id not in (None, principal.organization_id):
            raise field_error("organization_id", "an enterprise reports hazards of its own unit",
                              "企业只能上报本单位隐患")
        org_id = principal.organization_id
    place = grids_service.get_place(session, place_id=ticket_in.place_id) if ticket_in.place_id else None
    if org_id is None and place is not None:
        org_id = place.organization_id
    org = orgs_service.get(session, org_id=org_id) if org_id is not None else None
    lon, lat = location_wgs84(ticket_in.location)
    for known in (place, org):
        if lon is None and known is not None:
            lon, lat = known.lon, known.lat
    fallback = (place.region_code if place else org.region_code if org
                else principal.region_code if principal else settings.root_region)
    region = grids_service.resolve_region(session, region_code=ticket_in.region_code, lon=lon, lat=lat,
                                          fallback=fallback)
    return _Where(org, place, lon, lat, region)


def report(
    session: Session, *, ticket_in: TicketCreate, principal: Principal | None, settings: Settings, now: datetime,
    source_ref: str | None = None,
) -> HazardTicket:
    """A new ticket in state ``reported``; a self-check (or a system report naming its unit) is assigned at once."""
    source = _source(ticket_in.source, principal)
    where = _where(session, ticket_in, principal, settings)
    org, place = where.org, where.place
    level = _level(settings, list(ticket_in.criteria), ticket_in.level.value if ticket_in.level else None)
    if ticket_in.deadline is not None:
        if not _may_set_deadline(principal):
            raise field_error("deadline", "only a supervising office sets a deadline", "仅监管部门可指定整改期限")
        deadline = _check_deadline(ticket_in.deadline, now)
    else:
        deadline = rules.deadline_policy(settings).deadline(level, now)
    category_name = zh(CATEGORY_NAMES_ZH, ticket_in.category.value)
    title = ticket_in.title.strip() or f"{category_name}：{ticket_in.description[:40]}"
    ticket = HazardTicket(
        source=source.value, category=ticket_in.category.value, level=level, state=State.REPORTED.value, title=title,
        description=ticket_in.description, criteria=list(ticket_in.criteria),
        place_name=ticket_in.place_name or (place.name if place else org.name if org else ""),
        address=ticket_in.address or (place.address if place else org.address if org else ""), lon=where.lon,
        lat=where.lat, region_code=where.region, organization_id=org.id if org else None,
        organization_name=org.name if org else "",
        place_id=place.id if place else None, reporter_id=principal.user_id if principal else None,
        reporter_name=principal.display_name if principal else SYSTEM_NAME, deadline=deadline,
        source_ref=source_ref, created_at=now, updated_at=now)
    session.add(ticket)
    session.flush()
    tally.move(session, before=None, after=tally.key_of(ticket))
    _schedule(ticket, settings)
    _step(session, ticket, action="report", from_state=None, principal=principal, note=ticket_in.description,
          data={"source": source.value, "level": level}, now=now, attachment_ids=list(ticket_in.attachment_ids))
    publish(session, HazardReported(**event_fields(ticket), deadline=deadline.isoformat()))
    if org is not None and (source == HazardSource.SELF_CHECK or principal is None):
        transition(session, ticket=ticket, principal=None, settings=settings, now=now, change=TransitionIn(
            action=Action.ASSIGN, organization_id=org.id, note="责任单位明确，系统自动交办"))
    return ticket


def get(session: Session, *, ticket_id: int) -> HazardTicket:
    return get_or_404(session, HazardTicket, ticket_id, what="hazard ticket", what_zh="隐患")


def _refusal(refused: TransitionRefused) -> CitysafeError:
    if refused.kind is Refusal.STATE:
        return Conflict(detail=refused.message, detail_zh=refused.message_zh)
    if refused.kind is Refusal.EVIDENCE:
        return field_error(refused.field, refused.message, refused.message_zh)
    return Forbidden(detail=refused.message, detail_zh=refused.message_zh)


def _store_plan(ticket: HazardTicket, plan: RectificationPlan) -> None:
    ticket.plan_measures, ticket.plan_funds = plan.measures, plan.funds
    ticket.plan_responsible, ticket.plan_safeguards = plan.responsible, plan.safeguards
    ticket.plan_deadline = as_utc(plan.deadline)


def transition(
    session: Session, *, ticket: HazardTicket, change: TransitionIn, principal: Principal | None,
    settings: Settings, now: datetime,
) -> HazardTicket:
    action = change.action
    facts = Facts(
        level=ticket.level, has_plan=ticket.has_plan or change.plan is not None,
        attachments=len(change.attachment_ids), note=change.note,
        responsible_set=bool(change.organization_id or (change.responsible_name or "").strip()),
        deadline_given=change.deadline is not None, actor_id=principal.user_id if principal else None,
        submitted_by=ticket.submitted_by)
    try:
        new_state = decide(State(ticket.state), action, capacities_for(principal, ticket), facts)
    except TransitionRefused as refused:
        raise _refusal(refused) from refused
    previous_level, from_state, before = ticket.level, ticket.state, tally.key_of(ticket)
    data = _apply(session, ticket, change, principal, settings, now)
    ticket.state = new_state.value
    ticket.updated_at = now
    tally.move(session, before=before, after=tally.key_of(ticket))
    if new_state is State.CLOSED and ticket.close_seconds is not None:
        tally.record_close(session, key=tally.key_of(ticket), close_seconds=ticket.close_seconds,
                           on_time=not ticket.closed_late)
    _schedule(ticket, settings)
    _step(session, ticket, action=action.value, from_state=from_state, principal=principal, note=change.note,
          data=data, now=now, attachment_ids=list(change.attachment_ids))
    if new_state in (State.CLOSED, State.DISMISSED):
        outcome = "closed" if new_state is State.CLOSED else "dismissed"
        publish(session, HazardClosed(**event_fields(ticket), outcome=outcome, closed_at=now.isoformat()))
    if ticket.level != previous_level:
        publish(session, HazardLevelChanged(**event_fields(ticket), previous_level=previous_level))
    return ticket


def _apply(session: Session, ticket: HazardTicket, change: TransitionIn, principal: Principal | None,
           settings: Settings, now: datetime) -> dict[str, Any]:
    """The effects of an allowed action on the ticket; returns what the timeline records about them."""
    action = change.action
    data: dict[str, Any] = {}
    if change.plan is not None:
        _store_plan(ticket, change.plan)
        data["plan"] = change.plan.model_dump(mode="json")
    if action in (Action.ASSIGN, Action.REASSIGN):
        if change.organization_id is not None:
            org = orgs_service.get(session, org_id=change.organization_id)
            ticket.organization_id, ticket.organization_name = org.id, org.name
            data.update(organization_id=org.id, organization_name=org.name)
        if change.responsible_name is not None:
            ticket.responsible_name = change.responsible_name.strip()
            data["responsible_name"] = ticket.responsible_name
    if action is Action.REGRADE:
        criteria = list(change.criteria) if change.criteria is not None else list(ticket.criteria)
        if change.level is None and change.criteria is None:
            raise field_error("level", "give the new level or the criteria met", "须给出新的隐患等级或符合的判定条款")
        declared = change.level.value if change.level else None
        if declared == "general" and criteria:
            raise field_error("level", "a hazard meeting a major-hazard criterion is major",
                              "符合重大隐患判定条款的隐患应为重大隐患")
        new_level = _level(settings, criteria, declared)
        data.update(previous_level=ticket.level, level=new_level, criteria=criteria)
        if new_level != ticket.level and change.deadline is None:
            ticket.deadline = rules.deadline_policy(settings).deadline(new_level, ticket.created_at)
            data["deadline"] = ticket.deadline.isoformat()
        ticket.level, ticket.criteria = new_level, criteria
    if change.deadline is not None and action in (Action.ASSIGN, Action.REASSIGN, Action.EXTEND, Action.REGRADE):
        ticket.deadline = _check_deadline(change.deadline, now)
        data["deadline"] = ticket.deadline.isoformat()
    if action is Action.SUBMIT:
        ticket.submitted_by = principal.user_id if principal else None
        ticket.submitted_at = now
    if action in (Action.CLOSE, Action.DISMISS):
        ticket.closed_at = now
    if action is Action.CLOSE:
        ticket.close_seconds = int((now - ticket.created_at).total_seconds())
        ticket.closed_late = (ticket.submitted_at or now) > ticket.deadline
    return data
