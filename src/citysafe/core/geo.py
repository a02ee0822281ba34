"""Coordinates: everything is stored as WGS84 longitude/latitude; GCJ-02 input is converted on import.

GCJ-02 (the "Mars" datum used by AMap, Tencent and most Chinese map data) is WGS84 plus a deliberate,
smooth, position-dependent offset of a few hundred metres. The forward transform is public; there is no
closed-form inverse, so ``gcj02_to_wgs84`` iterates the forward transform (fixed point). Outside China the
offset is not applied by any provider, so both directions are the identity there.

Round-trip error of gcj02_to_wgs84(wgs84_to_gcj02(p)) is below 1e-9 degrees (< 0.1 mm) over mainland
China; measured by tests/core/test_geo.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final, Literal

import h3
from pydantic import BaseModel, Field

Crs = Literal["wgs84", "gcj02"]

# Krasovsky 1940 ellipsoid, as used by the published GCJ-02 transform.
_A = 6378245.0
_EE = 0.00669342162296594323


def _outside_china(lon: float, lat: float) -> bool:
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _offset(lon: float, lat: float) -> tuple[float, float]:
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * math.cos(radlat) * math.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    if _outside_china(lon, lat):
        return lon, lat
    dlon, dlat = _offset(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: float, lat: float, *, tolerance: float = 1e-10, max_iter: int = 30) -> tuple[float, float]:
    """Invert the GCJ-02 offset by fixed-point iteration (converges in ~5 steps)."""
    if _outside_china(lon, lat):
        return lon, lat
    wlon, wlat = lon, lat
    for _ in range(max_iter):
        glon, glat = wgs84_to_gcj02(wlon, wlat)
        dlon, dlat = glon - lon, glat - lat
        wlon, wlat = wlon - dlon, wlat - dlat
        if abs(dlon) < tolerance and abs(dlat) < tolerance:
            break
    return wlon, wlat


class Location(BaseModel):
    """A point as given; ``crs`` "gcj02" (AMap, Tencent, most phone map SDKs) is converted to WGS84."""

    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    crs: Crs = "wgs84"


def to_wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """A point given in ``crs`` as it is stored: checked, and GCJ-02 converted to WGS84 (rounded to 1e-7°, ~1 cm).

    ValueError for an unknown CRS or a longitude/latitude out of range.
    """
    if crs not in ("wgs84", "gcj02"):
        raise ValueError(f"unsupported CRS {crs!r}: expected 'wgs84' or 'gcj02'")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValueError(f"longitude {lon} / latitude {lat} out of range")
    if crs == "wgs84":
        return lon, lat
    wlon, wlat = gcj02_to_wgs84(lon, lat)
    return round(wlon, 7), round(wlat, 7)


def location_wgs84(location: Location | None) -> tuple[float | None, float | None]:
    """The stored (WGS84) longitude and latitude of an optional ``Location``; (None, None) without one."""
    if location is None:
        return None, None
    return to_wgs84(location.lon, location.lat, location.crs)


def convert_coordinates(coords: Any, crs: str) -> Any:
    """Convert nested GeoJSON coordinate arrays from ``crs`` ('gcj02' or 'wgs84') to WGS84."""
    if crs == "wgs84":
        return coords
    if crs != "gcj02":
        raise ValueError(f"unsupported CRS {crs!r}: expected 'wgs84' or 'gcj02'")
    if coords and isinstance(coords[0], int | float):
        lon, lat = gcj02_to_wgs84(float(coords[0]), float(coords[1]))
        return [round(lon, 7), round(lat, 7), *coords[2:]]
    return [convert_coordinates(c, crs) for c in coords]


def convert_geometry(geometry: dict[str, Any], crs: str) -> dict[str, Any]:
    """A GeoJSON geometry with its coordinates converted to WGS84."""
    if geometry.get("type") == "GeometryCollection":
        return {"type": "GeometryCollection",
                "geometries": [convert_geometry(g, crs) for g in geometry.get("geometries", [])]}
    return {"type": geometry["type"], "coordinates": convert_coordinates(geometry["coordinates"], crs)}


def h3_cell(lon: float, lat: float, resolution: int) -> str:
    return str(h3.latlng_to_cell(lat, lon, resolution))


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres."""
    r = 6371008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


_METRES_PER_DEGREE_LAT: Final = 111_320.0


@dataclass(frozen=True)
class BoundingBox:
    """A lon/lat rectangle (WGS84 degrees) that plain indexes on lon and lat columns can serve."""

    west: float
    south: float
    east: float
    north: float

    def holds(self, lon: float, lat: float) -> bool:
        return self.west <= lon <= self.east and self.south <= lat <= self.north

    def overlaps(self, other: BoundingBox) -> bool:
        return not (other.west > self.east or other.east < self.west or other.south > self.north
                    or other.north < self.south)


def box_around(lon: float, lat: float, radius_m: float) -> BoundingBox:
    """A box that holds the circle of ``radius_m`` around a point, a little larger so that an exact distance
    can filter after it (a degree of longitude shrinks with the cosine of the latitude)."""
    d_lat = radius_m / _METRES_PER_DEGREE_LAT * 1.01
    d_lon = d_lat / max(math.cos(math.radians(lat)), 0.01)
    return BoundingBox(lon - d_lon, lat - d_lat, lon + d_lon, lat + d_lat)


@dataclass(frozen=True)
class MapPoint:
    """Something a domain places on another domain's map: what it is, where, and its level if it has one."""

    id: int
    name: str
    lon: float
    lat: float
    level: str | None = None
    level_name: str | None = None
