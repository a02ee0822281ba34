"""Drill mode (issue #12 point 6) through the API, on both backends: a drill started live opens a drill incident
(marked 演练: ``is_drill``, timeline text 【演练】, DOCX 【演练】事故快报), listed on the desk but not in the default
incident list, its overdue clocks shown but not counted as 迟报; ending the drill closes the incident and nothing
enters the ledger; nothing leaves through the application's outbound; bad starts answer 409/422 naming the
field and write nothing."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import docx
from fastapi.testclient import TestClient
from tests.conftest import UserFactory
from tests.emergency.api_support import count_rows as _count
from tests.emergency.api_support import error_fields as _fields
from tests.emergency.plan_samples import fire_plan, ok
from tests.firewatch.fakes import RecordingAdapter, fake_forwarder, fake_notifier, install

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.outbound import LogAdapter, Outbound
from citysafe.emergency import drill_mode
from citysafe.emergency.drills.models import Drill
from citysafe.emergency.ledger.models import LedgerEntry
from citysafe.emergency.models import Incident, TimelineEntry

API = "/api/v1/emergency"
PLANS, DRILLS, INCIDENTS = f"{API}/plans", f"{API}/drills", f"{API}/incidents"
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)  # 10:00 in Nanjing
FIRST = {"kind": "initial", "to_level": "county", "time_place_scene": "6月1日10时，新街口某商场",
         "course": "演练情景：商场三楼起火，人员疏散", "reporting_unit": "玄武区应急管理局", "issuer": "李局",
         "deaths": 0, "missing": 0, "serious_injuries": 0}




def _drill(client: TestClient, office: dict[str, str], **extra: Any) -> dict[str, Any]:
    plan = ok(client.post(PLANS, headers=office, json=fire_plan()))
    return ok(client.post(DRILLS, headers=office, json={
        "plan_id": plan["id"], "title": "新街口商场火灾综合应急演练", "content_kind": "comprehensive",
        "form_kind": "live", "scheduled_on": "2026-06-01", "place": "新街口某商场",
        "organizer": "玄武区应急管理局"} | extra))




def test_a_drill_run_live_is_marked_end_to_end_and_stays_out_of_ledger_and_statistics(
        client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    ctx.clock = FixedClock(NOW)
    office = make_user("district_office", "320102")
    duty = make_user("department", "320102")
    drill = _drill(client, office)
    started = ok(client.post(f"{DRILLS}/{drill['id']}/start-live", headers=office,
                             json={"description": "商场三楼起火，组织疏散"}), 200)
    assert started["state"] == "running" and started["state_name"] == "演练进行中"
    incident_id = started["incident"]["id"]
    incident = ok(client.get(f"{INCIDENTS}/{incident_id}", headers=duty), 200)
    assert incident["is_drill"] is True and incident["drill_id"] == drill["id"]
    assert (incident["category"], incident["subtype"], incident["place"]) == ("accident", "fire", "新街口某商场")
    assert incident["region_code"] == "320102" and incident["source"] == "drill"
    assert incident["timeline"] and all(e["text"].startswith("【演练】") for e in incident["timeline"])
    assert not any(e["text"].startswith("【演练】【演练】") for e in incident["timeline"])

    # lists: excluded by default (statistics), included or only on request (the desk)
    assert ok(client.get(INCIDENTS, headers=duty), 200)["total"] == 0
    assert [i["id"] for i in ok(client.get(INCIDENTS, headers=duty, params={"drill": "include"}), 200)["items"]] == [
        incident_id]
    assert ok(client.get(INCIDENTS, headers=duty, params={"drill": "only"}), 200)["total"] == 1
    assert client.get(INCIDENTS, headers=duty, params={"drill": "sometimes"}).status_code == 422

    # a 首报: its DOCX says 【演练】事故快报; its clock is listed, an overdue one is not counted as 迟报
    ctx.clock = FixedClock(NOW + timedelta(hours=3))
    report = ok(client.post(f"{INCIDENTS}/{incident_id}/reports", headers=duty, json=FIRST))
    body = client.get(f"{INCIDENTS}/{incident_id}/reports/{report['id']}.docx", headers=duty)
    assert body.status_code == 200
    document = docx.Document(io.BytesIO(body.content))
    assert document.paragraphs[0].text == "【演练】事故快报"
    assert document.core_properties.title.startswith("【演练】事故快报")
    due = ok(client.get(f"{API}/reports/due", headers=duty), 200)
    assert due["late_count"] == 0
    assert due["items"] and all(c["is_drill"] for c in due["items"])
    clocks = ok(client.get(f"{INCIDENTS}/{incident_id}/clocks", headers=duty), 200)
    assert any(c["late"] for c in clocks["clocks"])  # the drill's own page still shows it was late

    # a real incident opened at the same time is counted as 迟报 (the count can fail)
    real = ok(client.post(INCIDENTS, headers=duty, json={
        "category": "accident", "subtype": "fire", "description": "仓库起火", "place": "玄武区某仓库",
        "region_code": "320102", "reported_at": "2026-06-01T10:00:00+08:00"}))
    ok(client.post(f"{INCIDENTS}/{real['id']}/reports", headers=duty, json=FIRST))
    assert ok(client.get(f"{API}/reports/due", headers=duty), 200)["late_count"] >= 1
    assert ok(client.get(INCIDENTS, headers=duty), 200)["total"] == 1

    # the drill ends: its incident closes with it, and nothing enters the ledger
    ended = ok(client.post(f"{DRILLS}/{drill['id']}/record", headers=office, json={
        "held_on": "2026-06-01", "participants": 80, "summary": "疏散用时 6 分钟"}), 200)
    assert ended["state"] == "held"
    assert ended["incident"]["state"] == "archived"
    assert ended["incident"]["timeline_url"] == f"{INCIDENTS}/{incident_id}/timeline"
    closed = ok(client.get(f"{INCIDENTS}/{incident_id}", headers=duty), 200)
    assert closed["state"] == "archived" and closed["timeline"][-1]["kind"] == "drill_closed"
    assert closed["timeline"][-1]["text"].startswith("【演练】演练结束")
    assert ok(client.get(f"{INCIDENTS}/{incident_id}/timeline/verify", headers=duty), 200)["ok"]
    assert _count(ctx, LedgerEntry) == 0
    stats = client.get(f"{API}/ledger/stats", headers=duty)
    assert stats.status_code == 200
    # the real incident, once its response ends, does enter it: the ledger is not merely empty
    for action, extra in (("verify", {}), ("respond", {"response_level": "4"}), ("handle", {}),
                          ("end_response", {})):
        ok(client.post(f"{INCIDENTS}/{real['id']}/transitions", headers=duty, json={"action": action} | extra), 200)
    assert _count(ctx, LedgerEntry) == 1


def test_a_drill_incident_sends_nothing_outward(client: TestClient, ctx: AppContext,
                                                make_user: UserFactory) -> None:
    """The 119 link, the duty notifier and the application's outbound all record nothing during a whole drill."""
    ctx.clock = FixedClock(NOW)
    link_119, notices, everything = RecordingAdapter(), RecordingAdapter(), RecordingAdapter()
    install(ctx, forwarder=fake_forwarder(link_119), notifier=fake_notifier(notices))
    ctx.outbound = Outbound([everything, LogAdapter()], sleep=lambda _: None)
    office = make_user("district_office", "320102")
    duty = make_user("department", "320102")
    drill = _drill(client, office)
    incident_id = ok(client.post(f"{DRILLS}/{drill['id']}/start-live", headers=office, json={}), 200)[
        "incident"]["id"]
    ok(client.post(f"{INCIDENTS}/{incident_id}/reports", headers=duty, json=FIRST))
    for action, extra in (("verify", {}), ("respond", {"response_level": "4"})):
        ok(client.post(f"{INCIDENTS}/{incident_id}/transitions", headers=duty, json={"action": action} | extra), 200)
    ctx.bus.deliver_pending()
    ok(client.post(f"{DRILLS}/{drill['id']}/record", headers=office, json={"held_on": "2026-06-01"}), 200)
    ctx.bus.deliver_pending()
    assert link_119.messages == [] and notices.messages == [] and everything.messages == []
    # the seam dispatches and warnings (issue #13) will call
    with unit_of_work(ctx.session_factory) as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None
        assert drill_mode.is_drill(incident) and drill_mode.outbound_drill(incident)
        assert drill_mode.cap_status(incident) == "Exercise" and not drill_mode.sends_to_public(incident)


