"""The expert pool and the agreement reserves in Chromium, on the Nanjing demo: the city office filters experts
by field, adds one, reads the agreements with their periods (one lapsing soon, one lapsed, one not yet started),
is refused an item code that is not GB/T 38565 with the form kept, corrects it and saves. Screenshots go to
artifacts/em-experts-*.png."""

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
from citysafe.demo import emergency_resources

pytestmark = pytest.mark.e2e


@pytest.mark.timeout(240)
def test_expert_pool_and_agreement_reserves(ctx: AppContext, live_server: str, browser_page: Any,
                                            artifacts_dir: Path) -> None:
    seed_city(ctx, with_firewatch=False)
    with unit_of_work(ctx.session_factory, actor="demo") as session:
        emergency_resources.seed_demo(session, random.Random(2020))
    page = browser_page
    login_as(page, live_server, "nanjing", PASSWORD, "/emergency/resources")
    page.click("text=专家库")
    rows = page.locator("[data-testid=expert-row]")
    expect(rows.first).to_be_visible()
    assert rows.count() == 14
    expect(page.locator("[data-testid=expert-rows]")).to_contain_text("南京工业大学")
    page.select_option("[data-testid=expert-filter] select[name=field]", "hazchem")
    page.click("[data-testid=expert-filter] button[type=submit]")
    expect(rows).to_have_count(2)
    expect(page.locator("[data-testid=expert-rows]")).not_to_contain_text("医疗救护")

    page.click("[data-testid=expert-new] summary")
    form = page.locator("[data-testid=expert-form]")
    form.locator("input[name=name]").fill("钱卫东")
    form.locator("select[name=region_code]").select_option("320102")
    form.locator("input[name=title]").fill("高级工程师")
    form.locator("input[name=employer]").fill("南京市建筑安装工程质量监督站")
    form.locator("button[type=submit]").click()  # no field chosen: refused on the form, the name kept
    expect(page.locator("[data-testid=form-error]")).to_contain_text("专业领域")
    expect(form.locator("input[name=name]")).to_have_value("钱卫东")
    form.locator("select[name=field]").select_option("structure")
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=flash-ok]")).to_contain_text("专家已入库：钱卫东")
    expect(page.locator("[data-testid=expert-rows]")).to_contain_text("钱卫东")
    page.screenshot(path=str(artifacts_dir / "em-experts-1-pool.png"), full_page=True)

    page.click("text=协议储备")
    table = page.locator("[data-testid=agreement-rows]")
    expect(table).to_contain_text("生活类应急物资协议储备")
    for said in ("在效", "已过期", "未生效", "天后到期"):
        expect(table).to_contain_text(said)
    page.click("[data-testid=agreement-new] summary")
    form = page.locator("[data-testid=agreement-form]")
    form.locator("input[name=title]").fill("应急照明设备协议储备")
    form.locator("select[name=supplier_id]").select_option(index=1)
    form.locator("input[name=code_0]").fill("2050101")
    form.locator("input[name=name_0]").fill("移动照明灯塔")
    form.locator("input[name=unit_0]").fill("台")
    form.locator("input[name=quantity_0]").fill("10")
    form.locator("input[name=code_1]").fill("4010101")
    form.locator("input[name=name_1]").fill("强光手电")
    form.locator("input[name=unit_1]").fill("把")
    form.locator("input[name=quantity_1]").fill("500")
    form.locator("button[type=submit]").click()
    error = page.locator("[data-testid=form-error]")
    expect(error).to_contain_text("物资代码（第 2 项）")
    expect(error).to_contain_text("大类")
    expect(form.locator("input[name=name_1]")).to_have_value("强光手电")
    page.screenshot(path=str(artifacts_dir / "em-experts-2-agreement-refused.png"), full_page=True)
    form.locator("input[name=code_1]").fill("2050201")
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=flash-ok]")).to_contain_text("协议储备已登记：应急照明设备协议储备")
    expect(table).to_contain_text("强光手电")
    page.screenshot(path=str(artifacts_dir / "em-experts-3-agreements.png"), full_page=True)

    page.goto(f"{live_server}/emergency/resources/experts?lang=en")
    expect(page.locator("h1")).to_contain_text("Expert pool")
    page.goto(f"{live_server}/emergency/resources/agreements")
    expect(page.locator("[data-testid=agreement-rows]")).to_contain_text("In force")
    page.screenshot(path=str(artifacts_dir / "em-experts-4-agreements-english.png"), full_page=True)
