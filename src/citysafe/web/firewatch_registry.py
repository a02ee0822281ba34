"""Console pages of the device registry (联网单位登记): networked units and their buildings, user information
transmission devices (UITDs) with their components and the 查岗 / 巡检 buttons, and IoT devices.

Maintenance windows, device claims and the Excel import are in ``web/firewatch_upkeep.py``. Every form calls
the same registry service as the API (``firewatch/registry/views.py``, ``firewatch/gateway/views.py``); a
refused form is shown again with what was typed and the message at its field.
"""

from __future__ import annotations

import asyncio
from types import MappingProxyType
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from citysafe.auth import service as auth_service
from citysafe.auth.deps import Context, DbSession, commits_on_its_own
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.errors import CitysafeError, field_error
from citysafe.core.pagination import PageParams
from citysafe.firewatch.alarms import presence
from citysafe.firewatch.enums import IOT_KIND_NAMES_ZH
from citysafe.firewatch.gateway.views import DutyCheckIn, GatewayUnavailable, downlink_of, sent_or_conflict
from citysafe.firewatch.protocols.gb26875.tables import COMPONENT_TYPES, SYSTEM_TYPES, system_type_name
from citysafe.firewatch.registry import claims
from citysafe.firewatch.registry import service as rs
from citysafe.firewatch.registry.schemas import (
    MAX_ADDRESS,
    BindIn,
    BuildingCreate,
    ComponentCreate,
    IotDeviceCreate,
    UitdCreate,
    UnitCreate,
)
from citysafe.firewatch.service import component_type_name
from citysafe.orgs import service as orgs_service
from citysafe.orgs.schemas import OrganizationFilter
from citysafe.regions import service as regions_service
from citysafe.web.common import page_principal, render
from citysafe.web.firewatch import unit_view
from citysafe.web.forms import back, flash, optional_int, posted, reshown
from citysafe.web.i18n import N_, translator
from citysafe.web.registry_forms import (
    LABELS,
    Refused,
    bind_or_claim,
    list_page,
    refused,
    unit_choices,
)

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20
UNIT_FIELDS = ("organization_id", "contact_name", "contact_phone", "offline_minutes")
BUILDING_FIELDS = ("name", "floors_above", "floors_below")
UITD_FIELDS = ("address", "unit_id", "vendor", "model", "description")
COMPONENT_FIELDS = ("system_type", "system_address", "system_name", "component_type", "loop", "point",
                    "building_id", "floor", "zone", "description")
IOT_FIELDS = ("device_id", "kind", "unit_id", "floor", "zone", "description", "vendor")


def manager(request: Request, db: Session) -> Principal:
    principal = page_principal(request, db)
    auth_service.require(principal, Permission.MANAGE_DEVICES)
    return principal


def uitd_address(text: str, field: str = "address") -> int:
    """A UITD address as typed: decimal, or hexadecimal with 0x (as the device label prints it)."""
    try:
        value = int(text, 16) if text.lower().startswith("0x") else int(text)
    except ValueError as exc:
        raise field_error(field, "not a UITD address", "须为传输装置的 6 字节地址（十进制数字，或以 0x 开头的十六进制）"
                          ) from exc
    if not 0 <= value <= MAX_ADDRESS:
        raise field_error(field, "not a UITD address", f"超出传输装置地址范围（0～{MAX_ADDRESS}）")
    return value


def device_state(device: Any) -> str:
    """在线 / 离线 / 未上线 of a UITD or IoT device, as the lists and the UITD page show it."""
    if device.offline_since is not None:
        return "offline"
    return "online" if device.last_seen_at is not None else "silent"


STATE_NAMES = MappingProxyType({"online": N_("在线"), "offline": N_("离线"), "silent": N_("未上线")})


def _unit_state(db: Session, unit_id: int) -> str:
    uitds, _ = rs.list_uitds(db, registered=None, unit_id=unit_id, params=PageParams(size=100))
    iot, _ = rs.list_iot_devices(db, registered=None, unit_id=unit_id, params=PageParams(size=100))
    states = {device_state(d) for d in [*uitds, *iot]}
    if "offline" in states:
        return "offline"
    return "online" if "online" in states else "silent"


