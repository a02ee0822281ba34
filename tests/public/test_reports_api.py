"""The public report API without an account: a report with a photo answers a receipt; bad input answers
problem+json naming the field, stores nothing and is counted; SMS codes cannot be guessed; the staff API
needs its permissions."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from reports_support import XUANWU, last_code, photo, with_sms
from sqlalchemy import func, select

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.public.reports import guards, rules
from citysafe.public.reports.models import CitizenReport, ReporterVault

FORM = {"category": "fire_safety", "description": "楼道里堆满了电动车，正在充电", "lon": str(XUANWU[0]),
        "lat": str(XUANWU[1]), "address": "玄武区某小区"}


def _post(client: TestClient, data: dict[str, str] | None = None, image: bytes | None = None, **kw: Any) -> Any:
    body = FORM | (data or {})
    return client.post("/api/v1/public/reports", data=body,
                       files=[("photos", ("p.jpg", photo() if image is None else image, "image/jpeg"))], **kw)


def _reports(ctx: AppContext) -> int:
    with unit_of_work(ctx.session_factory) as session:
        return int(session.scalar(select(func.count()).select_from(CitizenReport)) or 0)


def test_a_report_without_an_account_answers_a_receipt_to_follow(client: TestClient, ctx: AppContext) -> None:
    response = _post(client)
    assert response.status_code == 201, response.text
    receipt = response.json()["receipt"]
    tracked = client.get(f"/api/v1/public/reports/{receipt}")
    assert tracked.status_code == 200
    body = tracked.json()
    assert [s["stage_name"] for s in body["steps"]] == ["已受理"] and body["displacement_m"] == 200
    assert "lon" not in body and "claimed_by_name" not in body


def test_bad_input_is_refused_by_field_with_nothing_stored_and_counted(client: TestClient, ctx: AppContext) -> None:
    cases = [
        ({}, b"GIF89a not accepted", "photos", 422),
        ({}, photo() + b"\0" * (10 * 1024 * 1024 + 1), "photos", 413),
        ({"lon": "121.47", "lat": "31.23"}, None, "location", 422),
        ({"description": "🔥🔥🔥🔥🔥🔥"}, None, "description", 422),
    ]
    for data, image, field, status in cases:
        response = _post(client, data, image)
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["errors"][0]["field"] == field
    forged = client.get("/api/v1/public/reports/JB23456789ABCDE")
    assert forged.status_code == 422 and "校验" in forged.json()["errors"][0]["message_zh"]
    assert _reports(ctx) == 0
    with unit_of_work(ctx.session_factory) as session:
        assert guards.refused_count(session, field="photos") == 2
        assert guards.refused_count(session, field="location") == 1
        assert guards.refused_count(session, field="description") == 1
        assert guards.refused_count(session, field="receipt") == 1


def test_a_guessed_sms_code_is_refused_and_the_code_dies_after_five_failures(client: TestClient,
                                                                             ctx: AppContext) -> None:
    box = with_sms(ctx)
    assert client.post("/api/v1/public/reports/codes", json={"phone": "13900000002"}).status_code == 202
    code = last_code(box)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        response = _post(client, {"phone": "13900000002", "code": wrong})
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "code"
    late = _post(client, {"phone": "13900000002", "code": code})  # the right code, after five wrong guesses
    assert late.status_code == 422 and "重新获取" in late.json()["errors"][0]["message_zh"]
    assert _reports(ctx) == 0
    with unit_of_work(ctx.session_factory) as session:
        assert guards.refused_count(session, field="code") == 6
        assert session.scalar(select(func.count()).select_from(ReporterVault)) == 0
    client.post("/api/v1/public/reports/codes", json={"phone": "13900000002"})
    ok = _post(client, {"phone": "13900000002", "code": last_code(box), "name": "王某",
                        "id_number": "320102198001011238"})
    assert ok.status_code == 201, ok.text


def test_the_figures_kept_for_the_public_counter_follow_a_rule_changed_here(ctx: AppContext) -> None:
    assert rules.current(ctx)["photo_count"] == 3  # kept from now on (rules.FRESH_SECONDS)
    with unit_of_work(ctx.session_factory) as session:
        rules.set_value(session, code="photo_count", value=2, actor="tests", now=ctx.clock.now())
        assert rules.current(ctx)["photo_count"] == 3  # not before the change commits
    assert rules.current(ctx)["photo_count"] == 2


def test_requests_over_the_address_limit_answer_429(client: TestClient, ctx: AppContext) -> None:
    with unit_of_work(ctx.session_factory) as session:
        rules.set_value(session, code="requests_per_minute", value=5, actor="tests", now=ctx.clock.now())
    answers = [client.get("/api/v1/public/reports/JB23456789ABCDE").status_code for _ in range(6)]
    assert answers[:5] == [422] * 5 and answers[5] == 429


def test_a_reporter_can_have_the_personal_information_deleted(client: TestClient, ctx: AppContext) -> None:
    box = with_sms(ctx)
    client.post("/api/v1/public/reports/codes", json={"phone": "13900000003"})
    receipt = _post(client, {"phone": "13900000003", "code": last_code(box), "name": "赵某"}).json()["receipt"]
    client.post("/api/v1/public/reports/codes", json={"phone": "13900000003", "purpose": "erase"})
    other = client.post(f"/api/v1/public/reports/{receipt}/erase", json={"phone": "13900000009", "code": "000000"})
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "phone"
    done = client.post(f"/api/v1/public/reports/{receipt}/erase", json={"phone": "13900000003",
                                                                        "code": last_code(box)})
    assert done.status_code == 204, done.text
    with unit_of_work(ctx.session_factory) as session:
        row = session.scalars(select(ReporterVault)).one()
        assert (row.name, row.phone, row.erased_reason) == ("", "", "request")


def test_the_staff_api_needs_its_permissions(client: TestClient, ctx: AppContext, make_user: Any) -> None:
    _post(client)
    grid = make_user("grid_officer", "320102")
    office = make_user("district_office", "320102")
    assert client.get("/api/v1/reports", headers=grid).status_code == 403
    listed = client.get("/api/v1/reports", headers=office).json()
    assert len(listed) == 1
    report_id = listed[0]["id"]
    assert client.post(f"/api/v1/reports/{report_id}/claim", headers=office).json()["state"] == "received"
    assert client.post(f"/api/v1/reports/{report_id}/ticket", headers=office).json()["state"] == "transferred"
    assert client.post(f"/api/v1/reports/{report_id}/identity", headers=grid).status_code == 403
    elsewhere = make_user("district_office", "320205")
    assert client.get(f"/api/v1/reports/{report_id}", headers=elsewhere).status_code == 404


def test_the_address_window_moves_and_forgets_idle_addresses() -> None:
    from citysafe.core.ratelimit import MovingWindow

    window = MovingWindow(60.0)
    assert [window.hit("a", 2, now=t) for t in (100.0, 130.0, 150.0)] == [True, True, False]
    assert window.hit("a", 2, now=160.5) is True  # the hit at 100 left the minute
    assert window.hit("b", 2, now=161.0) is True
    window.hit("b", 2, now=230.0)  # a minute after the last sweep: "a" (last hit 160.5) is swept
    assert set(window.hits) == {"b"}
