"""A networked unit in 玄武区 whose UITD reports a fire over GB/T 26875.3, for the browser tests that start
from a real fire on the firewatch board (the board's own test, and emergency's fire → incident → command flow)."""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime
from typing import Any

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.firewatch.protocols.gb26875 import ComponentStatus, DeviceTime, encode_description, encode_frame
from citysafe.firewatch.simulator import SimulatedUitd

UITD = 100001
POINT = 1 << 16 | 3


def networked_unit(ctx: AppContext) -> AppContext:
    """The live server runs the gateway (as `serve --gb26875-port`); one networked unit in 玄武区, and the
    monitoring centre's operator ``duty``."""
    from citysafe.firewatch.registry import service as rs
    from citysafe.firewatch.registry.schemas import BuildingCreate, ComponentCreate, UitdCreate, UnitCreate
    from citysafe.orgs.enums import OrganizationKind
    from citysafe.orgs.schemas import Contact, Location, OrganizationCreate

    ctx.settings = ctx.settings.model_copy(update={"gb26875_port": 0})
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        unit = rs.create_unit(session, unit_in=UnitCreate(organization=OrganizationCreate(
            name="南京钟山商业广场", kind=OrganizationKind.NETWORKED_UNIT, region_code="320102",
            address="南京市玄武区中山路1号", location=Location(lon=118.79, lat=32.05),
            contacts=[Contact(name="李强", phone="139-5100-0001", role="消防安全管理人")]),
            contact_name="消防控制室", contact_phone="025-84000000"))
        building = rs.add_building(session, unit=unit, building_in=BuildingCreate(name="主楼", floors_above=8))
        uitd = rs.register_uitd(session, uitd_in=UitdCreate(address=UITD, unit_id=unit.id, vendor="示例厂商"))
        rs.add_component(session, uitd=uitd, component_in=ComponentCreate(
            system_type=1, system_address=1, component_type=42, component_address=POINT,
            description="1回路3号光电感烟", building_id=building.id, floor="3层", zone="B区"))
        auth_service.create_user(session, user_in=UserCreate(
            username="duty", password="correct-horse", role="operator", region_code="320100",
            display_name="监控中心值班员"))
    return ctx


def send_fire(port: int) -> bytes:
    """A UITD reports a fire and waits for the ACK (in its own thread and loop: Playwright's is sync)."""

    async def run() -> bytes:
        uitd = SimulatedUitd(UITD, host="127.0.0.1", port=port, ack_timeout=10)
        await uitd.connect()
        obj = ComponentStatus(1, 1, 42, POINT, 0x0003, encode_description("3层B区商铺"),
                              DeviceTime.of(datetime(2026, 3, 1, 10, 0)))
        result = await uitd.send(2, [obj])
        await uitd.close()
        assert result.acked
        return encode_frame(result.frame)

    out: list[bytes] = []
    thread = threading.Thread(target=lambda: out.append(asyncio.run(run())))
    thread.start()
    thread.join(30)
    assert out, "the simulated UITD got no ACK"
    return out[0]


def acknowledge_verify_confirm(page: Any) -> None:
    """The operator takes the selected fire through 受理 → 核实 (by phone) → 确认火警 on the board."""
    page.click("#fw-actions button[data-action=acknowledge]")
    page.wait_for_selector("#fw-detail[data-state='acknowledged']")
    page.click("#fw-actions button[data-action=verify]")
    page.select_option("#fw-act-form select[name=method]", "phone")
    page.fill("#fw-act-form textarea[name=note]", "电话联系单位值班员，现场确认起火")
    page.click("#fw-act-form button[type=submit]")
    page.wait_for_selector("#fw-detail[data-state='verified']")
    page.click("#fw-actions button[data-action=confirm]")
    page.fill("#fw-act-form textarea[name=note]", "已通知119")
    page.click("#fw-act-form button[type=submit]")
    page.wait_for_selector("#fw-detail[data-state='confirmed']")
