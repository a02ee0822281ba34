"""Drill mode in Chromium: the district officer opens a scheduled drill and clicks 以演练模式启动; the drill's
incident opens with an orange 演练 badge and banner; the duty desk lists it badged 演练; its 首报 downloads as a
DOCX titled 【演练】事故快报; the officer ends the drill on its page, the incident is archived with it, and the
accident ledger has no row. Screenshots in artifacts/."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import docx
import httpx
import pytest
from playwright.sync_api import expect
from tests.e2e.e2e_support import login_as
from tests.emergency.api_support import count_rows as _count
from tests.emergency.plan_samples import fire_plan

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.clock import to_local
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.emergency.ledger.models import LedgerEntry
from citysafe.emergency.models import Incident

pytestmark = pytest.mark.e2e
PASSWORD = "correct-horse"


def _world(ctx: AppContext, base: str) -> int:
    """The officer, the district's fire plan and a drill of it scheduled for today."""
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        auth_service.create_user(session, user_in=UserCreate(
            username="yingji", password=PASSWORD, role="department", region_code="320102",
            display_name="玄武区应急管理局值班员王磊"))
    with httpx.Client(base_url=base, timeout=30) as http:
        token = http.post("/api/v1/auth/token", data={"username": "yingji", "password": PASSWORD}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}", "Origin": base}

        def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
            response = http.post(path, headers=headers, json=body)
            assert response.status_code == 201, response.text[:400]
            return dict(response.json())

        plan = post("/api/v1/emergency/plans", fire_plan())
        drill = post("/api/v1/emergency/drills", {
            "plan_id": plan["id"], "title": "新街口商场火灾综合应急演练", "content_kind": "comprehensive",
            "form_kind": "live", "scheduled_on": to_local(ctx.clock.now()).date().isoformat(),
            "place": "玄武区新街口某商场", "organizer": "玄武区应急管理局"})
    return int(drill["id"])




def test_a_drill_runs_live_on_the_desk_and_ends_without_a_ledger_row(
        ctx: AppContext, live_server: str, browser_page: Any, artifacts_dir: Path) -> None:
    drill_id = _world(ctx, live_server)
    page = browser_page
    page.set_viewport_size({"width": 1360, "height": 1000})
    login_as(page, live_server, "yingji", PASSWORD, f"/emergency/drills/{drill_id}")
    expect(page.locator("[data-testid=drill-state]")).to_contain_text("已计划")
    expect(page.locator("[data-testid=drill-live]")).to_contain_text("不计入事故台账和统计")
    page.screenshot(path=str(artifacts_dir / "em-drill-page-scheduled.png"), full_page=True)

    page.locator("[name=description]").fill("商场三楼服装区起火，组织顾客疏散")
    page.locator("[data-testid=start-live]").click()
    expect(page.locator("[data-testid=flash-ok]")).to_contain_text("已以演练模式启动")
    banner = page.locator("[data-testid=drill-banner]")
    expect(banner).to_contain_text("本事件为应急演练")
    badge = page.locator("[data-testid=incident-drill]")
    expect(badge).to_have_text("演练")
    assert badge.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(234, 88, 12)"  # orange
    expect(page.locator("[data-testid=timeline]")).to_contain_text("【演练】接报")
    page.screenshot(path=str(artifacts_dir / "em-drill-incident.png"), full_page=True)
    incident_id = int(page.url.split("/emergency/incidents/")[1].split("?")[0])

    # the duty desk lists it with its badge
    page.goto(f"{live_server}/emergency")
    row = page.locator("[data-testid=active-incidents] tr", has_text="新街口商场火灾综合应急演练")
    expect(row.locator(f"[data-testid=drill-{incident_id}]")).to_have_text("演练")
    page.screenshot(path=str(artifacts_dir / "em-drill-desk.png"), full_page=True)

    # its 首报: the DOCX is a 【演练】事故快报
    row.locator("a", has_text="新街口商场火灾综合应急演练").click()
    expect(page.locator("[data-testid=drill-banner]")).to_be_visible()
    page.click("text=报送信息报告")
    form = page.locator("[data-testid=report-form]")
    form.locator("[name=reporting_unit]").fill("玄武区应急管理局")
    form.locator("[name=issuer]").fill("陈志远")
    form.locator("[data-testid=report-submit]").click()
    expect(page.locator("[data-testid=flash-ok]")).to_contain_text("已报送首报")
    reports = page.locator("[data-testid=report-list]")
    expect(page.locator("[data-testid=timeline]")).to_contain_text("【演练】首报")
    with page.expect_download() as download_info:
        reports.locator("a", has_text="下载 DOCX").click()
    document = docx.Document(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    assert document.paragraphs[0].text == "【演练】事故快报"

    # the drill ends on its page; its incident is archived with it; the ledger has no row
    page.goto(f"{live_server}/emergency/drills/{drill_id}")
    expect(page.locator("[data-testid=drill-state]")).to_contain_text("演练进行中")
    record = page.locator("[data-testid=record-form]")
    record.locator("[name=participants]").fill("86")
    record.locator("[name=summary]").fill("疏散用时 6 分钟，首报 20 分钟完成")
    record.locator("[data-testid=record-drill]").click()
    expect(page.locator("[data-testid=flash-ok]")).to_contain_text("演练已结束")
    expect(page.locator("[data-testid=drill-state]")).to_contain_text("已实施")
    expect(page.locator("[data-testid=drill-live]")).to_contain_text("归档")
    page.screenshot(path=str(artifacts_dir / "em-drill-page-ended.png"), full_page=True)
    page.goto(f"{live_server}/emergency/ledger")
    expect(page.locator("[data-testid=ledger-rows]")).to_contain_text("暂无事故记录")
    page.screenshot(path=str(artifacts_dir / "em-drill-ledger.png"), full_page=True)
    assert _count(ctx, LedgerEntry) == 0
    with unit_of_work(ctx.session_factory) as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None and incident.state == "archived" and incident.is_drill
