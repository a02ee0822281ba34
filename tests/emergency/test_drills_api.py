"""Drills through the API: scheduled and recorded, evaluated with scores, findings that become tasks, hazard
tickets (through the hazards domain) or plan-revision notes; the duty rules and who is overdue."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from tests.conftest import UserFactory
from tests.emergency.api_support import count_rows as _count
from tests.emergency.plan_samples import fire_plan, new_enterprise, ok, onsite_plan

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.emergency.drills.models import Drill, DrillFinding

PLANS, DRILLS = "/api/v1/emergency/plans", "/api/v1/emergency/drills"
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)  # 10:00 in Nanjing




def _drill(plan_id: int, **extra: object) -> dict[str, object]:
    return {"plan_id": plan_id, "title": "玄武区商场火灾综合应急演练", "content_kind": "comprehensive",
            "form_kind": "live",
            "scheduled_on": "2026-05-20", "place": "新街口某商场", "organizer": "玄武区应急管理局"} | extra


def test_a_drill_is_scheduled_held_evaluated_and_its_findings_followed_up(
        client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    ctx.clock = FixedClock(NOW)
    office = make_user("district_office", "320102")
    plan = ok(client.post(PLANS, headers=office, json=fire_plan()))
    drill = ok(client.post(DRILLS, headers=office, json=_drill(plan["id"])))
    assert (drill["state"], drill["content_kind_name"], drill["form_kind_name"]) == (
        "scheduled", "综合演练", "实战演练")
    assert drill["plan_title"] == plan["title"] and drill["region_code"] == "320102"
    early = client.post(f"{DRILLS}/{drill['id']}/findings", headers=office, json={"description": "疏散慢"})
    assert early.status_code == 409

    held = ok(client.post(f"{DRILLS}/{drill['id']}/record", headers=office, json={
        "held_on": "2026-05-20", "participants": 120, "summary": "按四级响应演练，首报 25 分钟完成",
        "evaluation": [
            {"item": "预警与信息报告", "content": "首报是否在30分钟内", "score": 9, "max_score": 10},
            {"item": "指挥与协调", "score": 6, "max_score": 10, "note": "各组到位不齐"},
            {"item": "应急疏散", "score": 15, "max_score": 20}]}), 200)
    assert held["state_name"] == "已实施" and held["score_pct"] == 75.0 and len(held["evaluation"]) == 3

    task = ok(client.post(f"{DRILLS}/{drill['id']}/findings", headers=office, json={
        "description": "广播系统覆盖不到地下二层", "follow_up": "task", "task_owner": "商场物业",
        "task_due_on": "2026-06-30"}))
    hazard = ok(client.post(f"{DRILLS}/{drill['id']}/findings", headers=office, json={
        "description": "三楼东侧安全出口被货物堵塞", "follow_up": "hazard", "hazard_category": "fire_safety"}))
    revision = ok(client.post(f"{DRILLS}/{drill['id']}/findings", headers=office, json={
        "description": "医疗救护组无牵头单位联系方式", "follow_up": "plan_revision",
        "revision_note": "在医疗救护组中补充区卫健委值班电话"}))
    assert hazard["hazard_ticket_id"] and hazard["hazard_ticket_number"]
    ticket = ok(client.get(f"/api/v1/hazards/tickets/{hazard['hazard_ticket_id']}", headers=office), 200)
    assert ticket["description"] == "三楼东侧安全出口被货物堵塞" and ticket["category"] == "fire_safety"
    assert ticket["region_code"] == "320102"
    done = ok(client.post(f"{DRILLS}/{drill['id']}/findings/{task['id']}/done", headers=office,
                          json={"done_on": "2026-05-30"}), 200)
    assert done["task_done_on"] == "2026-05-30"
    assert client.post(f"{DRILLS}/{drill['id']}/findings/{revision['id']}/done", headers=office,
                       json={"done_on": "2026-05-30"}).status_code == 409
    detail = ok(client.get(f"{DRILLS}/{drill['id']}", headers=office), 200)
    assert [f["follow_up"] for f in detail["findings"]] == ["task", "hazard", "plan_revision"]

    calendar = ok(client.get(DRILLS, headers=office, params={"since": "2026-05-01", "until": "2026-05-31"}), 200)
    assert [d["id"] for d in calendar["items"]] == [drill["id"]]
    assert ok(client.get(DRILLS, headers=office, params={"state": "scheduled"}), 200)["items"] == []


def test_bad_drills_answer_422_naming_the_field_and_write_nothing(
        client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    ctx.clock = FixedClock(NOW)
    office = make_user("district_office", "320102")
    qinhuai = make_user("district_office", "320104")
    plan = ok(client.post(PLANS, headers=office, json=fire_plan()))
    cases = [
        (office, _drill(plan["id"], scheduled_on="2026/05/20"), "scheduled_on"),
        (office, _drill(plan["id"], scheduled_on="20-05-2026"), "scheduled_on"),
        (office, _drill(plan["id"], held_on="2026-07-01"), "held_on"),  # a future day held
        (office, _drill(plan["id"], form_kind="drill"), "form_kind"),
        (office, _drill(plan["id"], evaluation=[{"item": "x", "score": 1, "max_score": 1}]), "evaluation"),
        (office, _drill(plan["id"], held_on="2026-05-20", evaluation=[{"item": "x", "score": 11, "max_score": 10}]),
         "evaluation.0"),
        (qinhuai, _drill(plan["id"]), "plan_id"),  # the plan lies in another district
        (office, _drill(987654), "plan_id"),
    ]
    for headers, body, field in cases:
        response = client.post(DRILLS, headers=headers, json=body)
        assert response.status_code == 422, (body, response.text[:300])
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["errors"][0]["field"] == field, (body, response.text[:300])
        assert response.json()["errors"][0]["message_zh"]
    drill = ok(client.post(DRILLS, headers=office, json=_drill(plan["id"], held_on="2026-05-20")))
    no_owner = client.post(f"{DRILLS}/{drill['id']}/findings", headers=office, json={
        "description": "x", "follow_up": "task", "task_due_on": "2026-06-30"})
    assert no_owner.status_code == 422 and no_owner.json()["errors"][0]["field"] == "task_owner"
    bad_category = client.post(f"{DRILLS}/{drill['id']}/findings", headers=office, json={
        "description": "x", "follow_up": "hazard", "hazard_category": "meteor"})
    assert bad_category.status_code == 422 and bad_category.json()["errors"][0]["field"] == "hazard_category"
    assert _count(ctx, Drill) == 1 and _count(ctx, DrillFinding) == 0
    assert client.get(f"{DRILLS}/{drill['id']}", headers=qinhuai).status_code == 404


def test_who_is_overdue_under_the_rules_and_an_administrator_edits_them(
        client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    ctx.clock = FixedClock(datetime(2024, 1, 5, 2, 0, tzinfo=UTC))
    admin = make_user("admin", "320000")
    office = make_user("district_office", "320102")
    chem = new_enterprise(client, admin, "丙化工有限公司")
    shop = new_enterprise(client, admin, "丁商贸有限公司", sector="商贸")
    gov = ok(client.post(PLANS, headers=office, json=fire_plan()))
    chem_onsite = ok(client.post(PLANS, headers=office, json=onsite_plan() | {"organization_id": chem["id"]}))
    shop_plan = ok(client.post(PLANS, headers=office, json=onsite_plan("丁公司综合应急预案") | {
        "kind": "ent_comprehensive", "organization_id": shop["id"]}))
    ctx.clock = FixedClock(datetime(2024, 9, 1, 2, 0, tzinfo=UTC))
    ok(client.post(DRILLS, headers=office, json=_drill(shop_plan["id"], held_on="2024-08-20")))
    ctx.clock = FixedClock(datetime(2025, 1, 20, 2, 0, tzinfo=UTC))

    late = ok(client.get(f"{DRILLS}/overdue", headers=office), 200)
    assert {(d["rule_code"], tuple(d["plan_ids"])) for d in late} == {
        ("high_risk_or_crowded", (chem_onsite["id"],)),  # 708号令 第八条: every 6 months, none held
        ("enterprise_onsite", (chem_onsite["id"],)),  # 2号令 第三十三条: 现场处置方案 every 6 months
    }
    first = next(d for d in late if d["rule_code"] == "enterprise_onsite")
    assert first["due_on"] == "2024-07-05" and first["unit_name"] == "丙化工有限公司"
    assert "第三十三条" in first["article"]
    assert first["last_held"] is None and first["overdue_days"] == 199

    rules = ok(client.get(f"{DRILLS}/duties", headers=office), 200)
    assert rules["source"] == "packaged" and len(rules["rules"]) == 4
    stricter = [r | {"every_months": 3} if r["code"] == "enterprise_comprehensive_or_special" else r
                for r in rules["rules"]]
    assert client.put(f"{DRILLS}/duties", headers=office, json={"rules": stricter}).status_code == 403
    no_article = [r | {"article": " "} for r in stricter]
    refused = client.put(f"{DRILLS}/duties", headers=admin, json={"rules": no_article})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "rules.0.article"
    edited = ok(client.put(f"{DRILLS}/duties", headers=admin, json={"rules": stricter}), 200)
    assert edited["source"] == "edited"
    late = ok(client.get(f"{DRILLS}/overdue", headers=office), 200)
    shop_duty = [d for d in late if d["rule_code"] == "enterprise_comprehensive_or_special"]
    assert [(d["plan_ids"], d["due_on"], d["last_held"]) for d in shop_duty] == [
        ([shop_plan["id"]], "2024-11-20", "2024-08-20")]  # every 3 months now, from the drill held
    assert gov["id"] not in {i for d in late for i in d["plan_ids"]}  # 2 years not yet past
