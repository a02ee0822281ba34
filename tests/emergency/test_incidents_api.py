"""Incidents through the API: 接报 opens one, graded; casualty reports re-grade it within the 补报 window; the
lifecycle runs 接报 → 归档 with each step on the timeline and in the audit log; bad input answers 4xx naming
the field and writes nothing; the list shows only the caller's region."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.conftest import UserFactory
from tests.emergency.api_support import count_rows as _count
from tests.emergency.api_support import error_fields as _fields

from citysafe.core.audit import AuditEntry
from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.emergency.models import Incident, TimelineEntry

T0 = datetime(2026, 5, 12, 6, 30, tzinfo=UTC)  # 14:30 in Nanjing
CALL = {
    "category": "accident", "subtype": "collapse", "description": "工地基坑边坡坍塌，有工人被埋",
    "place": "玄武区中山东路某工地", "location": {"lon": 118.80, "lat": 32.048}, "caller_name": "王师傅",
    "caller_phone": "13800000000", "reported_at": "2026-05-12T14:20:00+08:00",
    "occurred_at": "2026-05-12T14:05:00+08:00", "deaths": 1, "missing": 2, "serious_injuries": 3,
}


def _open(client: TestClient, headers: dict[str, str], **extra: Any) -> dict[str, Any]:
    response = client.post("/api/v1/emergency/incidents", headers=headers, json=CALL | extra)
    assert response.status_code == 201, response.text
    return dict(response.json())






@pytest.fixture
def duty(ctx: AppContext, make_user: UserFactory) -> dict[str, str]:
    ctx.clock = FixedClock(T0)
    return make_user("department", "320102", display_name="应急局值班员张")


def test_a_call_opens_a_graded_incident_where_it_happened(client: TestClient, duty: dict[str, str]) -> None:
    incident = _open(client, duty)
    assert incident["state"] == "received" and incident["state_name"] == "接报"
    assert incident["grade"] == "general" and incident["grade_name"] == "一般"
    assert incident["missing"] == 2 and incident["deaths"] == 1  # missing kept beside deaths, not added
    assert incident["region_code"] == "320102"  # the district whose boundary holds the point (streets have none)
    assert incident["category_name"] == "事故灾难" and incident["subtype_name"] == "坍塌"
    assert incident["response_level"] is None
    assert [e["kind"] for e in incident["timeline"]] == ["opened", "graded"]
    assert "王师傅" in incident["timeline"][0]["text"] and "14:20" in incident["timeline"][0]["text"]
    listed = client.get("/api/v1/emergency/incidents", headers=duty).json()
    assert listed["total"] == 1
    row = listed["items"][0]
    assert {"id", "category", "grade", "state", "region_code", "opened_at", "alarm_id"} <= set(row)
    assert row["alarm_id"] is None and row["opened_at"].startswith("2026-05-12T06:30")


def test_gcj02_location_is_stored_as_wgs84(client: TestClient, duty: dict[str, str]) -> None:
    incident = _open(client, duty, location={"lon": 118.8055, "lat": 32.046, "crs": "gcj02"})
    assert incident["lon"] == pytest.approx(118.8055 - 0.0052, abs=0.002)  # GCJ-02 lies ~500 m east in Nanjing
    assert incident["lat"] != 32.046


def test_casualty_reports_regrade_with_history_within_the_window(client: TestClient, ctx: AppContext,
                                                                 duty: dict[str, str]) -> None:
    incident = _open(client, duty)
    url = f"/api/v1/emergency/incidents/{incident['id']}"
    ctx.clock.advance(days=2)  # type: ignore[attr-defined]
    up = client.patch(url, headers=duty, json={"deaths": 3, "missing": 0, "note": "两名失联人员遗体找到"})
    assert up.status_code == 200, up.text
    body = up.json()
    assert body["grade_name"] == "较大" and body["grade_decided_by"] == "deaths"
    assert [g["grade_name"] for g in body["gradings"]] == ["一般", "较大"]
    assert [e["kind"] for e in body["timeline"]][-2:] == ["casualties", "regraded"]
    assert "一般" in body["timeline"][-1]["text"] and "较大" in body["timeline"][-1]["text"]
    loss = client.patch(url, headers=duty, json={"loss_yuan": 52_000_000})
    assert loss.json()["grade_name"] == "重大" and loss.json()["grade_decided_by"] == "loss_yuan"
    ctx.clock.advance(days=29)  # type: ignore[attr-defined]  # 31 days after it happened: outside 补报
    late = client.patch(url, headers=duty, json={"deaths": 12})
    assert late.status_code == 200
    assert late.json()["deaths"] == 12 and late.json()["grade_name"] == "重大"  # recorded, grade unchanged
    assert late.json()["gradings"][-1]["counted"] is False
    assert "补报期" in late.json()["timeline"][-1]["text"]


def test_fire_and_road_traffic_have_a_seven_day_window(client: TestClient, ctx: AppContext,
                                                        duty: dict[str, str]) -> None:
    fire = _open(client, duty, subtype="fire", deaths=0, missing=0, serious_injuries=0)
    ctx.clock.advance(days=8)  # type: ignore[attr-defined]
    late = client.patch(f"/api/v1/emergency/incidents/{fire['id']}", headers=duty, json={"deaths": 4})
    assert late.json()["grade_name"] == "一般" and late.json()["gradings"][-1]["counted"] is False


def test_the_lifecycle_to_the_archive_each_step_on_the_timeline_and_audited(
        client: TestClient, ctx: AppContext, duty: dict[str, str]) -> None:
    incident = _open(client, duty)
    url = f"/api/v1/emergency/incidents/{incident['id']}/transitions"
    no_level = client.post(url, headers=duty, json={"action": "verify"})
    assert no_level.status_code == 200 and no_level.json()["state_name"] == "核实"
    missing_level = client.post(url, headers=duty, json={"action": "respond"})
    assert missing_level.status_code == 422 and _fields(missing_level) == ["response_level"]
    responding = client.post(url, headers=duty, json={"action": "respond", "response_level": "4"})
    assert responding.json()["response_level_name"] == "四级" and responding.json()["grade_name"] == "一般"
    raised = client.post(url, headers=duty, json={"action": "set_level", "response_level": "3", "note": "扩大"})
    assert raised.json()["response_level"] == "3"
    for action, state in [("handle", "处置"), ("end_response", "响应终止"), ("aftermath", "善后/调查"),
                          ("archive", "归档")]:
        step = client.post(url, headers=duty, json={"action": action})
        assert step.status_code == 200, step.text
        assert step.json()["state_name"] == state
    body = step.json()
    assert body["allowed_actions"] == []
    kinds = [e["kind"] for e in body["timeline"]]
    assert kinds == ["opened", "graded", "transition", "transition", "response_level", "transition", "transition",
                     "transition", "transition"]
    assert all(e["actor"] == "应急局值班员张" for e in body["timeline"])
    with unit_of_work(ctx.session_factory) as session:
        states = [a.after.get("state") for a in session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "em_incident").order_by(AuditEntry.id)) if a.after]
    assert [s for s in states if s] == ["received", "verified", "responding", "handling", "response_ended",
                                        "aftermath", "archived"]
    before = _count(ctx, TimelineEntry)
    again = client.post(url, headers=duty, json={"action": "verify"})
    assert again.status_code == 409 and _fields(again) == ["action"] and "归档" in again.json()["detail_zh"]
    late = client.patch(f"/api/v1/emergency/incidents/{incident['id']}", headers=duty, json={"deaths": 5})
    assert late.status_code == 409
    assert _count(ctx, TimelineEntry) == before


@pytest.mark.parametrize(("body", "field"), [
    ({"deaths": -1}, "deaths"),
    ({"serious_injuries": 1.5}, "serious_injuries"),
    ({"missing": "两人"}, "missing"),
    ({"loss_yuan": "5000万"}, "loss_yuan"),
    ({"loss_yuan": 1234.5}, "loss_yuan"),
    ({"loss_yuan": -10}, "loss_yuan"),
    ({"loss_wan_yuan": 5000}, "loss_wan_yuan"),
    ({"category": "meteor"}, "category"),
    ({"subtype": "earthquake"}, "subtype"),
    ({"place": "   "}, "place"),
    ({"reported_at": "2030-01-01T00:00:00+08:00"}, "reported_at"),
    ({"occurred_at": "2026-05-12T14:25:00+08:00"}, "occurred_at"),
    ({"caller_phone": "call me maybe"}, "caller_phone"),
])
def test_bad_calls_answer_422_naming_the_field_and_write_nothing(
        client: TestClient, ctx: AppContext, duty: dict[str, str], body: dict[str, Any], field: str) -> None:
    response = client.post("/api/v1/emergency/incidents", headers=duty, json=CALL | body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert _fields(response) == [field] and response.json()["errors"][0]["message_zh"]
    assert _count(ctx, Incident) == 0 and _count(ctx, TimelineEntry) == 0


def test_a_loss_in_another_unit_is_told_the_unit(client: TestClient, duty: dict[str, str]) -> None:
    incident = _open(client, duty)
    response = client.patch(f"/api/v1/emergency/incidents/{incident['id']}", headers=duty,
                            json={"loss_yuan": "5000万元"})
    assert response.status_code == 422 and _fields(response) == ["loss_yuan"]
    assert "元" in response.json()["errors"][0]["message_zh"] and "yuan" in response.json()["errors"][0]["message"]
    empty = client.patch(f"/api/v1/emergency/incidents/{incident['id']}", headers=duty, json={"note": "无变化"})
    assert empty.status_code == 422


def test_scope_and_roles(client: TestClient, make_user: UserFactory, duty: dict[str, str]) -> None:
    incident = _open(client, duty)
    other = make_user("department", "320104")
    assert client.get("/api/v1/emergency/incidents", headers=other).json()["total"] == 0
    assert client.get(f"/api/v1/emergency/incidents/{incident['id']}", headers=other).status_code == 404
    outside = client.post("/api/v1/emergency/incidents", headers=other, json=CALL | {"region_code": "320102002"})
    assert outside.status_code == 422 and _fields(outside) == ["region_code"]
    city = make_user("city_office", "320100")
    assert client.get("/api/v1/emergency/incidents", headers=city).json()["total"] == 1
    grid = make_user("grid_officer", "320102002")
    assert client.get("/api/v1/emergency/incidents", headers=grid).status_code == 403
    operator = make_user("operator", "320102")
    assert client.get("/api/v1/emergency/incidents", headers=operator).status_code == 200
    assert client.post("/api/v1/emergency/incidents", headers=operator, json=CALL).status_code == 403
