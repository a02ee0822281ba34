"""Tickets in and out of the API."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from citysafe.core.bounds import NonBlankText, RowId, SaneAwareDatetime
from citysafe.core.geo import Location
from citysafe.hazards.calc.lifecycle import Action, State
from citysafe.hazards.enums import HazardCategory, HazardLevel, HazardSource
from citysafe.hazards.schemas import NamedCount, OrganizationBrief, validate_region_code


class RectificationPlan(BaseModel):
    """整改方案 of a major hazard: every part is required."""

    measures: NonBlankText = Field(max_length=4000)
    funds: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    responsible: NonBlankText = Field(max_length=100)
    deadline: SaneAwareDatetime
    safeguards: NonBlankText = Field(max_length=4000)


class TicketCreate(BaseModel):
    category: HazardCategory
    description: NonBlankText = Field(max_length=4000)
    title: str = Field(default="", max_length=200)
    source: HazardSource | None = None
    level: HazardLevel | None = None
    criteria: list[str] = Field(default_factory=list, max_length=30)
    place_name: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=300)
    location: Location | None = None
    region_code: str | None = None
    organization_id: RowId | None = None
    place_id: RowId | None = None
    deadline: SaneAwareDatetime | None = None
    attachment_ids: list[RowId] = Field(default_factory=list, max_length=20)

    @field_validator("region_code")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        return validate_region_code(value) if value else None


class TransitionIn(BaseModel):
    action: Action
    note: str = Field(default="", max_length=4000)
    attachment_ids: list[RowId] = Field(default_factory=list, max_length=20)
    organization_id: RowId | None = None
    responsible_name: str | None = Field(default=None, max_length=100)
    deadline: SaneAwareDatetime | None = None
    level: HazardLevel | None = None
    criteria: list[str] | None = Field(default=None, max_length=30)
    plan: RectificationPlan | None = None


class AttachmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    content_type: str
    size: int
    filename: str
    sha256: str
    uploaded_at: datetime
    is_image: bool
    url: str = ""


class StepRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    action: str
    action_name: str = ""
    from_state: str | None
    to_state: str
    actor_name: str
    actor_role: str
    note: str
    data: dict[str, object]
    at: datetime
    attachments: list[AttachmentRead] = Field(default_factory=list)


class ActionOption(BaseModel):
    action: str
    name: str


class CriterionRead(BaseModel):
    code: str
    text: str
    standard: str


class TicketRead(BaseModel):
    id: int
    number: str
    source: str
    source_name: str
    category: str
    category_name: str
    level: str
    level_name: str
    state: str
    state_name: str
    title: str
    place_name: str
    address: str
    lon: float | None
    lat: float | None
    region_code: str
    region_name: str = ""
    organization: OrganizationBrief | None = None
    responsible_name: str
    reporter_name: str
    deadline: AwareDatetime
    overdue: bool
    created_at: datetime
    closed_at: datetime | None
    escalation_step: int
    escalation_region_code: str | None


class TicketDetail(TicketRead):
    description: str
    criteria: list[CriterionRead]
    plan: RectificationPlan | None
    place_id: int | None
    task_id: int | None
    submitted_at: datetime | None
    steps: list[StepRead]
    attachments: list[AttachmentRead]
    allowed_actions: list[ActionOption]


class TicketPage(BaseModel):
    items: list[TicketRead]
    total: int
    # True when ``total`` is the database's estimate: exact counts of very large results cost more than
    # the page itself, and nobody pages through 100,000 tickets.
    total_estimated: bool = False
    page: int
    size: int
    next_cursor: str | None = None


class TicketFilter(BaseModel):
    state: list[State] | None = None
    open: bool | None = None
    level: HazardLevel | None = None
    category: HazardCategory | None = None
    source: HazardSource | None = None
    region: str | None = None
    organization_id: RowId | None = None
    place_id: RowId | None = None
    task_id: RowId | None = None
    overdue: bool | None = None
    escalated: bool | None = Field(default=None, description="escalated to the caller's own region")
    mine: bool | None = Field(default=None, description="reported by the caller")
    q: str | None = Field(default=None, max_length=100)
    created_from: SaneAwareDatetime | None = None
    created_to: SaneAwareDatetime | None = None

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        return validate_region_code(value) if value else None


class RegionCount(BaseModel):
    code: str
    name: str
    total: int
    open: int
    overdue: int
    major_open: int


class HazardStats(BaseModel):
    region_code: str
    total: int
    open: int
    closed: int
    dismissed: int
    major_open: int
    overdue: int
    overdue_rate: float = Field(description="overdue open tickets / open tickets whose deadline runs")
    closed_on_time_rate: float | None = Field(description="closed tickets rectified by their deadline / closed")
    avg_close_days: float | None
    by_level: list[NamedCount]
    by_state: list[NamedCount]
    by_category: list[NamedCount]
    by_source: list[NamedCount]
    by_region: list[RegionCount]
    as_of: datetime
