"""Open311 GeoReport v2 at /open311/v2: discovery and services, POST with an administrator's key through the
reports' intake, anonymous reads of public fields only (displaced place, no reporter, no staff), the ticket's
progress in status_notes, filters, and errors as the standard's error array in JSON and XML."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from lxml import etree
from open311_support import BASE, FORM, issue_key, post
from reports_support import XUANWU, photo, staff
from sqlalchemy import func, select

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.geo import haversine_m
from citysafe.public.open311 import keys
from citysafe.public.open311.models import Open311Key, Open311Post
from citysafe.public.reports import staff as reports_staff
from citysafe.public.reports.models import CitizenReport, ReporterVault

REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"}


def _count(ctx: AppContext, model: type) -> int:
    with unit_of_work(ctx.session_factory) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_discovery_and_services_in_json_and_xml(client: TestClient) -> None:
    found = client.get(f"{BASE}/discovery.json")
    assert found.status_code == 200 and found.headers["content-type"].startswith("application/json")
    endpoint = found.json()["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2" and "text/xml" in endpoint["formats"]
    xml = etree.fromstring(client.get(f"{BASE}/discovery.xml").content)
    assert xml.tag == "discovery" and xml.findtext("endpoints/endpoint/formats/format") == "text/xml"

    services = client.get(f"{BASE}/services.json").json()
    fire = next(s for s in services if s["service_code"] == "fire_safety")
    assert fire == {"service_code": "fire_safety", "service_name": "消防安全", "metadata": False, "type": "realtime",
                    "group": "人员密集场所与消防", "keywords": fire["keywords"], "description": fire["description"]}
    assert len(services) == 21
    doc = etree.fromstring(client.get(f"{BASE}/services.xml").content)
    assert doc.tag == "services" and len(doc.findall("service")) == 21
    assert doc.find("service/metadata").text == "false" and doc.find("service/type").text == "realtime"
    definition = client.get(f"{BASE}/services/fire_safety.json").json()
    assert definition == {"service_code": "fire_safety", "attributes": []}


def test_a_post_with_a_key_is_stored_through_intake_and_read_back_without_the_reporter(
        client: TestClient, ctx: AppContext) -> None:
    key = issue_key(ctx)
    posted = post(client, key, first_name="明", last_name="李", phone="+86 139-1234-5678", email="li@example.cn",
                  device_id="phone-1", account_id="u-9")
    assert posted.status_code == 200, posted.text
    answer = posted.json()[0]
    assert answer["account_id"] == "u-9" and "回执编号" in answer["service_notice"]
    request_id = answer["service_request_id"]
    with unit_of_work(ctx.session_factory) as session:
        report = session.scalars(select(CitizenReport)).one()
        vault = session.get(ReporterVault, report.vault_id)
        assert vault is not None
        assert (vault.name, vault.phone, vault.email) == ("李明", "13912345678", "li@example.cn")
        assert not vault.phone_verified and not report.phone_verified  # no SMS code through an app
        assert str(report.id) == request_id and report.receipt in answer["service_notice"]
        exact = (report.lon, report.lat)

    for path in (f"{BASE}/requests/{request_id}.json", f"{BASE}/requests.json"):
        shown = client.get(path).json()
        assert len(shown) == 1 and set(shown[0]) == REQUEST_FIELDS
        item = shown[0]
        assert item["status"] == "open" and item["status_notes"] == "已受理"
        assert item["address"] == "玄武区" and item["agency_responsible"] == "玄武区应急管理局"
        assert item["requested_datetime"].endswith("+08:00") and item["media_url"] is None
        assert 100 <= haversine_m(exact[0], exact[1], item["long"], item["lat"]) <= 200.5
        text = client.get(path).text
        for private in ("李明", "13912345678", "li@example.cn", "某小区", str(exact[0]), str(exact[1]), "phone-1"):
            assert private not in text

    xml = etree.fromstring(client.get(f"{BASE}/requests/{request_id}.xml").content)
    assert xml.tag == "service_requests" and xml.findtext("request/service_request_id") == request_id
    assert xml.findtext("request/status") == "open" and xml.findtext("request/expected_datetime") == ""
    with unit_of_work(ctx.session_factory) as session:
        row = session.scalars(select(Open311Key)).one()
        assert row.posts == 1 and row.key_digest == keys.digest(key) and key not in row.key_digest
        assert session.scalars(select(Open311Post)).one().report_id == int(request_id)


def test_status_notes_follow_the_ticket_and_the_rejection(client: TestClient, ctx: AppContext) -> None:
    key = issue_key(ctx)
    first = post(client, key).json()[0]["service_request_id"]
    second = post(client, key, image=photo(seed=9), lat="32.0800", long="118.7600", service_code="construction",
                  device_id="phone-2").json()[0]["service_request_id"]
    officer = staff(ctx)
    now = ctx.clock.now()
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        reports_staff.claim(session, report_id=int(first), principal=officer, now=now)
        reports_staff.to_ticket(session, report_id=int(first), principal=officer, now=now)
        reports_staff.claim(session, report_id=int(second), principal=officer, now=now)
        reports_staff.reject(session, report_id=int(second), principal=officer, now=now, reason="现场核查未发现该情况")
    ticketed = client.get(f"{BASE}/requests/{first}.json").json()[0]
    assert ticketed["status"] == "open"
    assert ticketed["status_notes"].startswith("已转交整改；隐患整改：已上报，整改期限 ")
    assert ticketed["expected_datetime"] is not None and ticketed["expected_datetime"].endswith("+08:00")
    assert officer.display_name not in client.get(f"{BASE}/requests.json").text
    rejected = client.get(f"{BASE}/requests/{second}.json").json()[0]
    assert rejected["status"] == "closed" and rejected["status_notes"] == "不予采纳；现场核查未发现该情况"

    def ids(**params: str) -> list[str]:
        response = client.get(f"{BASE}/requests.json", params=params)
        assert response.status_code == 200, response.text
        return [r["service_request_id"] for r in response.json()]

    assert ids() == [second, first]  # newest first
    assert ids(status="open") == [first] and ids(status="closed") == [second]
    assert ids(status="open,closed") == [second, first]
    assert ids(service_code="construction") == [second]
    assert ids(service_request_id=f"{first},{second}", status="open") == [second, first]  # ids override
    later = (now + timedelta(days=1)).isoformat()
    assert ids(start_date=later) == []
    assert ids(start_date=(now - timedelta(days=1)).isoformat(), end_date=later) == [second, first]
    assert ids(end_date=(now - timedelta(days=1)).isoformat()) == []


def test_a_post_without_a_valid_key_answers_403_in_the_standards_error_format(
        client: TestClient, ctx: AppContext) -> None:
    missing = client.post(f"{BASE}/requests.json", data=FORM, files=[("media", ("p.jpg", photo(), "image/jpeg"))])
    assert missing.status_code == 403
    assert missing.json() == [{"code": 403, "description": missing.json()[0]["description"]}]
    assert "api_key" in missing.json()[0]["description"]
    wrong = post(client, "o311_not-a-key", fmt="xml")
    assert wrong.status_code == 403 and wrong.headers["content-type"].startswith("text/xml")
    error = etree.fromstring(wrong.content)
    assert error.tag == "errors" and error.findtext("error/code") == "403"
    key = issue_key(ctx)
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        keys.revoke(session, name="随手拍App", now=ctx.clock.now())
    assert post(client, key).status_code == 403
    assert _count(ctx, CitizenReport) == 0


def test_bad_posts_are_refused_by_the_open311_field_counted_and_nothing_stored(
        client: TestClient, ctx: AppContext) -> None:
    key = issue_key(ctx)
    cases = [
        ({"service_code": "unicorns"}, None, "service_code"),
        ({"lat": "", "long": ""}, None, "lat"),
        ({"lat": "31.23", "long": "121.47"}, None, "lat"),  # 上海: outside the province
        ({"description": "🔥🔥🔥🔥🔥🔥"}, None, "description"),
        ({}, b"GIF89a not a photo", "media"),
        ({}, b"", "media"),  # no photo at all
        ({"media_url": "http://127.0.0.1:9/p.jpg"}, b"", "media_url"),  # a host the key does not list
        ({"media_url": "http://[::1/p.jpg"}, b"", "media_url"),
    ]
    for changes, image, field in cases:
        response = post(client, key, image=image, **changes)
        assert response.status_code == 400, (changes, response.text)
        body = response.json()
        assert body[0]["code"] == 400 and body[0]["description"].startswith(f"{field}:"), body
    assert _count(ctx, CitizenReport) == 0
    with unit_of_work(ctx.session_factory) as session:
        refused = session.scalars(select(Open311Post.refused)).all()
        assert len(refused) == len(cases) and set(refused) == {"validation"}
        assert session.scalars(select(Open311Key)).one().posts == len(cases)


def test_each_key_posts_at_most_its_hourly_number(client: TestClient, ctx: AppContext) -> None:
    key = issue_key(ctx, per_hour=2)
    assert post(client, key).status_code == 200
    assert post(client, key, service_code="unicorns").status_code == 400  # refused posts count too
    limited = post(client, key, image=photo(seed=3))
    assert limited.status_code == 429 and limited.headers["retry-after"] == "3600"
    assert "2" in limited.json()[0]["description"]
    assert post(client, issue_key(ctx, name="另一个应用"), image=photo(seed=4), device_id="x").status_code == 200


def test_bad_reads_answer_the_standards_errors(client: TestClient) -> None:
    for path, params, status in [
        ("requests.json", {"status": "pending"}, 400),
        ("requests.json", {"start_date": "yesterday"}, 400),
        ("requests.json", {"service_code": "unicorns"}, 400),
        ("requests.json", {"start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-06-01T00:00:00+08:00"},
         400),
        ("requests.json", {"service_request_id": "1,abc"}, 400),
        ("requests.json", {"service_request_id": "²"}, 400),
        ("requests.json", {"start_date": "9999-12-31T00:00:00+00:00"}, 400),  # the calendar's end
        ("requests.json", {"end_date": "0001-01-02T00:00:00"}, 400),
        ("requests/²³.json", {}, 404),
        ("requests/999999.json", {}, 404),
        ("requests/abc.json", {}, 404),
        ("services/unicorns.xml", {}, 404),
        ("services.yaml", {}, 404),
    ]:
        response = client.get(f"{BASE}/{path}", params=params)
        assert response.status_code == status, (path, params, response.text)
        if path.endswith(".xml"):
            assert etree.fromstring(response.content).findtext("error/code") == str(status)
        else:
            assert response.json()[0]["code"] == status


def test_keys_are_issued_once_listed_without_the_key_and_revoked(ctx: AppContext) -> None:
    key = issue_key(ctx, name="街道通", per_hour=50, media_hosts="img.example.cn, CDN.example.cn")
    assert key.startswith("o311_") and len(key) > 40
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        listed = keys.list_keys(session)
        assert [(k.name, k.per_hour, k.media_hosts) for k in listed] == [
            ("街道通", 50, ["img.example.cn", "cdn.example.cn"])]
        assert key not in listed[0].model_dump_json() and listed[0].key_prefix == key[:10]
        revoked = keys.revoke(session, name="街道通", now=ctx.clock.now())
        assert revoked.revoked_at is not None
    assert issue_key(ctx, name="街道通") != key  # the name is free again, with a new key
    assert XUANWU  # the place the support module's reports are made at


def test_an_apps_reporter_identity_is_erased_at_the_end_of_retention(client: TestClient, ctx: AppContext) -> None:
    from citysafe.public.reports import vault

    key = issue_key(ctx)
    assert post(client, key, first_name="明", last_name="李", email="li@example.cn").status_code == 200
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        assert vault.erase_expired(session, now=ctx.clock.now() + timedelta(days=3651)) == 1
    with unit_of_work(ctx.session_factory) as session:
        row = session.scalars(select(ReporterVault)).one()
        assert (row.name, row.email) == ("", "") and row.erased_at is not None
