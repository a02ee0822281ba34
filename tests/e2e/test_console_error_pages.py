"""Errors and sessions in the browser (issue #11, point 1): what a clerk sees when a page fails is a Chinese
page of the console with a way back; Back after logout shows the login; a deep link survives the login."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy.exc import OperationalError

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.hazards.enums import HazardCategory
from citysafe.hazards.tickets import service as tickets
from citysafe.hazards.tickets.schemas import TicketCreate
from citysafe.regions import service as regions_service

pytestmark = pytest.mark.e2e


def _user(ctx: AppContext, username: str, role: str, region: str, name: str) -> None:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        auth_service.create_user(session, user_in=UserCreate(
            username=username, password="correct-horse", role=role, region_code=region, display_name=name))


def _login(page: Any, username: str) -> None:
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "correct-horse")
    page.click("button[type=submit]")


def _expect_error_page(page: Any, headline: str) -> str:
    page.wait_for_selector(".error-page")
    assert page.locator(".error-page h1").inner_text() == headline
    text = str(page.locator("main").inner_text())
    for developer_text in ("detail", "problem", "Traceback", "{"):
        assert developer_text not in text
    return text


def test_another_districts_ticket_is_a_not_found_page(ctx: AppContext, live_server: str, browser_page: Any,
                                                      artifacts_dir: Path) -> None:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        ticket = tickets.report(session, principal=None, settings=ctx.settings, now=ctx.clock.now(),
                                ticket_in=TicketCreate(category=HazardCategory.FLOOD, description="地下车库入口积水",
                                                       region_code="320102002"))
        ticket_id = ticket.id
    _user(ctx, "qinhuai", "district_office", "320104", "秦淮区安委办")
    page = browser_page
    page.goto(f"{live_server}/hazards/tickets/{ticket_id}")
    _login(page, "qinhuai")
    text = _expect_error_page(page, "页面或记录不存在")
    assert "管辖范围" in text and str(ticket_id) not in text and "积水" not in text
    assert page.get_by_test_id("current-user").is_visible()  # still inside the console, signed in
    page.screenshot(path=str(artifacts_dir / "console-error-404-other-district.png"))
    page.get_by_test_id("error-home").click()
    page.wait_for_url(f"{live_server}/")


def test_import_form_posted_without_a_file(ctx: AppContext, live_server: str, browser_page: Any,
                                           artifacts_dir: Path) -> None:
    _user(ctx, "nanjing", "city_office", "320100", "南京市安委办")
    page = browser_page
    page.goto(f"{live_server}/login?next=/risk/import")
    _login(page, "nanjing")
    page.wait_for_selector("#import-form")
    # What a browser that skips the form's own check sends (form.submit() does not validate ``required``).
    with page.expect_navigation():
        page.evaluate("() => document.getElementById('import-form').submit()")
    text = _expect_error_page(page, "提交的内容需要修改")
    assert "文件：必填项缺失" in text and "file" not in text
    page.screenshot(path=str(artifacts_dir / "console-error-422-import-without-file.png"))
    page.get_by_test_id("error-back").click()
    page.wait_for_selector("#import-form")


def test_a_busy_database_is_a_retry_page(ctx: AppContext, live_server: str, browser_page: Any,
                                         artifacts_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _user(ctx, "office", "admin", "320000", "省安委办")
    page = browser_page
    page.goto(f"{live_server}/login")
    _login(page, "office")
    page.wait_for_url(f"{live_server}/")

    def busy(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("SELECT region", {}, Exception("database is locked"))

    # The live server runs in this process: the home page's region lookup now meets a locked database.
    monkeypatch.setattr(regions_service, "read", busy)
    response = page.goto(f"{live_server}/")
    assert response is not None and response.status == 503
    text = _expect_error_page(page, "系统繁忙")
    assert "重试" in text and "locked" not in text
    page.screenshot(path=str(artifacts_dir / "console-error-503-busy.png"))
    monkeypatch.undo()
    page.get_by_test_id("error-home").click()
    page.wait_for_selector("[data-testid=current-user]")
    assert page.locator(".error-page").count() == 0


def test_a_crash_is_a_page_with_a_reference_and_no_trace(ctx: AppContext, live_server: str, browser_page: Any,
                                                         artifacts_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _user(ctx, "office", "admin", "320000", "省安委办")
    page = browser_page
    page.goto(f"{live_server}/login")
    _login(page, "office")
    page.wait_for_url(f"{live_server}/")

    def crash(*_args: object, **_kwargs: object) -> None:
        raise ZeroDivisionError("division by zero in /srv/citysafe/regions/service.py")

    monkeypatch.setattr(regions_service, "read", crash)
    response = page.goto(f"{live_server}/")
    assert response is not None and response.status == 500
    text = _expect_error_page(page, "系统出错")
    assert "编号" in text and "ZeroDivisionError" not in text and "/srv" not in text
    page.screenshot(path=str(artifacts_dir / "console-error-500-crash.png"))


def test_back_after_logout_shows_the_login(ctx: AppContext, live_server: str, browser_page: Any,
                                           artifacts_dir: Path) -> None:
    _user(ctx, "office", "admin", "320000", "省安委办")
    page = browser_page
    page.goto(f"{live_server}/login?next=/hazards")
    _login(page, "office")
    page.wait_for_url(f"{live_server}/hazards")
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(f"{live_server}/login")
    page.go_back()
    page.wait_for_selector("form.login-card")
    assert urlsplit(page.url).path == "/login"
    assert page.get_by_test_id("current-user").count() == 0
    page.screenshot(path=str(artifacts_dir / "console-back-after-logout.png"))


def test_a_deep_link_with_its_query_survives_the_login(ctx: AppContext, live_server: str, browser_page: Any,
                                                       artifacts_dir: Path) -> None:
    _user(ctx, "office", "admin", "320000", "省安委办")
    page = browser_page
    page.goto(f"{live_server}/hazards?tab=overdue&q=灭火器")
    assert urlsplit(page.url).path == "/login"
    _login(page, "office")
    page.wait_for_url("**/hazards?**")
    landed = urlsplit(page.url)
    assert landed.path == "/hazards" and parse_qs(landed.query) == {"tab": ["overdue"], "q": ["灭火器"]}
    assert page.locator("input[name=q]").input_value() == "灭火器"
    page.screenshot(path=str(artifacts_dir / "console-deep-link-after-login.png"))
