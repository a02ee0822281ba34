"""Issue #12's flow end to end in Chromium, from a real fire to a filed 首报: a UITD reports a fire over GB/T
26875.3 → the monitoring centre's operator confirms it on the firewatch board → the incident appears on the
emergency duty desk by itself (FireConfirmed) → the duty officer verifies it and activates the district's fire
plan at 四级 → the command and its tasks exist → the police liaison, in a browser of their own, marks their
task done and the officer's page shows it live → the officer files the 首报 and its clock stops (and leaves
the desk's 报告时限 panel). Screenshots in artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.e2e.e2e_support import login_as, watch_page
from tests.e2e.fire_unit import acknowledge_verify_confirm, networked_unit, send_fire
from tests.emergency.plan_samples import fire_plan
from tests.hazards.conftest import tiny_png

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.emergency.plans import service as plans
from citysafe.emergency.plans.schemas import PlanCreate

pytestmark = pytest.mark.e2e
PASSWORD = "correct-horse"


@pytest.fixture
def ctx(ctx: AppContext) -> AppContext:
    """The networked unit and the operator; 玄武区's office (owner of the fire plan), its emergency bureau's
    duty officer and the police liaison."""
    networked_unit(ctx)
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        office = auth_service.create_user(session, user_in=UserCreate(
            username="xuanwu", password=PASSWORD, role="district_office", region_code="320102",
            display_name="玄武区安委办"))
        auth_service.create_user(session, user_in=UserCreate(
            username="yingji", password=PASSWORD, role="department", region_code="320102",
            display_name="玄武区应急管理局值班员王磊"))
        auth_service.create_user(session, user_in=UserCreate(
            username="jingwu", password=PASSWORD, role="department", region_code="320102",
            display_name="玄武公安分局联络员李强", phone="13705170110"))
        session.flush()
        plans.create(session, plan_in=PlanCreate.model_validate(fire_plan()),
                     principal=auth_service.principal_for(office), now=ctx.clock.now())
    return ctx


def _confirm_on_the_board(page: Any, live_server: str, ctx: AppContext) -> None:
    login_as(page, live_server, "duty", "correct-horse", "/firewatch")
    page.wait_for_selector("#fw-live.on")  # the event stream is connected
    send_fire(ctx.extras["gb26875_gateway"].port)
    row = page.locator("#fw-alarms tbody tr[data-kind='fire']")
    row.wait_for()
    row.click()
    page.wait_for_selector("#fw-detail[data-alarm]")
    acknowledge_verify_confirm(page)


def test_a_confirmed_fire_becomes_a_commanded_incident_with_its_first_report(
    ctx: AppContext, live_server: str, browser_page: Any, page_problems: list[str], artifacts_dir: Path,
) -> None:
    operator = browser_page
    _confirm_on_the_board(operator, live_server, ctx)

    # the duty officer's desk: the fire is there without anyone typing it in, its 首报 clock running
    officer_context = operator.context.browser.new_context(viewport={"width": 1400, "height": 1000},
                                                           locale="zh-CN")
    page = officer_context.new_page()
    page.set_default_timeout(20_000)
    watch_page(page, page_problems)
    login_as(page, live_server, "yingji", PASSWORD, "/emergency")
    incidents = page.locator("[data-testid=active-incidents]")
    expect(incidents).to_contain_text("火灾")
    expect(page.locator("[data-testid=due-reports]")).to_contain_text("剩余")
    page.screenshot(path=str(artifacts_dir / "em-flow-1-desk.png"), full_page=True)
    incidents.locator("a").last.click()
    expect(page.locator("h1")).to_contain_text("南京钟山商业广场")

    # 核实, then 启动预案 at 四级: the command, its groups and tasks
    page.click("[data-testid=act-verify]")
    expect(page.locator("[data-testid=flash-ok]")).to_contain_text("核实")
    form = page.locator("[data-testid=activation-form]")
    expect(form.locator("select[name=plan_id] option").first).to_contain_text("火灾")
    form.locator("select[name=level]").select_option("4")
    page.click("[data-testid=activate]")
    expect(page.locator("[data-testid=flash-ok]")).to_contain_text("指挥部已成立")
    command = page.locator("[data-testid=command]")
    expect(command).to_contain_text("四级响应")
    expect(command).to_contain_text("治安警戒组")
    expect(command).to_contain_text("设置警戒区")
    members = page.locator("[data-testid=member-form]")
    members.locator("select[name=post]").select_option("member")
    members.locator("select[name=group_name]").select_option("治安警戒组")
    members.locator("select[name=user_id]").select_option(label="玄武公安分局联络员李强 13705170110")
    page.click("[data-testid=add-member]")
    expect(page.locator("[data-testid=flash-ok]")).to_contain_text("玄武公安分局联络员李强")
    # the map shows what the platform knows around the fire: the networked unit itself
    expect(page.locator("[data-testid=nearby-legend][data-ready='1']")).to_contain_text("联网单位 1")
    page.screenshot(path=str(artifacts_dir / "em-flow-2-command.png"), full_page=True)

    # the liaison marks the task done in their own browser; the officer's page follows live
    liaison_context = operator.context.browser.new_context(viewport={"width": 1000, "height": 800}, locale="zh-CN")
    liaison = liaison_context.new_page()
    liaison.set_default_timeout(20_000)
    watch_page(liaison, page_problems)
    login_as(liaison, live_server, "jingwu", PASSWORD, "/emergency/tasks")
    task = liaison.locator("[data-testid=my-tasks] li.task").filter(has_text="设置警戒区")
    task.locator("[name=note]").fill("商场周边两个路口已拉警戒线")
    task.locator("[data-testid=task-done]").click()
    expect(liaison.locator("[data-testid=flash-ok]")).to_contain_text("已完成")
    expect(page.locator("[data-testid=timeline]")).to_contain_text("商场周边两个路口已拉警戒线")

    # the 首报 to the county: filed from the prefilled form, its clock stops
    page.reload()
    page.click("text=报送信息报告")
    report = page.locator("[data-testid=report-form]")
    expect(report.locator("[name=kind]")).to_have_value("initial")
    report.locator("[name=reporting_unit]").fill("南京钟山商业广场")
    report.locator("[name=issuer]").fill("李强")
    report.locator("[name=reporter_phone]").fill("025-84000000")
    report.locator("[name=measures]").fill("消防救援站已到场处置，商场已疏散")
    report.locator("[data-testid=report-submit]").click()
    expect(page.locator("[data-testid=flash-ok]")).to_contain_text("已报送首报")
    expect(page.locator("[data-testid=clock-county-written]")).to_contain_text("已报")
    expect(page.locator("[data-testid=timeline]")).to_contain_text("首报")

    # a scene photo goes on the timeline; its digest is chained, the page links the file
    attach = page.locator("[data-testid=attach-form]")
    attach.locator("[name=file]").set_input_files(files=[{"name": "现场照片.png", "mimeType": "image/png",
                                                        "buffer": tiny_png()}])
    attach.locator("[name=note]").fill("商场东门外拍摄")
    attach.locator("[data-testid=attach]").click()
    expect(page.locator("[data-testid=flash-ok]")).to_contain_text("现场照片.png")
    link = page.locator("[data-testid=attachment-link]").last
    assert page.request.get(live_server + (link.get_attribute("href") or "")).body() == tiny_png()
    expect(page.locator("[data-testid=chain]")).to_contain_text("记录完整未被改动")
    page.screenshot(path=str(artifacts_dir / "em-flow-3-first-report.png"), full_page=True)

    page.goto(f"{live_server}/emergency")
    expect(page.locator("[data-testid=due-reports]")).not_to_contain_text("事发单位 → 玄武区")
    assert page_problems == []
    liaison_context.close()
    officer_context.close()
