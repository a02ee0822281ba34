"""Events the risk domain publishes (past tense, plain data); higher layers import and subscribe to them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from citysafe.core.events import DomainEvent


@dataclass(frozen=True)
class RiskAssessed(DomainEvent):
    name: ClassVar[str] = "RiskAssessed"

    source_id: int
    region_code: str
    method: str
    level: str | None
    assessed_level: str | None


@dataclass(frozen=True)
class RiskLevelChanged(DomainEvent):
    """A source's current (dynamic) level changed: a new assessment, or a hazard or alarm opened or closed."""

    name: ClassVar[str] = "RiskLevelChanged"

    source_id: int
    region_code: str
    organization_id: int | None
    previous_level: str | None
    current_level: str | None
    assessed_level: str | None
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RiskSourcesImported(DomainEvent):
    name: ClassVar[str] = "RiskSourcesImported"

    import_id: int
    region_code: str
    created: int
    updated: int
    assessed: int


# The events this domain publishes, composed into every application's bus by ``citysafe.registry``.
EVENTS: tuple[type[DomainEvent], ...] = (RiskAssessed, RiskLevelChanged, RiskSourcesImported)
