"""工作台 in Chromium for four roles (issue #11 point 2): each sees what needs it now, each item leads to
where it is acted on, and the menu offers only what the role can do. Screenshots go to artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.support.workbench_city import NOW, PASSWORD, WorkbenchCity, seed

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext

pytestmark = pytest.mark.e2e


def _login(page: Any, live_server: str, username: str) -> None:
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("section[data-section]")


def _menu(page: Any) -> list[str]:
    return [t.strip() for t in page.locator("nav.mainnav a").all_inner_texts()]


def test_city_office_workbench(ctx: AppContext, demo_city: int, live_server: str, browser_page: Any,
                               artifacts_dir: Path) -> None:
    ctx.clock = FixedClock(NOW)
    city: WorkbenchCity = seed(ctx, city_office=False)
    page = browser_page
    _login(page, live_server, "nanjing")
    assert page.locator("h1").inner_text() == "南京市 · 工作台"
    assert "用户管理" in _menu(page) and "风险地图" in _menu(page)
    assert page.get_by_test_id("hazards-overdue").inner_text() == "1"
    assert int(page.get_by_test_id("risk-red").inner_text()) > 0  # the demo register has major sources
    assert page.locator("[data-testid=major-sources] li").count() == 6
    assert page.locator("[data-testid=area] tbody tr").count() == 11
    page.screenshot(path=str(artifacts_dir / "workbench-city-office.png"), full_page=True)
    page.locator(f"a[href='/hazards/tickets/{city.overdue_ticket_id}']").click()
    page.wait_for_url(f"**/hazards/tickets/{city.overdue_ticket_id}")
    assert "消防通道堆放杂物" in page.content()


def test_operator_workbench(ctx: AppContext, live_server: str, browser_page: Any, artifacts_dir: Path) -> None:
    ctx.clock = FixedClock(NOW)
    city = seed(ctx)
    page = browser_page
    _login(page, live_server, "duty")
    assert "风险地图" not in _menu(page) and "消防监测" in _menu(page)
    queue = page.locator("[data-testid=alarm-queue] li")
    assert queue.count() == 2 and "火警" in queue.nth(0).inner_text() and "故障" in queue.nth(1).inner_text()
    assert page.get_by_test_id("unacknowledged").inner_text() == "2"
    page.screenshot(path=str(artifacts_dir / "workbench-operator.png"), full_page=True)
    queue.nth(0).locator("a").click()
    page.wait_for_url(f"**/firewatch?alarm={city.fire_alarm_id}")
    page.wait_for_selector(f"[data-alarm='{city.fire_alarm_id}']")


def test_enterprise_workbench(ctx: AppContext, live_server: str, browser_page: Any, artifacts_dir: Path) -> None:
    ctx.clock = FixedClock(NOW)
    city = seed(ctx)
    page = browser_page
    _login(page, live_server, "zhongshan")
    assert _menu(page) == ["工作台", "我的任务", "上报", "我的隐患"]
    assert page.locator(f"a[href='/hazards/tickets/{city.other_ticket_id}']").count() == 0
    assert page.locator("[data-testid=permits] li").count() == 1
    page.screenshot(path=str(artifacts_dir / "workbench-enterprise.png"), full_page=True)


def test_grid_officer_workbench_on_a_phone(ctx: AppContext, live_server: str, browser_page: Any,
                                           artifacts_dir: Path) -> None:
    ctx.clock = FixedClock(NOW)
    city = seed(ctx)
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    _login(page, live_server, "grid")
    assert _menu(page) == ["工作台", "我的任务", "上报", "我的隐患"]  # the tab bar at the bottom
    task = page.locator(f"a[href='/hazards/tasks/{city.task_id}']")
    box = task.bounding_box()
    assert box is not None and box["height"] >= 44 and box["x"] + box["width"] <= 390  # a thumb's target, on screen
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    page.screenshot(path=str(artifacts_dir / "workbench-grid-officer-390.png"), full_page=True)
    task.click()
    page.wait_for_url(f"**/hazards/tasks/{city.task_id}")
