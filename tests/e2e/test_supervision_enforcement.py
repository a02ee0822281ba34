"""Enforcement and joint punishment in Chromium, as a district's enforcement officer works them: record an
inspection of a unit (named by its credit code), add a fine (a sum written in words is refused at the amount,
the rest kept), put the unit on the joint-punishment list from the record, read its standing, revoke the
entry with a reason, close the record. Screenshots are kept in artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.e2e.e2e_support import login_as

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.orgs import service as orgs_service
from citysafe.orgs.schemas import OrganizationCreate

pytestmark = pytest.mark.e2e
PASSWORD = "correct-horse"
UNIT, USCC = "南京示范化工有限公司", "91110000710925243K"


def _world(ctx: AppContext) -> None:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        orgs_service.create(session, org_in=OrganizationCreate(
            name=UNIT, kind="enterprise", region_code="320102", uscc=USCC, sector="危险化学品",
            address="玄武区龙蟠路 88 号"))
        auth_service.create_user(session, user_in=UserCreate(
            username="zhifa", password=PASSWORD, role="department", region_code="320102",
            display_name="玄武区应急管理局 王磊"))
        auth_service.create_user(session, user_in=UserCreate(
            username="zhiban", password=PASSWORD, role="operator", region_code="320102", display_name="值班员"))


def _flash(page: Any) -> str:
    return str(page.locator("[data-testid=flash-ok]").inner_text())


def test_enforcement_officer_in_the_browser(ctx: AppContext, live_server: str, browser_page: Any,
                                            artifacts_dir: Path) -> None:
    _world(ctx)
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})

    # An operator of the monitoring centre does no enforcement: no menu entry for it.
    login_as(page, live_server, "zhiban", PASSWORD, "/")
    assert "监督考核" not in page.locator("nav.mainnav").inner_text()

    # 1. the officer finds 监督考核 in the menu and records an inspection of the unit by its credit code
    login_as(page, live_server, "zhifa", PASSWORD, "/")
    page.locator("nav.mainnav").get_by_text("监督考核").click()
    page.wait_for_url("**/supervision/enforcement")
    page.click("[data-testid=record-new]")
    page.fill("[name=unit]", USCC)
    page.select_option("[name=kind]", "inspection")
    page.fill("[name=department]", "玄武区应急管理局")
    page.fill("[name=findings]", "2#仓库存放危险化学品超过核定数量，未设置可燃气体报警装置")
    page.fill("[name=violations]", "未按规定设置可燃气体报警装置")
    page.fill("[name=basis]", "《中华人民共和国安全生产法》第三十六条")
    page.fill("[name=measures]", "责令限期整改\n暂扣危险化学品经营许可证")
    page.screenshot(path=str(artifacts_dir / "enforcement-0-new-record.png"), full_page=True)
    page.click("#submit-record")
    page.wait_for_selector("[data-testid=flash-ok]")
    assert "已登记" in _flash(page)
    assert UNIT in page.locator("h1").inner_text()
    record_path = page.url.split("?", 1)[0]

    # 2. a fine written in words is refused at the amount; what was typed stays in the form
    form = page.locator("[data-testid=penalty-form]")
    form.locator("[name=kind]").select_option("fine")
    form.locator("[name=amount]").fill("五千")
    form.locator("[name=decision_no]").fill("玄应急罚〔2026〕12号")
    form.locator("[name=basis]").fill("《中华人民共和国安全生产法》第九十九条")
    form.locator("button").click()
    page.wait_for_selector("[data-testid=amount-error]")
    assert "请用阿拉伯数字填写金额（元）" in page.locator("[data-testid=amount-error]").inner_text()
    form = page.locator("[data-testid=penalty-form]")
    assert form.locator("[name=amount]").input_value() == "五千"
    assert form.locator("[name=decision_no]").input_value() == "玄应急罚〔2026〕12号"
    assert form.locator("[name=basis]").input_value() == "《中华人民共和国安全生产法》第九十九条"
    assert "尚无处罚" in page.locator("[data-testid=penalties]").inner_text()  # nothing half-written
    page.screenshot(path=str(artifacts_dir / "enforcement-2-amount-refused.png"), full_page=True)

    form.locator("[name=amount]").fill("5000")
    form.locator("button").click()
    page.wait_for_selector("[data-testid=flash-ok]")
    penalties = page.locator("[data-testid=penalties]").inner_text()
    assert "罚款" in penalties and "5,000.00" in penalties and "第九十九条" in penalties
    assert _flash(page) == "已追加处罚：罚款 5,000.00 元"
    page.screenshot(path=str(artifacts_dir / "enforcement-1-record-with-fine.png"), full_page=True)

    # 3. from the record, the unit is put on the joint-punishment list (unit and record filled in)
    page.locator("details", has=page.locator("[data-testid=punish-link]")).locator("summary").click()
    page.click("[data-testid=punish-link]")
    assert page.locator("[data-testid=punishment-unit]").input_value() == f"{UNIT}（{USCC}）"
    page.fill("[name=reason]", "重大事故隐患拒不整改，被处以罚款并暂扣许可证")
    page.fill("[name=basis]", "《安全生产严重失信主体名单管理办法》第六条")
    page.check("input[name=measures][value=限制参与政府采购]")
    page.check("input[name=measures][value=限制融资授信]")
    page.fill("[name=decided_by]", "玄武区安委办")
    page.screenshot(path=str(artifacts_dir / "enforcement-3-punishment-form.png"), full_page=True)
    page.click("#submit-punishment")
    page.wait_for_selector("[data-testid=flash-ok]")
    assert "列入联合惩戒名单" in _flash(page)

    # 4. the unit's standing: on the list, its fine counted, its record linked
    assert page.locator("[data-testid=standing-punished]").is_visible()
    cards = page.locator("[data-testid=standing]").inner_text()
    assert "5,000.00" in cards and "累计罚款（元）" in cards
    assert "限制参与政府采购、限制融资授信" in page.locator("[data-testid=standing-punishments]").inner_text()
    page.screenshot(path=str(artifacts_dir / "enforcement-4-standing-punished.png"), full_page=True)

    # 5. the entry is revoked with a reason, after confirming
    revoke = page.locator("details[data-testid^=revoke-]")
    revoke.locator("summary").click()
    revoke.locator("[name=reason]").fill("已完成整改并通过信用修复审核")
    revoke.locator("[name=confirm]").check()
    revoke.locator("button").click()
    page.wait_for_selector("[data-testid=flash-ok]")
    assert "已撤销" in _flash(page)
    entries = page.locator("[data-testid=standing-punishments]").inner_text()
    assert "已撤销" in entries and "信用修复" in entries
    assert page.locator("[data-testid=standing-punished]").count() == 0
    page.screenshot(path=str(artifacts_dir / "enforcement-5-revoked.png"), full_page=True)

    # 6. the record is closed after confirming; the list finds it by its state and unit
    page.goto(record_path)
    page.locator("details", has=page.locator("form[data-action=close]")).locator("summary").click()
    page.check("form[data-action=close] [name=confirm]")
    page.locator("form[data-action=close] button").click()
    page.wait_for_selector("[data-testid=flash-ok]")
    assert page.locator("[data-testid=record-status]").inner_text() == "已结案"
    assert page.locator("[data-testid=penalty-form]").count() == 0
    page.goto(f"{live_server}/supervision/punishments?state=ended")
    listed = page.locator("[data-testid=punishments]").inner_text()
    assert UNIT in listed and "已撤销" in listed
    page.screenshot(path=str(artifacts_dir / "enforcement-7-punishment-list.png"), full_page=True)
    page.goto(f"{live_server}/hazards/enforcement")  # the old address still leads to the list
    page.wait_for_url("**/supervision/enforcement")
    page.select_option("[data-testid=record-filters] [name=status]", "closed")
    page.fill("[data-testid=record-filters] [name=q]", "示范化工")
    page.locator("[data-testid=record-filters] button").click()
    rows = page.locator("[data-testid=enforcement] tbody").inner_text()
    assert UNIT in rows and "已结案" in rows and "5,000.00" in rows
    page.screenshot(path=str(artifacts_dir / "enforcement-6-list-filtered.png"), full_page=True)
