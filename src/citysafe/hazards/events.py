"""Events the hazards domain publishes. Higher layers (risk) subscribe to the classes; a domain on the same
layer would subscribe by name and get the payload dict, under a contract test (docs/events.md).

Every payload carries ``ticket_id, region_code, organization_id, level, category, source, lon, lat`` so
a consumer (the risk map's dynamic levels, dashboards) needs no query back into this domain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from citysafe.core.events import DomainEvent


@dataclass(frozen=True)
class _TicketEvent(DomainEvent):
    ticket_id: int
    region_code: str
    organization_id: int | None
    level: str
    category: str
    source: str
    lon: float | None
    lat: float | None


@dataclass(frozen=True)
class HazardReported(_TicketEvent):
    name: ClassVar[str] = "HazardReported"
    deadline: str = ""


@dataclass(frozen=True)
class HazardClosed(_TicketEvent):
    """The ticket left the open set: ``outcome`` is "closed" (销号) or "dismissed" (not a hazard)."""

    name: ClassVar[str] = "HazardClosed"
    outcome: str = "closed"
    closed_at: str = ""


@dataclass(frozen=True)
class HazardOverdue(_TicketEvent):
    """An escalation step: ``escalation_region_code`` is the office now reminded (step 1: the ticket's own)."""

    name: ClassVar[str] = "HazardOverdue"
    step: int = 1
    escalation_region_code: str = ""
    deadline: str = ""
    overdue_hours: float = 0.0


@dataclass(frozen=True)
class HazardLevelChanged(_TicketEvent):
    """An open ticket was re-judged (general ↔ major); consumers keeping open counts by level adjust."""

    name: ClassVar[str] = "HazardLevelChanged"
    previous_level: str = ""


# The events this domain publishes, composed into every application's bus by ``citysafe.registry``.
EVENTS: tuple[type[DomainEvent], ...] = (HazardReported, HazardClosed, HazardOverdue, HazardLevelChanged)
