"""Console errors are Chinese pages inside the console (issue #11, point 1); the API keeps problem+json.

Each status a person can meet in the console is provoked the way it happens: a ticket of another district,
a form posted without its file, a body over the limit, a wrong method, a busy database, a crash."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from tests.conftest import UserFactory
from tests.hazards.conftest import tiny_png

from citysafe.core.context import AppContext
from citysafe.core.errors import Forbidden, TooManyAttempts
from citysafe.regions import service as regions_service

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture
def web(ctx: AppContext) -> Iterator[TestClient]:
    """A browser-like client: it asks for HTML, as a navigation does, and signs writes with its Origin."""
    from citysafe.api import create_app

    with TestClient(create_app(ctx=ctx), raise_server_exceptions=False,
                    headers={"Origin": "http://testserver"} | BROWSER) as browser:
        yield browser


def _login(web: TestClient, make_user: UserFactory, role: str, region: str, username: str) -> None:
    make_user(role, region, username=username)
    web.cookies.clear()
    response = web.post("/login", data={"username": username, "password": "correct-horse"}, follow_redirects=False)
    assert response.status_code == 303, response.text


def _assert_console_page(response: Any, status: int) -> str:
    """The answer is the console's HTML page with the status kept, and shows no developer text."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html"), response.headers["content-type"]
    body = str(response.text)
    assert 'class="error-page"' in body and "城市安全风险综合监管平台" in body
    assert 'href="/"' in body  # a way back into the console
    for developer_text in ("Traceback", "problem+json", '"detail"', "Internal error", "http-"):
        assert developer_text not in body
    return body


def _main_text(body: str) -> str:
    main = body.split("<main", 1)[1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)).strip()


def _report_ticket(web: TestClient, make_user: UserFactory) -> str:
    """A ticket reported by a grid officer of 玄武区 (320102) against a unit there; returns its page's path."""
    org = web.post("/api/v1/organizations", headers=make_user("admin", "320000"), json={
        "name": "南京玄武示范商贸有限公司", "kind": "enterprise", "region_code": "320102002", "sector": "商贸",
        "address": "玄武区中山路1号", "location": {"lon": 118.79, "lat": 32.05}})
    assert org.status_code == 201, org.text
    _login(web, make_user, "grid_officer", "320102002", "grid-xuanwu")
    done = web.post("/hazards/report", data={
        "category": "nine_small", "description": "灭火器过期", "lon": "118.7901", "lat": "32.0502",
        "organization_id": str(org.json()["id"])}, files=[("photos", ("p.png", tiny_png(), "image/png"))],
        follow_redirects=False)
    assert done.status_code == 303, done.text
    return str(done.headers["location"]).split("?")[0]


def test_another_districts_ticket_is_the_same_page_as_a_missing_one(web: TestClient, make_user: UserFactory) -> None:
    ticket_path = _report_ticket(web, make_user)
    _login(web, make_user, "district_office", "320104", "office-qinhuai")
    foreign = _assert_console_page(web.get(ticket_path), 404)
    missing = _assert_console_page(web.get("/hazards/tickets/987654"), 404)
    assert "不存在" in _main_text(foreign)
    # Nothing tells the two apart: not the id, not the district, not the wording.
    assert _main_text(foreign) == _main_text(missing)
    assert ticket_path.rsplit("/", 1)[1] not in _main_text(foreign)
    assert 'data-testid="current-user"' in foreign  # inside the console: the header of the signed-in user


def test_the_api_keeps_problem_json(web: TestClient, make_user: UserFactory) -> None:
    bearer = make_user("admin", "320000")
    response = web.get("/api/v1/hazards/tickets/987654", headers=bearer)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail_zh"]
    unknown = web.get("/api/v1/no-such-thing")
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith("application/problem+json")


