"""Cross-site requests (issue #10, finding 5): a cookie-authenticated write must come from the console's own
origin, the session cookie is Secure behind TLS, and console pages carry a CSP without inline script."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from tests.conftest import UserFactory
from tests.orgs.test_orgs_api import org

from citysafe.core.context import AppContext

EVIL = "http://evil.example"
OWN = "http://testserver"
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
TEMPLATES = Path(__file__).parents[2] / "src" / "citysafe" / "web" / "templates"


@pytest.fixture
def web(ctx: AppContext) -> Iterator[TestClient]:
    """A client sending no Origin or Referer unless a test says so (the shared ``client`` sends the console's)."""
    from citysafe.api import create_app

    with TestClient(create_app(ctx=ctx), raise_server_exceptions=False) as bare:
        yield bare


def _cookie_login(client: TestClient, make_user: UserFactory, role: str = "admin", region: str = "320000") -> None:
    username = f"cookie-{role}-{region}"
    make_user(role, region, username=username)
    client.cookies.clear()
    response = client.post("/login", data={"username": username, "password": "correct-horse"},
                           headers={"Origin": OWN}, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert "citysafe_session" in client.cookies


def _org_count(client: TestClient, bearer: dict[str, str]) -> int:
    return int(client.get("/api/v1/organizations", headers=bearer).json()["total"])


def test_cross_origin_cookie_write_to_the_api_is_refused(web: TestClient, make_user: UserFactory) -> None:
    bearer = make_user("admin", "320000")
    _cookie_login(web, make_user)
    refused = web.post("/api/v1/organizations", json=org(), headers={"Origin": EVIL})
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    body = refused.json()
    assert body["type"].endswith("/cross-site") and body["detail_zh"] and "Origin" in body["detail"]
    assert _org_count(web, bearer) == 0
    # The browser's own origin passes; so does the Referer when a browser sends no Origin.
    assert web.post("/api/v1/organizations", json=org(), headers={"Origin": OWN}).status_code == 201
    via_referer = web.post("/api/v1/organizations", json=org(uscc=None),
                              headers={"Referer": f"{OWN}/hazards?x=1"})
    assert via_referer.status_code == 201, via_referer.text
    assert _org_count(web, bearer) == 2


@pytest.mark.parametrize("headers", [
    {"Origin": "null"},  # sandboxed frames, data: URLs and no-referrer policies send this
    {"Origin": "http://testserver.evil.example"},
    {"Origin": "https://testserver"},  # another scheme is another origin
    {"Origin": "http://testserver:8443"},
    {"Referer": f"{EVIL}/page"},
    {},  # neither header: a browser always sends one of them on a write, so this is refused
])
def test_other_origins_and_missing_ones_are_refused(web: TestClient, make_user: UserFactory,
                                                    headers: dict[str, str]) -> None:
    _cookie_login(web, make_user)
    response = web.post("/api/v1/organizations", json=org(), headers=headers)
    assert response.status_code == 403, (headers, response.text)


def test_bearer_token_writes_are_unaffected(web: TestClient, make_user: UserFactory) -> None:
    bearer = make_user("admin", "320000")
    web.cookies.clear()
    created = web.post("/api/v1/organizations", json=org(), headers=bearer | {"Origin": EVIL})
    assert created.status_code == 201, created.text
    without_origin = web.post("/api/v1/organizations", json=org(uscc=None),
                                 headers=bearer)
    assert without_origin.status_code == 201, without_origin.text


def test_cross_origin_console_form_gets_a_chinese_page(web: TestClient, make_user: UserFactory) -> None:
    _cookie_login(web, make_user, "district_office", "320102")
    response = web.post("/hazards/tickets/1/act", data={"action": "dismiss", "note": "x"},
                           headers={"Origin": EVIL}, follow_redirects=False)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "跨站" in response.text and "Traceback" not in response.text


def test_login_from_another_site_is_refused(web: TestClient, make_user: UserFactory) -> None:
    # Login CSRF: a foreign page logging the victim's browser into the attacker's account.
    make_user("admin", "320000", username="someone")
    web.cookies.clear()
    response = web.post("/login", data={"username": "someone", "password": "correct-horse"},
                           headers={"Origin": EVIL}, follow_redirects=False)
    assert response.status_code == 403
    assert "citysafe_session" not in response.headers.get("set-cookie", "")


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_unsafe_route_refuses_a_cross_origin_cookie_write(web: TestClient, make_user: UserFactory) -> None:
    # Generated from the app's routes, so an endpoint added tomorrow is covered the day it appears.
    _cookie_login(web, make_user)
    checked = []
    for route in iter_route_contexts(web.app.routes):  # type: ignore[attr-defined]
        for method in sorted(set(route.methods or ()) & set(UNSAFE)):
            path = _concrete(route.path)
            response = web.request(method, path, headers={"Origin": EVIL}, follow_redirects=False)
            assert response.status_code == 403, (method, path, response.status_code, response.text[:200])
            if path.startswith("/api/"):
                assert response.json()["type"].endswith("/cross-site"), (method, path)
            else:
                assert "跨站" in response.text, (method, path)
            checked.append((method, path))
    assert len(checked) > 40 and ("POST", "/risk/whitepaper") in checked and ("POST", "/logout") in checked


def test_configured_console_origins_are_accepted(ctx: AppContext, make_user: UserFactory) -> None:
    # Behind a reverse proxy the Host this process sees is not the address in the user's browser.
    from citysafe.api import create_app

    ctx.settings = ctx.settings.model_copy(update={"console_origins": "https://safety.example.cn, https://aq.example.cn"})
    with TestClient(create_app(ctx=ctx), raise_server_exceptions=False) as proxied:
        from citysafe.auth import service as auth_service
        from citysafe.auth.schemas import UserCreate
        from citysafe.core.db import unit_of_work

        with unit_of_work(ctx.session_factory, actor="tests") as session:
            auth_service.create_user(session, user_in=UserCreate(
                username="proxied", password="correct-horse", role="admin", region_code="320000"))
        login = proxied.post("/login", data={"username": "proxied", "password": "correct-horse"},
                             headers={"Origin": "https://safety.example.cn"}, follow_redirects=False)
        assert login.status_code == 303
        ok = proxied.post("/api/v1/organizations", json=org(), headers={"Origin": "https://aq.example.cn"})
        assert ok.status_code == 201, ok.text
        assert proxied.post("/api/v1/organizations", json=org(), headers={"Origin": EVIL}).status_code == 403


def _session_cookie_header(response: object) -> str:
    headers = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    return next(h for h in headers if h.startswith("citysafe_session="))


def test_session_cookie_is_secure_over_tls_only(ctx: AppContext, make_user: UserFactory, client: TestClient) -> None:
    from citysafe.api import create_app

    make_user("admin", "320000", username="tls")
    form = {"username": "tls", "password": "correct-horse"}
    plain = _session_cookie_header(client.post("/login", data=form, follow_redirects=False))
    assert "httponly" in plain.lower() and "samesite=lax" in plain.lower() and "secure" not in plain.lower()
    with TestClient(create_app(ctx=ctx), base_url="https://testserver",
                    headers={"Origin": "https://testserver"}) as tls:
        secure = _session_cookie_header(tls.post("/login", data=form, follow_redirects=False))
        assert "; secure" in secure.lower() and "httponly" in secure.lower() and "samesite=lax" in secure.lower()
        logout = tls.post("/logout", follow_redirects=False)
        assert logout.status_code == 303 and "; secure" in _session_cookie_header(logout).lower()
    # A forwarded scheme counts only from a proxy the settings trust.
    forwarded = {"X-Forwarded-Proto": "https"}
    untrusted = _session_cookie_header(client.post("/login", data=form, headers=forwarded, follow_redirects=False))
    assert "secure" not in untrusted.lower()
    ctx.settings = ctx.settings.model_copy(update={"trusted_proxies": "testclient"})
    with TestClient(create_app(ctx=ctx), headers={"Origin": "https://testserver"}) as behind_proxy:
        trusted = _session_cookie_header(behind_proxy.post("/login", data=form, headers=forwarded,
                                                           follow_redirects=False))
        assert "; secure" in trusted.lower()


def test_console_pages_carry_security_headers(web: TestClient, make_user: UserFactory) -> None:
    page = web.get("/login")
    csp = page.headers["content-security-policy"]
    directives = dict(([*d.split(" ", 1), ""])[:2] for d in (p.strip() for p in csp.split(";")) if d)
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "'unsafe-inline'" not in directives.get("default-src", "")
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert page.headers["x-frame-options"] == "DENY"
    api = web.get("/api/v1/health")
    assert api.headers["x-content-type-options"] == "nosniff"
    assert web.get("/static/css/app.css").headers["x-content-type-options"] == "nosniff"
    # The API's own documentation page keeps its inline script, but may not be framed either.
    docs = web.get("/docs").headers["content-security-policy"]
    assert "frame-ancestors 'none'" in docs


def test_configured_tile_host_may_serve_images(ctx: AppContext) -> None:
    from citysafe.api import create_app

    ctx.settings = ctx.settings.model_copy(update={
        "tile_url": "https://t{s}.tianditu.gov.cn/vec_w/wmts?tk=KEY&x={x}&y={y}&l={z}"})
    with TestClient(create_app(ctx=ctx)) as tiles:
        csp = tiles.get("/login").headers["content-security-policy"]
    img_src = next(d for d in csp.split(";") if d.strip().startswith("img-src"))
    assert "https://*.tianditu.gov.cn" in img_src.split()


def test_templates_hold_no_inline_script() -> None:
    # CSP refuses inline script; this names the template at fault before a browser test has to.
    executable = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
    handler = re.compile(r"\son[a-z]+\s*=|javascript:|\shx-on", re.IGNORECASE)
    jinja_code = re.compile(r"{{.*?}}|{%.*?%}", re.DOTALL)
    found = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        # Jinja's own expressions are not HTML ({{ 'selected' if online == '1' }} is no onclick handler).
        text = jinja_code.sub(" ", template.read_text(encoding="utf-8"))
        found += [f"{template.name}: {m.group(0)}" for m in executable.finditer(text)]
        found += [f"{template.name}: {m.group(0).strip()}" for m in handler.finditer(text)]
    assert found == []


def test_a_console_origin_with_a_path_is_refused_at_start_up(tmp_path: Path) -> None:
    from pydantic import ValidationError

    from citysafe.core.config import Settings

    assert Settings(data_dir=tmp_path, console_origins="HTTPS://Aq.Example.cn:443/ ,http://x.cn:8080").console_origins \
        == "https://aq.example.cn,http://x.cn:8080"
    with pytest.raises(ValidationError, match="not an origin"):
        Settings(data_dir=tmp_path, console_origins="https://aq.example.cn/console")
