"""Unified command in Chromium: the duty officer activates the district's fire plan at 四级 from the incident
page → the command (总指挥, groups) and its tasks with their deadlines are shown; the officer assigns the police
liaison to 治安警戒组; the liaison, in another browser, finds the task under 我的任务 and marks it done → the
officer's page, never reloaded, shows the entry on its timeline and the task done in its command panel, live;
the room reads without codes in Chinese and without Chinese of the interface in English. Screenshots are kept
in artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.e2e.e2e_support import login_as, watch_page
from tests.emergency.plan_samples import fire_plan
from tests.web.console_scan import problems

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.emergency import service as incidents
from citysafe.emergency.calc.lifecycle import Action
from citysafe.emergency.plans import service as plans
from citysafe.emergency.plans.schemas import PlanCreate
from citysafe.emergency.schemas import IncidentCreate, TransitionIn

pytestmark = pytest.mark.e2e
PASSWORD = "correct-horse"


def _world(ctx: AppContext) -> int:
    """The two accounts, the 玄武区 fire plan, and a verified fire at a shopping centre; returns its id."""
    now = ctx.clock.now()
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        office = auth_service.create_user(session, user_in=UserCreate(
            username="xuanwu", password=PASSWORD, role="district_office", region_code="320102",
            display_name="玄武区安委办"))
        duty = auth_service.create_user(session, user_in=UserCreate(
            username="yingji", password=PASSWORD, role="department", region_code="320102",
            display_name="玄武区应急管理局值班员王磊"))
        auth_service.create_user(session, user_in=UserCreate(
            username="jingwu", password=PASSWORD, role="department", region_code="320102",
            display_name="玄武公安分局联络员李强", phone="13705170110"))
        session.flush()
        plans.create(session, plan_in=PlanCreate.model_validate(fire_plan()),
                     principal=auth_service.principal_for(office), now=now)
        incident = incidents.open_incident(session, incident_in=IncidentCreate(
            category="accident", subtype="fire", description="商场三层餐饮区起火，烟雾较大，部分顾客被困",
            place="玄武区中山路 1 号 某商场", region_code="320102", location={"lon": 118.7837, "lat": 32.0453},
            caller_name="商场保安陈刚",
            caller_phone="13800001234"), principal=auth_service.principal_for(duty), settings=ctx.settings, now=now)
        incidents.transition(session, incident=incident, change=TransitionIn(action=Action.VERIFY),
                             principal=auth_service.principal_for(duty), settings=ctx.settings, now=now)
        return incident.id


def test_command_room_in_two_browsers(ctx: AppContext, live_server: str, browser_page: Any,
                                      page_problems: list[str], artifacts_dir: Path) -> None:
    incident_id = _world(ctx)
    room = f"/emergency/incidents/{incident_id}"
    page = browser_page
    page.set_viewport_size({"width": 1400, "height": 1000})
    login_as(page, live_server, "yingji", PASSWORD, room)
    expect(page.locator("[data-testid=live]")).to_contain_text("实时更新中")

    # 启动预案: the matching plan is offered first, with the level its trigger suggests
    form = page.locator("[data-testid=activation-form]")
    expect(form.locator("select[name=plan_id] option").first).to_contain_text("玄武区火灾事故专项应急预案")
    expect(form.locator("select[name=level]")).to_have_value("4")  # the level the plan's trigger calls for
    form.locator("[name=note]").fill("商场人员密集，先按四级响应")
    page.click("[data-testid=activate]")
    expect(page.locator("[data-testid=flash-ok]")).to_contain_text("指挥部已成立")
    command = page.locator("[data-testid=command]")
    expect(command).to_contain_text("四级响应")
    expect(page.locator("[data-testid=commander]")).to_contain_text("区长")
    for group in ("综合协调组", "抢险救援组", "医疗救护组", "治安警戒组"):
        expect(command).to_contain_text(group)
    expect(command).to_contain_text("设置警戒区")
    expect(command).to_contain_text("核实火情并首报")
    expect(page.locator("[data-testid=incident-level]")).to_have_text("四级响应")
    expect(page.locator("[data-testid=incident-state]")).to_have_text("响应")

    # the police liaison joins 治安警戒组 (an account: its phone comes with it, click to call)
    members = page.locator("[data-testid=member-form]")
    members.locator("select[name=post]").select_option("member")
    members.locator("select[name=group_name]").select_option("治安警戒组")
    members.locator("select[name=user_id]").select_option(label="玄武公安分局联络员李强 13705170110")
    members.locator("[name=organisation]").fill("玄武公安分局")
    page.click("[data-testid=add-member]")
    expect(page.locator("[data-testid=flash-ok]")).to_have_text("已安排 玄武公安分局联络员李强 任治安警戒组成员")
    expect(command.locator("a[href='tel:13705170110']")).to_be_visible()
    expect(page.locator("[data-testid=live]")).to_contain_text("实时更新中")
    expect(page.locator("[data-testid=incident-map] path.leaflet-interactive")).to_have_count(1)  # the place
    expect(page.locator("[data-testid=incident-map] path:not(.leaflet-interactive)")).not_to_have_count(0)  # 玄武区
    page.screenshot(path=str(artifacts_dir / "emergency-command-room.png"), full_page=True)

    # the liaison, in a browser of their own
    liaison_context = page.context.browser.new_context(viewport={"width": 1000, "height": 800}, locale="zh-CN")
    liaison = liaison_context.new_page()
    liaison.set_default_timeout(20_000)
    watch_page(liaison, page_problems)
    login_as(liaison, live_server, "jingwu", PASSWORD, "/emergency/tasks")
    mine = liaison.locator("[data-testid=my-tasks]")
    expect(mine).to_contain_text("设置警戒区")
    expect(mine).not_to_contain_text("核实火情并首报")  # another group's task
    liaison.screenshot(path=str(artifacts_dir / "emergency-my-tasks.png"), full_page=True)
    task = mine.locator("li.task").filter(has_text="设置警戒区")
    task.locator("[name=note]").fill("中山路两个路口已拉警戒线")
    task.locator("[data-testid=task-done]").click()
    expect(liaison.locator("[data-testid=flash-ok]")).to_contain_text("已完成")
    expect(liaison.locator("[data-testid=no-tasks]")).to_be_visible()

    # the officer's page, not reloaded, shows it on the timeline
    timeline = page.locator("[data-testid=timeline]")
    expect(timeline).to_contain_text("任务“设置警戒区”（治安警戒组）：待办 → 已完成；中山路两个路口已拉警戒线")
    expect(timeline.locator("li").last).to_contain_text("玄武公安分局联络员李强")
    # ... and its command panel follows: the task is done there too, with the liaison's note
    done = page.locator("[data-testid=command] li.task").filter(has_text="设置警戒区")
    expect(done.locator("[data-testid=task-state]")).to_have_text("已完成")
    expect(done).to_contain_text("中山路两个路口已拉警戒线")
    page.screenshot(path=str(artifacts_dir / "emergency-command-live.png"), full_page=True)
    # after a reload the chain still verifies
    page.reload()
    expect(page.locator("[data-testid=command] li.task").filter(has_text="设置警戒区")).to_contain_text("已完成")
    expect(page.locator("[data-testid=chain]")).to_contain_text("记录完整")
    assert problems(page.content()) == []
    page.goto(f"{live_server}{room}?lang=en")
    expect(page.locator("[data-testid=command]")).to_contain_text("Command")
    assert problems(page.content(), english=True) == []
    page.screenshot(path=str(artifacts_dir / "emergency-command-room-en.png"), full_page=True)
    liaison.goto(f"{live_server}/emergency/tasks?done=1&lang=en")
    expect(liaison.locator("[data-testid=my-tasks]")).to_contain_text("Done")
    assert problems(liaison.content(), english=True) == []
    liaison_context.close()
