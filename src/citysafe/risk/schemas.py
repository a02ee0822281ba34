"""Request and response models of the risk API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from citysafe.core.bounds import FreeJson, GeoJsonObject, NonBlankText, RowId
from citysafe.core.geo import Crs
from citysafe.core.validators import validate_division_code
from citysafe.risk.enums import KINDS, parse_category, parse_kind, parse_level


def _known(parse: Callable[[str], str]) -> AfterValidator:
    """A filter value turned into its code, or a 422 naming the filter (an unknown value was a 500)."""
    def check(value: str) -> str:
        try:
            return parse(value)
        except ValueError as exc:
            raise PydanticCustomError("unknown_value", "{reason}", {"reason": str(exc)}) from None
    return AfterValidator(check)


CategoryCode = Annotated[str, _known(lambda text: parse_category(text).value)]
KindCode = Annotated[str, _known(parse_kind)]
# "none" selects the sources not yet assessed.
LevelCode = Annotated[str, _known(lambda text: "none" if text == "none" else parse_level(text).value)]

Method = Literal["lec", "matrix", "gb18218", "given"]


class AssessmentCreate(BaseModel):
    """An assessment to run and store: a method of the registry and its parameters.

    ``given`` records a level decided elsewhere (a third-party assessment report), with its basis.
    """

    method: Method
    params: FreeJson = Field(default_factory=dict)
    note: str = Field(default="", max_length=500)


class AssessmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    source_id: int
    method: str
    version: str
    preset: str | None
    inputs: dict[str, Any]
    result: dict[str, Any]
    level: str | None
    assessor: str
    assessor_name: str
    assessed_at: datetime
    note: str


class SourceBase(BaseModel):
    name: NonBlankText = Field(max_length=200)
    kind: str
    address: str = Field(default="", max_length=300)
    organization_id: RowId | None = None
    responsible_unit: str = Field(default="", max_length=200)
    supervising_department: str = Field(default="", max_length=100)
    attributes: FreeJson = Field(default_factory=dict)

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if value not in KINDS:
            raise ValueError(f"unknown kind {value!r}; see GET /api/v1/risk/categories")
        return value


class SourceCreate(SourceBase):
    """A new source: a GeoJSON geometry (Point, LineString, Polygon or Multi-) in ``crs``."""

    code: str | None = Field(default=None, max_length=40, pattern=r"^[A-Za-z0-9_.\-]+$")
    geometry: GeoJsonObject
    crs: Crs = "wgs84"
    region_code: str | None = None
    assessment: AssessmentCreate | None = None

    @field_validator("region_code")
    @classmethod
    def _division(cls, value: str | None) -> str | None:
        return validate_division_code(value) if value else None


class SourceUpdate(BaseModel):
    name: NonBlankText | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    organization_id: RowId | None = None
    responsible_unit: str | None = Field(default=None, max_length=200)
    supervising_department: str | None = Field(default=None, max_length=100)
    attributes: FreeJson | None = None
    geometry: GeoJsonObject | None = None
    crs: Crs = "wgs84"
    status: Literal["active", "retired"] | None = None


class LevelReason(BaseModel):
    rule: str
    factor: str
    count: int
    refs: list[str]
    level: str
    decisive: bool
    reason_zh: str
    reason_en: str


class SourceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    category: str
    kind: str
    geometry_type: str
    lon: float
    lat: float
    region_code: str
    address: str
    organization_id: int | None
    responsible_unit: str
    supervising_department: str
    assessed_level: str | None
    current_level: str | None
    level_reasons: list[LevelReason]
    assessed_at: datetime | None
    attributes: dict[str, Any]
    status: str
    created_at: datetime
    updated_at: datetime


class SourceDetail(SourceRead):
    geometry: dict[str, Any]
    region_path: list[dict[str, str]]
    assessments: list[AssessmentRead]
    active_factors: list[dict[str, Any]]


class SourceFilter(BaseModel):
    q: str | None = None
    region: str | None = None
    category: list[CategoryCode] | None = None
    kind: list[KindCode] | None = None
    level: list[LevelCode] | None = Field(default=None, description="current level: red, orange, yellow, blue, none")
    organization_id: RowId | None = None
    status: Literal["active", "retired", "all"] = "active"


class CalcRequest(BaseModel):
    """Run a calculator without storing anything (the console's preview)."""

    method: Literal["lec", "matrix", "gb18218"]
    params: FreeJson


class ImportProblem(BaseModel):
    row: int
    field: str
    message: str
    message_zh: str


class ImportReport(BaseModel):
    ok: bool
    dry_run: bool
    file_format: str
    crs: str
    rows: int
    created: int = 0
    updated: int = 0
    assessed: int = 0
    unchanged: int = 0
    import_id: int | None = None
    errors: list[ImportProblem] = Field(default_factory=list)
    warnings: list[ImportProblem] = Field(default_factory=list)


class MapQuery(BaseModel):
    region: str
    unit: Literal["district", "street", "community", "grid", "h3"] = "district"
    res: int | None = Field(default=None, ge=4, le=11, description="H3 resolution (unit=h3)")
    rule: Literal["highest", "weighted", "density", "share"] | None = Field(
        default=None, description="aggregation rule; default: the configured one (CITYSAFE_RISK_MAP_RULE, density)")
    basis: Literal["current", "assessed"] = "current"
    category: list[str] | None = None
    kind: list[str] | None = None

    @model_validator(mode="after")
    def _known(self) -> MapQuery:
        from citysafe.risk.enums import parse_category

        for value in self.category or []:
            parse_category(value)
        for value in self.kind or []:
            if value not in KINDS:
                raise ValueError(f"unknown kind {value!r}")
        return self


class ReportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    year: int
    title: str
    region_code: str
    params: dict[str, Any]
    summary: dict[str, Any]
    files: dict[str, str]
    created_by: str
    created_at: datetime
