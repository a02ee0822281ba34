"""Map units (区县, 街道, 社区, 网格) as shapely polygons, cached per application, and demo streets.

Boundaries are large JSON documents; parsing and simplifying them on every map request would cost far
more than the aggregation itself. Each division's parsed polygon and its simplified GeoJSON text are
kept in memory (``CACHE``, one per application) keyed by the division code and a signature made of its
bounding box and boundary source, columns the division query reads anyway: a re-imported boundary
changes the signature and is reloaded.

Street, community and grid boundaries are imported by each city (the packaged data has districts only).
For the demo, :func:`generate_demo_streets` splits each district into Voronoi cells, one per street in
the divisions list, and stores them with a boundary source saying so, which the map then shows.
"""

from __future__ import annotations

import json
import threading
import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

import numpy as np
import shapely
from shapely.geometry import mapping, shape
from sqlalchemy.orm import Session

from citysafe.core.context import AppContext, Slot
from citysafe.core.errors import NotFound
from citysafe.regions import service as regions_service
from citysafe.risk.calc.aggregate import assign_polygons
from citysafe.risk.calc.indices import geodesic_area_km2
from citysafe.risk.calc.voronoi import voronoi_cells

GENERATED_STREETS_SOURCE = "generated (Voronoi) for the demo — not an official boundary"
GENERATED_STREETS_NOTE_ZH = "街道边界为演示用 Voronoi 自动生成，并非官方边界"
# Output simplification per level, in degrees (about 30 m, 15 m, 8 m): invisible at the zoom each
# level is drawn at, and it keeps a city-wide street map to a few hundred kilobytes.
_TOLERANCE = {"province": 0.002, "city": 0.001, "district": 0.0003, "street": 0.00015}
_DEFAULT_TOLERANCE = 0.00008


class DivisionRow(Protocol):
    """The columns of a division that the map needs (``regions.service`` returns such rows)."""

    code: str
    name: str
    level: str
    parent_code: str | None
    min_lon: float | None
    min_lat: float | None
    max_lon: float | None
    max_lat: float | None
    boundary_source: str | None


@dataclass(frozen=True)
class MapUnit:
    code: str
    name: str
    level: str
    parent_code: str | None
    boundary_source: str | None
    geom: Any  # shapely (Multi)Polygon, WGS84, full detail: used for assigning sources
    geometry_json: str  # simplified GeoJSON geometry text: used for drawing
    area_km2: float  # on the WGS84 ellipsoid, of the full-detail polygon: the density rule divides by it

    @property
    def generated(self) -> bool:
        return (self.boundary_source or "").startswith("generated")


class BoundaryCache:
    def __init__(self) -> None:
        self.units: dict[str, tuple[tuple[Any, ...], MapUnit]] = {}
        self.lock = threading.Lock()
        self.generation = 0  # bumped whenever a cached unit is (re)loaded: maps built on older units are stale


CACHE: Final = Slot("risk.boundaries", lambda _ctx: BoundaryCache())


def _signature(row: DivisionRow) -> tuple[Any, ...]:
    return (row.min_lon, row.min_lat, row.max_lon, row.max_lat, row.boundary_source)


def _round(coords: Any) -> Any:
    if coords and isinstance(coords[0], float | int):
        return [round(float(coords[0]), 5), round(float(coords[1]), 5)]
    return [_round(c) for c in coords]


def _make_unit(row: DivisionRow, geometry: dict[str, Any]) -> MapUnit:
    geom = shape(geometry)
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    shapely.prepare(geom)
    simple = geom.simplify(_TOLERANCE.get(row.level, _DEFAULT_TOLERANCE), preserve_topology=True)
    drawn = mapping(simple)
    text = json.dumps({"type": drawn["type"], "coordinates": _round(drawn["coordinates"])}, separators=(",", ":"))
    area = float(geodesic_area_km2([geom])[0])
    return MapUnit(row.code, row.name, row.level, row.parent_code, row.boundary_source, geom, text, area)


