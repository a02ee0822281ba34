"""A simulated fire arrives over GB/T 26875.3 on the live board in Chromium (server-sent events, alarm
sound) and the operator takes it through 受理 → 核实 → 确认火警; with the ``log`` forwarder nothing reaches
119 by itself, so the board asks for a phone call (待人工电话转警, the unit's numbers), the operator records
it, and the board shows the fire forwarded by phone with its delay."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.e2e.fire_unit import acknowledge_verify_confirm, networked_unit, send_fire

from citysafe.core.context import AppContext

pytestmark = pytest.mark.e2e

@pytest.fixture
def ctx(ctx: AppContext) -> AppContext:
    return networked_unit(ctx)


def test_a_fire_arrives_live_and_is_confirmed(
    ctx: AppContext, live_server: str, browser_page: Any, artifacts_dir: Path,
) -> None:
    page = browser_page
    page.goto(f"{live_server}/firewatch")
    page.fill("input[name=username]", "duty")
    page.fill("input[name=password]", "correct-horse")
    page.click("button[type=submit]")
    page.wait_for_selector("#fw-alarms[data-ready='1']")
    page.wait_for_selector("#fw-live.on")  # the event stream is connected
    assert page.locator("#fw-alarms tbody tr").count() == 0
    page.click("#fw-sound")
    page.wait_for_selector("#fw-sound[aria-pressed='true']")
    beeps_before = page.evaluate("window.fwBeeps")

    raw = send_fire(ctx.extras["gb26875_gateway"].port)

    row = page.locator("#fw-alarms tbody tr[data-kind='fire']")
    row.wait_for()
    assert row.count() == 1
    assert "南京钟山商业广场" in row.inner_text()
    assert "主楼 3层 B区" in row.inner_text()
    page.wait_for_function(f"window.fwBeeps > {beeps_before}")  # the alarm sound went off
    assert "火警" in page.locator("#fw-banner.on").inner_text()
    page.screenshot(path=str(artifacts_dir / "firewatch-board-fire-arrived.png"))

    row.click()
    page.wait_for_selector("#fw-detail[data-alarm]")
    # The raw frame and its decode are folded away (技术排查用) until asked for.
    assert not page.locator("[data-testid=raw-frame]").is_visible()
    page.click("[data-testid=frame-details] summary")
    page.wait_for_selector("#fw-detail [data-testid=raw-frame]")
    assert page.locator("[data-testid=raw-frame]").inner_text().replace("\n", "") == raw.hex().upper()
    decoded = page.locator("[data-testid=decoded]").inner_text()
    assert '"fire"' in decoded and '"command": 2' in decoded
    acknowledge_verify_confirm(page)
    assert page.locator("#fw-detail .st-confirmed").first.inner_text() == "确认火警"
    # 处置记录 names each step, the 119 hand-over too (written by the forwarder just after 确认, so waited for)
    for label in ("受理", "核实", "转发119"):
        expect(page.locator("#fw-detail")).to_contain_text(label)
    assert page.locator("#fw-banner.on").count() == 0

    # The log forwarder sent nothing: the board says so and gives the numbers to phone.
    pending = page.locator("#fw-detail [data-testid=forward-119][data-status=manual_pending]")
    pending.wait_for()
    assert "待人工电话转警" in pending.inner_text() and "没有发出" in pending.inner_text()
    phones = page.locator("[data-testid=unit-phones] a.tel")
    assert [phones.nth(i).get_attribute("href") for i in range(phones.count())] == [
        "tel:02584000000", "tel:13951000001"]
    assert "单位联系人 消防控制室" in pending.inner_text() and "消防安全管理人 李强" in pending.inner_text()
    assert page.locator("#fw-detail a.call119").get_attribute("href") == "tel:119"
    assert page.locator("tr.sel [data-testid=row-forward]").inner_text() == "待人工电话转警"
    page.screenshot(path=str(artifacts_dir / "firewatch-board-fire-confirmed.png"))

    page.click("#fw-record-call")
    assert page.input_value("#fw-call-form input[name=called_by]") == "监控中心值班员"
    page.fill("#fw-call-form input[name=answered_by]", "王磊（工号0371）")
    page.fill("#fw-call-form textarea[name=note]", "119已调派玄武消防救援站")
    page.screenshot(path=str(artifacts_dir / "firewatch-board-record-call.png"))
    page.click("#fw-call-form button[type=submit]")
    done = page.locator("#fw-detail [data-testid=forward-119][data-status=manual_done]")
    done.wait_for()
    assert "已电话转警119" in done.inner_text() and "王磊" in done.inner_text()
    assert page.locator("[data-testid=forward-delay]").inner_text().endswith("秒")
    assert page.locator("tr.sel [data-testid=row-forward]").inner_text() == "已电话转警119"
    assert "人工电话转警" in page.locator("#fw-detail").inner_text()  # on the timeline
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(artifacts_dir / "firewatch-board-phoned-119.png"))

    from citysafe.core.pagination import PageParams
    from citysafe.firewatch.schemas import AlarmFilter
    from citysafe.firewatch.service import list_alarms

    with ctx.session_factory() as session:
        alarms, total = list_alarms(session, filters=AlarmFilter(kind="fire"), params=PageParams())
    assert total == 1
    assert alarms[0].state == "confirmed" and alarms[0].forward_status == "manual_done"
