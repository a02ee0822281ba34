"""The risk source registry: create, read, update, list; where a source lies and who answers for it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, undefer

from citysafe.core.db import first_or_404
from citysafe.core.errors import Forbidden, field_error
from citysafe.core.geo import BoundingBox, MapPoint
from citysafe.core.pagination import PageParams, paginate
from citysafe.core.scope import current_scope, in_region
from citysafe.orgs import service as orgs_service
from citysafe.regions import service as regions_service
from citysafe.risk.enums import KINDS, RiskLevel, parse_category
from citysafe.risk.models import RiskAssessment, RiskSource
from citysafe.risk.rules import DynamicRule
from citysafe.risk.schemas import SourceCreate, SourceFilter, SourceUpdate
from citysafe.risk.service import boundaries
from citysafe.risk.service.assessments import build, evaluate, refresh_current
from citysafe.risk.service.geometry import GeometryError, Placed, place

CODE_PREFIX = "FX"  # 风险 (risk): FX + six-digit county code + six-digit sequence
# A stated district may disagree with the coordinates by this much (degrees, about 1 km) before the
# record is refused: boundaries are simplified, and a firm on a district line is still that district's.
DISTRICT_TOLERANCE_DEG = 0.01


def get(session: Session, *, source_id: int, with_geometry: bool = False) -> RiskSource:
    stmt = select(RiskSource).where(RiskSource.id == source_id)
    if with_geometry:
        stmt = stmt.options(undefer(RiskSource.geometry))
    return first_or_404(session, stmt, key=source_id, what="risk source", what_zh="风险源")


def get_by_code(session: Session, *, code: str) -> RiskSource | None:
    return session.scalars(select(RiskSource).where(RiskSource.code == code)).first()


def code_taken(session: Session, code: str) -> bool:
    stmt = select(RiskSource.id).where(RiskSource.code == code).execution_options(skip_scope=True)
    return session.scalars(stmt).first() is not None


def next_codes(session: Session, *, region_code: str, count: int) -> list[str]:
    """``count`` unused source codes for a county: FX320102000001, FX320102000002, …"""
    prefix = f"{CODE_PREFIX}{region_code[:6]}"
    stmt = (select(func.max(RiskSource.code)).where(RiskSource.code >= prefix, RiskSource.code < prefix + "~")
            .execution_options(skip_scope=True))
    top = session.scalar(stmt)
    start = int(top[len(prefix):]) + 1 if top and top[len(prefix):].isdigit() else 1
    return [f"{prefix}{n:06d}" for n in range(start, start + count)]


def resolve_region(session: Session, *, lon: float, lat: float, given: str | None, scope_code: str) -> str:
    """The division a source belongs to: the given code, checked against the coordinates, refined to
    the street containing the point where street boundaries exist; else the county containing it."""
    scope = current_scope(session)
    if given is not None:
        if scope is not None and not scope.covers(given):
            raise Forbidden(detail=f"region {given} is outside your scope",
                            detail_zh=f"行政区划 {given} 不在您的管辖范围内")
        try:
            region = regions_service.get(session, code=given)
        except Exception as exc:
            raise field_error("region_code", f"unknown division {given}", f"未知的行政区划 {given}") from exc
        if len(given) < 6 or region.level not in ("district", "street", "community"):
            raise field_error("region_code", "give a county, street or community code",
                              "行政区划须为区县、街道或社区代码")
        _check_inside_county(session, county_code=given[:6], lon=lon, lat=lat)
        if region.level == "district":
            street = boundaries.locate(session, region=region, level="street", lon=[lon], lat=[lat])[0]
            return street or given
        return given
    root = regions_service.get(session, code=scope_code)
    if root.level not in ("province", "city"):
        # A county, street or community office registers sources of its own division.
        _check_inside_county(session, county_code=root.code[:6], lon=lon, lat=lat)
        if root.level != "district":
            return root.code
        county: str | None = root.code
    else:
        county = boundaries.locate(session, region=root, level="district", lon=[lon], lat=[lat])[0]
    if county is None:
        raise field_error("region_code", f"no county of your region contains {lon}, {lat}; give region_code",
                          f"坐标 {lon}, {lat} 不在您管辖的任何区县内，请核对坐标系或填写行政区划代码")
    street = boundaries.locate(session, region=regions_service.get(session, code=county), level="street",
                               lon=[lon], lat=[lat])[0]
    return street or county


def _check_inside_county(session: Session, *, county_code: str, lon: float, lat: float) -> None:
    county = regions_service.get(session, code=county_code)
    units = boundaries.map_units(session, [county])
    if units and boundaries.distance_outside(units[0], lon, lat) > DISTRICT_TOLERANCE_DEG:
        raise field_error("region_code", f"coordinates {lon}, {lat} lie outside {county.name} ({county_code}): "
                          "check the coordinate system (GCJ-02 or WGS84)",
                          f"坐标 {lon}, {lat} 不在{county.name}（{county_code}）范围内，请核对坐标系（GCJ-02/WGS84）")


def check_organization(session: Session, organization_id: int | None) -> str:
    """The organisation's name (for the responsible unit); unknown or out-of-scope ids are refused."""
    if organization_id is None:
        return ""
    try:
        return orgs_service.get(session, org_id=organization_id).name
    except Exception as exc:
        raise field_error("organization_id", f"unknown organisation {organization_id}",
                          f"未知的单位 {organization_id}") from exc


