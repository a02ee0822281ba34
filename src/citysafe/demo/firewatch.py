"""Demo data for firewatch: networked units in Nanjing with buildings, UITDs, components and IoT
devices, and a few alarms to look at.

Address scheme (the simulator and the demo gateway use it): unit n = 1..40 has UITD address
``100000 + n``; behind it system type 1 (火灾报警系统) address 1 with 16 point-type smoke detectors
(component type 42) at component address ``(loop << 16) | point``, loop 1-2, point 1-8, in building 主楼:
floor ``2 × (loop - 1) + 1`` for points 1-4 and one floor up for points 5-8; on each floor points 1-2
and 5-6 are in A区, 3-4 and 7-8 in B区 (two detectors per zone, so a second fire corroborates). Addresses
900001 and up are deliberately unregistered. IoT devices: ``NJ-SMK-00n`` (smoke), ``NJ-HP-00n``
(hydrant pressure) for units 1-10, ``NJ-EF-00n`` (electrical fire) for units 1-5, ``NJ-GAS-00n`` and
``NJ-WL-00n`` for units 1-3.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from citysafe.core.clock import FixedClock
from citysafe.core.geo import Location
from citysafe.core.pagination import PageParams
from citysafe.firewatch import service as fw
from citysafe.firewatch.registry import service as rs
from citysafe.firewatch.registry.schemas import BuildingCreate, ComponentCreate, IotDeviceCreate, UitdCreate, UnitCreate
from citysafe.orgs import service as orgs_service
from citysafe.orgs.enums import OrganizationKind
from citysafe.orgs.schemas import OrganizationCreate, OrganizationFilter

UNITS = 40
BASE_ADDRESS = 100000
CENTRE = 88888
_DISTRICTS = ["320102", "320104", "320105", "320106", "320111", "320113", "320114", "320115"]


def uitd_address(n: int) -> int:
    return BASE_ADDRESS + n


def component_address(loop: int, point: int) -> int:
    return (loop << 16) | point


def _units(session: Session, rng: random.Random) -> list[Any]:  # the registry's units
    orgs, _ = orgs_service.list_organizations(
        session, filters=OrganizationFilter(kind=OrganizationKind.NETWORKED_UNIT), params=PageParams(size=UNITS))
    units = [rs.create_unit(session, unit_in=UnitCreate(organization_id=org.id, contact_name="值班室",
                                                        contact_phone=f"025{rng.randint(50000000, 89999999)}"))
             for org in orgs[:UNITS]]
    while len(units) < UNITS:
        n = len(units) + 1
        district = _DISTRICTS[n % len(_DISTRICTS)]
        units.append(rs.create_unit(session, unit_in=UnitCreate(organization=OrganizationCreate(
            name=f"南京联网示范单位{n:02d}号楼宇", kind=OrganizationKind.NETWORKED_UNIT, region_code=district,
            address=f"南京市示范路{n}号", location=Location(lon=round(118.70 + rng.random() * 0.2, 6),
                                                            lat=round(31.95 + rng.random() * 0.15, 6))),
            contact_name="值班室", contact_phone=f"025{rng.randint(50000000, 89999999)}")))
    return units


def _devices(session: Session, n: int, unit: Any) -> None:
    building = rs.add_building(session, unit=unit, building_in=BuildingCreate(name="主楼", floors_above=12,
                                                                              floors_below=2))
    uitd = rs.register_uitd(session, uitd_in=UitdCreate(address=uitd_address(n), unit_id=unit.id, vendor="示例厂商",
                                                        model="UITD-D100"))
    for loop in (1, 2):
        for point in range(1, 9):
            floor = f"{(loop - 1) * 2 + (1 if point <= 4 else 2)}层"
            zone = "A区" if (point - 1) % 4 < 2 else "B区"
            rs.add_component(session, uitd=uitd, component_in=ComponentCreate(
                system_type=1, system_address=1, system_name="火灾报警系统", component_type=42,
                component_address=component_address(loop, point), description=f"{loop}回路{point}号光电感烟",
                building_id=building.id, floor=floor, zone=zone))
    kinds = [("NJ-SMK", "smoke", 10, "大堂独立烟感"), ("NJ-HP", "hydrant_pressure", 10, "室内消火栓管网末端"),
             ("NJ-EF", "electrical_fire", 5, "一层配电箱"), ("NJ-GAS", "combustible_gas", 3, "厨房"),
             ("NJ-WL", "water_level", 3, "消防水池")]
    for prefix, kind, upto, description in kinds:
        if n <= upto:
            rs.register_iot_device(session, device_in=IotDeviceCreate.model_validate({
                "device_id": f"{prefix}-{n:03d}", "kind": kind, "unit_id": unit.id, "building_id": building.id,
                "floor": "1层", "zone": "A区", "description": description}))


def _frame(address: int, serial: int, at: datetime, loop: int, point: int, status: int) -> fw.ReceivedFrame:
    return fw.component_status_frame(source=address, destination=CENTRE, serial=serial, at=at, system_type=1,
                                     system_address=1, component_type=42,
                                     component_address=component_address(loop, point), status=status, peer="demo")


def seed_demo(session: Session, rng: random.Random) -> None:
    units = _units(session, rng)
    for n, unit in enumerate(units, start=1):
        _devices(session, n, unit)
    now = datetime.now(UTC).replace(microsecond=0)
    clock = FixedClock(now)
    earlier = now - timedelta(hours=3)
    frames = [
        _frame(uitd_address(3), 1, earlier, 1, 2, 0x0003),        # a fire, later judged a false alarm
        _frame(uitd_address(2), 1, now - timedelta(minutes=40), 2, 5, 0x0005),  # an open fault
        _frame(uitd_address(1), 1, now - timedelta(minutes=2), 1, 1, 0x0003),  # an open fire, new
        _frame(900001, 1, now - timedelta(minutes=1), 1, 7, 0x0003),           # an unregistered device
    ]
    outcomes = fw.ingest_frames(session, items=frames, clock=clock)
    decided = outcomes[0].alarms_raised[0]
    for step, minutes in (("acknowledge", 1), ("false_alarm", 6)):
        note = "厨房油烟误报" if step == "false_alarm" else ""
        fw.transition_alarm(session, alarm_id=decided, action=step, actor="operator",
                            at=earlier + timedelta(minutes=minutes), note=note)
    fw.ingest_messages(session, items=[fw.ReceivedMessage(
        payload={"device_id": "NJ-HP-002", "kind": "hydrant_pressure", "pressure_mpa": 0.07},
        source="demo", received_at=now - timedelta(minutes=20))], clock=clock)
