from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from tests.conftest import UserFactory


def org(region: str = "320102002", **extra: Any) -> dict[str, Any]:
    return {"name": "南京示范化工有限公司", "kind": "enterprise", "region_code": region,
            "uscc": "91110000710925243K", "sector": "危险化学品", "address": "玄武区某路1号",
            "location": {"lon": 118.80, "lat": 32.05}, "contacts": [{"name": "王伟", "phone": "13800000000"}]} | extra


def test_create_get_patch_list(client: TestClient, make_user: UserFactory) -> None:
    headers = make_user("city_office", "320100")
    created = client.post("/api/v1/organizations", json=org(), headers=headers)
    assert created.status_code == 201, created.text
    org_id = created.json()["id"]
    got = client.get(f"/api/v1/organizations/{org_id}", headers=headers).json()
    assert got["name"] == "南京示范化工有限公司" and got["uscc"] == "91110000710925243K"
    patched = client.patch(f"/api/v1/organizations/{org_id}", json={"sector": "化工"}, headers=headers)
    assert patched.status_code == 200 and patched.json()["sector"] == "化工"
    page = client.get("/api/v1/organizations", params={"q": "示范", "kind": "enterprise"}, headers=headers).json()
    assert page["total"] == 1 and page["items"][0]["id"] == org_id
    assert client.get("/api/v1/organizations", params={"kind": "agency"}, headers=headers).json()["total"] == 0


def test_gcj02_location_is_stored_as_wgs84(client: TestClient, make_user: UserFactory) -> None:
    headers = make_user("admin", "320000")
    body = client.post("/api/v1/organizations", headers=headers, json=org(
        uscc=None, location={"lon": 118.80207, "lat": 32.05809, "crs": "gcj02"})).json()
    assert abs(body["lon"] - 118.7969) < 3e-4 and abs(body["lat"] - 32.0603) < 3e-4


def test_district_user_cannot_see_or_create_other_district(client: TestClient, make_user: UserFactory) -> None:
    city = make_user("city_office", "320100")
    xuanwu = make_user("district_office", "320102")
    qinhuai = make_user("district_office", "320104")
    in_qinhuai = client.post("/api/v1/organizations", json=org("320104002", uscc=None, name="秦淮商场"), headers=city)
    assert in_qinhuai.status_code == 201
    qid = in_qinhuai.json()["id"]
    assert client.get(f"/api/v1/organizations/{qid}", headers=qinhuai).status_code == 200
    assert client.get(f"/api/v1/organizations/{qid}", headers=xuanwu).status_code == 404
    assert client.patch(f"/api/v1/organizations/{qid}", json={"name": "x"}, headers=xuanwu).status_code == 404
    listing = client.get("/api/v1/organizations", headers=xuanwu).json()
    assert listing["total"] == 0 and listing["items"] == []
    refused = client.post("/api/v1/organizations", json=org("320104002", uscc=None), headers=xuanwu)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    # moving an own organisation into another district is refused too
    own = client.post("/api/v1/organizations", json=org("320102002", uscc=None), headers=xuanwu).json()
    moved = client.patch(f"/api/v1/organizations/{own['id']}", json={"region_code": "320104002"}, headers=xuanwu)
    assert moved.status_code == 403
    assert client.get(f"/api/v1/organizations/{own['id']}", headers=xuanwu).json()["region_code"] == "320102002"
    assert client.get("/api/v1/organizations", headers=city).json()["total"] == 2


def test_validation_names_the_field(client: TestClient, make_user: UserFactory) -> None:
    headers = make_user("admin", "320000")
    response = client.post("/api/v1/organizations", json=org(uscc="91110000710925243A"), headers=headers)
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["errors"][0]["field"] == "uscc"
    assert "check character" in problem["errors"][0]["message"]
    missing = client.post("/api/v1/organizations", json={"kind": "planet"}, headers=headers).json()
    fields = {e["field"] for e in missing["errors"]}
    assert {"name", "kind", "region_code"} <= fields
    assert all(e["message_zh"] for e in missing["errors"])


def test_duplicate_credit_code_conflicts(client: TestClient, make_user: UserFactory) -> None:
    headers = make_user("admin", "320000")
    assert client.post("/api/v1/organizations", json=org(), headers=headers).status_code == 201
    again = client.post("/api/v1/organizations", json=org(name="另一家"), headers=headers)
    assert again.status_code == 409


def test_unknown_region_is_a_field_error(client: TestClient, make_user: UserFactory) -> None:
    headers = make_user("admin", "320000")
    response = client.post("/api/v1/organizations", json=org("320199999", uscc=None), headers=headers)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "region_code"


def test_enterprise_user_sees_only_itself(client: TestClient, make_user: UserFactory) -> None:
    admin = make_user("admin", "320000")
    mine = client.post("/api/v1/organizations", json=org(uscc=None), headers=admin).json()
    client.post("/api/v1/organizations", json=org(uscc=None, name="邻居公司"), headers=admin)
    me = make_user("enterprise", "320102", organization_id=mine["id"])
    listing = client.get("/api/v1/organizations", headers=me).json()
    assert [o["id"] for o in listing["items"]] == [mine["id"]]


def test_grid_officer_may_not_create(client: TestClient, make_user: UserFactory) -> None:
    headers = make_user("grid_officer", "320102")
    assert client.post("/api/v1/organizations", json=org(uscc=None), headers=headers).status_code == 403


def test_a_wrong_check_character_is_named_in_chinese_and_search_finds_the_credit_code(
        client: TestClient, make_user: UserFactory) -> None:
    headers = make_user("admin", "320000")
    refused = client.post("/api/v1/organizations", headers=headers, json={
        "name": "校验位错误公司", "kind": "enterprise", "region_code": "320102", "uscc": "91110000710925243A"})
    assert refused.status_code == 422
    assert "校验位" in refused.json()["errors"][0]["message_zh"] and "K" in refused.json()["errors"][0]["message_zh"]
    client.post("/api/v1/organizations", headers=headers, json={
        "name": "信用代码可查公司", "kind": "enterprise", "region_code": "320102", "sector": "商贸",
        "uscc": "91110000710925243K"})
    found = client.get("/api/v1/organizations", headers=headers, params={"q": "710925243k"}).json()
    assert [o["name"] for o in found["items"]] == ["信用代码可查公司"]
    assert "商贸" in client.get("/api/v1/organizations/sectors", headers=headers).json()
