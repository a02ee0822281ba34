"""A warning's drawn area: checked as the large aggregators ask (Google Public Alerts' CAP area rules, spec
emergency.md §3.1), turned into CAP ``<polygon>`` strings, and used to pick the points inside it.

- coordinates are WGS84, rounded to 6 decimals (≈0.1 m) *before* the checks, so what is checked is what is sent;
- each ring is closed, has at least 4 pairs, and its edges do not cross (a valid simple polygon);
- holes cannot be expressed in CAP and are refused; a MultiPolygon (non-contiguous areas) becomes one ``<area>``
  per part;
- CAP writes ``lat,lon`` pairs separated by spaces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.validation import explain_validity

DECIMALS: Final = 6
MAX_VERTICES: Final = 2000  # a hand-drawn area; a longer ring is a traced boundary, sent as region codes
MAX_PARTS: Final = 50  # separate areas of one warning; more is a list of divisions, sent as region codes


class AreaError(ValueError):
    """Why the area is refused, in English and Chinese."""

    def __init__(self, message: str, message_zh: str) -> None:
        super().__init__(message)
        self.message_zh = message_zh


@dataclass(frozen=True)
class CheckedArea:
    geometry: Polygon | MultiPolygon
    parts: tuple[Polygon, ...]
    geojson: dict[str, Any]

    def cap_polygons(self) -> tuple[str, ...]:
        return tuple(cap_polygon(part) for part in self.parts)


def _rounded_ring(ring: Any) -> list[tuple[float, float]]:
    if not isinstance(ring, list) or not all(isinstance(p, list | tuple) and len(p) >= 2 for p in ring):
        raise AreaError("a ring must be a list of [lon, lat] pairs", "每个环应为 [经度, 纬度] 坐标对的列表")
    points = []
    for p in ring:
        lon, lat = p[0], p[1]
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lon, lat)):
            raise AreaError("coordinates must be numbers", "坐标应为数字")
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise AreaError(f"coordinate out of WGS84 range: {lon}, {lat}", f"坐标超出 WGS84 范围：{lon}, {lat}")
        points.append((round(float(lon), DECIMALS), round(float(lat), DECIMALS)))
    if len(points) < 4 or points[0] != points[-1]:
        raise AreaError("a polygon ring must be closed (first point = last) with at least 4 points",
                        "多边形须闭合（首点与末点相同）且至少 4 个点")
    if len(points) > MAX_VERTICES:
        raise AreaError(f"at most {MAX_VERTICES} points per polygon", f"每个多边形最多 {MAX_VERTICES} 个点")
    return points


def _polygon(coordinates: Any) -> Polygon:
    if not isinstance(coordinates, list) or not coordinates:
        raise AreaError("a polygon needs its outer ring", "多边形缺少外环")
    if len(coordinates) > 1:
        raise AreaError("holes cannot be sent in CAP; draw the area without holes",
                        "CAP 不能表示带洞的多边形，请绘制不带洞的区域")
    polygon = Polygon(_rounded_ring(coordinates[0]))
    if not polygon.is_valid:
        why = explain_validity(polygon)
        raise AreaError(f"the polygon is not valid ({why}); its edges must not cross",
                        f"多边形无效（{why}），边不能相互交叉")
    if polygon.area == 0:
        raise AreaError("the polygon has no area", "多边形面积为零")
    return polygon


def check(geojson: Any) -> CheckedArea:
    """The area as checked and rounded, or ``AreaError`` saying why not."""
    if not isinstance(geojson, dict) or geojson.get("type") not in ("Polygon", "MultiPolygon"):
        raise AreaError("the area must be a GeoJSON Polygon or MultiPolygon (WGS84)",
                        "区域应为 GeoJSON Polygon 或 MultiPolygon（WGS84）")
    coordinates = geojson.get("coordinates")
    if geojson["type"] == "Polygon":
        parts: tuple[Polygon, ...] = (_polygon(coordinates),)
    else:
        if not isinstance(coordinates, list) or not coordinates:
            raise AreaError("a MultiPolygon needs at least one polygon", "MultiPolygon 至少需要一个多边形")
        if len(coordinates) > MAX_PARTS:
            raise AreaError(f"at most {MAX_PARTS} separate areas; name the divisions instead",
                            f"最多 {MAX_PARTS} 个分离区域，范围更大时请改填行政区划")
        parts = tuple(_polygon(c) for c in coordinates)
        for i, a in enumerate(parts):
            for b in parts[i + 1:]:
                if a.intersects(b):
                    raise AreaError("the parts of a MultiPolygon must not touch or overlap; draw one polygon",
                                    "MultiPolygon 的各部分不能相交或重叠，请合并为一个多边形")
    geometry: Polygon | MultiPolygon = parts[0] if len(parts) == 1 else MultiPolygon(list(parts))
    out = shapely.geometry.mapping(geometry)
    return CheckedArea(geometry=geometry, parts=parts, geojson=_plain(out))


def _plain(value: Any) -> Any:
    """shapely's mapping has tuples; stored JSON and comparisons want lists."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def cap_polygon(polygon: Polygon) -> str:
    """CAP 1.2 ``<polygon>``: ``lat,lon`` pairs, space-separated, closed."""
    return " ".join(f"{lat:.{DECIMALS}f},{lon:.{DECIMALS}f}" for lon, lat in polygon.exterior.coords)


def from_cap_polygon(text: str) -> Polygon:
    pairs = [p.split(",") for p in text.split()]
    return Polygon([(float(lon), float(lat)) for lat, lon in pairs])


def inside(geometry: Polygon | MultiPolygon, lon: npt.NDArray[np.float64],
           lat: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """Which of the points lie inside (or on the edge of) the area: shapely 2's vectorised ``intersects_xy``
    over the arrays, after a bounding-box cut that leaves most points of a city out at numpy speed."""
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    box = (lon >= min_lon) & (lon <= max_lon) & (lat >= min_lat) & (lat <= max_lat)
    result = np.zeros(lon.shape, dtype=bool)
    if box.any():
        shapely.prepare(geometry)
        result[box] = shapely.intersects_xy(geometry, lon[box], lat[box])
    return result
