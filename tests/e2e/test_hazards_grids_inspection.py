"""Grids and inspection in Chromium, as the district office and its grid officer work them: a grid pasted
outside its community is refused (the typed values kept), then drawn on the map; two officers are assigned and
one removed after a confirmation; a checklist without items is refused, then made with three item rows (a row
added and one removed); a plan over two shops of the grid is handed to its officer, who logs in and finds the
tasks. Screenshots are kept in artifacts/."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from shapely.geometry import shape
from tests.e2e.e2e_support import login_as

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.geo import Location
from citysafe.hazards.grids import service as grids
from citysafe.hazards.grids.schemas import PlaceCreate
from citysafe.regions import service as regions_service

# One long flow through six pages and two users; the shared machine can make it slow.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]
PASSWORD = "correct-horse"
COMMUNITY = "320102002001"  # 梅园新村社区居委会 (no surveyed boundary: checked against 玄武区's)
# A square in Suzhou, far outside Xuanwu.
SUZHOU = {"type": "Polygon", "coordinates": [[[120.60, 31.30], [120.61, 31.30], [120.61, 31.31], [120.60, 31.31],
                                               [120.60, 31.30]]]}


def _world(ctx: AppContext) -> None:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        for username, role, region, name, phone in [
                ("xuanwu", "district_office", "320102", "玄武区安委办", ""),
                ("wangwu", "grid_officer", "320102002", "王五", "13900000001"),
                ("lisi", "grid_officer", "320102002", "李四", "13900000002")]:
            auth_service.create_user(session, user_in=UserCreate(
                username=username, password=PASSWORD, role=role, region_code=region, display_name=name,
                phone=phone))


def _shops_in(ctx: AppContext, code: str) -> None:
    """Two shops inside the new grid, registered as a grid officer would (there is no office page for it)."""
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        area = shape(regions_service.boundary_feature(session, code=code)["geometry"])
        point = area.representative_point()
        for n, name in enumerate(["老王小吃店", "兰园美发屋"]):
            place = grids.create_place(session, place_in=PlaceCreate(
                name=name, place_type="nine_small", address=f"长江路 {n + 1} 号", region_code=COMMUNITY,
                location=Location(lon=point.x + n * 1e-5, lat=point.y)), fallback_region=COMMUNITY)
            assert place.region_code == code


def _day(offset: int) -> str:
    return (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=offset)).strftime("%Y-%m-%d")


def _draw_square(page: Any) -> None:
    """Click four corners around the middle of the drawing map (inside 玄武区, which the map is fitted to)."""
    page.wait_for_selector("#draw-map[data-loaded]")
    box = page.locator("#draw-map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in [(-30, -30), (30, -30), (30, 30), (-30, 30)]:
        page.mouse.click(cx + dx, cy + dy)


def test_grids_checklists_and_plans_in_the_browser(ctx: AppContext, live_server: str, browser_page: Any,
                                                    artifacts_dir: Path) -> None:
    _world(ctx)
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})

    # 1. a new grid pasted outside its community is refused; the name and the pasted boundary stay
    login_as(page, live_server, "xuanwu", PASSWORD, "/hazards/grids")
    page.click("[data-testid=grid-new]")
    page.select_option("[name=community_code]", COMMUNITY)
    page.fill("[name=name]", "长江路第一网格")
    page.fill("[name=boundary]", json.dumps(SUZHOU))
    page.click("#submit-grid")
    error = page.locator("[data-testid=flash-error]").inner_text()
    assert "网格边界：网格超出梅园新村社区居委会范围" in error and "按玄武区边界核对" in error
    assert page.locator("[name=name]").input_value() == "长江路第一网格"
    assert json.loads(page.locator("[name=boundary]").input_value()) == SUZHOU
    page.screenshot(path=str(artifacts_dir / "grids-1-outside-community.png"), full_page=True)

    # 2. drawn on the map instead: four clicks make the polygon the form sends
    page.click("#draw-clear")
    _draw_square(page)
    drawn = json.loads(page.locator("[name=boundary]").input_value())
    assert drawn["type"] == "Polygon" and len(drawn["coordinates"][0]) == 5
    page.screenshot(path=str(artifacts_dir / "grids-2-drawn.png"), full_page=True)
    page.click("#submit-grid")
    flash = page.locator("[data-testid=flash-ok], [data-testid=flash-error]").first
    assert "已建立" in flash.inner_text(), flash.inner_text()
    code = urlsplit(page.url).path.rsplit("/", 1)[-1]
    assert len(code) == 15 and code.startswith(COMMUNITY)

    # 3. two officers assigned by name, one removed after confirming
    for name in ("王五", "李四"):
        page.select_option("[data-testid=officer-add] [name=user_id]", label=f"{name}（梅园新村街道）")
        page.click("#add-officer")
        assert f"已指派网格员 {name}" in page.locator("[data-testid=flash-ok]").inner_text()
    page.locator("[data-testid=officer]", has_text="李四").locator("[data-testid=officer-remove]").click()
    assert "确定将 李四 移出网格“长江路第一网格”吗" in page.locator("[data-testid=confirm-remove]").inner_text()
    page.screenshot(path=str(artifacts_dir / "grids-3-confirm-remove.png"), full_page=True)
    page.click("#confirm-remove")
    assert "已将网格员 李四 移出本网格" in page.locator("[data-testid=flash-ok]").inner_text()
    assert [o.split()[0] for o in page.locator("[data-testid=officer]").all_inner_texts()] == ["王五"]

    # 4. renamed on its page; the list and its map show it
    page.fill("[data-testid=grid-edit] [name=name]", "长江路网格")
    page.click("#save-grid")
    assert page.locator("[data-testid=grid-name]").inner_text() == "长江路网格"
    page.screenshot(path=str(artifacts_dir / "grids-4-grid-page.png"), full_page=True)
    page.goto(f"{live_server}/hazards/grids?within=320102002")
    page.wait_for_selector("#grid-map[data-loaded='1']")
    assert "长江路网格" in page.locator("[data-testid=grids]").inner_text()
    page.screenshot(path=str(artifacts_dir / "grids-5-list.png"), full_page=True)
    _shops_in(ctx, code)

    # 5. a checklist without items is refused with the name kept; then three items (one row added, one removed)
    page.goto(f"{live_server}/hazards/checklists")
    page.click("[data-testid=checklist-new]")
    page.fill("[name=name]", "沿街商铺消防检查表")
    page.select_option("[name=place_type]", "nine_small")
    page.click("#save-checklist")
    assert page.locator("[data-testid=flash-error]").inner_text() == "检查项：请至少填写一项检查内容"
    assert page.locator("[name=name]").input_value() == "沿街商铺消防检查表"
    page.screenshot(path=str(artifacts_dir / "inspection-1-checklist-without-items.png"), full_page=True)
    texts = ["灭火器在有效期内且压力正常", "（误加的一项）", "安全出口、疏散通道畅通", "电动自行车未在室内充电"]
    page.click("#add-item")
    rows = page.locator("[data-testid=item-row]")
    assert rows.count() == 4
    for n, text in enumerate(texts):
        rows.nth(n).locator("[name=item_text]").fill(text)
    rows.nth(1).locator("button.remove-item").click()
    page.screenshot(path=str(artifacts_dir / "inspection-2-checklist-form.png"), full_page=True)
    page.click("#save-checklist")
    assert "（3 项）" in page.locator("[data-testid=flash-ok]").inner_text()
    saved = [rows.nth(n).locator("[name=item_text]").input_value() for n in range(rows.count())]
    assert saved == [texts[0], texts[2], texts[3]]

    # 6. a plan over the two shops, handed to the grid's officer; its tasks are listed
    page.click("a:has-text('用它制定排查计划')")
    page.wait_for_url("**/hazards/plans/new?checklist=*")
    assert page.locator("[name=place_type]").input_value() == "nine_small"
    page.fill("[name=name]", "长江路沿街商铺消防排查")
    for shop in ("老王小吃店", "兰园美发屋"):
        page.locator("[data-testid=places] label", has_text=shop).locator("input").check()
    page.fill("[name=period_start]", _day(0))
    page.fill("[name=period_end]", _day(7))
    page.select_option("[name=assignee_kind]", "grid")
    page.screenshot(path=str(artifacts_dir / "inspection-3-plan-form.png"), full_page=True)
    page.click("#submit-plan")
    assert "生成 2 项任务" in page.locator("[data-testid=flash-ok]").inner_text()
    tasks = page.locator("[data-testid=plan-tasks]").inner_text()
    assert "老王小吃店" in tasks and "兰园美发屋" in tasks and "王五" in tasks and "长江路网格" in tasks
    page.screenshot(path=str(artifacts_dir / "inspection-4-plan.png"), full_page=True)

    # 7. the officer logs in on his phone and finds the two tasks
    page.set_viewport_size({"width": 390, "height": 844})
    login_as(page, live_server, "wangwu", PASSWORD, "/hazards/tasks")
    mine = page.locator("[data-testid=tasks]").inner_text()
    assert "老王小吃店" in mine and "兰园美发屋" in mine and "长江路沿街商铺消防排查" in mine
    page.screenshot(path=str(artifacts_dir / "inspection-5-officer-tasks.png"), full_page=True)
    page.goto(f"{live_server}/hazards/grids")
    assert page.locator("[data-testid=grid-row]").count() == 1
    assert page.locator("[data-testid=grid-new]").count() == 0
    page.locator("[data-testid=grid-row] a").click()
    page.wait_for_selector("#draw-map[data-loaded]")
    assert page.locator("#draw-clear").count() == 0 and page.locator("[data-testid=officer-add]").count() == 0
    assert "王五" in page.locator("[data-testid=grid-officers]").inner_text()
    page.screenshot(path=str(artifacts_dir / "grids-6-officer-own-grid.png"), full_page=True)
