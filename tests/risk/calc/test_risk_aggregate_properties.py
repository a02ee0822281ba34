"""Properties of the aggregation against naive per-point loops on small random data."""

from __future__ import annotations

import h3
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from citysafe.risk.calc.aggregate import PointGrid, aggregate_h3, aggregate_polygons, assign_polygons

# Coordinates on a coarse lattice so points often fall exactly on polygon edges and corners.
_coord = st.integers(0, 16).map(lambda k: k / 4)
_points = st.lists(st.tuples(_coord, _coord, st.integers(1, 4)), min_size=0, max_size=60)
_boxes = st.lists(
    st.tuples(st.integers(0, 7), st.integers(0, 7), st.integers(1, 4), st.integers(1, 4)).map(
        lambda t: box(t[0] / 2, t[1] / 2, (t[0] + t[2]) / 2, (t[1] + t[3]) / 2)),
    min_size=1, max_size=8)


def _arrays(points: list[tuple[float, float, int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not points:
        return np.empty(0), np.empty(0), np.empty(0, dtype=np.int64)
    lon, lat, ranks = (np.array(col) for col in zip(*points, strict=True))
    return lon.astype(float), lat.astype(float), ranks.astype(np.int64)


def _naive_unit(x: float, y: float, polygons: list[object]) -> int:
    return next((i for i, p in enumerate(polygons) if p.intersects(Point(x, y))), -1)  # type: ignore[attr-defined]


@settings(max_examples=150, deadline=None)
@given(_points, _boxes, st.sampled_from([None, 0.3, 1.0, 5.0]))
def test_polygon_assignment_matches_naive_loop(points: list[tuple[float, float, int]], polygons: list[object],
                                               cell: float | None) -> None:
    lon, lat, _ = _arrays(points)
    naive = [_naive_unit(x, y, polygons) for x, y in zip(lon.tolist(), lat.tolist(), strict=True)]
    assert assign_polygons(lon, lat, polygons, engine="strtree").tolist() == naive
    if lon.size:
        grid = PointGrid(lon, lat, cell_size=cell) if cell else PointGrid(lon, lat)
        assert assign_polygons(grid, None, polygons).tolist() == naive
    assert assign_polygons(lon, lat, polygons).tolist() == naive


@settings(max_examples=100, deadline=None)
@given(_points, _boxes)
def test_highest_rule_equals_naive_max_and_counts_sum_to_n(points: list[tuple[float, float, int]],
                                                           polygons: list[object]) -> None:
    lon, lat, ranks = _arrays(points)
    agg = aggregate_polygons(lon, lat, ranks, polygons)
    best = [0] * len(polygons)
    counts = [[0] * 4 for _ in polygons]
    outside = 0
    for x, y, r in points:
        unit = _naive_unit(x, y, polygons)
        if unit < 0:
            outside += 1
            continue
        best[unit] = max(best[unit], r)
        counts[unit][r - 1] += 1
    assert agg.level_rank.tolist() == best
    assert agg.counts.tolist() == counts
    assert agg.unassigned == outside
    assert int(agg.counts.sum()) + agg.unassigned == len(points)


_lonlat = st.tuples(st.floats(116.3, 121.9, allow_nan=False), st.floats(30.7, 35.1, allow_nan=False),
                    st.integers(1, 4))


@settings(max_examples=60, deadline=None)
@given(st.lists(_lonlat, min_size=1, max_size=40), st.integers(0, 9),
       st.sampled_from(["highest", "weighted"]))
def test_h3_matches_naive_loop(points: list[tuple[float, float, int]], resolution: int, rule: str) -> None:
    lon, lat, ranks = _arrays(points)
    agg = aggregate_h3(lon, lat, ranks, resolution, rule=rule)  # type: ignore[arg-type]
    cells: dict[str, list[int]] = {}
    for x, y, r in points:
        cells.setdefault(h3.latlng_to_cell(y, x, resolution), []).append(r)
    assert sorted(agg.labels()) == sorted(cells)
    assert int(agg.counts.sum()) == len(points)
    by_label = dict(zip(agg.labels(), agg.properties(), strict=True))
    for cell, rs in cells.items():
        props = by_label[cell]
        assert [props[f"count_{c}"] for c in ("blue", "yellow", "orange", "red")] == [rs.count(k) for k in (1, 2, 3, 4)]
        if rule == "highest":
            assert props["level_rank"] == max(rs)
        else:
            mean = sum(rs) / len(rs)  # default scores 1..4, thresholds 1.5/2.5/3.5
            assert props["index"] == pytest.approx(mean)
            assert props["level_rank"] == 1 + sum(mean >= t for t in (1.5, 2.5, 3.5))
