"""Information reports in Chromium: the duty desk's 报告时限 panel lists an incident's 首报 clock as due and an older
incident's as overdue (迟报, red, first); the officer opens the new incident, sees its clock running, files the
首报 from the form prefilled with what the incident knows, the clock shows 已报 and the clock leaves the desk's
panel, while the overdue one stays with its 迟报 count. The 事故快报 downloads as DOCX. Screenshots in artifacts/."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import docx
import pytest
from playwright.sync_api import expect
from tests.e2e.e2e_support import login_as

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.emergency import service as emergency_service
from citysafe.emergency.schemas import IncidentCreate

pytestmark = pytest.mark.e2e
PASSWORD = "correct-horse"


def _world(ctx: AppContext) -> tuple[int, int]:
    """The officer; a collapse reported now and a fire reported two hours ago (its 首报 clock has run out)."""
    now = ctx.clock.now()
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        auth_service.create_user(session, user_in=UserCreate(
            username="yingji", password=PASSWORD, role="department", region_code="320102",
            display_name="玄武区应急管理局值班员王磊"))
        old = emergency_service.open_incident(session, incident_in=IncidentCreate(
            category="accident", subtype="fire", description="仓库起火，一人受伤", place="玄武区龙蟠路 9 号 仓库",
            title="龙蟠路仓库火灾", region_code="320102", serious_injuries=1), principal=None,
            settings=ctx.settings, now=now - timedelta(hours=2))
        new = emergency_service.open_incident(session, incident_in=IncidentCreate(
            category="accident", subtype="collapse", description="基坑东侧边坡坍塌，两名工人被埋",
            place="玄武区中山东路 18 号 在建工地", title="中山东路工地坍塌", region_code="320102", deaths=1,
            missing=1), principal=None, settings=ctx.settings, now=now)
        return old.id, new.id


def test_the_first_report_stops_its_clock(ctx: AppContext, live_server: str, browser_page: Any,
                                          artifacts_dir: Path) -> None:
    old, new = _world(ctx)
    page = browser_page
    page.set_viewport_size({"width": 1360, "height": 1000})
    login_as(page, live_server, "yingji", PASSWORD, "/emergency")
    panel = page.locator("[data-testid=due-reports]")
    expect(panel).to_contain_text("报告时限")
    overdue = panel.locator(f"[data-testid=due-{old}-county-written]")
    expect(overdue).to_contain_text("已超时 1 小时")
    expect(overdue).to_contain_text("龙蟠路仓库火灾")
    expect(panel.locator("tbody tr").first).to_have_attribute("class", "row-overdue")  # overdue first
    due = panel.locator(f"[data-testid=due-{new}-county-written]")
    expect(due).to_contain_text("剩余")
    expect(due).to_contain_text("事发单位 → 玄武区（县级）")
    expect(panel.locator("[data-testid=late-count]")).to_contain_text("迟报 1 次")
    late_colour = overdue.locator(".clock-late").evaluate("e => getComputedStyle(e).color")
    assert late_colour != due.locator(".clock-due").evaluate("e => getComputedStyle(e).color")  # red, not amber
    page.screenshot(path=str(artifacts_dir / "em-reports-desk-before.png"), full_page=True)

    # the new incident: its 首报 clock runs; the form knows the place, the course and the figures
    due.locator("a").click()
    clock = page.locator("[data-testid=clock-county-written]")
    expect(clock).to_contain_text("剩余")
    expect(clock).to_contain_text("第九条")
    page.click("text=报送信息报告")
    form = page.locator("[data-testid=report-form]")
    expect(form.locator("[name=course]")).to_have_value("基坑东侧边坡坍塌，两名工人被埋")
    expect(form.locator("[name=deaths]")).to_have_value("1")
    assert "中山东路 18 号" in form.locator("[name=time_place_scene]").input_value()
    assert form.locator("[name=kind]").input_value() == "initial"
    assert form.locator("[name=to_level]").input_value() == "county"
    # the reporting unit left empty is refused at its field, nothing typed is lost
    form.locator("[name=measures]").fill("已组织现场人员撤离，消防救援站正在搜救")
    form.locator("[name=reporting_unit]").evaluate("e => e.removeAttribute('required')")
    form.locator("[data-testid=report-submit]").click()
    expect(page.locator("[data-testid=flash-error]")).to_contain_text("报送单位")
    form = page.locator("[data-testid=report-form]")
    expect(form.locator("[name=measures]")).to_have_value("已组织现场人员撤离，消防救援站正在搜救")
    assert "field-error" in (form.locator("[name=reporting_unit]").get_attribute("class") or "")
    form.screenshot(path=str(artifacts_dir / "em-reports-form-refused.png"))
    form.locator("[name=reporting_unit]").fill("南京某建设工程有限公司")
    form.locator("[name=issuer]").fill("陈志远")
    form.locator("[name=reporter_phone]").fill("025-84001234")
    form.locator("[data-testid=report-submit]").click()
    expect(page.locator("[data-testid=flash-ok]")).to_contain_text("已报送首报")
    clock = page.locator("[data-testid=clock-county-written]")
    expect(clock).to_contain_text("已报")
    expect(page.locator("[data-testid=clock-city-written]")).to_contain_text("剩余")
    reports = page.locator("[data-testid=report-list]")
    expect(reports).to_contain_text("首报")
    expect(reports).to_contain_text("南京某建设工程有限公司")
    expect(page.locator("[data-testid=timeline]")).to_contain_text("首报（书面报告）")
    page.screenshot(path=str(artifacts_dir / "em-reports-incident.png"), full_page=True)
    with page.expect_download() as download_info:
        reports.locator("a", has_text="下载 DOCX").click()
    path = download_info.value.path()
    document = docx.Document(io.BytesIO(Path(path).read_bytes()))
    assert document.paragraphs[0].text == "事故快报"
    assert any("已组织现场人员撤离" in p.text for p in document.paragraphs)

    # back on the desk: the met clock has left the panel, the overdue one stays, still one 迟报
    page.goto(f"{live_server}/emergency")
    panel = page.locator("[data-testid=due-reports]")
    expect(panel.locator(f"[data-testid=due-{old}-county-written]")).to_contain_text("已超时")
    expect(panel.locator(f"[data-testid=due-{new}-county-written]")).to_have_count(0)
    expect(panel.locator(f"[data-testid=due-{new}-city-written]")).to_contain_text("县级 → 南京市（市级）")
    expect(panel.locator("[data-testid=late-count]")).to_contain_text("迟报 1 次")
    page.screenshot(path=str(artifacts_dir / "em-reports-desk-after.png"), full_page=True)
