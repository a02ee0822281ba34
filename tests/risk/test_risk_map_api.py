"""The four-colour map API: GeoJSON of districts, streets or H3 cells with levels and counts by level."""

from __future__ import annotations

import h3
from fastapi.testclient import TestClient
from risk_helpers import FUZIMIAO, JIANGNING, LIUHE_PARK, XUANWU_LAKE, SourceFactory, lec, matrix
from shapely.geometry import Point, shape
from tests.conftest import UserFactory


def features_by_code(collection: dict[str, object]) -> dict[str, dict[str, object]]:
    return {f["properties"]["code"]: f["properties"] for f in collection["features"]}  # type: ignore[attr-defined,index]


def seed(add_source: SourceFactory) -> None:
    add_source(name="玄武红", at=XUANWU_LAKE, assessment=lec(3, 10, 15))  # red
    add_source(name="玄武蓝", at=(XUANWU_LAKE[0] + 0.002, XUANWU_LAKE[1]), assessment=lec(1, 1, 1))  # blue
    add_source(name="秦淮黄", kind="small_venue", at=FUZIMIAO, assessment=matrix(3, 3))  # yellow
    add_source(name="六合橙", at=LIUHE_PARK, assessment=lec(6, 6, 7))  # orange
    add_source(name="江宁未评估", kind="waterlogging", at=JIANGNING)


