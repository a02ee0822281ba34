"""Information reports through the API, on both backends: clocks due → met by a 首报 (and off the desk's due list),
overdue → 迟报 that stays counted after a late filing; the order 首报 → 续报 → 终报 → 补报; changed figures re-grade
and add levels; an archived incident or bad input answers 4xx problem+json naming the field and writes nothing;
the 事故快报 DOCX read back with python-docx; scope."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import docx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.conftest import UserFactory
from tests.emergency.api_support import count_rows as _count
from tests.emergency.api_support import error_fields as _fields

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.emergency.models import Incident, TimelineEntry
from citysafe.emergency.reports.models import IncidentReport

T0 = datetime(2026, 5, 12, 6, 30, tzinfo=UTC)  # 14:30 in Nanjing
CALL = {
    "category": "accident", "subtype": "collapse", "description": "工地基坑边坡坍塌，有工人被埋",
    "place": "玄武区中山东路某工地", "region_code": "320102", "caller_name": "王师傅",
    "reported_at": "2026-05-12T14:30:00+08:00", "occurred_at": "2026-05-12T14:05:00+08:00", "deaths": 1,
    "missing": 2, "serious_injuries": 3,
}
FIRST = {
    "kind": "initial", "to_level": "county", "time_place_scene": "5月12日14时05分，玄武区中山东路某工地基坑",
    "course": "基坑边坡坍塌，3名工人被埋，现场正在搜救", "deaths": 1, "missing": 2, "serious_injuries": 3,
    "reporting_unit": "南京某建设有限公司", "issuer": "李总", "reporter_phone": "025-84000000",
}






@pytest.fixture
def duty(ctx: AppContext, make_user: UserFactory) -> dict[str, str]:
    ctx.clock = FixedClock(T0)
    return make_user("department", "320102", display_name="应急局值班员张")


def _open(client: TestClient, headers: dict[str, str], **extra: Any) -> int:
    response = client.post("/api/v1/emergency/incidents", headers=headers, json=CALL | extra)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _clocks(client: TestClient, headers: dict[str, str], incident: int) -> dict[str, Any]:
    response = client.get(f"/api/v1/emergency/incidents/{incident}/clocks", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _advance(ctx: AppContext, **kwargs: float) -> None:
    clock = ctx.clock
    assert isinstance(clock, FixedClock)
    clock.advance(**kwargs)


def test_a_first_report_stops_its_clock_and_leaves_the_due_list(client: TestClient, ctx: AppContext,
                                                                duty: dict[str, str]) -> None:
    incident = _open(client, duty)
    clocks = _clocks(client, duty, incident)
    assert [(c["who"], c["status"], c["deadline"][:16]) for c in clocks["clocks"]] == [
        ("事发单位 → 玄武区（县级）", "due", "2026-05-12T07:30"), ("县级 → 南京市（市级）", "due", "2026-05-12T09:30")]
    assert clocks["clocks"][0]["remaining_minutes"] == 60 and "第九条" in clocks["clocks"][0]["rule"]
    due = client.get("/api/v1/emergency/reports/due", headers=duty).json()
    assert (due["due"], due["overdue"], due["late_count"]) == (2, 0, 0)
    _advance(ctx, minutes=40)
    filed = client.post(f"/api/v1/emergency/incidents/{incident}/reports", headers=duty, json=FIRST)
    assert filed.status_code == 201, filed.text
    body = filed.json()
    assert (body["kind_name"], body["number"], body["from_level"], body["to_name"]) == ("首报", 1, "unit",
                                                                                      "玄武区（县级）")
    assert body["reporter"] == "应急局值班员张" and body["late"] is False and body["grade"] == "general"
    after = _clocks(client, duty, incident)["clocks"]
    assert after[0]["status"] == "met" and after[0]["met_at"].startswith("2026-05-12T07:10")
    assert after[0]["status_name"] == "已报" and after[1]["status"] == "due"
    due = client.get("/api/v1/emergency/reports/due", headers=duty).json()
    assert [(c["incident_id"], c["to_level"]) for c in due["items"]] == [(incident, "city")]
    timeline = client.get(f"/api/v1/emergency/incidents/{incident}/timeline", headers=duty).json()
    assert timeline[-1]["kind"] == "report_initial" and timeline[-1]["kind_name"] == "首报"
    assert "南京某建设有限公司" in timeline[-1]["text"]
    assert client.get(f"/api/v1/emergency/incidents/{incident}/timeline/verify", headers=duty).json()["ok"]
    listed = client.get(f"/api/v1/emergency/incidents/{incident}/reports", headers=duty).json()
    assert [r["id"] for r in listed] == [body["id"]]
    one = client.get(f"/api/v1/emergency/incidents/{incident}/reports/{body['id']}", headers=duty)
    assert one.status_code == 200 and one.json()["course"] == FIRST["course"]


def test_an_overdue_clock_is_on_the_desk_and_a_late_filing_stays_counted(client: TestClient, ctx: AppContext,
                                                                         duty: dict[str, str]) -> None:
    old = _open(client, duty)
    _advance(ctx, minutes=61)
    fresh = _open(client, duty, reported_at="2026-05-12T15:31:00+08:00")
    due = client.get("/api/v1/emergency/reports/due", headers=duty).json()
    assert (due["items"][0]["incident_id"], due["items"][0]["status"]) == (old, "overdue")
    assert due["items"][0]["status_name"] == "已超时" and due["items"][0]["remaining_minutes"] == -1
    assert (due["overdue"], due["late_count"]) == (1, 1) and fresh in {c["incident_id"] for c in due["items"]}
    late = client.post(f"/api/v1/emergency/incidents/{old}/reports", headers=duty, json=FIRST)
    assert late.status_code == 201 and late.json()["late"] is True
    clocks = _clocks(client, duty, old)
    assert clocks["clocks"][0]["status"] == "met" and clocks["clocks"][0]["late"] and clocks["late_count"] == 1
    due = client.get("/api/v1/emergency/reports/due", headers=duty).json()
    assert due["overdue"] == 0 and due["late_count"] == 1  # 迟报 stays counted after filing


def test_a_phone_report_entered_afterwards_keeps_its_time(client: TestClient, ctx: AppContext,
                                                          duty: dict[str, str]) -> None:
    incident = _open(client, duty)
    _advance(ctx, hours=3)
    phone = client.post(f"/api/v1/emergency/incidents/{incident}/reports", headers=duty,
                        json=FIRST | {"channel": "phone", "filed_at": "2026-05-12T14:50:00+08:00"})
    assert phone.status_code == 201 and phone.json()["channel_name"] == "电话报告"
    written = _clocks(client, duty, incident)["clocks"][0]
    assert written["status"] == "overdue"  # a phone call is not the written report of 第九条
    future = client.post(f"/api/v1/emergency/incidents/{incident}/reports", headers=duty,
                         json=FIRST | {"filed_at": "2026-05-12T23:00:00+08:00"})
    assert future.status_code == 422 and _fields(future) == ["filed_at"]


def test_the_order_of_kinds_and_the_chain_closing(client: TestClient, ctx: AppContext, duty: dict[str, str]) -> None:
    incident = _open(client, duty)
    url = f"/api/v1/emergency/incidents/{incident}/reports"
    early = client.post(url, headers=duty, json=FIRST | {"kind": "follow_up"})
    assert early.status_code == 409 and _fields(early) == ["kind"] and "首报" in early.json()["detail_zh"]
    assert client.post(url, headers=duty, json=FIRST).status_code == 201
    again = client.post(url, headers=duty, json=FIRST)
    assert again.status_code == 409 and _fields(again) == ["kind"]
    assert client.post(url, headers=duty, json=FIRST | {"kind": "follow_up", "course": "又救出1人"}).status_code == 201
    bare_final = client.post(url, headers=duty, json=FIRST | {"kind": "final"})
    assert bare_final.status_code == 422 and _fields(bare_final) == ["unit_overview"]
    final = client.post(url, headers=duty, json=FIRST | {"kind": "final", "unit_overview": "南京某建设有限公司，总包",
                                                         "measures": "疏散周边人员，专业救援队搜救"})
    assert final.status_code == 201 and final.json()["number"] == 3
    closed = client.post(url, headers=duty, json=FIRST | {"kind": "follow_up"})
    assert closed.status_code == 409 and "终报" in closed.json()["detail_zh"]
    supplementary = client.post(url, headers=duty, json=FIRST | {"kind": "supplementary", "deaths": 2, "missing": 1})
    assert supplementary.status_code == 201 and supplementary.json()["kind_name"] == "补报"
    _advance(ctx, days=31)
    outside = client.post(url, headers=duty, json=FIRST | {"kind": "supplementary", "deaths": 3, "missing": 0})
    assert outside.status_code == 409 and "30 日" in outside.json()["detail_zh"]
    assert _count(ctx, IncidentReport) == 4


def test_figures_that_rise_regrade_and_add_a_level(client: TestClient, ctx: AppContext, duty: dict[str, str]) -> None:
    incident = _open(client, duty)
    url = f"/api/v1/emergency/incidents/{incident}/reports"
    assert client.post(url, headers=duty, json=FIRST).status_code == 201
    _advance(ctx, hours=4)
    worse = client.post(url, headers=duty, json=FIRST | {"kind": "follow_up", "deaths": 3, "missing": 0})
    assert worse.status_code == 201 and worse.json()["grade"] == "larger"
    detail = client.get(f"/api/v1/emergency/incidents/{incident}", headers=duty).json()
    assert detail["grade_name"] == "较大" and detail["deaths"] == 3
    clocks = _clocks(client, duty, incident)["clocks"]
    assert [c["to_level"] for c in clocks] == ["county", "city", "province"]
    assert clocks[-1]["deadline"][:16] == "2026-05-12T12:30" and clocks[-1]["status"] == "due"  # 2 h from regrade
    kinds = [e["kind"] for e in detail["timeline"]]
    assert kinds[-3:] == ["casualties", "regraded", "report_follow_up"]


def test_an_archived_incident_takes_no_report_and_nothing_is_written(client: TestClient, ctx: AppContext,
                                                                     duty: dict[str, str]) -> None:
    incident = _open(client, duty)
    url = f"/api/v1/emergency/incidents/{incident}/transitions"
    for body in ({"action": "verify"}, {"action": "respond", "response_level": "4"}, {"action": "handle"},
                 {"action": "end_response"}, {"action": "aftermath"}, {"action": "archive"}):
        assert client.post(url, headers=duty, json=body).status_code == 200
    before = _count(ctx, TimelineEntry)
    response = client.post(f"/api/v1/emergency/incidents/{incident}/reports", headers=duty,
                           json=FIRST | {"deaths": 4})
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert _fields(response) == ["kind"] and "归档" in response.json()["detail_zh"]
    assert _count(ctx, TimelineEntry) == before and _count(ctx, IncidentReport) == 0
    with unit_of_work(ctx.session_factory) as session:
        assert session.scalar(select(Incident.deaths)) == 1  # the figures were not half-written either


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "second"}, "kind"),
    ({"to_level": "village"}, "to_level"),
    ({"to_level": "unit"}, "to_level"),
    ({"from_level": "city"}, "from_level"),
    ({"channel": "pigeon"}, "channel"),
    ({"course": "　 "}, "course"),
    ({"time_place_scene": ""}, "time_place_scene"),
    ({"reporting_unit": " "}, "reporting_unit"),
    ({"deaths": -1}, "deaths"),
    ({"loss_yuan": "5000万"}, "loss_yuan"),
    ({"reporter_phone": "call me"}, "reporter_phone"),
    ({"filed_at": "2026-05-12T13:00:00+08:00"}, "filed_at"),  # before the accident
    ({"filed_at": "9999-01-01T00:00:00+08:00"}, "filed_at"),
    ({"casualties": 3}, "casualties"),
])
def test_bad_reports_answer_4xx_naming_the_field_and_write_nothing(
        client: TestClient, ctx: AppContext, duty: dict[str, str], body: dict[str, Any], field: str) -> None:
    incident = _open(client, duty)
    before = _count(ctx, TimelineEntry)
    response = client.post(f"/api/v1/emergency/incidents/{incident}/reports", headers=duty, json=FIRST | body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert _fields(response) == [field] and response.json()["errors"][0]["message_zh"]
    assert _count(ctx, IncidentReport) == 0 and _count(ctx, TimelineEntry) == before


def test_the_report_as_a_docx_in_the_usual_layout(client: TestClient, ctx: AppContext, duty: dict[str, str]) -> None:
    incident = _open(client, duty)
    report = client.post(f"/api/v1/emergency/incidents/{incident}/reports", headers=duty,
                         json=FIRST | {"measures": "已调集消防救援队伍搜救", "loss_yuan": 1_200_000}).json()
    response = client.get(f"/api/v1/emergency/incidents/{incident}/reports/{report['id']}.docx", headers=duty)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response.headers["content-disposition"]
    document = docx.Document(io.BytesIO(response.content))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "事故快报" and texts[1].startswith("（首报 · 第 1 期")
    assert "报送单位：南京某建设有限公司" in texts[2] and "签发人：李总" in texts[2]
    assert "报送时间：2026年5月12日14时30分" in texts[3] and "玄武区（县级）" in texts[3]
    headings = [t for t in texts if t[:2] in {f"{n}、" for n in "一二三四五六"}]
    assert headings == ["一、事故发生单位概况", "二、事故发生的时间、地点以及事故现场情况", "三、事故的简要经过",
                        "四、伤亡人数（包括下落不明的人数）和初步估计的直接经济损失", "五、已经采取的措施",
                        "六、其他应当报告的情况"]
    assert FIRST["course"] in texts and "已调集消防救援队伍搜救" in texts
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells][:2] == ["死亡（人）", "下落不明（人）"]
    assert [c.text for c in table.rows[1].cells] == ["1", "2", "3", "0", "120.00"]
    assert any("联系电话：025-84000000" in t for t in texts)
    missing = client.get(f"/api/v1/emergency/incidents/{incident}/reports/999999.docx", headers=duty)
    assert missing.status_code == 404


def test_scope_and_roles(client: TestClient, ctx: AppContext, make_user: UserFactory, duty: dict[str, str]) -> None:
    incident = _open(client, duty)
    other = make_user("department", "320104")
    assert client.get(f"/api/v1/emergency/incidents/{incident}/clocks", headers=other).status_code == 404
    assert client.get(f"/api/v1/emergency/incidents/{incident}/reports", headers=other).status_code == 404
    assert client.get("/api/v1/emergency/reports/due", headers=other).json()["items"] == []
    city = make_user("city_office", "320100")
    assert len(client.get("/api/v1/emergency/reports/due", headers=city).json()["items"]) == 2
    operator = make_user("operator", "320102")
    assert client.post(f"/api/v1/emergency/incidents/{incident}/reports", headers=operator,
                       json=FIRST).status_code == 403
