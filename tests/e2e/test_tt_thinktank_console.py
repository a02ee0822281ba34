"""The think tank, purchased services and participation in Chromium, on the Nanjing demo, as the city office: the
expert registry with an expert put on assignment; the catalogue and providers, a provider's page with an
evaluation added; the events calendar with a registration; an experience base booked and a second booking of the
same session by the same school refused; a volunteer team's members and activity. Screenshots go to
artifacts/tt-*.png."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.e2e.e2e_support import login_as
from tests.support.demo_parts import PASSWORD, seed_city

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.demo import emergency_resources, participation, thinktank

pytestmark = pytest.mark.e2e


@pytest.mark.timeout(240)
def test_think_tank_services_and_participation(ctx: AppContext, live_server: str, browser_page: Any,
                                               artifacts_dir: Path) -> None:
    seed_city(ctx, with_firewatch=False)
    with unit_of_work(ctx.session_factory, actor="demo") as session:
        rng = random.Random(2020)
        emergency_resources.seed_demo(session, rng)
        thinktank.seed_demo(session, rng)
        participation.seed_demo(session, rng)
    page = browser_page
    login_as(page, live_server, "nanjing", PASSWORD, "/thinktank/experts")
    rows = page.locator("[data-testid=expert-row]")
    expect(rows).to_have_count(20)
    page.select_option("[data-testid=expert-filter] select[name=field]", "safety_management")
    page.click("[data-testid=expert-filter] button[type=submit]")
    expect(rows).to_have_count(2)
    rows.first.locator("summary").click()
    first = rows.first.locator("[data-testid=availability-form]")
    first.locator("select[name=availability]").select_option("on_assignment")
    first.locator("input[name=note]").fill("化工园区专项检查")
    first.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=ok]")).to_contain_text("执行任务中")
    page.goto(f"{live_server}/thinktank/experts")
    expect(page.locator("[data-testid=expert-rows]")).to_contain_text("化工园区专项检查")
    page.screenshot(path=str(artifacts_dir / "tt-1-experts.png"), full_page=True)

    page.click("text=购买服务指导目录与服务机构")
    expect(page.locator("[data-testid=catalogue]")).to_contain_text("安全生产标准化评审")
    expect(page.locator("[data-testid=providers] [data-testid=expired]")).to_have_count(1)
    page.screenshot(path=str(artifacts_dir / "tt-2-services.png"), full_page=True)
    page.click("text=南京宁安安全技术咨询有限公司")
    page.click("[data-testid=evaluations] summary")
    form = page.locator("[data-testid=evaluation-form]")
    form.locator("input[name=evaluator]").fill("玄武区应急管理局")
    for name, score in (("quality", "96"), ("timeliness", "94"), ("expertise", "95"), ("compliance", "97"),
                        ("satisfaction", "92")):
        form.locator(f"input[name={name}]").fill(score)
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=ok]")).to_contain_text("综合得分 95.2")
    expect(page.locator("[data-testid=evaluation-row]")).to_have_count(3)
    page.screenshot(path=str(artifacts_dir / "tt-3-provider.png"), full_page=True)

    page.goto(f"{live_server}/participation/events")
    expect(page.locator("[data-testid=calendar] .ev")).to_have_count(7)
    page.screenshot(path=str(artifacts_dir / "tt-4-calendar.png"), full_page=True)

    page.click("text=安全体验基地")
    booking = page.locator("[data-testid=booking-form]").first
    booking.locator("input[name=visitor]").fill("南京市力学小学")
    booking.locator("input[name=people]").fill("20")
    booking.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=ok]")).to_contain_text("南京市力学小学预约成功")
    booking = page.locator("[data-testid=booking-form]").first
    booking.locator("input[name=visitor]").fill("南京市力学小学")  # the same first session again
    booking.locator("input[name=people]").fill("1")
    booking.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=error]")).to_contain_text("不能重复预约")
    page.screenshot(path=str(artifacts_dir / "tt-5-bases.png"), full_page=True)

    page.click("text=志愿者与社会组织")
    expect(page.locator("[data-testid=group-row]")).to_have_count(4)
    page.screenshot(path=str(artifacts_dir / "tt-6-groups.png"), full_page=True)
    page.click("text=南京蓝天救援队")
    expect(page.locator("[data-testid=member-row]")).to_have_count(5)
    expect(page.locator("[data-testid=activity-row]")).to_have_count(3)
    page.screenshot(path=str(artifacts_dir / "tt-7-group.png"), full_page=True)
