"""The four-colour map: sources aggregated to H3 cells or divisions by a named rule, as GeoJSON.

A request loads only the columns the aggregation needs (anchor point, level, category, the stored H3
cell) for the sources of the region, then hands numpy arrays to ``risk.calc.aggregate``; division
polygons come from the boundary cache. The parameters of every map (rule, weights, unit, resolution,
filters, level basis) travel with it in ``aggregation`` so a printed map can be reproduced.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any, Final

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.core.context import Slot
from citysafe.core.errors import field_error
from citysafe.core.scope import current_scope
from citysafe.core.validators import region_prefix
from citysafe.regions import service as regions_service
from citysafe.risk.calc.aggregate import (
    Aggregation,
    aggregate_h3,
    aggregate_polygons,
    h3_areas_km2,
    h3_boundary,
    summarise,
)
from citysafe.risk.calc.levels import LEVELS_ASCENDING, RiskLevel
from citysafe.risk.enums import CATEGORY_CODES, KINDS, LEVEL_COLOURS, Category, parse_category
from citysafe.risk.maprules import MapRules
from citysafe.risk.models import H3_RESOLUTIONS, RiskSource
from citysafe.risk.rules import WeightedRuleConfig
from citysafe.risk.schemas import MapQuery, SourceFilter
from citysafe.risk.service import boundaries, raises, sources, versions

_RANK = {lvl.value: lvl.rank for lvl in LEVELS_ASCENDING}
_UNIT_NAMES_ZH = {"district": "区县", "street": "街道乡镇", "community": "社区村", "grid": "网格",
                  "h3": "H3 六边形网格"}


@dataclass
class Points:
    lon: np.ndarray[Any, np.dtype[np.float64]]
    lat: np.ndarray[Any, np.dtype[np.float64]]
    rank: np.ndarray[Any, np.dtype[np.int64]]  # 0 = not assessed
    category: np.ndarray[Any, np.dtype[np.int64]]
    cell: list[str] | None  # stored H3 cells at the requested resolution


@dataclass
class MapFeature:
    properties: dict[str, Any]
    geometry_json: str
    geom: Any = None  # shapely geometry for drawing (divisions only)


@dataclass
class MapResult:
    region: dict[str, str]
    unit: str
    features: list[MapFeature]
    aggregation: dict[str, Any]
    totals: dict[str, int]
    notes: list[str] = field(default_factory=list)


def load_points(session: Session, *, region_code: str, categories: list[str] | None, kinds: list[str] | None,
                basis: str, resolution: int | None) -> Points:
    level_col = RiskSource.current_level if basis == "current" else RiskSource.assessed_level
    cols: list[Any] = [RiskSource.lon, RiskSource.lat, level_col, RiskSource.category]
    if resolution in H3_RESOLUTIONS:
        cols.append(getattr(RiskSource, f"h3_r{resolution}"))
    stmt = sources.filtered(select(*cols), SourceFilter(region=region_code, category=categories, kind=kinds))
    rows = session.execute(stmt).all()
    codes = {c.value: n for c, n in CATEGORY_CODES.items()}
    columns: list[Any] = list(zip(*rows, strict=True)) if rows else [() for _ in cols]
    return Points(
        lon=np.asarray(columns[0], dtype=np.float64), lat=np.asarray(columns[1], dtype=np.float64),
        rank=np.asarray([_RANK.get(v or "", 0) for v in columns[2]], dtype=np.int64),
        category=np.asarray([codes.get(c, 0) for c in columns[3]], dtype=np.int64),
        cell=list(columns[4]) if len(cols) > 4 else None,
    )


def _props(agg: Aggregation) -> list[dict[str, Any]]:
    out = agg.properties()
    for props in out:
        level = props["level"]
        props["level_zh"] = RiskLevel(level).name_zh if level else "无评估数据"
        props["counts"] = {lvl.value: props[f"count_{lvl.value}"] for lvl in reversed(LEVELS_ASCENDING)}
    return out


def _h3(points: Points, assessed: np.ndarray[Any, Any], resolution: int, rule: str,
        rules: MapRules) -> list[MapFeature]:
    params = rules.params(rule)
    ranks, cats = points.rank[assessed], points.category[assessed]
    if points.cell is not None:
        # The cells were computed when each source was written: only grouping is left to do here.
        cells = np.asarray([int(c, 16) for c, ok in zip(points.cell, assessed.tolist(), strict=True) if ok],
                           dtype=np.uint64)
        ids, inverse = np.unique(cells, return_inverse=True)
        level, counts, index = summarise(inverse.astype(np.int64).ravel(), ids.size, ranks, rule,  # type: ignore[arg-type]
                                         categories=cats, params=params,
                                         areas=h3_areas_km2(ids) if rule == "density" else None)
        agg = Aggregation("h3", ids, level, counts, index, 0, rule, {})  # type: ignore[arg-type]
    else:
        agg = aggregate_h3(points.lon[assessed], points.lat[assessed], ranks, resolution, rule,  # type: ignore[arg-type]
                           categories=cats, params=params)
    features = []
    for cell, props in zip(agg.unit_ids.tolist(), _props(agg), strict=True):
        props["code"] = props.pop("unit")
        ring = [[round(x, 6), round(y, 6)] for x, y in h3_boundary(int(cell))]
        features.append(MapFeature(props, json.dumps({"type": "Polygon", "coordinates": [ring]},
                                                     separators=(",", ":"))))
    return features


def _divisions(session: Session, region: Any, unit: str, points: Points, assessed: np.ndarray[Any, Any],
               rule: str, rules: MapRules) -> tuple[list[MapFeature], int, list[str]]:
    units = boundaries.units_at_level(session, region=region, level=unit)
    if not units:
        raise field_error("unit", f"no {unit} boundaries have been imported inside {region.name} ({region.code}); "
                          "import them with `citysafe regions import`",
                          f"{region.name}尚未导入{_UNIT_NAMES_ZH[unit]}边界，请先导入（citysafe regions import）")
    agg = aggregate_polygons(points.lon[assessed], points.lat[assessed], points.rank[assessed],
                             [u.geom for u in units], [u.code for u in units], rule,  # type: ignore[arg-type]
                             categories=points.category[assessed], params=rules.params(rule), spatial_unit=unit,
                             areas=[u.area_km2 for u in units])
    features = []
    for u, props in zip(units, _props(agg), strict=True):
        props.pop("unit")
        props = {"code": u.code, "name": u.name, "division_level": u.level, **props,
                 "area_km2": round(u.area_km2, 2),
                 "boundary_source": u.boundary_source, "generated": u.generated}
        features.append(MapFeature(props, u.geometry_json, u.geom))
    notes = [boundaries.GENERATED_STREETS_NOTE_ZH] if any(u.generated for u in units) else []
    return features, agg.unassigned, notes


_RESULTS_KEPT = 128


class MapResults:
    """The maps built last, newest at the end (at most ``_RESULTS_KEPT``)."""

    def __init__(self) -> None:
        self.entries: OrderedDict[tuple[Any, ...], MapResult] = OrderedDict()
        self.lock = threading.Lock()


RESULTS: Final = Slot("risk.map_results", lambda _ctx: MapResults())


def build_map(session: Session, *, query: MapQuery, default_resolution: int,
              weighted: WeightedRuleConfig, map_rules: MapRules | None = None) -> MapResult:
    """The map of ``query``, from memory when nothing it depends on has changed since it was built.

    It depends on the region's sources (their counties' change counters), the division boundaries (the
    boundary cache's generation), the reader's organisation scope and the rule's parameters. A query
    without a rule takes the configured default (``map_rules.default``). Notes of temporary raises in
    force (unverified fire alarms) are added on every request: they depend on the time.
    """
    rules = map_rules or MapRules(weighted=weighted)
    query = query.model_copy(update={"rule": query.rule or rules.default})
    result = _cached_map(session, query=query, default_resolution=default_resolution, rules=rules)
    live = raises.notes(session, region_code=result.region["code"])
    return replace(result, notes=[*result.notes, *live]) if live else result


def _cached_map(session: Session, *, query: MapQuery, default_resolution: int, rules: MapRules) -> MapResult:
    region = regions_service.get(session, code=query.region)
    if query.unit not in ("h3", region.level):
        boundaries.units_at_level(session, region=region, level=query.unit)  # revalidates the boundary cache
    scope = current_scope(session)
    key = (str(session.get_bind().engine.url), region.code, query.model_dump_json(), default_resolution,
           json.dumps(rules.settings_of(query.rule or rules.default)),
           scope.organization_id if scope else None, boundaries.generation(session),
           versions.data_version(session, prefix=region_prefix(region.code)))
    results = RESULTS.of(session)
    with results.lock:
        cached = results.entries.get(key)
        if cached is not None:
            results.entries.move_to_end(key)
            return cached
    result = _build_map(session, region=region, query=query, default_resolution=default_resolution, rules=rules)
    with results.lock:
        results.entries[key] = result
        while len(results.entries) > _RESULTS_KEPT:
            results.entries.popitem(last=False)
    return result


def _build_map(session: Session, *, region: Any, query: MapQuery, default_resolution: int,
               rules: MapRules) -> MapResult:
    rule = query.rule or rules.default
    categories = [parse_category(c).value for c in query.category] if query.category else None
    resolution = query.res or default_resolution
    points = load_points(session, region_code=region.code, categories=categories, kinds=query.kind,
                         basis=query.basis, resolution=resolution if query.unit == "h3" else None)
    assessed = points.rank > 0
    unassigned = 0
    notes: list[str] = []
    if query.unit == "h3":
        features = _h3(points, assessed, resolution, rule, rules)
    else:
        features, unassigned, notes = _divisions(session, region, query.unit, points, assessed, rule, rules)
    counts = np.bincount(points.rank, minlength=5)
    totals = {lvl.value: int(counts[lvl.rank]) for lvl in reversed(LEVELS_ASCENDING)}
    totals |= {"unassessed": int(counts[0]), "total": int(points.rank.size), "unassigned": unassigned}
    aggregation: dict[str, Any] = {
        "rule": rule, "rule_statement": rules.describe(rule), "basis": query.basis, "unit": query.unit,
        "spatial_unit": f"h3:{resolution}" if query.unit == "h3" else query.unit,
        "categories": categories or [c.value for c in Category], "kinds": query.kind or None,
    }
    if query.unit == "h3":
        aggregation["resolution"] = resolution
    if rule in ("weighted", "density", "share"):
        aggregation[rule] = rules.settings_of(rule)
    return MapResult(region={"code": region.code, "name": region.name, "level": region.level},
                     unit=query.unit, features=features, aggregation=aggregation, totals=totals, notes=notes)


def legend() -> list[dict[str, str]]:
    return [{"level": lvl.value, "name_zh": lvl.name_zh, "colour_zh": lvl.colour_zh, "colour": LEVEL_COLOURS[lvl]}
            for lvl in reversed(LEVELS_ASCENDING)]


def to_geojson_text(result: MapResult) -> str:
    """The FeatureCollection as text; feature geometries are pre-serialised, so this stays cheap."""
    head = {"region": result.region, "unit": result.unit, "aggregation": result.aggregation,
            "totals": result.totals, "legend": legend(), "notes": result.notes}
    dumps = json.dumps
    parts = [
        '{"type":"Feature","id":' + dumps(f.properties["code"]) + ',"properties":'
        + dumps(f.properties, ensure_ascii=False, separators=(",", ":")) + ',"geometry":' + f.geometry_json + "}"
        for f in result.features
    ]
    meta = dumps(head, ensure_ascii=False, separators=(",", ":"))[1:-1]
    return '{"type":"FeatureCollection",' + meta + ',"features":[' + ",".join(parts) + "]}"


def to_geojson(result: MapResult) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(to_geojson_text(result))
    return data


def sources_geojson(session: Session, *, region_code: str, categories: list[str] | None = None,
                    kinds: list[str] | None = None, levels: list[str] | None = None, full: bool = False,
                    limit: int = 5000) -> dict[str, Any]:
    """Sources of a region as GeoJSON: anchor points, or their own geometry with ``full``."""
    regions_service.get(session, code=region_code)
    cols: list[Any] = [RiskSource.id, RiskSource.code, RiskSource.name, RiskSource.kind, RiskSource.category,
                       RiskSource.current_level, RiskSource.assessed_level, RiskSource.lon, RiskSource.lat,
                       RiskSource.geometry_type, RiskSource.responsible_unit]
    if full:
        cols.append(RiskSource.geometry)
    stmt = sources.filtered(select(*cols), SourceFilter(region=region_code, category=categories, kind=kinds,
                                                       level=levels))
    rows = session.execute(stmt.order_by(RiskSource.id).limit(limit + 1)).all()
    features = []
    for row in rows[:limit]:
        geometry = row.geometry if full else {"type": "Point", "coordinates": [row.lon, row.lat]}
        raised = bool(row.current_level and row.assessed_level != row.current_level)
        features.append({"type": "Feature", "id": row.id, "geometry": geometry, "properties": {
            "id": row.id, "code": row.code, "name": row.name, "kind": row.kind, "kind_zh": KINDS[row.kind].name_zh,
            "category": row.category, "level": row.current_level, "assessed_level": row.assessed_level,
            "raised": raised, "geometry_type": row.geometry_type, "responsible_unit": row.responsible_unit}})
    return {"type": "FeatureCollection", "features": features, "truncated": len(rows) > limit}
