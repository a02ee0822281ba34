"""The device registry: units, buildings, UITDs, systems, components, IoT devices, maintenance windows.

Every write bumps the registry token (``registry.cache.bump``) in the same transaction, so the ingest
path's cache follows. Binding a device discovered before it was registered attaches its past alarms
(their unit, organisation, region and location) so they show up where the unit belongs.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from sqlalchemy import Select, exists, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from citysafe.core.db import first_or_404, get_or_404
from citysafe.core.errors import Conflict, field_error, not_found
from citysafe.core.events import publish
from citysafe.core.geo import location_wgs84
from citysafe.core.pagination import PageParams, paginate
from citysafe.core.scope import in_region
from citysafe.firewatch.alarms.models import Alarm, PointState
from citysafe.firewatch.alarms.store import updated_event
from citysafe.firewatch.registry import cache as regcache
from citysafe.firewatch.registry.models import (
    Building,
    Component,
    FireSystem,
    FireUnit,
    IotDevice,
    MaintenanceWindow,
    Uitd,
)
from citysafe.firewatch.registry.schemas import (
    BuildingCreate,
    ComponentCreate,
    IotDeviceCreate,
    MaintenanceCreate,
    UitdCreate,
    UnitCreate,
)
from citysafe.orgs import service as orgs_service

T = TypeVar("T", Uitd, IotDevice)


def create_unit(session: Session, *, unit_in: UnitCreate) -> FireUnit:
    if unit_in.organization is not None:
        org = orgs_service.create(session, org_in=unit_in.organization)
    else:
        org = orgs_service.get(session, org_id=unit_in.organization_id or 0)
    if session.scalars(select(FireUnit.id).where(FireUnit.organization_id == org.id)
                       .execution_options(skip_scope=True)).first() is not None:
        raise Conflict(detail=f"organisation {org.id} is already a networked unit",
                       detail_zh=f"单位 {org.name} 已是联网单位")
    unit = FireUnit(organization_id=org.id, name=org.name, region_code=org.region_code, address=org.address,
                    lon=org.lon, lat=org.lat, contact_name=unit_in.contact_name, contact_phone=unit_in.contact_phone,
                    offline_minutes=unit_in.offline_minutes, active=True)
    session.add(unit)
    session.flush()
    regcache.bump(session)
    return unit


def get_unit(session: Session, *, unit_id: int) -> FireUnit:
    return get_or_404(session, FireUnit, unit_id, what="networked unit", what_zh="联网单位")


def _unit_offline() -> ColumnElement[bool]:
    """A device of the unit is offline now (the patrol marked it), or none has ever reported."""
    down = or_(exists().where(Uitd.unit_id == FireUnit.id, Uitd.offline_since.is_not(None)),
               exists().where(IotDevice.unit_id == FireUnit.id, IotDevice.offline_since.is_not(None)))
    heard = or_(exists().where(Uitd.unit_id == FireUnit.id, Uitd.last_seen_at.is_not(None)),
                exists().where(IotDevice.unit_id == FireUnit.id, IotDevice.last_seen_at.is_not(None)))
    return or_(down, ~heard)


def list_units(session: Session, *, q: str | None, region: str | None, params: PageParams,
               online: bool | None = None) -> tuple[list[FireUnit], int]:
    """Units by name or address words, region, and ``online``: every device that reported is still
    reporting (True), or some device is offline or none has reported yet (False)."""
    stmt = select(FireUnit).order_by(FireUnit.id)
    if q:
        stmt = stmt.where(FireUnit.name.contains(q) | FireUnit.address.contains(q))
    if region:
        stmt = stmt.where(in_region(FireUnit.region_code, region))
    if online is not None:
        stmt = stmt.where(~_unit_offline() if online else _unit_offline())
    return paginate(session, stmt, params)


def list_buildings(session: Session, *, unit: FireUnit) -> list[Building]:
    return list(session.scalars(select(Building).where(Building.unit_id == unit.id).order_by(Building.id)))


def add_building(session: Session, *, unit: FireUnit, building_in: BuildingCreate) -> Building:
    if session.scalars(select(Building.id).where(Building.unit_id == unit.id, Building.name == building_in.name)
                       ).first() is not None:
        raise Conflict(detail=f"building {building_in.name} exists", detail_zh=f"建筑 {building_in.name} 已存在")
    lon, lat = location_wgs84(building_in.location)
    building = Building(unit_id=unit.id, organization_id=unit.organization_id, region_code=unit.region_code,
                        name=building_in.name, floors_above=building_in.floors_above,
                        floors_below=building_in.floors_below, lon=lon if lon is not None else unit.lon,
                        lat=lat if lat is not None else unit.lat)
    session.add(building)
    session.flush()
    regcache.bump(session)
    return building


def _attach(device: Uitd | IotDevice, unit: FireUnit) -> None:
    device.unit_id, device.organization_id, device.region_code = unit.id, unit.organization_id, unit.region_code
    device.registered = True


# An address known outside the caller's scope is answered the same whether the device is registered to
# another district's unit or parked unregistered after connecting: nothing tells the caller which, where,
# or what the device has reported. Addresses are unique across the platform, so "known somewhere" cannot
# be hidden from someone registering it (and an installer holding the device knows its address anyway);
# the way on is a claim (registry.claims) that an office above decides, seeing the whole picture.
CLAIM_NEEDED = Conflict(
    detail="this device address is not available to you; ask for it with a claim (bind), "
           "which an office above approves",
    detail_zh="该设备地址不可直接登记，请提交认领申请，由上级安委办审核")


def visible(session: Session, device: Uitd | IotDevice) -> bool:
    """The device lies in the caller's scope (always, for the system itself)."""
    model = type(device)
    return session.scalars(select(model.id).where(model.id == device.id)).first() is not None


