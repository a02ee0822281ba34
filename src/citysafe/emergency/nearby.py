"""What the platform knows around an incident, for the incident room's map (issue #12 point 8): risk sources
(with their current level), open hazard tickets and networked fire units, within a radius of its location.

Each domain answers for its own things through its public service (``risk.service.sources.in_box``,
``hazards.service.open_tickets_in_box``, ``firewatch.service.units_in_box``), in the reader's scope and by a
bounding box their lon/lat columns can serve; the exact geodesic distance on the WGS84 ellipsoid (pyproj's
Geod) filters after, nearest first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from pyproj import Geod
from sqlalchemy.orm import Session

from citysafe.core.geo import BoundingBox, MapPoint, box_around
from citysafe.emergency.models import Incident
from citysafe.firewatch import service as firewatch_service
from citysafe.hazards import service as hazards_service
from citysafe.risk import service as risk_service

WGS84: Final = Geod(ellps="WGS84")
PER_KIND: Final = 200  # the nearest of each kind; a map beyond that is no longer readable

# kind → (its Chinese name on the legend, the page that shows one, who answers for it)
Finder = Callable[[Session, BoundingBox], list[MapPoint]]
KINDS: Final[dict[str, tuple[str, str, Finder]]] = {
    "risk_source": ("风险源", "/risk/sources/{id}", lambda s, box: risk_service.sources.in_box(s, box=box)),
    "hazard": ("未整改隐患", "/hazards/tickets/{id}", lambda s, box: hazards_service.open_tickets_in_box(s, box=box)),
    "fire_unit": ("联网单位", "/firewatch/units/{id}", lambda s, box: firewatch_service.units_in_box(s, box=box)),
}


def _nearest(lon: float, lat: float, radius_m: float, points: list[MapPoint]) -> list[tuple[MapPoint, float]]:
    if not points:
        return []
    _, _, distances = WGS84.inv([lon] * len(points), [lat] * len(points), [p.lon for p in points],
                                [p.lat for p in points])
    found = [(point, float(d)) for point, d in zip(points, distances, strict=True) if d <= radius_m]
    return sorted(found, key=lambda item: item[1])[:PER_KIND]


def nearby(session: Session, *, incident: Incident, radius_m: float) -> dict[str, Any]:
    """A GeoJSON FeatureCollection; an incident with no location has nothing around it (``located`` false)."""
    if incident.lon is None or incident.lat is None:
        return {"type": "FeatureCollection", "located": False, "radius_m": radius_m, "features": []}
    lon, lat = incident.lon, incident.lat
    box = box_around(lon, lat, radius_m)
    features: list[dict[str, Any]] = []
    for kind, (kind_name, href, find) in KINDS.items():
        for point, distance in _nearest(lon, lat, radius_m, find(session, box)):
            features.append({
                "type": "Feature", "geometry": {"type": "Point", "coordinates": [point.lon, point.lat]},
                "properties": {"kind": kind, "kind_name": kind_name, "distance_m": round(distance), "id": point.id,
                               "name": point.name, "level": point.level, "level_name": point.level_name,
                               "href": href.format(id=point.id)}})
    return {"type": "FeatureCollection", "located": True, "radius_m": radius_m, "features": features}
