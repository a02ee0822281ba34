"""The accident ledger in Chromium: Nanjing's safety office finds the accident whose response ended on the
platform, downloads the template, checks a workbook of earlier years and reads the row-by-row report in Chinese,
imports the corrected file, and reads the statistics by year, grade and 门类 drawn by ECharts and the table by
district. Screenshots are kept in artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from tests.e2e.e2e_support import login_as
from tests.emergency.ledger_samples import BAD_ROWS, GOOD_ROWS, filled
from tests.web.console_scan import problems

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.validators import uscc_check_char

pytestmark = pytest.mark.e2e
PASSWORD = "correct-horse"


def _world(ctx: AppContext, base: str) -> bytes:
    """A closed accident on the platform; the template, as the office would download it."""
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        auth_service.create_user(session, user_in=UserCreate(
            username="anweiban", password=PASSWORD, role="city_office", region_code="320100",
            display_name="南京市安委办 李静"))
    with httpx.Client(base_url=base, timeout=30) as http:
        token = http.post("/api/v1/auth/token", data={"username": "anweiban", "password": PASSWORD}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}", "Origin": base}
        incident = http.post("/api/v1/emergency/incidents", headers=headers, json={
            "category": "accident", "subtype": "collapse", "description": "基坑边坡坍塌，两名工人被埋后救出",
            "place": "玄武区中山东路某工地", "region_code": "320102", "occurred_at": "2026-11-20T09:10:00+08:00",
            "reported_at": "2026-11-20T09:25:00+08:00", "deaths": 1, "serious_injuries": 1,
            "loss_yuan": 2_300_000, "title": "中山东路工地基坑坍塌"}).json()
        for action in ("verify", "respond", "handle", "end_response"):
            step = http.post(f"/api/v1/emergency/incidents/{incident['id']}/transitions", headers=headers,
                             json={"action": action, "response_level": "4" if action == "respond" else None})
            assert step.status_code == 200, step.text[:300]
        template = http.get("/api/v1/emergency/ledger/template.xlsx", headers=headers)
        assert template.status_code == 200
        return template.content


def test_ledger_import_report_and_statistics(ctx: AppContext, live_server: str, browser_page: Any,
                                             artifacts_dir: Path, tmp_path: Path) -> None:
    template = _world(ctx, live_server)
    bad = tmp_path / "2022-2024年事故（待核对）.xlsx"
    bad.write_bytes(filled(template, GOOD_ROWS + BAD_ROWS))
    good = tmp_path / "2022-2024年事故.xlsx"
    good.write_bytes(filled(template, GOOD_ROWS))
    page = browser_page
    login_as(page, live_server, "anweiban", PASSWORD, "/emergency/ledger")
    rows = page.locator("[data-testid=ledger-rows] tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("坍塌")
    expect(rows.first).to_contain_text("SJ")
    expect(rows.first).to_contain_text("玄武区")

    page.click("[data-testid=ledger-import-link]")
    page.wait_for_selector("[data-testid=ledger-import-form]")
    page.set_input_files("[data-testid=ledger-import-form] input[type=file]", str(bad))
    page.click("[data-testid=ledger-import-form] button[type=submit]")
    report = page.locator("[data-testid=ledger-import-report]")
    expect(report).to_contain_text("发现问题，未写入")
    expect(report).to_contain_text("共 7 行：可新增 3 行，可更新 0 行，有问题 4 行。")
    table = page.locator("[data-testid=ledger-import-rows]")
    expect(table).to_contain_text("发生时间无法识别")
    expect(table).to_contain_text("死亡人数不能为负数")
    expect(table).to_contain_text("直接经济损失应为以元为单位的整数")
    expect(table).to_contain_text("未知的行业门类“农业银行”")
    page.screenshot(path=str(artifacts_dir / "emergency-ledger-1-import-report.png"), full_page=True)

    page.set_input_files("[data-testid=ledger-import-form] input[type=file]", str(good))
    page.click("[data-testid=ledger-import-form] button[type=submit]")
    expect(report).to_contain_text("检查通过，可以正式导入")
    page.uncheck("[data-testid=ledger-import-form] input[name=dry_run]")
    page.set_input_files("[data-testid=ledger-import-form] input[type=file]", str(good))
    page.click("[data-testid=ledger-import-form] button[type=submit]")
    expect(report).to_contain_text("已导入")
    expect(report).to_contain_text("共 3 行：已新增 3 行，已更新 0 行。")
    page.screenshot(path=str(artifacts_dir / "emergency-ledger-2-imported.png"), full_page=True)

    page.click("[data-testid=ledger-after-import]")
    page.wait_for_url("**/emergency/ledger")
    expect(rows).to_have_count(4)
    totals = page.locator("[data-testid=ledger-totals]")
    expect(totals).to_contain_text("4")
    districts = page.locator("[data-testid=ledger-by-district]")
    expect(districts).to_contain_text("玄武区")
    expect(districts).to_contain_text("秦淮区")
    for chart in ("by-year", "by-grade", "by-industry"):
        page.wait_for_selector(f"#{chart} canvas")
    page.screenshot(path=str(artifacts_dir / "emergency-ledger-3-statistics.png"), full_page=True)

    page.select_option("select[name=industry]", "C")
    page.click("[data-testid=ledger-filters] button[type=submit]")
    page.wait_for_url("**industry=C*")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("中毒和窒息")
    expect(rows.first).to_contain_text("较大")
    expect(rows.first).to_contain_text("秦淮某食品厂")

    # The platform's accident records no industry or unit: the office completes them on its entry.
    page.goto(f"{live_server}/emergency/ledger?source=platform")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("未分类")
    rows.first.locator("[data-testid=ledger-entry-link]").click()
    form = page.locator("[data-testid=ledger-entry-form]")
    form.locator("select[name=industry_code]").select_option("E")
    form.locator("input[name=unit_name]").fill("南京城建基础工程有限公司")
    form.locator("input[name=uscc]").fill("91320102MA1N2B3C40")
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=flash-error]")).to_contain_text("校验位")
    expect(form.locator("input[name=unit_name]")).to_have_value("南京城建基础工程有限公司")
    uscc = "91320102MA1N2B3C4" + uscc_check_char("91320102MA1N2B3C4")
    form.locator("input[name=uscc]").fill(uscc)
    form.locator("button[type=submit]").click()
    entry = page.locator("[data-testid=ledger-entry]")
    expect(page.locator("[data-testid=flash-ok]")).to_contain_text("台账记录已更新")
    expect(entry).to_contain_text("E 建筑业")
    expect(entry).to_contain_text("南京城建基础工程有限公司")
    expect(entry).to_contain_text(uscc)
    page.screenshot(path=str(artifacts_dir / "emergency-ledger-4-entry.png"), full_page=True)
    entry.locator("a", has_text="SJ").click()
    expect(page.locator("[data-testid=incident-ledger]")).to_contain_text("已记入事故台账")

    # The same ledger in English: the interface translated, the names people typed left in Chinese (lang="zh").
    page.goto(f"{live_server}/emergency/ledger?lang=en")
    expect(page.locator("h1")).to_contain_text("Accident ledger")
    for chart in ("by-year", "by-grade", "by-industry"):
        page.wait_for_selector(f"#{chart} canvas")
    assert problems(page.content(), english=True) == []
    page.screenshot(path=str(artifacts_dir / "emergency-ledger-5-english.png"), full_page=True)
