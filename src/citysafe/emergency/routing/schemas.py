"""Dispatch questions and answers in and out of the API. Points are (lon, lat) in WGS84 unless ``crs`` says
gcj02 (converted on the way in); routes come back as GeoJSON LineString features in WGS84 with ``seconds`` and
``metres``; every answer names its ``method`` and, when it fell back to straight lines, a ``note`` saying so."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from annotated_types import Ge, Le, MaxLen, MinLen
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

Lon = Annotated[float, Ge(-180), Le(180)]
Lat = Annotated[float, Ge(-90), Le(90)]
Code = Annotated[str, MinLen(1), MaxLen(64)]
Crs = Literal["wgs84", "gcj02"]
Method = Literal["road_network", "straight_line"]
# An API question is a dispatcher's, not a batch job: these bounds keep one request under a second on a
# city network (bench/dispatch.py runs the 1,000 × 500 case through the calc functions directly).
MAX_CANDIDATES = 2000
MAX_INCIDENTS = 200


def _distinct_ids(items: list[Any]) -> list[Any]:
    """Answers name candidates by id: two with one id could not be told apart."""
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise PydanticCustomError("duplicate_id", "id {id} appears twice", {"id": item.id})
        seen.add(item.id)
    return items


class PointIn(BaseModel):
    lon: Lon
    lat: Lat


class CandidateIn(PointIn):
    id: Code = Field(description="the caller's id of the team, vehicle or depot")


class DepotIn(CandidateIn):
    stock: dict[Code, Annotated[int, Ge(0), Le(10**9)]] = Field(description="item code → quantity on hand")


class NearestIn(BaseModel):
    origin: PointIn = Field(description="the incident: where the teams must go")
    candidates: Annotated[list[CandidateIn], MinLen(1), MaxLen(MAX_CANDIDATES), AfterValidator(_distinct_ids)]
    k: Annotated[int, Ge(1), Le(50)] = 5
    crs: Crs = "wgs84"


class AssignIn(BaseModel):
    incidents: Annotated[list[CandidateIn], MinLen(1), MaxLen(MAX_INCIDENTS), AfterValidator(_distinct_ids)]
    candidates: Annotated[list[CandidateIn], MinLen(1), MaxLen(MAX_CANDIDATES), AfterValidator(_distinct_ids)]
    per_incident: Annotated[int, Ge(1), Le(20)] = 1
    crs: Crs = "wgs84"


class AllocateIn(BaseModel):
    at: PointIn = Field(description="where the supplies are needed")
    demand: Annotated[dict[Code, Annotated[int, Ge(1), Le(10**9)]], MinLen(1)]
    depots: Annotated[list[DepotIn], MinLen(1), MaxLen(MAX_CANDIDATES), AfterValidator(_distinct_ids)]
    crs: Crs = "wgs84"


class NetworkRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    source_name: str = Field(description="the file it was imported from")
    source_crs: str
    generated: bool = Field(description="true for a generated demo grid, not real roads")
    nodes: int
    edges: int = Field(description="directed edges: a two-way street counts twice")
    bbox: tuple[float, float, float, float] = Field(description="min lon, min lat, max lon, max lat (WGS84)")
    speeds_source: str = Field(description="where the speed per road class comes from")
    imported_at: datetime


class Answer(BaseModel):
    method: Method
    note: str = Field(description="empty on the road network; says it is a straight-line estimate otherwise")
    network: NetworkRead | None


class NetworkStatus(Answer):
    pass


class NearestOut(Answer):
    routes: list[dict[str, Any]] = Field(description="GeoJSON LineString features, fastest first")


class AssignmentOut(BaseModel):
    incident_id: str
    candidate_id: str
    seconds: float
    route: dict[str, Any]


class AssignOut(Answer):
    assignments: list[AssignmentOut]
    total_seconds: float
    unassigned: list[str] = Field(description="incidents left with fewer teams than asked for")


class AllocationOut(BaseModel):
    depot_id: str
    item: str
    quantity: int
    seconds: float
    route: dict[str, Any]


class AllocateOut(Answer):
    allocations: list[AllocationOut]
    shortfall: dict[str, int] = Field(description="item → quantity no depot can supply")
