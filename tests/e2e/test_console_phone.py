"""The console on a phone (issue #11 point 3): a grid officer and an enterprise at 390 px in a touch browser
get a compact header, their three tasks as a tab bar, card lists, a checklist of big toggles and the camera.
Screenshots go to artifacts/phone-*.png; they show the screen as the phone does (the viewport, not the whole
page, where the fixed tab bar would land in the middle)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.e2e.conftest import PHONE_WIDTH
from tests.hazards.conftest import tiny_png
from tests.support.workbench_city import NOW, PASSWORD, seed

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext

pytestmark = pytest.mark.e2e
THUMB = 44  # px: the smallest target a thumb hits reliably (WCAG 2.5.5, Apple's and Google's guides)
FIELD_MENU = ["工作台", "我的任务", "上报", "我的隐患"]


def _login(page: Any, live_server: str, username: str) -> None:
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("button[type=submit]").tap()
    page.wait_for_selector("section[data-section]")


def _fits_the_phone(page: Any) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE_WIDTH  # nothing to scroll sideways


def _thumb_sized(locator: Any) -> None:
    for i in range(locator.count()):
        box = locator.nth(i).bounding_box()
        assert box is not None and box["height"] >= THUMB and box["x"] + box["width"] <= PHONE_WIDTH + 0.5, box


def _compact_header(page: Any) -> None:
    assert page.locator(".brand-short").is_visible() and not page.locator(".brand-full").is_visible()
    header = page.locator("header.topbar").bounding_box()
    assert header is not None and header["height"] <= 60  # one line; the account links are behind the button
    assert not page.locator(".who").is_visible()


def _tab(page: Any, name: str) -> None:
    page.locator("nav.mainnav a", has_text=name).tap()
    page.wait_for_load_state()


def test_grid_officer_on_a_phone(ctx: AppContext, live_server: str, phone: Any, artifacts_dir: Path,
                                 tmp_path: Path) -> None:
    ctx.clock = FixedClock(NOW)
    city = seed(ctx)
    page = phone
    _login(page, live_server, "grid")
    _compact_header(page)
    tabs = page.locator("nav.mainnav a")
    assert [t.strip() for t in tabs.all_inner_texts()] == FIELD_MENU
    _thumb_sized(tabs)
    bar = page.locator("nav.mainnav").bounding_box()
    assert bar is not None and bar["y"] + bar["height"] >= 844 - 1  # the tab bar sits at the bottom edge

    # 我的任务: one card per task, the whole card a target.
    _tab(page, "我的任务")
    assert page.locator("h1").inner_text() == "我的任务"
    assert page.locator("nav.mainnav a.active").inner_text().strip() == "我的任务"
    cards = page.locator("[data-testid=task-row]")
    assert cards.count() == 1 and "玄武门街道沿街小餐饮店" in cards.first.inner_text()
    plan = cards.first.locator("td[data-label='计划']")  # the card names each value before it
    assert plan.inner_text() == "三月九小场所消防检查"
    assert plan.evaluate("td => getComputedStyle(td, '::before').content") == '"计划："'
    _thumb_sized(cards)
    assert page.locator("table[data-testid=tasks] thead").is_hidden()
    assert page.get_by_text("排查计划").count() == 0  # the office's plan table stays off the phone
    _fits_the_phone(page)
    page.screenshot(path=str(artifacts_dir / "phone-grid-1-tasks.png"))

    # The checklist: one item per card, three big toggles each; 不合格 needs a note and takes a photo.
    cards.first.tap()
    page.wait_for_url(f"**/hazards/tasks/{city.task_id}")
    items = page.locator("[data-testid=check-item]")
    assert items.count() >= 5
    toggles = items.nth(1).locator(".toggles span")
    assert toggles.all_inner_texts() == ["合格", "不合格", "不适用"]
    _thumb_sized(toggles)
    toggles.nth(1).tap()
    assert items.nth(1).locator("input[value=fail]").is_checked()
    items.nth(1).locator("input[type=text]").fill("后门被货物堵死，无法开启")
    camera = items.nth(1).locator("input[type=file]")
    assert camera.get_attribute("capture") == "environment" and camera.get_attribute("accept") == "image/*"
    photo = tmp_path / "back-door.png"
    photo.write_bytes(tiny_png((120, 90, 60), size=64))
    camera.set_input_files(str(photo))
    items.nth(1).locator(".preview img").wait_for()
    items.nth(3).locator(".toggles span", has_text="不适用").tap()
    _fits_the_phone(page)
    items.nth(1).scroll_into_view_if_needed()
    page.evaluate("() => window.scrollBy(0, -120)")  # the item filled in, under the header
    page.screenshot(path=str(artifacts_dir / "phone-grid-2-checklist.png"))
    page.locator("button[type=submit]", has_text="提交检查结果").tap()
    page.wait_for_selector("[data-testid=flash-ok]")
    results = page.locator("[data-testid=task-results] tbody tr")
    assert "不合格" in results.nth(1).inner_text() and "后门被货物堵死" in results.nth(1).inner_text()

    # 上报: nothing is chosen for the officer; spaces are not a description.
    _tab(page, "上报")
    category = page.locator("select[name=category]")
    assert category.input_value() == "" and category.locator("option").first.inner_text() == "请选择"
    page.fill("textarea[name=description]", "   ")
    assert not page.evaluate("() => document.getElementById('report-form').checkValidity()")  # 请选择 blocks it
    category.select_option("fire_safety")
    page.locator("#submit-report").tap()
    refusal = page.locator("[data-testid=flash-error]")
    assert refusal.inner_text() == "隐患描述：不能为空或只有空格"
    assert page.locator("select[name=category]").input_value() == "fire_safety"  # what was chosen stays
    page.wait_for_selector("#geo[data-located='1']")
    page.fill("textarea[name=description]", "湖南路12号店门口电动车停放充电，堵住疏散通道")
    page.fill("input[name=place_name]", "玄武门街道沿街小餐饮店")
    report_camera = page.locator("input[name=photos]")
    assert report_camera.get_attribute("capture") == "environment"
    _thumb_sized(page.locator("[data-testid=camera-photos]"))
    report_camera.set_input_files(str(photo))
    page.wait_for_selector("#preview img")
    _fits_the_phone(page)
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=str(artifacts_dir / "phone-grid-3-report.png"))
    page.locator("#submit-report").tap()
    page.wait_for_selector("[data-testid=flash-ok]")

    # 我的隐患: what this officer reported, as cards.
    _tab(page, "我的隐患")
    assert page.locator("h1").inner_text() == "我的隐患"
    mine = page.locator("[data-testid=ticket-row]")
    assert mine.count() == 2  # the report and the ticket the failed checklist item raised
    assert any("电动车停放充电" in text for text in mine.all_inner_texts())
    _thumb_sized(mine)
    _fits_the_phone(page)
    page.screenshot(path=str(artifacts_dir / "phone-grid-4-my-hazards.png"))


def test_enterprise_on_a_phone(ctx: AppContext, live_server: str, phone: Any, artifacts_dir: Path) -> None:
    ctx.clock = FixedClock(NOW)
    city = seed(ctx)
    page = phone
    _login(page, live_server, "zhongshan")
    _compact_header(page)
    assert [t.strip() for t in page.locator("nav.mainnav a").all_inner_texts()] == FIELD_MENU

    _tab(page, "我的隐患")
    assert page.locator("h1").inner_text() == "我的隐患"
    cards = page.locator("[data-testid=ticket-row]")
    assert cards.count() == 1  # its own ticket, not the other unit's
    card = cards.first.inner_text()
    assert "消防通道堆放杂物" in card and "逾期" in card and "玄武区" in card
    _thumb_sized(cards)
    _fits_the_phone(page)
    page.screenshot(path=str(artifacts_dir / "phone-enterprise-1-tickets.png"))

    # The account links fold behind the button with the user's name.
    page.get_by_test_id("menu-button").tap()
    _thumb_sized(page.locator(".who a, .who button"))
    page.screenshot(path=str(artifacts_dir / "phone-enterprise-2-account-menu.png"))
    page.get_by_test_id("menu-button").tap()

    # 我的任务: the tickets handed to it to rectify, the way into each.
    _tab(page, "我的任务")
    assert page.locator("h1").inner_text() == "我的任务 · 待整改隐患"
    assert page.locator("nav.mainnav a.active").inner_text().strip() == "我的任务"
    assert cards.count() == 1 and "消防通道堆放杂物" in cards.first.inner_text()
    cards.first.tap()
    page.wait_for_url(f"**/hazards/tickets/{city.overdue_ticket_id}")
    assert "二号仓库消防通道堆放纸箱" in page.content()
    _fits_the_phone(page)
    page.screenshot(path=str(artifacts_dir / "phone-enterprise-3-ticket.png"))


def test_office_menu_folds_on_a_phone(ctx: AppContext, live_server: str, phone: Any, artifacts_dir: Path) -> None:
    ctx.clock = FixedClock(NOW)
    seed(ctx)
    page = phone
    _login(page, live_server, "xuanwu")
    _compact_header(page)
    menu = page.locator("nav.mainnav")
    assert not menu.is_visible()  # an office's whole menu waits behind the button
    button = page.get_by_test_id("menu-button")
    assert button.inner_text().startswith("菜单")
    button.tap()
    items = menu.locator("a")
    assert "风险地图" in items.all_inner_texts() and "用户管理" in items.all_inner_texts()
    _thumb_sized(items)
    _fits_the_phone(page)
    page.screenshot(path=str(artifacts_dir / "phone-office-menu.png"))
    items.filter(has_text="隐患排查").tap()
    page.wait_for_url("**/hazards")
    assert not menu.is_visible()  # a new page starts folded again
