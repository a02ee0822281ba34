"""Helpers shared by the firewatch backend tests (test_fw_*.py): frames, ingest, registry set-up."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiomqtt

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.firewatch.ingest.service import IngestOutcome, ReceivedFrame, ingest_frames
from citysafe.firewatch.protocols.gb26875 import (
    ComponentStatus,
    DeviceTime,
    UitdOperation,
    UitdStatus,
    build_upload,
    decode_frame,
    encode_description,
    encode_frame,
)

T0 = datetime(2026, 3, 1, 2, 0, 0, tzinfo=UTC)  # 10:00 in Nanjing
CENTRE = 88888
FIRE, NORMAL, FAULT = 0x0003, 0x0001, 0x0005
_serials: dict[int, int] = {}


def next_serial(address: int) -> int:
    _serials[address] = (_serials.get(address, -1) + 1) % 65536
    return _serials[address]


def local(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) + timedelta(hours=8)


def component_frame(address: int, status: int, *, component_address: int = 0x0002000A, component_type: int = 40,
                    system_type: int = 1, system_address: int = 1, description: str = "", at: datetime = T0,
                    serial: int | None = None) -> bytes:
    obj = ComponentStatus(system_type, system_address, component_type, component_address, status,
                          encode_description(description), DeviceTime.of(local(at)))
    frame = build_upload(2, [obj], serial=next_serial(address) if serial is None else serial, source=address,
                         destination=CENTRE, sent=local(at))
    return encode_frame(frame)


def uitd_status_frame(address: int, status: int = 0x01, *, at: datetime = T0, with_time: bool = True) -> bytes:
    obj = UitdStatus(status, DeviceTime.of(local(at)) if with_time else None)
    frame = build_upload(21, [obj], serial=next_serial(address), source=address, destination=CENTRE, sent=local(at))
    return encode_frame(frame)


def uitd_operation_frame(address: int, operation: int, operator: int = 7, *, at: datetime = T0) -> bytes:
    obj = UitdOperation(operation, operator, DeviceTime.of(local(at)))
    frame = build_upload(24, [obj], serial=next_serial(address), source=address, destination=CENTRE, sent=local(at))
    return encode_frame(frame)


def received(raw: bytes, at: datetime, peer: str = "127.0.0.1:40000") -> ReceivedFrame:
    return ReceivedFrame(raw=raw, frame=decode_frame(raw), peer=peer, received_at=at)


def ingest(ctx: AppContext, raws: Iterable[bytes], clock: FixedClock, **kwargs: Any) -> list[IngestOutcome]:
    items = [received(raw, clock.now()) for raw in raws]
    with unit_of_work(ctx.session_factory, actor="gateway") as session:
        return ingest_frames(session, items=items, clock=clock, **kwargs)


def make_unit(ctx: AppContext, *, name: str = "南京金陵购物中心", region: str = "320102002", address: int = 100001,
              zone_components: Iterable[tuple[int, str, str]] = ()) -> dict[str, int]:
    """A networked unit with one building and a registered UITD; components as (address, floor, zone)."""
    from citysafe.firewatch.registry import service as rs
    from citysafe.firewatch.registry.schemas import BuildingCreate, ComponentCreate, UitdCreate, UnitCreate
    from citysafe.orgs.schemas import Location, OrganizationCreate

    with unit_of_work(ctx.session_factory, actor="tests") as session:
        unit = rs.create_unit(session, unit_in=UnitCreate(
            organization=OrganizationCreate(name=name, kind="networked_unit", region_code=region,
                                            address="玄武区中山路1号", location=Location(lon=118.79, lat=32.05)),
            contact_name="王伟", contact_phone="13800000000"))
        building = rs.add_building(session, unit=unit, building_in=BuildingCreate(name="1号楼", floors_above=20))
        uitd = rs.register_uitd(session, uitd_in=UitdCreate(address=address, unit_id=unit.id, vendor="示例厂商"))
        for comp_address, floor, zone in zone_components:
            rs.add_component(session, uitd=uitd, component_in=ComponentCreate(
                system_type=1, system_address=1, component_type=40, component_address=comp_address,
                description=f"感烟探测器{comp_address}", building_id=building.id, floor=floor, zone=zone))
        return {"unit_id": unit.id, "organization_id": unit.organization_id, "building_id": building.id,
                "uitd_id": uitd.id}


async def forget_mqtt_session(client_id: str) -> None:
    """Drop the persistent session the subscriber left in Mosquitto (a clean-session connect ends it)."""
    async with aiomqtt.Client("127.0.0.1", 1883, identifier=client_id, clean_session=True):
        pass
