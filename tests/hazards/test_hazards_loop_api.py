"""The closed loop through the API: report → assign → rectify → submit → re-inspect → close, with evidence."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from tests.conftest import UserFactory

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.events import OutboxEvent

TICKETS = "/api/v1/hazards/tickets"


def act(client: TestClient, ticket_id: int, headers: dict[str, str], action: str, **body: Any) -> Any:
    return client.post(f"{TICKETS}/{ticket_id}/transitions", json={"action": action, **body}, headers=headers)


def test_full_loop_with_evidence(client: TestClient, ctx: AppContext, make_user: UserFactory,
                                 make_org: Callable[..., dict[str, Any]], upload: Callable[..., int]) -> None:
    org = make_org()
    grid = make_user("grid_officer", "320102002", display_name="网格员小王")
    office = make_user("district_office", "320102", display_name="玄武区安委办")
    inspector = make_user("department", "320102", display_name="区应急局检查员")
    enterprise = make_user("enterprise", "320102", organization_id=org["id"], display_name="企业安全员")

    photo = upload(grid)
    reported = client.post(TICKETS, headers=grid, json={
        "category": "nine_small", "description": "楼道内电动自行车充电，疏散通道堵塞",
        "location": {"lon": 118.7901, "lat": 32.0502}, "region_code": "320102002001",
        "organization_id": org["id"], "attachment_ids": [photo]})
    assert reported.status_code == 201, reported.text
    ticket = reported.json()
    assert ticket["state"] == "reported" and ticket["source"] == "grid_officer" and ticket["level"] == "general"
    assert ticket["region_code"] == "320102002001" and ticket["organization"]["id"] == org["id"]
    assert ticket["steps"][0]["action"] == "report" and ticket["steps"][0]["attachments"][0]["id"] == photo
    assert ticket["allowed_actions"] == []  # a grid officer only reports
    tid = ticket["id"]

    assert act(client, tid, grid, "assign", organization_id=org["id"]).status_code == 403
    assigned = act(client, tid, office, "assign", organization_id=org["id"], note="请企业限期整改")
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["state"] == "assigned"

    assert act(client, tid, enterprise, "start").json()["state"] == "rectifying"
    no_evidence = act(client, tid, enterprise, "submit", note="已清理")
    assert no_evidence.status_code == 422
    assert no_evidence.json()["errors"][0]["field"] == "attachment_ids"
    after = upload(enterprise)
    submitted = act(client, tid, enterprise, "submit", note="已清理楼道，设集中充电点", attachment_ids=[after])
    assert submitted.json()["state"] == "submitted", submitted.text

    assert act(client, tid, enterprise, "pass", note="x", attachment_ids=[upload(enterprise)]).status_code == 403
    check = upload(inspector)
    passed = act(client, tid, inspector, "pass", note="现场复查，通道畅通", attachment_ids=[check])
    assert passed.json()["state"] == "reinspected", passed.text
    closed = act(client, tid, inspector, "close", note="同意销号")
    assert closed.status_code == 200, closed.text
    body = closed.json()
    assert body["state"] == "closed" and body["closed_at"] is not None
    assert [s["action"] for s in body["steps"]] == ["report", "assign", "start", "submit", "pass", "close"]
    assert [a["id"] for a in body["attachments"]] == [photo, after, check]
    assert act(client, tid, office, "assign", organization_id=org["id"]).status_code == 409

    # the evidence is served back to those who see the ticket
    image = client.get(f"/api/v1/hazards/attachments/{after}", headers=office)
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")

    with unit_of_work(ctx.session_factory) as session:
        names = [e.name for e in session.query(OutboxEvent).order_by(OutboxEvent.id)]
        payloads = {e.name: e.payload for e in session.query(OutboxEvent)}
    assert names.count("HazardReported") == 1 and names.count("HazardClosed") == 1
    assert {"ticket_id", "region_code", "organization_id", "level", "category", "source", "lon", "lat"} <= set(
        payloads["HazardReported"])
    assert payloads["HazardClosed"]["outcome"] == "closed" and payloads["HazardClosed"]["ticket_id"] == tid


def test_failed_reinspection_returns_and_resumes(client: TestClient, make_user: UserFactory,
                                                  make_org: Callable[..., dict[str, Any]],
                                                  upload: Callable[..., int]) -> None:
    org = make_org()
    office = make_user("district_office", "320102")
    inspector = make_user("fire_rescue", "320102")
    enterprise = make_user("enterprise", "320102", organization_id=org["id"])
    tid = client.post(TICKETS, headers=office, json={
        "category": "fire_safety", "description": "消火栓无水", "organization_id": org["id"]}).json()["id"]
    act(client, tid, office, "assign", organization_id=org["id"])
    act(client, tid, enterprise, "start")
    act(client, tid, enterprise, "submit", note="已维修", attachment_ids=[upload(enterprise)])
    assert act(client, tid, inspector, "fail").status_code == 422  # a failed re-inspection says why
    returned = act(client, tid, inspector, "fail", note="水压仍不足")
    assert returned.json()["state"] == "returned"
    assert act(client, tid, enterprise, "resume").json()["state"] == "rectifying"


def test_major_hazard_needs_plan_and_office_signoff(client: TestClient, make_user: UserFactory,
                                                    make_org: Callable[..., dict[str, Any]],
                                                    upload: Callable[..., int]) -> None:
    org = make_org(sector="危险化学品")
    office = make_user("district_office", "320102")
    fire = make_user("fire_rescue", "320102")
    enterprise = make_user("enterprise", "320102", organization_id=org["id"])
    created = client.post(TICKETS, headers=enterprise, json={
        "category": "hazardous_chemicals", "description": "液氯充装未使用万向管道充装系统", "criteria": ["HC-07"]})
    assert created.status_code == 201, created.text
    ticket = created.json()
    # a self-check is the unit's own: assigned to it at once; meeting a criterion makes it major
    assert ticket["level"] == "major" and ticket["state"] == "assigned" and ticket["source"] == "self_check"
    assert ticket["criteria"][0]["code"] == "HC-07" and "万向" in ticket["criteria"][0]["text"]
    tid = ticket["id"]
    refused = act(client, tid, enterprise, "start")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "plan"
    plan = {"measures": "改造充装设施为万向管道充装系统", "funds": "350000.00", "responsible": "张伟",
            "deadline": "2030-06-30T23:59:59+08:00", "safeguards": "停止液氯充装作业，设警戒区"}
    started = act(client, tid, enterprise, "start", plan=plan)
    assert started.status_code == 200, started.text
    assert started.json()["plan"]["responsible"] == "张伟"
    act(client, tid, enterprise, "submit", note="改造完成", attachment_ids=[upload(enterprise)])
    act(client, tid, fire, "pass", note="复查合格", attachment_ids=[upload(fire)])
    # fire rescue may verify but a major hazard is signed off by the supervising office
    assert act(client, tid, fire, "close", note="销号").status_code == 403
    assert act(client, tid, office, "close", note="同意销号").json()["state"] == "closed"


def test_submitter_cannot_pass_own_rectification(client: TestClient, make_user: UserFactory,
                                                  upload: Callable[..., int]) -> None:
    office = make_user("district_office", "320102")
    tid = client.post(TICKETS, headers=office, json={
        "category": "high_rise", "description": "防火门损坏", "region_code": "320102002"}).json()["id"]
    act(client, tid, office, "assign", responsible_name="某小区物业")
    act(client, tid, office, "start")
    act(client, tid, office, "submit", note="已更换", attachment_ids=[upload(office)])
    refused = act(client, tid, office, "pass", note="合格", attachment_ids=[upload(office)])
    assert refused.status_code == 403 and "整改提交人" in refused.json()["detail_zh"]


def test_dismiss_regrade_extend(client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    office = make_user("district_office", "320102")
    grid = make_user("grid_officer", "320102")
    first = client.post(TICKETS, headers=grid, json={"category": "other", "description": "误报"}).json()
    dismissed = act(client, first["id"], office, "dismiss", note="经核查不属于安全隐患")
    assert dismissed.json()["state"] == "dismissed"

    second = client.post(TICKETS, headers=grid, json={"category": "group_rental",
                                                      "description": "彩钢板隔断住人"}).json()
    assert second["level"] == "general"
    regraded = act(client, second["id"], office, "regrade", criteria=["FIRE-10"], note="符合重大火灾隐患直接判定要素")
    assert regraded.status_code == 200, regraded.text
    assert regraded.json()["level"] == "major" and regraded.json()["deadline"] > second["deadline"]
    extended = act(client, second["id"], office, "extend", note="需协调房东", deadline="2031-01-31T23:59:59+08:00")
    assert extended.status_code == 409  # extend is for assigned or later tickets
    act(client, second["id"], office, "assign", responsible_name="房东李某")
    extended = act(client, second["id"], office, "extend", note="需协调房东", deadline="2031-01-31T23:59:59+08:00")
    assert extended.status_code == 200 and extended.json()["deadline"].startswith("2031-01-31T15:59:59")
    with unit_of_work(ctx.session_factory) as session:
        names = [e.name for e in session.query(OutboxEvent)]
    assert "HazardLevelChanged" in names and names.count("HazardClosed") == 1
