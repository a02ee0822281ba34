"""Static maps for documents: filled units (a four-colour map), outlines over them, points, a legend, a
north arrow and a scale bar, drawn with Pillow from shapely geometry in WGS84."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PIL import ImageDraw

from citysafe.core.render.canvas import GRID, INK, OUTLINE, RGB, SCALE, WHITE, Canvas, Fonts, hex_rgb


@dataclass(frozen=True)
class MapLayer:
    geom: Any  # shapely geometry, WGS84
    fill: str | None  # hex colour; None draws only the outline
    label: str | None = None


@dataclass(frozen=True)
class Projection:
    """Equirectangular, scaled by cos(latitude) at the map's centre: true shape at city scale."""

    min_lon: float
    max_lat: float
    k: float  # pixels per degree of latitude
    kx: float  # pixels per degree of longitude
    ox: float
    oy: float

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        return self.ox + (lon - self.min_lon) * self.kx, self.oy + (self.max_lat - lat) * self.k


def _projection(bounds: tuple[float, float, float, float], box: tuple[int, int, int, int]) -> Projection:
    min_lon, min_lat, max_lon, max_lat = bounds
    x0, y0, x1, y1 = box
    coslat = math.cos(math.radians((min_lat + max_lat) / 2))
    width_deg = max((max_lon - min_lon) * coslat, 1e-9)
    height_deg = max(max_lat - min_lat, 1e-9)
    k = min((x1 - x0) / width_deg, (y1 - y0) / height_deg)
    ox = x0 + ((x1 - x0) - width_deg * k) / 2
    oy = y0 + ((y1 - y0) - height_deg * k) / 2
    return Projection(min_lon, max_lat, k, k * coslat, ox, oy)


def _polygons(geom: Any) -> list[Any]:
    kind = geom.geom_type
    if kind == "Polygon":
        return [geom]
    if kind in ("MultiPolygon", "GeometryCollection"):
        return [p for g in geom.geoms for p in _polygons(g)]
    return []


def _draw_geometry(draw: ImageDraw.ImageDraw, proj: Projection, geom: Any, fill: RGB | None, outline: RGB,
                   width: int, background: RGB) -> None:
    for polygon in _polygons(geom):
        ring = [proj(x, y) for x, y in polygon.exterior.coords]
        if len(ring) >= 3:
            draw.polygon(ring, fill=fill, outline=outline, width=width)
        for hole in polygon.interiors:
            draw.polygon([proj(x, y) for x, y in hole.coords], fill=background, outline=outline, width=width)


def _scale_bar(canvas: Canvas, proj: Projection, right: float, bottom: float) -> None:
    km_per_px = 111.32 / proj.k
    target = km_per_px * 160 * SCALE
    nice = next((n for n in (1, 2, 5, 10, 20, 50, 100, 200) if n >= target / 2), 200)
    length = nice / km_per_px
    x0, y = right - length, bottom
    canvas.draw.line([(x0, y), (right, y)], fill=INK, width=2 * SCALE)
    for x in (x0, right):
        canvas.draw.line([(x, y - 6 * SCALE), (x, y)], fill=INK, width=2 * SCALE)
    canvas.text(((x0 + right) / 2, y - 8 * SCALE), f"{nice} 千米", 11, anchor="md")


def _north_arrow(canvas: Canvas, x: float, y: float) -> None:
    s = SCALE
    canvas.draw.polygon([(x, y), (x - 9 * s, y + 26 * s), (x, y + 19 * s)], fill=INK)
    canvas.draw.polygon([(x, y), (x + 9 * s, y + 26 * s), (x, y + 19 * s)], outline=INK, fill=WHITE, width=s)
    canvas.text((x, y - 3 * s), "北", 12, anchor="md")


def _legend(canvas: Canvas, entries: Sequence[tuple[str, str]], left: float, bottom: float) -> None:
    row = 30 * SCALE
    top = bottom - row * len(entries) - 16 * SCALE
    box_width = max((canvas.text_length(label, 13) for _, label in entries), default=0) + 70 * SCALE
    canvas.draw.rectangle([left, top, left + box_width, bottom], fill=WHITE, outline=GRID, width=SCALE)
    for i, (colour, label) in enumerate(entries):
        y = top + 10 * SCALE + i * row
        canvas.draw.rectangle([left + 12 * SCALE, y, left + 42 * SCALE, y + 18 * SCALE], fill=hex_rgb(colour),
                              outline=OUTLINE, width=SCALE)
        canvas.text((left + 52 * SCALE, y + 9 * SCALE), label, 13, anchor="lm")


def choropleth(layers: Sequence[MapLayer], *, title: str, legend: Sequence[tuple[str, str]],
               note: str = "", points: Sequence[tuple[float, float, str]] = (), outline_only: Sequence[Any] = (),
               size: tuple[int, int] = (1400, 1050), fonts: Fonts | None = None,
               nothing_to_draw: str = "暂无可绘制的数据") -> bytes:
    """A four-colour map: filled units, optional outlines (e.g. district borders over streets), points.
    With no geometry at all (an H3 map of a district whose sources are all unassessed has no cell) the map
    says ``nothing_to_draw`` under its title: there is no extent to project onto."""
    canvas = Canvas(size, fonts)
    draw, width, height = canvas.draw, canvas.width, canvas.height
    canvas.text((width / 2, 22 * SCALE), title, 24, anchor="ma")
    geoms = [layer.geom for layer in layers] + list(outline_only)
    if not geoms:
        canvas.text((width / 2, height / 2), nothing_to_draw, 20, fill=(110, 116, 128), anchor="mm")
        return canvas.png()
    bounds = (min(g.bounds[0] for g in geoms), min(g.bounds[1] for g in geoms),
              max(g.bounds[2] for g in geoms), max(g.bounds[3] for g in geoms))
    margin = 40 * SCALE
    proj = _projection(bounds, (margin, 80 * SCALE, width - margin, height - 60 * SCALE))
    thin = max(1, SCALE)
    for layer in layers:
        fill = hex_rgb(layer.fill) if layer.fill else None
        _draw_geometry(draw, proj, layer.geom, fill, WHITE if fill else OUTLINE, thin, WHITE)
    for layer in layers:  # outlines again on top, so white gaps read as borders of one width
        for polygon in _polygons(layer.geom):
            draw.line([proj(x, y) for x, y in polygon.exterior.coords], fill=(120, 126, 138), width=thin)
    for geom in outline_only:
        for polygon in _polygons(geom):
            draw.line([proj(x, y) for x, y in polygon.exterior.coords], fill=INK, width=3 * SCALE)
    radius = 3 * SCALE
    for lon, lat, colour in points:
        x, y = proj(lon, lat)
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=hex_rgb(colour), outline=WHITE)
    for layer in layers:
        if layer.label:
            spot = layer.geom.representative_point()
            canvas.text(proj(spot.x, spot.y), layer.label, 14, anchor="mm", halo=True)
    _legend(canvas, legend, 40 * SCALE, height - 60 * SCALE)
    _north_arrow(canvas, width - 70 * SCALE, 70 * SCALE)
    _scale_bar(canvas, proj, width - 50 * SCALE, height - 30 * SCALE)
    if note:
        canvas.text((width / 2, height - 14 * SCALE), note, 11, fill=(110, 116, 128), anchor="md")
    return canvas.png()
