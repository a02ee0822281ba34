from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work

pytestmark = pytest.mark.e2e


def test_login_and_see_jiangsu_map(ctx: AppContext, live_server: str, browser_page: Any, artifacts_dir: Path) -> None:
    with unit_of_work(ctx.session_factory) as session:
        auth_service.create_user(session, user_in=UserCreate(
            username="office", password="correct-horse", role="admin", region_code="320000", display_name="省安委办"))
    page = browser_page
    page.goto(f"{live_server}/map")
    assert "/login" in page.url
    page.fill("input[name=username]", "office")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    assert page.locator(".error").inner_text() == "用户名或密码错误"
    page.fill("input[name=username]", "office")
    page.fill("input[name=password]", "correct-horse")
    page.click("button[type=submit]")
    page.wait_for_selector("#map[data-loaded='320000']")
    assert page.locator("#region-name").inner_text() == "江苏省"
    assert page.locator("nav.mainnav a", has_text="区划地图").count() == 1
    # thirteen city polygons drawn by Leaflet on its canvas/SVG renderer
    assert page.locator("#children li").count() == 13
    page.screenshot(path=str(artifacts_dir / "console-map-jiangsu.png"))
    # drill down to Nanjing by clicking it in the list
    page.get_by_role("link", name="南京市").first.click()
    page.wait_for_selector("#map[data-loaded='320100']")
    assert page.locator("#children li").count() == 11
    page.screenshot(path=str(artifacts_dir / "console-map-nanjing.png"))


def test_csp_blocks_an_injected_script_and_the_page_watch_reports_it(
        live_server: str, browser_page: Any, page_problems: list[str]) -> None:
    page = browser_page
    page.goto(f"{live_server}/login")
    # What an injected <script> in stored text would be: the CSP refuses to run it, and the watch sees that.
    page.evaluate("""() => { const s = document.createElement("script");
                             s.textContent = "window.injected = true"; document.head.appendChild(s); }""")
    page.wait_for_function("() => document.readyState === 'complete'")
    page.wait_for_timeout(200)  # the violation event is dispatched after the script element is refused
    assert page.evaluate("() => window.injected === undefined")
    refused = [p for p in page_problems if "CSP violation: script-src" in p]
    assert refused, page_problems
    page_problems.clear()  # provoked on purpose; anything else still fails the test
