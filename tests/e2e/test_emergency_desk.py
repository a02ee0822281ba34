"""The duty desk in Chromium: the duty officer sets today's roster (a phone typed in words is refused), takes a
call (a loss typed as 300万 is refused at its field with everything typed kept), opens the incident, verifies
it, starts a 四级 response and reports a third death, which re-grades the accident to 较大; the timeline
verifies. Screenshots are kept in artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.e2e.e2e_support import login_as

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work

pytestmark = pytest.mark.e2e
PASSWORD = "correct-horse"


def _world(ctx: AppContext) -> None:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        auth_service.create_user(session, user_in=UserCreate(
            username="yingji", password=PASSWORD, role="department", region_code="320102",
            display_name="玄武区应急管理局值班员王磊"))


def _fill_roster(page: Any, *, leader_phone: str) -> None:
    form = page.locator("[data-testid=roster-form]")
    rows = (("name_0", "陈志远"), ("phone_0", leader_phone), ("name_1", "王磊"), ("phone_1", "13912345678"))
    for field, value in rows:
        form.locator(f"[name={field}]").fill(value)
    page.click("[data-testid=roster-submit]")


def test_duty_desk_in_the_browser(ctx: AppContext, live_server: str, browser_page: Any, artifacts_dir: Path) -> None:
    _world(ctx)
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 1000})
    login_as(page, live_server, "yingji", PASSWORD, "/emergency")
    assert "尚未排班" in page.locator("[data-testid=roster]").inner_text()
    _fill_roster(page, leader_phone="八四零零")
    assert "值班电话" in page.locator("[data-testid=flash-error]").inner_text()
    assert "尚未排班" in page.locator("[data-testid=roster]").inner_text()  # nothing half-written
    _fill_roster(page, leader_phone="025-84001234")
    assert "今日值班已更新" in page.locator("[data-testid=flash-ok]").inner_text()
    roster_box = page.locator("[data-testid=roster]")
    assert "陈志远" in roster_box.inner_text() and "025-84001234" in roster_box.inner_text()
    assert "暂无进行中的事件" in page.locator("[data-testid=active-incidents]").inner_text()

    # a call; the loss is typed in 万 and refused at its field, nothing typed is lost
    page.select_option("[name=category_subtype]", "accident:collapse")
    page.fill("[name=place]", "玄武区中山东路 18 号 在建工地")
    page.fill("[name=caller_name]", "工地安全员赵刚")
    page.fill("[name=caller_phone]", "13800001111")
    page.fill("[name=description]", "基坑东侧边坡坍塌，两名工人被埋，一人已送医")
    page.fill("[name=deaths]", "1")
    page.fill("[name=missing]", "1")
    page.fill("[name=serious_injuries]", "1")
    page.fill("[name=loss_yuan]", "300万")
    page.click("[data-testid=call-submit]")
    error = page.locator("[data-testid=flash-error]").inner_text()
    assert "直接经济损失（元）" in error and "以元为单位" in error, error
    assert page.input_value("[name=place]") == "玄武区中山东路 18 号 在建工地"
    assert page.input_value("[name=description]").startswith("基坑东侧边坡坍塌")
    assert "field-error" in (page.get_attribute("[name=loss_yuan]", "class") or "")
    page.screenshot(path=str(artifacts_dir / "emergency-desk-refused.png"), full_page=True)
    page.fill("[name=loss_yuan]", "3000000")
    page.click("[data-testid=call-submit]")
    page.wait_for_selector("[data-testid=flash-ok]")
    assert page.locator("[data-testid=incident-state]").inner_text() == "接报"
    assert page.locator("[data-testid=incident-grade]").inner_text() == "一般"
    assert "玄武区" in page.locator("[data-testid=incident-region]").inner_text()

    # verify, then a 四级 response
    page.click("[data-testid=act-verify]")
    page.wait_for_selector("[data-testid=flash-ok]")
    assert page.locator("[data-testid=incident-state]").inner_text() == "核实"
    page.select_option("[data-testid=next-step] select[name=response_level]", "4")
    page.click("[data-testid=act-respond]")
    page.wait_for_selector("[data-testid=incident-level]")
    assert page.locator("[data-testid=incident-level]").inner_text() == "四级响应"

    # the missing worker is found dead, a third death: 较大
    page.click("text=补报伤亡和损失")
    form = page.locator("[data-testid=casualties-form]")
    form.locator("[name=deaths]").fill("3")
    form.locator("[name=missing]").fill("0")
    form.locator("[name=note]").fill("失联工人遗体已找到，另一名伤者抢救无效")
    form.locator("button").click()
    page.wait_for_selector("[data-testid=flash-ok]")
    assert page.locator("[data-testid=incident-grade]").inner_text() == "较大"
    timeline = page.locator("[data-testid=timeline]").inner_text()
    assert "事故等级由一般调整为较大" in timeline and "四级响应" in timeline
    assert "记录完整" in page.locator("[data-testid=chain]").inner_text()
    page.screenshot(path=str(artifacts_dir / "emergency-incident.png"), full_page=True)

    page.goto(f"{live_server}/emergency")
    row = page.locator("[data-testid=active-incidents] tbody tr").first.inner_text()
    assert "较大" in row and "四级响应" in row and "坍塌" in row
    page.screenshot(path=str(artifacts_dir / "emergency-desk.png"), full_page=True)
