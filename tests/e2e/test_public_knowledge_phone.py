"""安全知识 on a phone, no account (issue #15 point 5): a citizen opens the public home, follows its 安全知识 door,
searches 电动自行车 充电, sees the matched words marked and the article of the law that matched, opens the law at that
article, then narrows to accident cases and reads one's causes and lessons. Nothing is wider than the phone.
Screenshots: artifacts/public-knowledge-*.png."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.e2e.conftest import PHONE_WIDTH

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.demo import knowledge

pytestmark = pytest.mark.e2e


@pytest.mark.timeout(600)
def test_a_citizen_searches_the_library_on_a_phone(ctx: AppContext, live_server: str, phone: Any,
                                                   artifacts_dir: Path) -> None:
    with unit_of_work(ctx.session_factory, actor="demo") as session:
        knowledge.seed_demo(session, random.Random(2020))
    phone.goto(f"{live_server}/public")
    phone.get_by_text("安全知识", exact=True).tap()
    phone.wait_for_url("**/public/knowledge")
    expect(phone.locator("[data-testid=kb-notices]")).to_be_visible()
    expect(phone.locator("[data-testid=kb-cases] li").first).to_be_visible()
    phone.screenshot(path=str(artifacts_dir / "public-knowledge-1-home.png"), full_page=True)

    phone.fill("[data-testid=kb-q]", "疏散通道 堵塞")
    phone.locator("[data-testid=kb-search] button[type=submit]").tap()
    hits = phone.locator("[data-testid=kb-hit]")
    expect(hits.first).to_be_visible()
    expect(phone.locator("[data-testid=kb-hit] mark").first).to_be_visible()
    article = phone.locator("[data-testid=kb-hit]:has([data-testid=kb-article])").first
    label = article.locator("[data-testid=kb-article]").inner_text()
    assert label.startswith("第") and label.endswith("条")
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE_WIDTH
    phone.screenshot(path=str(artifacts_dir / "public-knowledge-2-results.png"), full_page=True)

    article.locator("h2 a").tap()
    phone.wait_for_url("**/public/knowledge/documents/*#art-*")
    anchor = phone.url.split("#")[1]
    expect(phone.locator(f"[id='{anchor}']")).to_contain_text(label)
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE_WIDTH
    phone.screenshot(path=str(artifacts_dir / "public-knowledge-3-article.png"))

    phone.goto(f"{live_server}/public/knowledge?q=有限空间 中毒&kind=case")
    hits.first.locator("h2 a").tap()
    expect(phone.locator("[data-testid=kb-title]")).to_have_text("某小区污水井有限空间中毒事故")
    expect(phone.locator("[data-testid=kb-lessons]")).to_contain_text("先通风、再检测、后作业")
    assert "/hazards/" not in phone.content() and "/emergency/" not in phone.content()
    phone.screenshot(path=str(artifacts_dir / "public-knowledge-4-case.png"), full_page=True)
