"""Benchmark: a province's risk map from 1,000,000 point sources.

Generates N synthetic risk sources across Jiangsu's 95 districts/counties, aggregates them to H3
cells (resolution 8), to the districts and to generated demo streets (Voronoi, ~1,400 in all) with
``citysafe.risk.calc.aggregate``, and in the same run joins the same points to the same polygons
with GeoPandas ``sjoin`` as the baseline. Prints one JSON document: seconds per step (median of
``--repeats`` runs), peak memory, the baseline and the speed-up, and whether both agree.

Targets (issue "Risk"): H3 + districts + streets ≤ 5 s for 1,000,000 points; ≥ 5× the baseline
on the polygon joins (both sides index the points once and join them to both layers).

    .venv/bin/python bench/risk_map.py [--points 1000000] [--repeats 3]

Boundaries: $CITYSAFE_BOUNDARIES if set, else the packaged copy
src/citysafe/regions/data/boundaries-gcj02.geojson, else ../shared/data/jiangsu/ beside the repo.
They are GCJ-02 and are converted to WGS84 first.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from citysafe.core.geo import convert_geometry
from citysafe.risk.calc.aggregate import Aggregation, PointGrid, aggregate_h3, aggregate_polygons
from citysafe.risk.calc.voronoi import voronoi_cells

REPO = Path(__file__).resolve().parents[1]
BOUNDARY_CANDIDATES = (
    REPO / "src/citysafe/regions/data/boundaries-gcj02.geojson",
    REPO.parent / "shared/data/jiangsu/boundaries-gcj02.geojson",
)
# Share of sources per level, blue … red: most sources are low risk, few are major.
LEVEL_SHARES = (0.60, 0.25, 0.10, 0.05)


def boundaries_path() -> Path:
    env = os.environ.get("CITYSAFE_BOUNDARIES")
    if env:
        return Path(env)
    for path in BOUNDARY_CANDIDATES:
        if path.exists():
            return path
    raise SystemExit("no boundary file: set CITYSAFE_BOUNDARIES to a GCJ-02 GeoJSON of districts")


def load_districts(path: Path) -> tuple[list[str], list[str], list[Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    feats = [f for f in data["features"] if f["properties"].get("level") in ("district", "county")]
    geoms = [shapely.geometry.shape(convert_geometry(f["geometry"], "gcj02")) for f in feats]
    geoms = [g if g.is_valid else shapely.make_valid(g) for g in geoms]
    return ([f["properties"]["adcode"] for f in feats], [f["properties"]["name"] for f in feats], geoms)


def synthetic_sources(districts: list[Any], n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` points uniformly inside the districts' union, with ranks drawn by LEVEL_SHARES."""
    rng = np.random.default_rng(seed)
    province = shapely.union_all(districts)
    shapely.prepare(province)
    minx, miny, maxx, maxy = province.bounds
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    have = 0
    while have < n:
        x = rng.uniform(minx, maxx, n)
        y = rng.uniform(miny, maxy, n)
        keep = shapely.contains_xy(province, x, y)
        xs.append(x[keep])
        ys.append(y[keep])
        have += int(keep.sum())
    ranks = rng.choice(np.arange(1, 5), size=n, p=LEVEL_SHARES)
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n], ranks


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, list[float], Any]:
    times = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), [round(t, 3) for t in times], result


