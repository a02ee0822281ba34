"""Console pages render for each role and their forms drive the same services (no browser needed here)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from tests.conftest import UserFactory
from tests.hazards.conftest import tiny_png

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.hazards.inspection import checklists


def _login(client: TestClient, make_user: UserFactory, role: str, region: str, **extra: Any) -> str:
    username = extra.pop("username", f"{role}-{region}-{len(client.cookies)}")
    make_user(role, region, username=username, **extra)
    client.cookies.clear()
    response = client.post("/login", data={"username": username, "password": "correct-horse", "next": "/hazards"},
                           follow_redirects=False)
    assert response.status_code == 303
    return username


def test_pages_need_login(client: TestClient) -> None:
    response = client.get("/hazards", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_report_form_assign_and_timeline(client: TestClient, ctx: AppContext, make_user: UserFactory,
                                         make_org: Callable[..., dict[str, Any]]) -> None:
    org = make_org()
    _login(client, make_user, "grid_officer", "320102002", username="grid1")
    page = client.get("/hazards/report")
    assert page.status_code == 200 and "上报隐患" in page.text and 'capture="environment"' in page.text
    bad = client.post("/hazards/report", data={"category": "nine_small", "description": "楼道堆物"},
                      files=[("photos", ("x.gif", b"GIF89a\x01\x00", "image/gif"))], follow_redirects=False)
    assert bad.status_code == 422 and "仅接受" in bad.text and "field-error" in bad.text
    assert "楼道堆物</textarea>" in bad.text  # what was typed comes back
    done = client.post("/hazards/report", data={
        "category": "nine_small", "description": "灭火器过期", "lon": "118.7901", "lat": "32.0502",
        "organization_id": str(org["id"])}, files=[("photos", ("p.png", tiny_png(), "image/png"))],
        follow_redirects=False)
    assert done.status_code == 303, done.text
    ticket_path = done.headers["location"].split("?")[0]
    ticket_page = client.get(done.headers["location"])
    assert "隐患已上报" in ticket_page.text and "灭火器过期" in ticket_page.text and "<img" in ticket_page.text

    _login(client, make_user, "district_office", "320102", username="office1")
    detail = client.get(ticket_path)
    assert 'data-action="assign"' in detail.text and 'data-action="dismiss"' in detail.text
    assigned = client.post(f"{ticket_path}/act", data={"action": "assign", "organization_id": str(org["id"]),
                                                       "note": "限期整改"}, follow_redirects=False)
    assert "ok=" in assigned.headers["location"]
    refused = client.post(f"{ticket_path}/act", data={"action": "close", "note": "x"}, follow_redirects=False)
    assert "error=" in refused.headers["location"]
    page = client.get(ticket_path)
    assert "已交办" in page.text and "限期整改" in page.text
    listing = client.get("/hazards")
    assert listing.status_code == 200 and "灭火器过期" in listing.text and "隐患总数" in listing.text
    assert client.get("/hazards?tab=overdue").status_code == 200
    assert client.get("/hazards?region=bad").status_code == 200


def test_other_pages_render(client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    with unit_of_work(ctx.session_factory) as session:
        checklists.seed_defaults(session, owner_region_code="320000", settings=ctx.settings)
    _login(client, make_user, "city_office", "320100", username="city1")
    for path, needle in [("/hazards/stats", "按区划"), ("/hazards/tasks", "排查任务"),
                         ("/hazards/permits", "特殊作业票"), ("/hazards/enforcement", "联合惩戒名单"),
                         ("/hazards/grids", "网格化管理"), ("/", "隐患排查")]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert needle in response.text, path
