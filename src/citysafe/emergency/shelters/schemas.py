"""Shelters, occupancy, community populations and the evacuation plan in and out of the API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from annotated_types import Ge, Le
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from citysafe.core.bounds import GeoJsonObject, NonBlankText, RowId
from citysafe.core.geo import Location
from citysafe.core.pagination import Page
from citysafe.core.validators import validate_division_code

# GB/T 44013-2024 分级 (spec §4 [V]): grade by administrative level.
GRADE_NAMES_ZH = {"province": "省级", "city": "市级", "county": "县级", "street": "乡镇（街道）级",
                  "community": "村（社区）级"}
SPACE_NAMES_ZH = {"indoor": "室内型", "outdoor": "室外型"}
FUNCTION_NAMES_ZH = {"comprehensive": "综合性", "single": "单一性"}
DURATION_NAMES_ZH = {"emergency": "紧急", "short_term": "短期", "long_term": "长期"}
# Kinds of place; 人防工程 (civil air defence works) is one (issue #13 point 3).
KIND_NAMES_ZH = {"park": "公园绿地", "square": "广场", "school": "学校", "stadium": "体育场馆",
                 "civil_defense": "人防工程", "community_center": "社区服务中心", "other": "其他"}
# GB 21734-2008 facility lists (spec §4 [V]): Ⅲ basic; Ⅱ adds; Ⅰ adds.
FACILITIES_ZH = {
    "tents": "帐篷/简易房", "medical": "医疗救护和卫生防疫", "water": "应急供水", "power": "应急供电",
    "sewage": "应急排污", "toilet": "应急厕所", "garbage": "垃圾储运", "access": "应急通道", "signs": "应急标志",
    "firefighting": "应急消防", "supplies": "物资储备", "command": "指挥管理",
    "parking": "应急停车场", "helipad": "应急停机坪", "bathing": "应急洗浴", "ventilation": "应急通风",
    "info": "功能介绍设施",
}
FACILITY_CLASSES = {"Ⅲ": ("tents", "medical", "water", "power", "sewage", "toilet", "garbage", "access", "signs"),
                    "Ⅱ": ("firefighting", "supplies", "command"),
                    "Ⅰ": ("parking", "helipad", "bathing", "ventilation", "info")}
Area = Annotated[float, Le(100_000_000)]
People = Annotated[int, Ge(1), Le(10_000_000)]


def _choice(value: str, names: dict[str, str], what: str) -> str:
    if value not in names:
        raise PydanticCustomError("unknown_value", "unknown {what}; one of {names}",
                                  {"what": what, "names": ", ".join(names),
                                   "zh": "取值不在允许范围内，应为：" + "、".join(names.values())})
    return value


class ShelterIn(BaseModel):
    name: NonBlankText = Field(max_length=200)
    grade: str = Field(description="GB/T 44013-2024 grade: " + ", ".join(GRADE_NAMES_ZH))
    space: str = Field(description="indoor / outdoor")
    function: str = Field(description="comprehensive / single")
    duration: str = Field(description="emergency / short_term / long_term")
    kind: str = Field(description="one of " + ", ".join(KIND_NAMES_ZH))
    region_code: str
    location: Location
    address: str = Field(default="", max_length=300)
    effective_area_m2: Area = Field(description="有效避难面积, m²; must be greater than 0")
    facilities: list[str] = Field(default_factory=list, max_length=len(FACILITIES_ZH))
    manager: str = Field(default="", max_length=50)
    phone: str = Field(default="", max_length=30)
    is_open: bool = False

    _region = field_validator("region_code")(classmethod(lambda cls, v: validate_division_code(v)))

    @field_validator("effective_area_m2")
    @classmethod
    def _area(cls, value: float) -> float:
        if not value > 0:
            raise PydanticCustomError("area_not_positive", "the effective area must be greater than 0 m² (got {got}): "
                                      "a shelter with no area holds no one",
                                      {"got": f"{value:g}", "zh": f"有效避难面积应大于 0 m²（现为 {value:g}），"
                                                                 "面积为 0 的场所容纳不了任何人"})
        return value

    @model_validator(mode="after")
    def _known(self) -> ShelterIn:
        _choice(self.grade, GRADE_NAMES_ZH, "grade")
        _choice(self.space, SPACE_NAMES_ZH, "space")
        _choice(self.function, FUNCTION_NAMES_ZH, "function")
        _choice(self.duration, DURATION_NAMES_ZH, "duration")
        _choice(self.kind, KIND_NAMES_ZH, "kind")
        for item in self.facilities:
            _choice(item, FACILITIES_ZH, "facility")
        self.facilities = sorted(set(self.facilities), key=list(FACILITIES_ZH).index)
        return self


class ShelterRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    grade: str
    space: str
    function: str
    duration: str
    kind: str
    region_code: str
    region_name: str = ""
    lon: float
    lat: float
    address: str
    effective_area_m2: float
    capacity: int
    occupancy: int
    facilities: list[str]
    facility_class: str = Field(default="", description="the GB 21734 class its facilities complete: Ⅰ, Ⅱ, Ⅲ or ''")
    manager: str
    phone: str
    is_open: bool
    labels: dict[str, str] = Field(default_factory=dict, description="Chinese names of the codes")


class ShelterPage(Page[ShelterRead]):
    pass


class ShelterFilter(BaseModel):
    q: str | None = Field(default=None, max_length=50)
    grade: str | None = Field(default=None, max_length=20)
    kind: str | None = Field(default=None, max_length=30)
    duration: str | None = Field(default=None, max_length=20)
    region: str | None = None

    _region = field_validator("region")(classmethod(lambda cls, v: validate_division_code(v) if v else None))


class MovementIn(BaseModel):
    arrived: Annotated[int, Ge(0), Le(1_000_000)] = 0
    left: Annotated[int, Ge(0), Le(1_000_000)] = 0
    over_capacity: bool = Field(default=False, description="allow occupancy above capacity, knowingly")
    incident_id: RowId | None = None
    note: str = Field(default="", max_length=300)

    @model_validator(mode="after")
    def _something(self) -> MovementIn:
        if self.arrived == 0 and self.left == 0:
            raise PydanticCustomError("movement", "give the number of people who arrived or left",
                                      {"zh": "请填写到达或离开的人数"})
        return self


class MovementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    change: int
    occupancy_after: int
    over_capacity: bool
    incident_id: int | None
    actor: str
    note: str
    at: datetime


class AreaRuleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    duration: str
    area_per_person_m2: float
    rule: str


class AreaRuleIn(BaseModel):
    duration: str = Field(description="emergency / short_term / long_term")
    area_per_person_m2: Annotated[float, Ge(0.5), Le(100)]
    rule: str = Field(default="", max_length=300, description="the clause or decision the figure comes from")


class PopulationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    region_code: str
    region_name: str = ""
    population: int
    lon: float
    lat: float
    source: str


class EvacuationIn(BaseModel):
    regions: list[str] = Field(default_factory=list, max_length=200,
                               description="division codes whose communities evacuate")
    polygon: GeoJsonObject | None = Field(default=None, description="or a GeoJSON Polygon/MultiPolygon (WGS84)")
    max_distance_m: Annotated[float, Ge(100), Le(100_000)] | None = Field(
        default=None, description="no one is sent further than this (a service radius)")
    shelter_ids: list[RowId] | None = Field(default=None, description="only these shelters (default: all in scope)")

    @field_validator("regions")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        return [validate_division_code(v) for v in value]

    @model_validator(mode="after")
    def _area(self) -> EvacuationIn:
        if not self.regions and self.polygon is None:
            raise PydanticCustomError("area", "give the area: division codes (regions) or a GeoJSON polygon",
                                      {"zh": "请给出疏散范围：行政区划代码或 GeoJSON 面"})
        return self


class EvacuationLeg(BaseModel):
    shelter_id: int
    shelter_name: str
    people: int
    distance_m: float


class EvacuationCommunity(BaseModel):
    region_code: str
    name: str
    population: int
    placed: int
    unplaced: int
    legs: list[EvacuationLeg]


class EvacuationPlan(BaseModel):
    communities: list[EvacuationCommunity]
    population: int
    placed: int
    unplaced: int
    person_metres: float = Field(description="Σ people × straight-line metres, the quantity minimised")
    mean_distance_m: float
    free_places: int = Field(description="free places of the shelters considered, before the plan")
    method: str
    note: str = ""
    note_zh: str = ""