def test_a_script_asking_for_json_off_the_api_gets_json(web: TestClient, make_user: UserFactory) -> None:
    _login(web, make_user, "admin", "320000", "admin-json")
    response = web.get("/hazards/tickets/987654", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_import_form_without_a_file_is_a_page_naming_the_file(web: TestClient, make_user: UserFactory) -> None:
    _login(web, make_user, "city_office", "320100", "office-nanjing")
    response = web.post("/risk/import", data={"crs": "wgs84"}, headers={"Referer": "http://testserver/risk/import"})
    body = _assert_console_page(response, 422)
    text = _main_text(body)
    assert "文件" in text and "必填" in text and "file" not in text
    assert 'href="/risk/import"' in body  # back to the form the user came from


def test_unknown_page_and_wrong_method(web: TestClient, make_user: UserFactory) -> None:
    logged_out = _assert_console_page(web.get("/no-such-page"), 404)
    assert 'href="/login"' in logged_out
    _login(web, make_user, "admin", "320000", "admin-405")
    _assert_console_page(web.get("/no-such-page"), 404)
    wrong = _assert_console_page(web.get("/logout"), 405)
    assert "按钮" in _main_text(wrong)


def test_body_over_the_limit_is_a_page(ctx: AppContext, make_user: UserFactory) -> None:
    from citysafe.api import create_app

    small = AppContext(settings=ctx.settings.model_copy(update={"request_max_bytes": 2048}), engine=ctx.engine,
                       signer=ctx.signer, event_types=ctx.event_types)
    with TestClient(create_app(ctx=small), raise_server_exceptions=False,
                    headers={"Origin": "http://testserver"} | BROWSER) as web:
        response = web.post("/risk/import", files={"file": ("big.csv", b"x" * 10_000, "text/csv")})
        body = _assert_console_page(response, 413)
        assert "MB" in _main_text(body)
        api = web.post("/api/v1/risk/import", files={"file": ("big.csv", b"x" * 10_000, "text/csv")})
        assert api.status_code == 413 and api.headers["content-type"].startswith("application/problem+json")


def test_busy_database_is_a_503_page_with_retry_after(
        web: TestClient, make_user: UserFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    _login(web, make_user, "admin", "320000", "admin-503")

    def busy(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("SELECT 1", {}, Exception("database is locked"))

    monkeypatch.setattr(regions_service, "read", busy)
    response = web.get("/")
    body = _assert_console_page(response, 503)
    assert response.headers["Retry-After"] == "1"
    assert "繁忙" in _main_text(body) and "重试" in _main_text(body)
    assert "locked" not in body


def test_a_crash_is_a_500_page_without_the_exception(
        web: TestClient, make_user: UserFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    _login(web, make_user, "admin", "320000", "admin-500")

    def crash(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret-internal-detail at /srv/citysafe")

    monkeypatch.setattr(regions_service, "read", crash)
    response = web.get("/")
    body = _assert_console_page(response, 500)
    assert "secret-internal-detail" not in body and "RuntimeError" not in body
    assert "编号" in _main_text(body)  # a reference the administrator finds in the log
    # The crash answer bypasses the middleware that adds headers; the page sets them itself.
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store" and response.headers["X-Frame-Options"] == "DENY"


def test_forbidden_and_too_many_are_pages(web: TestClient, make_user: UserFactory,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    _login(web, make_user, "admin", "320000", "admin-403")

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise Forbidden(detail="not allowed", detail_zh="无权查看该区划")

    monkeypatch.setattr(regions_service, "read", refuse)
    forbidden = _assert_console_page(web.get("/"), 403)
    assert "权限" in _main_text(forbidden) and "管理员" in _main_text(forbidden)

    def too_many(*_args: object, **_kwargs: object) -> None:
        raise TooManyAttempts(detail="slow down", detail_zh="操作过于频繁", retry_after=30)

    monkeypatch.setattr(regions_service, "read", too_many)
    response = web.get("/")
    limited = _assert_console_page(response, 429)
    assert response.headers["Retry-After"] == "30" and "30 秒" in _main_text(limited)


def test_a_session_that_ends_mid_request_goes_to_login(web: TestClient, make_user: UserFactory) -> None:
    # A cookie that is no longer valid on a console page is a login, not an error page.
    web.cookies.set("citysafe_session", "not-a-token")
    response = web.get("/hazards?tab=mine", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")
