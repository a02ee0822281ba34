"""Region (and organisation) scope holds for every hazards endpoint: outside it, things are absent."""

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


def _xuanwu_world(client: TestClient, ctx: AppContext, make_user: UserFactory,
                  make_org: Callable[..., dict[str, Any]], upload: Callable[..., int]) -> dict[str, Any]:
    with unit_of_work(ctx.session_factory) as session:
        checklists.seed_defaults(session, owner_region_code="320000", settings=ctx.settings)
    org = make_org()
    office = make_user("district_office", "320102")
    enterprise = make_user("enterprise", "320102", organization_id=org["id"])
    grid = client.post(f"{API}/grids", headers=office, json={
        "community_code": "320102002001", "name": "网格", "boundary": XUANWU_SQUARE}).json()["code"]
    place = client.post(f"{API}/places", headers=office, json={
        "name": "小店", "place_type": "nine_small", "organization_id": org["id"],
        "location": {"lon": INSIDE_SQUARE[0], "lat": INSIDE_SQUARE[1]}}).json()
    photo = upload(office)
    ticket = client.post(f"{API}/tickets", headers=office, json={
        "category": "nine_small", "description": "x", "place_id": place["id"], "attachment_ids": [photo]}).json()
    plan = client.post(f"{API}/plans", headers=office, json={
        "name": "p", "place_type": "nine_small", "assignee_kind": "grid",
        "period_start": "2030-01-01T00:00:00+08:00", "period_end": "2030-02-01T00:00:00+08:00"}).json()
    task = client.get(f"{API}/tasks", headers=office).json()["items"][0]
    permit = client.post(f"{API}/permits", headers=enterprise, json={
        "work_type": "temporary_power", "grade": "single", "area": "配电间", "content": "接临时电源",
        "guardian": "监护人", "valid_from": "2030-01-01T08:00:00+08:00",
        "valid_to": "2030-01-02T08:00:00+08:00"}).json()
    record = client.post(f"{API}/enforcement", headers=office, json={
        "kind": "inspection", "organization_id": org["id"], "inspected_at": "2029-12-01T10:00:00+08:00"}).json()
    punishment = client.post(f"{API}/joint-punishments", headers=office, json={
        "organization_id": org["id"], "reason": "x", "starts_at": "2029-01-01T00:00:00+08:00",
        "ends_at": "2031-01-01T00:00:00+08:00"}).json()
    return {"org": org, "grid": grid, "place": place, "photo": photo, "ticket": ticket, "plan": plan,
            "task": task, "permit": permit, "record": record, "punishment": punishment}


def test_outside_the_region_everything_is_absent(client: TestClient, ctx: AppContext, make_user: UserFactory,
                                                 make_org: Callable[..., dict[str, Any]],
                                                 upload: Callable[..., int]) -> None:
    w = _xuanwu_world(client, ctx, make_user, make_org, upload)
    qinhuai = make_user("district_office", "320104")
    absent = [
        f"{API}/tickets/{w['ticket']['id']}", f"{API}/attachments/{w['photo']}", f"{API}/grids/{w['grid']}",
        f"{API}/places/{w['place']['id']}", f"{API}/plans/{w['plan']['id']}", f"{API}/tasks/{w['task']['id']}",
        f"{API}/permits/{w['permit']['id']}", f"{API}/enforcement/{w['record']['id']}",
        f"{API}/organizations/{w['org']['id']}/standing",
    ]
    for path in absent:
        assert client.get(path, headers=qinhuai).status_code == 404, path
    empty = [f"{API}/tickets", f"{API}/places", f"{API}/plans", f"{API}/tasks", f"{API}/permits",
             f"{API}/enforcement", f"{API}/joint-punishments"]
    for path in empty:
        body = client.get(path, headers=qinhuai).json()
        assert body["total"] == 0 and body["items"] == [], path
    assert client.get(f"{API}/grids", headers=qinhuai).json() == []
    assert client.get(f"{API}/grids/features", headers=qinhuai).json()["features"] == []
    assert client.get(f"{API}/stats", headers=qinhuai).json()["total"] == 0
    assert client.get(f"{API}/permits/flags", headers=qinhuai).json()["open"] == 0
    rows = client.get(f"{API}/tickets/export.xlsx", headers=qinhuai)
    assert rows.status_code == 200
    writes = [
        ("post", f"{API}/tickets/{w['ticket']['id']}/transitions", {"action": "dismiss", "note": "x"}),
        ("post", f"{API}/tasks/{w['task']['id']}/results", {"items": [{"code": "NS-01", "result": "pass"}]}),
        ("patch", f"{API}/places/{w['place']['id']}", {"name": "x"}),
        ("patch", f"{API}/grids/{w['grid']}", {"name": "x"}),
        ("post", f"{API}/enforcement/{w['record']['id']}/penalties",
         {"kind": "warning", "decided_at": "2030-01-01T00:00:00+08:00"}),
        ("post", f"{API}/joint-punishments/{w['punishment']['id']}/revoke", {"reason": "x"}),
    ]
    for method, path, body in writes:
        assert getattr(client, method)(path, headers=qinhuai, json=body).status_code == 404, path
    # and nothing can be created over there
    refused = client.post(f"{API}/tickets", headers=qinhuai, json={
        "category": "other", "description": "x", "region_code": "320102002"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "region_code"
    assert client.post(f"{API}/tickets", headers=qinhuai, json={
        "category": "other", "description": "x", "organization_id": w["org"]["id"]}).status_code == 404


def test_an_enterprise_sees_only_its_own(client: TestClient, ctx: AppContext, make_user: UserFactory,
                                         make_org: Callable[..., dict[str, Any]], upload: Callable[..., int]) -> None:
    w = _xuanwu_world(client, ctx, make_user, make_org, upload)
    neighbour = make_org(name="隔壁公司")
    them = make_user("enterprise", "320102", organization_id=neighbour["id"])
    for path in (f"{API}/tickets/{w['ticket']['id']}", f"{API}/attachments/{w['photo']}",
                 f"{API}/permits/{w['permit']['id']}", f"{API}/enforcement/{w['record']['id']}",
                 f"{API}/places/{w['place']['id']}"):
        assert client.get(path, headers=them).status_code == 404, path
    for path in (f"{API}/tickets", f"{API}/permits", f"{API}/enforcement", f"{API}/joint-punishments"):
        assert client.get(path, headers=them).json()["total"] == 0, path
    # statistics of an enterprise count its own tickets, never the district's
    assert client.get(f"{API}/stats", headers=them).json()["total"] == 0
    own = make_user("enterprise", "320102", organization_id=w["org"]["id"])
    assert client.get(f"{API}/stats", headers=own).json()["total"] == 1
    assert client.get(f"{API}/tickets", headers=own).json()["total"] == 1


def test_city_sees_its_districts(client: TestClient, ctx: AppContext, make_user: UserFactory,
                                 make_org: Callable[..., dict[str, Any]], upload: Callable[..., int]) -> None:
    w = _xuanwu_world(client, ctx, make_user, make_org, upload)
    city = make_user("city_office", "320100")
    assert client.get(f"{API}/tickets/{w['ticket']['id']}", headers=city).status_code == 200
    assert client.get(f"{API}/tickets", headers=city).json()["total"] == 1
    wuxi = make_user("city_office", "320200")
    assert client.get(f"{API}/tickets", headers=wuxi).json()["total"] == 0
    assert client.get(f"{API}/stats", headers=wuxi).json()["total"] == 0
