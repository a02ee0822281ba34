"""Figures for reports drawn with Pillow: four-colour maps from shapely geometry and stacked bar charts.

Drawn directly (no plotting library) at twice the output size and scaled down, which gives smooth edges.
PNG is what HTML, WeasyPrint's PDF and python-docx all embed alike. Chinese labels use Noto Sans CJK SC
(installed by ``scripts/ensure-system.sh``); without a CJK font a report would show empty boxes, so a
missing font is an error, not a silent fallback.
"""

from __future__ import annotations

import io
import math
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

SCALE = 2  # supersampling factor
_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
)
INK = (38, 43, 51)
GRID = (222, 226, 232)
OUTLINE = (70, 76, 88)


class FontMissing(RuntimeError):
    pass


@lru_cache(maxsize=1)
def font_path() -> tuple[str, int]:
    """(file, face index) of Noto Sans CJK SC."""
    paths = [p for p in _FONT_CANDIDATES if Path(p).exists()]
    if not paths and shutil.which("fc-match"):
        found = subprocess.run(["fc-match", "-f", "%{file}", "Noto Sans CJK SC"],  # noqa: S607 - fontconfig tool
                               capture_output=True, text=True, check=False).stdout.strip()
        if found and "CJK" in found:
            paths.append(found)
    if not paths:
        raise FontMissing("Noto Sans CJK is not installed (Debian package fonts-noto-cjk)")
    for index in range(10):
        try:
            if "SC" in (ImageFont.truetype(paths[0], 12, index=index).getname()[0] or ""):
                return paths[0], index
        except OSError:
            break
    return paths[0], 0


@lru_cache(maxsize=32)
def font(size: int) -> ImageFont.FreeTypeFont:
    path, index = font_path()
    return ImageFont.truetype(path, size * SCALE, index=index)


