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
                         ("/hazards/permits", "特殊作业票"), ("/hazards/enforcement", "执法检查与打非治违"),
                         ("/hazards/grids", "网格化管理"), ("/", "隐患排查")]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert needle in response.text, path


def test_grid_officer_fills_a_checklist_in_the_console(client: TestClient, ctx: AppContext,
                                                        make_user: UserFactory) -> None:
    from tests.hazards.conftest import INSIDE_SQUARE, XUANWU_SQUARE

    with unit_of_work(ctx.session_factory) as session:
        checklists.seed_defaults(session, owner_region_code="320000", settings=ctx.settings)
    office = make_user("district_office", "320102")
    grid = client.post("/api/v1/hazards/grids", headers=office, json={
        "community_code": "320102002001", "name": "网格", "boundary": XUANWU_SQUARE}).json()["code"]
    officer_headers = make_user("grid_officer", "320102002", username="zhou")
    me = client.get("/api/v1/auth/me", headers=officer_headers).json()
    client.post(f"/api/v1/hazards/grids/{grid}/officers", headers=office, json={"user_id": me["user_id"]})
    client.post("/api/v1/hazards/places", headers=office, json={
        "name": "小美发店", "place_type": "nine_small", "location": {"lon": INSIDE_SQUARE[0], "lat": INSIDE_SQUARE[1]}})
    client.post("/api/v1/hazards/plans", headers=office, json={
        "name": "九小排查", "place_type": "nine_small", "assignee_kind": "grid",
        "period_start": "2030-01-01T00:00:00+08:00", "period_end": "2030-02-01T00:00:00+08:00"})
    client.cookies.clear()
    assert client.post("/login", data={"username": "zhou", "password": "correct-horse"},
                       follow_redirects=False).status_code == 303
    tasks = client.get("/hazards/tasks")
    assert "小美发店" in tasks.text and "九小排查" in tasks.text
    task_id = client.get("/api/v1/hazards/tasks", params={"mine": "true"}).json()["items"][0]["id"]
    form = client.get(f"/hazards/tasks/{task_id}")
    assert 'name="result_NS-02"' in form.text
    codes = [f"NS-0{i}" for i in range(1, 10)]
    data = {f"result_{c}": "pass" for c in codes} | {"result_NS-02": "fail", "note_NS-02": "后门被货物堵死"}
    missing_note = client.post(f"/hazards/tasks/{task_id}", data=data | {"note_NS-02": ""}, follow_redirects=False)
    assert "error=" in missing_note.headers["location"]
    done = client.post(f"/hazards/tasks/{task_id}", data=data,
                       files=[("photo_NS-02", ("p.png", tiny_png(), "image/png"))], follow_redirects=False)
    assert "ok=" in done.headers["location"], done.headers["location"]
    page = client.get(done.headers["location"])
    assert "查看隐患" in page.text and "后门被货物堵死" in page.text
