"""指挥一张图 (issue #13 point 6): one GeoJSON of what a commander weighs at once — the active incidents, the
teams by status, the routes of teams on their way or on scene, the shelters with their occupancy, the depots,
the areas of the warnings in force — in the reader's region, and the teams of neighbours' imported catalogues
(外部, 区域协同).

Every read is bounded: at most ``limit`` features per layer (``truncated`` says which layer was cut) and, when a
box is given, only what lies in it (a warning area by its own bounding box), so a province's map or a careless
client never reads whole tables.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from citysafe.core.config import Settings
from citysafe.core.geo import BoundingBox
from citysafe.emergency import reads
from citysafe.emergency.calc.lifecycle import ACTIVE_STATES
from citysafe.emergency.dispatch.models import DispatchOrder
from citysafe.emergency.models import Incident
from citysafe.emergency.mutualaid import catalogue
from citysafe.emergency.resources.calc.status import STATUS_NAMES_ZH, TeamStatus
from citysafe.emergency.resources.models import Depot, Team
from citysafe.emergency.shelters.models import Shelter
from citysafe.emergency.warnings import service as warnings_service

LAYER_NAMES_ZH = {"incident": "突发事件", "team": "救援队伍", "route": "调派路线", "shelter": "避难场所",
                  "depot": "物资储备库", "warning": "预警区域", "external_team": "外部队伍"}
_ACTIVE = [s.value for s in ACTIVE_STATES]
DEFAULT_LIMIT = 2000  # per layer: a city's teams, shelters and depots fit; a map of more is no longer read
MAX_LIMIT = 5000


def _point(layer: str, lon: float, lat: float, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"layer": layer, **properties}}


def _boxed(stmt: Select[Any], lon: Any, lat: Any, box: BoundingBox | None) -> Select[Any]:
    if box is None:
        return stmt
    return stmt.where(lon.between(box.west, box.east), lat.between(box.south, box.north))


def _cut(rows: list[Any], limit: int) -> tuple[list[Any], bool]:
    """Read ``limit + 1`` rows: the extra one only says that the layer was cut."""
    return rows[:limit], len(rows) > limit


def command_map(session: Session, *, settings: Settings, now: datetime, limit: int = DEFAULT_LIMIT,
                box: BoundingBox | None = None) -> dict[str, Any]:
    features: list[dict[str, Any]] = []
    truncated: dict[str, bool] = {}
    incidents, truncated["incident"] = _cut(list(session.scalars(_boxed(
        select(Incident).where(Incident.state.in_(_ACTIVE), Incident.lon.is_not(None)), Incident.lon, Incident.lat,
        box).order_by(Incident.opened_at.desc()).limit(limit + 1))), limit)
    for i in incidents:
        if i.lon is None or i.lat is None:  # filtered by the query; typed optional
            continue
        features.append(_point("incident", i.lon, i.lat, id=i.id, name=i.title, grade=i.grade,
                               grade_name=reads.grade_name(settings, i.grade), state_name=reads.state_name(i.state),
                               is_drill=i.is_drill, href=f"/emergency/incidents/{i.id}"))
    teams, truncated["team"] = _cut(list(session.scalars(_boxed(select(Team), Team.lon, Team.lat, box)
                                                         .order_by(Team.id).limit(limit + 1))), limit)
    for t in teams:
        features.append(_point("team", t.lon, t.lat, id=t.id, name=t.name, status=t.status,
                               status_name=STATUS_NAMES_ZH[TeamStatus(t.status)], incident_id=t.incident_id))
    # Routes of the incidents shown (their ids bound the read), whatever part of them lies outside the box.
    orders, truncated["route"] = _cut(list(session.scalars(
        select(DispatchOrder).where(DispatchOrder.released_at.is_(None),
                                    DispatchOrder.incident_id.in_([i.id for i in incidents]))
        .order_by(DispatchOrder.id).limit(limit + 1))), limit)
    for o in orders:
        coords = o.route if len(o.route) > 1 else [*o.route, *o.route]
        if coords:
            features.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
                             "properties": {"layer": "route", "id": o.id, "name": o.team_name,
                                            "incident_id": o.incident_id,
                                            "state": "on_scene" if o.arrived_at else "on_the_way"}})
    shelters, truncated["shelter"] = _cut(list(session.scalars(_boxed(select(Shelter), Shelter.lon, Shelter.lat, box)
                                                               .order_by(Shelter.id).limit(limit + 1))), limit)
    for s in shelters:
        features.append(_point("shelter", s.lon, s.lat, id=s.id, name=s.name, capacity=s.capacity,
                               occupancy=s.occupancy, is_open=s.is_open))
    depots, truncated["depot"] = _cut(list(session.scalars(_boxed(select(Depot), Depot.lon, Depot.lat, box)
                                                           .order_by(Depot.id).limit(limit + 1))), limit)
    for d in depots:
        features.append(_point("depot", d.lon, d.lat, id=d.id, name=d.name))
    areas, truncated["warning"] = _cut(warnings_service.areas_in_force(session, now=now, box=box, limit=limit + 1),
                                       limit)
    for area in areas:
        features.append({"type": "Feature", "geometry": area.pop("geometry"), "properties": {"layer": "warning",
                                                                                             **area}})
    # Teams of the partners' imported catalogues: read-only, their status as of the partner's document.
    outside = [x for x in catalogue.external_teams(session)
               if box is None or box.holds(x.lon, x.lat)]
    external, truncated["external_team"] = _cut(outside, limit)
    for x in external:
        features.append(_point("external_team", x.lon, x.lat, id=x.id, name=x.name, status_name=x.status_name,
                               publisher=x.publisher_name))
    counts = {layer: sum(1 for f in features if f["properties"]["layer"] == layer) for layer in LAYER_NAMES_ZH}
    return {"type": "FeatureCollection", "features": features, "counts": counts, "layer_names": LAYER_NAMES_ZH,
            "truncated": truncated}
