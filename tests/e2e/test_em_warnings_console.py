"""Warnings in Chromium: a district office draws the area on the map, sees the live recipient count, saves the
draft, reads the CAP preview, signs and issues it, and sees the delivery receipts per recipient and channel; the
CAP message downloaded is valid against the OASIS CAP 1.2 schema and its signature verifies. Screenshots are
kept in artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from tests.e2e.e2e_support import login_as
from tests.firewatch.fakes import RecordingAdapter

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.outbound import LogAdapter, Outbound
from citysafe.emergency.warnings import signing
from citysafe.emergency.warnings.models import WarningSubscriber

pytestmark = pytest.mark.e2e
PASSWORD = "correct-horse"


def _world(ctx: AppContext) -> RecordingAdapter:
    sms = RecordingAdapter(channel="sms")
    ctx.outbound = Outbound([sms, LogAdapter()], sleep=lambda _: None)
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        auth_service.create_user(session, user_in=UserCreate(
            username="xuanwu", password=PASSWORD, role="district_office", region_code="320102",
            display_name="玄武区应急管理局 王强"))
        # Residents around 玄武湖 and 新街口 subscribed to warnings (WGS84); one far outside.
        for i, (lon, lat) in enumerate([(118.790, 32.060), (118.795, 32.065), (118.800, 32.055), (118.86, 32.10)]):
            session.add(WarningSubscriber(name=f"居民{i + 1}", phone=f"1390000000{i}", lon=lon, lat=lat,
                                          region_code="320102"))
    return sms


def test_draw_an_area_issue_and_read_receipts(ctx: AppContext, live_server: str, browser_page: Any,
                                              artifacts_dir: Path) -> None:
    sms = _world(ctx)
    page = browser_page
    login_as(page, live_server, "xuanwu", PASSWORD, "/emergency/warnings")
    expect(page.locator("#warn-map")).to_have_attribute("data-loaded", "true")
    form = page.locator("[data-testid=warning-form]")
    form.locator("select[name=category]").select_option("accident")
    form.locator("select[name=level]").select_option("2")
    form.locator("input[name=event]").fill("危险化学品泄漏")
    form.locator("input[name=headline]").fill("玄武湖周边氯气泄漏橙色预警")
    form.locator("textarea[name=description]").fill("某企业储罐泄漏，东南风，下风向居民区可能受影响")
    form.locator("textarea[name=instruction]").fill("关闭门窗，停止户外活动，听从社区疏散指挥")
    form.locator("input[name=onset]").fill("2030-06-01T10:00")
    form.locator("input[name=expires]").fill("2030-06-01T18:00")
    # Draw a square around the three residents: four clicks on the map at their coordinates.
    the_map = page.locator("#warn-map")
    box = the_map.bounding_box()
    for lon, lat in [(118.785, 32.050), (118.805, 32.050), (118.805, 32.070), (118.785, 32.070)]:
        point = page.evaluate(
            "([lon, lat]) => { const m = window.__warnMap; const p = m.latLngToContainerPoint([lat, lon]);"
            " return [p.x, p.y]; }", [lon, lat])
        assert 0 < point[0] < box["width"] and 0 < point[1] < box["height"], point
        the_map.click(position={"x": point[0], "y": point[1]})
    expect(page.locator("[data-testid=recipient-count]")).to_contain_text("3")
    assert '"Polygon"' in page.locator("[data-testid=area]").input_value()
    page.screenshot(path=str(artifacts_dir / "em-warnings-compose.png"), full_page=True)

    page.locator("[data-testid=warning-create]").click()
    expect(page.locator("[data-testid=warning-state]")).to_contain_text("草稿")
    expect(page.locator("[data-testid=cap-preview]")).to_contain_text("<status>Actual</status>")
    page.locator("[data-testid=warning-issue]").click()
    expect(page.locator("[data-testid=flash-ok]")).to_be_visible()
    page.reload()  # the receipts are written after the commit, by the sending that follows the response
    receipts = page.locator("[data-testid=receipts] tbody tr")
    expect(receipts.filter(has_text="已送达").filter(has_text="短信")).to_have_count(3)
    expect(page.locator("[data-testid=proposed-measures] li").first).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "em-warnings-issued.png"), full_page=True)
    assert sorted(a for m in sms.messages for a in m.recipients) == ["13900000000", "13900000001", "13900000002"]

    href = page.locator("[data-testid=cap-link]").get_attribute("href")
    # The duty desk shows the warning in force and, for a 二级 one, the measures of 第六十七条 to take.
    page.goto(f"{live_server}/emergency")
    desk = page.locator("[data-testid=desk-warnings]")
    expect(desk).to_contain_text("玄武湖周边氯气泄漏橙色预警")
    expect(desk.locator("ol li").first).to_contain_text("待命")
    page.screenshot(path=str(artifacts_dir / "em-warnings-desk.png"), full_page=True)

    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    xml = httpx.get(f"{live_server}{href}", cookies=cookies).content
    assert signing.schema_errors(xml) == []
    signing.verify(xml, signing.SIGNING.get(ctx).cert_pem)
