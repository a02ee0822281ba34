"""What the platform knows around an incident, for the incident room's map (issue #12 point 8): risk sources
(with their current level), open hazard tickets and networked fire units, within a radius of its location.

Each kind is read in the reader's scope (the session's), first by a bounding box the indexes on lon/lat can
serve, then by the geodesic distance on the WGS84 ellipsoid (pyproj's Geod), nearest first.
"""

from __future__ import annotations

import math
from typing import Any, Final

from pyproj import Geod
from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.emergency.models import Incident
from citysafe.firewatch.registry.models import FireUnit
from citysafe.hazards.calc.lifecycle import OPEN_STATES
from citysafe.hazards.enums import LEVEL_NAMES_ZH as HAZARD_LEVEL_NAMES_ZH
from citysafe.hazards.tickets.models import HazardTicket
from citysafe.risk.enums import RiskLevel
from citysafe.risk.models import RiskSource

WGS84: Final = Geod(ellps="WGS84")
KIND_NAMES_ZH: Final = {"risk_source": "风险源", "hazard": "未整改隐患", "fire_unit": "联网单位"}
PER_KIND: Final = 200  # the nearest of each kind; a map beyond that is no longer readable
_METRES_PER_DEGREE_LAT: Final = 111_320.0


def _box(lon: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    """A box that holds the circle (a little larger: the exact distance filters after)."""
    d_lat = radius_m / _METRES_PER_DEGREE_LAT * 1.01
    d_lon = d_lat / max(math.cos(math.radians(lat)), 0.01)
    return lon - d_lon, lat - d_lat, lon + d_lon, lat + d_lat


def _within(lon: float, lat: float, radius_m: float, rows: list[tuple[Any, float, float]]
            ) -> list[tuple[Any, float]]:
    if not rows:
        return []
    _, _, distances = WGS84.inv([lon] * len(rows), [lat] * len(rows), [r[1] for r in rows], [r[2] for r in rows])
    found = [(row[0], float(d)) for row, d in zip(rows, distances, strict=True) if d <= radius_m]
    return sorted(found, key=lambda item: item[1])[:PER_KIND]


def _feature(kind: str, lon: float, lat: float, distance: float, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"kind": kind, "kind_name": KIND_NAMES_ZH[kind], "distance_m": round(distance),
                           **properties}}


def nearby(session: Session, *, incident: Incident, radius_m: float) -> dict[str, Any]:
    """A GeoJSON FeatureCollection; an incident with no location has nothing around it (``located`` false)."""
    if incident.lon is None or incident.lat is None:
        return {"type": "FeatureCollection", "located": False, "radius_m": radius_m, "features": []}
    lon, lat = incident.lon, incident.lat
    west, south, east, north = _box(lon, lat, radius_m)
    features: list[dict[str, Any]] = []

    sources = session.execute(select(RiskSource.id, RiskSource.name, RiskSource.current_level, RiskSource.lon,
                                     RiskSource.lat)
                              .where(RiskSource.lon.between(west, east), RiskSource.lat.between(south, north))).all()
    for row, distance in _within(lon, lat, radius_m, [(r, r.lon, r.lat) for r in sources]):
        level = RiskLevel(row.current_level) if row.current_level else None
        features.append(_feature("risk_source", row.lon, row.lat, distance, id=row.id, name=row.name,
                                 level=level.value if level else None, level_name=level.name_zh if level else "未评估",
                                 href=f"/risk/sources/{row.id}"))

    tickets = session.execute(select(HazardTicket.id, HazardTicket.title, HazardTicket.level, HazardTicket.lon,
                                     HazardTicket.lat)
                              .where(HazardTicket.state.in_([s.value for s in OPEN_STATES]),
                                     HazardTicket.lon.between(west, east), HazardTicket.lat.between(south, north))
                              ).all()
    for row, distance in _within(lon, lat, radius_m, [(r, r.lon, r.lat) for r in tickets]):
        features.append(_feature("hazard", row.lon, row.lat, distance, id=row.id, name=row.title, level=row.level,
                                 level_name=HAZARD_LEVEL_NAMES_ZH.get(row.level, row.level),
                                 href=f"/hazards/tickets/{row.id}"))

    units = session.execute(select(FireUnit.id, FireUnit.name, FireUnit.lon, FireUnit.lat)
                            .where(FireUnit.lon.between(west, east), FireUnit.lat.between(south, north))).all()
    for row, distance in _within(lon, lat, radius_m, [(r, r.lon, r.lat) for r in units]):
        features.append(_feature("fire_unit", row.lon, row.lat, distance, id=row.id, name=row.name,
                                 href=f"/firewatch/units/{row.id}"))
    return {"type": "FeatureCollection", "located": True, "radius_m": radius_m, "features": features}
