"""Grids (level "grid" rows of the region tree), their officers, and places assigned to them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.auth import service as auth_service
from citysafe.core.context import Slot
from citysafe.core.db import get_or_404
from citysafe.core.errors import CitysafeError, NotFound, field_error, not_found
from citysafe.core.geo import convert_geometry, location_wgs84
from citysafe.core.pagination import PageParams, paginate
from citysafe.core.scope import in_region
from citysafe.hazards.grids.models import GridOfficer, HazardPlace
from citysafe.hazards.grids.schemas import (
    GridCreate,
    GridRead,
    GridUpdate,
    OfficerCreate,
    OfficerRead,
    PlaceCreate,
    PlaceUpdate,
)
from citysafe.orgs import service as orgs_service
from citysafe.regions import service as regions_service
from citysafe.regions.enums import RegionLevel

GRID_SOURCE = "grid drawn in citysafe"
# Sibling grids may share edges; more than this share of either's area in common is an overlap.
_OVERLAP_TOLERANCE = 0.01
# Division boundaries are simplified (about 50 m): a grid drawn along one may stray this share of its area.
_OUTSIDE_TOLERANCE = 0.02


# Names of divisions by code, kept for the life of the application: every ticket list shows them and
# they change only when a grid is drawn or renamed here (which clears them). Filled through scoped
# sessions, so a code's name is learned only when someone who can see it asks.
NAMES: Final = Slot("hazards.region_names", lambda _ctx: dict[str, str]())


def region_names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    names = NAMES.of(session)
    wanted = set(codes)
    missing = [c for c in wanted if c not in names]
    if missing:
        names.update(regions_service.names(session, codes=missing))
    return {c: names[c] for c in wanted if c in names}


def _polygon(boundary: dict[str, Any], crs: str) -> tuple[dict[str, Any], BaseGeometry]:
    geometry = boundary.get("geometry", boundary) if boundary.get("type") == "Feature" else boundary
    if not isinstance(geometry, dict) or geometry.get("type") not in {"Polygon", "MultiPolygon"}:
        raise field_error("boundary", "must be a GeoJSON Polygon or MultiPolygon",
                          "须为 GeoJSON 面（Polygon/MultiPolygon）")
    try:
        converted = convert_geometry(geometry, crs)
        geom = shape(converted)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise field_error("boundary", f"not a valid polygon: {exc}", "不是有效的面要素") from exc
    if geom.is_empty or not geom.is_valid or geom.area == 0:
        raise field_error("boundary", "the polygon is empty or self-intersecting", "面要素为空或自相交")
    return converted, geom


def _check_no_overlap(session: Session, community_code: str, geom: BaseGeometry, own_code: str | None) -> None:
    siblings = regions_service.children_boundaries(session, code=community_code)["features"]
    for other in siblings:
        props = other["properties"]
        if props["code"] == own_code or props["level"] != RegionLevel.GRID.value:
            continue
        other_geom = shape(other["geometry"])
        common = geom.intersection(other_geom).area
        if common > _OVERLAP_TOLERANCE * min(geom.area, other_geom.area):
            raise field_error("boundary", f"overlaps grid {props['code']} ({props['name']})",
                              f"与网格 {props['code']}（{props['name']}）范围重叠")


def _check_inside(session: Session, community: Any, geom: BaseGeometry) -> None:
    """A grid lies inside its community. Community (and street) boundaries are often not surveyed yet, so the
    check uses the nearest division up the tree that has one, and the message says which it used."""
    for region in [community, *reversed(regions_service.path_to(session, region=community))]:
        try:
            outer = shape(regions_service.boundary_feature(session, code=region.code)["geometry"])
        except NotFound:
            continue
        if geom.difference(outer).area > _OUTSIDE_TOLERANCE * geom.area:
            checked = "" if region is community else f"（该社区尚无边界数据，按{region.name}边界核对）"
            raise field_error("boundary", f"the grid lies outside community {community.code} (checked against the "
                                          f"boundary of {region.code})", f"网格超出{community.name}范围{checked}")
        return


def grid_read(session: Session, *, code: str) -> GridRead:
    _grid(session, code)
    region = regions_service.read(session, code=code)
    return GridRead(code=region.code, name=region.name, parent_code=region.parent_code, centroid=region.centroid,
                    bbox=region.bbox, officers=[OfficerRead.model_validate(o) for o in officers(session, codes=[code])])


def create_grid(session: Session, *, grid_in: GridCreate) -> GridRead:
    community = regions_service.get(session, code=grid_in.community_code)
    if community.level != RegionLevel.COMMUNITY.value:
        raise field_error("community_code", f"{community.code} is a {community.level}, not a community",
                          f"{community.code} 不是社区（村）")
    boundary, geom = _polygon(grid_in.boundary, grid_in.crs)
    _check_inside(session, community, geom)
    _check_no_overlap(session, community.code, geom, None)
    code = regions_service.free_child_code(session, parent_code=community.code, digits=3)
    regions_service.add_division(session, code=code, name=grid_in.name, level=RegionLevel.GRID.value,
                                 parent_code=community.code, boundary=boundary, source=GRID_SOURCE)
    NAMES.of(session).clear()
    return grid_read(session, code=code)


def _grid(session: Session, code: str) -> Any:
    grid = regions_service.get(session, code=code)
    if grid.level != RegionLevel.GRID.value:
        raise not_found("grid", "网格", code)
    return grid


def update_grid(session: Session, *, code: str, grid_in: GridUpdate) -> GridRead:
    grid = _grid(session, code)
    if grid_in.name is not None:
        regions_service.rename(session, region=grid, name=grid_in.name)
        NAMES.of(session).clear()
    if grid_in.boundary is not None:
        boundary, geom = _polygon(grid_in.boundary, grid_in.crs)
        _check_inside(session, regions_service.get(session, code=grid.parent_code or ""), geom)
        _check_no_overlap(session, grid.parent_code or "", geom, grid.code)
        regions_service.set_boundary(grid, boundary=boundary, source=GRID_SOURCE)
    session.flush()
    return grid_read(session, code=code)


def list_grids(session: Session, *, within: str) -> list[GridRead]:
    grids = regions_service.descendants_at_level(session, code=within, level=RegionLevel.GRID.value)
    by_grid: dict[str, list[OfficerRead]] = {}
    for officer in officers(session, codes=[g.code for g in grids]):
        by_grid.setdefault(officer.region_code, []).append(OfficerRead.model_validate(officer))
    return [GridRead(code=g.code, name=g.name, parent_code=g.parent_code,
                     centroid=(g.centroid_lon, g.centroid_lat) if g.centroid_lon is not None else None,
                     bbox=(g.min_lon, g.min_lat, g.max_lon, g.max_lat) if g.min_lon is not None else None,
                     officers=by_grid.get(g.code, [])) for g in grids]


def grid_features(session: Session, *, within: str) -> dict[str, Any]:
    return regions_service.boundaries_at_level(session, code=within, level=RegionLevel.GRID.value)


def locate(session: Session, *, lon: float, lat: float, within: str) -> str | None:
    """The code of the grid whose polygon covers the WGS84 point, among grids inside ``within``."""
    found = regions_service.locate(session, lon=lon, lat=lat, level=RegionLevel.GRID.value, within=within)
    return found.code if found else None


# --- officers ---------------------------------------------------------------------------------------


def add_officer(session: Session, *, code: str, officer_in: OfficerCreate) -> GridOfficer:
    grid = _grid(session, code)
    user = auth_service.get_user(session, user_id=officer_in.user_id)
    exists = session.scalars(select(GridOfficer).where(GridOfficer.region_code == grid.code,
                                                       GridOfficer.user_id == user.id)).first()
    if exists is not None:
        return exists
    officer = GridOfficer(region_code=grid.code, user_id=user.id, name=user.display_name,
                          phone=officer_in.phone or user.phone)
    session.add(officer)
    session.flush()
    return officer


def officers(session: Session, *, codes: list[str]) -> list[GridOfficer]:
    if not codes:
        return []
    return list(session.scalars(select(GridOfficer).where(GridOfficer.region_code.in_(codes))
                                .order_by(GridOfficer.region_code, GridOfficer.id)))


def remove_officer(session: Session, *, code: str, officer_id: int) -> None:
    officer = get_or_404(session, GridOfficer, officer_id, what="grid officer", what_zh="网格员",
                         visible=lambda o: o.region_code == code)
    session.delete(officer)
    session.flush()


def grids_of_user(session: Session, *, user_id: int) -> list[str]:
    return list(session.scalars(select(GridOfficer.region_code).where(GridOfficer.user_id == user_id)))


# --- places -----------------------------------------------------------------------------------------


def resolve_region(session: Session, *, region_code: str | None, lon: float | None, lat: float | None,
                   fallback: str) -> str:
    """Where a thing is: the grid containing its point (inside ``region_code`` when given), else the code."""
    if region_code:
        try:
            regions_service.get(session, code=region_code)
        except CitysafeError as exc:
            raise field_error("region_code", f"unknown division {region_code} or outside your scope",
                              f"行政区划 {region_code} 不存在或不在您的管辖范围内") from exc
    if lon is not None and lat is not None:
        grid = locate(session, lon=lon, lat=lat, within=region_code or fallback)
        if grid is not None:
            return grid
    return region_code or fallback


def create_place(session: Session, *, place_in: PlaceCreate, fallback_region: str) -> HazardPlace:
    lon, lat = location_wgs84(place_in.location)
    org_region = None
    if place_in.organization_id is not None:
        org_region = orgs_service.get(session, org_id=place_in.organization_id).region_code
    region = resolve_region(session, region_code=place_in.region_code or org_region, lon=lon, lat=lat,
                            fallback=fallback_region)
    place = HazardPlace(
        name=place_in.name, place_type=place_in.place_type.value, address=place_in.address, lon=lon, lat=lat,
        region_code=region, organization_id=place_in.organization_id, contact_name=place_in.contact_name,
        contact_phone=place_in.contact_phone, note=place_in.note)
    session.add(place)
    session.flush()
    return place


def get_place(session: Session, *, place_id: int) -> HazardPlace:
    return get_or_404(session, HazardPlace, place_id, what="place", what_zh="场所")


def update_place(session: Session, *, place: HazardPlace, place_in: PlaceUpdate) -> HazardPlace:
    changes = place_in.model_dump(exclude_unset=True, exclude={"location", "region_code", "place_type"})
    if place_in.organization_id is not None:
        orgs_service.get(session, org_id=place_in.organization_id)
    for key, value in changes.items():
        if value is not None:
            setattr(place, key, value)
    if place_in.place_type is not None:
        place.place_type = place_in.place_type.value
    if place_in.location is not None:
        place.lon, place.lat = location_wgs84(place_in.location)
    if place_in.location is not None or place_in.region_code:
        place.region_code = resolve_region(session, region_code=place_in.region_code, lon=place.lon, lat=place.lat,
                                           fallback=place.region_code)
    session.flush()
    return place


def list_places(
    session: Session, *, params: PageParams, region: str | None = None, place_type: str | None = None,
    q: str | None = None, organization_id: int | None = None,
) -> tuple[list[HazardPlace], int]:
    stmt = select(HazardPlace).order_by(HazardPlace.id)
    if region:
        stmt = stmt.where(in_region(HazardPlace.region_code, region))
    if place_type:
        stmt = stmt.where(HazardPlace.place_type == place_type)
    if q:
        stmt = stmt.where(HazardPlace.name.contains(q) | HazardPlace.address.contains(q))
    if organization_id is not None:
        stmt = stmt.where(HazardPlace.organization_id == organization_id)
    return paginate(session, stmt, params)
