"""Mutual aid in Chromium (issue #13 point 5): 南京's office asks 苏州 for a hazchem team from the incident room;
苏州's office accepts on its 区域协同 page with its own team and sends it; back in 南京's incident room the team
is on the dispatch list (跨区域支援) and its arrival is recorded; both records (南京's timeline, the request's
log on 苏州's page) show every step. Screenshots go to artifacts/."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.e2e.e2e_support import login_as
from tests.support.demo_parts import PASSWORD, seed_city

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.demo import mutual_aid

pytestmark = pytest.mark.e2e


@pytest.mark.timeout(240)
def test_nanjing_asks_suzhou_for_a_team_and_both_records_show_it(ctx: AppContext, live_server: str,
                                                                 browser_page: Any, artifacts_dir: Path) -> None:
    seed_city(ctx, with_firewatch=False)
    with unit_of_work(ctx.session_factory, actor="demo") as session:
        mutual_aid.seed_demo(session, random.Random(2020))  # 苏州's account and teams, 马鞍山's catalogue
    page = browser_page
    login_as(page, live_server, "nanjing", PASSWORD, "/emergency")
    answer = page.request.post(f"{live_server}/api/v1/emergency/incidents", headers={"Origin": live_server}, data={
        "category": "accident", "subtype": "poisoning_asphyxia", "description": "储罐区苯泄漏，有刺激性气味",
        "place": "浦口区某化工企业储罐区", "location": {"lon": 118.640, "lat": 32.120}, "caller_name": "李先生"})
    assert answer.status == 201, answer.text()
    incident = f"/emergency/incidents/{answer.json()['id']}"

    page.goto(live_server + incident)
    page.click("[data-testid=aid-ask-open]")
    form = page.locator("[data-testid=aid-ask-form]")
    form.locator("[name=giver_region]").select_option(label="苏州市")
    form.locator("[name=team_kind]").select_option(label="专业救援基地")
    form.locator("[name=reason]").fill("储罐泄漏，本市危化品专业救援队伍已全部出动，请求支援")
    form.locator("[name=contact]").fill("王磊 025-83000000")
    form.locator("[data-testid=aid-ask-submit]").click()
    expect(page.locator("[data-testid=flash-ok]")).to_contain_text("已向苏州市发出支援请求")
    expect(page.locator("[data-testid=aid-panel]")).to_contain_text("待答复")
    expect(page.locator("[data-testid=timeline]")).to_contain_text("南京市向苏州市请求支援")

    login_as(page, live_server, "suzhou", PASSWORD, "/emergency/mutual-aid")
    incoming = page.locator("[data-testid=incoming]")
    expect(incoming).to_contain_text("南京市")
    expect(incoming).to_contain_text("储罐泄漏")
    accept = incoming.locator("form[data-testid^=accept-form]")
    expect(accept.locator("input[name=team_id]").first).to_be_checked()
    expect(accept.locator("label.check").first).to_contain_text("苏州市危险化学品应急救援队")  # the asked kind first
    accept.locator("[name=note]").fill("两小时内到达")
    page.screenshot(path=str(artifacts_dir / "em-aid-1-incoming.png"), full_page=True)
    accept.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=flash-ok]")).to_contain_text("已同意支援")
    incoming.locator("button[data-testid^=aid-dispatch]").click()
    expect(page.locator("[data-testid=flash-ok]")).to_contain_text("支援队伍已出动")
    log = incoming.locator("ol.aid-log")
    expect(log).to_contain_text("苏州市同意支援")
    expect(log).to_contain_text("派出 苏州市危险化学品应急救援队")
    expect(incoming.locator("span.aid-state")).to_have_text("已出动")
    page.screenshot(path=str(artifacts_dir / "em-aid-2-giver-sent.png"), full_page=True)

    login_as(page, live_server, "nanjing", PASSWORD, incident)
    orders = page.locator("[data-testid=dispatch-orders] tbody tr")
    expect(orders).to_have_count(1)
    expect(orders.first).to_contain_text("跨区域支援")
    orders.first.locator("button", has_text="到场").click()
    expect(page.locator("[data-testid=flash-ok]")).to_contain_text("已记录到场")
    timeline = page.locator("[data-testid=timeline]")
    expect(timeline).to_contain_text("苏州市同意支援")
    expect(timeline).to_contain_text("跨区域支援（苏州市）")
    expect(timeline).to_contain_text("到达现场")
    page.screenshot(path=str(artifacts_dir / "em-aid-3-requester-room.png"), full_page=True)

    page.click("[data-testid=nav-mutual-aid]")
    expect(page.locator("[data-testid=outgoing]")).to_contain_text("苏州市")
    expect(page.locator("[data-testid=external-teams]")).to_contain_text("马钢集团专职消防队")
    page.screenshot(path=str(artifacts_dir / "em-aid-4-requester-page.png"), full_page=True)
    page.click("[data-testid=nav-command-map]")  # 马鞍山's teams on the command map, marked 外部
    expect(page.locator("[data-testid=map-legend][data-ready='1']")).to_contain_text("外部队伍 2")
    page.screenshot(path=str(artifacts_dir / "em-aid-5-command-map.png"), full_page=True)

    login_as(page, live_server, "suzhou", PASSWORD, "/emergency/mutual-aid")
    expect(page.locator("[data-testid=incoming] ol.aid-log")).to_contain_text("到达现场")
    page.goto(f"{live_server}/emergency/mutual-aid?lang=en")  # the same page in English
    expect(page.locator("[data-testid=incoming] h2")).to_have_text("Aid requests received")
    page.screenshot(path=str(artifacts_dir / "em-aid-6-giver-english.png"), full_page=True)