def test_starting_a_drill_that_runs_was_held_or_cancelled_answers_409_naming_state(
        client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    ctx.clock = FixedClock(NOW)
    office = make_user("district_office", "320102")
    drill = _drill(client, office)
    ok(client.post(f"{DRILLS}/{drill['id']}/start-live", headers=office, json={}), 200)
    again = client.post(f"{DRILLS}/{drill['id']}/start-live", headers=office, json={})
    assert again.status_code == 409 and again.headers["content-type"].startswith("application/problem+json")
    assert _fields(again) == ["state"]
    assert _count(ctx, Incident) == 1

    held = _drill(client, office, held_on="2026-05-30", scheduled_on="2026-05-30")
    refused = client.post(f"{DRILLS}/{held['id']}/start-live", headers=office, json={})
    assert refused.status_code == 409 and _fields(refused) == ["state"]

    cancelled = _drill(client, office)
    with unit_of_work(ctx.session_factory) as session:
        row = session.get(Drill, cancelled["id"])
        assert row is not None
        row.state = "cancelled"
    gone = client.post(f"{DRILLS}/{cancelled['id']}/start-live", headers=office, json={})
    assert gone.status_code == 409 and _fields(gone) == ["state"] and "取消" in gone.json()["detail_zh"]
    assert _count(ctx, Incident) == 1


def test_bad_start_input_answers_422_naming_the_field_and_writes_nothing(
        client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    ctx.clock = FixedClock(NOW)
    office = make_user("district_office", "320102")
    drill = _drill(client, office)
    url = f"{DRILLS}/{drill['id']}/start-live"
    for body, field in (({"subtype": "earthquake"}, "subtype"), ({"category": "weather"}, "category"),
                        ({"region_code": "12"}, "region_code"), ({"colour": "red"}, "colour")):
        response = client.post(url, headers=office, json=body)
        assert response.status_code == 422, (body, response.text)
        assert field in _fields(response), (body, response.json())
    assert _count(ctx, Incident) == 0 and _count(ctx, TimelineEntry) == 0
    assert ok(client.get(f"{DRILLS}/{drill['id']}", headers=office), 200)["state"] == "scheduled"
    # an override is taken: a natural-disaster drill of the same plan
    started = ok(client.post(url, headers=office, json={"category": "natural_disaster", "subtype": "earthquake",
                                                        "place": "玄武区某小学"}), 200)
    incident = ok(client.get(f"{INCIDENTS}/{started['incident']['id']}", headers=make_user("department", "320102")),
                  200)
    assert (incident["category"], incident["subtype"], incident["place"]) == (
        "natural_disaster", "earthquake", "玄武区某小学")
