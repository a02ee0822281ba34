"""Issue #10 finding 4: deactivation and password changes end a user's sessions and tokens; logging
out revokes the token it used and only that one; each act is in the audit log of the user's region."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.conftest import UserFactory

from citysafe.auth import accounts
from citysafe.auth.models import RevokedToken
from citysafe.core.clock import utcnow
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work

ME = "/api/v1/auth/me"


def _token(client: TestClient, username: str, password: str = "correct-horse") -> dict[str, str]:  # noqa: S107 - the test accounts\' password
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _user_id(client: TestClient, headers: dict[str, str]) -> int:
    return int(client.get(ME, headers=headers).json()["user_id"])


def test_deactivation_ends_every_token_and_reactivation_allows_login(
        client: TestClient, make_user: UserFactory) -> None:
    office = make_user("district_office", "320102", username="office")
    first = make_user("operator", "320102", username="op")
    second = _token(client, "op")
    op_id = _user_id(client, first)
    response = client.post(f"/api/v1/users/{op_id}/deactivate", headers=office)
    assert response.status_code == 200 and response.json()["active"] is False
    assert client.get(ME, headers=first).status_code == 401
    assert client.get(ME, headers=second).status_code == 401
    assert client.post("/api/v1/auth/token", data={"username": "op", "password": "correct-horse"}).status_code == 401
    assert client.post(f"/api/v1/users/{op_id}/activate", headers=office).json()["active"] is True
    assert client.get(ME, headers=_token(client, "op")).status_code == 200
    audit = client.get("/api/v1/audit", params={"entity": "app_user"}, headers=office).json()["items"]
    assert [e["after"] for e in audit if e["action"] == "update"][:2] == [{"active": True}, {"active": False}]


def test_office_manages_only_accounts_below_it_and_in_scope(client: TestClient, make_user: UserFactory) -> None:
    office = make_user("district_office", "320102")
    peer = _user_id(client, make_user("district_office", "320102"))
    boss = _user_id(client, make_user("city_office", "320100"))
    foreign = _user_id(client, make_user("operator", "320104"))
    own = _user_id(client, office)
    assert client.post(f"/api/v1/users/{peer}/deactivate", headers=office).status_code == 403
    assert client.post(f"/api/v1/users/{own}/deactivate", headers=office).status_code == 403
    # a user outside the scope answers as absent
    assert client.post(f"/api/v1/users/{foreign}/deactivate", headers=office).status_code == 404
    assert client.post(f"/api/v1/users/{boss}/password", json={"password": "new-password-1"},
                       headers=office).status_code == 404
    operator = make_user("operator", "320102")
    assert client.post(f"/api/v1/users/{own}/deactivate", headers=operator).status_code == 403


def test_own_password_change_ends_old_tokens(client: TestClient, make_user: UserFactory) -> None:
    headers = make_user("grid_officer", "320102", username="grid")
    other = _token(client, "grid")
    wrong = client.post("/api/v1/auth/password", headers=headers,
                        json={"current_password": "not-it-at-all", "new_password": "brand-new-secret"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "current_password"
    changed = client.post("/api/v1/auth/password", headers=headers,
                          json={"current_password": "correct-horse", "new_password": "brand-new-secret"})
    assert changed.status_code == 200, changed.text
    assert client.get(ME, headers=headers).status_code == 401
    assert client.get(ME, headers=other).status_code == 401
    fresh = {"Authorization": f"Bearer {changed.json()['access_token']}"}
    assert client.get(ME, headers=fresh).status_code == 200
    assert client.get(ME, headers=_token(client, "grid", "brand-new-secret")).status_code == 200
    city = make_user("city_office", "320100")
    actions = [e["action"] for e in client.get("/api/v1/audit", params={"entity": "app_user"}, headers=city)
               .json()["items"]]
    assert "password" in actions


def test_office_reset_ends_the_users_tokens(client: TestClient, make_user: UserFactory) -> None:
    office = make_user("district_office", "320102")
    victim = make_user("operator", "320102", username="forgot")
    victim_id = _user_id(client, victim)
    reset = client.post(f"/api/v1/users/{victim_id}/password", json={"password": "given-by-office"}, headers=office)
    assert reset.status_code == 200, reset.text
    assert client.get(ME, headers=victim).status_code == 401
    assert client.get(ME, headers=_token(client, "forgot", "given-by-office")).status_code == 200
    actions = [e["action"] for e in client.get("/api/v1/audit", headers=office).json()["items"]]
    assert "pw_reset" in actions


def test_logout_revokes_only_the_token_it_used(client: TestClient, make_user: UserFactory) -> None:
    laptop = make_user("operator", "320102", username="duty")
    phone = _token(client, "duty")
    assert client.post("/api/v1/auth/logout", headers=laptop).status_code == 204
    assert client.get(ME, headers=laptop).status_code == 401
    assert client.post("/api/v1/auth/logout", headers=laptop).status_code == 401
    assert client.get(ME, headers=phone).status_code == 200
    office = make_user("district_office", "320102")
    assert "logout" in [e["action"] for e in client.get("/api/v1/audit", headers=office).json()["items"]]


def test_logout_prunes_revocations_of_expired_tokens(ctx: AppContext, client: TestClient,
                                                     make_user: UserFactory) -> None:
    make_user("operator", "320102", username="night")
    tokens = [_token(client, "night")["Authorization"].split()[1] for _ in range(2)]
    with unit_of_work(ctx.session_factory) as session:
        accounts.logout(session, signer=ctx.signer, token=tokens[0])
    later = utcnow() + timedelta(hours=2)  # past the test signer's one-hour lifetime
    with unit_of_work(ctx.session_factory) as session:
        accounts.logout(session, signer=ctx.signer, token=tokens[1], now=later)
    with unit_of_work(ctx.session_factory) as session:
        assert session.scalar(select(func.count()).select_from(RevokedToken)) == 1