def placed_or_error(geometry: dict[str, Any], crs: str) -> Placed:
    try:
        return place(geometry, crs)
    except GeometryError as exc:
        raise field_error("geometry", str(exc), exc.message_zh) from None


def new_source(*, source_in: SourceCreate, placed: Placed, region_code: str, code: str,
               org_name: str, import_id: int | None = None) -> RiskSource:
    kind = KINDS[source_in.kind]
    return RiskSource(
        code=code, name=source_in.name, category=kind.category.value, kind=kind.code,
        geometry_type=placed.geometry_type.value, geometry=placed.geometry, lon=placed.lon, lat=placed.lat,
        h3_r6=placed.h3[6], h3_r7=placed.h3[7], h3_r8=placed.h3[8], h3_r9=placed.h3[9],
        region_code=region_code, address=source_in.address, organization_id=source_in.organization_id,
        responsible_unit=source_in.responsible_unit or org_name,
        supervising_department=source_in.supervising_department or kind.department,
        assessed_level=None, current_level=None, level_reasons=[], attributes=source_in.attributes,
        status="active", import_id=import_id,
    )


@dataclass(frozen=True)
class AssessedSource:
    """A source to register with its first assessment, its place and code already settled (bulk loads)."""

    source_in: SourceCreate
    placed: Placed
    region_code: str
    code: str
    method: str
    params: Mapping[str, Any]
    assessed_at: datetime


def register_assessed(session: Session, *, items: Sequence[AssessedSource], assessor: str, assessor_name: str,
                      rules: Sequence[DynamicRule], grade_levels: Mapping[int, RiskLevel]) -> list[RiskSource]:
    """Register many sources, each assessed by its method, in a few flushes (the demo city's register).

    Current levels are computed at once and not announced one by one (``refresh_current(announce=False)``).
    """
    created = [new_source(source_in=item.source_in, placed=item.placed, region_code=item.region_code, code=item.code,
                          org_name=item.source_in.responsible_unit or "") for item in items]
    session.add_all(created)
    session.flush()
    records = []
    for item, source in zip(items, created, strict=True):
        outcome = evaluate(item.method, item.params, grade_levels=grade_levels)
        records.append(build(source=source, outcome=outcome, assessor=assessor, assessor_name=assessor_name,
                             at=item.assessed_at))
        source.assessed_level = outcome.level.value if outcome.level else None
        source.assessed_at = item.assessed_at
    session.add_all(records)
    session.flush()
    refresh_current(session, sources=created, rules=rules, announce=False)
    return created


def create(session: Session, *, source_in: SourceCreate, scope_code: str) -> RiskSource:
    placed = placed_or_error(source_in.geometry, source_in.crs)
    region_code = resolve_region(session, lon=placed.lon, lat=placed.lat, given=source_in.region_code,
                                 scope_code=scope_code)
    org_name = check_organization(session, source_in.organization_id)
    if not (source_in.responsible_unit or org_name):
        raise field_error("responsible_unit", "give the responsible unit or organization_id",
                          "须填写责任单位或关联单位")
    if source_in.code:
        if code_taken(session, source_in.code):
            raise field_error("code", f"source code {source_in.code} is taken", f"风险源编号 {source_in.code} 已存在")
        code = source_in.code
    else:
        code = next_codes(session, region_code=region_code, count=1)[0]
    source = new_source(source_in=source_in, placed=placed, region_code=region_code, code=code, org_name=org_name)
    session.add(source)
    session.flush()
    return source


