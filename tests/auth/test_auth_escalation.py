"""Issue #10 finding 4 and 9: an office creates only roles below its own, inside its scope, for
organisations inside it, and a taken username is answered without saying where it is taken."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.conftest import UserFactory

USERS = "/api/v1/users"


def _new(role: str, region: str, username: str, **extra: object) -> dict[str, object]:
    return {"username": username, "password": "long-enough-1", "role": role, "region_code": region, **extra}


def _org(client: TestClient, headers: dict[str, str], region: str) -> int:
    body = {"name": f"单位{region}", "kind": "enterprise", "region_code": region}
    response = client.post("/api/v1/organizations", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_district_office_cannot_create_admin_or_higher_offices(client: TestClient, make_user: UserFactory) -> None:
    district = make_user("district_office", "320102")
    for role in ("admin", "province_office", "city_office", "district_office"):
        response = client.post(USERS, json=_new(role, "320102", f"up-{role}"), headers=district)
        assert response.status_code == 403, (role, response.text)
        assert response.json()["detail_zh"]
    assert client.post(USERS, json=_new("operator", "320102", "op-ok"), headers=district).status_code == 201


def test_city_office_creates_district_office_inside_its_city_only(client: TestClient, make_user: UserFactory) -> None:
    city = make_user("city_office", "320100")
    assert client.post(USERS, json=_new("district_office", "320102", "d-ok"), headers=city).status_code == 201
    outside = client.post(USERS, json=_new("district_office", "320205", "d-wuxi"), headers=city)
    assert outside.status_code == 403, outside.text


def test_enterprise_account_only_for_an_organisation_in_scope(client: TestClient, make_user: UserFactory) -> None:
    admin = make_user("admin", "320000")
    foreign_org = _org(client, admin, "320104")
    own_org = _org(client, admin, "320102")
    district = make_user("district_office", "320102")
    foreign = client.post(USERS, json=_new("enterprise", "320102", "ent-x", organization_id=foreign_org),
                          headers=district)
    unknown = client.post(USERS, json=_new("enterprise", "320102", "ent-y", organization_id=999_999),
                          headers=district)
    # an organisation outside the scope answers exactly as one that does not exist: 422 naming the field
    for response in (foreign, unknown):
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "organization_id"
    assert foreign.json()["detail"] == unknown.json()["detail"]
    ok = client.post(USERS, json=_new("enterprise", "320102", "ent-z", organization_id=own_org), headers=district)
    assert ok.status_code == 201, ok.text


def test_new_admin_of_a_district_cannot_read_the_province_audit(client: TestClient, make_user: UserFactory) -> None:
    district = make_user("district_office", "320102")
    client.post(USERS, json=_new("admin", "320102", "rogue"), headers=district)
    token = client.post("/api/v1/auth/token", data={"username": "rogue", "password": "long-enough-1"})
    assert token.status_code == 401


def test_taken_username_answers_without_saying_where(client: TestClient, make_user: UserFactory) -> None:
    make_user("district_office", "320104", username="taken-name")
    district = make_user("district_office", "320102")
    response = client.post(USERS, json=_new("operator", "320102", "taken-name"), headers=district)
    assert response.status_code == 409
    body = response.json()
    assert body["detail_zh"] == "用户名不可用" and "taken-name" not in body["detail"] + body["detail_zh"]
    assert "exist" not in body["detail"]
