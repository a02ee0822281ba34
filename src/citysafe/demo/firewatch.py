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
from citysafe.demo import operator
from citysafe.demo.city import random_point_in
from citysafe.demo.streets import address_in, names_of
from citysafe.firewatch import service as fw
from citysafe.firewatch.registry import service as rs
from citysafe.firewatch.registry.schemas import BuildingCreate, ComponentCreate, IotDeviceCreate, UitdCreate, UnitCreate
from citysafe.orgs import service as orgs_service
from citysafe.orgs.enums import OrganizationKind
from citysafe.orgs.schemas import OrganizationCreate, OrganizationFilter
from citysafe.regions import service as regions_service

UNITS = 40
BASE_ADDRESS = 100000
CENTRE = 88888
_DISTRICTS = [("320102", "玄武区"), ("320104", "秦淮区"), ("320105", "建邺区"), ("320106", "鼓楼区"),
              ("320111", "浦口区"), ("320113", "栖霞区"), ("320114", "雨花台区"), ("320115", "江宁区")]
# Kinds of building the organisations' sectors (demo/city.py) do not use, so no name comes twice.
_BUILDINGS = ["大厦", "商务中心", "综合楼", "科技园", "国际酒店", "写字楼"]
# The history the board and the risk map read: past weeks of fires (mostly judged false), faults and tests.
HISTORY_DAYS = 21
HISTORY_EVENTS = 45


def peer_of(n: int) -> str:
    """Where unit n's UITD connects from: the operators' private network, as a real link reports it."""
    return f"10.25.{n // 200}.{n % 200 + 20}:5010"


def uitd_address(n: int) -> int:
    return BASE_ADDRESS + n


def component_address(loop: int, point: int) -> int:
    return (loop << 16) | point


def _unit_name(n: int, district: str) -> str:
    """A name of the district for unit n, unlike every other unit's: units of one district (n apart by
    len(_DISTRICTS)) take its place words in turn, each with another kind of building."""
    places, turn = names_of(district).places, n // len(_DISTRICTS)
    return f"南京{places[turn % len(places)]}{_BUILDINGS[(turn + n) % len(_BUILDINGS)]}"


def _units(session: Session, rng: random.Random) -> list[Any]:  # the registry's units
    orgs, _ = orgs_service.list_organizations(
        session, filters=OrganizationFilter(kind=OrganizationKind.NETWORKED_UNIT), params=PageParams(size=UNITS))
    units = [rs.create_unit(session, unit_in=UnitCreate(organization_id=org.id, contact_name="值班室",
                                                        contact_phone=f"025{rng.randint(50000000, 89999999)}"))
             for org in orgs[:UNITS]]
    while len(units) < UNITS:
        n = len(units) + 1
        district, district_name = _DISTRICTS[n % len(_DISTRICTS)]
        lon, lat = random_point_in(rng, regions_service.boundary_feature(session, code=district)["geometry"])
        units.append(rs.create_unit(session, unit_in=UnitCreate(organization=OrganizationCreate(
            name=_unit_name(n, district),
            kind=OrganizationKind.NETWORKED_UNIT, region_code=district,
            address=address_in(rng, district, district_name),
            location=Location(lon=lon, lat=lat)),
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
                                     component_address=component_address(loop, point), status=status,
                                     peer=peer_of(address - BASE_ADDRESS))


# What the operators decided on past fires, with the note they wrote (most fires on a panel are not fires).
_VERDICTS = [("false_alarm", "厨房油烟误报"), ("false_alarm", "施工粉尘触发，已通知物业"),
             ("false_alarm", "探测器积灰，已安排清洗"), ("test", "维保单位月度测试"),
             ("false_alarm", "吸烟触发，已提醒"), ("confirm", "垃圾桶阴燃，已扑灭")]


def _history(session: Session, rng: random.Random, now: datetime) -> None:
    """Past weeks of alarms, each handled: fires acknowledged within minutes and judged, faults restored
    hours later, so lists, counts and the unit's false-alarm history read as a working centre's."""
    events = sorted((now - timedelta(days=rng.uniform(1, HISTORY_DAYS)), rng.randint(1, UNITS), rng.randint(1, 2),
                     rng.randint(1, 8), rng.random() < 0.3) for _ in range(HISTORY_EVENTS))
    for serial, (at, n, loop, point, fire) in enumerate(events, start=50):
        at = at.replace(microsecond=0)
        frames = [_frame(uitd_address(n), serial, at, loop, point, 0x0003 if fire else 0x0005)]
        restored = at + timedelta(minutes=rng.randint(20, 600))
        frames.append(_frame(uitd_address(n), serial + 500, restored, loop, point, 0x0001))
        outcomes = fw.ingest_frames(session, items=frames[:1], clock=FixedClock(at))
        if fire and outcomes[0].alarms_raised:
            alarm = outcomes[0].alarms_raised[0]
            action, note = rng.choice(_VERDICTS)
            handled = at + timedelta(minutes=rng.randint(1, 4))
            fw.transition_alarm(session, alarm_id=alarm, action="acknowledge", actor="operator", at=handled)
            if action == "confirm":
                fw.transition_alarm(session, alarm_id=alarm, action="verify", actor="operator", at=handled)
            decided = handled + timedelta(minutes=rng.randint(3, 15))
            fw.transition_alarm(session, alarm_id=alarm, action=action, actor="operator", at=decided, note=note)
            if action == "confirm":
                operator.phone_119(session, alarm_id=alarm, at=decided)
        fw.ingest_frames(session, items=frames[1:], clock=FixedClock(restored))


def seed_demo(session: Session, rng: random.Random) -> None:
    units = _units(session, rng)
    for n, unit in enumerate(units, start=1):
        _devices(session, n, unit)
    now = datetime.now(UTC).replace(microsecond=0)
    _history(session, rng, now)
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
        source="mqtt:citysafe/iot/hydrant_pressure/NJ-HP-002", received_at=now - timedelta(minutes=20))], clock=clock)
