"""Issue #15 point 7 as one flow through pages, in Chromium, with the reward: a citizen on a phone-sized window
(390×844, no account) reports with a photo, a real name and a phone checked by SMS code; the district office
claims, verifies and turns it into a hazard ticket; the ticket is assigned, rectified, re-inspected and closed
(销号) on the hazards pages; a handler proposes the reward and a second person approves it (four eyes); the reporter
is notified by SMS with the claim deadline (60 days, 安监总财〔2018〕19号); the reward is claimed and paid. At two
points the citizen's tracking page shows every step, the reward among them, and nobody's name.
Screenshots: artifacts/flow-*.png."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.e2e_support import login_as
from tests.firewatch.fakes import RecordingAdapter
from tests.hazards.conftest import tiny_png
from tests.public.reports_support import XUANWU, photo

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.clock import format_local
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.outbound import LogAdapter, Outbound

pytestmark = pytest.mark.e2e
PASSWORD = "correct-horse"
PHONE = "13912345678"
ID_NUMBER = "11010519491231002X"  # the worked example of GB 11643-1999 (check character X)
STAFF = [("xuanwu", "district_office", "玄武区安委办张核实"), ("shenpi", "district_office", "玄武区安委办李审批"),
         ("jiancha", "department", "区应急管理局王复查")]
NAMES = ("张核实", "李审批", "王复查", "xuanwu", "shenpi", "jiancha", "玄武区安委办")


def _world(ctx: AppContext) -> RecordingAdapter:
    sms = RecordingAdapter(channel="sms")
    ctx.outbound = Outbound([sms, LogAdapter()], sleep=lambda _: None)
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        for username, role, name in STAFF:
            auth_service.create_user(session, user_in=UserCreate(
                username=username, password=PASSWORD, role=role, region_code="320102", display_name=name))
    return sms


def _act(page: Any, action: str, note: str = "", evidence: Path | None = None, **fields: str) -> None:
    """One step on the hazard ticket's page (its forms are folded under their names)."""
    form = page.locator(f"form[data-action='{action}']")
    if not form.is_visible():
        page.locator("details", has=form).locator("summary").click()
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    if evidence is not None:
        form.locator("input[name=photos]").set_input_files(str(evidence))
    if note:
        form.locator("textarea[name=note]").fill(note)
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=flash-ok]")


def _reward_step(page: Any, action: str, **fields: str) -> None:
    form = page.locator(f"form:has(button[data-testid='do-{action}'])")
    for name, value in fields.items():
        target = form.locator(f"[name={name}]")
        if target.evaluate("e => e.tagName") == "SELECT":
            target.select_option(value)
        else:
            target.fill(value)
    form.locator(f"button[data-testid='do-{action}']").click()
    page.wait_for_selector("[data-testid=flash-ok]")


def _citizen_reads(page: Any, base: str, receipt: str) -> tuple[list[str], str]:
    """The tracking page as the citizen opens it on the phone: the steps done, and the whole page's text."""
    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/public/reports/track")
    page.fill("[data-testid=receipt]", receipt.lower())
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=steps]")
    text = page.locator("body").inner_text()
    assert not any(name in text for name in NAMES), "a handler's name on the public page"
    assert PHONE not in text and "110105" not in text  # nor the reporter's own details
    return page.locator("[data-testid=steps] li.done b").all_inner_texts(), text


