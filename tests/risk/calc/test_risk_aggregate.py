from __future__ import annotations

import h3
import numpy as np
import pytest
import shapely
from shapely.geometry import Point, box

from citysafe.risk.calc.aggregate import (
    PointGrid,
    WeightedRule,
    aggregate_h3,
    aggregate_polygons,
    assign_polygons,
    h3_feature_collection,
    polygon_feature_collection,
    summarise,
)
from citysafe.risk.calc.levels import RiskLevel

# Two unit squares side by side sharing the edge x = 1, and a third one far away.
SQUARES = [box(0, 0, 1, 1), box(1, 0, 2, 1), box(10, 10, 11, 11)]


@pytest.mark.parametrize("engine", ["grid", "strtree"])
def test_borders_go_to_the_first_polygon_and_outside_points_are_unassigned(engine: str) -> None:
    lon = np.array([0.5, 1.0, 1.5, 2.0, 5.0, 0.0])
    lat = np.array([0.5, 0.5, 0.5, 0.5, 5.0, 0.0])
    got = assign_polygons(lon, lat, SQUARES, engine=engine)  # type: ignore[arg-type]
    assert got.tolist() == [0, 0, 1, 1, -1, 0]


def test_highest_rule_counts_and_unassigned() -> None:
    lon = np.array([0.5, 0.6, 1.5, 1.6, 1.7, 5.0])
    lat = np.array([0.5, 0.5, 0.5, 0.5, 0.5, 5.0])
    ranks = np.array([1, 3, 2, 2, 1, 4])
    agg = aggregate_polygons(lon, lat, ranks, SQUARES, ids=["a", "b", "c"], spatial_unit="street")
    assert agg.levels() == [RiskLevel.ORANGE, RiskLevel.YELLOW, None]
    assert agg.counts.tolist() == [[1, 0, 1, 0], [1, 2, 0, 0], [0, 0, 0, 0]]
    assert agg.unassigned == 1
    assert agg.params == {"rule": "highest", "spatial_unit": "street"}
    props = agg.properties()
    assert props[0] == {"unit": "a", "level": "orange", "level_rank": 3, "count_blue": 1, "count_yellow": 0,
                        "count_orange": 1, "count_red": 0, "count_total": 2}
    assert props[2]["level"] is None and props[2]["count_total"] == 0


def test_weighted_rule_defaults_round_the_mean_level() -> None:
    # Unit 0: one red among nine blue → mean 1.3 → blue (highest would say red).
    # Unit 1: yellow, orange → mean 2.5 → orange (a threshold value takes the higher level).
    unit = np.array([0] * 10 + [1, 1])
    ranks = np.array([4] + [1] * 9 + [2, 3])
    level, counts, index = summarise(unit, 3, ranks, "weighted")
    assert index is not None
    assert index[:2].tolist() == pytest.approx([1.3, 2.5])
    assert np.isnan(index[2])
    assert level.tolist() == [1, 3, 0]
    assert counts[0].tolist() == [9, 0, 0, 1]
    highest, _, _ = summarise(unit, 3, ranks, "highest")
    assert highest.tolist() == [4, 3, 0]


def test_weighted_rule_with_weights_categories_and_sum() -> None:
    unit = np.array([0, 0, 1, 1])
    ranks = np.array([4, 1, 4, 1])
    cats = np.array([7, 8, 7, 8])
    rule = WeightedRule(category_weights={7: 3.0})  # category 7 (say 危化) weighs three times
    level, _, index = summarise(unit, 2, ranks, "weighted", weights=[1, 1, 0, 1], categories=cats, params=rule)
    assert index is not None
    assert index.tolist() == pytest.approx([(3 * 4 + 1) / 4, 1.0])
    assert level.tolist() == [3, 1]
    dense = WeightedRule(level_scores=(1, 2, 4, 8), thresholds=(5, 10, 20), statistic="sum")
    level, _, index = summarise(np.array([0, 0, 0, 1]), 2, np.array([4, 4, 2, 1]), "weighted", params=dense)
    assert index is not None and index.tolist() == [18.0, 1.0]
    assert level.tolist() == [3, 1]


def test_all_zero_weights_give_no_level() -> None:
    level, counts, _ = summarise(np.array([0]), 1, np.array([4]), "weighted", weights=[0.0])
    assert level.tolist() == [0] and counts.sum() == 1


def test_weighted_params_are_recorded() -> None:
    agg = aggregate_polygons([0.5], [0.5], [2], SQUARES, rule="weighted", params=WeightedRule(thresholds=(1, 2, 3)))
    assert agg.params["weighted"]["thresholds"] == (1, 2, 3)
    assert agg.params["weighted"]["statistic"] == "mean"


