from __future__ import annotations

from pydantic import BaseModel


class RegionBrief(BaseModel):
    code: str
    name: str
    level: str


class RegionRead(RegionBrief):
    parent_code: str | None
    centroid: tuple[float, float] | None
    bbox: tuple[float, float, float, float] | None
    has_boundary: bool
    path: list[RegionBrief]
    children: list[RegionBrief]


class ImportReport(BaseModel):
    divisions: int
    boundaries: int
    skipped_boundaries: list[str]