def register_uitd(session: Session, *, uitd_in: UitdCreate) -> Uitd:
    """Register a UITD; one already seen (unregistered) is bound to the unit instead, with its alarms."""
    unit = get_unit(session, unit_id=uitd_in.unit_id)
    existing = session.scalars(select(Uitd).where(Uitd.address == uitd_in.address)
                               .execution_options(skip_scope=True)).first()
    if existing is not None and not visible(session, existing):
        raise CLAIM_NEEDED
    if existing is not None and existing.registered:
        raise Conflict(detail=f"UITD {uitd_in.address} is registered", detail_zh=f"传输装置 {uitd_in.address} 已登记")
    if existing is not None:
        uitd = bind_uitd(session, address=uitd_in.address, unit_id=unit.id)[0]
        uitd.vendor, uitd.model, uitd.description = uitd_in.vendor, uitd_in.model, uitd_in.description
        session.flush()
        return uitd
    uitd = Uitd(address=uitd_in.address, vendor=uitd_in.vendor, model=uitd_in.model, description=uitd_in.description,
                region_code=unit.region_code)
    _attach(uitd, unit)
    session.add(uitd)
    session.flush()
    regcache.bump(session)
    return uitd


def get_uitd(session: Session, *, address: int) -> Uitd:
    return first_or_404(session, select(Uitd).where(Uitd.address == address), key=address, what="UITD",
                        what_zh="用户信息传输装置")


def _list_devices(session: Session, model: type[T], *, registered: bool | None, unit_id: int | None,
                  params: PageParams) -> tuple[list[T], int]:
    """UITDs or IoT devices, optionally only the (un)registered ones or those of one unit."""
    stmt = select(model).order_by(model.id)
    if registered is not None:
        stmt = stmt.where(model.registered.is_(registered))
    if unit_id is not None:
        stmt = stmt.where(model.unit_id == unit_id)
    return paginate(session, stmt, params)


def list_uitds(session: Session, *, registered: bool | None, unit_id: int | None,
               params: PageParams) -> tuple[list[Uitd], int]:
    return _list_devices(session, Uitd, registered=registered, unit_id=unit_id, params=params)


def _attach_alarms(session: Session, condition: ColumnElement[bool], unit: FireUnit) -> int:
    # The past alarms of an unregistered device lie in the unregistered region, usually outside the
    # binding user's scope; they move into the unit's region (inside it, checked at flush).
    alarms = session.execute(select(Alarm).where(condition).execution_options(skip_scope=True)).scalars().all()
    for alarm in alarms:
        alarm.unit_id, alarm.organization_id, alarm.unit_name = unit.id, unit.organization_id, unit.name
        alarm.region_code, alarm.lon, alarm.lat, alarm.unregistered = unit.region_code, unit.lon, unit.lat, False
    session.flush()
    for alarm in alarms:
        if alarm.is_open:
            publish(session, updated_event(alarm, "bound"))
    return len(alarms)


def _claimable(session: Session, stmt: Select[tuple[T]], approved: bool) -> T | None:
    """With an office's approval of a claim (registry.claims), an unregistered device wherever it was
    parked; otherwise only what the scope shows (the caller asks for a claim for anything else)."""
    if not approved:
        return None
    found = session.scalars(stmt.execution_options(skip_scope=True)).first()
    return found if found is not None and not getattr(found, "registered", True) else None