@pytest.mark.parametrize("kwargs", [
    {"thresholds": (2.0, 1.0, 3.0)},
    {"level_scores": (1.0, 2.0, 3.0)},
    {"statistic": "median"},
    {"category_weights": {1: -1.0}},
    {"thresholds": (1.0, float("nan"), 3.0)},
])
def test_weighted_rule_validation(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        WeightedRule(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("lon", "lat", "ranks", "match"), [
    ([0.0, 1.0], [0.0], [1, 1], "one length"),
    ([200.0], [0.0], [1], "WGS84"),
    ([float("nan")], [0.0], [1], "WGS84"),
    ([0.5], [0.5], [5], "1 \\(blue\\)"),
    ([0.5], [0.5], [0], "1 \\(blue\\)"),
    ([0.5], [0.5], [1.0], "integer"),
    ([0.5, 0.5], [0.5, 0.5], [1], "integer array of length 2"),
])
def test_input_validation(lon: list[float], lat: list[float], ranks: list[float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        aggregate_polygons(lon, lat, ranks, SQUARES)


def test_other_errors() -> None:
    with pytest.raises(ValueError, match="resolution"):
        aggregate_h3([0.5], [0.5], [1], 16)
    with pytest.raises(ValueError, match="rule"):
        aggregate_polygons([0.5], [0.5], [1], SQUARES, rule="mean")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="engine"):
        assign_polygons([0.5], [0.5], SQUARES, engine="rtree")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="shapely geometries"):
        assign_polygons([0.5], [0.5], ["POLYGON"])
    with pytest.raises(ValueError, match="one id per polygon"):
        aggregate_polygons([0.5], [0.5], [1], SQUARES, ids=["a"])
    with pytest.raises(ValueError, match="weights"):
        aggregate_polygons([0.5], [0.5], [1], SQUARES, rule="weighted", weights=[-1.0])
    with pytest.raises(ValueError, match="categories"):
        aggregate_polygons([0.5], [0.5], [1], SQUARES, rule="weighted", categories=[0.5])


def test_empty_input() -> None:
    agg = aggregate_polygons([], [], np.array([], dtype=int), SQUARES)
    assert agg.counts.sum() == 0 and agg.levels() == [None, None, None]
    assert len(aggregate_h3([], [], np.array([], dtype=int), 8)) == 0


def test_point_grid_is_reused_across_layers() -> None:
    rng = np.random.default_rng(1)
    lon, lat = rng.uniform(0, 2, 500), rng.uniform(0, 1, 500)
    grid = PointGrid(lon, lat, cell_size=0.1)
    assert len(grid) == 500
    a = aggregate_polygons(grid, None, np.ones(500, dtype=int), SQUARES)
    b = aggregate_polygons(lon, lat, np.ones(500, dtype=int), SQUARES)
    assert a.counts.tolist() == b.counts.tolist()
    assert (assign_polygons(grid, None, SQUARES, engine="strtree").tolist()
            == assign_polygons(grid, None, SQUARES).tolist() == assign_polygons(lon, lat, SQUARES).tolist())
    with pytest.raises(ValueError, match="cell_size"):
        PointGrid(lon, lat, cell_size=0)


def test_h3_aggregation_and_geojson_lon_lat_order() -> None:
    # Nanjing: lon 118.8, lat 32.06 — swapping them would put the cell in Antarctica.
    lon = np.array([118.7969, 118.7970, 118.9000])
    lat = np.array([32.0603, 32.0604, 32.1000])
    agg = aggregate_h3(lon, lat, np.array([1, 4, 2]), 8)
    expected_cells = sorted({h3.latlng_to_cell(32.0603, 118.7969, 8), h3.latlng_to_cell(32.1, 118.9, 8)})
    assert sorted(agg.labels()) == expected_cells
    fc = h3_feature_collection(agg)
    assert fc["type"] == "FeatureCollection" and fc["aggregation"]["spatial_unit"] == "h3:8"
    for feature in fc["features"]:
        ring = feature["geometry"]["coordinates"][0]
        assert ring[0] == ring[-1] and len(ring) == 7
        assert all(110 < x < 125 and 30 < y < 35 for x, y in ring)
    by_cell = {f["id"]: f for f in fc["features"]}
    first = by_cell[h3.latlng_to_cell(32.0603, 118.7969, 8)]
    assert first["properties"]["level"] == "red" and first["properties"]["count_total"] == 2
    assert shapely.Polygon(first["geometry"]["coordinates"][0]).contains(Point(118.7969, 32.0603))


def test_only_levelled_h3_and_polygon_geojson() -> None:
    agg = aggregate_h3([118.8], [32.0], [3], 7, rule="weighted")
    assert len(h3_feature_collection(agg, only_levelled=True)["features"]) == 1
    pagg = aggregate_polygons([0.5], [0.5], [3], SQUARES, ids=["320102", "320104", "320105"])
    fc = polygon_feature_collection(pagg, SQUARES, [{"name": n} for n in ("玄武区", "秦淮区", "建邺区")])
    assert [f["properties"]["name"] for f in fc["features"]] == ["玄武区", "秦淮区", "建邺区"]
    assert fc["features"][0]["properties"]["level"] == "orange" and fc["features"][0]["id"] == "320102"
    assert fc["features"][1]["geometry"]["type"] == "Polygon"
    with pytest.raises(ValueError, match="H3"):
        h3_feature_collection(pagg)
    with pytest.raises(ValueError, match="one polygon"):
        polygon_feature_collection(pagg, SQUARES[:2])


def test_summarise_rejects_out_of_range_units() -> None:
    with pytest.raises(ValueError, match="out of range"):
        summarise(np.array([0, 3]), 2, np.array([1, 1]))
