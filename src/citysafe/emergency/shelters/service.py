"""Shelters: registry, capacity (effective area ÷ per-person area of the duration class), occupancy as people
arrive and leave, communities' populations, and the evacuation plan (``calc.evacuation``). Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from shapely.errors import GEOSException
from shapely.geometry import Point, shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.core.db import get_or_404, require_references
from citysafe.core.errors import Conflict, field_error
from citysafe.core.geo import location_wgs84
from citysafe.core.pagination import PageParams, paginate
from citysafe.core.scope import in_region
from citysafe.emergency.shelters.calc import evacuation
from citysafe.emergency.shelters.calc.capacity import DEFAULT_AREA_PER_PERSON_M2, capacity
from citysafe.emergency.shelters.models import CommunityPopulation, Shelter, ShelterAreaRule, ShelterMovement
from citysafe.emergency.shelters.schemas import (
    DURATION_NAMES_ZH,
    FACILITIES_ZH,
    FACILITY_CLASSES,
    FUNCTION_NAMES_ZH,
    GRADE_NAMES_ZH,
    KIND_NAMES_ZH,
    SPACE_NAMES_ZH,
    AreaRuleIn,
    EvacuationCommunity,
    EvacuationIn,
    EvacuationLeg,
    EvacuationPlan,
    MovementIn,
    PopulationRead,
    ShelterFilter,
    ShelterIn,
    ShelterRead,
)
from citysafe.regions import service as regions_service

DEFAULT_RULE = "GB 21734-2008 5.4：人均居住面积应大于1.5 m²（各类别取值待 GB/T 44013-2024 核实 [U]）"


def area_rules(session: Session) -> dict[str, ShelterAreaRule]:
    """The per-person area of each duration class; a class nobody has set yet gets GB 21734-2008 5.4's 1.5 m²
    (an unsaved default: reading never writes)."""
    rules = {r.duration: r for r in session.scalars(select(ShelterAreaRule))}
    for duration in DURATION_NAMES_ZH:
        if duration not in rules:
            rules[duration] = ShelterAreaRule(duration=duration, area_per_person_m2=DEFAULT_AREA_PER_PERSON_M2,
                                              rule=DEFAULT_RULE)
    return rules


def set_area_rule(session: Session, *, duration: str, data: AreaRuleIn, now: datetime) -> ShelterAreaRule:
    """Change a class's per-person area; every shelter of that class (all regions: the figure is the city's)
    gets its capacity again."""
    if duration not in DURATION_NAMES_ZH:
        raise field_error("duration", "unknown duration class", "避难时长类别应为 紧急、短期 或 长期")
    rule = area_rules(session)[duration]
    rule.area_per_person_m2, rule.rule, rule.updated_at = data.area_per_person_m2, data.rule or rule.rule, now
    session.add(rule)  # the first change of a class saves its row
    stmt = select(Shelter).where(Shelter.duration == duration).execution_options(skip_scope=True)
    for shelter in session.scalars(stmt):
        shelter.capacity = capacity(shelter.effective_area_m2, data.area_per_person_m2)
    session.flush()
    return rule


def save_shelter(session: Session, *, data: ShelterIn, now: datetime, shelter: Shelter | None = None) -> Shelter:
    if data.region_code not in regions_service.names(session, codes=[data.region_code]):
        raise field_error("region_code", f"no division {data.region_code}", f"行政区划代码 {data.region_code} 不存在")
    other = session.execute(select(Shelter.id).where(Shelter.name == data.name)
                            .execution_options(skip_scope=True)).scalar()
    if other is not None and (shelter is None or other != shelter.id):
        raise field_error("name", "a shelter of this name exists", f"已有名为“{data.name}”的避难场所")
    lon, lat = location_wgs84(data.location)
    assert lon is not None
    assert lat is not None
    per_person = area_rules(session)[data.duration].area_per_person_m2
    if shelter is None:
        shelter = Shelter(created_at=now, occupancy=0)
        session.add(shelter)
    for key in ("name", "grade", "space", "function", "duration", "kind", "region_code", "address",
                "effective_area_m2", "facilities", "manager", "phone", "is_open"):
        setattr(shelter, key, getattr(data, key))
    shelter.lon, shelter.lat, shelter.updated_at = lon, lat, now
    shelter.capacity = capacity(data.effective_area_m2, per_person)
    session.flush()
    return shelter


def get_shelter(session: Session, *, shelter_id: int) -> Shelter:
    return get_or_404(session, Shelter, shelter_id, what="shelter", what_zh="避难场所")


def list_shelters(session: Session, *, filters: ShelterFilter,
                  params: PageParams | None) -> tuple[list[Shelter], int]:
    stmt = select(Shelter).order_by(Shelter.region_code, Shelter.id)
    if filters.q:
        stmt = stmt.where(Shelter.name.contains(filters.q))
    for key in ("grade", "kind", "duration"):
        if getattr(filters, key):
            stmt = stmt.where(getattr(Shelter, key) == getattr(filters, key))
    if filters.region:
        stmt = stmt.where(in_region(Shelter.region_code, filters.region))
    if params is None:
        rows = list(session.scalars(stmt))
        return rows, len(rows)
    return paginate(session, stmt, params)


def facility_class(facilities: Sequence[str]) -> str:
    """The highest GB 21734 class whose list (with the lower classes') the facilities complete."""
    have, needed, best = set(facilities), set[str](), ""
    for name in ("Ⅲ", "Ⅱ", "Ⅰ"):
        needed |= set(FACILITY_CLASSES[name])
        if not needed <= have:
            break
        best = name
    return best


def shelter_reads(session: Session, shelters: Sequence[Shelter]) -> list[ShelterRead]:
    names = regions_service.names(session, codes={s.region_code for s in shelters})
    out = []
    for s in shelters:
        read = ShelterRead.model_validate(s)
        read.region_name = names.get(s.region_code, s.region_code)
        read.facility_class = facility_class(s.facilities)
        read.labels = {"grade": GRADE_NAMES_ZH[s.grade], "space": SPACE_NAMES_ZH[s.space],
                       "function": FUNCTION_NAMES_ZH[s.function], "duration": DURATION_NAMES_ZH[s.duration],
                       "kind": KIND_NAMES_ZH[s.kind],
                       **{f"facility.{f}": FACILITIES_ZH[f] for f in s.facilities}}
        out.append(read)
    return out


def record_movement(session: Session, *, shelter_id: int, data: MovementIn, actor: str,
                    now: datetime) -> Shelter:
    """People arriving and leaving: occupancy never below 0, and above capacity only with ``over_capacity``."""
    shelter = get_shelter(session, shelter_id=shelter_id)
    after = shelter.occupancy + data.arrived - data.left
    if after < 0:
        raise field_error("left", f"only {shelter.occupancy + data.arrived} people are there to leave",
                          f"场所内只有 {shelter.occupancy + data.arrived} 人，离开人数不能更多")
    over = after > shelter.capacity
    if over and not data.over_capacity:
        raise Conflict(detail=f"occupancy {after} would exceed the capacity {shelter.capacity}; confirm over capacity "
                              "to allow it",
                       detail_zh=f"安置后 {after} 人，超过容量 {shelter.capacity} 人；如确需超员安置，请勾选“允许超员”")
    shelter.occupancy, shelter.updated_at = after, now
    movement = ShelterMovement(shelter_id=shelter.id, region_code=shelter.region_code,
                               change=data.arrived - data.left, occupancy_after=after, over_capacity=over,
                               incident_id=data.incident_id, actor=actor[:100], note=data.note, at=now)
    require_references(session, movement, "incident_id")
    session.add(movement)
    session.flush()
    return shelter


def movements(session: Session, *, shelter_id: int, limit: int = 50) -> list[ShelterMovement]:
    get_shelter(session, shelter_id=shelter_id)
    stmt = (select(ShelterMovement).where(ShelterMovement.shelter_id == shelter_id)
            .order_by(ShelterMovement.at.desc(), ShelterMovement.id.desc()).limit(limit))
    return list(session.scalars(stmt))


# --- populations and evacuation ------------------------------------------------------------------------------


def set_population(session: Session, *, region_code: str, population: int, lon: float, lat: float, source: str,
                   now: datetime) -> CommunityPopulation:
    row = session.scalars(select(CommunityPopulation).where(CommunityPopulation.region_code == region_code)).first()
    if row is None:
        row = CommunityPopulation(region_code=region_code, created_at=now)
        session.add(row)
    row.population, row.lon, row.lat, row.source, row.updated_at = population, lon, lat, source[:200], now
    return row


def populations(session: Session, *, region: str | None,
                params: PageParams | None) -> tuple[list[CommunityPopulation], int]:
    stmt = select(CommunityPopulation).order_by(CommunityPopulation.region_code)
    if region:
        stmt = stmt.where(in_region(CommunityPopulation.region_code, region))
    if params is None:
        rows = list(session.scalars(stmt))
        return rows, len(rows)
    return paginate(session, stmt, params)


def population_reads(session: Session, rows: Sequence[CommunityPopulation]) -> list[PopulationRead]:
    names = regions_service.names(session, codes={r.region_code for r in rows})
    return [PopulationRead.model_validate(r).model_copy(update={"region_name": names.get(r.region_code, "")})
            for r in rows]


def _communities_in(session: Session, request: EvacuationIn) -> list[CommunityPopulation]:
    found: dict[str, CommunityPopulation] = {}
    for code in request.regions:
        found |= {c.region_code: c for c in populations(session, region=code, params=None)[0]}
    if request.polygon is not None:
        try:
            area = shape(request.polygon.get("geometry", request.polygon))
        except (ValueError, TypeError, KeyError, AttributeError, IndexError, GEOSException):
            raise field_error("polygon", "not a GeoJSON polygon", "不是有效的 GeoJSON 面") from None
        if area.geom_type not in ("Polygon", "MultiPolygon") or area.is_empty:
            raise field_error("polygon", "not a GeoJSON polygon", "不是有效的 GeoJSON 面")
        minx, miny, maxx, maxy = area.bounds
        stmt = select(CommunityPopulation).where(CommunityPopulation.lon.between(minx, maxx),
                                                 CommunityPopulation.lat.between(miny, maxy))
        found |= {c.region_code: c for c in session.scalars(stmt) if area.covers(Point(c.lon, c.lat))}
    return sorted(found.values(), key=lambda c: c.region_code)


def evacuation_plan(session: Session, *, request: EvacuationIn) -> EvacuationPlan:
    """Assign the area's communities to shelters (in scope, with free places) minimising Σ people × metres."""
    communities = [c for c in _communities_in(session, request) if c.population > 0]
    stmt = select(Shelter).order_by(Shelter.id)
    if request.shelter_ids is not None:
        stmt = stmt.where(Shelter.id.in_(request.shelter_ids))
    shelters = [s for s in session.scalars(stmt) if s.capacity > s.occupancy]
    free = [s.capacity - s.occupancy for s in shelters]
    cost = evacuation.geodesic_matrix([(c.lon, c.lat) for c in communities], [(s.lon, s.lat) for s in shelters])
    result = evacuation.assign([c.population for c in communities], free, cost, max_cost=request.max_distance_m)
    names = regions_service.names(session, codes={c.region_code for c in communities})
    legs: dict[int, list[EvacuationLeg]] = {}
    for flow in result.flows:
        s = shelters[flow.shelter]
        legs.setdefault(flow.origin, []).append(EvacuationLeg(shelter_id=s.id, shelter_name=s.name,
                                                               people=flow.people, distance_m=round(flow.cost, 1)))
    rows = [EvacuationCommunity(region_code=c.region_code, name=names.get(c.region_code, c.region_code),
                                population=c.population, placed=c.population - result.unplaced[i],
                                unplaced=result.unplaced[i],
                                legs=sorted(legs.get(i, []), key=lambda leg: leg.distance_m))
            for i, c in enumerate(communities)]
    population = sum(c.population for c in communities)
    unplaced = sum(result.unplaced)
    note, note_zh = "", ""
    if not communities:
        note, note_zh = "no community with a population lies in the area", "该范围内没有已导入人口的社区"
    elif unplaced:
        why = " within the distance limit" if request.max_distance_m else ""
        note = f"{unplaced} people find no place: the shelters' free places{why} are short"
        note_zh = f"有 {unplaced} 人无处安置：{'限定距离内' if request.max_distance_m else ''}避难场所剩余容量不足"
    return EvacuationPlan(communities=rows, population=population, placed=result.placed, unplaced=unplaced,
                          person_metres=round(result.total_cost, 1),
                          mean_distance_m=round(result.total_cost / result.placed, 1) if result.placed else 0.0,
                          free_places=sum(free), method="linear programme (HiGHS), geodesic straight-line metres",
                          note=note, note_zh=note_zh)


def summary(session: Session) -> dict[str, Any]:
    rows, _ = list_shelters(session, filters=ShelterFilter(), params=None)
    return {"shelters": len(rows), "capacity": sum(s.capacity for s in rows),
            "occupancy": sum(s.occupancy for s in rows), "open": sum(1 for s in rows if s.is_open)}


def evaluation_figures(session: Session, *, region_code: str, limit: int = 10) -> dict[str, object]:
    """For the evaluation domain's evidence (issue #14 point 4), read-only: the region's shelters, their total
    capacity (persons) and the first of them."""
    rows = list(session.scalars(select(Shelter).where(in_region(Shelter.region_code, region_code))
                                .order_by(Shelter.capacity.desc(), Shelter.id)))
    return {"count": len(rows), "capacity": sum(r.capacity for r in rows),
            "records": [(r.id, r.name) for r in rows[:limit]]}
