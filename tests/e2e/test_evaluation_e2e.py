"""示范城市创建 end to end in Chromium (issue #14 point 8): 江宁区's office starts its 自评, scores an item (a
deduction with its reason, the owner and deadline), submits the sheet and applies; 南京市 records a member unit's
opinion and recommends; the province records one and puts it on 公示; the public page shows it without a login;
the app's clock moves past the window, the province approves and names, the sheet is locked and the applicant's
page shows 已命名. Screenshots: artifacts/evaluation-e2e-*.png."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.e2e_support import login_as

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.evaluation.applicants import service as applicants
from citysafe.evaluation.applicants.schemas import ApplicantCreate, PlanIn

pytestmark = pytest.mark.e2e
PASSWORD = "correct-horse"
T0 = datetime(2026, 6, 1, 1, 30, tzinfo=UTC)  # 09:30 in Nanjing


def _seed(ctx: AppContext) -> int:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        users = [auth_service.create_user(session, user_in=UserCreate(
            username=username, password=PASSWORD, role=role, region_code=region, display_name=name))
            for username, role, region, name in (("sheng", "province_office", "320000", "江苏省安委办"),
                                                 ("nanjing", "city_office", "320100", "南京市安委办"),
                                                 ("jiangning", "district_office", "320115", "江宁区安委办"))]
        session.flush()
        province = auth_service.principal_for(users[0])
        applicant = applicants.create(session, data=ApplicantCreate(kind="county", division_code="320115"),
                                      principal=province)
        applicants.update_plan(session, applicant=applicant, principal=province, data=PlanIn(
            plan_title="江宁区创建安全发展示范城市工作实施方案", plan_summary="2026—2028 年分三阶段推进"))
        return applicant.id


def _ok(page: Any) -> None:
    page.wait_for_selector("[data-testid=flash-ok]")


def _step(page: Any, action: str, note: str = "") -> None:
    form = page.locator(f"form:has(button[data-testid='do-{action}'])")
    if note:
        form.locator("textarea[name=note]").fill(note)
    form.locator(f"button[data-testid='do-{action}']").click()
    _ok(page)


def _opinion(page: Any, unit: str, text: str) -> None:
    page.fill("[data-testid=opinion-form] input[name=unit]", unit)
    page.fill("[data-testid=opinion-form] textarea[name=text]", text)
    page.click("[data-testid=opinion-form] button[type=submit]")
    _ok(page)


def test_county_to_named_in_the_browser(ctx: AppContext, live_server: str, browser_page: Any,
                                        artifacts_dir: Path) -> None:
    ctx.clock = FixedClock(T0)
    applicant_id = _seed(ctx)
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())  # the data-confirm questions (提交, 命名授牌)
    shot = iter(range(1, 20))

    def snap(name: str) -> None:
        page.screenshot(path=str(artifacts_dir / f"evaluation-e2e-{next(shot)}-{name}.png"), full_page=True)

    applicant_url = f"/evaluation/creation/applicants/{applicant_id}"
    login_as(page, live_server, "jiangning", PASSWORD, applicant_url)
    page.fill("input[name=year]", "2026")
    page.click("[data-testid=open-form] button[type=submit]")
    _ok(page)
    page.click("[data-testid=applications] a")
    app_url = page.url.replace(live_server, "")
    assert "填报中" in page.inner_text("[data-testid=app-sheet]")
    page.click("[data-testid=do-apply]")  # 申报 before the sheet is submitted: refused, saying why
    page.wait_for_selector("[data-testid=flash-error]")
    assert "自评评分表尚未提交" in page.inner_text("[data-testid=flash-error]")
    snap("county-application")

    page.click("[data-testid=app-sheet] a")
    page.goto(page.url.split("?")[0] + "?item=1.2.5")
    form = page.locator("[data-testid=item-form]")
    form.locator("input[name=deduction]").fill("0.5")
    form.locator("input[name=reason]").fill("麒麟科创园片区消防站尚在建设，站点布局未达标准")
    form.locator("input[name=responsible_units]").fill("江宁区消防救援大队、江宁区住房和城乡建设局")
    form.locator("input[name=deadline]").fill("2026-12-31")
    form.locator("textarea[name=progress]").fill("站点已开工，预计年底投用")
    form.locator("button[type=submit]").click()
    _ok(page)
    assert page.inner_text("[data-testid=sheet-total]") == "99.5"
    snap("county-sheet")
    page.click("[data-testid=submit-sheet]")
    _ok(page)
    assert page.inner_text("[data-testid=sheet-state]") == "已提交"
    snap("county-submitted")
    assert "可回到申报页办理“申报”" in page.inner_text("[data-testid=sheet-application]")
    page.click("[data-testid=sheet-application] a")
    _step(page, "apply", "自评得分 99.5 分，申请市级复核")
    assert page.inner_text("[data-testid=app-state]") == "市级复核"

    login_as(page, live_server, "nanjing", PASSWORD, app_url)
    _opinion(page, "南京市住房和城乡建设局", "建筑施工安全监管措施落实到位，同意推荐")
    _step(page, "recommend", "同意推荐江宁区参加省级评议")
    snap("city-recommended")

    login_as(page, live_server, "sheng", PASSWORD, app_url)
    _opinion(page, "江苏省消防救援总队", "消防站点建设按计划推进，同意列入")
    _step(page, "propose", "评议得分 92 分，列入拟命名名单")
    assert page.inner_text("[data-testid=app-state]") == "公示"
    snap("province-publicity")

    page.context.clear_cookies()
    page.goto(f"{live_server}/public/evaluation/publicity")
    assert "/login" not in page.url and "江宁区" in page.inner_text("section[data-testid^=entry-]")
    snap("public-page")

    ctx.clock.set(T0 + timedelta(days=ctx.settings.evaluation_publicity_days, hours=1))  # the window has closed
    login_as(page, live_server, "sheng", PASSWORD, app_url)
    _step(page, "approve", "省安委会审定通过")
    _step(page, "name", "命名为江苏省安全发展示范县（市、区）")
    assert page.inner_text("[data-testid=app-state]") == "已命名授牌"
    assert "已锁定" in page.inner_text("[data-testid=app-sheet]")
    snap("province-named")
    page.goto(live_server + applicant_url)
    assert "已命名" in page.inner_text("body")
    snap("applicant-named")
