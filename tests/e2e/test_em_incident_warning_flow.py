"""Issue #13 point 6 in Chromium, one flow on the Nanjing demo with its generated streets: from an open fire the
city office sends the two nearest teams (both routes drawn on the room's map), opens the warning composer from
the room (the incident linked, category and place prefilled, a starting area around the scene), redraws the area
by clicking on the map over the district base layer, sees the live recipient count, saves and issues it, reads
the delivery receipts by name, role and channel, finds the warning on the incident's timeline and panel, and the
CAP message of the warning validates against the OASIS CAP 1.2 schema the package ships. Screenshots of every step
go to artifacts/."""

from __future__ import annotations

import random
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from playwright.sync_api import expect
from tests.e2e.e2e_support import login_as
from tests.firewatch.fakes import RecordingAdapter
from tests.support.demo_parts import PASSWORD, seed_city

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.outbound import LogAdapter, Outbound
from citysafe.demo import emergency_resources, roads
from citysafe.emergency.warnings.models import WarningSubscriber

pytestmark = pytest.mark.e2e
SCENE = (118.790, 32.052)  # 玄武区珠江路 (WGS84)
# Residents subscribed to warnings: three within a few hundred metres of the scene, one across the city.
RESIDENTS = [("居民甲", 118.788, 32.051), ("居民乙", 118.792, 32.053), ("居民丙", 118.789, 32.054),
             ("城南居民", 118.78, 31.98)]


def _oasis_schema() -> etree.XMLSchema:
    """The OASIS CAP 1.2 schema as the package ships it (emergency/warnings/data), read here by the test itself."""
    xsd = files("citysafe.emergency.warnings").joinpath("data/CAP-v1.2-schema.xsd").read_bytes()
    return etree.XMLSchema(etree.fromstring(xsd))


def _click_at(page: Any, lon: float, lat: float) -> None:
    the_map = page.locator("#warn-map")
    box = the_map.bounding_box()
    x, y = page.evaluate("([lon, lat]) => { const p = window.__warnMap.latLngToContainerPoint([lat, lon]);"
                         " return [p.x, p.y]; }", [lon, lat])
    assert 0 < x < box["width"] and 0 < y < box["height"], (x, y)
    the_map.click(position={"x": x, "y": y})


