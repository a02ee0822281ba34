"""Plans in and out: the structured content of a version (command, triggers, levels and tasks, resources)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from citysafe.core.bounds import RowId, SaneDate
from citysafe.core.validators import validate_division_code


class PlanKind(StrEnum):
    """国办发〔2024〕5号 (government: 总体/专项/部门) and GB/T 29639-2020 (enterprise: 综合/专项/现场处置方案)."""

    GOV_OVERALL = "gov_overall"
    GOV_SPECIAL = "gov_special"
    GOV_DEPARTMENT = "gov_department"
    ENT_COMPREHENSIVE = "ent_comprehensive"
    ENT_SPECIAL = "ent_special"
    ENT_ONSITE = "ent_onsite"

    @property
    def owner(self) -> str:
        return "enterprise" if self.value.startswith("ent_") else "government"


PLAN_KIND_NAMES_ZH: dict[str, str] = {
    PlanKind.GOV_OVERALL: "总体应急预案", PlanKind.GOV_SPECIAL: "专项应急预案", PlanKind.GOV_DEPARTMENT: "部门应急预案",
    PlanKind.ENT_COMPREHENSIVE: "综合应急预案", PlanKind.ENT_SPECIAL: "专项应急预案（企业）",
    PlanKind.ENT_ONSITE: "现场处置方案",
}
# 突发事件应对法 第二条; the codes are the incidents part's (emergency/data/rules.json).
Category = Literal["natural_disaster", "accident", "public_health", "social_security"]
CATEGORY_NAMES_ZH: dict[str, str] = {"natural_disaster": "自然灾害", "accident": "事故灾难",
                                     "public_health": "公共卫生事件", "social_security": "社会安全事件"}
Grade = Literal["especially_major", "major", "larger", "general"]
GRADE_NAMES_ZH: dict[str, str] = {"especially_major": "特别重大", "major": "重大", "larger": "较大", "general": "一般"}
# 一级–四级, 一级 the highest (突发事件应对法 第七十一条).
ResponseLevel = Literal["1", "2", "3", "4"]
RecordKind = Literal["review", "filing"]
RECORD_KIND_NAMES_ZH = {"review": "评审", "filing": "备案"}
ReviewConclusion = Literal["passed", "revise", "failed", ""]

# Required words: a title or a name of spaces only is as missing as an empty one.
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ShortText = Annotated[str, Field(max_length=2000)]
DivisionCode = Annotated[str, AfterValidator(validate_division_code)]
# A task's deadline after activation: up to 30 days, in minutes.
DeadlineMinutes = Annotated[int, Field(ge=0, le=30 * 24 * 60)]


class WorkingGroup(BaseModel):
    name: Name = Field(description="综合协调、抢险救援、医疗救护、治安警戒、后勤保障、新闻宣传、善后处置 …")
    lead: str = Field(default="", max_length=100, description="组长 (a post or a unit)")
    members: list[Name] = Field(default_factory=list, max_length=50, description="成员单位或岗位")
    duties: ShortText = ""


class Command(BaseModel):
    """指挥部: 总指挥, 副总指挥 and the working groups."""

    commander: str = Field(default="", max_length=100, description="总指挥 (a post, e.g. 区长)")
    deputies: list[Name] = Field(default_factory=list, max_length=10, description="副总指挥")
    groups: list[WorkingGroup] = Field(default_factory=list, max_length=30)

    @model_validator(mode="after")
    def _groups_unique(self) -> Command:
        names = [g.name for g in self.groups]
        if len(names) != len(set(names)):
            raise PydanticCustomError("duplicate_group", "each working group is named once")
        return self


class TriggerIn(BaseModel):
    """When the plan applies: every part given must hold, an empty list means any."""

    level: ResponseLevel = Field(description="response level called for: 1 (一级, highest) .. 4 (四级)")
    categories: list[Category] = Field(default_factory=list, max_length=4)
    sub_types: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(default_factory=list, max_length=50)
    grades: list[Grade] = Field(default_factory=list, max_length=4)
    region_codes: list[DivisionCode] = Field(default_factory=list, max_length=50,
                                             description="divisions covered; empty: the plan's own region")
    description: ShortText = ""


class TaskIn(BaseModel):
    title: Title
    group: str = Field(default="", max_length=100, description="the working group that carries it out")
    owner_role: str = Field(default="", max_length=100, description="责任岗位")
    deadline_minutes: DeadlineMinutes = Field(description="minutes after activation")


class LevelIn(BaseModel):
    level: ResponseLevel
    conditions: ShortText = ""
    actions: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(default_factory=list, max_length=50)
    tasks: list[TaskIn] = Field(default_factory=list, max_length=100)


class ResourceIn(BaseModel):
    name: Name
    kind: str = Field(default="", max_length=40, description="队伍、物资、装备、避难场所、专家 …")
    quantity: float | None = Field(default=None, ge=0, le=1e9)
    unit: str = Field(default="", max_length=20)
    note: str = Field(default="", max_length=500)


class PlanContent(BaseModel):
    command: Command = Field(default_factory=Command)
    triggers: list[TriggerIn] = Field(default_factory=list, max_length=50)
    levels: list[LevelIn] = Field(default_factory=list, max_length=4)
    resources: list[ResourceIn] = Field(default_factory=list, max_length=200)

    @model_validator(mode="after")
    def _consistent(self) -> PlanContent:
        levels = [lv.level for lv in self.levels]
        if len(levels) != len(set(levels)):
            raise PydanticCustomError("duplicate_level", "each response level is described once")
        groups = {g.name for g in self.command.groups}
        for level in self.levels:
            for task in level.tasks:
                if task.group and groups and task.group not in groups:
                    raise PydanticCustomError("unknown_group", "task group {group} is not a working group of the "
                                              "command", {"group": task.group})
        for trigger in self.triggers:
            if levels and trigger.level not in levels:
                raise PydanticCustomError("unknown_level", "a trigger calls for response level {level}, which the "
                                          "plan does not describe", {"level": trigger.level})
        return self


class PlanVersionIn(BaseModel):
    title: Title
    change_note: str = Field(default="", max_length=2000, description="what changed and why (修订说明)")
    content: PlanContent = Field(default_factory=PlanContent)


class PlanCreate(PlanVersionIn):
    kind: PlanKind
    organization_id: RowId | None = Field(default=None, description="an enterprise plan's unit (an enterprise: "
                                          "its own); a government plan has none")
    region_code: DivisionCode | None = Field(default=None, description="a government plan's division (default: "
                                             "the caller's); an enterprise plan takes its unit's")
    unit_name: str = Field(default="", max_length=200, description="编制单位 (default: the unit's name)")


class PlanRecordIn(BaseModel):
    kind: RecordKind
    on: SaneDate = Field(description="the day of the review or the filing (YYYY-MM-DD)")
    authority: Title = Field(description="评审组织单位 / 备案机关")
    reference: str = Field(default="", max_length=100, description="备案编号或评审意见文号")
    conclusion: ReviewConclusion = Field(default="", description="review: passed, revise or failed")
    note: str = Field(default="", max_length=2000)
    version: RowId | None = Field(default=None, description="the version reviewed or filed (default: the current)")


class PlanRecordRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    version_number: int
    kind: str
    on: date
    authority: str
    reference: str
    conclusion: str
    note: str
    recorded_by_name: str
    recorded_at: datetime


class DocumentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    version_number: int
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class VersionSummary(BaseModel):
    number: int
    title: str
    change_note: str
    created_by_name: str
    created_at: datetime


class PlanRead(BaseModel):
    id: int
    kind: PlanKind
    kind_name: str
    owner: str
    region_code: str
    organization_id: int | None
    unit_name: str
    title: str
    categories: list[str]
    version: int
    reviewed_on: date | None
    filed_on: date | None
    updated_at: datetime


class PlanDetail(PlanRead):
    content: PlanContent
    versions: list[VersionSummary]
    records: list[PlanRecordRead]
    documents: list[DocumentRead]


class PlanVersionRead(VersionSummary):
    content: PlanContent


class MatchIn(BaseModel):
    """An incident's facts, to see which plans it calls for (the incidents part calls the service directly)."""

    category: Category
    sub_type: str | None = Field(default=None, max_length=40)
    grade: Grade | None = None
    region_code: DivisionCode


class MatchRead(BaseModel):
    plan: PlanRead
    level: ResponseLevel
    level_name: str
    trigger_index: int
