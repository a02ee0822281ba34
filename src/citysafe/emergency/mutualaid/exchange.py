"""The resource catalogue exchange format, version 1 (docs/mutual-aid-exchange.md): what one platform publishes
of its teams, depots with stock, and experts so that a platform in a neighbouring city or province can read it.

These pydantic models are the format; ``data/catalogue-1.schema.json`` is their JSON Schema, shipped for the
partner's side (a test keeps the two the same). Reading a document names the JSON path of every problem
(``$.teams[3].location.lon``) and accepts nothing of a document with one.

Conventions: coordinates WGS84 (EPSG:4326) longitude/latitude in degrees; times ISO 8601 with an offset
(``+08:00`` or ``Z``); supplies by GB/T 38565-2020 7-digit code; quantities in the line's own ``unit``;
members a reader does not know are ignored (a 1.x writer may add them), missing required ones are refused.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from annotated_types import Ge, Le
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from citysafe.core.errors import FieldProblem, ValidationFailed
from citysafe.emergency.resources.calc.codes import StockCodeError, validate_stock_code
from citysafe.emergency.resources.calc.status import TeamStatus
from citysafe.emergency.resources.schemas import TeamKind

FORMAT = "mutual-aid-catalogue"
VERSION = "1.0"
SCHEMA_FILE = Path(__file__).parent / "data" / "catalogue-1.schema.json"
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024  # a province's teams and depots fit many times over
MAX_PROBLEMS = 20  # named in one answer; the rest would bury the first

Text100 = Annotated[str, Field(max_length=100)]
Count = Annotated[int, Ge(0), Le(10_000_000)]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Location(_Entry):
    lon: float = Field(ge=-180, le=180, description="WGS84 longitude, degrees")
    lat: float = Field(ge=-90, le=90, description="WGS84 latitude, degrees")


class Contact(_Entry):
    name: str = Field(default="", max_length=50)
    phone: str = Field(default="", max_length=30, description="a duty line; personal numbers only by agreement")


class Publisher(_Entry):
    id: str = Field(min_length=1, max_length=100, description="stable id of the publishing office, e.g. its "
                                                               "6-digit division code")
    name: str = Field(min_length=1, max_length=200, description="the office, e.g. 南京市应急管理局")
    region_code: str = Field(pattern=r"^\d{6}(\d{3}(\d{3})?)?$", description="GB/T 2260 division it covers")
    contact: Contact = Field(default_factory=Contact, description="the duty desk to call for aid")


class Equipment(_Entry):
    name: str = Field(min_length=1, max_length=100)
    count: Count = 1


class TeamEntry(_Entry):
    id: str = Field(min_length=1, max_length=100, description="stable within the publisher")
    name: str = Field(min_length=1, max_length=200)
    kind: TeamKind
    specialty: str = Field(default="", max_length=30, description="professional bases: hazchem, mine, …")
    region_code: str = Field(pattern=r"^\d{6}(\d{3}(\d{3})?)?$")
    location: Location
    address: str = Field(default="", max_length=300)
    headcount: Count = 0
    equipment: list[Equipment] = Field(default_factory=list, max_length=200)
    status: TeamStatus = Field(description="at generated_at")
    contact: Contact | None = None


class StockEntry(_Entry):
    code: str = Field(description="GB/T 38565-2020 7-digit code",
                      json_schema_extra={"pattern": r"^[123](0[1-9]|[1-9][0-9]){3}$"})
    name: str = Field(min_length=1, max_length=100)
    unit: str = Field(min_length=1, max_length=20)
    quantity: Count
    expires_on: date | None = None

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        try:
            return validate_stock_code(value)
        except StockCodeError as exc:
            raise PydanticCustomError("stock_code", str(exc), {"zh": exc.zh}) from None


class DepotEntry(_Entry):
    id: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(max_length=30, description="comprehensive, flood, forest_fire, earthquake, hazchem, medical")
    level: str = Field(max_length=20, description="province, city, county, street, enterprise")
    region_code: str = Field(pattern=r"^\d{6}(\d{3}(\d{3})?)?$")
    location: Location
    address: str = Field(default="", max_length=300)
    contact: Contact | None = None
    stock: list[StockEntry] = Field(default_factory=list, max_length=5000)


class ExpertEntry(_Entry):
    id: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=50)
    field: str = Field(max_length=30, description="hazchem, fire, structure, mine, geology, medical, …")
    title: str = Field(default="", max_length=100)
    employer: str = Field(default="", max_length=200)


class Catalogue(_Entry):
    """资源目录 exchange document, version 1."""

    model_config = ConfigDict(extra="ignore", title="Mutual aid resource catalogue, version 1")

    format: Literal["mutual-aid-catalogue"]
    version: str = Field(pattern=r"^1\.\d+$", description="1.x: readers of 1.0 read every 1.x")
    generated_at: AwareDatetime = Field(description="ISO 8601 with an offset (+08:00 or Z)")
    crs: Literal["EPSG:4326"] = Field(description="WGS84 longitude/latitude")
    publisher: Publisher
    teams: list[TeamEntry] = Field(default_factory=list, max_length=20_000)
    depots: list[DepotEntry] = Field(default_factory=list, max_length=5_000)
    experts: list[ExpertEntry] = Field(default_factory=list, max_length=20_000)


def json_schema() -> dict[str, Any]:
    schema = Catalogue.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://citysafe.example/schemas/mutual-aid-catalogue-1.schema.json"
    return schema


def json_path(loc: tuple[int | str, ...]) -> str:
    """pydantic's error location as a JSON path: ("teams", 3, "location", "lon") → ``$.teams[3].location.lon``."""
    out = "$"
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _problem(error: Any) -> FieldProblem:
    path = json_path(tuple(error["loc"]))
    zh = (error.get("ctx") or {}).get("zh") or error["msg"]
    return FieldProblem(path, error["msg"], str(zh))


def read(raw: bytes) -> Catalogue:
    """A catalogue from the bytes a partner sent, or ``ValidationFailed`` naming the JSON path of each problem."""
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise _refused([FieldProblem("$", f"larger than {MAX_DOCUMENT_BYTES // 1024 // 1024} MB",
                                     f"文档超过 {MAX_DOCUMENT_BYTES // 1024 // 1024} MB")])
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _refused([FieldProblem("$", f"not JSON in UTF-8: {exc}", f"不是 UTF-8 编码的 JSON：{exc}")]) from None
    if not isinstance(data, dict):
        raise _refused([FieldProblem("$", "the document is a JSON object", "文档应为 JSON 对象")])
    return validate(data)


def validate(data: dict[str, Any]) -> Catalogue:
    try:
        return Catalogue.model_validate(data)
    except ValidationError as exc:
        raise _refused([_problem(e) for e in exc.errors()[:MAX_PROBLEMS]]) from None


def _refused(problems: list[FieldProblem]) -> ValidationFailed:
    first = problems[0]
    return ValidationFailed(detail=f"catalogue refused, nothing imported: {first.field}: {first.message}",
                            detail_zh=f"资源目录未导入（无任何改动）：{first.field}：{first.message_zh}",
                            fields=problems)
