"""Checklists as editable data, plans handing tasks to grids, completion tracked, failed items opening tickets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from tests.conftest import UserFactory
from tests.hazards.conftest import INSIDE_SQUARE, XUANWU_SQUARE

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.hazards.inspection import checklists

API = "/api/v1/hazards"
PERIOD = {"period_start": "2030-04-01T00:00:00+08:00", "period_end": "2030-04-30T23:59:59+08:00"}


def _seed_checklists(ctx: AppContext) -> None:
    with unit_of_work(ctx.session_factory) as session:
        assert checklists.seed_defaults(session, owner_region_code="320000", settings=ctx.settings) == 6
        assert checklists.seed_defaults(session, owner_region_code="320000", settings=ctx.settings) == 0


def test_checklists_are_editable_by_their_owner(client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    _seed_checklists(ctx)
    district = make_user("district_office", "320102")
    province = make_user("province_office", "320000")
    listed = client.get(f"{API}/checklists", headers=district, params={"place_type": "group_rental"}).json()
    assert len(listed) == 1 and listed[0]["owner_region_code"] == "320000"
    rental = listed[0]
    assert any(i["criterion"] == "FIRE-10" for i in rental["items"])
    # the province's template is the province's to edit; the district makes its own version
    assert client.patch(f"{API}/checklists/{rental['id']}", headers=district, json={"name": "x"}).status_code == 403
    items = [*rental["items"], {"code": "GR-08", "text": "是否落实房东安全管理责任"}]
    edited = client.patch(f"{API}/checklists/{rental['id']}", headers=province, json={"items": items})
    assert edited.status_code == 200 and edited.json()["version"] == 2 and len(edited.json()["items"]) == 8
    own = client.post(f"{API}/checklists", headers=district, json={
        "name": "玄武区群租房检查表", "place_type": "group_rental",
        "items": [{"code": "X-1", "text": "是否登记备案"},
                  {"code": "X-2", "text": "彩钢板搭建", "criterion": "FIRE-10"}]})
    assert own.status_code == 201 and own.json()["owner_region_code"] == "320102"
    duplicate = client.post(f"{API}/checklists", headers=district, json={
        "name": "x", "place_type": "other", "items": [{"code": "A", "text": "a"}, {"code": "A", "text": "b"}]})
    assert duplicate.status_code == 422
    unknown = client.post(f"{API}/checklists", headers=district, json={
        "name": "x", "place_type": "other", "items": [{"code": "A", "text": "a", "criterion": "NOPE-1"}]})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "items"


def test_plan_tasks_completion_and_failed_items(client: TestClient, ctx: AppContext, make_user: UserFactory,
                                                upload: Callable[..., int]) -> None:
    _seed_checklists(ctx)
    office = make_user("district_office", "320102")
    grid_code = client.post(f"{API}/grids", headers=office, json={
        "community_code": "320102002001", "name": "第一网格", "boundary": XUANWU_SQUARE}).json()["code"]
    officer = make_user("grid_officer", "320102002", username="zhaoliu", display_name="赵六")
    other_officer = make_user("grid_officer", "320102002", username="qianqi")
    me = client.get("/api/v1/auth/me", headers=officer).json()
    client.post(f"{API}/grids/{grid_code}/officers", headers=office, json={"user_id": me["user_id"]})
    places: list[dict[str, Any]] = []
    for name in ("一号出租屋", "二号出租屋"):
        places.append(client.post(f"{API}/places", headers=officer, json={
            "name": name, "place_type": "group_rental",
            "location": {"lon": INSIDE_SQUARE[0], "lat": INSIDE_SQUARE[1]}}).json())
    plan = client.post(f"{API}/plans", headers=office, json={
        "name": "2030年4月群租房专项排查", "place_type": "group_rental", "assignee_kind": "grid", **PERIOD})
    assert plan.status_code == 201, plan.text
    body = plan.json()
    assert body["progress"] == {"total": 2, "done": 0, "pending": 2, "overdue": 0, "unassigned": 0,
                                "failed_items": 0, "completion_rate": 0.0}
    mine = client.get(f"{API}/tasks", headers=officer, params={"mine": "true"}).json()
    assert mine["total"] == 2 and all(t["grid_code"] == grid_code for t in mine["items"])
    assert client.get(f"{API}/tasks", headers=other_officer, params={"mine": "true"}).json()["total"] == 0
    task = client.get(f"{API}/tasks/{mine['items'][0]['id']}", headers=officer).json()
    codes = [i["code"] for i in task["checklist"]["items"]]
    assert codes[:3] == ["GR-01", "GR-02", "GR-03"]

    answers = [{"code": c, "result": "pass"} for c in codes]
    refused = client.post(f"{API}/tasks/{task['id']}/results", headers=other_officer, json={"items": answers})
    assert refused.status_code == 403
    incomplete = client.post(f"{API}/tasks/{task['id']}/results", headers=officer, json={"items": answers[:-1]})
    assert incomplete.status_code == 422
    answers[2] = {"code": "GR-03", "result": "fail", "note": "二楼用彩钢夹芯板隔出 6 间住人",
                  "attachment_ids": [upload(officer)]}
    answers[3] = {"code": "GR-04", "result": "fail", "note": "楼道内 3 辆电动车充电"}
    done = client.post(f"{API}/tasks/{task['id']}/results", headers=officer, json={"items": answers})
    assert done.status_code == 200, done.text
    result = done.json()
    assert result["state"] == "done" and result["failed_count"] == 2 and result["completed_by_name"] == "赵六"
    ticket_ids = [r["ticket_id"] for r in result["results"] if r["result"] == "fail"]
    assert len(ticket_ids) == 2
    major = client.get(f"{API}/tickets/{ticket_ids[0]}", headers=office).json()
    assert major["level"] == "major" and major["criteria"][0]["code"] == "FIRE-10"
    assert major["source"] == "grid_officer" and major["task_id"] == task["id"]
    assert major["region_code"] == grid_code and major["place_id"] == task["place_id"]
    assert task["place_id"] in {p["id"] for p in places}
    assert len(major["attachments"]) == 1
    general = client.get(f"{API}/tickets/{ticket_ids[1]}", headers=office).json()
    assert general["level"] == "general" and general["category"] == "group_rental"
    again = client.post(f"{API}/tasks/{task['id']}/results", headers=officer, json={"items": answers})
    assert again.status_code == 409
    progress = client.get(f"{API}/plans/{body['id']}", headers=office).json()["progress"]
    assert progress["done"] == 1 and progress["completion_rate"] == 0.5 and progress["failed_items"] == 2


def test_plan_needs_places_and_valid_assignee(client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    _seed_checklists(ctx)
    office = make_user("district_office", "320102")
    empty = client.post(f"{API}/plans", headers=office, json={
        "name": "x", "place_type": "high_rise", "assignee_kind": "grid", **PERIOD})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "place_ids"
    no_officer = client.post(f"{API}/plans", headers=office, json={
        "name": "x", "place_type": "high_rise", "assignee_kind": "officer", **PERIOD})
    assert no_officer.status_code == 422
    grid = make_user("grid_officer", "320102")
    assert client.post(f"{API}/plans", headers=grid, json={
        "name": "x", "place_type": "high_rise", "assignee_kind": "grid", **PERIOD}).status_code == 403


def test_department_plan(client: TestClient, ctx: AppContext, make_user: UserFactory,
                         make_org: Callable[..., dict[str, Any]]) -> None:
    _seed_checklists(ctx)
    office = make_user("district_office", "320102")
    bureau = make_org(name="玄武区住房和城乡建设局", kind="agency")
    site = make_org(name="某建设工程有限公司")
    client.post(f"{API}/places", headers=office, json={
        "name": "某项目工地", "place_type": "construction_site", "organization_id": site["id"]})
    plan = client.post(f"{API}/plans", headers=office, json={
        "name": "工地安全检查", "place_type": "construction_site", "assignee_kind": "department",
        "department_org_id": bureau["id"], **PERIOD}).json()
    inspector = make_user("department", "320102", organization_id=bureau["id"])
    tasks = client.get(f"{API}/tasks", headers=inspector, params={"mine": "true"}).json()
    assert tasks["total"] == 1 and tasks["items"][0]["plan_id"] == plan["id"]
    assert tasks["items"][0]["organization_id"] == site["id"]
