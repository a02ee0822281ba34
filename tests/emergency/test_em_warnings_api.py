"""Warnings (issue #13 point 4) through the API, on both backends: a draft with a drawn area, issued as a signed
CAP 1.2 Alert valid against the OASIS schema (GB/T 35965.1 identifier, +08:00, colour in <parameter>), recipients
inside the area queued per channel and sent through core.outbound with receipts, an Update and a Cancel that
reference the earlier alert, the public ATOM feed; a drill incident's warning is Exercise, marked 【演练】, never
public; a Test alert reaches only test channels; bad areas answer 422 naming ``area`` and write nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from signxml.exceptions import InvalidSignature
from tests.conftest import UserFactory
from tests.emergency.api_support import count_rows, error_fields
from tests.firewatch.fakes import RecordingAdapter

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.outbound import LogAdapter, Outbound
from citysafe.emergency.warnings import signing
from citysafe.emergency.warnings.calc import identifier as ident
from citysafe.emergency.warnings.models import EarlyWarning, WarningMessage, WarningSubscriber

API = "/api/v1/emergency/warnings"
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)  # 10:00 in Nanjing
CAP = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
# Around 新街口, 玄武区 (WGS84).
SQUARE = {"type": "Polygon", "coordinates": [[[118.77, 32.03], [118.80, 32.03], [118.80, 32.06], [118.77, 32.06],
                                              [118.77, 32.03]]]}


def _body(**extra: Any) -> dict[str, Any]:
    return {"category": "accident", "event": "危险化学品泄漏", "level": 2, "headline": "新街口周边氯气泄漏橙色预警",
            "description": "某企业储罐泄漏，下风向可能受影响", "instruction": "关闭门窗，听从疏散指挥",
            "onset": (NOW).isoformat(), "expires": (NOW + timedelta(hours=6)).isoformat(), "area": SQUARE} | extra


def _subscribers(ctx: AppContext) -> None:
    with unit_of_work(ctx.session_factory) as session:
        session.add_all([
            WarningSubscriber(name="居民甲", phone="13800000001", email="a@example.cn", lon=118.78, lat=32.04,
                              region_code="320102"),
            WarningSubscriber(name="居民乙", phone="13800000002", lon=118.79, lat=32.05, region_code="320102"),
            WarningSubscriber(name="区外居民", phone="13800000003", lon=118.90, lat=32.10, region_code="320102"),
            WarningSubscriber(name="测试终端", phone="13800000009", lon=118.785, lat=32.045, region_code="320102",
                              test=True),
        ])


def _setup(ctx: AppContext, **adapter: Any) -> RecordingAdapter:
    ctx.clock = FixedClock(NOW)
    sms = RecordingAdapter(channel="sms", **adapter)
    ctx.outbound = Outbound([sms, LogAdapter()], sleep=lambda _: None)
    _subscribers(ctx)
    return sms


def test_issue_update_cancel_as_signed_valid_cap_with_receipts_and_feed(
        client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    sms = _setup(ctx, fail=1)  # the gateway fails once: core.outbound retries, the receipt says 2 attempts
    office = make_user("district_office", "320102")
    created = client.post(API, headers=office, json=_body())
    assert created.status_code == 201, created.text
    warning = created.json()
    assert warning["state"] == "draft" and warning["colour_zh"] == "橙色" and warning["severity"] == "Severe"
    count = client.post(f"{API}/recipients/count", headers=office, json={"area": SQUARE}).json()
    assert count["by_kind"] == {"subscriber": 2}

    issued = client.post(f"{API}/{warning['id']}/issue", headers=office)
    assert issued.status_code == 200, issued.text
    body = issued.json()
    assert body["state"] == "issued" and len(body["messages"]) == 1
    assert any("第六十七条" not in m and "待命" in m for m in body["proposed_measures"])  # 二级: 第六十七条's measures
    identifier = body["identifier"]
    unit, _at, seq = ident.parse(identifier)
    assert unit == "32010200000000" and len(identifier) == 31 and seq == 0

    xml = client.get(f"{API}/{warning['id']}/cap", headers=office)
    assert xml.headers["content-type"].startswith("application/cap+xml")
    assert signing.schema_errors(xml.content) == []
    signing.verify(xml.content, signing.SIGNING.get(ctx).cert_pem)
    with pytest.raises(InvalidSignature):
        signing.verify(xml.content.replace("橙色".encode(), "红色".encode()), signing.SIGNING.get(ctx).cert_pem)
    doc = etree.fromstring(xml.content)
    assert doc.findtext("cap:sent", namespaces=CAP) == "2026-06-01T10:00:00+08:00"
    assert doc.findtext("cap:status", namespaces=CAP) == "Actual"
    assert doc.findtext("cap:info/cap:severity", namespaces=CAP) == "Severe"
    params = {p.findtext("cap:valueName", namespaces=CAP): p.findtext("cap:value", namespaces=CAP)
              for p in doc.findall("cap:info/cap:parameter", namespaces=CAP)}
    assert params["预警颜色"] == "橙色" and params["预警级别"] == "二级"
    assert doc.findtext("cap:info/cap:area/cap:polygon", namespaces=CAP).startswith("32.030000,118.770000 ")

    receipts = client.get(f"{API}/{warning['id']}/deliveries", headers=office).json()
    sms_receipts = [r for r in receipts if r["channel"] == "sms"]
    assert sorted(r["address"] for r in sms_receipts) == ["13800000001", "13800000002"]  # not outside, not test
    assert all(r["status"] == "delivered" and r["attempts"] == 2 for r in sms_receipts)
    assert [r["status"] for r in receipts if r["channel"] == "email"] == ["not_sent"]  # e-mail not enabled
    assert [r["channel"] for r in receipts if r["recipient_kind"] == "public"] == ["public"]
    assert sms.messages[0].text.startswith("【橙色预警】") and not sms.messages[0].drill

    feed = client.get("/api/v1/public/warnings.atom")  # no login
    assert feed.status_code == 200 and identifier in feed.text
    public = client.get(f"/api/v1/public/warnings/{identifier}.xml")
    assert public.status_code == 200 and public.content == xml.content

    ctx.clock = FixedClock(NOW + timedelta(minutes=30))
    updated = client.post(f"{API}/{warning['id']}/update", headers=office, json={"level": 1, "note": "升级"})
    assert updated.status_code == 200, updated.text
    assert updated.json()["colour_zh"] == "红色" and len(updated.json()["messages"]) == 2
    doc = etree.fromstring(client.get(f"{API}/{warning['id']}/cap", headers=office).content)
    assert doc.findtext("cap:msgType", namespaces=CAP) == "Update"
    assert identifier in doc.findtext("cap:references", namespaces=CAP)
    assert doc.findtext("cap:info/cap:severity", namespaces=CAP) == "Extreme"

    ctx.clock = FixedClock(NOW + timedelta(hours=1))
    lifted = client.post(f"{API}/{warning['id']}/cancel", headers=office, json={"note": "险情排除"})
    assert lifted.status_code == 200 and lifted.json()["state"] == "cancelled"
    cancel = client.get(f"{API}/{warning['id']}/cap", headers=office).content
    assert signing.schema_errors(cancel) == []
    doc = etree.fromstring(cancel)
    assert doc.findtext("cap:msgType", namespaces=CAP) == "Cancel"
    assert len(doc.findtext("cap:references", namespaces=CAP).split()) == 2
    assert identifier not in client.get("/api/v1/public/warnings.atom").text  # lifted: off the feed


def test_a_test_alert_reaches_only_test_channels(client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    _setup(ctx)
    staging = RecordingAdapter(channel="webhook", test_only=True)
    live_sms = RecordingAdapter(channel="sms")
    ctx.outbound = Outbound([live_sms, staging, LogAdapter()], sleep=lambda _: None)
    with unit_of_work(ctx.session_factory) as session:
        session.add(WarningSubscriber(name="测试接收端", webhook_url="http://staging.example.cn/cap", lon=118.78,
                                      lat=32.04, region_code="320102", test=True))
    office = make_user("district_office", "320102")
    warning = client.post(API, headers=office, json=_body(test=True)).json()
    assert warning["cap_status"] == "Test"
    client.post(f"{API}/{warning['id']}/issue", headers=office)
    receipts = client.get(f"{API}/{warning['id']}/deliveries", headers=office).json()
    assert {(r["channel"], r["address"]) for r in receipts} == {("webhook", "http://staging.example.cn/cap")}
    assert live_sms.messages == [] and len(staging.messages) == 1
    assert "Test" in client.get(f"{API}/{warning['id']}/cap", headers=office).text
    assert warning["identifier"] is None
    assert client.get("/api/v1/public/warnings.atom").text.count("<entry>") == 0


def test_a_drill_incident_warning_is_exercise_marked_and_never_public(
        client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    sms = _setup(ctx)
    office = make_user("district_office", "320102")
    from citysafe.emergency.models import Incident

    with unit_of_work(ctx.session_factory) as session:
        incident = Incident(category="accident", subtype="fire", state="responding", title="演练：商场火灾",
                            occurred_at=NOW, reported_at=NOW, opened_at=NOW, region_code="320102", is_drill=True,
                            source="call", opened_by="tests")
        session.add(incident)
        session.flush()
        incident_id = incident.id
    warning = client.post(API, headers=office, json=_body(incident_id=incident_id)).json()
    assert warning["cap_status"] == "Exercise" and warning["is_drill"] is True
    assert client.post(f"{API}/{warning['id']}/issue", headers=office).status_code == 200
    receipts = client.get(f"{API}/{warning['id']}/deliveries", headers=office).json()
    assert all(r["recipient_kind"] not in ("subscriber", "public") for r in receipts)
    assert sms.messages == []  # nobody but the public was inside; the public is not reached by a drill
    assert "<status>Exercise</status>" in client.get(f"{API}/{warning['id']}/cap", headers=office).text
    timeline = client.get(f"/api/v1/emergency/incidents/{incident_id}/timeline", headers=office)
    assert timeline.status_code == 200, timeline.text
    assert any(e["kind"] == "warning" and e["text"].startswith("【演练】") for e in timeline.json())
    assert client.get("/api/v1/public/warnings.atom").text.count("<entry>") == 0


@pytest.mark.parametrize(("area", "why"), [
    ({"type": "Polygon", "coordinates": [[[118.77, 32.03], [118.80, 32.06], [118.80, 32.03], [118.77, 32.06],
                                          [118.77, 32.03]]]}, "交叉"),  # a bow tie: edges cross
    ({"type": "Polygon", "coordinates": [[[116.0, 39.8], [116.1, 39.8], [116.1, 39.9], [116.0, 39.8]]]}, "范围"),
    ({"type": "Polygon", "coordinates": [[[118.77, 32.03], [118.80, 32.03], [118.80, 32.06]]]}, "闭合"),
])
def test_bad_areas_answer_422_naming_area_and_write_nothing(
        client: TestClient, ctx: AppContext, make_user: UserFactory, area: dict[str, Any], why: str) -> None:
    ctx.clock = FixedClock(NOW)
    office = make_user("district_office", "320102")
    response = client.post(API, headers=office, json=_body(area=area))
    assert response.status_code == 422, response.text
    assert error_fields(response) == ["area"]
    assert why in response.json()["detail_zh"]
    assert count_rows(ctx, EarlyWarning) == 0 and count_rows(ctx, WarningMessage) == 0


def test_region_codes_instead_of_a_polygon(client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    _setup(ctx)
    office = make_user("district_office", "320102")
    body = _body(region_codes=["320102"])
    del body["area"]
    warning = client.post(API, headers=office, json=body)
    assert warning.status_code == 201, warning.text
    assert warning.json()["area_desc"] == "玄武区"
    client.post(f"{API}/{warning.json()['id']}/issue", headers=office)
    xml = client.get(f"{API}/{warning.json()['id']}/cap", headers=office).content
    assert signing.schema_errors(xml) == [] and b"<value>320102</value>" in xml
    receipts = client.get(f"{API}/{warning.json()['id']}/deliveries", headers=office).json()
    sent_to = {r["address"] for r in receipts if r["channel"] == "sms"}
    assert sent_to == {"13800000001", "13800000002", "13800000003"}
    both = _body(region_codes=["320102"])
    assert error_fields(client.post(API, headers=office, json=both)) == ["area"]


def test_officers_contacts_and_units_inside_are_reached_and_failures_are_retried(
        client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    """The people registered elsewhere in the platform: the officer of a grid meeting the area (SMS and the
    console), an enterprise's safety contact and a networked unit located inside (SMS). A gateway that refuses
    every attempt leaves ``failed`` receipts with 3 attempts; ``deliveries/send`` retries them once it is back."""
    sms = _setup(ctx, fail=99)
    admin = make_user("admin", "320000")
    office = make_user("district_office", "320102")
    officer_user = make_user("grid_officer", "320102002001", username="wanggrid")
    org = client.post("/api/v1/organizations", headers=admin, json={
        "name": "新街口化工有限公司", "kind": "enterprise", "region_code": "320102002", "sector": "危险化学品",
        "location": {"lon": 118.79, "lat": 32.05}, "contacts": [{"name": "安全员张", "phone": "13700000001"}]})
    assert org.status_code == 201, org.text
    unit = client.post("/api/v1/firewatch/units", headers=admin, json={
        "organization_id": org.json()["id"], "contact_name": "消控室", "contact_phone": "13700000002"})
    assert unit.status_code == 201, unit.text
    grid = client.post("/api/v1/hazards/grids", headers=office, json={
        "community_code": "320102002001", "name": "新街口一网格", "boundary": {"type": "Polygon", "coordinates": [[
            [118.7985, 32.0465], [118.8015, 32.0465], [118.8015, 32.0495], [118.7985, 32.0495],
            [118.7985, 32.0465]]]}})
    assert grid.status_code == 201, grid.text
    me = client.get("/api/v1/auth/me", headers=officer_user).json()
    added = client.post(f"/api/v1/hazards/grids/{grid.json()['code']}/officers", headers=office,
                        json={"user_id": me["user_id"], "phone": "13700000003"})
    assert added.status_code in (200, 201), added.text

    count = client.post(f"{API}/recipients/count", headers=office, json={"area": SQUARE}).json()
    assert count["by_kind"] == {"grid_officer": 1, "org_contact": 1, "fire_unit": 1, "subscriber": 2}
    warning = client.post(API, headers=office, json=_body()).json()
    client.post(f"{API}/{warning['id']}/issue", headers=office)
    receipts = client.get(f"{API}/{warning['id']}/deliveries", headers=office).json()
    by_kind = {(r["recipient_kind"], r["channel"]): r for r in receipts}
    assert by_kind[("grid_officer", "console")]["status"] == "delivered"
    expected = {("grid_officer", "sms"): "13700000003", ("org_contact", "sms"): "13700000001",
                ("fire_unit", "sms"): "13700000002"}
    for key, phone in expected.items():
        assert by_kind[key]["address"] == phone
        assert by_kind[key]["status"] == "failed" and by_kind[key]["attempts"] == 3, by_kind[key]

    sms.fail = 0  # the gateway is back
    resent = client.post(f"{API}/{warning['id']}/deliveries/send", headers=office)
    assert resent.status_code == 200
    receipts = client.get(f"{API}/{warning['id']}/deliveries", headers=office, params={"status": "failed"}).json()
    assert receipts == []
    done = {r["address"]: r for r in client.get(f"{API}/{warning['id']}/deliveries", headers=office).json()
            if r["channel"] == "sms"}
    assert done["13700000001"]["status"] == "delivered" and done["13700000001"]["attempts"] == 4


def test_deliveries_left_queued_are_sent_when_the_app_starts(ctx: AppContext, make_user: UserFactory) -> None:
    """A process that stopped between committing the queue and sending it: the next start sends them."""
    from citysafe.api import create_app
    from citysafe.auth.schemas import Principal
    from citysafe.emergency.warnings import service
    from citysafe.emergency.warnings.schemas import WarningCreate

    sms = _setup(ctx)
    office = Principal(user_id=1, username="o", display_name="玄武区值班员", role="district_office",
                       region_code="320102")
    with unit_of_work(ctx.session_factory) as session:  # issued, committed, never sent
        warning = service.create(session, warning_in=WarningCreate.model_validate(_body()), principal=office,
                                 now=NOW)
        service.issue(session, warning=warning, principal=office, now=NOW)
        warning_id = warning.id
    with TestClient(create_app(ctx=ctx)):
        pass  # start-up takes up the queue; stopping waits for it
    with unit_of_work(ctx.session_factory) as session:
        statuses = {d.status for d in service.deliveries(session, warning_id=warning_id, status=None, limit=50)}
    assert statuses == {"delivered", "not_sent"}  # SMS delivered, e-mail not enabled
    assert len(sms.messages) == 1
