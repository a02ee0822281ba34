"""Console account pages: an office's user list and forms, everyone's 修改密码, and a logout that
revokes the cookie's token (#10 finding 4)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.conftest import UserFactory

from citysafe.auth.deps import SESSION_COOKIE


def _login(client: TestClient, username: str, password: str = "correct-horse") -> str:  # noqa: S107 - the test accounts\' password
    client.cookies.clear()
    response = client.post("/login", data={"username": username, "password": password}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return str(client.cookies[SESSION_COOKIE])


def test_console_logout_revokes_the_cookie_token(client: TestClient, make_user: UserFactory) -> None:
    make_user("operator", "320102", username="desk")
    token = _login(client, "desk")
    assert client.post("/logout", follow_redirects=False).status_code == 303
    # a copy of the cookie (another tab, a stolen one) no longer works either
    copied = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert copied.status_code == 401


def test_office_users_page_creates_deactivates_and_resets(client: TestClient, make_user: UserFactory) -> None:
    make_user("operator", "320102", username="someone", display_name="值班员甲")
    make_user("district_office", "320102", username="xw-office")
    _login(client, "xw-office")
    page = client.get("/users")
    assert page.status_code == 200 and "值班员甲" in page.text and "玄武区" in page.text
    assert '<option value="admin">' not in page.text and "监控中心值班员" in page.text
    created = client.post("/users", data={"username": "new-grid", "password": "long-enough-1",
                                          "role": "grid_officer", "region_code": "320102"}, follow_redirects=True)
    assert "已创建账号 new-grid" in created.text
    refused = client.post("/users", data={"username": "new-admin", "password": "long-enough-1",
                                          "role": "admin", "region_code": "320102"}, follow_redirects=True)
    assert "只能管理低于本角色的账号" in refused.text
    users = client.get("/api/v1/users").json()["items"]
    someone = next(u["id"] for u in users if u["username"] == "someone")
    assert "已停用账号 someone" in client.post(f"/users/{someone}/deactivate").text
    assert "已停用" in client.get("/users").text
    assert "已启用账号 someone" in client.post(f"/users/{someone}/activate").text
    reset = client.post(f"/users/{someone}/password", data={"password": "fresh-password"})
    assert "已重置账号 someone 的密码" in reset.text
    _login(client, "someone", "fresh-password")


def test_password_page_changes_own_password_and_keeps_this_session(client: TestClient,
                                                                    make_user: UserFactory) -> None:
    make_user("grid_officer", "320102", username="walker")
    old = _login(client, "walker")
    assert "修改密码" in client.get("/password").text
    wrong = client.post("/password", data={"current_password": "nope-nope", "new_password": "walker-new-1",
                                           "confirm_password": "walker-new-1"})
    assert "当前密码：当前密码不正确" in wrong.text
    done = client.post("/password", data={"current_password": "correct-horse", "new_password": "walker-new-1",
                                          "confirm_password": "walker-new-1"})
    assert "密码已修改" in done.text
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert client.get("/password").status_code == 200 and "walker" in client.get("/").text
    # a working role is told it cannot manage accounts
    assert "当前角色无权管理账号" in client.get("/users").text
