"""Two languages in Chromium (issue #11, point 8): a browser that asks for English gets the console in English
on its first visit; the header's 中文 switches to Chinese and the choice is kept across pages and after a new
login; ?lang=en switches back. The workbench, a form (with a refusal and a success) and the live alarm board
(its script's words) are shot in English to artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.e2e_support import watch_page
from tests.support.workbench_city import NOW, PASSWORD, seed

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext

pytestmark = pytest.mark.e2e


@pytest.fixture
def english_browser(page_problems: list[str]) -> Iterator[Any]:
    """A Chromium whose user prefers English (Accept-Language: en-US, en)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # The suite's Chromium speaks Chinese (--lang); this one is an English speaker's.
        args = [a for a in CHROMIUM_ARGS if not a.startswith("--lang=")] + ["--lang=en-US"]
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="en-US")
        page.set_default_timeout(20_000)
        watch_page(page, page_problems)
        yield page
        browser.close()
    assert page_problems == [], "\n".join(page_problems)


def _sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("section[data-section]")


def _lang(page: Any) -> str:
    return str(page.locator("html").get_attribute("lang"))


def test_english_first_then_chinese_remembered(ctx: AppContext, live_server: str, english_browser: Any,
                                               artifacts_dir: Path) -> None:
    ctx.clock = FixedClock(NOW)
    city = seed(ctx)
    page = english_browser

    # First visit: the browser's language.
    page.goto(f"{live_server}/login")
    assert _lang(page) == "en" and page.locator("button[type=submit]").inner_text() == "Sign in"
    page.screenshot(path=str(artifacts_dir / "i18n-login-en.png"))
    _sign_in(page, live_server, "xuanwu")
    assert page.locator("h1").inner_text() == "玄武区 · Workbench"
    menu = [t.strip() for t in page.locator("nav.mainnav a").all_inner_texts()]
    assert menu[:4] == ["Workbench", "Regions", "Risk map", "Hazards"]
    assert "Hazard rectification" in page.locator("#wb-hazards").inner_text()
    page.screenshot(path=str(artifacts_dir / "i18n-workbench-en.png"), full_page=True)

    # A form in English: refused with an English message naming the field, then done.
    page.goto(f"{live_server}/hazards/tickets/{city.overdue_ticket_id}")
    form = page.locator("form[data-action='extend']")
    if not form.is_visible():
        page.locator("details", has=form).locator("summary").click()
    assert form.locator("button[type=submit]").inner_text() == "Extend deadline"
    form.locator("textarea[name=note]").fill("Waiting for the landlord to clear the store room")
    form.locator("input[name=deadline]").fill("2020-01-01")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=flash-error]")
    refusal = page.get_by_test_id("flash-error").inner_text()
    assert "Rectification deadline" in refusal or "deadline" in refusal.lower(), refusal
    page.screenshot(path=str(artifacts_dir / "i18n-form-refused-en.png"), full_page=True)
    form = page.locator("form[data-action='extend']")
    if not form.is_visible():
        page.locator("details", has=form).locator("summary").click()
    form.locator("textarea[name=note]").fill("Waiting for the landlord to clear the store room")
    form.locator("input[name=deadline]").fill((NOW.date().replace(year=NOW.year + 1)).isoformat())
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=flash-ok]")
    assert page.get_by_test_id("flash-ok").inner_text() == "Done: Extend deadline"
    page.screenshot(path=str(artifacts_dir / "i18n-form-en.png"), full_page=True)

    # 中文 in the header: Chinese from now on, on every page and after signing in again.
    page.get_by_test_id("language-switch").locator("a[lang=zh]").click()
    page.wait_for_load_state()
    assert _lang(page) == "zh-CN" and "处理过程" in page.content()
    page.goto(f"{live_server}/hazards")
    assert _lang(page) == "zh-CN" and page.locator("h1").inner_text() == "隐患清单"
    page.locator("form[action='/logout'] button").click()
    page.wait_for_url("**/login")
    assert page.locator("button[type=submit]").inner_text() == "登录"
    _sign_in(page, live_server, "xuanwu")
    assert page.locator("h1").inner_text() == "玄武区 · 工作台"
    page.screenshot(path=str(artifacts_dir / "i18n-workbench-zh.png"))

    # ?lang=en switches back, and is kept too: pages of the other domains as well.
    page.goto(f"{live_server}/hazards?lang=en")
    assert page.locator("h1").inner_text() == "Hazard list"
    page.goto(f"{live_server}/hazards/stats")
    assert page.locator("h1").inner_text().startswith("Hazard statistics")
    page.goto(f"{live_server}/users/roles")
    assert "What can each role do?" in page.content() or "Roles and permissions" in page.content()
    page.screenshot(path=str(artifacts_dir / "i18n-roles-en.png"), full_page=True)
    page.goto(f"{live_server}/orgs")
    page.screenshot(path=str(artifacts_dir / "i18n-orgs-en.png"), full_page=True)


def test_the_alarm_board_script_speaks_english(ctx: AppContext, live_server: str, english_browser: Any,
                                               artifacts_dir: Path) -> None:
    ctx.clock = FixedClock(NOW)
    city = seed(ctx)
    page = english_browser
    _sign_in(page, live_server, "duty")
    page.goto(f"{live_server}/firewatch?alarm={city.fire_alarm_id}")
    page.wait_for_selector(f"[data-alarm='{city.fire_alarm_id}']")
    detail = page.locator(f"[data-alarm='{city.fire_alarm_id}']").inner_text()
    assert "Alarm details" in detail or "Alarm ID" in detail or "Received" in detail, detail
    assert page.locator("#fw-actions button[data-action=acknowledge]").inner_text().startswith("Acknowledge")
    page.wait_for_function("document.querySelector('#fw-live').innerText.includes('Live')")
    page.screenshot(path=str(artifacts_dir / "i18n-alarm-board-en.png"), full_page=True)


def test_a_grid_officer_in_english_on_a_phone(ctx: AppContext, live_server: str, english_browser: Any,
                                              artifacts_dir: Path) -> None:
    ctx.clock = FixedClock(NOW)
    city = seed(ctx)
    page = english_browser
    page.set_viewport_size({"width": 390, "height": 844})
    _sign_in(page, live_server, "grid")
    tabs = [t.strip() for t in page.locator("nav.mainnav a").all_inner_texts()]
    assert tabs == ["Workbench", "My tasks", "Report", "My hazards"]
    page.goto(f"{live_server}/hazards/tasks/{city.task_id}")
    assert page.locator("button[type=submit]").last.inner_text() == "Submit results"
    assert page.locator("label:has(input[value=fail]) span").first.inner_text() == "Fail"
    page.screenshot(path=str(artifacts_dir / "i18n-phone-checklist-en.png"), full_page=True)
