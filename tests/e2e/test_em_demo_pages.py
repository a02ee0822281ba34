"""The emergency demo in Chromium (issue #12 point 9): Nanjing's safety office opens the duty desk (today's
incidents, the overdue 首报 counted as 迟报, who is on duty with phones), the accident ledger filled by a year
of closed accidents, the plan library and the drill calendar with its overdue units. Screenshots go to
artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.e2e.e2e_support import login_as
from tests.support.demo_parts import PASSWORD, seed_city

from citysafe.core.context import AppContext

pytestmark = pytest.mark.e2e


@pytest.mark.timeout(240)
def test_emergency_demo_pages(ctx: AppContext, live_server: str, browser_page: Any, artifacts_dir: Path) -> None:
    seed_city(ctx, with_firewatch=False, with_emergency=True)
    page = browser_page
    login_as(page, live_server, "nanjing", PASSWORD, "/emergency")
    expect(page.locator("[data-testid=active-incidents]")).to_contain_text("火灾")
    expect(page.locator("[data-testid=active-incidents]")).to_contain_text("接报")
    expect(page.locator("[data-testid=active-incidents]")).to_contain_text("响应")
    expect(page.locator("[data-testid=late-count]")).to_contain_text("迟报")
    expect(page.locator("[data-testid=due-reports]")).to_contain_text("已超时")
    roster = page.locator("[data-testid=roster]")
    expect(roster).to_contain_text("带班领导")
    expect(roster).to_contain_text("值班员")
    assert roster.locator("a[href^='tel:1']").count() >= 2
    page.screenshot(path=str(artifacts_dir / "em-demo-1-duty-desk.png"), full_page=True)

    page.goto(f"{live_server}/emergency/ledger")
    rows = page.locator("[data-testid=ledger-rows] tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 20
    expect(page.locator("[data-testid=ledger-by-district]")).to_contain_text("区")
    expect(page.locator("[data-testid=ledger-rows]")).to_contain_text("有限公司")
    page.screenshot(path=str(artifacts_dir / "em-demo-2-ledger.png"), full_page=True)

    page.goto(f"{live_server}/emergency/plans")
    plans = page.locator("[data-testid=plans]")
    expect(plans).to_contain_text("南京市突发事件总体应急预案")
    expect(plans).to_contain_text("现场处置方案")
    expect(plans).to_contain_text("防汛防旱")
    page.screenshot(path=str(artifacts_dir / "em-demo-3-plan-library.png"), full_page=True)

    page.goto(f"{live_server}/emergency/drills")
    expect(page.locator("[data-testid=drills-overdue]")).to_contain_text("现场处置方案")
    expect(page.locator("[data-testid=drill-calendar]")).to_contain_text("演练")
    page.screenshot(path=str(artifacts_dir / "em-demo-4-drill-calendar.png"), full_page=True)
