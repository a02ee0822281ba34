from __future__ import annotations

from fastapi.testclient import TestClient
from tests.conftest import UserFactory


def test_token_and_me(client: TestClient, make_user: UserFactory) -> None:
    headers = make_user("district_office", "320102", username="xw")
    me = client.get("/api/v1/auth/me", headers=headers).json()
    assert me["username"] == "xw" and me["role"] == "district_office" and me["region_code"] == "320102"


def test_wrong_password_is_401(client: TestClient, make_user: UserFactory) -> None:
    make_user("admin", "320000", username="boss")
    response = client.post("/api/v1/auth/token", data={"username": "boss", "password": "nope-nope"})
    assert response.status_code == 401 and response.json()["detail_zh"] == "用户名或密码错误"


def test_garbage_token_is_401(client: TestClient) -> None:
    response = client.get("/api/v1/auth/me", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401


def test_audit_records_changes_within_scope(client: TestClient, make_user: UserFactory) -> None:
    city = make_user("city_office", "320100", username="nj")
    body = {"name": "审计测试单位", "kind": "other", "region_code": "320102002"}
    org_id = client.post("/api/v1/organizations", json=body, headers=city).json()["id"]
    client.patch(f"/api/v1/organizations/{org_id}", json={"name": "改名后"}, headers=city)
    entries = client.get("/api/v1/audit", params={"entity": "organization"}, headers=city).json()["items"]
    update, create = entries[0], entries[1]
    assert create["action"] == "create" and create["actor"] == "nj" and create["after"]["name"] == "审计测试单位"
    assert update["action"] == "update" and update["before"] == {"name": "审计测试单位"}
    assert update["after"] == {"name": "改名后"}
    other = make_user("district_office", "320104")
    assert client.get("/api/v1/audit", params={"entity": "organization"}, headers=other).json()["total"] == 0
    grid = make_user("grid_officer", "320102")
    assert client.get("/api/v1/audit", headers=grid).status_code == 403


def test_health(client: TestClient) -> None:
    assert client.get("/api/v1/health").json() == {"status": "ok"}


def test_no_stack_trace_on_unknown_path(client: TestClient) -> None:
    response = client.get("/api/v1/nope")
    assert response.status_code == 404 and "Traceback" not in response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def login(client: TestClient, username: str, password: str) -> int:
    return client.post("/api/v1/auth/token", data={"username": username, "password": password}).status_code


def test_repeated_failures_lock_the_account(client: TestClient, make_user: UserFactory) -> None:
    make_user("admin", "320000", username="target")
    for _ in range(5):
        assert login(client, "target", "guess-guess") == 401
    locked = client.post("/api/v1/auth/token", data={"username": "target", "password": "correct-horse"})
    # Refused like a wrong password (issue #10 finding 6): the answer must not tell that the account exists.
    assert locked.status_code == 401 and locked.json()["detail_zh"] == "用户名或密码错误"


def test_success_resets_the_failure_count(client: TestClient, make_user: UserFactory) -> None:
    make_user("admin", "320000", username="forgetful")
    for _ in range(4):
        login(client, "forgetful", "guess-guess")
    assert login(client, "forgetful", "correct-horse") == 200
    for _ in range(4):
        login(client, "forgetful", "guess-guess")
    assert login(client, "forgetful", "correct-horse") == 200
