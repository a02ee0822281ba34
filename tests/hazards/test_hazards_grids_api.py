"""Grids below communities, their officers, places assigned by location, and reports landing in grids."""

from __future__ import annotations

from fastapi.testclient import TestClient
from shapely.geometry import Point, shape
from tests.conftest import UserFactory
from tests.hazards.conftest import INSIDE_SQUARE, XUANWU_SQUARE, square

from citysafe.core.geo import wgs84_to_gcj02

GRIDS = "/api/v1/hazards/grids"
COMMUNITY = "320102002001"  # 梅园新村社区


def _gcj02(polygon: dict[str, object]) -> dict[str, object]:
    ring = polygon["coordinates"][0]  # type: ignore[index]
    return {"type": "Polygon", "coordinates": [[list(wgs84_to_gcj02(x, y)) for x, y in ring]]}


def test_grid_codes_boundaries_and_locate(client: TestClient, make_user: UserFactory) -> None:
    office = make_user("district_office", "320102")
    first = client.post(GRIDS, headers=office, json={"community_code": COMMUNITY, "name": "第一网格",
                                                      "boundary": XUANWU_SQUARE})
    assert first.status_code == 201, first.text
    assert first.json()["code"] == COMMUNITY + "001" and first.json()["parent_code"] == COMMUNITY
    # drawn on an AMap base (GCJ-02), stored as WGS84
    second = client.post(GRIDS, headers=office, json={
        "community_code": COMMUNITY, "name": "第二网格", "crs": "gcj02",
        "boundary": {"type": "Feature", "properties": {}, "geometry": _gcj02(square(118.8045, 32.048))}})
    assert second.status_code == 201, second.text
    assert second.json()["code"] == COMMUNITY + "002"
    stored = shape(client.get(f"/api/v1/regions/{COMMUNITY}002/boundary", headers=office).json()["geometry"])
    assert stored.contains(Point(118.8045, 32.048)) and abs(stored.centroid.x - 118.8045) < 1e-5
    overlapping = client.post(GRIDS, headers=office, json={"community_code": COMMUNITY, "name": "重叠",
                                                            "boundary": square(118.8005, 32.048)})
    assert overlapping.status_code == 422 and overlapping.json()["errors"][0]["field"] == "boundary"
    assert "重叠" in overlapping.json()["detail_zh"]
    # the community has no surveyed boundary yet: the grid is checked against its district's
    outside = client.post(GRIDS, headers=office, json={"community_code": COMMUNITY, "name": "苏州",
                                                        "boundary": square(120.6, 31.3)})
    assert outside.status_code == 422 and outside.json()["errors"][0]["field"] == "boundary"
    assert "超出梅园新村社区居委会范围（该社区尚无边界数据，按玄武区边界核对）" in outside.json()["detail_zh"]
    moved_out = client.patch(f"{GRIDS}/{COMMUNITY}001", headers=office, json={"boundary": square(120.6, 31.3)})
    assert moved_out.status_code == 422 and "超出" in moved_out.json()["detail_zh"]
    not_a_polygon = client.post(GRIDS, headers=office, json={"community_code": COMMUNITY, "name": "x",
                                                              "boundary": {"type": "Point", "coordinates": [1, 2]}})
    assert not_a_polygon.status_code == 422
    street = client.post(GRIDS, headers=office, json={"community_code": "320102002", "name": "x",
                                                       "boundary": square(118.9, 32.1)})
    assert street.status_code == 422 and street.json()["errors"][0]["field"] == "community_code"

    found = client.get(f"{GRIDS}/locate", headers=office, params={"lon": INSIDE_SQUARE[0], "lat": INSIDE_SQUARE[1]})
    assert found.json()["code"] == COMMUNITY + "001"
    lon, lat = wgs84_to_gcj02(118.8045, 32.048)
    assert client.get(f"{GRIDS}/locate", headers=office,
                      params={"lon": lon, "lat": lat, "crs": "gcj02"}).json()["code"] == COMMUNITY + "002"
    assert client.get(f"{GRIDS}/locate", headers=office, params={"lon": 118.5, "lat": 32.5}).json() is None
    listed = client.get(GRIDS, headers=office, params={"within": COMMUNITY}).json()
    assert [g["name"] for g in listed] == ["第一网格", "第二网格"]
    features = client.get(f"{GRIDS}/features", headers=office).json()
    assert len(features["features"]) == 2
    renamed = client.patch(f"{GRIDS}/{COMMUNITY}001", headers=office, json={"name": "大行宫网格"})
    assert renamed.json()["name"] == "大行宫网格"


