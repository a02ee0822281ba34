"""举报奖励 in Chromium: a district handler proposes a reward for a verified report, a colleague approves it (the
proposer cannot), the handler notifies the reporter by SMS, checks the reporter's identity at the claim and
records the payment; the case page shows the amount, the rule, the timers, the timeline and the payment. A city
office edits its own reward schedule into a new version. Screenshots: artifacts/rewards-cases.png,
artifacts/rewards-case.png, artifacts/rewards-rules.png, artifacts/rewards-rule.png."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.e2e_support import login_as
from tests.firewatch.fakes import RecordingAdapter
from tests.public_rewards.reward_fakes import install

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.outbound import LogAdapter, Outbound

pytestmark = pytest.mark.e2e
PASSWORD = "correct-horse"
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def _seed(ctx: AppContext) -> RecordingAdapter:
    ctx.clock = FixedClock(NOW)
    sms = RecordingAdapter(channel="sms")
    ctx.outbound = Outbound([sms, LogAdapter()], sleep=lambda _: None)
    reports = install(ctx)
    reports.add(7, region_code="320102002", received_at=NOW - timedelta(days=6), verified_at=NOW - timedelta(days=2),
                real_name=False, matter="通道")
    reports.add(8, region_code="320102002", received_at=NOW - timedelta(days=5), verified_at=NOW - timedelta(days=2),
                matter="通道", name="王五", phone="13900000008")
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        for username, role, region, name in (("zhang", "district_office", "320102", "玄武区安委办 张三"),
                                             ("li", "district_office", "320102", "玄武区安委办 李四"),
                                             ("taizhou", "city_office", "321200", "泰州市应急管理局 周科长")):
            auth_service.create_user(session, user_in=UserCreate(username=username, password=PASSWORD, role=role,
                                                                 region_code=region, display_name=name))
    return sms


def _step(page: Any, action: str, **fields: str) -> None:
    form = page.locator(f"form:has(button[data-testid='do-{action}'])")
    for name, value in fields.items():
        target = form.locator(f"[name={name}]")
        if target.evaluate("e => e.tagName") == "SELECT":
            target.select_option(value)
        else:
            target.fill(value)
    form.locator(f"button[data-testid='do-{action}']").click()
    page.wait_for_selector("[data-testid=flash-ok]")


def test_a_reward_from_proposal_to_payment_and_a_local_schedule_edited(
        ctx: AppContext, live_server: str, browser_page: Any, artifacts_dir: Path) -> None:
    sms = _seed(ctx)
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())
    login_as(page, live_server, "zhang", PASSWORD, "/rewards")
    form = page.locator("[data-testid=propose-form]")
    assert form.locator("fieldset[data-basis=concealed_accident]").is_hidden()  # only the fine for a violation
    form.locator("input[name=report_id]").fill("7")
    form.locator("input[name=fine_yuan]").fill("100000")
    form.locator("button[type=submit]").click()
    error = page.locator("[data-testid=flash-error]").inner_text()
    assert "JB000008" in error and "只奖励该举报人" in error  # the anonymous first report is not the one rewarded
    form.locator("input[name=report_id]").fill("jb000009")
    form.locator("input[name=fine_yuan]").fill("100000")
    form.locator("button[type=submit]").click()
    assert "找到" in page.locator("[data-testid=flash-error]").inner_text()  # no such receipt
    form.locator("input[name=report_id]").fill("jb000008")  # the receipt, as the report shows it
    form.locator("input[name=fine_yuan]").fill("100000")
    form.locator("textarea[name=basis_note]").fill("玄应急罚〔2026〕12号 行政处罚决定书")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=flash-ok]")
    assert page.locator("[data-testid=amount]").inner_text().startswith("15,000")
    assert page.locator("[data-testid=do-approve]").count() == 0  # four eyes: not the proposer
    assert "另一名" in page.locator("[data-testid=no-actions]").inner_text()
    case_path = page.url.replace(live_server, "").split("?")[0]

    login_as(page, live_server, "li", PASSWORD, case_path)
    _step(page, "approve", note="经审核，符合奖励条件")
    login_as(page, live_server, "zhang", PASSWORD, case_path)
    _step(page, "notify", method="sms")
    assert sms.messages and sms.messages[-1].recipients == ("13900000008",)
    page.click("[data-testid=show-identity]")
    assert "王五" in page.locator("[data-testid=identity]").inner_text()
    _step(page, "claim", note="举报人持身份证原件领取，已核对")
    _step(page, "pay", method="bank_transfer", reference="JS20260601-0008")
    assert page.locator("[data-testid=case-state]").inner_text() == "已发放"
    steps = page.locator("[data-testid=timeline] tbody tr")
    assert steps.count() == 6  # the SMS recorded as started before it is sent, then delivered
    assert "开始发送领奖通知短信" in steps.nth(2).inner_text() and "短信已送达" in steps.nth(3).inner_text()
    assert "JS20260601-0008" in page.locator("[data-testid=payment]").inner_text()
    assert "匿名 1 件" in page.locator("[data-testid=matter]").inner_text()
    page.screenshot(path=str(artifacts_dir / "rewards-case.png"), full_page=True)
    page.goto(f"{live_server}/rewards")
    assert page.locator("[data-testid=cases] tbody tr").count() == 1
    page.screenshot(path=str(artifacts_dir / "rewards-cases.png"), full_page=True)

    login_as(page, live_server, "taizhou", PASSWORD, "/rewards/rules")
    assert page.locator("[data-testid=rule-national-2018]").is_visible()
    page.screenshot(path=str(artifacts_dir / "rewards-rules.png"), full_page=True)
    page.click("[data-testid=rule-taizhou-2020] h2 a")
    edit = page.locator("[data-testid=rule-form]")
    edit.locator("input[name='s.violation.min_yuan']").fill("6000")
    edit.locator("textarea[name=note]").fill("按2026年修订稿调整最低奖励额")
    edit.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=flash-ok]")
    assert "第 2 版" in page.locator("h1").inner_text()
    assert page.locator("[data-testid=versions] tbody tr").count() == 2
    assert "6,000" in page.locator("[data-testid=rule-facts]").inner_text()
    page.screenshot(path=str(artifacts_dir / "rewards-rule.png"), full_page=True)
    page.goto(f"{live_server}/rewards/rules")  # a county's own schedule, from the national template
    create = page.locator("[data-testid=create-rule-form]")
    create.locator("select[name=jurisdiction]").select_option(label="靖江市")
    create.locator("input[name=name]").fill("jingjiang-2026")
    create.locator("input[name=title]").fill("靖江市安全生产领域举报奖励办法")
    create.locator("input[name=document]").fill("靖江市人民政府办公室 2026年5月")
    create.locator("input[name=effective_from]").fill("2026-05-01")
    create.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=flash-ok]")
    assert "靖江市" in page.locator("[data-testid=rule-facts]").inner_text()
    assert page.locator("[data-testid=rule-form]").is_visible()
