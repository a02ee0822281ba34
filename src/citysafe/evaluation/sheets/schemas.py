"""Score sheets in and out of the API: the sheet, its scored items with their explanation, evidence, the 考核
overview; and the criteria versions as listed."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from citysafe.core.bounds import MAX_YEAR, MIN_YEAR, RowId, SaneDate
from citysafe.evaluation.criteria_store import Band


class Purpose(StrEnum):
    SELF = "self"
    CITY_REVIEW = "city_review"
    PROVINCE_REVIEW = "province_review"
    RE_EVALUATION = "re_evaluation"
    ASSESSMENT = "assessment"


class SheetState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    LOCKED = "locked"


PURPOSE_NAMES_ZH = {Purpose.SELF: "自评", Purpose.CITY_REVIEW: "市级复核", Purpose.PROVINCE_REVIEW: "省级评议",
                    Purpose.RE_EVALUATION: "复评", Purpose.ASSESSMENT: "安全生产责任考核"}
STATE_NAMES_ZH = {SheetState.DRAFT: "填报中", SheetState.SUBMITTED: "已提交", SheetState.RETURNED: "已退回",
                  SheetState.LOCKED: "已锁定"}
# The set a new sheet is scored with unless another is named.
DEFAULT_SET = {Purpose.ASSESSMENT: "assessment-sample"}
DEMONSTRATION_SET = "national-2019"

Year = Annotated[int, Field(ge=MIN_YEAR, le=MAX_YEAR)]
Unit = Annotated[str, Field(min_length=1, max_length=100)]
FindingValue = StrictInt | StrictBool | Decimal


class SheetCreate(BaseModel):
    """A new sheet: an applicant's (自评, 复核, 评议, 复评) or a 考核 of a lower government or department."""

    model_config = ConfigDict(extra="forbid")

    purpose: Purpose
    year: Year
    applicant_id: RowId | None = None
    subject_name: str = Field(default="", max_length=200, description="the assessed government or department")
    subject_org_id: RowId | None = None
    region_code: str | None = Field(default=None, max_length=20,
                                    description="the division the sheet belongs to; default: the reader's")
    criteria_set: str | None = Field(default=None, max_length=50,
                                     description="criteria set id; its latest version is used")


class ItemUpdate(BaseModel):
    """What changes on one scored item; fields left out keep their value."""

    model_config = ConfigDict(extra="forbid")

    findings: dict[str, FindingValue] | None = Field(
        default=None, max_length=20, description="rule id → count (per_finding), measured value (threshold), met "
                                                 "(binary)")
    deduction: Decimal | None = Field(default=None, ge=0, max_digits=7, decimal_places=2,
                                      description="a reviewer's own deduction; needs a reason")
    reason: str | None = Field(default=None, max_length=2000)
    not_applicable: bool | None = None
    na_reason: str | None = Field(default=None, max_length=2000)
    responsible_units: list[Unit] | None = Field(default=None, max_length=20)
    supporting_units: list[Unit] | None = Field(default=None, max_length=20)
    contact: str | None = Field(default=None, max_length=100)
    deadline: SaneDate | None = None
    progress: str | None = Field(default=None, max_length=4000)
    done: bool | None = None


class EvidenceLink(BaseModel):
    """A platform record as evidence: its kind, id, title and console path."""

    model_config = ConfigDict(extra="forbid")

    record_type: str = Field(min_length=1, max_length=30, pattern=r"^[a-z_]+$")
    record_id: str = Field(min_length=1, max_length=50)
    label: str = Field(min_length=1, max_length=200)
    url: str = Field(default="", max_length=300, pattern=r"^(/[^/\\].*|/|https?://\S+|)$")
    note: str = Field(default="", max_length=2000)


class StepIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=2000)


class EvidenceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    label: str
    content_type: str
    size: int
    sha256: str
    record_type: str
    record_id: str
    url: str
    note: str
    added_by: str
    added_at: datetime


class LineRead(BaseModel):
    rule: str
    kind: str
    points: float
    text_zh: str


class SheetItemRead(BaseModel):
    """A scored item: the criteria's words, what was found, the score explained, who answers for it."""

    item_id: str
    no: str
    label: str
    level1: str
    level2: str
    content: str
    rules_text: list[str]
    verified: bool
    points: float
    score: float | None
    deduction: float
    bonus: bool
    lines: list[LineRead]
    explanation: str
    findings: dict[str, Any]
    reviewer_deduction: float | None
    reason: str
    not_applicable: bool
    na_reason: str
    responsible_units: list[str]
    supporting_units: list[str]
    contact: str
    deadline: date | None
    progress: str
    done: bool
    facts: list[dict[str, Any]]
    evidence: list[EvidenceRead]


class SheetRead(BaseModel):
    id: int
    purpose: Purpose
    purpose_name: str
    year: int
    applicant_id: int | None
    subject_name: str
    subject_org_id: int | None
    region_code: str
    criteria_id: int
    criteria_set: str
    criteria_version: str
    criteria_title: str
    state: SheetState
    state_name: str
    state_note: str
    total: float | None
    grade: str
    performance_grade: str
    locked_at: datetime | None
    locked_by: str
    created_by: str


class SheetDetail(SheetRead):
    summary: str
    total_points: float
    applicable_points: float
    base: float
    bonus: float
    levels: list[dict[str, Any]]
    items: list[SheetItemRead]


class OverviewRow(BaseModel):
    sheet_id: int
    subject_name: str
    region_code: str
    state: SheetState
    state_name: str
    total: float | None
    grade: str
    performance_grade: str
    criteria_version: str


class Overview(BaseModel):
    """安全生产责任考核 of one year in the reader's region: each assessed government or department."""

    year: int
    rows: list[OverviewRow]
    by_grade: dict[str, int]
    performance_source: str


class CriteriaRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    set_id: str
    version: str
    kind: str
    title: str
    digest: str
    origin: str
    unverified_items: int
    performance_grades: dict[str, str]
    created_by: str
    created_at: datetime


class UnverifiedItem(BaseModel):
    item_id: str
    level: int
    path: str
    label: str
    points: Decimal
    note: str
    scored: bool


class CriteriaDetail(CriteriaRead):
    document: dict[str, Any]
    unverified: list[UnverifiedItem]


class GradesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bands: list[Band] = Field(min_length=1, max_length=10,
                                        description='[{"name": "优秀", "min": 90}, …], highest first, last min 0')
    performance_grades: dict[str, str] = Field(default_factory=dict, max_length=10)