def _units_page(request: Request, db: Session, principal: Principal, *, failed: Refused | None = None) -> Response:
    q, region = request.query_params.get("q", "").strip(), request.query_params.get("region", "").strip()
    online = request.query_params.get("online", "")
    params = list_page(request, PAGE_SIZE)
    units, total = rs.list_units(db, q=q or None, region=region or None, params=params,
                                 online={"1": True, "0": False}.get(online))
    can_manage = principal.can(Permission.MANAGE_DEVICES)
    organisations = []
    if can_manage:  # those not yet networked: an organisation is one unit at most
        networked = {u.organization_id for u in unit_choices(db)}
        organisations = [o for o in orgs_service.list_organizations(db, filters=OrganizationFilter(),
                                                                    params=PageParams(size=500))[0]
                         if o.id not in networked]
    response = render(request, "firewatch/registry_units.html", principal,
                      current_path="/firewatch/registry", units=units, total=total,
                      page=params.page, pages=params.pages(total), q=q, region=region, online=online,
                      states={u.id: _unit_state(db, u.id) for u in units}, state_names=STATE_NAMES,
                      can_manage=can_manage, organisations=organisations, failed=failed,
                      region_choices=regions_service.children(db, code=principal.region_code),
                      **flash(request))
    return reshown(response, failed)


@router.get("/firewatch/registry", response_class=HTMLResponse)
def units_page(request: Request, db: DbSession) -> Response:
    return _units_page(request, db, page_principal(request, db))


@router.post("/firewatch/registry/units")
async def create_unit(request: Request, db: DbSession) -> Response:
    principal = manager(request, db)
    values = posted(await request.form(), UNIT_FIELDS)
    try:
        unit = rs.create_unit(db, unit_in=UnitCreate.model_validate({
            "organization_id": optional_int(values, "organization_id"), "contact_name": values["contact_name"],
            "contact_phone": values["contact_phone"], "offline_minutes": optional_int(values, "offline_minutes")}))
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return _units_page(request, db, principal, failed=refused("unit", values, exc, translator(request)))
    return back(f"/firewatch/units/{unit.id}",
                ok=translator(request).gettext("已将 %(name)s 登记为联网单位；下一步：添加建筑、登记传输装置",
                                               name=unit.name))


@router.post("/firewatch/units/{unit_id}/buildings")
async def add_building(request: Request, unit_id: RowId, db: DbSession) -> Response:
    principal = manager(request, db)
    values = posted(await request.form(), BUILDING_FIELDS)
    try:
        unit = rs.get_unit(db, unit_id=unit_id)
        building = rs.add_building(db, unit=unit, building_in=BuildingCreate.model_validate({
            "name": values["name"], "floors_above": optional_int(values, "floors_above") or 0,
            "floors_below": optional_int(values, "floors_below") or 0}))
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return unit_view(request, db, unit_id, principal, failed=refused("building", values, exc, translator(request)))
    return back(f"/firewatch/units/{unit_id}", ok=translator(request).gettext("已添加建筑 %(name)s",
                                                                              name=building.name))


def _uitd_in(values: dict[str, str]) -> UitdCreate:
    return UitdCreate.model_validate({
        "address": uitd_address(values["address"]), "unit_id": optional_int(values, "unit_id"),
        "vendor": values["vendor"], "model": values["model"], "description": values["description"]})


@router.get("/firewatch/registry/uitds", response_class=HTMLResponse)
def uitds_page(request: Request, db: DbSession) -> Response:
    return _uitds_page(request, db, page_principal(request, db))


def _uitds_page(request: Request, db: Session, principal: Principal, *, failed: Refused | None = None) -> Response:
    registered = {"1": True, "0": False}.get(request.query_params.get("registered", ""))
    unit = request.query_params.get("unit", "")
    params = list_page(request, PAGE_SIZE)
    uitds, total = rs.list_uitds(db, registered=registered, unit_id=int(unit) if unit.isdigit() else None,
                                 params=params)
    units = unit_choices(db)
    response = render(request, "firewatch/registry_uitds.html", principal,
                      current_path="/firewatch/registry/uitds", uitds=uitds, total=total,
                      page=params.page, pages=params.pages(total),
                      registered=request.query_params.get("registered", ""),
                      unit=unit, units=units, unit_names={u.id: u.name for u in units}, state_of=device_state,
                      state_names=STATE_NAMES, can_manage=principal.can(Permission.MANAGE_DEVICES), failed=failed,
                      **flash(request))
    return reshown(response, failed)


@router.post("/firewatch/registry/uitds")
async def register_uitd(request: Request, db: DbSession) -> Response:
    """From the UITD list or a unit's page (``from`` names the page that is shown again on a refusal)."""
    principal = manager(request, db)
    form = await request.form()
    values = posted(form, UITD_FIELDS)
    try:
        uitd = rs.register_uitd(db, uitd_in=_uitd_in(values))
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        failed = refused("uitd", values, exc, translator(request))
        if str(form.get("from", "")) == "unit" and values["unit_id"].isdigit():
            return unit_view(request, db, int(values["unit_id"]), principal, failed=failed)
        return _uitds_page(request, db, principal, failed=failed)
    return back(f"/firewatch/registry/uitds/{uitd.address}",
                ok=translator(request).gettext("已登记传输装置 %(address)s；下一步：登记它所连接的部件",
                                               address=uitd.address))