def test_city_map_by_district_highest_level_wins(client: TestClient, city: dict[str, str],
                                                 add_source: SourceFactory) -> None:
    seed(add_source)
    response = client.get("/api/v1/risk/map", headers=city, params={"region": "320100", "unit": "district",
                                                                     "rule": "highest"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 11
    units = features_by_code(body)
    assert units["320102"]["level"] == "red" and units["320102"]["counts"] == {
        "red": 1, "orange": 0, "yellow": 0, "blue": 1}
    assert units["320102"]["count_red"] == 1 and units["320102"]["name"] == "玄武区"
    assert units["320104"]["level"] == "yellow" and units["320116"]["level"] == "orange"
    assert units["320115"]["level"] is None and units["320115"]["count_total"] == 0  # unassessed only
    assert body["totals"] == {"red": 1, "orange": 1, "yellow": 1, "blue": 1, "unassessed": 1, "total": 5,
                              "unassigned": 0}
    assert body["aggregation"]["rule"] == "highest" and body["aggregation"]["unit"] == "district"
    assert [entry["level"] for entry in body["legend"]] == ["red", "orange", "yellow", "blue"]
    xuanwu = next(f for f in body["features"] if f["id"] == "320102")
    assert shape(xuanwu["geometry"]).contains(Point(*XUANWU_LAKE))


def test_the_default_rule_is_risk_density_and_the_map_states_it(client: TestClient, city: dict[str, str],
                                                                 add_source: SourceFactory) -> None:
    seed(add_source)
    body = client.get("/api/v1/risk/map", headers=city, params={"region": "320100", "unit": "district"}).json()
    assert body["aggregation"]["rule"] == "density"
    assert body["aggregation"]["density"] == {"level_scores": [1.0, 3.0, 9.0, 27.0], "thresholds": [1.0, 4.0, 16.0]}
    statement = body["aggregation"]["rule_statement"]
    assert statement["name_zh"] == "风险密度（每平方公里风险分值）" and statement["index_unit_zh"] == "分/km²"
    assert [(b["name_zh"], b["range_zh"]) for b in statement["breaks"]] == [
        ("重大风险", "≥ 16"), ("较大风险", "4 – 16"), ("一般风险", "1 – 4"), ("低风险", "< 1")]
    xuanwu = features_by_code(body)["320102"]
    # one red (27) and one blue (1) source on Xuanwu's ~76 km²: 28 / 76 ≈ 0.37 points per km², blue
    assert xuanwu["level"] == "blue" and 70 < xuanwu["area_km2"] < 80
    assert abs(xuanwu["index"] - 28 / xuanwu["area_km2"]) < 0.01
    share = client.get("/api/v1/risk/map", headers=city, params={
        "region": "320100", "unit": "district", "rule": "share"}).json()
    assert features_by_code(share)["320102"]["index"] == 0.5 and features_by_code(share)["320102"]["level"] == "red"
    assert share["aggregation"]["rule_statement"]["breaks"][0]["range_zh"] == "≥ 20%"


def test_weighted_rule_averages_instead_of_taking_the_highest(client: TestClient, city: dict[str, str],
                                                              add_source: SourceFactory) -> None:
    seed(add_source)
    for i in range(5):
        add_source(name=f"玄武低{i}", at=(XUANWU_LAKE[0] - 0.002 * (i + 1), XUANWU_LAKE[1]), assessment=lec(1, 1, 1))
    body = client.get("/api/v1/risk/map", headers=city, params={
        "region": "320100", "unit": "district", "rule": "weighted"}).json()
    xuanwu = features_by_code(body)["320102"]
    # one red among six blue: scores (27×1.5 + 6×1.5) / (7×1.5) = 4.71 → yellow (2.5 ≤ index < 5)
    assert xuanwu["level"] == "yellow" and abs(xuanwu["index"] - 33 / 7) < 1e-9
    assert body["aggregation"]["weighted"]["level_scores"] == [1.0, 3.0, 9.0, 27.0]


def test_h3_cells_at_stored_and_computed_resolutions(client: TestClient, city: dict[str, str],
                                                     add_source: SourceFactory) -> None:
    seed(add_source)
    for res in (7, 10):  # 7 is stored with each source, 10 is computed on request
        body = client.get("/api/v1/risk/map", headers=city, params={"region": "320100", "unit": "h3",
                                                                     "res": res, "rule": "highest"}).json()
        cells = features_by_code(body)
        expected = h3.latlng_to_cell(XUANWU_LAKE[1], XUANWU_LAKE[0], res)
        assert cells[expected]["level"] == "red"
        assert sum(c["count_total"] for c in cells.values()) == 4  # the unassessed source has no level
        assert body["aggregation"]["resolution"] == res
    default = client.get("/api/v1/risk/map", headers=city, params={"region": "320100", "unit": "h3"}).json()
    assert default["aggregation"]["resolution"] == 7  # CITYSAFE_RISK_H3_RESOLUTION


def test_filters_and_basis(client: TestClient, city: dict[str, str], add_source: SourceFactory) -> None:
    seed(add_source)
    crowded = client.get("/api/v1/risk/map", headers=city, params={
        "region": "320100", "unit": "district", "category": "crowded", "rule": "highest"}).json()
    assert crowded["totals"]["total"] == 1 and features_by_code(crowded)["320102"]["level"] is None
    by_kind = client.get("/api/v1/risk/map", headers=city, params={
        "region": "320100", "unit": "district", "kind": ["hazchem_firm"]}).json()
    assert by_kind["totals"]["total"] == 3
    assert client.get("/api/v1/risk/map", headers=city, params={
        "region": "320100", "category": "weather"}).status_code == 422


def test_street_unit_needs_boundaries_then_says_they_are_generated(client: TestClient, city: dict[str, str],
                                                                   add_source: SourceFactory,
                                                                   demo_streets: int) -> None:
    seed(add_source)
    assert demo_streets == 140  # one Voronoi cell per street of Nanjing in the divisions list
    body = client.get("/api/v1/risk/map", headers=city, params={"region": "320102", "unit": "street",
                                                                 "rule": "highest"}).json()
    streets = features_by_code(body)
    assert len(streets) == 8 and all(s["generated"] for s in streets.values())
    assert body["notes"] == ["街道边界为演示用 Voronoi 自动生成，并非官方边界"]
    red = [s for s in streets.values() if s["level"] == "red"]
    assert len(red) == 1 and red[0]["boundary_source"].startswith("generated (Voronoi)")
    city_streets = client.get("/api/v1/risk/map", headers=city, params={"region": "320100", "unit": "street"}).json()
    assert len(city_streets["features"]) == 140 and city_streets["totals"]["unassigned"] == 0
    # a source registered now is placed in the generated street that contains it
    placed = add_source(name="街道内", at=FUZIMIAO)
    assert len(placed["region_code"]) == 9 and placed["region_code"].startswith("320104")


def test_street_unit_without_boundaries_is_a_clear_422(client: TestClient, city: dict[str, str]) -> None:
    response = client.get("/api/v1/risk/map", headers=city, params={"region": "320102", "unit": "street"})
    assert response.status_code == 422
    assert "citysafe regions import" in response.json()["detail"] and "街道" in response.json()["detail_zh"]


def test_map_is_scoped_to_the_reader(client: TestClient, make_user: UserFactory, add_source: SourceFactory) -> None:
    seed(add_source)
    xuanwu = make_user("district_office", "320102")
    assert client.get("/api/v1/risk/map", headers=xuanwu, params={"region": "320100"}).status_code == 404
    own = client.get("/api/v1/risk/map", headers=xuanwu, params={"region": "320102", "unit": "h3", "res": 9}).json()
    assert own["totals"]["total"] == 2


def test_sources_geojson_and_stats(client: TestClient, city: dict[str, str], add_source: SourceFactory) -> None:
    seed(add_source)
    points = client.get("/api/v1/risk/sources.geojson", headers=city, params={"region": "320102"}).json()
    assert {f["properties"]["name"] for f in points["features"]} == {"玄武红", "玄武蓝"}
    assert points["features"][0]["geometry"]["type"] == "Point"
    stats = client.get("/api/v1/risk/stats", headers=city, params={"region": "320100"}).json()
    assert stats["summary"]["by_level"] == {"red": 1, "orange": 1, "yellow": 1, "blue": 1, "none": 1}
    divisions = {row["name"]: row["counts"] for row in stats["by_division"]}
    assert divisions["玄武区"]["red"] == 1 and len(divisions) == 11
    major = client.get("/api/v1/risk/major", headers=city, params={"region": "320100"}).json()
    assert [m["name"] for m in major] == ["玄武红", "六合橙"]
    assert major[0]["responsible_unit"] == "玄武红（责任单位）" and major[0]["region_name"] == "玄武区"