def bind_uitd(session: Session, *, address: int, unit_id: int, approved: bool = False) -> tuple[Uitd, int]:
    """Attach a UITD (typically one discovered unregistered) and all its past alarms to a unit."""
    unit = get_unit(session, unit_id=unit_id)
    uitd = (_claimable(session, select(Uitd).where(Uitd.address == address), approved)
            or get_uitd(session, address=address))
    _attach(uitd, unit)
    # The device is the caller's to bind by now; its systems and components may still lie where it was
    # parked, outside the caller's scope, so the scope filter must not skip them.
    session.execute(update(FireSystem).where(FireSystem.uitd_id == uitd.id)
                    .values(region_code=unit.region_code, organization_id=unit.organization_id)
                    .execution_options(skip_scope=True))
    session.execute(update(Component).where(Component.uitd_id == uitd.id)
                    .values(region_code=unit.region_code, organization_id=unit.organization_id)
                    .execution_options(skip_scope=True))
    count = _attach_alarms(session, Alarm.uitd_address == address, unit)
    regcache.bump(session)
    return uitd, count


def _system(session: Session, uitd: Uitd, system_type: int, system_address: int, name: str) -> FireSystem:
    system = session.scalars(select(FireSystem).where(
        FireSystem.uitd_id == uitd.id, FireSystem.system_type == system_type,
        FireSystem.system_address == system_address)).first()
    if system is None:
        system = FireSystem(uitd_id=uitd.id, organization_id=uitd.organization_id, region_code=uitd.region_code,
                            system_type=system_type, system_address=system_address, name=name)
        session.add(system)
        session.flush()
    elif name and not system.name:
        system.name = name
    return system


def add_component(session: Session, *, uitd: Uitd, component_in: ComponentCreate) -> Component:
    c = component_in
    if c.building_id is not None:
        building = session.get(Building, c.building_id)
        if building is None or building.unit_id != uitd.unit_id:
            raise field_error("building_id", "not a building of this UITD's unit", "该建筑不属于此传输装置所在单位")
    system = _system(session, uitd, c.system_type, c.system_address, c.system_name)
    if session.scalars(select(Component.id).where(Component.system_id == system.id,
                                                  Component.component_address == c.component_address)).first():
        raise Conflict(detail=f"component {c.component_address} exists in system {c.system_type}/{c.system_address}",
                       detail_zh=f"部件 {c.component_address} 已登记")
    component = Component(system_id=system.id, uitd_id=uitd.id, organization_id=uitd.organization_id,
                          region_code=uitd.region_code, component_type=c.component_type,
                          component_address=c.component_address, description=c.description,
                          building_id=c.building_id, floor=c.floor, zone=c.zone)
    session.add(component)
    session.flush()
    regcache.bump(session)
    return component


def list_systems(session: Session, *, uitd: Uitd) -> list[FireSystem]:
    return list(session.scalars(select(FireSystem).where(FireSystem.uitd_id == uitd.id).order_by(FireSystem.id)))


def list_components(session: Session, *, uitd: Uitd) -> list[Component]:
    return list(session.execute(select(Component).where(Component.uitd_id == uitd.id)
                                .order_by(Component.id)).scalars())


def register_iot_device(session: Session, *, device_in: IotDeviceCreate) -> IotDevice:
    unit = get_unit(session, unit_id=device_in.unit_id)
    existing = session.scalars(select(IotDevice).where(IotDevice.device_id == device_in.device_id)
                               .execution_options(skip_scope=True)).first()
    if existing is not None and not visible(session, existing):
        raise CLAIM_NEEDED
    if existing is not None and existing.registered:
        raise Conflict(detail=f"IoT device {device_in.device_id} is registered",
                       detail_zh=f"物联网设备 {device_in.device_id} 已登记")
    lon, lat = location_wgs84(device_in.location)
    device = existing or IotDevice(device_id=device_in.device_id, region_code=unit.region_code)
    _attach(device, unit)
    device.kind, device.building_id, device.floor, device.zone = (
        device_in.kind.value, device_in.building_id, device_in.floor, device_in.zone)
    device.description, device.vendor, device.thresholds = device_in.description, device_in.vendor, device_in.thresholds
    device.lon, device.lat = (lon, lat) if lon is not None else (unit.lon, unit.lat)
    session.add(device)
    session.flush()
    if existing is not None:
        _attach_alarms(session, Alarm.iot_device_id == device.device_id, unit)
    regcache.bump(session)
    return device


