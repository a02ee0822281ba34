"""In and out of the creation workflow."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Stance = Literal["agree", "disagree", "conditional"]


class ApplicationCreate(BaseModel):
    year: int = Field(ge=2019, le=2100)
    sheet_id: int | None = Field(default=None, ge=1)  # the 自评 score sheet, when scored already


class StepIn(BaseModel):
    action: Literal["apply", "recommend", "propose", "approve", "name", "annual", "pass", "fail", "return"]
    note: str = Field(default="", max_length=4000)
    sheet_id: int | None = Field(default=None, ge=1)  # at 申报: the 自评 sheet, if not linked yet


class OpinionIn(BaseModel):
    unit: str = Field(min_length=1, max_length=100)
    stance: Stance
    text: str = Field(default="", max_length=4000)


class ObjectionIn(BaseModel):
    text: str = Field(min_length=10, max_length=4000)
    contact: str = Field(default="", max_length=100)


class ObjectionHandleIn(BaseModel):
    state: Literal["upheld", "dismissed"]
    note: str = Field(min_length=1, max_length=4000)


class RevocationDecideIn(BaseModel):
    state: Literal["revoked", "kept"]
    note: str = Field(min_length=1, max_length=4000)


class StepRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    action: str
    action_name: str = ""
    from_state: str
    to_state: str
    actor: str
    actor_name: str
    role: str
    at: datetime
    note: str


class OpinionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    stage: str
    unit: str
    stance: str
    stance_name: str = ""
    text: str
    by: str
    at: datetime


class ObjectionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    application_id: int
    text: str
    contact: str
    state: str
    state_name: str = ""
    handling_note: str
    lodged_at: datetime
    handled_by: str
    handled_at: datetime | None


class ApplicationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    applicant_id: int
    applicant_name: str = ""
    round: str
    round_name: str = ""
    year: int
    state: str
    state_name: str = ""
    sheet_id: int | None
    apply_note: str
    recommendation: str
    recommended_on: date | None
    review_note: str
    publicity_start: datetime | None
    publicity_end: datetime | None
    decision: str
    decided_on: date | None
    created_by: str
    created_at: datetime
    steps: list[StepRead] = []
    opinions: list[OpinionRead] = []
    objections: list[ObjectionRead] = []
    allowed: list[str] = []  # the actions the reader may take now


class RevocationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    applicant_id: int
    applicant_name: str = ""
    reason: str
    reason_name: str = ""
    incident_id: int | None
    application_id: int | None
    detail: str
    state: str
    state_name: str = ""
    proposed_by: str
    decided_by: str
    decided_at: datetime | None
    decision_note: str
    created_at: datetime


class PublicityEntry(BaseModel):
    """One applicant on the public 拟命名名单."""

    application_id: int
    applicant_name: str
    kind_name: str
    city_name: str
    year: int
    publicity_start: datetime
    publicity_end: datetime
