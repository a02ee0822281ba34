"""Events the emergency domain publishes (outbox, delivered after commit).

Every payload carries ``incident_id, region_code, category, subtype, grade, state, alarm_id, is_drill`` so a consumer
(evaluation's accident ledger, dashboards, the incident room's live view) needs no query back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from citysafe.core.events import DomainEvent


@dataclass(frozen=True)
class _IncidentEvent(DomainEvent):
    incident_id: int
    region_code: str
    category: str
    subtype: str
    grade: str | None
    state: str
    alarm_id: int | None
    is_drill: bool = False  # a drill run in drill mode (emergency/drill_mode.py): consumers skip it


@dataclass(frozen=True)
class IncidentOpened(_IncidentEvent):
    name: ClassVar[str] = "IncidentOpened"
    source: str = "duty_desk"
    opened_at: str = ""


@dataclass(frozen=True)
class IncidentStateChanged(_IncidentEvent):
    name: ClassVar[str] = "IncidentStateChanged"
    previous_state: str = ""
    response_level: str | None = None


@dataclass(frozen=True)
class IncidentGraded(_IncidentEvent):
    """The grade changed after a casualty report within the 补报 window."""

    name: ClassVar[str] = "IncidentGraded"
    previous_grade: str | None = None


@dataclass(frozen=True)
class TimelineAppended(DomainEvent):
    """An entry was appended to an incident's timeline; the incident room shows it live (command/live.py)."""

    name: ClassVar[str] = "TimelineAppended"
    incident_id: int
    region_code: str
    seq: int
    kind: str
    kind_name: str
    text: str
    actor: str
    at: str


# The events this domain publishes, composed into every application's bus by ``citysafe.registry``.
EVENTS: tuple[type[DomainEvent], ...] = (IncidentOpened, IncidentStateChanged, IncidentGraded, TimelineAppended)
