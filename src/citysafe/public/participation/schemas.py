"""What the participation API takes and answers, and the words its lists show."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from annotated_types import Ge, Le
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from citysafe.core.bounds import NonBlankText, RowId, SaneDate, SaneDatetime
from citysafe.core.validators import validate_division_code

EVENT_KINDS_ZH = {"publicity": "安全宣传", "training": "安全培训"}
AUDIENCES_ZH = {"public": "社会公众", "students": "中小学生", "workers": "企业从业人员",
                "managers": "企业负责人及安全管理人员", "officials": "监管执法人员", "community": "社区居民"}
VISITOR_KINDS_ZH = {"school": "学校", "company": "企业", "community": "社区", "other": "其他单位"}
GROUP_KINDS_ZH = {"volunteer_team": "志愿者队伍", "social_org": "社会组织"}
Seats = Annotated[int, Ge(1), Le(100_000)]


def _one_of(names: dict[str, str]) -> classmethod:  # type: ignore[type-arg]
    def check(cls: type, value: str) -> str:
        if value not in names:
            raise PydanticCustomError("unknown_value", "one of {names}", {
                "names": ", ".join(names), "zh": "应为以下之一：" + "、".join(names.values())})
        return value
    return classmethod(check)


def _division(value: str) -> str:
    return validate_division_code(value)


class _Span(BaseModel):
    starts_at: SaneDatetime
    ends_at: SaneDatetime

    @model_validator(mode="after")
    def _order(self) -> _Span:
        if self.ends_at <= self.starts_at:
            raise PydanticCustomError("time_order", "ends_at is not after starts_at", {"zh": "结束时间应晚于开始时间"})
        return self


class EventIn(_Span):
    title: NonBlankText = Field(max_length=200)
    kind: str = Field(description="one of " + ", ".join(EVENT_KINDS_ZH))
    audience: str = Field(description="one of " + ", ".join(AUDIENCES_ZH))
    organiser: NonBlankText = Field(max_length=200)
    place: NonBlankText = Field(max_length=300)
    region_code: str
    capacity: Seats
    description: str = Field(default="", max_length=4000)

    _kind = field_validator("kind")(_one_of(EVENT_KINDS_ZH))
    _audience = field_validator("audience")(_one_of(AUDIENCES_ZH))
    _region = field_validator("region_code")(classmethod(lambda cls, v: _division(v)))


class EventRead(EventIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
    registered: int = 0
    seats_left: int = 0


class RegistrationIn(BaseModel):
    registrant: NonBlankText = Field(max_length=200, description="the unit or person registering")
    people: Seats
    contact: str = Field(default="", max_length=50)


class RegistrationRead(RegistrationIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
    event_id: int


class BaseIn(BaseModel):
    name: NonBlankText = Field(max_length=200)
    region_code: str
    address: NonBlankText = Field(max_length=300)
    lon: float | None = Field(default=None, ge=73, le=136)
    lat: float | None = Field(default=None, ge=3, le=54)
    themes: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(default_factory=list, max_length=20)
    operator: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=30)
    description: str = Field(default="", max_length=4000)

    _region = field_validator("region_code")(classmethod(lambda cls, v: _division(v)))


class BaseRead(BaseIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
    upcoming_sessions: int = 0


class SessionIn(_Span):
    capacity: Seats


class SessionRead(SessionIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
    base_id: int
    booked: int = 0
    seats_left: int = 0


class BookingIn(BaseModel):
    visitor: NonBlankText = Field(max_length=200, description="the school or company booking")
    visitor_kind: str = Field(description="one of " + ", ".join(VISITOR_KINDS_ZH))
    organization_id: RowId | None = None
    people: Seats
    contact: str = Field(default="", max_length=50)

    _kind = field_validator("visitor_kind")(_one_of(VISITOR_KINDS_ZH))


class BookingRead(BookingIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
    session_id: int


class GroupIn(BaseModel):
    name: NonBlankText = Field(max_length=200)
    kind: str = Field(description="one of " + ", ".join(GROUP_KINDS_ZH))
    region_code: str
    registration_no: str = Field(default="", max_length=40)
    focus: str = Field(default="", max_length=200)
    leader: str = Field(default="", max_length=50)
    phone: str = Field(default="", max_length=30)
    founded_on: SaneDate | None = None

    _kind = field_validator("kind")(_one_of(GROUP_KINDS_ZH))
    _region = field_validator("region_code")(classmethod(lambda cls, v: _division(v)))


class GroupRead(GroupIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
    members: int = 0
    activities: int = 0
    hours: float = 0.0


class MemberIn(BaseModel):
    name: NonBlankText = Field(max_length=50)
    phone: str = Field(default="", max_length=30)
    skills: str = Field(default="", max_length=200)
    joined_on: SaneDate


class MemberRead(MemberIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
    group_id: int
    hours: float = 0.0


class ActivityIn(BaseModel):
    title: NonBlankText = Field(max_length=200)
    held_on: SaneDate
    place: str = Field(default="", max_length=300)
    hours: float = Field(gt=0, le=24, description="hours each participant served")
    member_ids: list[RowId] = Field(default_factory=list, max_length=1000)
    description: str = Field(default="", max_length=4000)


class ActivityRead(ActivityIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
    group_id: int


class Calendar(BaseModel):
    """The events of a month, day by day (local days)."""

    month: str
    days: dict[date, list[EventRead]]
    at: datetime | None = None