def test_officers_places_and_reports_land_in_grids(client: TestClient, make_user: UserFactory) -> None:
    office = make_user("district_office", "320102")
    code = client.post(GRIDS, headers=office, json={"community_code": COMMUNITY, "name": "第一网格",
                                                     "boundary": XUANWU_SQUARE}).json()["code"]
    grid_headers = make_user("grid_officer", "320102002", username="wangwu", display_name="王五")
    me = client.get("/api/v1/auth/me", headers=grid_headers).json()
    officer = client.post(f"{GRIDS}/{code}/officers", headers=office, json={"user_id": me["user_id"],
                                                                             "phone": "13900000000"})
    assert officer.status_code == 201 and officer.json()["name"] == "王五"
    assert [g["code"] for g in client.get(f"{GRIDS}/mine", headers=grid_headers).json()] == [code]
    assert client.get(f"{GRIDS}/{code}", headers=office).json()["officers"][0]["phone"] == "13900000000"

    place = client.post("/api/v1/hazards/places", headers=grid_headers, json={
        "name": "老王小吃店", "place_type": "nine_small", "address": "长江路 1 号",
        "location": {"lon": INSIDE_SQUARE[0], "lat": INSIDE_SQUARE[1]}, "contact_name": "王老板"})
    assert place.status_code == 201, place.text
    assert place.json()["region_code"] == code  # assigned to the grid covering it
    outside = client.post("/api/v1/hazards/places", headers=grid_headers, json={
        "name": "街边仓库", "place_type": "other", "region_code": "320102002",
        "location": {"lon": 118.82, "lat": 32.06}})
    assert outside.json()["region_code"] == "320102002"
    listing = client.get("/api/v1/hazards/places", headers=grid_headers, params={"region": code}).json()
    assert [p["name"] for p in listing["items"]] == ["老王小吃店"]

    ticket = client.post("/api/v1/hazards/tickets", headers=grid_headers, json={
        "category": "nine_small", "description": "后厨液化气瓶未固定",
        "location": {"lon": INSIDE_SQUARE[0], "lat": INSIDE_SQUARE[1]}}).json()
    assert ticket["region_code"] == code and ticket["region_name"] == "第一网格"
    by_place = client.post("/api/v1/hazards/tickets", headers=grid_headers, json={
        "category": "nine_small", "description": "灭火器过期", "place_id": place.json()["id"]}).json()
    assert by_place["region_code"] == code and by_place["place_name"] == "老王小吃店"
    removed = client.delete(f"{GRIDS}/{code}/officers/{officer.json()['id']}", headers=office)
    assert removed.status_code == 204
    assert client.get(f"{GRIDS}/mine", headers=grid_headers).json() == []


def test_grid_permissions_and_scope(client: TestClient, make_user: UserFactory) -> None:
    grid = make_user("grid_officer", "320102")
    assert client.post(GRIDS, headers=grid, json={"community_code": COMMUNITY, "name": "x",
                                                  "boundary": XUANWU_SQUARE}).status_code == 403
    qinhuai = make_user("district_office", "320104")
    refused = client.post(GRIDS, headers=qinhuai, json={"community_code": COMMUNITY, "name": "x",
                                                        "boundary": XUANWU_SQUARE})
    assert refused.status_code in (403, 404)
    office = make_user("district_office", "320102")
    code = client.post(GRIDS, headers=office, json={"community_code": COMMUNITY, "name": "x",
                                                     "boundary": XUANWU_SQUARE}).json()["code"]
    assert client.get(f"{GRIDS}/{code}", headers=qinhuai).status_code == 404
    assert client.get(GRIDS, headers=qinhuai).json() == []
