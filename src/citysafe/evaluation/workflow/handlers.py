"""Reactions to the emergency domain: an accident graded 重大 or 特别重大 (国务院令第493号) in a named
applicant's area proposes revoking its naming (plan 五（八）); the province decides (revocations.decide).

Evaluation sits above emergency and subscribes to its event classes (typed): ``IncidentGraded`` when a grade
changes, ``IncidentOpened`` for an accident opened at that grade. Drills and non-accident categories are skipped.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from citysafe.core.events import DomainEvent, EventBus
from citysafe.emergency.events import IncidentGraded, IncidentOpened
from citysafe.evaluation.workflow import revocations, rules


def on_incident_graded(session: Session, event: DomainEvent) -> None:
    assert isinstance(event, IncidentGraded | IncidentOpened)
    if event.is_drill or event.category != "accident" or event.grade not in rules.MAJOR_GRADES:
        return
    revocations.propose_for_accident(session, incident_id=event.incident_id, region_code=event.region_code,
                                     grade=event.grade)


def register(bus: EventBus) -> None:
    bus.subscribe(IncidentGraded, on_incident_graded)
    bus.subscribe(IncidentOpened, on_incident_graded)
