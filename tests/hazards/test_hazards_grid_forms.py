"""The grid and inspection forms of the console, beyond the browser flow (tests/e2e/test_hazards_grids_inspection.py):
what a refused form says and keeps, what a grid officer may open, and that the pages reach the same services."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from tests.conftest import UserFactory
from tests.hazards.conftest import XUANWU_SQUARE

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.hazards.inspection import checklists

COMMUNITY = "320102002001"


def _login(client: TestClient, make_user: UserFactory, role: str, region: str, username: str, **extra: Any) -> None:
    make_user(role, region, username=username, **extra)
    client.cookies.clear()
    response = client.post("/login", data={"username": username, "password": "correct-horse"}, follow_redirects=False)
    assert response.status_code == 303


def test_grid_forms_refuse_in_chinese_and_keep_what_was_typed(client: TestClient, make_user: UserFactory) -> None:
    _login(client, make_user, "district_office", "320102", "office1")
    not_json = client.post("/hazards/grids/new", data={"community_code": COMMUNITY, "name": "第一网格",
                                                       "boundary": "{not json", "crs": "wgs84"})
    assert not_json.status_code == 422
    assert "网格边界：不是有效的 GeoJSON" in not_json.text and 'value="第一网格"' in not_json.text
    assert "{not json" in not_json.text
    no_community = client.post("/hazards/grids/new", data={"name": "第一网格", "boundary": '{"type": "Point"}'})
    assert no_community.status_code == 422 and "所属社区" in no_community.text
    made = client.post("/hazards/grids/new", follow_redirects=False, data={
        "community_code": COMMUNITY, "name": "第一网格", "boundary": str(XUANWU_SQUARE).replace("'", '"')})
    assert made.status_code == 303 and made.headers["location"].startswith(f"/hazards/grids/{COMMUNITY}001?ok=")
    # no officer chosen: the grid page says so
    none_chosen = client.post(f"/hazards/grids/{COMMUNITY}001/officers", data={"user_id": ""}, follow_redirects=True)
    assert "网格员：请选择网格员" in none_chosen.text
    # a boundary moved out of the community is refused with the typed name kept, nothing saved
    moved = client.post(f"/hazards/grids/{COMMUNITY}001", data={
        "name": "改了名", "boundary": '{"type": "Polygon", "coordinates": [[[120.6, 31.3], [120.61, 31.3], '
                                      '[120.61, 31.31], [120.6, 31.3]]]}'})
    assert moved.status_code == 422 and "网格超出" in moved.text and 'value="改了名"' in moved.text
    assert client.get(f"/api/v1/hazards/grids/{COMMUNITY}001").json()["name"] == "第一网格"


def test_plan_and_checklist_forms(client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    with unit_of_work(ctx.session_factory) as session:
        checklists.seed_defaults(session, owner_region_code="320000", settings=ctx.settings)
    _login(client, make_user, "district_office", "320102", "office2")
    listed = client.get("/hazards/checklists?place_type=nine_small")
    assert listed.status_code == 200 and "“九小”场所" in listed.text
    no_places = client.post("/hazards/plans/new", data={
        "name": "排查", "place_type": "nine_small", "target": "places", "period_start": "2030-01-01",
        "period_end": "2030-01-31", "assignee_kind": "grid"})
    assert no_places.status_code == 422 and "排查对象：请勾选至少一个排查对象" in no_places.text
    assert 'value="排查"' in no_places.text and 'value="2030-01-31"' in no_places.text
    backwards = client.post("/hazards/plans/new", data={
        "name": "排查", "place_type": "nine_small", "target": "region", "period_start": "2030-02-01",
        "period_end": "2030-01-01", "assignee_kind": "grid"})
    assert backwards.status_code == 422 and "flash-error" in backwards.text
    no_officer = client.post("/hazards/plans/new", data={
        "name": "排查", "place_type": "nine_small", "target": "region", "period_start": "2030-01-01",
        "period_end": "2030-01-31", "assignee_kind": "officer"})
    assert no_officer.status_code == 422
    made = client.post("/hazards/checklists/new", follow_redirects=False, data={
        "name": "表", "place_type": "gas_user", "item_code": ["", "G-2"], "item_text": ["阀门", "软管"],
        "item_category": ["", ""], "item_criterion": ["", ""], "item_basis": ["", ""]})
    assert made.status_code == 303
    edited = client.post(made.headers["location"].split("?")[0], follow_redirects=True, data={
        "name": "燃气表", "description": "", "active": "1", "item_code": ["1", "G-2", ""],
        "item_text": ["阀门", "软管", "报警器"], "item_category": ["", "", ""], "item_criterion": ["", "", ""],
        "item_basis": ["", "", ""]})
    assert "检查表已保存（第 2 版）" in edited.text and "报警器" in edited.text
    duplicate = client.post(made.headers["location"].split("?")[0], data={
        "name": "燃气表", "item_code": ["A", "A"], "item_text": ["一", "二"], "item_category": ["", ""],
        "item_criterion": ["", ""], "item_basis": ["", ""]})
    assert duplicate.status_code == 422 and "检查项" in duplicate.text and "二" in duplicate.text


def test_a_grid_officer_sees_only_its_grids_and_no_office_forms(client: TestClient, make_user: UserFactory) -> None:
    office = make_user("district_office", "320102")
    code = client.post("/api/v1/hazards/grids", headers=office, json={
        "community_code": COMMUNITY, "name": "我的网格", "boundary": XUANWU_SQUARE}).json()["code"]
    _login(client, make_user, "grid_officer", "320102002", "zhao", display_name="赵六")
    me = client.get("/api/v1/auth/me").json()
    client.post(f"/api/v1/hazards/grids/{code}/officers", headers=office, json={"user_id": me["user_id"]})
    mine = client.get("/hazards/grids")
    assert "我的网格" in mine.text and "新建网格" not in mine.text
    assert client.get(f"/hazards/grids/{code}").status_code == 200
    for path in ("/hazards/grids/new", "/hazards/plans", "/hazards/plans/new", "/hazards/checklists"):
        refused = client.get(path)
        assert refused.status_code == 403 and "安委办" in refused.text, path
    assert client.post(f"/hazards/grids/{code}/officers/1/remove").status_code == 403