@pytest.mark.timeout(300)
def test_from_an_open_incident_dispatch_warn_and_read_the_receipts(ctx: AppContext, live_server: str,
                                                                   browser_page: Any, artifacts_dir: Path) -> None:
    seed_city(ctx, with_firewatch=False)
    with unit_of_work(ctx.session_factory, actor="demo") as session:
        emergency_resources.seed_demo(session, random.Random(2020))
        roads.seed_demo(session, random.Random(2020))
        for n, (name, lon, lat) in enumerate(RESIDENTS):
            session.add(WarningSubscriber(name=name, phone=f"1391234000{n}", lon=lon, lat=lat, region_code="320102"))
    sms = RecordingAdapter(channel="sms")
    ctx.outbound = Outbound([sms, LogAdapter()], sleep=lambda _: None)
    page = browser_page
    login_as(page, live_server, "nanjing", PASSWORD, "/emergency")
    answer = page.request.post(f"{live_server}/api/v1/emergency/incidents", headers={"Origin": live_server}, data={
        "category": "accident", "subtype": "fire", "description": "沿街商铺起火，浓烟向东南方向扩散",
        "place": "玄武区珠江路沿街商铺", "location": {"lon": SCENE[0], "lat": SCENE[1]}})
    assert answer.status == 201, answer.text()
    incident_id = answer.json()["id"]

    # 1. The room: the nearest teams come into the 调派 panel after the page; the two pre-ticked are sent.
    page.goto(f"{live_server}/emergency/incidents/{incident_id}")
    form = page.locator("[data-testid=dispatch-form]")
    expect(form.locator("input[name=team_id]:checked")).to_have_count(2)
    form.locator("[data-testid=dispatch-submit]").click()
    expect(page.locator("[data-testid=flash-ok]")).to_contain_text("已调派")
    expect(page.locator("[data-testid=dispatch-orders] tbody tr")).to_have_count(2)
    expect(page.locator("#em-map[data-routes='1'] path[data-route=on_the_way]")).to_have_count(2)
    page.screenshot(path=str(artifacts_dir / "em-flow-1-dispatched.png"), full_page=True)

    # 2. 发布预警 from the room: the composer knows the incident and starts from an area around it.
    page.locator("[data-testid=room-warn]").click()
    page.wait_for_url(f"**/emergency/warnings?incident={incident_id}")
    expect(page.locator("[data-testid=composer-incident]")).to_contain_text("玄武区珠江路沿街商铺")
    composer = page.locator("[data-testid=warning-form]")
    assert composer.locator("select[name=category]").input_value() == "accident"
    assert composer.locator("input[name=event]").input_value() == "火灾"
    assert composer.locator("input[name=incident_id]").input_value() == str(incident_id)
    expect(page.locator("#warn-map")).to_have_attribute("data-loaded", "true")
    expect(page.locator("#warn-map path.district-base")).not_to_have_count(0)  # the district base layer
    expect(page.locator("[data-testid=recipient-count][data-total='3']")).to_be_visible()  # the starting square
    page.screenshot(path=str(artifacts_dir / "em-flow-2-composer-start.png"), full_page=True)

    # 3. Redraw the area by clicking its corners on the map: a tighter square still holding the three residents.
    page.locator("#draw-clear").click()
    expect(page.locator("[data-testid=recipient-count]")).not_to_have_attribute("data-total", "3")
    for lon, lat in [(118.786, 32.049), (118.795, 32.049), (118.795, 32.057), (118.786, 32.057)]:
        _click_at(page, lon, lat)
    count = page.locator("[data-testid=recipient-count]")
    expect(count).to_have_attribute("data-total", "3")
    assert int(count.get_attribute("data-total") or 0) > 0
    expect(count).to_contain_text("公众订阅 3")
    assert '"Polygon"' in page.locator("[data-testid=area]").input_value()
    composer.locator("select[name=level]").select_option("3")
    composer.locator("textarea[name=instruction]").fill("关闭门窗，避开珠江路沿线，听从现场疏散指挥")
    page.screenshot(path=str(artifacts_dir / "em-flow-3-area-drawn.png"), full_page=True)

    # 4. Save, read the CAP preview, sign and issue; the receipts say who, in which role, by which channel.
    page.locator("[data-testid=warning-create]").click()
    expect(page.locator("[data-testid=warning-state]")).to_contain_text("草稿")
    expect(page.locator("[data-testid=warning-incident]")).to_contain_text("玄武区珠江路沿街商铺")
    warning_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    page.locator("[data-testid=warning-issue]").click()
    expect(page.locator("[data-testid=flash-ok]")).to_contain_text("预警已发布")
    page.reload()  # the receipts are written by the sending that follows the response
    receipts = page.locator("[data-testid=receipts] tbody tr")
    delivered_sms = receipts.filter(has_text="已送达").filter(has_text="短信")
    expect(delivered_sms).to_have_count(3)
    assert sorted(delivered_sms.locator("[data-testid=receipt-name]").all_inner_texts()) == ["居民丙", "居民乙",
                                                                                           "居民甲"]
    expect(delivered_sms.first).to_contain_text("公众订阅")
    expect(receipts.filter(has_text="公众页面")).to_have_count(1)
    # The gateway's own reference is small print, never in the columns an officer reads.
    for cell in ("receipt-name", "receipt-channel"):
        assert not any("fake-" in t for t in receipts.locator(f"[data-testid={cell}]").all_inner_texts())
    expect(delivered_sms.first.locator("[data-testid=receipt-gateway]")).to_contain_text("网关回执")
    expect(page.locator("#warn-map path.district-base")).not_to_have_count(0)
    page.screenshot(path=str(artifacts_dir / "em-flow-4-receipts.png"), full_page=True)
    assert sorted(a for m in sms.messages for a in m.recipients) == ["13912340000", "13912340001", "13912340002"]

    # 5. Back in the room: the warning is on the timeline and in the room's 预警 panel.
    page.locator("[data-testid=warning-incident]").click()
    expect(page.locator("[data-testid=timeline]")).to_contain_text("发布黄色预警")
    link = page.locator("[data-testid=room-warning-link]")
    expect(link).to_have_attribute("href", f"/emergency/warnings/{warning_id}")
    expect(page.locator("[data-testid=room-warnings]")).to_contain_text("已发布")
    page.screenshot(path=str(artifacts_dir / "em-flow-5-room.png"), full_page=True)

    # 6. The CAP message of this warning, as any receiver would fetch it, against the OASIS schema.
    cap = page.request.get(f"{live_server}/api/v1/emergency/warnings/{warning_id}/cap")
    assert cap.status == 200 and cap.headers["content-type"].startswith("application/cap+xml")
    document = etree.fromstring(cap.body(), parser=etree.XMLParser(resolve_entities=False, no_network=True))
    checker = _oasis_schema()
    assert checker.validate(document), [str(e) for e in checker.error_log]
    assert document.findtext("{urn:oasis:names:tc:emergency:cap:1.2}incidents") == f"INC{incident_id}"

    # 7. 指挥一张图 shows the warning's area among its layers.
    page.goto(f"{live_server}/emergency/map")
    legend = page.locator("[data-testid=map-legend][data-ready='1']")
    expect(legend).to_contain_text("预警区域 1")
    expect(legend).to_contain_text("调派路线 2")
    page.screenshot(path=str(artifacts_dir / "em-flow-6-command-map.png"), full_page=True)
