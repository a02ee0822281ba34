"""The citizen-report pages: the public form and tracking without a login (a bad photo re-shows the form with a
Chinese message, 422, nothing stored), and the staff console: claim, verify, turn into a ticket, the identity
behind a logged button, the rules page."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from reports_support import XUANWU, photo, run_jobs
from sqlalchemy import func, select

from citysafe.core.audit import AuditEntry
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.public.reports.models import CitizenReport

FORM = {"category": "fire_safety", "description": "商场消防通道被货物堵死，安全出口上锁", "lon": str(XUANWU[0]),
        "lat": str(XUANWU[1]), "address": "玄武区某商场"}


def _login(client: TestClient, make_user: Any, role: str, region: str, username: str) -> None:
    make_user(role, region, username=username, display_name="张核实")
    client.cookies.clear()
    response = client.post("/login", data={"username": username, "password": "correct-horse", "next": "/reports"},
                           follow_redirects=False)
    assert response.status_code == 303


def _report(client: TestClient, image: bytes | None = None, **changes: str) -> Any:
    return client.post("/public/reports", data=FORM | changes, follow_redirects=False,
                       files=[("photos", ("p.jpg", photo() if image is None else image, "image/jpeg"))])


def test_the_public_form_and_tracking_need_no_login(client: TestClient) -> None:
    page = client.get("/public/reports")
    assert page.status_code == 200 and "随手拍" in page.text and "200 米范围内随机偏移" in page.text
    posted = _report(client)
    assert posted.status_code == 303
    tracking = client.get(posted.headers["location"])
    assert tracking.status_code == 200 and "请保存回执编号" in tracking.text and "已受理" in tracking.text
    # The exact value, closing quote included: a displaced longitude may share its first digits (118.7975645).
    assert f'data-lon="{XUANWU[0]}"' not in tracking.text


def test_a_bad_photo_shows_the_form_again_with_a_message_and_stores_nothing(client: TestClient,
                                                                            ctx: AppContext) -> None:
    answer = _report(client, image=b"this is a text file, not a photo")
    assert answer.status_code == 422 and "现场照片" in answer.text and "JPG" in answer.text
    assert "商场消防通道被货物堵死" in answer.text  # what was typed is kept
    emoji = _report(client, description="🔥🔥🔥🔥🔥")
    assert emoji.status_code == 422 and "至少 5 个字" in emoji.text
    nowhere = client.post("/public/reports", data={k: v for k, v in FORM.items() if k not in ("lon", "lat")},
                          files=[("photos", ("p.jpg", photo(), "image/jpeg"))])
    assert nowhere.status_code == 422 and "请在地图上点选举报地点" in nowhere.text
    forged = client.get("/public/reports/track", params={"receipt": "JB23456789ABCDE"})
    assert forged.status_code == 422 and "校验不符" in forged.text
    with unit_of_work(ctx.session_factory) as session:
        assert session.scalar(select(func.count()).select_from(CitizenReport)) == 0


def test_staff_claim_verify_and_turn_a_report_into_a_ticket(client: TestClient, ctx: AppContext,
                                                          make_user: Any) -> None:
    _report(client)
    _login(client, make_user, "district_office", "320102", "xuanwu")
    listing = client.get("/reports")
    assert listing.status_code == 200 and "未认领" in listing.text
    with unit_of_work(ctx.session_factory) as session:
        report_id = session.scalars(select(CitizenReport.id)).one()
    detail = client.get(f"/reports/{report_id}")
    assert "认领核实" in detail.text and "拍摄于" in detail.text and "匿名" in detail.text
    assert client.post(f"/reports/{report_id}/claim", follow_redirects=False).status_code == 303
    assert "由您核实" in client.get(f"/reports/{report_id}").text
    client.post(f"/reports/{report_id}/verify", data={"note": "现场属实"})
    done = client.post(f"/reports/{report_id}/ticket")
    assert "已转为隐患" in done.text and "已转交整改" in done.text
    shown = client.post(f"/reports/{report_id}/identity")
    assert "匿名举报，未留下个人信息" in shown.text and "本次查看已记入操作日志" in shown.text
    with unit_of_work(ctx.session_factory) as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.entity == "pub_reporter_vault", AuditEntry.action == "view")) == 1


def test_a_department_handles_reports_but_never_sees_who_reported(client: TestClient, make_user: Any,
                                                                  ctx: AppContext) -> None:
    _report(client)
    _login(client, make_user, "department", "320102", "zhujian")
    with unit_of_work(ctx.session_factory) as session:
        report_id = session.scalars(select(CitizenReport.id)).one()
    page = client.get(f"/reports/{report_id}")
    assert page.status_code == 200 and "查看举报人身份" not in page.text
    assert client.post(f"/reports/{report_id}/identity").status_code == 403


def test_the_rules_page_changes_a_figure_and_refuses_one_out_of_range(client: TestClient, make_user: Any) -> None:
    _login(client, make_user, "province_office", "320000", "prov")
    page = client.get("/reports/rules")
    assert page.status_code == 200 and "第十九条" in page.text
    saved = client.post("/reports/rules", data={"display_offset_m": "300"})
    assert "参数已保存" in saved.text and 'value="300"' in saved.text
    refused = client.post("/reports/rules", data={"display_offset_m": "5"})
    assert "公开位置随机偏移半径" in refused.text and "50 至 2000" in refused.text


def test_the_detail_page_says_a_photo_is_being_processed_then_shows_it(client: TestClient, ctx: AppContext,
                                                                      make_user: Any) -> None:
    """A report is accepted before its photo is decoded (photo_jobs): until the job has run, staff see that it is
    being processed, never the upload as it came; then the processed copy."""
    _report(client)
    _login(client, make_user, "district_office", "320102", "xuanwu")
    with unit_of_work(ctx.session_factory) as session:
        report_id = session.scalars(select(CitizenReport.id)).one()
    waiting = client.get(f"/reports/{report_id}").text
    assert 'data-testid="photo-pending"' in waiting and "照片处理中" in waiting and 'data-testid="photo"' not in waiting
    assert run_jobs(ctx) == 1
    shown = client.get(f"/reports/{report_id}").text
    assert 'data-testid="photo"' in shown and "照片处理中" not in shown
    photo_url = f"/reports/{report_id}/photos/"
    assert photo_url in shown
