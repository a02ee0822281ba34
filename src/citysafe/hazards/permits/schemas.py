from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from citysafe.core.bounds import NonBlankText, RowId, SaneAwareDatetime
from citysafe.core.geo import Location
from citysafe.hazards.calc.permits import PermitAction, PermitState
from citysafe.hazards.schemas import OrganizationBrief


class WorkType(StrEnum):
    HOT_WORK = "hot_work"
    CONFINED_SPACE = "confined_space"
    BLIND_PLATE = "blind_plate"
    WORK_AT_HEIGHT = "work_at_height"
    LIFTING = "lifting"
    TEMPORARY_POWER = "temporary_power"
    EXCAVATION = "excavation"
    ROAD_BREAKING = "road_breaking"


class PermitCreate(BaseModel):
    work_type: WorkType
    grade: str | None = Field(
        default=None, max_length=20,
        description="hot work: special/level1/level2; work at height and lifting: derived from height_m or "
                    "lifted_mass_t (a grade sent as well must agree); types with one grade need none")
    height_m: float | None = Field(default=None, ge=0, le=1000,
                                   description="work at height: the working height in metres (GB/T 3608-2008)")
    lifted_mass_t: float | None = Field(default=None, ge=0, le=10000,
                                        description="lifting: the mass of the load in tonnes (GB 30871-2022)")
    organization_id: RowId | None = Field(default=None, description="an enterprise applies for its own unit")
    area: NonBlankText = Field(max_length=200, description="作业地点/装置部位")
    location: Location | None = None
    content: NonBlankText = Field(max_length=4000)
    safety_measures: str = Field(default="", max_length=8000)
    work_leader: str = Field(default="", max_length=100)
    guardian: NonBlankText = Field(max_length=100, description="监护人")
    workers: str = Field(default="", max_length=500)
    valid_from: SaneAwareDatetime
    valid_to: SaneAwareDatetime


class PermitActionIn(BaseModel):
    action: PermitAction
    note: str = Field(default="", max_length=2000)


class GasTestIn(BaseModel):
    sampled_at: SaneAwareDatetime | None = Field(default=None, description="default: now")
    point: str = Field(default="", max_length=200)
    oxygen_pct: float | None = Field(default=None, ge=0, le=100)
    combustible_pct_lel: float | None = Field(default=None, ge=0, le=100)
    h2s_mg_m3: float | None = Field(default=None, ge=0)
    co_mg_m3: float | None = Field(default=None, ge=0)
    tester_name: NonBlankText = Field(max_length=100)
    note: str = Field(default="", max_length=1000)


class ApprovalRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    position: int
    title: str
    approver_name: str
    decision: str
    note: str
    at: datetime


class GasTestRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    sampled_at: datetime
    point: str
    oxygen_pct: float | None
    combustible_pct_lel: float | None
    h2s_mg_m3: float | None
    co_mg_m3: float | None
    tester_name: str
    passed: bool
    problems: list[str]


class ConflictRead(BaseModel):
    other_id: int
    other_number: str
    other_work_type: str
    other_organization_name: str = Field(default="", description="the unit of the other permit (a contractor's)")
    reason: str
    reason_zh: str


class PermitRead(BaseModel):
    id: int
    number: str
    work_type: str
    work_type_name: str
    grade: str
    grade_name: str
    height_m: float | None = None
    lifted_mass_t: float | None = None
    state: PermitState
    state_name: str
    organization: OrganizationBrief
    region_code: str
    area: str
    lon: float | None
    lat: float | None
    content: str
    safety_measures: str
    work_leader: str
    guardian: str
    workers: str
    applicant_name: str
    valid_from: datetime
    valid_to: datetime
    approval_chain: list[str]
    approvals: list[ApprovalRead]
    next_approval: str | None
    gas_test_required: bool
    gas_tests: list[GasTestRead]
    gas_ready: bool = Field(description="a passing gas test recent enough to start work")
    gas_retest_due: bool = Field(description="active work whose last gas test is older than the retest interval")
    expired: bool
    conflicts: list[ConflictRead]
    started_at: datetime | None
    closed_at: datetime | None
    close_note: str
    created_at: datetime