def _uitd_page(request: Request, db: Session, address: int, principal: Principal, *,
               failed: Refused | None = None) -> Response:
    uitd = rs.get_uitd(db, address=address)
    unit = rs.get_unit(db, unit_id=uitd.unit_id) if uitd.unit_id is not None else None
    components = rs.list_components(db, uitd=uitd)
    buildings = rs.list_buildings(db, unit=unit) if unit is not None else []
    can_operate = principal.can(Permission.OPERATE_ALARMS)
    checks = presence.list_duty_checks(db, address=address, limit=5) if can_operate else []
    systems = {s.id: s for s in rs.list_systems(db, uitd=uitd)}
    response = render(
        request, "firewatch/registry_uitd.html", principal, current_path=f"/firewatch/registry/uitds/{address}",
        uitd=uitd, unit=unit, components=components,
        buildings=buildings, building_names={b.id: b.name for b in buildings}, systems=systems, checks=checks,
        state=device_state(uitd), state_names=STATE_NAMES, units=unit_choices(db), failed=failed,
        component_type_name=component_type_name, system_type_name=system_type_name,
        component_types=COMPONENT_TYPES, system_types=SYSTEM_TYPES,
        can_manage=principal.can(Permission.MANAGE_DEVICES), can_operate=can_operate,
        **flash(request))
    return reshown(response, failed)


@router.get("/firewatch/registry/uitds/{address}", response_class=HTMLResponse)
def uitd_page(request: Request, address: int, db: DbSession) -> Response:
    principal = page_principal(request, db)
    return _uitd_page(request, db, uitd_address(str(address)), principal)


@router.post("/firewatch/registry/uitds/{address}/bind")
async def bind_uitd(request: Request, address: int, db: DbSession) -> Response:
    principal = manager(request, db)
    values = posted(await request.form(), ("unit_id",))
    try:
        unit_id = BindIn.model_validate({"unit_id": optional_int(values, "unit_id")}).unit_id
        count = bind_or_claim(db, principal, kind=claims.UITD, key=str(uitd_address(str(address))), unit_id=unit_id)
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return _uitd_page(request, db, address, principal, failed=refused("bind", values, exc, translator(request)))
    if count is None:
        return back("/firewatch/registry/claims",
                    ok=translator(request).gettext("已提交传输装置 %(address)s 的认领申请，待上级安委办审核",
                                                   address=address))
    attached = translator(request).gettext("，其 %(count)s 条历史告警已归入该单位", count=count) if count else ""
    return back(f"/firewatch/registry/uitds/{address}",
                ok=translator(request).gettext("传输装置已绑定到 %(unit)s%(attached)s",
                                               unit=rs.get_unit(db, unit_id=unit_id).name, attached=attached))


@router.post("/firewatch/registry/uitds/{address}/components")
async def add_component(request: Request, address: int, db: DbSession) -> Response:
    principal = manager(request, db)
    values = posted(await request.form(), COMPONENT_FIELDS)
    try:
        uitd = rs.get_uitd(db, address=address)
        loop, point = optional_int(values, "loop") or 0, optional_int(values, "point")
        if point is None:
            raise field_error("point", "required", "请填写点位号")
        for name, number in (("loop", loop), ("point", point)):
            if not 0 <= number <= 0xFFFF:
                raise field_error(name, "out of range", "须为 0～65535 的整数")
        component = rs.add_component(db, uitd=uitd, component_in=ComponentCreate.model_validate({
            "system_type": optional_int(values, "system_type"),
            "system_address": optional_int(values, "system_address"),
            "system_name": values["system_name"], "component_type": optional_int(values, "component_type"),
            "component_address": loop * 0x10000 + point, "building_id": optional_int(values, "building_id"),
            "floor": values["floor"], "zone": values["zone"], "description": values["description"]}))
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return _uitd_page(request, db, address, principal, failed=refused("component", values, exc,
                                                                          translator(request)))
    return back(f"/firewatch/registry/uitds/{address}",
                ok=translator(request).gettext("已登记部件：%(type)s（%(loop)s 回路 %(point)s 号）",
                                               type=translator(request).name(component_type_name(component.component_type)),
                                               loop=loop, point=point))


def _downlink_refusal(error: CitysafeError) -> str:
    # The API's wording names the command-line option that starts a gateway: for an operator, say what to do.
    if isinstance(error, GatewayUnavailable):
        return N_("报警传输网关不在本服务上运行，无法向装置下发指令，请联系系统管理员")
    return error.detail_zh or error.title_zh


