"""The operator's alarm panel in Chromium: a fire sorts above a newer fault; the panel puts first the place
(building, floor, zone, point), the unit's address and numbers to call, units within 500 m with their
distance and the unit's false alarms; keys take the workflow (ignored while typing in a field); Back and
Forward walk the selected alarms, and a half-typed note survives them and a reload."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.firewatch.fw_support import FAULT, FIRE, component_frame, ingest

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work

pytestmark = pytest.mark.e2e

UITD = 100001
SMOKE = 1 << 16 | 3
PUMP_MODULE = 1 << 16 | 9


@pytest.fixture
def alarms(ctx: AppContext) -> dict[str, int]:
    """钟山商业广场 in 玄武区 with a smoke detector on 主楼 3层 B区 and a module in the basement, a
    neighbour 200 m north, one false alarm 12 days ago; then a fire and, a minute later, a fault."""
    from citysafe.firewatch.alarms.workflow import transition
    from citysafe.firewatch.registry import service as rs
    from citysafe.firewatch.registry.schemas import BuildingCreate, ComponentCreate, UitdCreate, UnitCreate
    from citysafe.orgs.enums import OrganizationKind
    from citysafe.orgs.schemas import Contact, Location, OrganizationCreate

    def unit_in(name: str, address: str, lat: float, contact: str, phone: str) -> UnitCreate:
        return UnitCreate(organization=OrganizationCreate(
            name=name, kind=OrganizationKind.NETWORKED_UNIT, region_code="320102", address=address,
            location=Location(lon=118.79, lat=lat),
            contacts=[Contact(name="李强", phone="139-5100-0001", role="消防安全管理人")]),
            contact_name=contact, contact_phone=phone)

    with unit_of_work(ctx.session_factory, actor="tests") as session:
        unit = rs.create_unit(session, unit_in=unit_in("南京钟山商业广场", "南京市玄武区中山路1号", 32.05,
                                                       "消防控制室", "025-84000000"))
        rs.create_unit(session, unit_in=unit_in("玄武区中山路小学", "南京市玄武区中山路28号", 32.0518,
                                                "传达室", "025-84000111"))
        building = rs.add_building(session, unit=unit, building_in=BuildingCreate(name="主楼", floors_above=8))
        uitd = rs.register_uitd(session, uitd_in=UitdCreate(address=UITD, unit_id=unit.id, vendor="示例厂商"))
        for address, kind, text, floor, zone in ((SMOKE, 42, "1回路3号光电感烟", "3层", "B区"),
                                                 (PUMP_MODULE, 84, "喷淋泵输入模块", "负1层", "泵房")):
            rs.add_component(session, uitd=uitd, component_in=ComponentCreate(
                system_type=1, system_address=1, component_type=kind, component_address=address,
                description=text, building_id=building.id, floor=floor, zone=zone))
        auth_service.create_user(session, user_in=UserCreate(
            username="duty", password="correct-horse", role="operator", region_code="320100",
            display_name="监控中心值班员"))
    now = ctx.clock.now()
    past = now - timedelta(days=12)
    [old] = ingest(ctx, [component_frame(UITD, FIRE, component_address=SMOKE, component_type=42, at=past)],
                   FixedClock(past))
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        transition(session, alarm_id=old.alarms_raised[0], action="acknowledge", actor="duty", at=past)
        transition(session, alarm_id=old.alarms_raised[0], action="false_alarm", actor="duty", at=past,
                   note="商铺装修粉尘")
    # The old alarm's point restores, so the new fire opens a new alarm.
    [fire] = ingest(ctx, [component_frame(UITD, FIRE, component_address=SMOKE, component_type=42,
                                          at=now - timedelta(minutes=2))], FixedClock(now - timedelta(minutes=2)))
    [fault] = ingest(ctx, [component_frame(UITD, FAULT, component_address=PUMP_MODULE, component_type=84,
                                           at=now - timedelta(minutes=1))], FixedClock(now - timedelta(minutes=1)))
    return {"fire": fire.alarms_raised[0], "fault": fault.alarms_raised[0]}


def _login(page: Any, url: str) -> None:
    page.goto(url)
    page.fill("input[name=username]", "duty")
    page.fill("input[name=password]", "correct-horse")
    page.click("button[type=submit]")
    page.wait_for_selector("#fw-alarms[data-ready='1']")


def test_the_panel_puts_first_what_the_operator_acts_on(
    ctx: AppContext, alarms: dict[str, int], live_server: str, browser_page: Any, artifacts_dir: Path,
) -> None:
    page = browser_page
    _login(page, f"{live_server}/firewatch")
    rows = page.locator("#fw-alarms tbody tr")
    # The fault came a minute later, but the fire is what the operator must act on.
    assert [rows.nth(i).get_attribute("data-kind") for i in range(rows.count())] == ["fire", "fault"]

    rows.first.click()
    panel = page.locator("#fw-detail")
    page.wait_for_selector(f"#fw-detail[data-alarm='{alarms['fire']}'] [data-testid=where]")
    assert page.url.endswith(f"/firewatch?alarm={alarms['fire']}")
    assert page.locator("[data-testid=panel-unit]").inner_text().startswith("南京钟山商业广场")
    assert page.locator("[data-testid=panel-address]").inner_text() == "南京市玄武区中山路1号"
    assert page.locator("[data-testid=place]").inner_text() == "主楼 · 3层 · B区"
    assert page.locator("[data-testid=point]").inner_text() == "1回路3号光电感烟（点型光电感烟火灾探测器）"
    phones = page.locator("[data-testid=panel-phones] a.tel")
    assert [phones.nth(i).get_attribute("href") for i in range(phones.count())] == [
        "tel:02584000000", "tel:13951000001"]
    nearby = page.locator("[data-testid=nearby]")
    assert "周边 500 米内联网单位" in nearby.inner_text() and "玄武区中山路小学" in nearby.inner_text()
    assert "200 米" in nearby.inner_text()
    assert nearby.locator("a.tel").get_attribute("href") == "tel:02584000111"
    history = page.locator("[data-testid=false-history]")
    assert page.locator("[data-testid=false-30]").inner_text() == "1"
    assert "商铺装修粉尘" in history.inner_text()
    # The raw frame and its decode are there, folded away.
    assert page.locator("[data-testid=frame-details]").get_attribute("open") is None
    assert not page.locator("[data-testid=raw-frame]").is_visible()
    assert page.locator("#fw-actions button[data-action=acknowledge]").inner_text().replace("\n", " ") == "受理 A"
    page.screenshot(path=str(artifacts_dir / "firewatch-panel-fire.png"))

    # A key typed into a field is text, not a command.
    page.fill("#fw-filters input[name=q]", "")
    page.press("#fw-filters input[name=q]", "a")
    assert panel.get_attribute("data-state") == "new"
    page.fill("#fw-filters input[name=q]", "")
    page.locator("#fw-filters input[name=q]").blur()
    page.keyboard.press("a")
    page.wait_for_selector("#fw-detail[data-state='acknowledged']")
    page.keyboard.press("v")
    page.wait_for_selector("#fw-act-form[data-action=verify]")
    page.select_option("#fw-act-form select[name=method]", "phone")
    page.keyboard.type("已电话联系消防控制室，值班员正前往3层")  # the textarea has the focus
    assert panel.get_attribute("data-state") == "acknowledged"  # the 'v' and 'a' above were typed, not keys

    # To the fault and back: the fire, its half-typed note and chosen method are still there.
    rows.nth(1).click()
    page.wait_for_selector(f"#fw-detail[data-alarm='{alarms['fault']}']")
    assert page.locator("[data-testid=place]").inner_text() == "主楼 · 负1层 · 泵房"
    page.go_back()
    page.wait_for_selector(f"#fw-detail[data-alarm='{alarms['fire']}'] #fw-act-form")
    assert page.url.endswith(f"?alarm={alarms['fire']}")
    assert page.input_value("#fw-act-form textarea[name=note]") == "已电话联系消防控制室，值班员正前往3层"
    assert page.input_value("#fw-act-form select[name=method]") == "phone"
    page.go_forward()
    page.wait_for_selector(f"#fw-detail[data-alarm='{alarms['fault']}']")
    assert page.locator("tr.sel").get_attribute("data-id") == str(alarms["fault"])
    page.go_back()
    page.wait_for_selector(f"#fw-detail[data-alarm='{alarms['fire']}'] #fw-act-form")
    page.reload()  # a reload (or coming back from another page) keeps both too
    page.wait_for_selector(f"#fw-detail[data-alarm='{alarms['fire']}'] #fw-act-form")
    assert page.input_value("#fw-act-form textarea[name=note]") == "已电话联系消防控制室，值班员正前往3层"
    page.screenshot(path=str(artifacts_dir / "firewatch-panel-note-kept.png"))

    page.press("#fw-act-form textarea[name=note]", "Control+Enter")
    page.wait_for_selector("#fw-detail[data-state='verified']")
    assert page.locator("#fw-act-form").count() == 0
    page.keyboard.press("f")
    page.wait_for_selector("#fw-act-form[data-action=false_alarm]")
    page.keyboard.type("厨房油烟，现场无火")
    page.click("#fw-act-form button[type=submit]")
    page.wait_for_selector("#fw-detail[data-state='false_alarm']")
    page.wait_for_selector("[data-testid=false-30]:text('2')")
    assert "厨房油烟，现场无火" in page.locator("[data-testid=false-history]").inner_text()
    # Decided, the fire sorts below the open fault; ↑ moves the selection to it without the mouse.
    page.keyboard.press("ArrowUp")
    page.wait_for_selector(f"#fw-detail[data-alarm='{alarms['fault']}']")
    page.screenshot(path=str(artifacts_dir / "firewatch-panel-after-false-alarm.png"))
