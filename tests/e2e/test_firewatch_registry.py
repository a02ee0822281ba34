"""The device registry in Chromium, as a district office's device manager works it: a networked unit is
registered and given a building; a UITD is registered (a mistyped address is refused at its field, what was
typed kept) and gets a smoke detector; a device the gateway parked unregistered is bound; the 查岗 button
answers; a maintenance window is opened for the unit (one that ends before it starts is refused at its field)
and ended early; an enterprise claims a device it cannot see and the office approves it.
Screenshots are kept in artifacts/."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tests.e2e.e2e_support import login_as

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.firewatch.registry import service as rs
from citysafe.firewatch.registry.models import Uitd
from citysafe.firewatch.registry.schemas import UnitCreate
from citysafe.orgs import service as orgs_service
from citysafe.orgs.schemas import Location, OrganizationCreate

pytestmark = pytest.mark.e2e
PASSWORD = "correct-horse"
PARKED_HERE = 20_250_601  # connected before it was registered; the gateway parked it in 玄武区
PARKED_AWAY = 20_250_777  # parked province-wide: the enterprise cannot see it, so it must claim it


def _world(ctx: AppContext) -> None:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        mall, hotel = (orgs_service.create(session, org_in=OrganizationCreate(
            name=name, kind="enterprise", region_code="320102", address=address,
            location=Location(lon=118.79, lat=32.05))) for name, address in (
                ("南京新街口环球购物中心", "玄武区中山路 18 号"), ("南京玄武湖畔酒店", "玄武区玄武巷 6 号")))
        rs.create_unit(session, unit_in=UnitCreate(organization_id=hotel.id, contact_name="消防控制室",
                                                   contact_phone="025-84001234"))
        auth_service.create_user(session, user_in=UserCreate(
            username="xwfire", password=PASSWORD, role="district_office", region_code="320102",
            display_name="玄武区安委办设备管理员"))
        auth_service.create_user(session, user_in=UserCreate(
            username="hotel", password=PASSWORD, role="enterprise", region_code="320102",
            display_name="酒店消防主管", organization_id=hotel.id))
        session.add(Uitd(address=PARKED_HERE, registered=False, region_code="320102", vendor="海湾"))
        session.add(Uitd(address=PARKED_AWAY, registered=False, region_code="320000"))
    assert mall.id


def _local(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")


def _ok(page: Any) -> str:
    return str(page.locator("[data-testid=flash-ok]").inner_text())


def test_registry_in_the_browser(ctx: AppContext, live_server: str, browser_page: Any, artifacts_dir: Path) -> None:
    _world(ctx)
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})

    # 1. the networked unit, from the unit list, then a building on its page
    login_as(page, live_server, "xwfire", PASSWORD, "/firewatch/registry")
    page.select_option("[data-testid=unit-form] [name=organization_id]", label="南京新街口环球购物中心（玄武区）")
    page.fill("[data-testid=unit-form] [name=contact_name]", "消防控制室 张伟")
    page.fill("[data-testid=unit-form] [name=contact_phone]", "025-86001119")
    page.click("[data-testid=unit-form] button")
    assert "已将 南京新街口环球购物中心 登记为联网单位" in _ok(page)
    unit_path = page.url.split("?")[0]
    form = page.locator("[data-testid=building-form]")
    form.locator("[name=name]").fill("A座")
    form.locator("[name=floors_above]").fill("28")
    form.locator("[name=floors_below]").fill("3")
    form.locator("button").click()
    assert "已添加建筑 A座" in _ok(page)
    assert "A座" in page.locator("[data-testid=buildings]").inner_text()

    # 2. a UITD: the address typed wrong is refused at its field and kept; typed right, it opens its page
    register = page.locator("[data-testid=uitd-register] form")
    register.locator("[name=address]").fill("A1B2-C3")
    register.locator("[name=vendor]").fill("海湾安全技术")
    register.locator("[name=model]").fill("GST-UITD-03")
    register.locator("button").click()
    message = page.locator("[data-testid=field-error-address]").inner_text()
    assert "传输装置的 6 字节地址" in message
    assert page.locator("[data-testid=uitd-register] [name=address]").input_value() == "A1B2-C3"
    assert page.locator("[data-testid=uitd-register] [name=vendor]").input_value() == "海湾安全技术"
    page.screenshot(path=str(artifacts_dir / "registry-1-bad-uitd-address.png"), full_page=True)
    page.locator("[data-testid=uitd-register] [name=address]").fill("0x00A1B2C3D4E5")
    page.locator("[data-testid=uitd-register] button").click()
    assert "已登记传输装置" in _ok(page)
    assert page.locator("[data-testid=uitd-unit]").inner_text() == "南京新街口环球购物中心"

    # 3. its smoke detector, by type name and loop/point, on A座 3F
    form = page.locator("[data-testid=component-form]")
    form.locator("[name=system_type]").select_option(label="火灾报警系统")
    form.locator("[name=component_type]").select_option(label="点型光电感烟火灾探测器")
    form.locator("[name=loop]").fill("1")
    form.locator("[name=point]").fill("5")
    form.locator("[name=building_id]").select_option(label="A座")
    form.locator("[name=floor]").fill("3F")
    form.locator("[name=zone]").fill("东侧走廊 301 门口")
    form.locator("button").click()
    assert "已登记部件：点型光电感烟火灾探测器（1 回路 5 号）" in _ok(page)
    row = page.locator("[data-testid=components] tbody tr").first.inner_text()
    assert "点型光电感烟火灾探测器" in row and "A座" in row and "1 回路 5 号" in row and "火灾报警系统" in row

    # 4. 查岗: this process runs no gateway, and the page says so in words
    page.locator("[data-testid=downlink] button", has_text="查岗").click()
    assert "查岗未发出" in page.locator("[data-testid=flash-error]").inner_text()
    page.screenshot(path=str(artifacts_dir / "registry-2-uitd-with-smoke-detector.png"), full_page=True)

    # 5. a UITD that connected before it was registered: listed as waiting, bound to the unit
    page.goto(f"{live_server}/firewatch/registry/uitds?registered=0")
    page.locator(f"[data-testid=uitds] a[href='/firewatch/registry/uitds/{PARKED_HERE}#bind']").click()
    page.locator("[data-testid=bind-form] [name=unit_id]").select_option(label="南京新街口环球购物中心")
    page.locator("[data-testid=bind-form] button").click()
    assert "传输装置已绑定到 南京新街口环球购物中心" in _ok(page)
    page.goto(f"{live_server}/firewatch/registry/uitds")
    page.screenshot(path=str(artifacts_dir / "registry-3-uitd-list.png"), full_page=True)

    # 6. a maintenance window for the unit: ending before it starts is refused at the field, values kept
    page.goto(unit_path)
    page.click("text=为本单位设置维保屏蔽时段")
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    form = page.locator("[data-testid=window-form]")
    assert form.locator("[name=unit_id] option:checked").inner_text() == "南京新街口环球购物中心"
    form.locator("[name=starts_at]").fill(_local(now + timedelta(hours=2)))
    form.locator("[name=ends_at]").fill(_local(now - timedelta(hours=1)))
    form.locator("[name=reason]").fill("维保公司季度联动测试")
    form.locator("button").click()
    assert "结束时间须晚于开始时间" in page.locator("[data-testid=field-error-ends_at]").inner_text()
    assert page.locator("[data-testid=window-form] [name=reason]").input_value() == "维保公司季度联动测试"
    page.screenshot(path=str(artifacts_dir / "registry-4-window-ends-before-it-starts.png"), full_page=True)
    page.locator("[data-testid=window-form] [name=starts_at]").fill(_local(now - timedelta(minutes=10)))
    page.locator("[data-testid=window-form] [name=ends_at]").fill(_local(now + timedelta(hours=4)))
    page.locator("[data-testid=window-form] button").click()
    assert "已设置维保屏蔽时段" in _ok(page)
    windows = page.locator("[data-testid=windows] tbody tr").first.inner_text()
    assert "南京新街口环球购物中心" in windows and "屏蔽中" in windows and "维保公司季度联动测试" in windows
    assert "不催办、不升级" in page.locator("[data-testid=shield-note]").inner_text()
    page.screenshot(path=str(artifacts_dir / "registry-5-maintenance-window.png"), full_page=True)
    page.locator("[data-testid=end-window] summary").first.click()
    page.locator("[data-testid=end-window] button").first.click()
    assert "提前结束" in _ok(page)
    assert "已结束" in page.locator("[data-testid=windows] tbody tr").first.inner_text()

    # 7. the hotel claims a UITD it cannot see; the district office approves it with a note
    page.set_viewport_size({"width": 390, "height": 844})  # the hotel's manager, on a phone
    login_as(page, live_server, "hotel", PASSWORD, "/firewatch/registry/claims")
    form = page.locator("[data-testid=claim-form]")
    form.locator("[name=key]").fill(str(PARKED_AWAY))
    form.locator("[name=unit_id]").select_option(label="南京玄武湖畔酒店")
    form.locator("button").click()
    assert "待上级安委办审核" in _ok(page)
    assert "待上级安委办审核" in page.locator("[data-testid=claims] tbody tr").first.inner_text()
    page.screenshot(path=str(artifacts_dir / "registry-6a-claim-on-a-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    login_as(page, live_server, "xwfire", PASSWORD, "/firewatch/registry/claims")
    row = page.locator("[data-testid=claims] tbody tr").first
    assert str(PARKED_AWAY) in row.inner_text() and "南京玄武湖畔酒店" in row.inner_text()
    page.screenshot(path=str(artifacts_dir / "registry-6-pending-claim.png"), full_page=True)
    row.locator("[data-testid=approve] [name=reason]").fill("已核对铭牌与安装位置")
    row.locator("[data-testid=approve] button").click()
    assert "已同意认领" in _ok(page)
    page.goto(f"{live_server}/firewatch/registry/claims?status=approved")
    assert "已核对铭牌与安装位置" in page.locator("[data-testid=claims]").inner_text()
    page.goto(f"{live_server}/firewatch/registry/uitds/{PARKED_AWAY}")
    assert page.locator("[data-testid=uitd-unit]").inner_text() == "南京玄武湖畔酒店"


def _filled_workbook(path: Path) -> Path:
    """The template as a device manager fills it: one good unit, and a UITD whose address is not one."""
    from io import BytesIO

    from openpyxl import load_workbook

    from citysafe.firewatch.registry import excel

    book = load_workbook(BytesIO(excel.template()))
    book["联网单位"].append(["南京玄武门大药房", "", "320102", "玄武区玄武门 3 号", 118.79, 32.07, "wgs84",
                         "陈店长", "025-83000001", ""])
    book["传输装置"].append(["十二号机", "南京玄武门大药房", "海湾", "GST", "收银台后"])
    book.save(path)
    return path


def test_iot_devices_and_the_workbook_import_in_the_browser(ctx: AppContext, live_server: str, browser_page: Any,
                                                            artifacts_dir: Path, tmp_path: Path) -> None:
    from citysafe.firewatch.registry.models import IotDevice

    _world(ctx)
    with unit_of_work(ctx.session_factory, actor="tests") as session:  # reported over MQTT before registration
        session.add(IotDevice(device_id="WP-0902", kind="hydrant_pressure", registered=False, region_code="320102"))
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    login_as(page, live_server, "xwfire", PASSWORD, "/firewatch/registry/iot")

    # an IoT smoke alarm registered to the hotel; the hydrant gauge that reported first is bound to it
    form = page.locator("[data-testid=iot-form]")
    form.locator("[name=device_id]").fill("SMK-0601")
    form.locator("[name=kind]").select_option(label="独立式感烟探测器")
    form.locator("[name=unit_id]").select_option(label="南京玄武湖畔酒店")
    form.locator("[name=floor]").fill("6F")
    form.locator("[name=zone]").fill("601 客房")
    form.locator("button").click()
    assert "已登记物联网设备 SMK-0601" in _ok(page)
    bind = page.locator("[data-testid=iot-bind]")
    bind.locator("[name=unit_id]").select_option(label="南京玄武湖畔酒店")
    bind.locator("button").click()
    assert "设备 WP-0902 已绑定" in _ok(page)
    listed = page.locator("[data-testid=iot-devices]").inner_text()
    assert "独立式感烟探测器" in listed and "消火栓压力监测" in listed and "未绑定" not in listed
    page.screenshot(path=str(artifacts_dir / "registry-7-iot-devices.png"), full_page=True)

    # the workbook: checked first, the bad address reported by sheet, row and column, nothing written
    page.goto(f"{live_server}/firewatch/registry/import")
    with page.expect_download() as download:
        page.click("[data-testid=template]")
    assert download.value.suggested_filename == "firewatch-registry-template.xlsx"
    page.set_input_files("[data-testid=import-form] [name=file]", str(_filled_workbook(tmp_path / "药房.xlsx")))
    page.click("[data-testid=import-form] button")
    assert "发现问题，未写入" in page.locator("[data-testid=import-report] h2").inner_text()
    errors = page.locator("[data-testid=import-errors]").inner_text()
    assert "传输装置\t2\t装置地址\t“十二号机”不是地址" in errors, errors
    page.screenshot(path=str(artifacts_dir / "registry-8-import-report.png"), full_page=True)
    page.goto(f"{live_server}/firewatch/registry?q=大药房")
    assert "没有符合条件的联网单位" in page.locator("[data-testid=units]").inner_text()
