"""Evidence from the platform itself: a few real records made through the domains' APIs (a plan, its filing, a
drill held with a finding that becomes a hazard ticket, a shelter) and an imported resident population give
the facts of the district and year, each with the records behind it; a score sheet's mapped items are filled,
and filling again changes nothing but the time; a sheet outside the caller's region is not found."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.conftest import UserFactory
from tests.emergency.plan_samples import fire_plan, ok

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.evaluation.facts.compute import FACTS, fact_items
from citysafe.evaluation.indicators import importer, service
from citysafe.evaluation.models import CriteriaVersion, Sheet, SheetItem

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
FACT_KEYS = {"key", "label", "value", "unit", "as_of", "records", "note"}


@pytest.fixture
def records(client: TestClient, ctx: AppContext, make_user: UserFactory) -> dict[str, Any]:
    ctx.clock = FixedClock(NOW)
    office = make_user("district_office", "320102", username="xuanwu")
    plan = ok(client.post("/api/v1/emergency/plans", headers=office, json=fire_plan()))
    ok(client.post(f"/api/v1/emergency/plans/{plan['id']}/records", headers=office,
                   json={"kind": "filing", "on": "2026-05-10", "authority": "玄武区应急管理局",
                         "reference": "备2026-01"}))
    drill = ok(client.post("/api/v1/emergency/drills", headers=office, json={
        "plan_id": plan["id"], "title": "玄武区商场火灾综合应急演练", "content_kind": "comprehensive",
        "form_kind": "live", "scheduled_on": "2026-05-20", "place": "新街口某商场", "organizer": "玄武区应急管理局"}))
    ok(client.post(f"/api/v1/emergency/drills/{drill['id']}/record", headers=office,
                   json={"held_on": "2026-05-20", "participants": 120, "summary": "按四级响应演练"}), 200)
    finding = ok(client.post(f"/api/v1/emergency/drills/{drill['id']}/findings", headers=office, json={
        "description": "三楼东侧安全出口被货物堵塞", "follow_up": "hazard", "hazard_category": "fire_safety"}))
    shelter = ok(client.post("/api/v1/emergency/shelters", headers=office, json={
        "name": "玄武湖公园", "grade": "city", "space": "outdoor", "function": "comprehensive",
        "duration": "emergency", "kind": "park", "region_code": "320102", "location": {"lon": 118.79, "lat": 32.07},
        "effective_area_m2": 3000, "facilities": ["tents", "water"]}))
    with unit_of_work(ctx.session_factory) as session:
        rows, _ = importer.check([["年份", "常住人口（人）"], [2025, 500_000]], default_region="320102")
        service.save_bases(session, rows=rows, file_name="pop.csv", actor="xuanwu", now=NOW)
    return {"office": office, "plan": plan, "drill": drill, "ticket_id": finding["hazard_ticket_id"],
            "shelter": shelter}


def _facts(client: TestClient, headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    response = client.get("/api/v1/evaluation/facts?region=320102&year=2026", headers=headers)
    assert response.status_code == 200, response.text
    return {f["key"]: f for f in response.json()["facts"]}


def test_facts_are_computed_from_the_records_with_links(client: TestClient, records: dict[str, Any]) -> None:
    facts = _facts(client, records["office"])
    assert set(facts) == set(FACTS) and all(set(f) == FACT_KEYS for f in facts.values())
    assert facts["plans_filed_rate"]["value"] == 100.0
    assert {"type": "emergency_plan", "id": records["plan"]["id"], "label": records["plan"]["title"],
            "url": f"/emergency/plans/{records['plan']['id']}"} in facts["plans_filed_rate"]["records"]
    assert facts["drills_held"]["value"] == 1
    assert facts["drills_held"]["records"][0]["url"] == f"/emergency/drills/{records['drill']['id']}"
    assert facts["hazards_found"]["value"] == 1 and facts["hazard_closure_rate"]["value"] == 0.0
    assert facts["hazards_found"]["records"][0]["url"] == f"/hazards/tickets/{records['ticket_id']}"
    capacity = records["shelter"]["capacity"]
    assert facts["shelter_capacity_per_resident"]["value"] == round(capacity * 100 / 500_000, 2)
    assert any(r["type"] == "indicator_base" for r in facts["shelter_capacity_per_resident"]["records"])
    assert facts["fire_units_online_rate"]["value"] is None
    assert "尚无联网单位" in facts["fire_units_online_rate"]["note"]
    assert facts["white_paper"]["value"] == "未编制"
    assert facts["late_reports"]["value"] == 0
    assert facts["risk_sources"]["value"] == 0 and facts["risk_assessed_share"]["value"] is None
    assert facts["plans_filed_rate"]["as_of"] == NOW.isoformat()
    fire = facts["rate_fire_death_rate"]  # no denominators for 2026: the rate is not computed, and says so
    assert fire["value"] is None and "数据不足" in fire["note"]
    assert fire["records"][-1]["url"] == "/evaluation/indicators?region=320102#year-2026"


def _sheet(ctx: AppContext, region: str = "320102") -> int:
    with unit_of_work(ctx.session_factory) as session:
        criteria = CriteriaVersion(set_id="national-2019", version="test", kind="demonstration", title="测试",
                                   digest="0" * 64, document={}, origin="shipped", created_by="tests")
        session.add(criteria)
        session.flush()
        sheet = Sheet(purpose="self", year=2026, subject_name="玄武区", criteria_id=criteria.id,
                      region_code=region, created_by="tests")
        session.add(sheet)
        session.flush()
        session.add(SheetItem(sheet_id=sheet.id, item_id="5.14.u1", progress="已有进度", updated_by="tests"))
        return sheet.id


def _items(ctx: AppContext, sheet_id: int) -> dict[str, SheetItem]:
    with unit_of_work(ctx.session_factory) as session:
        return {i.item_id: i for i in session.scalars(select(SheetItem).where(SheetItem.sheet_id == sheet_id))}


def test_a_sheet_is_filled_idempotently_and_in_scope_only(client: TestClient, ctx: AppContext,
                                                            records: dict[str, Any], make_user: UserFactory) -> None:
    sheet_id = _sheet(ctx)
    url = f"/api/v1/evaluation/sheets/{sheet_id}/facts"
    first = client.post(url, headers=records["office"])
    assert first.status_code == 200 and first.json()["items"] == len(fact_items())
    items = _items(ctx, sheet_id)
    assert set(items) == set(fact_items())
    emergency = items["5.14.u1"]
    assert emergency.progress == "已有进度"  # the office's own entries are kept
    assert [f["key"] for f in emergency.facts] == fact_items()["5.14.u1"]
    assert emergency.facts_at == NOW
    again = client.post(url, headers=records["office"])
    assert again.status_code == 200
    after = _items(ctx, sheet_id)
    assert {k: v.facts for k, v in after.items()} == {k: v.facts for k, v in items.items()}
    with unit_of_work(ctx.session_factory) as session:
        total = session.scalar(select(func.count()).select_from(SheetItem).where(SheetItem.sheet_id == sheet_id))
    assert total == len(fact_items())
    other = make_user("district_office", "320104")
    assert client.post(url, headers=other).status_code == 404


def test_console_pages(client: TestClient, ctx: AppContext, records: dict[str, Any]) -> None:
    sheet_id = _sheet(ctx)
    assert client.post("/login", data={"username": "xuanwu", "password": "correct-horse"}).status_code in (200, 303)
    page = client.get("/evaluation/facts?region=320102&year=2026")
    assert page.status_code == 200 and "应急预案备案率" in page.text
    assert f"/emergency/drills/{records['drill']['id']}" in page.text
    moved = client.post(f"/evaluation/sheets/{sheet_id}/facts", follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"].startswith(f"/evaluation/sheets/{sheet_id}?ok=")
    assert _items(ctx, sheet_id)["3.9.u1"].facts
