"""Issue #10 finding 6: login failures are all counted, a client address is limited, and an unknown user, a
wrong password, an inactive and a locked account get the same answer."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from tests.conftest import UserFactory

from citysafe.auth.models import User
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work


def attempt(client: TestClient, username: str, password: str) -> Any:
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def stored(ctx: AppContext, username: str) -> User:
    with unit_of_work(ctx.session_factory) as session:
        return session.scalars(select(User).where(User.username == username)
                               .execution_options(skip_scope=True)).one()


def test_parallel_failures_are_each_counted_and_lock_exactly(client: TestClient, ctx: AppContext,
                                                             make_user: UserFactory) -> None:
    make_user("admin", "320000", username="besieged")
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: attempt(client, "besieged", "guess-guess"), range(20)))
    assert [a.status_code for a in answers] == [401] * 20, [a.text for a in answers if a.status_code != 401]
    user = stored(ctx, "besieged")
    assert user.failed_logins == 5 and user.locked_until is not None  # five counted, then locked
    right = attempt(client, "besieged", "correct-horse")
    assert right.status_code == 401 and right.json() == answers[0].json()  # locked: refused like a wrong guess


def test_failures_survive_the_request_and_a_later_login_resets_them(client: TestClient, ctx: AppContext,
                                                                   make_user: UserFactory) -> None:
    make_user("admin", "320000", username="forgetful")
    for _ in range(3):
        assert attempt(client, "forgetful", "guess-guess").status_code == 401
    assert stored(ctx, "forgetful").failed_logins == 3
    assert attempt(client, "forgetful", "correct-horse").status_code == 200
    assert stored(ctx, "forgetful").failed_logins == 0


def test_unknown_wrong_inactive_and_locked_answer_alike(client: TestClient, ctx: AppContext,
                                                        make_user: UserFactory) -> None:
    for name in ("present", "retired", "locked"):
        make_user("admin", "320000", username=name)
    with unit_of_work(ctx.session_factory) as session:
        session.execute(update(User).where(User.username == "retired").values(active=False)
                        .execution_options(skip_scope=True))
    for _ in range(5):
        attempt(client, "locked", "guess-guess")
    answers = {
        "unknown": attempt(client, "nobody-here", "correct-horse"),
        "wrong password": attempt(client, "present", "guess-guess"),
        "inactive": attempt(client, "retired", "correct-horse"),
        "locked": attempt(client, "locked", "correct-horse"),
    }
    seen = {case: (a.status_code, a.json()) for case, a in answers.items()}
    assert len(set(map(str, seen.values()))) == 1, seen
    assert seen["unknown"][0] == 401 and seen["unknown"][1]["detail_zh"] == "用户名或密码错误"


def test_one_address_is_limited_across_accounts(client: TestClient, ctx: AppContext,
                                                make_user: UserFactory) -> None:
    ctx.settings = ctx.settings.model_copy(update={"login_failures_per_address": 3})
    make_user("admin", "320000", username="sprayed")
    for n in range(3):  # a password spray: another account name each time
        assert attempt(client, f"guess{n}", "guess-guess").status_code == 401
    refused = attempt(client, "sprayed", "correct-horse")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.json()["detail_zh"] == "登录尝试过于频繁，请稍后再试"
    page = client.post("/login", data={"username": "sprayed", "password": "correct-horse"}, follow_redirects=False)
    assert page.status_code == 429 and "登录尝试过于频繁" in page.text
