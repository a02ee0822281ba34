"""The accident ledger in and out of the API. Units are in the field names: people are whole numbers of
persons, ``direct_loss_yuan`` is whole yuan (元); times are UTC (shown in Asia/Shanghai on the console)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from annotated_types import Ge, Le
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from citysafe.core.bounds import MAX_YEAR, MIN_YEAR
from citysafe.core.validators import CodeError, validate_division_code, validate_uscc

Year = Annotated[int, Ge(MIN_YEAR), Le(MAX_YEAR)]
SOURCE_NAMES_ZH: dict[str, str] = {"platform": "平台事件", "import": "历史导入"}


def _region(value: str | None) -> str | None:
    return validate_division_code(value) if value else None


class LedgerRead(BaseModel):
    """One accident of the ledger; the columns the evaluation domain computes the city's indicators from."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    source: Literal["platform", "import"] = Field(description="platform: a closed incident; import: an Excel row")
    source_name: str = ""
    incident_id: int | None = Field(description="the platform incident (SJ number) this row records")
    incident_number: str | None = None
    import_file: str = Field(description="the workbook an imported row came from")
    import_row: int | None = Field(description="its row number in that workbook (the header is row 1)")
    occurred_at: datetime = Field(description="when the accident happened, UTC")
    occurred_year: int = Field(description="the year in China (Asia/Shanghai) it happened in")
    region_code: str = Field(description="administrative division code (6, 9 or 12 digits) where it happened")
    region_name: str = ""
    category: str = Field(description="always accident (事故灾难)")
    subtype: str = Field(description="accident type: GB 6441-1986 类别 code of emergency/data/rules.json, or "
                                     "road_traffic")
    subtype_name: str = ""
    industry_code: str = Field(description="GB/T 4754-2017 门类 letter A–T; empty while unknown")
    industry_name: str = ""
    deaths: int = Field(description="死亡, persons")
    missing: int = Field(description="下落不明, persons, not counted as deaths")
    serious_injuries: int = Field(description="重伤 including acute industrial poisoning (急性工业中毒), persons")
    minor_injuries: int = Field(description="轻伤, persons")
    direct_loss_yuan: int = Field(description="直接经济损失 in yuan (元), a whole number")
    grade: str = Field(description="accident grade of 国务院令第493号 第三条 computed from the figures")
    grade_name: str = ""
    grade_decided_by: str | None = Field(description="deaths, serious_injuries or loss_yuan; null for 一般")
    unit_name: str = Field(description="事故单位 name")
    uscc: str | None = Field(description="its unified social credit code (GB 32100-2015), checked")
    description: str = Field(description="a short account of what happened")
    created_at: datetime
    updated_at: datetime


def _uscc(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    try:
        return validate_uscc(value)
    except CodeError as exc:
        raise PydanticCustomError("uscc_invalid", "{reason}", {"reason": str(exc), "zh": exc.zh}) from exc


class LedgerUpdate(BaseModel):
    """What an incident does not record, completed on its ledger entry: the 门类, the unit and its credit code.
    Each field left out keeps its value; the figures and the grade follow the incident and cannot be set here."""

    model_config = ConfigDict(extra="forbid")

    industry_code: str | None = Field(default=None, max_length=40, description="GB/T 4754-2017 门类: letter A–T "
                                                                               "or its name")
    unit_name: str | None = Field(default=None, max_length=200)
    uscc: str | None = Field(default=None, max_length=40, description="unified social credit code; empty clears it")
    description: str | None = Field(default=None, max_length=1000)

    _checked_uscc = field_validator("uscc")(classmethod(lambda cls, v: _uscc(v) if v is not None else None))

    @model_validator(mode="after")
    def _something(self) -> LedgerUpdate:
        if all(getattr(self, f) is None for f in ("industry_code", "unit_name", "uscc", "description")):
            raise PydanticCustomError("missing", "give at least one of industry_code, unit_name, uscc, description")
        return self


class LedgerPage(BaseModel):
    items: list[LedgerRead]
    total: int
    page: int
    size: int


class LedgerFilter(BaseModel):
    year_from: Year | None = Field(default=None, description="first year (China time), inclusive")
    year_to: Year | None = Field(default=None, description="last year (China time), inclusive")
    region: str | None = Field(default=None, description="division code: that division and everything inside it")
    industry: str | None = Field(default=None, max_length=2, description="GB/T 4754-2017 门类 letter")
    grade: str | None = Field(default=None, max_length=30)
    subtype: str | None = Field(default=None, max_length=40)
    source: Literal["platform", "import"] | None = None

    _region_code = field_validator("region")(classmethod(lambda cls, v: _region(v)))


class StatRow(BaseModel):
    key: str | int = Field(description="the division code, year, 门类 letter or grade code")
    name: str
    accidents: int
    deaths: int
    missing: int
    serious_injuries: int
    minor_injuries: int
    direct_loss_yuan: int = Field(description="yuan (元)")


class LedgerStats(BaseModel):
    region_code: str = Field(description="the region the figures cover (the caller's, or the filter's)")
    total: StatRow
    by_year: list[StatRow]
    by_district: list[StatRow] = Field(description="rolled up to the county-level division (6 digits)")
    by_city: list[StatRow] = Field(description="rolled up to the prefecture-level city")
    by_industry: list[StatRow]
    by_grade: list[StatRow]
    by_subtype: list[StatRow]


class RowProblem(BaseModel):
    field: str
    column: str = Field(description="the template's column header")
    message: str
    message_zh: str


class ImportRowReport(BaseModel):
    row: int = Field(description="the workbook row (the header is row 1)")
    status: Literal["new", "update", "error"]
    status_name: str
    occurred_at: datetime | None = None
    region_code: str = ""
    unit_name: str = ""
    problems: list[RowProblem] = Field(default_factory=list)


class ImportReport(BaseModel):
    """Row by row. Nothing is written unless every row is good (and ``dry_run`` is false)."""

    file: str
    dry_run: bool
    applied: bool
    rows: int
    new: int
    updated: int
    errors: int
    report: list[ImportRowReport]
