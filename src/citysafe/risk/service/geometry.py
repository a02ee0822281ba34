"""A risk source's geometry: checked, converted to WGS84, with its anchor point and H3 cells."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import mapping, shape

from citysafe.core.geo import convert_geometry, h3_cell
from citysafe.risk.enums import GeometryType
from citysafe.risk.models import H3_RESOLUTIONS

_TYPES = {
    "Point": GeometryType.POINT, "MultiPoint": GeometryType.POINT,
    "LineString": GeometryType.LINE, "MultiLineString": GeometryType.LINE,
    "Polygon": GeometryType.POLYGON, "MultiPolygon": GeometryType.POLYGON,
}
# Mainland China with a margin; a point outside is nearly always swapped lon/lat or a projected x/y.
_LON_RANGE = (73.0, 136.0)
_LAT_RANGE = (3.0, 54.0)


class GeometryError(ValueError):
    """A geometry the registry cannot hold; ``message_zh`` is the user's Chinese text."""

    def __init__(self, message: str, message_zh: str) -> None:
        super().__init__(message)
        self.message_zh = message_zh


@dataclass(frozen=True)
class Placed:
    geometry: dict[str, Any]  # WGS84 GeoJSON
    geometry_type: GeometryType
    lon: float
    lat: float
    h3: dict[int, str]


def _check_lonlat(lon: float, lat: float) -> None:
    if not (_LON_RANGE[0] <= lon <= _LON_RANGE[1] and _LAT_RANGE[0] <= lat <= _LAT_RANGE[1]):
        hint = " (longitude and latitude swapped?)" if _LON_RANGE[0] <= lat <= _LON_RANGE[1] else ""
        raise GeometryError(f"coordinates {lon}, {lat} are outside China{hint}",
                            f"坐标 {lon}, {lat} 不在中国境内{'（经纬度是否填反？）' if hint else ''}")


def anchor(geom: Any) -> tuple[float, float]:
    """The point a source is counted at: itself, the middle of a line, a point inside an area."""
    if geom.geom_type == "Point":
        return float(geom.x), float(geom.y)
    if geom.geom_type in ("LineString", "MultiLineString"):
        line = geom if geom.geom_type == "LineString" else max(geom.geoms, key=lambda g: g.length)
        mid = line.interpolate(0.5, normalized=True)
        return float(mid.x), float(mid.y)
    point = geom.representative_point()
    return float(point.x), float(point.y)


def place(geometry: dict[str, Any], crs: str) -> Placed:
    """Validate a GeoJSON geometry given in ``crs`` and place it (WGS84, anchor, H3 cells)."""
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind not in _TYPES:
        raise GeometryError(f"geometry type must be one of {', '.join(_TYPES)}; got {kind!r}",
                            f"几何类型必须是点、线或面（{', '.join(_TYPES)}），实际为 {kind!r}")
    try:
        converted = convert_geometry(geometry, crs)
        geom = shape(converted)
    except (KeyError, TypeError, ValueError, IndexError, shapely.errors.GEOSException) as exc:
        raise GeometryError(f"invalid {kind} coordinates: {exc}", f"{kind} 坐标格式错误：{exc}") from None
    if geom.is_empty:
        raise GeometryError("geometry is empty", "几何为空")
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    _check_lonlat(min_lon, min_lat)
    _check_lonlat(max_lon, max_lat)
    if _TYPES[kind] == GeometryType.POLYGON and not geom.is_valid:
        geom = shapely.make_valid(geom)
        converted = mapping(geom)
    lon, lat = anchor(geom)
    lon, lat = round(lon, 7), round(lat, 7)
    return Placed(geometry=_plain(converted), geometry_type=_TYPES[kind], lon=lon, lat=lat,
                  h3={res: h3_cell(lon, lat, res) for res in H3_RESOLUTIONS})


def point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def from_wkt(text: str) -> dict[str, Any]:
    try:
        return dict(mapping(shapely.from_wkt(text)))
    except shapely.errors.GEOSException as exc:
        raise GeometryError(f"invalid WKT: {str(exc).splitlines()[0]}", "WKT 几何格式错误") from None


def _plain(value: Any) -> Any:
    """Tuples (from shapely's mapping) as lists, so the stored JSON reads back identical."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
