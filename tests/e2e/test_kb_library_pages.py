"""The knowledge library in Chromium, on the demo's laws and cases: a city office searches 有限空间 中毒, sees the
matched words marked and the article that matched, narrows to accident cases, opens a case with its causes and
lessons, follows the case's citation 《安全生产法》第四十三条 to the article highlighted on the law's page, and
reads the law's contents. A grid officer searches too. Screenshots go to artifacts/kb-*.png."""

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
from citysafe.demo import knowledge

pytestmark = pytest.mark.e2e


@pytest.mark.timeout(240)
def test_search_a_case_and_its_cited_article(ctx: AppContext, live_server: str, browser_page: Any,
                                            artifacts_dir: Path) -> None:
    seed_city(ctx, with_firewatch=False)
    with unit_of_work(ctx.session_factory, actor="demo") as session:
        knowledge.seed_demo(session, random.Random(2020))
    page = browser_page
    login_as(page, live_server, "nanjing", PASSWORD, "/knowledge")
    expect(page.locator("[data-testid=kb-counts]")).to_contain_text("事故案例 12")
    page.screenshot(path=str(artifacts_dir / "kb-1-home.png"), full_page=True)

    page.fill("[data-testid=kb-search] input[name=q]", "有限空间 中毒")
    page.click("[data-testid=kb-search] button[type=submit]")
    results = page.locator("[data-testid=kb-results] li")
    expect(results.first).to_be_visible()
    expect(page.locator("[data-testid=kb-results] mark").first).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "kb-2-results.png"), full_page=True)

    page.select_option("[data-testid=kb-search] select[name=kind]", "case")
    page.click("[data-testid=kb-search] button[type=submit]")
    expect(results).to_have_count(1)
    results.first.locator("a").first.click()
    expect(page.locator("[data-testid=kb-title]")).to_have_text("某小区污水井有限空间中毒事故")
    expect(page.locator("[data-testid=kb-lessons]")).to_contain_text("先通风、再检测、后作业")
    page.screenshot(path=str(artifacts_dir / "kb-3-case.png"), full_page=True)

    page.goto(f"{live_server}/knowledge?q=动火作业 爆炸&kind=case")
    results.first.locator("a").first.click()
    page.locator("[data-testid=kb-causes] a.cite").first.click()
    page.wait_for_url("**/knowledge/documents/*#art-43")
    expect(page.locator("[data-testid=kb-title]")).to_have_text("中华人民共和国安全生产法")
    expect(page.locator("#art-43")).to_contain_text("动火")
    expect(page.locator("[data-testid=kb-toc]")).to_contain_text("第二章 生产经营单位的安全生产保障")
    page.screenshot(path=str(artifacts_dir / "kb-4-law-article.png"))

    page.set_viewport_size({"width": 390, "height": 844})
    login_as(page, live_server, "grid", PASSWORD, "/knowledge")  # a grid officer on a phone
    page.fill("[data-testid=kb-search] input[name=q]", "疏散通道 堵塞")
    page.click("[data-testid=kb-search] button[type=submit]")
    expect(results.first).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "kb-5-phone.png"), full_page=False)
