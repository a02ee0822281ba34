"""The resource registry in and out of the API (and the dispatch engine's view of it: ``TeamPoint``,
``DepotStock``). Points are WGS84 lon/lat; a ``location`` given in GCJ-02 is converted on input."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from annotated_types import Ge, Le
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from citysafe.core.bounds import NonBlankText, RowId, SaneDate
from citysafe.core.geo import Location
from citysafe.core.pagination import Page
from citysafe.core.validators import validate_division_code
from citysafe.emergency.resources.calc.codes import StockCodeError, validate_stock_code
from citysafe.emergency.resources.calc.status import TeamStatus
from citysafe.knowledge.thinktank.schemas import EXPERT_FIELDS_ZH as EXPERT_FIELDS_ZH  # the shared vocabulary

Count = Annotated[int, Ge(0), Le(10_000_000)]


class TeamKind(StrEnum):
    FIRE_STATION = "fire_station"
    COMPREHENSIVE = "comprehensive"
    PROFESSIONAL_BASE = "professional_base"
    ENTERPRISE = "enterprise"
    SOCIAL = "social"
    VOLUNTEER = "volunteer"


TEAM_KIND_NAMES_ZH = {
    TeamKind.FIRE_STATION: "消防救援站", TeamKind.COMPREHENSIVE: "综合性消防救援队伍",
    TeamKind.PROFESSIONAL_BASE: "专业救援基地", TeamKind.ENTERPRISE: "企业专职救援队",
    TeamKind.SOCIAL: "社会应急力量", TeamKind.VOLUNTEER: "应急志愿者队伍",
}
# The professional bases the national plans name (spec issue #13 point 1).
SPECIALTY_NAMES_ZH = {"hazchem": "危险化学品", "mine": "矿山", "inland_water": "内河内湖", "yangtze": "长江",
                      "maritime": "海上"}
DEPOT_KIND_NAMES_ZH = {"comprehensive": "综合储备库", "flood": "防汛抗旱物资库", "forest_fire": "森林防灭火物资库",
                       "earthquake": "抗震救灾物资库", "hazchem": "危化品应急物资库", "medical": "医疗卫生物资库"}
DEPOT_LEVEL_NAMES_ZH = {"province": "省级", "city": "市级", "county": "县级", "street": "乡镇（街道）级",
                        "enterprise": "企业"}


def _division(value: str) -> str:
    return validate_division_code(value)


def _code(value: str) -> str:
    try:
        return validate_stock_code(value)
    except StockCodeError as exc:
        raise PydanticCustomError("stock_code", str(exc), {"zh": exc.zh}) from None


class EquipmentItem(BaseModel):
    name: NonBlankText = Field(max_length=100)
    count: Count = 1


class TeamBase(BaseModel):
    name: NonBlankText = Field(max_length=200)
    kind: TeamKind
    specialty: str = Field(default="", description="professional bases: " + ", ".join(SPECIALTY_NAMES_ZH))
    region_code: str = Field(description="division code (6, 9 or 12 digits) the team belongs to")
    organization_id: RowId | None = Field(default=None, description="the organisation that runs it, if any")
    location: Location
    address: str = Field(default="", max_length=300)
    headcount: Count = 0
    equipment: list[EquipmentItem] = Field(default_factory=list, max_length=200)
    contact_name: str = Field(default="", max_length=50)
    contact_phone: str = Field(default="", max_length=30)

    _region = field_validator("region_code")(classmethod(lambda cls, v: _division(v)))

    @model_validator(mode="after")
    def _specialty(self) -> TeamBase:
        if self.kind == TeamKind.PROFESSIONAL_BASE and self.specialty not in SPECIALTY_NAMES_ZH:
            raise PydanticCustomError("specialty", "a professional base names its specialty: {names}",
                                      {"names": ", ".join(SPECIALTY_NAMES_ZH),
                                       "zh": "专业救援基地须选择专业方向：" + "、".join(SPECIALTY_NAMES_ZH.values())})
        if self.kind != TeamKind.PROFESSIONAL_BASE:
            self.specialty = ""
        return self


class TeamCreate(TeamBase):
    pass


class TeamUpdate(TeamBase):
    pass


class TeamRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: str
    kind_name: str = ""
    specialty: str
    specialty_name: str = ""
    region_code: str
    region_name: str = ""
    organization_id: int | None
    lon: float
    lat: float
    address: str
    headcount: int
    equipment: list[EquipmentItem]
    contact_name: str
    contact_phone: str
    status: TeamStatus
    status_name: str = ""
    status_since: datetime
    incident_id: int | None


class TeamPage(Page[TeamRead]):
    pass


class TeamFilter(BaseModel):
    q: str | None = Field(default=None, max_length=50, description="part of the name")
    kind: TeamKind | None = None
    status: TeamStatus | None = None
    region: str | None = Field(default=None, description="division code: it and everything inside")

    _region = field_validator("region")(classmethod(lambda cls, v: _division(v) if v else None))


class StatusIn(BaseModel):
    status: TeamStatus
    incident_id: RowId | None = Field(default=None, description="required when dispatching")
    note: str = Field(default="", max_length=500)


class StatusChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_status: str
    to_status: str
    incident_id: int | None
    actor: str
    note: str
    at: datetime


class TeamPoint(BaseModel):
    """What the dispatch engine needs of a team."""

    id: int
    name: str
    kind: str
    specialty: str
    lon: float
    lat: float
    status: TeamStatus
    distance_m: float | None = None


class ExpertIn(BaseModel):
    name: NonBlankText = Field(max_length=50)
    field: str = Field(description="one of " + ", ".join(EXPERT_FIELDS_ZH))
    region_code: str
    title: str = Field(default="", max_length=100)
    employer: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=30)

    _region = field_validator("region_code")(classmethod(lambda cls, v: _division(v)))

    @field_validator("field")
    @classmethod
    def _field(cls, value: str) -> str:
        if value not in EXPERT_FIELDS_ZH:
            raise PydanticCustomError("unknown_value", "unknown field; one of {names}",
                                      {"names": ", ".join(EXPERT_FIELDS_ZH),
                                       "zh": "应为以下之一：" + "、".join(EXPERT_FIELDS_ZH.values())})
        return value


class ExpertRead(ExpertIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
    field_name: str = ""


class ExpertPage(Page[ExpertRead]):
    pass


class DepotIn(BaseModel):
    name: NonBlankText = Field(max_length=200)
    kind: str = Field(description="one of " + ", ".join(DEPOT_KIND_NAMES_ZH))
    level: str = Field(description="one of " + ", ".join(DEPOT_LEVEL_NAMES_ZH))
    region_code: str
    location: Location
    address: str = Field(default="", max_length=300)
    keeper: str = Field(default="", max_length=50)
    phone: str = Field(default="", max_length=30)

    _region = field_validator("region_code")(classmethod(lambda cls, v: _division(v)))

    @model_validator(mode="after")
    def _known(self) -> DepotIn:
        if self.kind not in DEPOT_KIND_NAMES_ZH:
            raise PydanticCustomError("unknown_value", "unknown depot kind; one of {names}",
                                      {"names": ", ".join(DEPOT_KIND_NAMES_ZH)})
        if self.level not in DEPOT_LEVEL_NAMES_ZH:
            raise PydanticCustomError("unknown_value", "unknown depot level; one of {names}",
                                      {"names": ", ".join(DEPOT_LEVEL_NAMES_ZH)})
        return self


class StockIn(BaseModel):
    code: str = Field(description="GB/T 38565-2020 7-digit code")
    name: NonBlankText = Field(max_length=100)
    unit: NonBlankText = Field(max_length=20)
    quantity: Count
    expires_on: SaneDate | None = None

    _code = field_validator("code")(classmethod(lambda cls, v: _code(v)))


class StockRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    depot_id: int
    depot_name: str = ""
    code: str
    class_name: str = ""
    name: str
    unit: str
    quantity: int
    expires_on: date | None


class DepotRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: str
    kind_name: str = ""
    level: str
    level_name: str = ""
    region_code: str
    region_name: str = ""
    lon: float
    lat: float
    address: str
    keeper: str
    phone: str
    lines: int = 0


class DepotPage(Page[DepotRead]):
    pass


class DepotFilter(BaseModel):
    q: str | None = Field(default=None, max_length=50)
    kind: str | None = Field(default=None, max_length=30)
    region: str | None = None

    _region = field_validator("region")(classmethod(lambda cls, v: _division(v) if v else None))


class DepotStock(BaseModel):
    """What the dispatch engine needs of a depot: where it is and how much of each asked-for code it holds
    (unexpired stock only)."""

    id: int
    name: str
    lon: float
    lat: float
    stock: dict[str, int]


class AgreementItem(BaseModel):
    code: str
    name: NonBlankText = Field(max_length=100)
    unit: NonBlankText = Field(max_length=20)
    quantity: Count

    _code = field_validator("code")(classmethod(lambda cls, v: _code(v)))


class AgreementIn(BaseModel):
    supplier_id: RowId = Field(description="the supplying organisation")
    title: NonBlankText = Field(max_length=200)
    region_code: str
    items: list[AgreementItem] = Field(min_length=1, max_length=200)
    response_hours: Annotated[int, Ge(1), Le(720)]
    valid_from: SaneDate
    valid_to: SaneDate
    note: str = Field(default="", max_length=2000)

    _region = field_validator("region_code")(classmethod(lambda cls, v: _division(v)))

    @field_validator("valid_to")
    @classmethod
    def _period(cls, value: date, info: ValidationInfo) -> date:
        # A field validator (not the model's) so the refusal names valid_to, the date a form marks.
        start = info.data.get("valid_from")
        if start is not None and value < start:
            raise PydanticCustomError("period", "valid_to is before valid_from", {"zh": "有效期截止日早于起始日"})
        return value


class AgreementRead(AgreementIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
    supplier_name: str = ""
    in_force: bool = False