def baseline_points(lon: np.ndarray, lat: np.ndarray, ranks: np.ndarray) -> Any:
    import geopandas as gpd

    return gpd.GeoDataFrame({"rank": ranks}, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def geopandas_join(points: Any, polygons: list[Any]) -> Any:
    """The usual GeoPandas way: sjoin points within polygons, then group by polygon."""
    import geopandas as gpd
    import pandas as pd

    units = gpd.GeoDataFrame({"unit": np.arange(len(polygons))}, geometry=polygons, crs="EPSG:4326")
    joined = gpd.sjoin(points, units, how="inner", predicate="within")
    counts = pd.crosstab(joined["unit"], joined["rank"]).reindex(
        index=range(len(polygons)), columns=range(1, 5), fill_value=0)
    highest = joined.groupby("unit")["rank"].max().reindex(range(len(polygons)), fill_value=0)
    return counts.to_numpy(), highest.to_numpy()


def agreement(agg: Aggregation, baseline: Any) -> dict[str, Any]:
    counts, highest = baseline
    return {
        "units_with_same_level": int((agg.level_rank == highest).sum()),
        "units": len(agg),
        # Points on shared borders or in overlaps of the simplified boundaries: sjoin counts them in
        # every polygon, we count them once (first polygon); a handful differ.
        "points_counted_differently": int(np.abs(agg.counts - counts).sum()),
    }


def maxrss_mb() -> float:
    # ru_maxrss is KiB on Linux, bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline-repeats", type=int, default=3)
    parser.add_argument("--streets-per-district", type=int, default=15)
    parser.add_argument("--h3-resolution", type=int, default=8)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()

    setup: dict[str, float] = {}
    start = time.perf_counter()
    path = boundaries_path()
    codes, _names, districts = load_districts(path)
    setup["load_and_convert_districts_s"] = time.perf_counter() - start

    start = time.perf_counter()
    streets: list[Any] = []
    street_ids: list[str] = []
    for i, (code, district) in enumerate(zip(codes, districts, strict=True)):
        cells = voronoi_cells(district, args.streets_per_district, seed=args.seed + i)
        streets.extend(cells)
        street_ids.extend(f"{code}-{k:03d}" for k in range(len(cells)))
    setup["voronoi_streets_s"] = time.perf_counter() - start

    start = time.perf_counter()
    lon, lat, ranks = synthetic_sources(districts, args.points, args.seed)
    setup["generate_sources_s"] = time.perf_counter() - start
    rss_after_setup = maxrss_mb()

    steps: dict[str, dict[str, Any]] = {}
    med, runs, h3_agg = timed(lambda: aggregate_h3(lon, lat, ranks, args.h3_resolution), args.repeats)
    steps["h3"] = {"median_s": round(med, 3), "runs_s": runs, "units": len(h3_agg)}
    # One point grid serves every polygon layer of the map.
    med, runs, grid = timed(lambda: PointGrid(lon, lat), args.repeats)
    steps["point_grid"] = {"median_s": round(med, 3), "runs_s": runs, "cells": grid.ncols * grid.nrows}
    med, runs, district_agg = timed(
        lambda: aggregate_polygons(grid, None, ranks, districts, codes, spatial_unit="district"), args.repeats)
    steps["districts"] = {"median_s": round(med, 3), "runs_s": runs, "units": len(district_agg),
                          "unassigned_points": district_agg.unassigned}
    med, runs, street_agg = timed(
        lambda: aggregate_polygons(grid, None, ranks, streets, street_ids, spatial_unit="street"), args.repeats)
    steps["streets"] = {"median_s": round(med, 3), "runs_s": runs, "units": len(street_agg),
                        "unassigned_points": street_agg.unassigned}
    total = sum(steps[k]["median_s"] for k in ("h3", "point_grid", "districts", "streets"))
    polygon_ours = sum(steps[k]["median_s"] for k in ("point_grid", "districts", "streets"))
    rss_after_ours = maxrss_mb()  # before the variants: the STRtree one alone holds 1M GEOS points

    # Variants, for the record: each layer on its own (grid built inside), the weighted rule, and the
    # STRtree bulk-query engine (what the grid engine replaced).
    variants: dict[str, dict[str, Any]] = {}
    for name, polys, ids in (("districts", districts, codes), ("streets", streets, street_ids)):
        med, runs, _ = timed(partial(aggregate_polygons, lon, lat, ranks, polys, ids), args.repeats)
        variants[f"{name}_standalone"] = {"median_s": round(med, 3), "runs_s": runs}
    med, runs, _ = timed(lambda: aggregate_polygons(grid, None, ranks, districts, codes, rule="weighted"),
                         args.repeats)
    variants["districts_weighted_rule"] = {"median_s": round(med, 3), "runs_s": runs}
    med, runs, _ = timed(lambda: aggregate_polygons(lon, lat, ranks, districts, codes, engine="strtree"), 1)
    variants["districts_strtree_engine"] = {"median_s": round(med, 3), "runs_s": runs}

    # Python-heap + numpy peak of one run of the map's steps (GEOS memory is not traced).
    tracemalloc.start()
    aggregate_h3(lon, lat, ranks, args.h3_resolution)
    traced_grid = PointGrid(lon, lat)
    aggregate_polygons(traced_grid, None, ranks, districts, codes)
    aggregate_polygons(traced_grid, None, ranks, streets, street_ids)
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del traced_grid

    baseline: dict[str, dict[str, Any]] = {}
    med, runs, points_gdf = timed(lambda: baseline_points(lon, lat, ranks), args.baseline_repeats)
    baseline["points_geodataframe"] = {"median_s": round(med, 3), "runs_s": runs}
    for name, polys, agg in (("districts", districts, district_agg), ("streets", streets, street_agg)):
        med, runs, base = timed(partial(geopandas_join, points_gdf, polys), args.baseline_repeats)
        # One layer on its own: GeoDataFrame + sjoin against our grid + aggregation, both from raw arrays.
        alone = baseline["points_geodataframe"]["median_s"] + med
        baseline[name] = {"median_s": round(med, 3), "runs_s": runs,
                          "speedup_standalone": round(alone / variants[f"{name}_standalone"]["median_s"], 1),
                          "agreement": agreement(agg, base)}
    polygon_base = sum(baseline[k]["median_s"] for k in ("points_geodataframe", "districts", "streets"))

    import geopandas

    report = {
        "benchmark": "risk_map",
        "points": args.points,
        "boundaries": str(path.relative_to(REPO.parent) if path.is_relative_to(REPO.parent) else path),
        "districts": len(districts),
        "streets": len(streets),
        "h3_resolution": args.h3_resolution,
        "repeats": args.repeats,
        "setup_s": {k: round(v, 3) for k, v in setup.items()},
        "steps": steps,
        "total_s": round(total, 3),
        "variants": variants,
        "target_total_s": 5.0,
        "baseline_geopandas_sjoin": baseline,
        # Same work on both sides: points indexed once (grid / GeoDataFrame), joined to both layers.
        "polygon_pipeline_s": {"ours": round(polygon_ours, 3), "baseline": round(polygon_base, 3)},
        "polygon_speedup": round(polygon_base / polygon_ours, 1),
        "target_speedup": 5.0,
        "memory": {"peak_rss_mb_after_setup": rss_after_setup, "peak_rss_mb_after_ours": rss_after_ours,
                   "peak_rss_mb_after_variants_and_baseline": maxrss_mb(),
                   "tracemalloc_peak_mb_ours": round(traced_peak / 2**20, 1)},
        "environment": {"python": platform.python_version(), "cpus": os.cpu_count(),
                        "numpy": np.__version__, "shapely": shapely.__version__,
                        "geos": shapely.geos_version_string, "geopandas": geopandas.__version__},
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
