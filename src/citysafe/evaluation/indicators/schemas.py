"""The 城市安全状况 indicators in and out of the API. Units are in the field names: ``gdp_yi`` is 亿元, the
other denominators are whole counts (辆, 人, 台); rates are the standard ones (calc/indicators.py RATES)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Verdict = Literal["pass", "fail", "insufficient_data"]
VERDICT_NAMES_ZH: dict[str, str] = {"pass": "达标", "fail": "未达标", "insufficient_data": "数据不足"}
DENOMINATORS: tuple[str, ...] = ("gdp_yi", "vehicles", "residents", "industrial_employees", "special_equipment_units")


class Link(BaseModel):
    label: str
    url: str


class DeathCount(BaseModel):
    """Deaths of one class in one year, counted from the accident ledger."""

    key: str = Field(description="production | road | fire | industrial | special_equipment")
    label: str
    deaths: int = Field(description="persons")
    accidents: int
    url: str = Field(description="the ledger page filtered to these records (year, region, type)")
    entry_ids: list[int] = Field(default_factory=list, description="the ledger entries counted")


class RateValue(BaseModel):
    name: str
    label: str
    value: float | None = Field(description="null when it cannot be computed; see note")
    deaths_key: str
    base: str
    note: str = ""


class YearRow(BaseModel):
    year: int
    gdp_yi: float | None = Field(description="亿元")
    vehicles: int | None
    residents: int | None
    industrial_employees: int | None
    special_equipment_units: int | None
    base_id: int | None = Field(description="the denominator row, null when none was imported for the year")
    source_note: str = ""
    source: Link | None = None
    imported_by: str = ""
    imported_at: datetime | None = None
    deaths: list[DeathCount]
    rates: list[RateValue]


class RateVerdicts(BaseModel):
    name: str
    label: str
    trend: Verdict = Field(description="strictly decreasing over the three latest consecutive years")
    trend_name: str
    target: float | None = Field(description="the benchmark or control target the latest rate is held to")
    target_label: str = ""
    target_source: str = ""
    target_unverified: bool = False
    lte: Verdict = Field(description="latest year's rate ≤ target")
    lte_name: str
    latest_year: int | None


class IndicatorTable(BaseModel):
    region_code: str
    region_name: str
    years: list[YearRow]
    verdicts: list[RateVerdicts]
    all_zero_policy: str = Field(description="what three zero years count as (calc/indicators.py trend)")
    classes: dict[str, str] = Field(description="how each death class is taken from the ledger")
    unclassified_deaths: dict[int, int] = Field(default_factory=dict,
                                                description="per year, deaths in entries without an industry "
                                                            "section, left out of the 工矿商贸 count")


class BaseRowIn(BaseModel):
    """One checked import row, in the stored units."""

    region_code: str
    year: int
    gdp_yi: str | None = None  # a decimal as text, exact
    vehicles: int | None = None
    residents: int | None = None
    industrial_employees: int | None = None
    special_equipment_units: int | None = None
    source_note: str = ""
    row: int


class ImportResult(BaseModel):
    file: str
    applied: bool
    rows: list[BaseRowIn]
    units: dict[str, str] = Field(description="the unit each column was read in, from its header")


class TargetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region_code: str = Field(min_length=2, max_length=12)
    rate: str = Field(max_length=40)
    value: float = Field(ge=0, le=1_000_000)
    label: str = Field(default="", max_length=200)
    source: str = Field(min_length=1, max_length=2000, description="where the target comes from")


class TargetRead(BaseModel):
    rate: str
    rate_label: str
    value: float
    label: str
    source: str
    unverified: bool
    region_code: str = Field(description="the region that set it; empty for the shipped default")


BASE_UNITS_ZH: dict[str, str] = {"gdp_yi": "亿元", "vehicles": "辆", "residents": "人", "industrial_employees": "人",
                                 "special_equipment_units": "台"}
RATE_UNITS_ZH: dict[str, str] = {"gdp_death_rate": "人/亿元", "vehicle_death_rate": "人/万车",
                                 "fire_death_rate": "人/十万人", "industrial_death_rate": "人/十万人",
                                 "special_equipment_death_rate": "人/万台"}
