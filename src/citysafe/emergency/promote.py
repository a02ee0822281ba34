"""An escalated hazard promoted to an incident (issue #12 point 1: "a citizen report or an escalated hazard
can be promoted to one"): the duty officer chooses the category and sub-type; place, location, division,
unit and description come from the hazard ticket (``hazards.service.escalated_ticket``), and the ticket's own
timeline gets a note through ``hazards.service.note_promoted`` (emergency sits above hazards, DESIGN.md §3).

The incident has no column for the ticket: the link is its ``source`` ("hazard") and ``source_ref``
("hazard-ticket:<id>", unique, so a ticket is promoted once) and the ticket's id and number in the payload of
the timeline's opening entry. There is no citizen-report concept in the platform yet, so only hazards are
promoted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
from citysafe.core.config import Settings
from citysafe.core.errors import Conflict, field_error
from citysafe.core.geo import Location
from citysafe.emergency import service
from citysafe.emergency.models import Incident
from citysafe.emergency.schemas import IncidentCreate, PromoteIn
from citysafe.hazards import service as hazards

SOURCE = "hazard"


def source_ref(ticket_id: int) -> str:
    return f"hazard-ticket:{ticket_id}"


def promoted_from(session: Session, *, ticket_id: int) -> Incident | None:
    """The incident a ticket was promoted to, if it was."""
    return session.scalars(select(Incident).where(Incident.source_ref == source_ref(ticket_id))).first()


def open_from_hazard(session: Session, *, ticket_id: int, promote_in: PromoteIn, principal: Principal,
                     settings: Settings, now: datetime) -> Incident:
    ticket = hazards.escalated_ticket(session, ticket_id=ticket_id)
    earlier = promoted_from(session, ticket_id=ticket.id)
    if earlier is not None:
        raise Conflict(detail=f"the ticket was promoted to incident {earlier.number} already",
                       detail_zh=f"该隐患已升级为突发事件 {earlier.number}",
                       fields=[field_error("ticket_id", "promoted already", "该隐患已升级为突发事件").fields[0]])
    note = promote_in.note.strip()
    description = f"由隐患 {ticket.number}（{ticket.title}）升级：{ticket.description}" + (f"；{note}" if note else "")
    incident_in = IncidentCreate(
        category=promote_in.category, subtype=promote_in.subtype, title=promote_in.title.strip() or ticket.title,
        description=description[:4000], place=ticket.place[:300], region_code=ticket.region_code,
        location=Location(lon=ticket.lon, lat=ticket.lat) if ticket.lon is not None and ticket.lat is not None
        else None)
    link = {"organization_id": ticket.organization_id, "unit_name": ticket.organization_name}
    incident = service.open_incident(
        session, incident_in=incident_in, principal=principal, settings=settings, now=now, source=SOURCE,
        source_ref=source_ref(ticket.id), link=link,
        opening={"hazard_ticket_id": ticket.id, "hazard_ticket_number": ticket.number,
                 "hazard_escalation_step": ticket.escalation_step})
    hazards.note_promoted(session, ticket_id=ticket.id, incident_id=incident.id, incident_number=incident.number,
                          principal=principal, now=now)
    return incident
