"""Sessions in the console (issue #11, point 1): signed-in pages are never cached, so Back after logout shows
nothing, and a deep link survives the login with its query, while the login still refuses other sites."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from tests.conftest import UserFactory

from citysafe.core.context import AppContext
from citysafe.web.common import safe_next


@pytest.fixture
def web(ctx: AppContext) -> Iterator[TestClient]:
    from citysafe.api import create_app

    with TestClient(create_app(ctx=ctx), raise_server_exceptions=False,
                    headers={"Origin": "http://testserver"}) as browser:
        yield browser


def _login(web: TestClient, make_user: UserFactory, next_path: str | None = None) -> str:
    make_user("admin", "320000", username="office")
    web.cookies.clear()
    data = {"username": "office", "password": "correct-horse"} | ({"next": next_path} if next_path else {})
    response = web.post("/login", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def test_signed_in_pages_are_not_stored(web: TestClient, make_user: UserFactory) -> None:
    _login(web, make_user)
    for path in ("/", "/hazards", "/risk", "/no-such-page"):
        response = web.get(path)
        assert response.headers.get("Cache-Control") == "no-store", (path, response.headers)
    # Static files stay cacheable, signed in or not.
    assert "no-store" not in web.get("/static/css/app.css").headers.get("Cache-Control", "")


def test_back_after_logout_is_the_login(web: TestClient, make_user: UserFactory) -> None:
    _login(web, make_user)
    assert web.get("/hazards").status_code == 200
    web.post("/logout", follow_redirects=False)
    again = web.get("/hazards", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/login")


def test_a_deep_link_keeps_its_query_through_the_login(web: TestClient, make_user: UserFactory) -> None:
    deep = "/hazards?tab=overdue&q=灭火器&page=2"
    redirect = web.get(deep, follow_redirects=False)
    assert redirect.status_code == 303
    login_url = str(redirect.headers["location"])
    next_value = parse_qs(urlsplit(login_url).query)["next"][0]
    wanted = {"tab": ["overdue"], "q": ["灭火器"], "page": ["2"]}
    assert urlsplit(next_value).path == "/hazards" and parse_qs(urlsplit(next_value).query) == wanted
    login_page = web.get(login_url)
    assert 'name="next" value="/hazards?tab=overdue&amp;q=%E7%81%AD%E7%81%AB%E5%99%A8&amp;page=2"' in login_page.text
    landed = _login(web, make_user, next_value)
    assert urlsplit(landed).path == "/hazards" and parse_qs(urlsplit(landed).query) == wanted


@pytest.mark.parametrize("target", [
    "//evil.example/x", "http://evil.example/", "https:evil.example", "/\\evil.example", "\\\\evil.example",
    "/\t/evil.example", " //evil.example", "javascript:alert(1)", "", "hazards",
])
def test_the_login_goes_nowhere_else(target: str) -> None:
    assert safe_next(target) == "/"


@pytest.mark.parametrize("target", ["/", "/hazards?tab=overdue&q=a%20b", "/risk/sources?level=major#top",
                                    "/map?code=320100"])
def test_local_targets_are_kept(target: str) -> None:
    assert safe_next(target) == target


def test_login_redirect_after_posting_refuses_another_site(web: TestClient, make_user: UserFactory) -> None:
    assert _login(web, make_user, "//evil.example/phish") == "/"


def test_a_form_posted_after_the_session_ended_logs_in_back_to_its_page(web: TestClient) -> None:
    # The form's own URL only takes the post; after the login the user lands on the page that holds the form.
    web.cookies.set("citysafe_session", "expired")
    response = web.post("/hazards/report", data={"category": "flood", "description": "积水"},
                        headers={"Referer": "http://testserver/hazards/report?from=map"}, follow_redirects=False)
    assert response.status_code == 303
    next_value = parse_qs(urlsplit(str(response.headers["location"])).query)["next"][0]
    assert next_value == "/hazards/report?from=map"
    elsewhere = web.post("/hazards/report", data={"category": "flood", "description": "积水"},
                         headers={"Referer": "http://evil.example/hazards"}, follow_redirects=False)
    assert parse_qs(urlsplit(str(elsewhere.headers["location"])).query)["next"][0] == "/"
