"""In and out of the applicant registry (参评对象)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ApplicantKind = Literal["city", "county", "zone"]
KIND_NAMES_ZH = {"city": "设区市", "county": "县（市、区）", "zone": "国家级开发区"}
STANDING_NAMES_ZH = {"preparing": "创建中", "applying": "申报中", "named": "已命名", "revoked": "已撤销命名"}


class Person(BaseModel):
    """A member of the 领导小组 or 工作专班, or a contact (``phone``)."""

    name: str = Field(min_length=1, max_length=50)
    post: str = Field(default="", max_length=100)  # 职务: 市长, 应急管理局局长, …
    role: str = Field(default="", max_length=50)  # 组长, 副组长, 成员, 联络员
    phone: str = Field(default="", max_length=30)


class ApplicantCreate(BaseModel):
    kind: ApplicantKind
    # A city's or county's own division code; optional for a zone (most have none).
    division_code: str | None = Field(default=None, max_length=20)
    # A zone: the division it lies in (a county or its city).
    region_code: str | None = Field(default=None, max_length=20)
    name: str = Field(default="", max_length=100)  # defaults to the division's name
    zone_approval: str = Field(default="", max_length=200)  # a zone's 批复 document


class PlanIn(BaseModel):
    """创建实施方案."""

    plan_title: str = Field(min_length=1, max_length=200)
    plan_adopted_on: date | None = None
    plan_summary: str = Field(default="", max_length=5000)


class OrganisationIn(BaseModel):
    leading_group: list[Person] = Field(default_factory=list, max_length=60)
    working_team: list[Person] = Field(default_factory=list, max_length=60)
    contacts: list[Person] = Field(default_factory=list, max_length=30)


class ApplicantRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    kind_name: str
    name: str
    division_code: str | None
    region_code: str
    region_name: str
    city_code: str
    city_name: str
    zone_approval: str
    standing: str
    standing_name: str
    named_on: date | None
    review_due: date | None
    plan_title: str
    plan_adopted_on: date | None
    plan_summary: str
    leading_group: list[dict[str, str]]
    working_team: list[dict[str, str]]
    contacts: list[dict[str, str]]
    created_at: datetime
