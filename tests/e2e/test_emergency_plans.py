"""Emergency plans and drills in Chromium: the district's emergency officer filters the plan library, opens the
fire plan and reads its command, its 四级 response tasks with their time limits and its drill; the drill
calendar shows the drill held and the enterprise overdue its on-site drill. Screenshots are kept in artifacts/."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.e2e.e2e_support import login_as
from tests.emergency.plan_samples import fire_plan, onsite_plan

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.clock import FixedClock, SystemClock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.orgs import service as orgs_service
from citysafe.orgs.schemas import OrganizationCreate

pytestmark = pytest.mark.e2e
PASSWORD = "correct-horse"


def _world(ctx: AppContext, base: str) -> None:
    ctx.clock = FixedClock(datetime(2025, 6, 1, 2, 0, tzinfo=UTC))
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        org = orgs_service.create(session, org_in=OrganizationCreate(
            name="南京金陵石化储运有限公司", kind="enterprise", region_code="320102", sector="危险化学品"))
        org_id = org.id
        auth_service.create_user(session, user_in=UserCreate(
            username="yingji", password=PASSWORD, role="district_office", region_code="320102",
            display_name="玄武区应急管理局 王敏"))
    with httpx.Client(base_url=base, timeout=30) as http:
        def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
            # A token of the clock in force: the seeding moves the clock from last year to now.
            token = http.post("/api/v1/auth/token", data={"username": "yingji", "password": PASSWORD}).json()
            headers = {"Authorization": f"Bearer {token['access_token']}", "Origin": base}
            response = http.post(path, headers=headers, json=body)
            assert response.status_code == 201, response.text[:400]
            return dict(response.json())

        plan = post("/api/v1/emergency/plans", fire_plan())
        post("/api/v1/emergency/plans", onsite_plan("1#储罐区泄漏现场处置方案") | {"organization_id": org_id})
        flood = fire_plan("玄武区防汛应急预案", unit_name="玄武区防汛抗旱指挥部")
        flood["content"] = {"triggers": [{"level": "4", "categories": ["natural_disaster"]}], "levels": [
            {"level": "4", "tasks": [{"title": "转移低洼地区群众", "deadline_minutes": 120}]}]}
        post("/api/v1/emergency/plans", flood)
        ctx.clock = SystemClock()  # the plans entered the library last year; what follows happened this year
        post(f"/api/v1/emergency/plans/{plan['id']}/records", {
            "kind": "filing", "on": "2026-03-10", "authority": "南京市应急管理局", "reference": "备案 320102-2026-015"})
        post("/api/v1/emergency/drills", {
            "plan_id": plan["id"], "title": "新街口商场火灾综合演练", "content_kind": "comprehensive",
            "form_kind": "live", "scheduled_on": "2026-05-20", "held_on": "2026-05-20", "participants": 120,
            "evaluation": [{"item": "预警与信息报告", "score": 9, "max_score": 10},
                           {"item": "指挥与协调", "score": 6, "max_score": 10}]})


def test_plan_library_plan_page_and_drill_calendar(ctx: AppContext, live_server: str, browser_page: Any,
                                                  artifacts_dir: Path) -> None:
    _world(ctx, live_server)
    page = browser_page
    login_as(page, live_server, "yingji", PASSWORD, "/emergency/plans")
    rows = page.locator("[data-testid=plans] tbody tr")
    assert rows.count() == 3
    page.select_option("select[name=category]", "accident")
    page.fill("input[name=q]", "警戒区")
    page.click("[data-testid=plan-filters] button[type=submit]")
    page.wait_for_url("**q=*")
    assert rows.count() == 1 and "玄武区火灾事故专项应急预案" in rows.first.inner_text()
    assert "2026-03-10" in rows.first.inner_text() and "玄武区" in rows.first.inner_text()
    page.screenshot(path=str(artifacts_dir / "emergency-plans-1-library.png"), full_page=True)

    page.click("text=玄武区火灾事故专项应急预案")
    page.wait_for_selector("[data-testid=plan-level-4]")
    command = page.locator("[data-testid=plan-command]").inner_text()
    assert "区长" in command and "抢险救援组" in command and "玄武消防救援大队" in command
    four = page.locator("[data-testid=plan-level-4]").inner_text()
    assert "四级响应" in four and "核实火情并首报" in four and "启动后 30 分钟内" in four
    assert "三级响应" in page.locator("[data-testid=plan-level-3]").inner_text()
    assert "新街口商场火灾综合演练" in page.locator("[data-testid=plan-drills]").inner_text()
    page.screenshot(path=str(artifacts_dir / "emergency-plans-2-plan.png"), full_page=True)

    page.click("nav.hz-nav >> text=应急演练")
    page.wait_for_selector("[data-testid=drill-calendar]")
    calendar = page.locator("[data-testid=drill-calendar]").inner_text()
    assert "2026年5月" in calendar and "综合演练·实战演练" in calendar and "75.0%" in calendar
    overdue = page.locator("[data-testid=drills-overdue]").inner_text()
    assert "南京金陵石化储运有限公司" in overdue and "从未演练" in overdue and "第三十三条" in overdue
    page.screenshot(path=str(artifacts_dir / "emergency-plans-3-drills.png"), full_page=True)

    # A new plan typed in: saved without its name it comes back with what was typed and says what is missing.
    page.click("nav.hz-nav >> text=预案库")
    page.click("[data-testid=plan-new]")
    page.select_option("select[name=kind]", "gov_special")
    page.fill("input[name=unit_name]", "玄武区住房和城乡建设局")
    page.fill("input[name=commander]", "分管副区长")
    page.fill("textarea[name=groups]", "抢险救援组：组织抢险队伍排险\n后勤保障组：调运沙袋、照明设备")
    page.select_option("select[name=category]", "accident")
    page.check("input[name=grades][value=general]")
    page.fill("input[name=task_title_0]", "封闭事故工地周边道路")
    page.fill("input[name=task_group_0]", "抢险救援组")
    page.fill("input[name=task_minutes_0]", "半小时")
    page.click("[data-testid=plan-submit]")
    error = page.locator("[data-testid=flash-error]").inner_text()
    assert "预案名称" in error and "完成时限（分钟）" in error, error
    assert page.input_value("input[name=task_title_0]") == "封闭事故工地周边道路"
    page.screenshot(path=str(artifacts_dir / "emergency-plans-4-new-refused.png"), full_page=True)
    page.fill("input[name=title]", "玄武区建设工程施工安全事故应急预案")
    page.fill("input[name=task_minutes_0]", "30")
    page.click("[data-testid=plan-submit]")
    page.wait_for_selector("[data-testid=flash-ok]")
    assert "已录入" in page.locator("[data-testid=flash-ok]").inner_text()
    four = page.locator("[data-testid=plan-level-4]").inner_text()
    assert "封闭事故工地周边道路" in four and "启动后 30 分钟内" in four and "抢险救援组" in four
    page.screenshot(path=str(artifacts_dir / "emergency-plans-5-new-saved.png"), full_page=True)
