from __future__ import annotations

from fastapi.testclient import TestClient
from shapely.geometry import Point, shape
from tests.conftest import UserFactory


def test_region_with_children(client: TestClient, make_user: UserFactory) -> None:
    headers = make_user("admin", "320000")
    body = client.get("/api/v1/regions/320100", headers=headers).json()
    assert body["name"] == "南京市" and body["level"] == "city"
    codes = {c["code"]: c for c in body["children"]}
    assert codes["320102"] == {"code": "320102", "name": "玄武区", "level": "district"}
    assert len(codes) == 11  # Nanjing has eleven districts
    assert [p["code"] for p in body["path"]] == ["320000"]


def test_boundary_is_wgs84_geojson(client: TestClient, make_user: UserFactory) -> None:
    headers = make_user("admin", "320000")
    feature = client.get("/api/v1/regions/320102/boundary", headers=headers).json()
    assert feature["type"] == "Feature" and feature["properties"]["name"] == "玄武区"
    geometry = shape(feature["geometry"])
    # 玄武湖 (Xuanwu Lake) centre in WGS84; GCJ-02 data left unconverted would be shifted ~500 m east.
    assert geometry.contains(Point(118.7903, 32.0716))
    assert geometry.is_valid


def test_region_outside_scope_is_absent(client: TestClient, make_user: UserFactory) -> None:
    headers = make_user("district_office", "320102")
    assert client.get("/api/v1/regions/320102", headers=headers).status_code == 200
    assert client.get("/api/v1/regions/320104", headers=headers).status_code == 404
    assert client.get("/api/v1/regions/320104/boundary", headers=headers).status_code == 404
    path = client.get("/api/v1/regions/320102", headers=headers).json()["path"]
    assert path == []  # the city and province above the user's scope are not shown


def test_children_boundaries_collection(client: TestClient, make_user: UserFactory) -> None:
    headers = make_user("admin", "320000")
    collection = client.get("/api/v1/regions/320000/children/boundaries", headers=headers).json()
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == 13


def test_anonymous_gets_401_problem(client: TestClient) -> None:
    response = client.get("/api/v1/regions/320000")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail_zh"]
