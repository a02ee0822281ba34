"""指挥一张图 (issue #13 point 6): one GeoJSON of what a commander weighs at once — the active incidents, the
teams by status, the routes of teams on their way or on scene, the shelters with their occupancy, the depots —
in the reader's region, and the teams of neighbours' imported catalogues (外部). The console draws it as layers;
warnings add their areas when the warnings domain is in.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.core.config import Settings
from citysafe.emergency import reads
from citysafe.emergency.calc.lifecycle import ACTIVE_STATES
from citysafe.emergency.dispatch.models import DispatchOrder
from citysafe.emergency.models import Incident
from citysafe.emergency.mutualaid import catalogue
from citysafe.emergency.resources.calc.status import STATUS_NAMES_ZH, TeamStatus
from citysafe.emergency.resources.models import Depot, Team
from citysafe.emergency.shelters.models import Shelter

LAYER_NAMES_ZH = {"incident": "突发事件", "team": "救援队伍", "route": "调派路线", "shelter": "避难场所",
                  "depot": "物资储备库", "external_team": "外部队伍"}
_ACTIVE = [s.value for s in ACTIVE_STATES]
_INCIDENTS = 500  # the newest active ones: a commander's map of more is no longer read


def _point(layer: str, lon: float, lat: float, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"layer": layer, **properties}}


def command_map(session: Session, *, settings: Settings) -> dict[str, Any]:
    features: list[dict[str, Any]] = []
    incidents = session.scalars(select(Incident).where(Incident.state.in_(_ACTIVE), Incident.lon.is_not(None))
                                .order_by(Incident.opened_at.desc()).limit(_INCIDENTS)).all()
    for i in incidents:
        if i.lon is None or i.lat is None:  # filtered by the query; typed optional
            continue
        features.append(_point("incident", i.lon, i.lat, id=i.id, name=i.title, grade=i.grade,
                               grade_name=reads.grade_name(settings, i.grade), state_name=reads.state_name(i.state),
                               is_drill=i.is_drill, href=f"/emergency/incidents/{i.id}"))
    for t in session.scalars(select(Team).order_by(Team.id)):
        features.append(_point("team", t.lon, t.lat, id=t.id, name=t.name, status=t.status,
                               status_name=STATUS_NAMES_ZH[TeamStatus(t.status)], incident_id=t.incident_id))
    for o in session.scalars(select(DispatchOrder).where(DispatchOrder.released_at.is_(None),
                                                         DispatchOrder.incident_id.in_([i.id for i in incidents]))):
        coords = o.route if len(o.route) > 1 else [*o.route, *o.route]
        if coords:
            features.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
                             "properties": {"layer": "route", "id": o.id, "name": o.team_name,
                                            "incident_id": o.incident_id,
                                            "state": "on_scene" if o.arrived_at else "on_the_way"}})
    for s in session.scalars(select(Shelter).order_by(Shelter.id)):
        features.append(_point("shelter", s.lon, s.lat, id=s.id, name=s.name, capacity=s.capacity,
                               occupancy=s.occupancy, is_open=s.is_open))
    for d in session.scalars(select(Depot).order_by(Depot.id)):
        features.append(_point("depot", d.lon, d.lat, id=d.id, name=d.name))
    # Teams of the partners' imported catalogues (区域协同): read-only, their status as of the partner's document.
    for x in catalogue.external_teams(session):
        features.append(_point("external_team", x.lon, x.lat, id=x.id, name=x.name, status_name=x.status_name,
                               publisher=x.publisher_name))
    counts = {layer: sum(1 for f in features if f["properties"]["layer"] == layer) for layer in LAYER_NAMES_ZH}
    return {"type": "FeatureCollection", "features": features, "counts": counts, "layer_names": LAYER_NAMES_ZH}
