from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from citysafe.auth.deps import CurrentPrincipal, DbSession
from citysafe.regions import service
from citysafe.regions.schemas import RegionBrief, RegionRead

router = APIRouter(prefix="/regions", tags=["regions"])


@router.get("", response_model=list[RegionBrief], operation_id="regions_search")
def search_regions(db: DbSession, principal: CurrentPrincipal, q: str = "", level: str | None = None,
                   limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[RegionBrief]:
    return [RegionBrief(code=r.code, name=r.name, level=r.level)
            for r in service.search(db, q=q, level=level, limit=limit)]


@router.get("/{code}", response_model=RegionRead, operation_id="regions_get")
def get_region(code: str, db: DbSession, principal: CurrentPrincipal) -> RegionRead:
    return service.read(db, code=code)


@router.get("/{code}/boundary", operation_id="regions_boundary")
def get_boundary(code: str, db: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    """The region's boundary as a GeoJSON Feature (WGS84)."""
    return service.boundary_feature(db, code=code)


@router.get("/{code}/children/boundaries", operation_id="regions_children_boundaries")
def get_children_boundaries(code: str, db: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    """Boundaries of the region's children as a GeoJSON FeatureCollection (for drill-down maps)."""
    return service.children_boundaries(db, code=code)
