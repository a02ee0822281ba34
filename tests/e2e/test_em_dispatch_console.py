"""Dispatch in Chromium, on the Nanjing demo with its generated street grid: the city office opens a fire in
玄武区, the incident room suggests the teams on standby that reach it soonest by the road network, the two
fastest are sent (their routes drawn on the map, the timeline names them with the expected arrival), one is
recorded on scene. Screenshots go to artifacts/."""

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
from citysafe.demo import emergency_resources, roads

pytestmark = pytest.mark.e2e


@pytest.mark.timeout(240)
def test_the_two_fastest_teams_are_sent_and_their_routes_drawn(ctx: AppContext, live_server: str,
                                                              browser_page: Any, artifacts_dir: Path) -> None:
    seed_city(ctx, with_firewatch=False)
    with unit_of_work(ctx.session_factory, actor="demo") as session:
        emergency_resources.seed_demo(session, random.Random(2020))
        roads.seed_demo(session, random.Random(2020))
    page = browser_page
    login_as(page, live_server, "nanjing", PASSWORD, "/emergency")
    # the call, as the desk's own page would send it (the console's writes must come from its Origin)
    answer = page.request.post(f"{live_server}/api/v1/emergency/incidents", headers={"Origin": live_server}, data={
        "category": "accident", "subtype": "fire", "description": "沿街商铺起火，浓烟较大",
        "place": "玄武区珠江路沿街商铺", "location": {"lon": 118.790, "lat": 32.052}, "caller_name": "张先生",
        "caller_phone": "13900001111"})
    assert answer.status == 201, answer.text()
    incident_id = answer.json()["id"]
    page.goto(f"{live_server}/emergency/incidents/{incident_id}")
    form = page.locator("[data-testid=dispatch-form]")
    expect(form).to_contain_text("按路网行程时间")
    expect(form.locator("input[name=team_id]:checked")).to_have_count(2)
    first = form.locator("label.check span[lang=zh]").first.inner_text()
    expect(page.locator("#em-map[data-routes='1'] path[data-route=suggested]")).to_have_count(3)
    form.locator("[name=note]").fill("携带破拆工具")
    form.locator("[data-testid=dispatch-submit]").click()
    expect(page.locator("[data-testid=flash-ok]")).to_contain_text("已调派")
    orders = page.locator("[data-testid=dispatch-orders] tbody tr")
    expect(orders).to_have_count(2)
    assert first in orders.first.inner_text()  # the fastest went first
    expect(page.locator("#em-map[data-routes='1'] path[data-route=on_the_way]")).to_have_count(2)
    expect(page.locator("[data-testid=timeline]")).to_contain_text("预计")
    page.screenshot(path=str(artifacts_dir / "em-dispatch-1-sent.png"), full_page=True)
    orders.first.locator("button", has_text="到场").click()
    expect(page.locator("[data-testid=flash-ok]")).to_contain_text("到场")
    expect(page.locator("[data-testid=dispatch-orders] tbody tr").first).to_contain_text("到场")
    expect(page.locator("[data-testid=timeline]")).to_contain_text("到达现场")
    page.screenshot(path=str(artifacts_dir / "em-dispatch-2-on-scene.png"), full_page=True)

    # 指挥一张图: the fire, the teams by status, the two routes, shelters and depots, each a switchable layer
    page.click("[data-testid=nav-command-map]")
    legend = page.locator("[data-testid=map-legend][data-ready='1']")
    expect(legend).to_contain_text("突发事件 1")
    expect(legend).to_contain_text("调派路线 2")
    expect(legend).to_contain_text("避难场所")
    page.screenshot(path=str(artifacts_dir / "em-command-map.png"), full_page=True)
    legend.locator("input[data-layer=team]").uncheck()
    expect(page.locator("#command-map path.leaflet-interactive")).not_to_have_count(0)
