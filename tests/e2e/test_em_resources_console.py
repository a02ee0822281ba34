"""Emergency resources and shelters in Chromium, on the Nanjing demo: the safety office reads the team board and
stands a station down, reads the depots with what expires soon, the shelters with their occupancy bars, plans the
evacuation of 玄武区's communities, is refused a shelter with zero area, and reads an import report naming the
row and column of a stock code that is not GB/T 38565. Screenshots go to artifacts/."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect
from tests.e2e.e2e_support import login_as
from tests.support.demo_parts import PASSWORD, seed_city

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.demo import emergency_resources

pytestmark = pytest.mark.e2e


def _stock_file(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "库存"
    sheet.append(["储备库名称*", "物资代码*", "物资名称*", "计量单位*", "数量*", "有效期至"])
    sheet.append(["南京市应急物资储备库", "1010101", "棉帐篷", "顶", 120, ""])
    sheet.append(["南京市应急物资储备库", "501", "折叠床", "张", 300, ""])
    book.save(path)
    return path


@pytest.mark.timeout(240)
def test_resources_and_shelters_console(ctx: AppContext, live_server: str, browser_page: Any, artifacts_dir: Path,
                                        tmp_path: Path) -> None:
    seed_city(ctx, with_firewatch=False)
    with unit_of_work(ctx.session_factory, actor="demo") as session:
        emergency_resources.seed_demo(session, random.Random(2020))
    page = browser_page
    login_as(page, live_server, "nanjing", PASSWORD, "/emergency/resources")
    rows = page.locator("[data-testid=team-rows] tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 25
    board = page.locator("[data-testid=team-rows]")
    expect(board).to_contain_text("江北新材料科技园危险化学品专业救援基地")
    expect(board).to_contain_text("危险化学品")
    expect(board).to_contain_text("停勤")
    # Dispatching names the incident: without one the board says so and nothing moves.
    rows.first.locator("select[name=status]").select_option("dispatched")
    rows.first.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=flash-error]")).to_contain_text("出动须指明事件")
    expect(rows.first.locator("[data-testid=team-status]")).to_have_text("待命")
    rows.first.locator("select[name=status]").select_option("out_of_service")
    rows.first.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=flash-ok]")).to_contain_text("队伍状态已更新")
    expect(rows.first.locator("[data-testid=team-status]")).to_have_text("停勤")
    page.screenshot(path=str(artifacts_dir / "em-resources-1-teams.png"), full_page=True)

    page.goto(f"{live_server}/emergency/resources/depots")
    expect(page.locator("[data-testid=stock-expiring]")).to_contain_text("方便食品")
    expect(page.locator("[data-testid=depot]").first).to_contain_text("基本生活保障物资")
    expect(page.locator("[data-testid=agreements]")).to_contain_text("生活类应急物资协议储备")
    page.screenshot(path=str(artifacts_dir / "em-resources-2-depots.png"), full_page=True)

    page.goto(f"{live_server}/emergency/shelters")
    expect(page.locator("[data-testid=shelter-rows]")).to_contain_text("新街口地下人防工程")
    expect(page.locator("[data-testid=shelter-rows]")).to_contain_text("人防工程")
    assert page.locator("[data-testid=occupancy-bar]").count() == 11
    page.fill("[data-testid=evacuation-form] input[name=evacuate]", "320102")
    page.click("[data-testid=evacuation-form] button[type=submit]")
    expect(page.locator("[data-testid=evacuation-summary]")).to_contain_text("可安置")
    expect(page.locator("[data-testid=evacuation-rows]")).to_contain_text("社区")
    page.screenshot(path=str(artifacts_dir / "em-resources-3-shelters-evacuation.png"), full_page=True)

    page.click("[data-testid=shelter-new]")
    page.fill("[data-testid=shelter-form] input[name=name]", "太平门广场")
    page.fill("[data-testid=shelter-form] input[name=region_code]", "320102")
    page.fill("[data-testid=shelter-form] input[name=lon]", "118.8050")
    page.fill("[data-testid=shelter-form] input[name=lat]", "32.0650")
    page.fill("[data-testid=shelter-area]", "0")
    page.click("[data-testid=shelter-form] button[type=submit]")
    expect(page.locator("[data-testid=flash-error]")).to_contain_text("有效避难面积")
    page.screenshot(path=str(artifacts_dir / "em-resources-4-zero-area.png"), full_page=True)

    page.goto(f"{live_server}/emergency/resources/import/stock")
    page.set_input_files("[data-testid=import-form] input[type=file]", str(_stock_file(tmp_path / "库存.xlsx")))
    page.locator("[data-testid=import-form] input[name=dry_run]").uncheck()
    page.click("[data-testid=import-form] button[type=submit]")
    report = page.locator("[data-testid=import-report]")
    expect(report).to_contain_text("发现问题，未写入")
    expect(report).to_contain_text("物资代码")
    expect(report).to_contain_text("7 位数字代码")
    page.screenshot(path=str(artifacts_dir / "em-resources-5-import-report.png"), full_page=True)
