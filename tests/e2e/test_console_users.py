"""The account pages of issue #10 finding 4 in a real browser: an office creates, deactivates and reactivates a
subordinate's account; a user changes their own password and stays logged in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work

pytestmark = pytest.mark.e2e


def _login(page: Any, server: str, username: str, password: str) -> None:
    page.goto(f"{server}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/")


def test_office_manages_accounts_and_a_user_changes_their_password(
        ctx: AppContext, live_server: str, browser_page: Any, artifacts_dir: Path) -> None:
    with unit_of_work(ctx.session_factory) as session:
        auth_service.create_user(session, user_in=UserCreate(
            username="xuanwu", password="correct-horse", role="district_office", region_code="320102",
            display_name="玄武区安委办"))
    page = browser_page
    _login(page, live_server, "xuanwu", "correct-horse")
    page.locator("nav.mainnav a", has_text="用户管理").click()
    page.wait_for_selector("[data-testid=users]")
    # Only roles below a district office are offered, by their Chinese names.
    offered = page.locator("[data-testid=user-create] select[name=role] option").all_inner_texts()
    assert offered and not {"系统管理员", "省安委办", "市安委办", "区县安委办"} & set(offered)
    form = page.locator("[data-testid=user-create]")
    form.locator("input[name=username]").fill("grid01")
    form.locator("input[name=display_name]").fill("张网格")
    form.locator("input[name=password]").fill("grid-pass-123")
    form.locator("select[name=role]").select_option(label="网格员")
    form.get_by_role("button", name="创建").click()
    page.wait_for_selector("p.ok")
    assert "已创建账号 grid01" in page.locator("p.ok").inner_text()
    row = page.locator("tr", has_text="grid01")
    assert "网格员" in row.inner_text() and "玄武区" in row.inner_text()
    row.get_by_role("button", name="停用").click()
    page.wait_for_selector("p.ok")
    assert "已停用账号 grid01" in page.locator("p.ok").inner_text()
    assert "已停用" in page.locator("tr", has_text="grid01").inner_text()
    page.screenshot(path=str(artifacts_dir / "console-users.png"), full_page=True)
    page.locator("tr", has_text="grid01").get_by_role("button", name="启用").click()
    page.wait_for_selector("p.ok")
    assert "正常" in page.locator("tr", has_text="grid01").inner_text()

    page.get_by_role("link", name="修改密码").click()
    page.fill("input[name=current_password]", "correct-horse")
    page.fill("input[name=new_password]", "a-new-horse-77")
    page.fill("input[name=confirm_password]", "a-new-horse-77")
    page.screenshot(path=str(artifacts_dir / "console-password.png"))
    page.get_by_role("button", name="修改", exact=True).click()
    page.wait_for_selector("p.ok")
    assert "密码已修改" in page.locator("p.ok").inner_text()
    page.goto(f"{live_server}/")  # still logged in: the change gave this browser a fresh cookie
    assert "/login" not in page.url