@router.post("/firewatch/registry/uitds/{address}/duty-check")
@commits_on_its_own  # the downlink records and commits the 查岗 before its frame goes out
async def duty_check(request: Request, address: int, db: DbSession, ctx: Context) -> Response:
    path = f"/firewatch/registry/uitds/{address}"
    try:
        auth_service.require(page_principal(request, db), Permission.OPERATE_ALARMS)
        await asyncio.to_thread(rs.get_uitd, db, address=address)
        sent_or_conflict(await downlink_of(ctx).duty_check(address, DutyCheckIn().timeout_minutes), address)
    except CitysafeError as exc:
        return back(path, error=translator(request).gettext("查岗未发出：") + _downlink_refusal(exc))
    return back(path,
                ok=translator(request).gettext("查岗已发出，值班人员须在 10 分钟内应答；应答结果见下方“查岗记录”"))


@router.post("/firewatch/registry/uitds/{address}/patrol")
async def patrol(request: Request, address: int, db: DbSession, ctx: Context) -> Response:
    path = f"/firewatch/registry/uitds/{address}"
    try:
        auth_service.require(page_principal(request, db), Permission.OPERATE_ALARMS)
        await asyncio.to_thread(rs.get_uitd, db, address=address)
        sent_or_conflict(downlink_of(ctx).patrol_now(address), address)
    except CitysafeError as exc:
        return back(path, error=translator(request).gettext("巡检未发出：") + _downlink_refusal(exc))
    return back(path, ok=translator(request).gettext("巡检已发出，装置应答后“最后通信”时间随之更新"))


def _iot_page(request: Request, db: Session, principal: Principal, *, failed: Refused | None = None) -> Response:
    registered = {"1": True, "0": False}.get(request.query_params.get("registered", ""))
    params = list_page(request, PAGE_SIZE)
    devices, total = rs.list_iot_devices(db, registered=registered, unit_id=None, params=params)
    units = unit_choices(db)
    response = render(request, "firewatch/registry_iot.html", principal,
                      current_path="/firewatch/registry/iot", devices=devices, total=total,
                      page=params.page, pages=params.pages(total),
                      registered=request.query_params.get("registered", ""),
                      units=units, unit_names={u.id: u.name for u in units}, state_of=device_state,
                      state_names=STATE_NAMES, kinds={k.value: v for k, v in IOT_KIND_NAMES_ZH.items()},
                      can_manage=principal.can(Permission.MANAGE_DEVICES), failed=failed,
                      **flash(request))
    return reshown(response, failed)


@router.get("/firewatch/registry/iot", response_class=HTMLResponse)
def iot_page(request: Request, db: DbSession) -> Response:
    return _iot_page(request, db, page_principal(request, db))


@router.post("/firewatch/registry/iot")
async def register_iot(request: Request, db: DbSession) -> Response:
    principal = manager(request, db)
    values = posted(await request.form(), IOT_FIELDS)
    try:
        device = rs.register_iot_device(db, device_in=IotDeviceCreate.model_validate({
            **{k: values[k] for k in ("device_id", "floor", "zone", "description", "vendor")},
            "kind": values["kind"], "unit_id": optional_int(values, "unit_id")}))
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return _iot_page(request, db, principal, failed=refused("iot", values, exc, translator(request)))
    return back("/firewatch/registry/iot", ok=translator(request).gettext("已登记物联网设备 %(device)s",
                                                                          device=device.device_id))


@router.post("/firewatch/registry/iot/{device_id}/bind")
async def bind_iot(request: Request, device_id: str, db: DbSession) -> Response:
    principal = manager(request, db)
    values = posted(await request.form(), ("unit_id",))
    try:
        unit_id = BindIn.model_validate({"unit_id": optional_int(values, "unit_id")}).unit_id
        count = bind_or_claim(db, principal, kind=claims.IOT, key=device_id, unit_id=unit_id)
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return _iot_page(request, db, principal, failed=refused(f"bind-{device_id}", values, exc, translator(request)))
    if count is None:
        return back("/firewatch/registry/claims",
                    ok=translator(request).gettext("已提交设备 %(device)s 的认领申请，待上级安委办审核",
                                                   device=device_id))
    attached = translator(request).gettext("，其 %(count)s 条历史告警已归入该单位", count=count) if count else ""
    return back("/firewatch/registry/iot", ok=translator(request).gettext("设备 %(device)s 已绑定%(attached)s",
                                                                          device=device_id, attached=attached))


__all__ = ["LABELS", "device_state", "manager", "router", "uitd_address"]
