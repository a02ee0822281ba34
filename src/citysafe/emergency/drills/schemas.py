"""Drills in and out: schedule or record, evaluate, follow findings up; duty rules and overdue duties."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from citysafe.core.bounds import RowId, SaneDate
from citysafe.core.geo import Location
from citysafe.emergency.plans.schemas import DivisionCode, Name, PlanKind, Title
from citysafe.hazards.enums import HazardCategory

DrillContentKind = Literal["comprehensive", "single"]  # AQ/T 9007-2019 by content: 综合演练 / 单项演练
DrillFormKind = Literal["live", "tabletop"]  # by form: 实战演练 / 桌面演练
DrillState = Literal["scheduled", "running", "held", "cancelled"]  # running: started live in drill mode
FollowUp = Literal["none", "task", "hazard", "plan_revision"]
CONTENT_KIND_NAMES_ZH = {"comprehensive": "综合演练", "single": "单项演练"}
FORM_KIND_NAMES_ZH = {"live": "实战演练", "tabletop": "桌面演练"}
STATE_NAMES_ZH = {"scheduled": "已计划", "running": "演练进行中", "held": "已实施", "cancelled": "已取消"}
FOLLOW_UP_NAMES_ZH = {"none": "仅记录", "task": "整改任务", "hazard": "隐患", "plan_revision": "预案修订"}


class EvaluationItem(BaseModel):
    """One line of the evaluation table (评估项目 / 评估内容 / 得分)."""

    item: Name = Field(description="评估项目, e.g. 预警与信息报告")
    content: str = Field(default="", max_length=500, description="评估内容")
    score: float = Field(ge=0, le=1000)
    max_score: float = Field(gt=0, le=1000)
    note: str = Field(default="", max_length=500, description="原因说明")

    @model_validator(mode="after")
    def _within_max(self) -> EvaluationItem:
        if self.score > self.max_score:
            raise PydanticCustomError("score_above_max", "the score {score} is above the item's maximum {max}",
                                      {"score": self.score, "max": self.max_score})
        return self


class DrillCreate(BaseModel):
    plan_id: RowId
    title: Title
    content_kind: DrillContentKind
    form_kind: DrillFormKind
    scheduled_on: SaneDate = Field(description="YYYY-MM-DD")
    held_on: SaneDate | None = Field(default=None, description="set when recording a drill already held")
    place: str = Field(default="", max_length=200)
    organizer: str = Field(default="", max_length=200)
    participants: int | None = Field(default=None, ge=0, le=1_000_000)
    summary: str = Field(default="", max_length=8000)
    evaluation: list[EvaluationItem] = Field(default_factory=list, max_length=100)


class DrillRecordIn(BaseModel):
    """The drill was held: when, how many took part, what the evaluation found."""

    held_on: SaneDate = Field(description="YYYY-MM-DD")
    participants: int | None = Field(default=None, ge=0, le=1_000_000)
    summary: str = Field(default="", max_length=8000)
    evaluation: list[EvaluationItem] = Field(default_factory=list, max_length=100)


class FindingIn(BaseModel):
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
    follow_up: FollowUp = "none"
    task_owner: str = Field(default="", max_length=100, description="task: who rectifies")
    task_due_on: SaneDate | None = Field(default=None, description="task: by when (YYYY-MM-DD)")
    hazard_category: HazardCategory = Field(default=HazardCategory.OTHER, description="hazard: the ticket's category")
    revision_note: str = Field(default="", max_length=4000, description="plan_revision: what the plan must change")


class DrillLiveIn(BaseModel):
    """Start the drill live, in drill mode: its incident's kind and place come from the drill and its plan (the
    plan's first trigger); anything given here overrides them."""

    model_config = ConfigDict(extra="forbid")

    category: str | None = Field(default=None, max_length=30, description="the incident category, e.g. accident")
    subtype: str | None = Field(default=None, max_length=40, description="its sub-type, e.g. fire")
    place: str | None = Field(default=None, max_length=300, description="the drill's place when left out")
    description: str = Field(default="", max_length=4000, description="the drill scenario (演练情景)")
    region_code: DivisionCode | None = Field(default=None, description="the drill's region when left out")
    location: Location | None = None


class TaskDoneIn(BaseModel):
    done_on: SaneDate = Field(description="YYYY-MM-DD")


class FindingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    description: str
    follow_up: str
    task_owner: str
    task_due_on: date | None
    task_done_on: date | None
    hazard_ticket_id: int | None
    hazard_ticket_number: str
    revision_note: str
    created_by_name: str
    created_at: datetime


class DrillRead(BaseModel):
    id: int
    plan_id: int
    plan_title: str
    plan_version: int
    region_code: str
    organization_id: int | None
    title: str
    content_kind: DrillContentKind
    content_kind_name: str
    form_kind: DrillFormKind
    form_kind_name: str
    state: DrillState
    state_name: str
    scheduled_on: date
    held_on: date | None
    place: str
    organizer: str
    participants: int | None
    score_pct: float | None


class DrillIncidentRead(BaseModel):
    """The incident a drill opened in drill mode; its timeline is the drill's record of what was done."""

    id: int
    number: str
    title: str
    state: str
    state_name: str
    timeline_url: str


class DrillDetail(DrillRead):
    summary: str
    evaluation: list[EvaluationItem]
    findings: list[FindingRead]
    incident: DrillIncidentRead | None = None


class DutyRuleIn(BaseModel):
    code: Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[a-z0-9_]+$")]
    name: Name
    every_months: int = Field(ge=1, le=120, description="the longest gap allowed between drills, in months")
    per: Literal["plan", "unit"]
    plan_kinds: list[PlanKind] = Field(min_length=1, max_length=10)
    sectors: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(default_factory=list, max_length=50)
    article: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] = Field(
        description="the article the rule cites")
    tag: str = Field(default="", max_length=10)


class DutyRulesIn(BaseModel):
    rules: list[DutyRuleIn] = Field(min_length=1, max_length=50)


class DutyRulesRead(BaseModel):
    source: Literal["packaged", "edited"]
    rules: list[DutyRuleIn]


class OverdueRead(BaseModel):
    rule_code: str
    rule_name: str
    article: str
    every_months: int
    plan_ids: list[int]
    plan_titles: list[str]
    organization_id: int | None
    unit_name: str
    region_code: str
    last_held: date | None
    due_on: date
    overdue_days: int