def update(session: Session, *, source: RiskSource, source_in: SourceUpdate, scope_code: str) -> RiskSource:
    changes = source_in.model_dump(exclude_unset=True, exclude={"geometry", "crs"})
    if "organization_id" in changes:
        name = check_organization(session, source_in.organization_id)
        if name and not source_in.responsible_unit:
            changes["responsible_unit"] = name
    if source_in.geometry is not None:
        placed = placed_or_error(source_in.geometry, source_in.crs)
        source.region_code = resolve_region(session, lon=placed.lon, lat=placed.lat, given=None,
                                            scope_code=scope_code)
        source.geometry, source.geometry_type = placed.geometry, placed.geometry_type.value
        source.lon, source.lat = placed.lon, placed.lat
        source.h3_r6, source.h3_r7, source.h3_r8, source.h3_r9 = (placed.h3[r] for r in (6, 7, 8, 9))
    for key, value in changes.items():
        if value is not None or key == "organization_id":
            setattr(source, key, value)
    session.flush()
    return source


def filtered(stmt: Select[Any], filters: SourceFilter) -> Select[Any]:
    if filters.q:
        like = filters.q.strip()
        stmt = stmt.where(or_(RiskSource.name.contains(like), RiskSource.code == like,
                              RiskSource.responsible_unit.contains(like), RiskSource.address.contains(like)))
    if filters.region:
        stmt = stmt.where(in_region(RiskSource.region_code, filters.region))
    if filters.category:
        stmt = stmt.where(RiskSource.category.in_([parse_category(c).value for c in filters.category]))
    if filters.kind:
        stmt = stmt.where(RiskSource.kind.in_(filters.kind))
    if filters.level:
        levels = [lv for lv in filters.level if lv != "none"]
        cond = RiskSource.current_level.in_(levels)
        stmt = stmt.where(or_(cond, RiskSource.current_level.is_(None)) if "none" in filters.level else cond)
    if filters.organization_id is not None:
        stmt = stmt.where(RiskSource.organization_id == filters.organization_id)
    if filters.status != "all":
        stmt = stmt.where(RiskSource.status == filters.status)
    return stmt


_LEVEL_ORDER = {"red": 0, "orange": 1, "yellow": 2, "blue": 3}


def list_sources(session: Session, *, filters: SourceFilter, params: PageParams) -> tuple[list[RiskSource], int]:
    """Most severe first, then by code: the order a safety office reads its register in."""
    from sqlalchemy import case

    severity = case(_LEVEL_ORDER, value=RiskSource.current_level, else_=4)
    stmt = filtered(select(RiskSource), filters).order_by(severity, RiskSource.code)
    return paginate(session, stmt, params)


def region_path(session: Session, *, code: str) -> list[dict[str, str]]:
    region = regions_service.get(session, code=code)
    chain = [*regions_service.path_to(session, region=region), region]
    return [{"code": r.code, "name": r.name, "level": r.level} for r in chain]


def export_rows(session: Session, *, filters: SourceFilter) -> list[tuple[RiskSource, RiskAssessment | None,
                                                                           dict[str, Any]]]:
    """Sources with their geometry and latest assessment, in a few queries (for the Excel export)."""
    stmt = filtered(select(RiskSource).options(undefer(RiskSource.geometry)), filters).order_by(RiskSource.code)
    items = list(session.scalars(stmt))
    latest: dict[int, RiskAssessment] = {}
    ids = [s.id for s in items]
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for record in session.scalars(select(RiskAssessment).where(RiskAssessment.source_id.in_(chunk))
                                      .order_by(RiskAssessment.assessed_at.desc(), RiskAssessment.id.desc())):
            latest.setdefault(record.source_id, record)
    return [(s, latest.get(s.id), s.geometry) for s in items]


def in_box(session: Session, *, box: BoundingBox) -> list[MapPoint]:
    """Sources whose point lies in ``box``, in the session's scope, with their current level (for other
    domains' maps, e.g. the incident room's)."""
    rows = session.execute(select(RiskSource.id, RiskSource.name, RiskSource.current_level, RiskSource.lon,
                                  RiskSource.lat)
                           .where(RiskSource.lon.between(box.west, box.east),
                                  RiskSource.lat.between(box.south, box.north)))
    points = []
    for row in rows:
        level = RiskLevel(row.current_level) if row.current_level else None
        points.append(MapPoint(id=row.id, name=row.name, lon=row.lon, lat=row.lat,
                               level=level.value if level else None, level_name=level.name_zh if level else None))
    return points