def hex_rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _png(image: Image.Image) -> bytes:
    out = image.resize((image.width // SCALE, image.height // SCALE), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    out.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


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


def _draw_geometry(draw: ImageDraw.ImageDraw, proj: Projection, geom: Any, fill: tuple[int, int, int] | None,
                   outline: tuple[int, int, int], width: int, background: tuple[int, int, int]) -> None:
    for polygon in _polygons(geom):
        ring = [proj(x, y) for x, y in polygon.exterior.coords]
        if len(ring) >= 3:
            draw.polygon(ring, fill=fill, outline=outline, width=width)
        for hole in polygon.interiors:
            draw.polygon([proj(x, y) for x, y in hole.coords], fill=background, outline=outline, width=width)


def _text(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, size: int, *,
          fill: tuple[int, int, int] = INK, anchor: str = "la", halo: bool = False) -> None:
    if halo:
        draw.text(xy, text, font=font(size), fill=fill, anchor=anchor, stroke_width=2 * SCALE,
                  stroke_fill=(255, 255, 255))
    else:
        draw.text(xy, text, font=font(size), fill=fill, anchor=anchor)


def _scale_bar(draw: ImageDraw.ImageDraw, proj: Projection, right: float, bottom: float) -> None:
    km_per_px = 111.32 / proj.k
    target = km_per_px * 160 * SCALE
    nice = next((n for n in (1, 2, 5, 10, 20, 50, 100, 200) if n >= target / 2), 200)
    length = nice / km_per_px
    x0, y = right - length, bottom
    draw.line([(x0, y), (right, y)], fill=INK, width=2 * SCALE)
    for x in (x0, right):
        draw.line([(x, y - 6 * SCALE), (x, y)], fill=INK, width=2 * SCALE)
    _text(draw, ((x0 + right) / 2, y - 8 * SCALE), f"{nice} 千米", 11, anchor="md")


def _north_arrow(draw: ImageDraw.ImageDraw, x: float, y: float) -> None:
    s = SCALE
    draw.polygon([(x, y), (x - 9 * s, y + 26 * s), (x, y + 19 * s)], fill=INK)
    draw.polygon([(x, y), (x + 9 * s, y + 26 * s), (x, y + 19 * s)], outline=INK, fill=(255, 255, 255), width=s)
    _text(draw, (x, y - 3 * s), "北", 12, anchor="md")


def choropleth(layers: Sequence[MapLayer], *, title: str, legend: Sequence[tuple[str, str]],
               note: str = "", points: Sequence[tuple[float, float, str]] = (), outline_only: Sequence[Any] = (),
               size: tuple[int, int] = (1400, 1050)) -> bytes:
    """A four-colour map: filled units, optional outlines (e.g. district borders over streets), points."""
    width, height = size[0] * SCALE, size[1] * SCALE
    background = (255, 255, 255)
    image = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(image)
    _text(draw, (width / 2, 22 * SCALE), title, 24, anchor="ma")
    geoms = [layer.geom for layer in layers] + list(outline_only)
    bounds = (min(g.bounds[0] for g in geoms), min(g.bounds[1] for g in geoms),
              max(g.bounds[2] for g in geoms), max(g.bounds[3] for g in geoms))
    margin = 40 * SCALE
    proj = _projection(bounds, (margin, 80 * SCALE, width - margin, height - 60 * SCALE))
    thin = max(1, SCALE)
    for layer in layers:
        fill = hex_rgb(layer.fill) if layer.fill else None
        _draw_geometry(draw, proj, layer.geom, fill, (255, 255, 255) if fill else OUTLINE, thin, background)
    for layer in layers:  # outlines again on top, so white gaps read as borders of one width
        for polygon in _polygons(layer.geom):
            draw.line([proj(x, y) for x, y in polygon.exterior.coords], fill=(120, 126, 138), width=thin)
    for geom in outline_only:
        for polygon in _polygons(geom):
            draw.line([proj(x, y) for x, y in polygon.exterior.coords], fill=INK, width=3 * SCALE)
    radius = 3 * SCALE
    for lon, lat, colour in points:
        x, y = proj(lon, lat)
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=hex_rgb(colour), outline=(255, 255, 255))
    for layer in layers:
        if layer.label:
            spot = layer.geom.representative_point()
            _text(draw, proj(spot.x, spot.y), layer.label, 14, anchor="mm", halo=True)
    _legend(draw, legend, 40 * SCALE, height - 60 * SCALE)
    _north_arrow(draw, width - 70 * SCALE, 70 * SCALE)
    _scale_bar(draw, proj, width - 50 * SCALE, height - 30 * SCALE)
    if note:
        _text(draw, (width / 2, height - 14 * SCALE), note, 11, fill=(110, 116, 128), anchor="md")
    return _png(image)


def _legend(draw: ImageDraw.ImageDraw, entries: Sequence[tuple[str, str]], left: float, bottom: float) -> None:
    row = 30 * SCALE
    top = bottom - row * len(entries) - 16 * SCALE
    box_width = max((draw.textlength(label, font=font(13)) for _, label in entries), default=0) + 70 * SCALE
    draw.rectangle([left, top, left + box_width, bottom], fill=(255, 255, 255), outline=GRID, width=SCALE)
    for i, (colour, label) in enumerate(entries):
        y = top + 10 * SCALE + i * row
        draw.rectangle([left + 12 * SCALE, y, left + 42 * SCALE, y + 18 * SCALE], fill=hex_rgb(colour),
                       outline=OUTLINE, width=SCALE)
        _text(draw, (left + 52 * SCALE, y + 9 * SCALE), label, 13, anchor="lm")


def stacked_bars(categories: Sequence[str], series: Sequence[tuple[str, str, Sequence[int]]], *, title: str,
                 size: tuple[int, int] = (1400, 720)) -> bytes:
    """Vertical stacked bars: one bar per category, one segment per series (label, colour, values)."""
    width, height = size[0] * SCALE, size[1] * SCALE
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    _text(draw, (width / 2, 20 * SCALE), title, 22, anchor="ma")
    totals = [sum(s[2][i] for s in series) for i in range(len(categories))]
    top_value = max(totals, default=0) or 1
    step = next(n for n in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000) if top_value / n <= 8)
    axis_top = math.ceil(top_value / step) * step
    left, right, top, bottom = 90 * SCALE, width - 40 * SCALE, 90 * SCALE, height - 90 * SCALE
    for tick in range(0, axis_top + 1, step):
        y = bottom - (bottom - top) * tick / axis_top
        draw.line([(left, y), (right, y)], fill=GRID, width=SCALE)
        _text(draw, (left - 10 * SCALE, y), str(tick), 12, anchor="rm")
    slot = (right - left) / max(len(categories), 1)
    bar = slot * 0.62
    for i, name in enumerate(categories):
        x = left + slot * i + (slot - bar) / 2
        y = float(bottom)
        for _, colour, values in series:
            h = (bottom - top) * values[i] / axis_top
            if h > 0:
                draw.rectangle([x, y - h, x + bar, y], fill=hex_rgb(colour))
            y -= h
        _text(draw, (x + bar / 2, y - 6 * SCALE), str(totals[i]), 12, anchor="md")
        _text(draw, (x + bar / 2, bottom + 10 * SCALE), name, 13, anchor="ma")
    draw.line([(left, bottom), (right, bottom)], fill=INK, width=SCALE)
    x = left
    for label, colour, _ in series:
        draw.rectangle([x, height - 40 * SCALE, x + 26 * SCALE, height - 22 * SCALE], fill=hex_rgb(colour))
        _text(draw, (x + 34 * SCALE, height - 31 * SCALE), label, 13, anchor="lm")
        x += draw.textlength(label, font=font(13)) + 70 * SCALE
    return _png(image)
