"""Dangerous-work permits in Chromium: the applicant types the working height and sees the grade it makes
(GB/T 3608: exactly 5 m is still 一级), a contractor's hot work beside the host's open confined space is flagged,
the unit's leader signs, the gas test is entered and work starts. Screenshots are kept in artifacts/."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from tests.e2e.e2e_support import login_as

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.orgs import service as orgs_service
from citysafe.orgs.schemas import Location, OrganizationCreate

pytestmark = pytest.mark.e2e
PASSWORD = "correct-horse"


UNITS = [("南京金陵石化储运有限公司", "玄武区龙蟠路 88 号"), ("江苏华安设备安装工程有限公司", "玄武区中山路 20 号")]


def _world(ctx: AppContext) -> None:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        host, contractor = (orgs_service.create(session, org_in=OrganizationCreate(
            name=name, kind="enterprise", region_code="320102", sector="危险化学品", address=address,
            location=Location(lon=118.8, lat=32.05))) for name, address in UNITS)
        for username, name, org_id in [
                ("shenqing", "作业申请人刘洋", host.id), ("fuzeren", "作业单位负责人陈刚", host.id),
                ("anquan", "安全管理部门周敏", host.id), ("chengbao", "承包商申请人孙磊", contractor.id)]:
            auth_service.create_user(session, user_in=UserCreate(
                username=username, password=PASSWORD, role="enterprise", region_code="320102", display_name=name,
                organization_id=org_id))


def _local(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")


def _apply(page: Any, *, work_type: str, area: str, content: str, lon: str, lat: str, hours: int,
           **fields: str) -> None:
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    page.select_option("#work-type", work_type)
    for name, value in fields.items():
        page.locator(f"[name={name}]").fill(value) if name != "grade" else page.select_option("[name=grade]", value)
    page.fill("[name=area]", area)
    page.fill("[name=lon]", lon)
    page.fill("[name=lat]", lat)
    page.fill("[name=content]", content)
    page.fill("[name=safety_measures]", "设置警戒区，配备灭火器 2 具，专人监护")
    page.fill("[name=work_leader]", "王建国")
    page.fill("[name=guardian]", "赵监护")
    page.fill("[name=workers]", "李强、周涛")
    page.fill("[name=valid_from]", _local(now - timedelta(minutes=5)))
    page.fill("[name=valid_to]", _local(now + timedelta(hours=hours)))


def test_permits_in_the_browser(ctx: AppContext, live_server: str, browser_page: Any, artifacts_dir: Path) -> None:
    _world(ctx)
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})

    # 1. the host's confined-space permit, then a contractor's hot work 9 m away: a conflict across units
    login_as(page, live_server, "shenqing", PASSWORD, "/hazards/permits")
    page.click("[data-testid=permit-apply]")
    _apply(page, work_type="confined_space", area="2#原油储罐", content="储罐清罐作业", lon="118.800000",
           lat="32.050000", hours=8)
    page.click("#submit-permit")
    page.wait_for_selector("[data-testid=flash-ok]")
    confined_path = urlsplit(page.url).path

    login_as(page, live_server, "chengbao", PASSWORD, "/hazards/permits/new")
    _apply(page, work_type="hot_work", area="储罐区东侧管廊", content="管廊支架焊接", lon="118.800100",
           lat="32.050000", hours=6, grade="level1")
    assert "一级动火" in page.locator("[data-testid=grade-result]").inner_text()
    page.click("#submit-permit")
    page.wait_for_selector("[data-testid=flash-ok]")
    clash = page.locator("[data-testid=permit-conflict]").inner_text()
    assert "南京金陵石化储运有限公司的受限空间作业" in clash and "受限空间内可燃气体" in clash
    page.screenshot(path=str(artifacts_dir / "permits-2-contractor-conflict.png"), full_page=True)

    # 2. work at height: the grade follows from the height typed, exactly 5 m stays 一级
    login_as(page, live_server, "shenqing", PASSWORD, "/hazards/permits/new")
    page.select_option("#work-type", "work_at_height")
    assert page.locator("[name=grade]").is_hidden() and page.locator("[name=height_m]").is_visible()
    page.fill("[name=height_m]", "5")
    result = page.locator("[data-testid=grade-result]")
    assert "一级高处（2m≤h≤5m）" in result.inner_text() and "作业单位负责人" in result.inner_text()
    page.fill("[name=height_m]", "1.5")
    assert "不属于高处作业" in result.inner_text()
    _apply(page, work_type="work_at_height", area="3#罐顶平台", content="罐顶呼吸阀检修", lon="118.8005",
           lat="32.0505", hours=8, height_m="18")
    assert "三级高处（15m<h≤30m）" in result.inner_text()
    assert "安全管理部门" in result.inner_text()
    page.screenshot(path=str(artifacts_dir / "permits-1-apply-height-grade.png"), full_page=True)
    page.click("#submit-permit")
    page.wait_for_selector("[data-testid=flash-ok]")
    assert page.locator("[data-testid=permit-grade]").inner_text() == "三级高处（15m<h≤30m）"
    assert "18 米" in page.content()

    # 3. the unit's leader and the safety department sign the confined-space permit
    for username in ("fuzeren", "anquan"):
        login_as(page, live_server, username, PASSWORD, confined_path)
        page.locator("form[data-action=approve] textarea[name=note]").fill("措施落实，同意作业")
        page.locator("form[data-action=approve] button").click()
        page.wait_for_selector("[data-testid=flash-ok]")
    assert page.locator("[data-testid=permit-state]").inner_text() == "已批准"
    assert "周敏" in page.locator("[data-testid=permit-approvals]").inner_text()
    page.screenshot(path=str(artifacts_dir / "permits-3-approved.png"), full_page=True)

    # 4. the gas test is entered, then work starts
    gas = page.locator("form[data-action=gas_test]")
    gas.locator("[name=point]").fill("罐内中部")
    gas.locator("[name=oxygen_pct]").fill("20.8")
    gas.locator("[name=combustible_pct_lel]").fill("0.5")
    gas.locator("[name=h2s_mg_m3]").fill("0")
    gas.locator("button").click()
    page.wait_for_selector("[data-testid=flash-ok]")
    assert "合格" in page.locator("[data-testid=gas-tests]").inner_text()
    page.locator("details", has=page.locator("form[data-action=start]")).locator("summary").click()
    page.locator("form[data-action=start] button").click()
    page.wait_for_selector("[data-testid=flash-ok]")
    assert page.locator("[data-testid=permit-state]").inner_text() == "作业中"
    page.screenshot(path=str(artifacts_dir / "permits-4-gas-test-started.png"), full_page=True)