def test_a_phone_report_to_a_closed_ticket_and_a_paid_reward(ctx: AppContext, live_server: str, browser_page: Any,
                                                             artifacts_dir: Path, tmp_path: Path) -> None:
    sms = _world(ctx)
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())
    picture = tmp_path / "现场.jpg"
    picture.write_bytes(photo(seed=21, size=(1200, 900)))
    evidence = tmp_path / "整改.png"
    evidence.write_bytes(tiny_png((40, 160, 60), size=64))

    # 1. the citizen, on a phone, no account: photo, place, what, and a real name with a phone checked by SMS
    page.set_viewport_size({"width": 390, "height": 844})
    page.context.grant_permissions(["geolocation"], origin=live_server)
    page.context.set_geolocation({"longitude": XUANWU[0], "latitude": XUANWU[1], "accuracy": 10})
    page.goto(f"{live_server}/public/reports")
    page.click("#pr-locate")
    page.wait_for_selector("#pr-where[data-picked='1']")
    page.select_option("[data-testid=category]", "fire_safety")
    page.fill("[data-testid=description]", "商场地下一层消防通道被货物堵死，防火门用木楔卡住常开")
    page.set_input_files("input[name=photos]", str(picture))
    page.wait_for_selector("#preview img")
    page.locator("details.pr-optional summary").click()
    page.fill("#pr-phone", PHONE)
    page.click("#pr-send-code")
    page.wait_for_selector("#pr-code-status:not(:empty)")
    code = re.search(r"验证码为 (\d+)", sms.messages[-1].text)
    assert code is not None and sms.messages[-1].recipients == (PHONE,)
    page.fill("input[name=code]", code.group(1))
    page.fill("input[name=name]", "赵举报")
    page.fill("input[name=id_number]", ID_NUMBER)
    page.screenshot(path=str(artifacts_dir / "flow-1-report-phone.png"), full_page=True)
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=receipt-number]")
    receipt = page.url.split("?")[0].rsplit("/", 1)[-1]
    assert page.locator("[data-testid=state]").inner_text().endswith("已受理")
    assert page.locator("[data-testid=reward-step]").count() == 0  # no reward talk before anyone decided one

    # 2. the district office claims, verifies and turns it into a hazard ticket
    page.set_viewport_size({"width": 1400, "height": 900})
    login_as(page, live_server, "xuanwu", PASSWORD, "/reports")
    page.locator("[data-testid=report-row] a").first.click()
    page.click("[data-testid=claim]")
    page.wait_for_selector("[data-testid=flash-ok]")
    page.fill("textarea[name=note]", "现场核查属实，消防通道堵塞")
    page.click("[data-testid=verify]")
    page.wait_for_selector("[data-testid=flash-ok]")
    page.click("[data-testid=to-ticket]")
    page.wait_for_selector("[data-testid=ticket-link]")
    assert page.locator("[data-testid=report-state]").inner_text() == "已转交整改"
    page.screenshot(path=str(artifacts_dir / "flow-2-staff-ticket.png"), full_page=True)
    page.click("[data-testid=ticket-link]")
    ticket_url = page.url.split("?")[0]

    # 3. the ticket's own loop on its pages: assigned, rectified with evidence, re-inspected, closed
    _act(page, "assign", note="请商场物业限期清理", responsible_name="某商场物业管理处")
    _act(page, "start")
    _act(page, "submit", note="货物已清走，防火门恢复常闭", evidence=evidence)
    login_as(page, live_server, "jiancha", PASSWORD, ticket_url.replace(live_server, ""))
    _act(page, "pass", note="现场复查：通道畅通，防火门常闭", evidence=evidence)
    login_as(page, live_server, "xuanwu", PASSWORD, ticket_url.replace(live_server, ""))
    _act(page, "close", note="同意销号")
    assert page.locator("[data-testid=ticket-state]").inner_text() == "已销号"

    # 4. the reward: proposed by one handler, approved by another (the proposer cannot), the reporter notified
    page.goto(f"{live_server}/rewards")
    form = page.locator("[data-testid=propose-form]")
    form.locator("input[name=report_id]").fill(receipt)
    form.locator("input[name=fine_yuan]").fill("100000")
    form.locator("textarea[name=basis_note]").fill("玄应急罚〔2026〕31号 行政处罚决定书")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=flash-ok]")
    assert page.locator("[data-testid=amount]").inner_text().startswith("15,000")
    assert page.locator("[data-testid=do-approve]").count() == 0  # four eyes
    case_path = page.url.replace(live_server, "").split("?")[0]
    _, text = _citizen_reads(page, live_server, receipt)
    assert "奖励评定中" in text and "15,000" not in text  # a proposal is not yet a decision
    login_as(page, live_server, "shenpi", PASSWORD, case_path)
    _reward_step(page, "approve", note="符合奖励条件，同意")
    login_as(page, live_server, "xuanwu", PASSWORD, case_path)
    _reward_step(page, "notify", method="sms")
    assert sms.messages[-1].recipients == (PHONE,) and "15,000" in sms.messages[-1].text

    # 5. the citizen sees the handling, the decision and the deadline to claim, with nobody's name
    steps, text = _citizen_reads(page, live_server, receipt)
    assert steps == ["已受理", "已核实", "已转交整改", "已整改销号", "决定奖励", "已通知领奖"]
    deadline = format_local(ctx.clock.now() + timedelta(days=60))[:10]
    pending = page.locator("[data-testid=reward-step].todo").inner_text()
    assert "待领取奖励" in pending and deadline in pending and "60 日" in pending
    assert "人民币 15,000 元" in text
    page.screenshot(path=str(artifacts_dir / "flow-3-tracking-reward-notified.png"), full_page=True)

    # 6. claimed at the office and paid; the tracking page closes with the payment
    page.set_viewport_size({"width": 1400, "height": 900})
    login_as(page, live_server, "xuanwu", PASSWORD, case_path)
    _reward_step(page, "claim", note="举报人持身份证原件领取，已核对")
    _reward_step(page, "pay", method="bank_transfer", reference="XW20260601-031")
    assert page.locator("[data-testid=case-state]").inner_text() == "已发放"
    page.screenshot(path=str(artifacts_dir / "flow-4-staff-reward-paid.png"), full_page=True)
    steps, text = _citizen_reads(page, live_server, receipt)
    assert steps == ["已受理", "已核实", "已转交整改", "已整改销号", "决定奖励", "已通知领奖", "已登记领取",
                     "奖励已发放"]
    assert page.locator("[data-testid=reward-step].todo").count() == 0
    assert "银行转账" in text and "XW20260601-031" not in text  # how, not the voucher
    page.screenshot(path=str(artifacts_dir / "flow-5-tracking-reward-paid.png"), full_page=True)
