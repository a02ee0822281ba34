"""The console's 调度路网 page: without a network it says dispatch measures straight lines; an administrator
imports an OSM file through the form and the page shows it; a malformed file shows the error naming the file and
the previous network stays; other roles see the page without the form."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.conftest import UserFactory
from tests.emergency.routing_samples import DATA, STREETS

PAGE = "/emergency/roads"


def _login(client: TestClient, make_user: UserFactory, role: str, region: str, username: str) -> None:
    make_user(role, region, username=username)
    client.cookies.clear()
    response = client.post("/login", data={"username": username, "password": "correct-horse", "next": "/"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text


def _import(client: TestClient, name: str, body: bytes) -> tuple[int, str]:
    response = client.post(PAGE, files={"file": (name, body, "application/xml")}, data={"crs": "wgs84"})
    return response.status_code, response.text


def test_import_through_the_page_and_a_bad_file_keeps_it(client: TestClient, make_user: UserFactory) -> None:
    _login(client, make_user, "admin", "320000", "roads-admin")
    html = client.get(PAGE).text
    assert 'data-testid="roads-fallback"' in html and "直线距离" in html
    assert 'data-testid="roads-import-form"' in html and "主干路" in html and "CJJ 37" in html
    status, html = _import(client, "streets.osm", STREETS.read_bytes())  # followed to the page
    assert status == 200 and "已导入路网：7 个节点，14 条有向路段" in html
    assert 'data-testid="roads-source"' in html and "streets.osm" in html and 'data-bbox="' in html
    status, html = _import(client, "malformed.osm", (DATA / "malformed.osm").read_bytes())
    assert status == 422 and "malformed.osm" in html and "XML parsing error" in html
    assert ">streets.osm<" in html  # the network in service is still the first one


def test_other_roles_read_the_page_without_the_form(client: TestClient, make_user: UserFactory) -> None:
    _login(client, make_user, "city_office", "320100", "roads-office")
    html = client.get(PAGE).text
    assert "调度路网" in html and 'data-testid="roads-import-form"' not in html
    status, _ = _import(client, "streets.osm", STREETS.read_bytes())
    assert status == 403
