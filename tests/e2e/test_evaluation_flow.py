"""示范城市创建 in Chromium: a county applies with its self-evaluation, the city records an opinion and
recommends, the province puts it on 公示; the public page shows it without a login and takes an objection;
the province's application page shows the history, opinions, the objection and only its own next steps.
Screenshots: artifacts/evaluation-application.png, artifacts/evaluation-publicity.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.e2e.e2e_support import login_as

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.evaluation.applicants import service as applicants
from citysafe.evaluation.applicants.schemas import ApplicantCreate, OrganisationIn, PlanIn

pytestmark = pytest.mark.e2e
PASSWORD = "correct-horse"


def _seed(ctx: AppContext) -> int:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        people = {}
        for username, role, region, name in (("sheng", "province_office", "320000", "省安委办 王处长"),
                                             ("nanjing", "city_office", "320100", "南京市安委办 李科长"),
                                             ("jiangning", "district_office", "320115", "江宁区安委办 张主任")):
            user = auth_service.create_user(session, user_in=UserCreate(
                username=username, password=PASSWORD, role=role, region_code=region, display_name=name))
            people[username] = user
        session.flush()
        province = auth_service.principal_for(people["sheng"])
        applicant = applicants.create(session, data=ApplicantCreate(kind="county", division_code="320115"),
                                      principal=province)
        applicants.update_plan(session, applicant=applicant, principal=province, data=PlanIn(
            plan_title="江宁区创建国家安全发展示范城市工作实施方案", plan_summary="2026—2028 年分三阶段推进"))
        organisation = OrganisationIn.model_validate(
            {"leading_group": [{"name": "陈区长", "post": "区长", "role": "组长"}],
             "contacts": [{"name": "周联络", "post": "区应急管理局", "role": "联络员", "phone": "025-52100000"}]})
        applicants.update_organisation(session, applicant=applicant, principal=province, data=organisation)
        return applicant.id


def _step(page: Any, action: str, note: str = "") -> None:
    form = page.locator(f"form:has(button[data-testid='do-{action}'])")
    if note:
        form.locator("textarea[name=note]").fill(note)
    form.locator(f"button[data-testid='do-{action}']").click()
    page.wait_for_selector("[data-testid=flash-ok]")


def test_county_city_province_and_the_public(ctx: AppContext, live_server: str, browser_page: Any,
                                             artifacts_dir: Path) -> None:
    applicant_id = _seed(ctx)
    page = browser_page
    login_as(page, live_server, "jiangning", PASSWORD, f"/evaluation/creation/applicants/{applicant_id}")
    page.fill("input[name=year]", "2026")
    page.click("[data-testid=open-form] button[type=submit]")
    page.wait_for_selector("[data-testid=flash-ok]")
    page.click("[data-testid=applications] a")
    app_url = page.url
    page.on("dialog", lambda dialog: dialog.accept())  # 提交评分表 asks first
    page.click("[data-testid=app-sheet] a")  # 申报 needs the 自评 sheet submitted
    page.click("[data-testid=submit-sheet]")
    page.wait_for_selector("[data-testid=flash-ok]")
    page.goto(app_url)
    _step(page, "apply", "自评得分 86.5 分，申请市级复核")
    assert page.locator("[data-testid=app-state]").inner_text() == "市级复核"
    page.context.clear_cookies()
    login_as(page, live_server, "nanjing", PASSWORD, app_url.replace(live_server, ""))
    assert page.locator("[data-testid=do-apply]").count() == 0
    page.fill("[data-testid=opinion-form] input[name=unit]", "南京市住房和城乡建设局")
    page.fill("[data-testid=opinion-form] textarea[name=text]", "建筑施工安全监管措施落实到位")
    page.click("[data-testid=opinion-form] button[type=submit]")
    page.wait_for_selector("[data-testid=flash-ok]")
    _step(page, "recommend", "同意推荐江宁区参加省级评议")
    page.context.clear_cookies()
    login_as(page, live_server, "sheng", PASSWORD, app_url.replace(live_server, ""))
    page.fill("[data-testid=opinion-form] input[name=unit]", "江苏省消防救援总队")
    page.select_option("[data-testid=opinion-form] select[name=stance]", "conditional")
    page.fill("[data-testid=opinion-form] textarea[name=text]", "请于命名前完成高层建筑消防设施联网")
    page.click("[data-testid=opinion-form] button[type=submit]")
    page.wait_for_selector("[data-testid=flash-ok]")
    _step(page, "propose", "评议得分 88 分，列入拟命名名单")
    assert page.locator("[data-testid=app-state]").inner_text() == "公示"

    page.context.clear_cookies()
    page.goto(f"{live_server}/public/evaluation/publicity")
    assert "/login" not in page.url
    entry = page.locator("section[data-testid^=entry-]")
    assert entry.count() == 1 and "江宁区" in entry.inner_text()
    entry.locator("textarea[name=text]").fill("太短")
    entry.locator("button[type=submit]").click()  # the browser's own check passes (required), the server refuses
    page.wait_for_selector("[data-testid=flash-error]")
    assert "异议内容" in page.locator("[data-testid=flash-error]").inner_text()
    page.locator("section[data-testid^=entry-] textarea[name=text]").fill(
        "江宁区某工地今年发生较大坍塌事故，建议核实后再命名。")
    page.locator("section[data-testid^=entry-] input[name=contact]").fill("138****0000")
    page.locator("section[data-testid^=entry-] button[type=submit]").click()
    page.wait_for_selector("[data-testid=flash-ok]")
    page.screenshot(path=str(artifacts_dir / "evaluation-publicity.png"), full_page=True)

    login_as(page, live_server, "sheng", PASSWORD, app_url.replace(live_server, ""))
    assert "江宁区某工地今年发生较大坍塌事故" in page.locator("[data-testid=objections]").inner_text()
    # 审定 waits for the window to close and the objection to be handled: no button, a word why
    assert page.locator("[data-testid=do-approve]").count() == 0
    assert page.locator("[data-testid=do-return]").count() == 1
    assert page.locator("[data-testid=approve-waits]").count() == 1
    page.screenshot(path=str(artifacts_dir / "evaluation-application.png"), full_page=True)
