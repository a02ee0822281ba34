"""Dangerous-work permits: validity by grade, the approval chain, gas tests, conflicts and expiry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from tests.conftest import UserFactory

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext

PERMITS = "/api/v1/hazards/permits"
T0 = datetime(2030, 6, 1, 0, 30, tzinfo=UTC)  # 08:30 in Nanjing


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _permit(work_type: str, grade: str, hours: float, **extra: Any) -> dict[str, Any]:
    return {"work_type": work_type, "grade": grade, "area": "1#储罐区", "content": "更换进料管线法兰",
            "guardian": "李监护", "work_leader": "张班长", "valid_from": _iso(T0),
            "valid_to": _iso(T0 + timedelta(hours=hours)), "location": {"lon": 118.80, "lat": 32.05}} | extra


def _approve_all(client: TestClient, permit: dict[str, Any], approvers: list[dict[str, str]]) -> dict[str, Any]:
    body = permit
    for headers in approvers[:len(permit["approval_chain"])]:
        response = client.post(f"{PERMITS}/{permit['id']}/transitions", headers=headers, json={"action": "approve"})
        assert response.status_code == 200, response.text
        body = response.json()
    return body


def test_hot_work_chain_gas_test_start_and_close(client: TestClient, ctx: AppContext, make_user: UserFactory,
                                                 make_org: Callable[..., dict[str, Any]]) -> None:
    ctx.clock = FixedClock(T0 - timedelta(hours=1))
    org = make_org(sector="危险化学品")
    applicant, leader, safety = (make_user("enterprise", "320102", organization_id=org["id"]) for _ in range(3))
    too_long = client.post(PERMITS, headers=applicant, json=_permit("hot_work", "level1", 9))
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "valid_to"
    assert "8 小时" in too_long.json()["detail_zh"]
    wrong_grade = client.post(PERMITS, headers=applicant, json=_permit("confined_space", "level1", 4))
    assert wrong_grade.status_code == 422 and wrong_grade.json()["errors"][0]["field"] == "grade"
    created = client.post(PERMITS, headers=applicant, json=_permit("hot_work", "level1", 8))
    assert created.status_code == 201, created.text
    permit = created.json()
    assert permit["state"] == "pending" and permit["approval_chain"] == ["作业单位负责人", "安全管理部门"]
    assert permit["next_approval"] == "作业单位负责人" and permit["gas_test_required"] is True
    assert permit["organization"]["id"] == org["id"] and permit["number"].startswith("ZY")
    pid = permit["id"]
    own = client.post(f"{PERMITS}/{pid}/transitions", headers=applicant, json={"action": "approve"})
    assert own.status_code == 403
    first = client.post(f"{PERMITS}/{pid}/transitions", headers=leader, json={"action": "approve"}).json()
    assert first["state"] == "pending" and first["next_approval"] == "安全管理部门"
    twice = client.post(f"{PERMITS}/{pid}/transitions", headers=leader, json={"action": "approve"})
    assert twice.status_code == 403 and "不同人员" in twice.json()["detail_zh"]
    approved = client.post(f"{PERMITS}/{pid}/transitions", headers=safety, json={"action": "approve"}).json()
    assert approved["state"] == "approved" and [a["title"] for a in approved["approvals"]] == [
        "作业单位负责人", "安全管理部门"]

    ctx.clock = FixedClock(T0 + timedelta(minutes=5))
    no_gas = client.post(f"{PERMITS}/{pid}/transitions", headers=leader, json={"action": "start"})
    assert no_gas.status_code == 409 and "气体分析" in no_gas.json()["detail_zh"]
    bad = client.post(f"{PERMITS}/{pid}/gas-tests", headers=leader, json={
        "oxygen_pct": 20.9, "combustible_pct_lel": 25, "tester_name": "检测员"}).json()
    assert bad["passed"] is False and "可燃气体" in bad["problems"][0]
    assert client.post(f"{PERMITS}/{pid}/transitions", headers=leader, json={"action": "start"}).status_code == 409
    good = client.post(f"{PERMITS}/{pid}/gas-tests", headers=leader, json={
        "oxygen_pct": 20.9, "combustible_pct_lel": 0, "h2s_mg_m3": 0, "tester_name": "检测员",
        "point": "法兰处"}).json()
    assert good["passed"] is True
    started = client.post(f"{PERMITS}/{pid}/transitions", headers=leader, json={"action": "start"})
    assert started.status_code == 200 and started.json()["state"] == "active"
    ctx.clock = FixedClock(T0 + timedelta(hours=3))
    assert client.get(f"{PERMITS}/{pid}", headers=leader).json()["gas_retest_due"] is True
    closed = client.post(f"{PERMITS}/{pid}/transitions", headers=leader, json={"action": "close", "note": "完工"})
    assert closed.json()["state"] == "closed" and closed.json()["closed_at"]
    assert client.post(f"{PERMITS}/{pid}/gas-tests", headers=leader, json={
        "oxygen_pct": 20.9, "combustible_pct_lel": 0, "tester_name": "x"}).status_code == 409


def test_conflict_and_expiry_flags(client: TestClient, ctx: AppContext, make_user: UserFactory,
                                   make_org: Callable[..., dict[str, Any]]) -> None:
    ctx.clock = FixedClock(T0 - timedelta(hours=1))
    org = make_org(sector="危险化学品")
    staff = [make_user("enterprise", "320102", organization_id=org["id"]) for _ in range(4)]
    confined = client.post(PERMITS, headers=staff[0], json=_permit(
        "confined_space", "single", 12, area="2#反应釜", location={"lon": 118.80, "lat": 32.05})).json()
    hot = client.post(PERMITS, headers=staff[0], json=_permit(
        "hot_work", "level2", 24, area="管廊", location={"lon": 118.80008, "lat": 32.05})).json()
    far = client.post(PERMITS, headers=staff[0], json=_permit(
        "hot_work", "level2", 24, area="仓库", location={"lon": 118.82, "lat": 32.05})).json()
    assert [c["other_id"] for c in hot["conflicts"]] == [confined["id"]]
    assert "受限空间" in hot["conflicts"][0]["reason_zh"] and far["conflicts"] == []
    flagged = client.get(PERMITS, headers=staff[1], params={"flag": "conflict"}).json()
    assert sorted(p["id"] for p in flagged["items"]) == sorted([confined["id"], hot["id"]])
    office = make_user("district_office", "320102")
    assert client.get(f"{PERMITS}/flags", headers=office).json() == {
        "open": 3, "expired": 0, "conflict": 2, "gas_retest": 0}

    # the confined-space work starts; the hot work beside it may then not start
    confined = _approve_all(client, confined, staff[1:])
    ctx.clock = FixedClock(T0 + timedelta(minutes=10))
    client.post(f"{PERMITS}/{confined['id']}/gas-tests", headers=staff[1], json={
        "oxygen_pct": 20.5, "combustible_pct_lel": 1, "tester_name": "检测员"})
    assert client.post(f"{PERMITS}/{confined['id']}/transitions", headers=staff[1],
                       json={"action": "start"}).status_code == 200
    _approve_all(client, hot, staff[1:])
    client.post(f"{PERMITS}/{hot['id']}/gas-tests", headers=staff[1], json={
        "oxygen_pct": 20.9, "combustible_pct_lel": 0, "tester_name": "检测员"})
    blocked = client.post(f"{PERMITS}/{hot['id']}/transitions", headers=staff[1], json={"action": "start"})
    assert blocked.status_code == 409 and "受限空间" in blocked.json()["detail_zh"]

    ctx.clock = FixedClock(T0 + timedelta(hours=13))  # the confined-space permit ran out without being closed
    expired = client.get(PERMITS, headers=office, params={"flag": "expired"}).json()
    assert [p["id"] for p in expired["items"]] == [confined["id"]] and expired["items"][0]["expired"] is True


def test_permit_roles_and_scope(client: TestClient, make_user: UserFactory,
                                make_org: Callable[..., dict[str, Any]]) -> None:
    org = make_org()
    other = make_org(name="另一家化工公司", region="320102003")
    mine = make_user("enterprise", "320102", organization_id=org["id"])
    theirs = make_user("enterprise", "320102", organization_id=other["id"])
    grid = make_user("grid_officer", "320102")
    lifting = _permit("lifting", "level3", 4, lifted_mass_t=8)
    assert client.post(PERMITS, headers=grid, json=lifting).status_code == 403
    spoof = client.post(PERMITS, headers=mine, json=lifting | {"organization_id": other["id"]})
    assert spoof.status_code == 422
    permit = client.post(PERMITS, headers=mine, json=_permit("lifting", "level3", 4, lifted_mass_t=8)).json()
    assert client.get(f"{PERMITS}/{permit['id']}", headers=theirs).status_code == 404
    assert client.get(PERMITS, headers=theirs).json()["total"] == 0
    assert client.post(f"{PERMITS}/{permit['id']}/transitions", headers=theirs,
                       json={"action": "approve"}).status_code == 404
    qinhuai = make_user("district_office", "320104")
    assert client.get(f"{PERMITS}/{permit['id']}", headers=qinhuai).status_code == 404
    rules = client.get(f"{PERMITS}/rules", headers=grid).json()
    assert rules["types"]["hot_work"]["grades"]["special"]["max_hours"] == 8


def test_grade_derived_from_measured_height_and_mass(client: TestClient, ctx: AppContext, make_user: UserFactory,
                                                     make_org: Callable[..., dict[str, Any]]) -> None:
    ctx.clock = FixedClock(T0 - timedelta(hours=1))
    org = make_org(sector="危险化学品")
    applicant = make_user("enterprise", "320102", organization_id=org["id"])
    body = _permit("work_at_height", "", 8) | {"height_m": 5}
    del body["grade"]
    at_five = client.post(PERMITS, headers=applicant, json=body)
    assert at_five.status_code == 201, at_five.text
    assert at_five.json()["grade"] == "level1" and at_five.json()["height_m"] == 5
    assert at_five.json()["approval_chain"] == ["作业单位负责人"]
    disagree = client.post(PERMITS, headers=applicant, json=_permit("work_at_height", "level2", 8, height_m=5))
    assert disagree.status_code == 422 and disagree.json()["errors"][0]["field"] == "grade"
    assert "一级" in disagree.json()["detail_zh"]
    unmeasured = client.post(PERMITS, headers=applicant, json=_permit("work_at_height", "level2", 8))
    assert unmeasured.status_code == 422 and unmeasured.json()["errors"][0]["field"] == "height_m"
    heavy = client.post(PERMITS, headers=applicant, json=_permit("lifting", "level2", 8, lifted_mass_t=100))
    assert heavy.status_code == 201 and heavy.json()["grade"] == "level2" and heavy.json()["lifted_mass_t"] == 100


def test_conflicts_across_contractors_by_place_not_by_words(
        client: TestClient, ctx: AppContext, make_user: UserFactory,
        make_org: Callable[..., dict[str, Any]]) -> None:
    ctx.clock = FixedClock(T0 - timedelta(hours=1))
    host, contractor, elsewhere = (make_org(name=name, sector="危险化学品")
                                   for name in ("主装置化工", "安装公司", "远处化工"))
    host_user, contractor_user, elsewhere_user = (
        make_user("enterprise", "320102", organization_id=o["id"]) for o in (host, contractor, elsewhere))
    confined = client.post(PERMITS, headers=host_user, json=_permit(
        "confined_space", "single", 12, area="2#反应釜", location={"lon": 118.80, "lat": 32.05})).json()
    hot = client.post(PERMITS, headers=contractor_user, json=_permit(
        "hot_work", "level2", 24, area="管廊", location={"lon": 118.80008, "lat": 32.05})).json()
    assert [c["other_id"] for c in hot["conflicts"]] == [confined["id"]]
    assert hot["conflicts"][0]["other_organization_name"] == host["name"]
    same_words = client.post(PERMITS, headers=elsewhere_user, json=_permit(
        "hot_work", "level2", 24, area="2#反应釜", location={"lon": 118.90, "lat": 32.10})).json()
    assert same_words["conflicts"] == []
