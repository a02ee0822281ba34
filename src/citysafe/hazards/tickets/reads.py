"""Tickets as the API and the console show them: names in Chinese, organisation with its punishment flag,
region names, the timeline with its evidence, and the actions the viewer may take now."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
from citysafe.core.config import Settings
from citysafe.hazards import rules
from citysafe.hazards.calc.lifecycle import (
    ACTION_NAMES_ZH,
    STATE_NAMES_ZH,
    State,
    available_actions,
)
from citysafe.hazards.calc.lifecycle import is_overdue as lifecycle_overdue
from citysafe.hazards.enforcement.service import org_brief, punishments_by_org
from citysafe.hazards.enums import CATEGORY_NAMES_ZH, LEVEL_NAMES_ZH, SOURCE_NAMES_ZH, zh
from citysafe.hazards.grids import service as grids_service
from citysafe.hazards.schemas import PunishmentBrief
from citysafe.hazards.tickets.models import HazardAttachment, HazardStep, HazardTicket
from citysafe.hazards.tickets.schemas import (
    ActionOption,
    AttachmentRead,
    CriterionRead,
    RectificationPlan,
    StepRead,
    TicketDetail,
    TicketRead,
)
from citysafe.hazards.tickets.service import capacities_for

ACTION_NAMES_ZH_ALL = {**ACTION_NAMES_ZH, "report": "上报", "promoted": "升级为突发事件"}


def is_overdue(ticket: HazardTicket, now: datetime) -> bool:
    return lifecycle_overdue(ticket.state, ticket.deadline, now)


def region_names(session: Session, codes: Sequence[str]) -> dict[str, str]:
    return grids_service.region_names(session, codes)


def _read(ticket: HazardTicket, now: datetime, names: dict[str, str],
          punished: dict[int, list[PunishmentBrief]]) -> dict[str, Any]:
    return {
        "id": ticket.id, "number": ticket.number, "source": ticket.source,
        "source_name": zh(SOURCE_NAMES_ZH, ticket.source), "category": ticket.category,
        "category_name": zh(CATEGORY_NAMES_ZH, ticket.category), "level": ticket.level,
        "level_name": zh(LEVEL_NAMES_ZH, ticket.level), "state": ticket.state,
        "state_name": zh(STATE_NAMES_ZH, ticket.state), "title": ticket.title, "place_name": ticket.place_name,
        "address": ticket.address, "lon": ticket.lon, "lat": ticket.lat, "region_code": ticket.region_code,
        "region_name": names.get(ticket.region_code, ""),
        "organization": org_brief(ticket.organization_id, ticket.organization_name, punished),
        "responsible_name": ticket.responsible_name, "reporter_name": ticket.reporter_name,
        "deadline": ticket.deadline, "overdue": is_overdue(ticket, now), "created_at": ticket.created_at,
        "closed_at": ticket.closed_at, "escalation_step": ticket.escalation_step,
        "escalation_region_code": ticket.escalation_region_code,
    }


def ticket_reads(session: Session, tickets: Sequence[HazardTicket], now: datetime,
                 cache_seconds: float = 0) -> list[TicketRead]:
    names = region_names(session, [t.region_code for t in tickets])
    punished = punishments_by_org(session, org_ids=[t.organization_id for t in tickets], now=now,
                                  cache_seconds=cache_seconds)
    return [TicketRead(**_read(t, now, names, punished)) for t in tickets]


def attachment_read(attachment: HazardAttachment) -> AttachmentRead:
    read = AttachmentRead.model_validate(attachment)
    read.url = f"/api/v1/hazards/attachments/{attachment.id}"
    return read


def _plan(ticket: HazardTicket) -> RectificationPlan | None:
    if not ticket.has_plan:
        return None
    assert ticket.plan_funds is not None
    assert ticket.plan_deadline is not None
    return RectificationPlan(measures=ticket.plan_measures or "", funds=ticket.plan_funds,
                             responsible=ticket.plan_responsible or "", deadline=ticket.plan_deadline,
                             safeguards=ticket.plan_safeguards or "")


def ticket_detail(
    session: Session, *, ticket: HazardTicket, principal: Principal | None, settings: Settings, now: datetime,
) -> TicketDetail:
    names = region_names(session, [ticket.region_code])
    punished = punishments_by_org(session, org_ids=[ticket.organization_id] if ticket.organization_id else [], now=now)
    steps = list(session.scalars(select(HazardStep).where(HazardStep.ticket_id == ticket.id)
                                 .order_by(HazardStep.at, HazardStep.id)))
    attachments = list(session.scalars(select(HazardAttachment).where(HazardAttachment.ticket_id == ticket.id)
                                       .order_by(HazardAttachment.id)))
    by_step: dict[int | None, list[AttachmentRead]] = defaultdict(list)
    for attachment in attachments:
        by_step[attachment.step_id].append(attachment_read(attachment))
    standards = rules.standards(settings)
    criteria = [CriterionRead(code=c, text=standards.by_code[c].text if c in standards.by_code else "",
                              standard=standards.by_code[c].standard if c in standards.by_code else "")
                for c in ticket.criteria]
    capacities = capacities_for(principal, ticket)
    return TicketDetail(
        **_read(ticket, now, names, punished), description=ticket.description, criteria=criteria, plan=_plan(ticket),
        place_id=ticket.place_id, task_id=ticket.task_id, submitted_at=ticket.submitted_at,
        steps=[StepRead(id=s.id, action=s.action, action_name=ACTION_NAMES_ZH_ALL.get(s.action, s.action),
                        from_state=s.from_state, to_state=s.to_state, actor_name=s.actor_name,
                        actor_role=s.actor_role, note=s.note, data=s.data, at=s.at, attachments=by_step.get(s.id, []))
               for s in steps],
        attachments=[attachment_read(a) for a in attachments],
        allowed_actions=[ActionOption(action=a.value, name=ACTION_NAMES_ZH[a])
                         for a in available_actions(State(ticket.state), capacities, ticket.level)])