def _load(session: Session, rows: Sequence[DivisionRow]) -> dict[str, dict[str, Any]]:
    """Boundary geometries of ``rows``: one query per parent, or per division where the parent is out of reach."""
    by_parent: dict[str | None, list[DivisionRow]] = defaultdict(list)
    for row in rows:
        by_parent[row.parent_code].append(row)
    found: dict[str, dict[str, Any]] = {}
    for parent, group in by_parent.items():
        wanted = {r.code for r in group}
        if parent is not None and len(group) > 1:
            try:
                collection = regions_service.children_boundaries(session, code=parent)
            except NotFound:
                collection = {"features": []}  # the parent is outside the caller's scope
            for feature in collection["features"]:
                if feature["properties"]["code"] in wanted:
                    found[feature["properties"]["code"]] = feature["geometry"]
        for row in group:
            if row.code not in found:
                found[row.code] = regions_service.boundary_feature(session, code=row.code)["geometry"]
    return found


def map_units(session: Session, rows: Sequence[DivisionRow]) -> list[MapUnit]:
    """The divisions of ``rows`` that have a boundary, as map units, in the order given."""
    cache = CACHE.of(session)
    with_boundary = [r for r in rows if r.min_lon is not None]
    missing = [r for r in with_boundary if (hit := cache.units.get(r.code)) is None or hit[0] != _signature(r)]
    if missing:
        geometries = _load(session, missing)
        with cache.lock:
            for row in missing:
                cache.units[row.code] = (_signature(row), _make_unit(row, geometries[row.code]))
            cache.generation += 1
    return [cache.units[r.code][1] for r in with_boundary]


def units_at_level(session: Session, *, region: DivisionRow, level: str) -> list[MapUnit]:
    """Map units of ``level`` inside ``region`` (the region itself when it is of that level)."""
    if region.level == level:
        return map_units(session, [region])
    rows = regions_service.descendants_at_level(session, code=region.code, level=level)
    return map_units(session, rows)


def locate(session: Session, *, region: DivisionRow, level: str, lon: Sequence[float],
           lat: Sequence[float]) -> list[str | None]:
    """The division of ``level`` inside ``region`` containing each point (``None`` where none does)."""
    units = units_at_level(session, region=region, level=level)
    if not units or not len(lon):
        return [None] * len(lon)
    index = assign_polygons(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float), [u.geom for u in units])
    return [units[i].code if i >= 0 else None for i in index.tolist()]


def distance_outside(unit: MapUnit, lon: float, lat: float) -> float:
    """How far (in degrees) a point lies outside ``unit``; 0 inside or on the border."""
    return float(unit.geom.distance(shapely.Point(lon, lat)))


def generate_demo_streets(session: Session, *, city_code: str) -> int:
    """Voronoi street boundaries for every district of ``city_code``; returns how many were stored.

    One cell per street listed under the district; the seed is derived from the district code, so the
    same city gets the same streets on every machine.
    """
    city = regions_service.get(session, code=city_code)
    boundaries: dict[str, dict[str, Any]] = {}
    for district in units_at_level(session, region=city, level="district"):
        streets = [r for r in regions_service.children(session, code=district.code) if r.level == "street"]
        if not streets:
            continue
        geom = district.geom if district.geom.geom_type in ("Polygon", "MultiPolygon") else district.geom.buffer(0)
        cells = voronoi_cells(geom, len(streets), seed=zlib.crc32(district.code.encode()))
        for street, cell in zip(streets, cells, strict=True):
            if not cell.is_empty:
                boundaries[street.code] = mapping(cell)
    if not boundaries:
        return 0
    report = regions_service.import_divisions(
        session, divisions_csv="code,name,level,parent_code\n", boundaries=boundaries,
        source=GENERATED_STREETS_SOURCE)
    session.flush()
    return report.boundaries


def generation(session: Session) -> int:
    """The generation of the boundary cache of the session's application."""
    return CACHE.of(session).generation


def clear_cache(ctx: AppContext) -> None:
    cache = CACHE.get(ctx)
    with cache.lock:
        cache.units.clear()
        cache.generation += 1