def bind_iot_device(session: Session, *, device_id: str, unit_id: int,
                    approved: bool = False) -> tuple[IotDevice, int]:
    unit = get_unit(session, unit_id=unit_id)
    stmt = select(IotDevice).where(IotDevice.device_id == device_id)
    device = _claimable(session, stmt, approved) or session.scalars(stmt).first()
    if device is None:
        raise not_found("IoT device", "物联网设备", device_id)
    _attach(device, unit)
    count = _attach_alarms(session, Alarm.iot_device_id == device_id, unit)
    regcache.bump(session)
    return device, count


def list_iot_devices(session: Session, *, registered: bool | None, unit_id: int | None,
                     params: PageParams) -> tuple[list[IotDevice], int]:
    return _list_devices(session, IotDevice, registered=registered, unit_id=unit_id, params=params)


def create_maintenance(session: Session, *, window_in: MaintenanceCreate, actor: str) -> MaintenanceWindow:
    org: int | None
    if window_in.unit_id is not None:
        unit = get_unit(session, unit_id=window_in.unit_id)
        region, org = unit.region_code, unit.organization_id
    else:
        region, org = _device_owner(session, window_in.device_address or "")
    window = MaintenanceWindow(unit_id=window_in.unit_id, device_address=window_in.device_address,
                               organization_id=org, region_code=region, starts_at=window_in.starts_at,
                               ends_at=window_in.ends_at, reason=window_in.reason, created_by=actor)
    session.add(window)
    session.flush()
    return window


def _device_owner(session: Session, device_address: str) -> tuple[str, int | None]:
    if device_address.isdigit():
        uitd = session.scalars(select(Uitd).where(Uitd.address == int(device_address))).first()
        if uitd is not None:
            return uitd.region_code, uitd.organization_id
    device = session.scalars(select(IotDevice).where(IotDevice.device_id == device_address)).first()
    if device is None:
        raise field_error("device_address", f"no device {device_address}", f"未找到设备 {device_address}")
    return device.region_code, device.organization_id


def end_maintenance(session: Session, *, window_id: int, now: datetime) -> MaintenanceWindow:
    """End a window early: alarms from ``now`` on are no longer shielded. One that has not begun is ended
    at once (it never shields anything); one already over is refused."""
    window = get_or_404(session, MaintenanceWindow, window_id, what="maintenance window", what_zh="维保屏蔽时段")
    if window.ends_at <= now:
        raise Conflict(detail=f"maintenance window {window.id} has already ended", detail_zh="该维保时段已结束")
    window.ends_at = max(now, window.starts_at)
    session.flush()
    return window


def list_maintenance(session: Session, *, active_at: datetime | None) -> list[MaintenanceWindow]:
    stmt = select(MaintenanceWindow).order_by(MaintenanceWindow.starts_at.desc())
    if active_at is not None:
        stmt = stmt.where(MaintenanceWindow.starts_at <= active_at, MaintenanceWindow.ends_at > active_at)
    return list(session.execute(stmt).scalars())


def point_states(session: Session, *, device: str) -> list[PointState]:
    """The engine's state of every point of a device the caller can see (UITD address or IoT device id)."""
    if device.isdigit() and session.scalars(select(Uitd.id).where(Uitd.address == int(device))).first():
        prefix = device
    elif session.scalars(select(IotDevice.id).where(IotDevice.device_id == device)).first():
        prefix = f"iot:{device}"
    else:
        raise not_found("device", "设备", device)
    stmt = (select(PointState).where((PointState.point_key == prefix)
                                     | PointState.point_key.startswith(prefix + "/", autoescape=True))
            .order_by(PointState.point_key))
    return list(session.execute(stmt).scalars())


def located_units(
    session: Session, *, bbox: tuple[float, float, float, float] | None = None, within: str | None = None,
) -> list[tuple[int, str, str, float | None, float | None, str, str]]:
    """(id, name, region_code, lon, lat, contact_name, contact_phone) of the networked units in scope within
    the WGS84 box or the division ``within``: whom a warning reaches (emergency/warnings)."""
    u = FireUnit
    stmt = select(u.id, u.name, u.region_code, u.lon, u.lat, u.contact_name, u.contact_phone).order_by(u.id)
    if bbox is not None:
        stmt = stmt.where(u.lon.between(bbox[0], bbox[2]), u.lat.between(bbox[1], bbox[3]))
    if within:
        stmt = stmt.where(in_region(u.region_code, within))
    return [(r.id, r.name, r.region_code, r.lon, r.lat, r.contact_name, r.contact_phone) for r in session.execute(stmt)]
