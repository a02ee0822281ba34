"""Grids, grid officers and places."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from citysafe.auth.deps import CurrentPrincipal, DbSession, requires
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.geo import Crs, to_wgs84
from citysafe.core.pagination import Page, PageParams, page_of
from citysafe.hazards.grids import service
from citysafe.hazards.grids.schemas import (
    GridCreate,
    GridRead,
    GridUpdate,
    OfficerCreate,
    OfficerRead,
    PlaceCreate,
    PlaceRead,
    PlaceUpdate,
)
from citysafe.hazards.schemas import region_query

router = APIRouter(tags=["hazards: grids"])
GridManager = Annotated[Principal, Depends(requires(Permission.WRITE_HAZARDS))]
PlaceWriter = Annotated[Principal, Depends(requires(Permission.REPORT_HAZARDS))]


def _within(principal: Principal, within: str | None) -> str:
    return region_query(within, "within") or principal.region_code


@router.post("/grids", response_model=GridRead, status_code=201, operation_id="hazards_grids_create")
def create_grid(grid_in: GridCreate, db: DbSession, principal: GridManager) -> GridRead:
    """Draw a grid below a community; its code is the community's plus three digits."""
    return service.create_grid(db, grid_in=grid_in)


@router.get("/grids", response_model=list[GridRead], operation_id="hazards_grids_list")
def list_grids(db: DbSession, principal: CurrentPrincipal, within: str | None = None) -> list[GridRead]:
    return service.list_grids(db, within=_within(principal, within))


@router.get("/grids/features", operation_id="hazards_grids_features")
def grid_features(db: DbSession, principal: CurrentPrincipal, within: str | None = None) -> dict[str, Any]:
    """Grid polygons (WGS84) as a GeoJSON FeatureCollection, for the map."""
    return service.grid_features(db, within=_within(principal, within))


@router.get("/grids/locate", response_model=GridRead | None, operation_id="hazards_grids_locate")
def locate_grid(
    db: DbSession, principal: CurrentPrincipal, lon: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)], crs: Crs = "wgs84",
) -> GridRead | None:
    """The grid covering a point (a phone's position), or null."""
    wlon, wlat = to_wgs84(lon, lat, crs)
    code = service.locate(db, lon=wlon, lat=wlat, within=principal.region_code)
    return service.grid_read(db, code=code) if code else None


@router.get("/grids/mine", response_model=list[GridRead], operation_id="hazards_grids_mine")
def my_grids(db: DbSession, principal: CurrentPrincipal) -> list[GridRead]:
    return [service.grid_read(db, code=code) for code in service.grids_of_user(db, user_id=principal.user_id)]


@router.get("/grids/{code}", response_model=GridRead, operation_id="hazards_grids_get")
def get_grid(code: str, db: DbSession, principal: CurrentPrincipal) -> GridRead:
    return service.grid_read(db, code=code)


@router.patch("/grids/{code}", response_model=GridRead, operation_id="hazards_grids_update")
def update_grid(code: str, grid_in: GridUpdate, db: DbSession, principal: GridManager) -> GridRead:
    return service.update_grid(db, code=code, grid_in=grid_in)


@router.post("/grids/{code}/officers", response_model=OfficerRead, status_code=201,
             operation_id="hazards_grids_officers_add")
def add_officer(code: str, officer_in: OfficerCreate, db: DbSession, principal: GridManager) -> OfficerRead:
    return OfficerRead.model_validate(service.add_officer(db, code=code, officer_in=officer_in))


@router.delete("/grids/{code}/officers/{officer_id}", status_code=204, operation_id="hazards_grids_officers_remove")
def remove_officer(code: str, officer_id: RowId, db: DbSession, principal: GridManager) -> Response:
    service.remove_officer(db, code=code, officer_id=officer_id)
    return Response(status_code=204)


@router.post("/places", response_model=PlaceRead, status_code=201, operation_id="hazards_places_create")
def create_place(place_in: PlaceCreate, db: DbSession, principal: PlaceWriter) -> PlaceRead:
    """Register a place; it is assigned to the grid that covers its location."""
    return PlaceRead.model_validate(service.create_place(db, place_in=place_in, fallback_region=principal.region_code))


@router.get("/places", response_model=Page[PlaceRead], operation_id="hazards_places_list")
def list_places(
    db: DbSession, principal: CurrentPrincipal, params: Annotated[PageParams, Query()],
    region: str | None = None, place_type: str | None = None, q: str | None = None,
    organization_id: RowId | None = None,
) -> Page[PlaceRead]:
    found = service.list_places(db, params=params, region=region_query(region),
                                place_type=place_type, q=q, organization_id=organization_id)
    return page_of(found, params, PlaceRead.model_validate)


@router.get("/places/{place_id}", response_model=PlaceRead, operation_id="hazards_places_get")
def get_place(place_id: RowId, db: DbSession, principal: CurrentPrincipal) -> PlaceRead:
    return PlaceRead.model_validate(service.get_place(db, place_id=place_id))


@router.patch("/places/{place_id}", response_model=PlaceRead, operation_id="hazards_places_update")
def update_place(place_id: RowId, place_in: PlaceUpdate, db: DbSession, principal: PlaceWriter) -> PlaceRead:
    place = service.get_place(db, place_id=place_id)
    return PlaceRead.model_validate(service.update_place(db, place=place, place_in=place_in))
