from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from citysafe.core.bounds import NonBlankText, RowId, SaneAwareDatetime
from citysafe.hazards.enums import HazardCategory, ItemResult, PlaceType, TaskAssignee
from citysafe.hazards.schemas import validate_region_code


class ChecklistItemIn(BaseModel):
    code: str = Field(min_length=1, max_length=30, pattern=r"^[A-Za-z0-9_.\-]+$")
    text: NonBlankText = Field(max_length=1000)
    category: HazardCategory | None = None
    criterion: str | None = Field(default=None, max_length=20)
    basis: str = Field(default="", max_length=300)


class ChecklistItemRead(ChecklistItemIn):
    model_config = ConfigDict(from_attributes=True)

    category: HazardCategory | None = None


def _unique_codes(items: list[ChecklistItemIn]) -> list[ChecklistItemIn]:
    codes = [i.code for i in items]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise ValueError(f"item codes must be unique; repeated: {duplicates}")
    return items


class ChecklistCreate(BaseModel):
    name: NonBlankText = Field(max_length=200)
    place_type: PlaceType
    owner_region_code: str | None = None
    description: str = Field(default="", max_length=2000)
    items: list[ChecklistItemIn] = Field(min_length=1, max_length=200)

    @field_validator("items")
    @classmethod
    def _codes(cls, items: list[ChecklistItemIn]) -> list[ChecklistItemIn]:
        return _unique_codes(items)

    @field_validator("owner_region_code")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        return validate_region_code(value) if value else None


class ChecklistUpdate(BaseModel):
    name: NonBlankText | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    active: bool | None = None
    items: list[ChecklistItemIn] | None = Field(default=None, min_length=1, max_length=200)

    @field_validator("items")
    @classmethod
    def _codes(cls, items: list[ChecklistItemIn] | None) -> list[ChecklistItemIn] | None:
        return _unique_codes(items) if items is not None else None


class ChecklistRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    place_type: str
    owner_region_code: str
    description: str
    version: int
    active: bool
    items: list[ChecklistItemRead]


class PlanCreate(BaseModel):
    name: NonBlankText = Field(max_length=200)
    place_type: PlaceType
    checklist_id: RowId | None = Field(default=None, description="default: the active checklist for the place type")
    region_code: str | None = None
    period_start: SaneAwareDatetime
    period_end: SaneAwareDatetime
    assignee_kind: TaskAssignee
    assignee_user_id: RowId | None = None
    department_org_id: RowId | None = None
    place_ids: list[RowId] | None = Field(default=None, max_length=5000,
                                        description="default: every place of the type in the region")
    note: str = Field(default="", max_length=2000)

    @field_validator("region_code")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        return validate_region_code(value) if value else None

    @model_validator(mode="after")
    def _consistent(self) -> PlanCreate:
        if self.period_end <= self.period_start:
            raise ValueError("period_end must be after period_start")
        if self.assignee_kind is TaskAssignee.OFFICER and self.assignee_user_id is None:
            raise ValueError("an officer plan names the officer (assignee_user_id)")
        if self.assignee_kind is TaskAssignee.DEPARTMENT and self.department_org_id is None:
            raise ValueError("a department plan names the department (department_org_id)")
        return self


class PlanProgress(BaseModel):
    total: int
    done: int
    pending: int
    overdue: int
    unassigned: int
    failed_items: int
    completion_rate: float


class PlanRead(BaseModel):
    id: int
    name: str
    place_type: str
    place_type_name: str
    checklist_id: int
    region_code: str
    period_start: datetime
    period_end: datetime
    assignee_kind: str
    assignee_user_id: int | None
    department_org_id: int | None
    created_by: str
    note: str
    progress: PlanProgress
    created_at: datetime


class TaskRead(BaseModel):
    id: int
    plan_id: int
    plan_name: str = ""
    place_id: int | None
    place_name: str
    organization_id: int | None
    region_code: str
    assignee_kind: str
    grid_code: str | None
    assignee_user_id: int | None
    department_org_id: int | None
    due: datetime
    state: str
    overdue: bool
    completed_at: datetime | None
    completed_by_name: str
    failed_count: int
    results: list[dict[str, Any]]


class TaskDetail(TaskRead):
    checklist: ChecklistRead
    place_type: str


class ItemResultIn(BaseModel):
    code: str
    result: ItemResult
    note: str = Field(default="", max_length=2000)
    attachment_ids: list[RowId] = Field(default_factory=list, max_length=10)


class TaskResultIn(BaseModel):
    items: list[ItemResultIn] = Field(min_length=1, max_length=200)
    note: str = Field(default="", max_length=2000)
