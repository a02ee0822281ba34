"""PATCH /api/v1/users/{id} (issue #11 point 7): an office changes a subordinate's role, region, unit, name and
phone under the rules of creation (#10 finding 4) on both sides of the change; the list and the audit log filter."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.conftest import UserFactory

USERS = "/api/v1/users"


def _create(client: TestClient, headers: dict[str, str], username: str, role: str, region: str,
            **extra: object) -> int:
    body = {"username": username, "password": "long-enough-1", "role": role, "region_code": region, **extra}
    response = client.post(USERS, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _org(client: TestClient, headers: dict[str, str], region: str) -> int:
    response = client.post("/api/v1/organizations", headers=headers,
                           json={"name": f"单位{region}", "kind": "enterprise", "region_code": region})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_an_office_changes_a_subordinates_role_within_its_own_rank_and_region(
        client: TestClient, make_user: UserFactory) -> None:
    district = make_user("district_office", "320102")
    grid = _create(client, district, "grid-a", "grid_officer", "320102")
    changed = client.patch(f"{USERS}/{grid}", headers=district, json={"role": "department", "display_name": "李科员"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["role"] == "department" and changed.json()["display_name"] == "李科员"
    # no promotion to its own rank or above, no move out of its district
    for body in ({"role": "district_office"}, {"role": "admin"}, {"region_code": "320104"}):
        refused = client.patch(f"{USERS}/{grid}", headers=district, json=body)
        assert refused.status_code == 403, (body, refused.text)
        assert refused.json()["detail_zh"]
    assert client.get("/api/v1/users?role=department", headers=district).json()["total"] == 1


def test_an_office_cannot_edit_its_peers_or_accounts_outside_its_region(
        client: TestClient, make_user: UserFactory) -> None:
    city = make_user("city_office", "320100")
    peer = _create(client, city, "office-b", "district_office", "320104")
    district = make_user("district_office", "320102")
    assert client.patch(f"{USERS}/{peer}", headers=district, json={"display_name": "改名"}).status_code in (403, 404)
    own = _create(client, district, "op-a", "operator", "320102")
    assert client.patch(f"{USERS}/{own}", headers=city, json={"region_code": "320104"}).status_code == 200


def test_an_enterprise_account_keeps_a_unit_inside_its_region(client: TestClient, make_user: UserFactory) -> None:
    admin = make_user("admin", "320000")
    own_org, foreign_org = _org(client, admin, "320102"), _org(client, admin, "320104")
    district = make_user("district_office", "320102")
    user = _create(client, district, "op-b", "operator", "320102")
    missing = client.patch(f"{USERS}/{user}", headers=district, json={"role": "enterprise"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "organization_id"
    foreign = client.patch(f"{USERS}/{user}", headers=district, json={"role": "enterprise",
                                                                      "organization_id": foreign_org})
    assert foreign.status_code == 422, foreign.text
    ok = client.patch(f"{USERS}/{user}", headers=district, json={"role": "enterprise", "organization_id": own_org})
    assert ok.status_code == 200 and ok.json()["organization_id"] == own_org
    listed = client.get(f"{USERS}?organization_id={own_org}", headers=district).json()
    assert [u["username"] for u in listed["items"]] == ["op-b"]


def test_the_audit_log_filters_by_action_record_and_region(client: TestClient, make_user: UserFactory) -> None:
    admin = make_user("admin", "320000", username="root")
    user = _create(client, admin, "op-c", "operator", "320102")
    client.patch(f"{USERS}/{user}", headers=admin, json={"display_name": "王值班"})
    _create(client, admin, "op-d", "operator", "320104")
    found = client.get("/api/v1/audit", headers=admin, params={
        "entity": "app_user", "entity_id": str(user), "action": "update", "actor": "root"}).json()
    assert found["total"] == 1 and found["items"][0]["after"] == {"display_name": "王值班"}
    in_xuanwu = client.get("/api/v1/audit", headers=admin, params={"region": "320102", "entity": "app_user"}).json()
    assert {i["entity_id"] for i in in_xuanwu["items"]} == {str(user)}
