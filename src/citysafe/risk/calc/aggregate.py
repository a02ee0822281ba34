"""Aggregation of point risk sources to map units: H3 cells and polygons (区县, 街道, grids).

Everything is vectorised over numpy arrays so a province's million sources aggregate in seconds:

* H3 cells: one ``latlng_to_cell`` per point (the integer API, no string round trip), then
  ``np.unique`` groups them.
* Polygons: points are bucketed once into a regular grid (:class:`PointGrid`, reusable across
  layers); each polygon takes the points of the grid cells under its bounding box and tests only
  those with ``shapely.intersects_xy`` on the prepared polygon. This avoids building and indexing
  a million GEOS points, where a GEOS join such as GeoPandas ``sjoin`` or an ``STRtree`` bulk query
  spends most of its time. The STRtree bulk query is kept as ``engine="strtree"``; both give
  identical answers (tests/risk/calc compare them with a naive loop).
* A point on a shared border, or where simplified boundaries overlap, belongs to the first polygon
  (lowest index) that covers it, so every point is counted at most once. Points covered by none
  are reported as ``unassigned``.

Named rules turn the sources of a unit into its level (risk-methods.md §2.5):

* ``highest`` (就高): the most severe level present.
* ``weighted``: a weighted index, see :class:`WeightedRule`.
* ``density``: level scores per km² of the unit, see :class:`DensityRule`.
* ``share``: the share of major and larger sources, see :class:`ShareRule`.

Levels are passed as ranks (1 blue … 4 red, :attr:`RiskLevel.rank`). Count columns are ordered
blue, yellow, orange, red (rank − 1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import shapely
from h3.api import basic_int as h3i

from citysafe.risk.calc.indices import (
    DensityRule,
    ShareRule,
    WeightedRule,
    classify,
    density_index,
    geodesic_area_km2,
    share_index,
)
from citysafe.risk.calc.levels import LEVELS_ASCENDING, RiskLevel

__all__ = ["Aggregation", "DensityRule", "PointGrid", "ShareRule", "WeightedRule", "aggregate_h3",
           "aggregate_polygons", "assign_h3", "assign_polygons", "h3_areas_km2", "h3_boundary", "h3_feature_collection",
           "polygon_feature_collection", "summarise"]

Rule = Literal["highest", "weighted", "density", "share"]
RuleParams = WeightedRule | DensityRule | ShareRule
Engine = Literal["grid", "strtree"]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Aggregation:
    """Per-unit result of an aggregation; arrays are aligned with ``unit_ids``.

    ``level_rank`` is 0 for a unit without (weighted) sources. ``counts[:, k]`` counts sources of
    rank k + 1. ``index`` is the weighted index (``None`` for ``highest``).
    """

    unit_kind: str
    unit_ids: npt.NDArray[Any]
    level_rank: npt.NDArray[np.int8]
    counts: IntArray
    index: FloatArray | None
    unassigned: int
    rule: Rule
    params: dict[str, Any]

    def __len__(self) -> int:
        return len(self.unit_ids)

    def labels(self) -> list[str]:
        """Unit ids as text; H3 cells in their usual hexadecimal form."""
        if self.unit_kind == "h3":
            return [h3i.int_to_str(int(c)) for c in self.unit_ids]
        return [str(u) for u in self.unit_ids]

    def levels(self) -> list[RiskLevel | None]:
        return [LEVELS_ASCENDING[r - 1] if r else None for r in self.level_rank.tolist()]

    def properties(self) -> list[dict[str, Any]]:
        """One flat dict per unit: level, rank, counts by level, total and index (GeoJSON-ready)."""
        out: list[dict[str, Any]] = []
        index = self.index.tolist() if self.index is not None else None
        for i, (label, rank, row) in enumerate(zip(self.labels(), self.level_rank.tolist(),
                                                   self.counts.tolist(), strict=True)):
            level = LEVELS_ASCENDING[rank - 1].value if rank else None
            props: dict[str, Any] = {"unit": label, "level": level, "level_rank": rank}
            props.update({f"count_{lvl.value}": n for lvl, n in zip(LEVELS_ASCENDING, row, strict=True)})
            props["count_total"] = sum(row)
            if index is not None:
                props["index"] = None if np.isnan(index[i]) else index[i]
            out.append(props)
        return out


def _coords(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    x = np.ascontiguousarray(lon, dtype=np.float64)
    y = np.ascontiguousarray(lat, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"lon and lat must be 1-d arrays of one length; got {x.shape} and {y.shape}")
    if x.size and (not np.isfinite(x).all() or not np.isfinite(y).all()
                   or np.abs(x).max() > 180 or np.abs(y).max() > 90):
        raise ValueError("lon/lat must be finite WGS84 degrees (|lon| ≤ 180, |lat| ≤ 90)")
    return x, y


def _ranks(ranks: npt.ArrayLike, n: int) -> IntArray:
    r = np.asarray(ranks)
    if r.shape != (n,) or not np.issubdtype(r.dtype, np.integer):
        raise ValueError(f"level ranks must be an integer array of length {n}")
    if n and (r.min() < 1 or r.max() > 4):
        raise ValueError("level ranks must be 1 (blue) … 4 (red)")
    return r.astype(np.int64, copy=False)


def assign_h3(lon: npt.ArrayLike, lat: npt.ArrayLike, resolution: int) -> npt.NDArray[np.uint64]:
    """The H3 cell (as a 64-bit integer) of every point."""
    x, y = _coords(lon, lat)
    if isinstance(resolution, bool) or not isinstance(resolution, int) or not 0 <= resolution <= 15:
        raise ValueError(f"H3 resolution must be an integer 0…15; got {resolution!r}")
    to_cell = h3i.latlng_to_cell
    # h3 has no array API; a list comprehension over Python floats is its fastest loop.
    cells = [to_cell(b, a, resolution) for a, b in zip(x.tolist(), y.tolist(), strict=True)]
    return np.array(cells, dtype=np.uint64)


class PointGrid:
    """A bucket grid over points, built once and reused for every polygon layer.

    Points are sorted by the grid cell they fall in (row-major), and their coordinates are kept in
    that order, so the points of any run of cells in one row are one contiguous slice. A polygon's
    candidates are the slices of the rows its bounding box spans: roughly the points in its bounding
    box, copied from contiguous memory without scanning the whole array. The cell size defaults to
    about ``points_per_cell`` points per cell on average.
    """

    def __init__(self, lon: npt.ArrayLike, lat: npt.ArrayLike, *, cell_size: float | None = None,
                 points_per_cell: int = 16) -> None:
        x, y = _coords(lon, lat)
        n = x.size
        x0, y0 = (float(x.min()), float(y.min())) if n else (0.0, 0.0)
        x1, y1 = (float(x.max()), float(y.max())) if n else (0.0, 0.0)
        if cell_size is None:
            area = max((x1 - x0) * (y1 - y0), 1e-12)
            cell_size = max(np.sqrt(area * points_per_cell / max(n, 1)), 1e-6)
        if not np.isfinite(cell_size) or cell_size <= 0:
            raise ValueError(f"cell_size must be a positive number of degrees; got {cell_size!r}")
        self.x0, self.y0, self.size = x0, y0, float(cell_size)
        self.ncols = int((x1 - x0) // self.size) + 1
        self.nrows = int((y1 - y0) // self.size) + 1
        col = ((x - x0) // self.size).astype(np.int64)
        row = ((y - y0) // self.size).astype(np.int64)
        key = row * self.ncols + col
        if self.nrows * self.ncols < 2**31:
            key = key.astype(np.int32)  # sorts about 1.5× faster than int64
        #: order[k] is the input index of the k-th point in grid order.
        self.order: IntArray = np.argsort(key).astype(np.int64, copy=False)
        self.xs: FloatArray = x[self.order]
        self.ys: FloatArray = y[self.order]
        counts = np.bincount(key, minlength=self.nrows * self.ncols)
        self.starts: IntArray = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)

    def __len__(self) -> int:
        return int(self.order.size)

    def candidates(self, minx: float, miny: float, maxx: float, maxy: float) -> IntArray:
        """Grid-order positions of the points in the cells the box touches (a superset of the box)."""
        c0 = max(int((minx - self.x0) // self.size), 0)
        c1 = min(int((maxx - self.x0) // self.size), self.ncols - 1)
        r0 = max(int((miny - self.y0) // self.size), 0)
        r1 = min(int((maxy - self.y0) // self.size), self.nrows - 1)
        if c0 > c1 or r0 > r1:
            return np.empty(0, dtype=np.int64)
        first = np.arange(r0, r1 + 1) * self.ncols
        lo = self.starts[first + c0].tolist()
        hi = self.starts[first + c1 + 1].tolist()
        return np.concatenate([np.arange(a, b, dtype=np.int64) for a, b in zip(lo, hi, strict=True)])


def assign_polygons(lon: npt.ArrayLike | PointGrid, lat: npt.ArrayLike | None, polygons: Sequence[Any], *,
                    engine: Engine = "grid") -> IntArray:
    """Index of the first polygon covering each point (boundary included), −1 where none does.

    Pass a :class:`PointGrid` as ``lon`` (and ``None`` as ``lat``) to reuse one grid for several
    polygon layers.
    """
    if isinstance(lon, PointGrid):
        grid: PointGrid | None = lon
        n = len(lon)
    else:
        grid = None
        x, y = _coords(lon, lat if lat is not None else [])
        n = x.size
    geoms = np.asarray(polygons, dtype=object)
    if geoms.ndim != 1 or (geoms.size and not np.all(shapely.is_geometry(geoms))):
        raise ValueError("polygons must be a sequence of shapely geometries")
    if engine == "strtree":
        if grid is not None:
            x, y = np.empty(n), np.empty(n)
            x[grid.order], y[grid.order] = grid.xs, grid.ys
        return _assign_strtree(x, y, geoms)
    if engine != "grid":
        raise ValueError(f"engine must be 'grid' or 'strtree'; got {engine!r}")
    if not n:
        return np.full(0, -1, dtype=np.int64)
    grid = grid or PointGrid(x, y)
    xs, ys = grid.xs, grid.ys
    found = np.full(n, -1, dtype=np.int64)  # in grid order
    shapely.prepare(geoms)  # idempotent; makes each point-in-polygon test O(log vertices)
    for i, (minx, miny, maxx, maxy) in enumerate(shapely.bounds(geoms).tolist()):
        if not np.isfinite(minx):  # empty geometry
            continue
        pos = grid.candidates(minx, miny, maxx, maxy)
        pos = pos[found[pos] < 0]  # the first polygon wins; also skips settled points
        cx, cy = xs[pos], ys[pos]
        keep = (cx >= minx) & (cx <= maxx) & (cy >= miny) & (cy <= maxy)
        pos, cx, cy = pos[keep], cx[keep], cy[keep]
        if pos.size:
            found[pos[shapely.intersects_xy(geoms[i], cx, cy)]] = i
    result = np.empty(n, dtype=np.int64)
    result[grid.order] = found
    return result


def _assign_strtree(x: FloatArray, y: FloatArray, geoms: npt.NDArray[Any]) -> IntArray:
    """The STRtree bulk query: a tree of GEOS points queried with each (prepared) polygon.

    The tree holds the points and the polygons are the queries, because shapely prepares the query
    geometry: the other way round would prepare a million points and test each against unprepared
    polygons, several times slower. The lowest polygon index per point wins, as in the grid engine.
    """
    result = np.full(x.size, -1, dtype=np.int64)
    tree = shapely.STRtree(shapely.points(x, y))
    poly_idx, point_idx = tree.query(geoms, predicate="intersects")
    none = np.iinfo(np.int64).max
    first = np.full(x.size, none, dtype=np.int64)
    np.minimum.at(first, point_idx, poly_idx)
    hit = first != none
    result[hit] = first[hit]
    return result


def summarise(unit: IntArray, n_units: int, ranks: IntArray, rule: Rule = "highest", *,
              weights: npt.ArrayLike | None = None, categories: npt.ArrayLike | None = None,
              params: RuleParams | None = None,
              areas: npt.ArrayLike | None = None) -> tuple[npt.NDArray[np.int8], IntArray, FloatArray | None]:
    """(level_rank, counts, index) per unit from each point's unit index (−1 = outside).

    ``params`` are the chosen rule's (its defaults when ``None``); ``areas`` (km² per unit) are
    needed by the ``density`` rule only.
    """
    inside = unit >= 0
    u = unit[inside]
    r = ranks[inside]
    if u.size and u.max() >= n_units:
        raise ValueError(f"unit index {int(u.max())} out of range for {n_units} units")
    counts = np.bincount(u * 4 + (r - 1), minlength=n_units * 4).reshape(n_units, 4).astype(np.int64)
    if rule == "highest":
        rank = ((counts > 0) * np.arange(1, 5)).max(axis=1, initial=0).astype(np.int8)
        return rank, counts, None
    if rule == "density":
        density = params if isinstance(params, DensityRule) else DensityRule()
        index = density_index(counts, areas, density)
        return classify(index, density.thresholds), counts, index
    if rule == "share":
        share = params if isinstance(params, ShareRule) else ShareRule()
        index = share_index(counts)
        return classify(index, share.thresholds), counts, index
    if rule != "weighted":
        raise ValueError(f"rule must be 'highest', 'weighted', 'density' or 'share'; got {rule!r}")
    p = params if isinstance(params, WeightedRule) else WeightedRule()
    w = _point_weights(unit.size, weights, categories, p)[inside]
    score = np.asarray(p.level_scores, dtype=np.float64)[r - 1]
    total = np.bincount(u, weights=w * score, minlength=n_units)
    mass = np.bincount(u, weights=w, minlength=n_units)
    with np.errstate(invalid="ignore", divide="ignore"):
        index = total / mass if p.statistic == "mean" else np.where(mass > 0, total, np.nan)
    index = np.where(mass > 0, index, np.nan)
    return classify(index, p.thresholds), counts, index


def _point_weights(n: int, weights: npt.ArrayLike | None, categories: npt.ArrayLike | None,
                   p: WeightedRule) -> FloatArray:
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (n,) or not np.isfinite(w).all() or (n and w.min() < 0):
        raise ValueError(f"weights must be {n} finite non-negative numbers")
    if categories is None:
        return w
    cats = np.asarray(categories)
    if cats.shape != (n,) or not np.issubdtype(cats.dtype, np.integer):
        raise ValueError(f"categories must be an integer array of length {n}")
    if not p.category_weights:
        return w
    keys = np.array(sorted(p.category_weights), dtype=np.int64)
    values = np.array([p.category_weights[k] for k in keys.tolist()], dtype=np.float64)
    pos = np.clip(np.searchsorted(keys, cats), 0, keys.size - 1)
    factor = np.where(keys[pos] == cats, values[pos], 1.0)
    return w * factor


def _record(rule: Rule, params: RuleParams | None, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"rule": rule, **extra}
    defaults: dict[str, RuleParams] = {"weighted": WeightedRule(), "density": DensityRule(), "share": ShareRule()}
    if rule in defaults:
        chosen = params if isinstance(params, type(defaults[rule])) else defaults[rule]
        data[rule] = chosen.to_dict()
    return data


def aggregate_h3(lon: npt.ArrayLike, lat: npt.ArrayLike, ranks: npt.ArrayLike, resolution: int,
                 rule: Rule = "highest", *, weights: npt.ArrayLike | None = None,
                 categories: npt.ArrayLike | None = None, params: RuleParams | None = None) -> Aggregation:
    """Aggregate to the H3 cells that hold at least one source."""
    cells = assign_h3(lon, lat, resolution)
    r = _ranks(ranks, cells.size)
    ids, inverse = np.unique(cells, return_inverse=True)
    level, counts, index = summarise(inverse.astype(np.int64).ravel(), ids.size, r, rule,
                                     weights=weights, categories=categories, params=params,
                                     areas=h3_areas_km2(ids) if rule == "density" else None)
    return Aggregation("h3", ids, level, counts, index, 0, rule,
                       _record(rule, params, spatial_unit=f"h3:{resolution}"))


def aggregate_polygons(lon: npt.ArrayLike | PointGrid, lat: npt.ArrayLike | None, ranks: npt.ArrayLike,
                       polygons: Sequence[Any],
                       ids: Sequence[Any] | None = None, rule: Rule = "highest", *,
                       weights: npt.ArrayLike | None = None, categories: npt.ArrayLike | None = None,
                       params: RuleParams | None = None, engine: Engine = "grid",
                       spatial_unit: str = "polygon", areas: npt.ArrayLike | None = None) -> Aggregation:
    """Aggregate to every given polygon (units without sources get level rank 0).

    ``lon`` may be a :class:`PointGrid` of the points (then ``lat`` is ``None``) to share one grid
    between the district, street and grid layers of a map. ``areas`` (km²) serve the density rule;
    without them it measures the polygons (pass them when the polygons' areas are known already).
    """
    if rule == "density" and areas is None:
        areas = geodesic_area_km2(polygons)
    unit = assign_polygons(lon, lat, polygons, engine=engine)
    r = _ranks(ranks, unit.size)
    unit_ids = np.asarray(list(ids) if ids is not None else range(len(polygons)), dtype=object)
    if unit_ids.shape != (len(polygons),):
        raise ValueError("ids must give one id per polygon")
    level, counts, index = summarise(unit, len(polygons), r, rule,
                                     weights=weights, categories=categories, params=params, areas=areas)
    return Aggregation("polygon", unit_ids, level, counts, index, int((unit < 0).sum()), rule,
                       _record(rule, params, spatial_unit=spatial_unit))


def h3_areas_km2(cells: npt.NDArray[Any]) -> FloatArray:
    """The area of each H3 cell (64-bit integers) in km²."""
    return np.array([h3i.cell_area(int(c), "km^2") for c in cells.tolist()], dtype=np.float64)


def h3_boundary(cell: int) -> list[list[float]]:
    """A closed GeoJSON ring of an H3 cell, in GeoJSON's lon/lat order (h3 returns lat/lng)."""
    ring = [[lng, lat] for lat, lng in h3i.cell_to_boundary(cell)]
    ring.append(ring[0])
    return ring


def h3_feature_collection(agg: Aggregation, *, only_levelled: bool = False) -> dict[str, Any]:
    """GeoJSON of an H3 aggregation: one Polygon per cell with level and counts in properties."""
    if agg.unit_kind != "h3":
        raise ValueError("h3_feature_collection needs an H3 aggregation")
    features = [
        {"type": "Feature", "id": props["unit"], "properties": props,
         "geometry": {"type": "Polygon", "coordinates": [h3_boundary(int(cell))]}}
        for cell, props in zip(agg.unit_ids.tolist(), agg.properties(), strict=True)
        if props["level"] is not None or not only_levelled
    ]
    return {"type": "FeatureCollection", "features": features, "aggregation": agg.params}


def polygon_feature_collection(agg: Aggregation, polygons: Sequence[Any],
                               extra_properties: Sequence[Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """GeoJSON of a polygon aggregation; ``extra_properties`` (e.g. names) merge into each feature."""
    if len(polygons) != len(agg):
        raise ValueError("need one polygon per aggregated unit")
    extras = extra_properties if extra_properties is not None else [{}] * len(polygons)
    features = [
        {"type": "Feature", "id": props["unit"], "properties": {**extra, **props},
         "geometry": shapely.geometry.mapping(geom)}
        for geom, props, extra in zip(polygons, agg.properties(), extras, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features, "aggregation": agg.params}
