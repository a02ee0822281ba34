"""What the think tank's API takes and answers; the field vocabulary emergency's expert pool shares."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator
from pydantic_core import PydanticCustomError

from citysafe.core.bounds import NonBlankText, SaneDate
from citysafe.core.pagination import Page
from citysafe.core.validators import validate_division_code

# Emergency's twelve fields first (its lists keep that order), then the fields of safety production the
# think tank adds (安全生产专家 in 《安全生产专家管理办法》's sense).
EXPERT_FIELDS_ZH = {"hazchem": "危险化学品", "fire": "消防", "structure": "建筑结构", "mine": "矿山",
                    "geology": "地质灾害", "medical": "医疗救护", "water": "水上救援", "weather": "气象",
                    "power": "电力", "gas": "燃气", "traffic": "交通运输", "environment": "生态环境",
                    "safety_management": "安全生产管理", "special_equipment": "特种设备",
                    "occupational_health": "职业卫生", "construction": "建筑施工", "industry_trade": "工贸行业"}
AVAILABILITY_ZH = {"available": "可邀请", "on_assignment": "执行任务中", "unavailable": "暂不可用"}
Speciality = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


def _field(value: str) -> str:
    if value not in EXPERT_FIELDS_ZH:
        raise PydanticCustomError("unknown_value", "unknown field; one of {names}",
                                  {"names": ", ".join(EXPERT_FIELDS_ZH),
                                   "zh": "应为以下之一：" + "、".join(EXPERT_FIELDS_ZH.values())})
    return value


class ExpertCreate(BaseModel):
    name: NonBlankText = Field(max_length=50)
    field: str = Field(description="one of " + ", ".join(EXPERT_FIELDS_ZH))
    region_code: str
    specialities: list[Speciality] = Field(default_factory=list, max_length=10)
    title: str = Field(default="", max_length=100)
    employer: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=30)
    email: str = Field(default="", max_length=100)
    emergency_pool: bool = True

    _region = field_validator("region_code")(classmethod(lambda cls, v: validate_division_code(v)))
    _fields = field_validator("field")(classmethod(lambda cls, v: _field(v)))


class AvailabilityIn(BaseModel):
    """Busy from ``busy_from`` to ``busy_until`` (inclusive; either may be open), or available again."""

    availability: str = Field(description="one of " + ", ".join(AVAILABILITY_ZH))
    busy_from: SaneDate | None = None
    busy_until: SaneDate | None = None
    note: str = Field(default="", max_length=200)

    @field_validator("availability")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in AVAILABILITY_ZH:
            raise PydanticCustomError("unknown_value", "one of {names}", {
                "names": ", ".join(AVAILABILITY_ZH), "zh": "应为以下之一：" + "、".join(AVAILABILITY_ZH.values())})
        return value

    @model_validator(mode="after")
    def _order(self) -> AvailabilityIn:
        if self.busy_from and self.busy_until and self.busy_until < self.busy_from:
            raise PydanticCustomError("date_order", "busy_until is before busy_from", {"zh": "结束日期早于开始日期"})
        return self


class ExpertRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    field: str
    field_name: str = ""
    region_code: str
    specialities: list[str] = []
    title: str
    employer: str
    phone: str
    email: str
    availability: str
    busy_from: date | None
    busy_until: date | None
    availability_note: str
    emergency_pool: bool
    # What ``availability`` means on the day asked: a busy spell that has ended reads "available".
    available_now: str = "available"
    available_now_name: str = ""


ExpertPage = Page[ExpertRead]
