"""Registry API: networked units, buildings, UITDs, components, IoT devices, binding, maintenance
windows, and the Excel template and import."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response, UploadFile
from fastapi.responses import JSONResponse

from citysafe.auth.deps import Context, CurrentPrincipal, DbSession, commits_on_its_own, requires, unit_of_work_as
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId, SaneDatetime
from citysafe.core.pagination import Page, PageParams, page_of
from citysafe.core.sheets.reader import sheet_reader
from citysafe.core.uploads import read_capped
from citysafe.firewatch.alarms.schemas import PointStateRead
from citysafe.firewatch.registry import claims, excel
from citysafe.firewatch.registry import service as rs
from citysafe.firewatch.registry.schemas import (
    BindIn,
    BindResult,
    BuildingCreate,
    BuildingRead,
    ClaimDecisionIn,
    ClaimRead,
    ComponentCreate,
    ComponentRead,
    ImportReport,
    IotDeviceCreate,
    IotDeviceRead,
    MaintenanceCreate,
    MaintenanceRead,
    UitdAddress,
    UitdCreate,
    UitdRead,
    UnitCreate,
    UnitRead,
)

router = APIRouter(prefix="/firewatch", tags=["firewatch registry"])
Manager = Annotated[Principal, Depends(requires(Permission.MANAGE_DEVICES))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.post("/units", response_model=UnitRead, status_code=201, operation_id="firewatch_units_create")
def create_unit(unit_in: UnitCreate, db: DbSession, principal: Manager) -> UnitRead:
    return UnitRead.model_validate(rs.create_unit(db, unit_in=unit_in))


@router.get("/units", response_model=Page[UnitRead], operation_id="firewatch_units_list")
def list_units(db: DbSession, principal: CurrentPrincipal, params: Annotated[PageParams, Query()],
               q: str | None = None, region: str | None = None, online: bool | None = None) -> Page[UnitRead]:
    """``online=true``: every device that reported still reports; ``false``: one is offline or none reported."""
    items, total = rs.list_units(db, q=q, region=region, params=params, online=online)
    return page_of((items, total), params, UnitRead.model_validate)


@router.get("/units/{unit_id}", response_model=UnitRead, operation_id="firewatch_units_get")
def get_unit(unit_id: RowId, db: DbSession, principal: CurrentPrincipal) -> UnitRead:
    return UnitRead.model_validate(rs.get_unit(db, unit_id=unit_id))


@router.post("/units/{unit_id}/buildings", response_model=BuildingRead, status_code=201,
             operation_id="firewatch_buildings_create")
def add_building(unit_id: RowId, building_in: BuildingCreate, db: DbSession, principal: Manager) -> BuildingRead:
    unit = rs.get_unit(db, unit_id=unit_id)
    return BuildingRead.model_validate(rs.add_building(db, unit=unit, building_in=building_in))


@router.get("/units/{unit_id}/buildings", response_model=list[BuildingRead],
            operation_id="firewatch_buildings_list")
def list_buildings(unit_id: RowId, db: DbSession, principal: CurrentPrincipal) -> list[BuildingRead]:
    unit = rs.get_unit(db, unit_id=unit_id)
    return [BuildingRead.model_validate(b) for b in rs.list_buildings(db, unit=unit)]


@router.post("/uitds", response_model=UitdRead, status_code=201, operation_id="firewatch_uitds_create")
def register_uitd(uitd_in: UitdCreate, db: DbSession, principal: Manager) -> UitdRead:
    return UitdRead.model_validate(rs.register_uitd(db, uitd_in=uitd_in))


@router.get("/uitds", response_model=Page[UitdRead], operation_id="firewatch_uitds_list")
def list_uitds(db: DbSession, principal: CurrentPrincipal, params: Annotated[PageParams, Query()],
               registered: bool | None = None, unit: RowId | None = None) -> Page[UitdRead]:
    items, total = rs.list_uitds(db, registered=registered, unit_id=unit, params=params)
    return page_of((items, total), params, UitdRead.model_validate)


@router.get("/uitds/{address}", response_model=UitdRead, operation_id="firewatch_uitds_get")
def get_uitd(address: UitdAddress, db: DbSession, principal: CurrentPrincipal) -> UitdRead:
    return UitdRead.model_validate(rs.get_uitd(db, address=address))


BIND_RESPONSES: dict[int | str, dict[str, object]] = {
    202: {"model": ClaimRead, "description": "the device lies outside your scope: a claim for an office above"}}


def _claimed(db: DbSession, *, kind: str, key: str, unit_id: int, principal: Principal) -> JSONResponse:
    claim = claims.request(db, kind=kind, key=key, unit_id=unit_id, principal=principal)
    return JSONResponse(ClaimRead.model_validate(claim).model_dump(mode="json"), status_code=202)


@router.post("/uitds/{address}/bind", response_model=BindResult, operation_id="firewatch_uitds_bind",
             responses=BIND_RESPONSES)
def bind_uitd(address: UitdAddress, body: BindIn, db: DbSession, principal: Manager) -> BindResult | JSONResponse:
    """Bind a UITD in your scope at once; any other address becomes a claim (202) for an office above."""
    if not claims.bind_now(db, kind=claims.UITD, key=str(address)):
        return _claimed(db, kind=claims.UITD, key=str(address), unit_id=body.unit_id, principal=principal)
    uitd, count = rs.bind_uitd(db, address=address, unit_id=body.unit_id)
    return BindResult(device_address=str(uitd.address), unit_id=body.unit_id, alarms_attached=count)


@router.post("/uitds/{address}/components", response_model=ComponentRead, status_code=201,
             operation_id="firewatch_components_create")
def add_component(address: UitdAddress, component_in: ComponentCreate, db: DbSession,
                  principal: Manager) -> ComponentRead:
    uitd = rs.get_uitd(db, address=address)
    return ComponentRead.model_validate(rs.add_component(db, uitd=uitd, component_in=component_in))


@router.get("/uitds/{address}/components", response_model=list[ComponentRead],
            operation_id="firewatch_components_list")
def list_components(address: UitdAddress, db: DbSession, principal: CurrentPrincipal) -> list[ComponentRead]:
    uitd = rs.get_uitd(db, address=address)
    return [ComponentRead.model_validate(c) for c in rs.list_components(db, uitd=uitd)]


@router.post("/iot-devices", response_model=IotDeviceRead, status_code=201, operation_id="firewatch_iot_create")
def register_iot_device(device_in: IotDeviceCreate, db: DbSession, principal: Manager) -> IotDeviceRead:
    return IotDeviceRead.model_validate(rs.register_iot_device(db, device_in=device_in))


@router.get("/iot-devices", response_model=Page[IotDeviceRead], operation_id="firewatch_iot_list")
def list_iot_devices(db: DbSession, principal: CurrentPrincipal, params: Annotated[PageParams, Query()],
                     registered: bool | None = None, unit: RowId | None = None) -> Page[IotDeviceRead]:
    items, total = rs.list_iot_devices(db, registered=registered, unit_id=unit, params=params)
    return page_of((items, total), params, IotDeviceRead.model_validate)


@router.post("/iot-devices/{device_id}/bind", response_model=BindResult, operation_id="firewatch_iot_bind",
             responses=BIND_RESPONSES)
def bind_iot_device(device_id: str, body: BindIn, db: DbSession,
                    principal: Manager) -> BindResult | JSONResponse:
    if not claims.bind_now(db, kind=claims.IOT, key=device_id):
        return _claimed(db, kind=claims.IOT, key=device_id, unit_id=body.unit_id, principal=principal)
    device, count = rs.bind_iot_device(db, device_id=device_id, unit_id=body.unit_id)
    return BindResult(device_address=device.device_id, unit_id=body.unit_id, alarms_attached=count)


@router.get("/claims", response_model=Page[ClaimRead], operation_id="firewatch_claims_list")
def list_claims(db: DbSession, principal: Manager, params: Annotated[PageParams, Query()],
                status: Literal["pending", "approved", "rejected"] | None = None) -> Page[ClaimRead]:
    """Claims for units in your scope (an enterprise: its own)."""
    return page_of(claims.list_claims(db, status=status, params=params), params, ClaimRead.model_validate)


@router.post("/claims/{claim_id}/approve", response_model=ClaimRead, operation_id="firewatch_claims_approve")
def approve_claim(claim_id: RowId, db: DbSession, ctx: Context, principal: Manager,
                  body: ClaimDecisionIn | None = None) -> ClaimRead:
    """An office above the claimant binds the device and its past alarms to the claimed unit."""
    claim = claims.decide(db, claim_id=claim_id, approver=principal, approve=True, now=ctx.clock.now(),
                          reason=(body or ClaimDecisionIn()).reason)
    return ClaimRead.model_validate(claim)


@router.post("/claims/{claim_id}/reject", response_model=ClaimRead, operation_id="firewatch_claims_reject")
def reject_claim(claim_id: RowId, db: DbSession, ctx: Context, principal: Manager,
                 body: ClaimDecisionIn | None = None) -> ClaimRead:
    """The reason tells the claimant what to do next (check the address on the device's label …)."""
    claim = claims.decide(db, claim_id=claim_id, approver=principal, approve=False, now=ctx.clock.now(),
                          reason=(body or ClaimDecisionIn()).reason)
    return ClaimRead.model_validate(claim)


@router.get("/devices/{device}/points", response_model=list[PointStateRead], operation_id="firewatch_points")
def device_points(device: str, db: DbSession, principal: CurrentPrincipal) -> list[PointStateRead]:
    """Current conditions of each point of a device (UITD decimal address or IoT device id)."""
    return [PointStateRead.model_validate(p) for p in rs.point_states(db, device=device)]


@router.post("/maintenance", response_model=MaintenanceRead, status_code=201,
             operation_id="firewatch_maintenance_create")
def create_maintenance(window_in: MaintenanceCreate, db: DbSession, principal: Manager) -> MaintenanceRead:
    return MaintenanceRead.model_validate(rs.create_maintenance(db, window_in=window_in, actor=principal.username))


@router.post("/maintenance/{window_id}/end", response_model=MaintenanceRead,
             operation_id="firewatch_maintenance_end")
def end_maintenance(window_id: RowId, db: DbSession, ctx: Context, principal: Manager) -> MaintenanceRead:
    """End a window early (the work finished): alarms from now on are handled as usual again."""
    return MaintenanceRead.model_validate(rs.end_maintenance(db, window_id=window_id, now=ctx.clock.now()))


@router.get("/maintenance", response_model=list[MaintenanceRead], operation_id="firewatch_maintenance_list")
def list_maintenance(db: DbSession, principal: CurrentPrincipal,
                     active_at: SaneDatetime | None = None) -> list[MaintenanceRead]:
    return [MaintenanceRead.model_validate(w) for w in rs.list_maintenance(db, active_at=active_at)]


@router.get("/registry/template", operation_id="firewatch_registry_template",
            responses={200: {"content": {XLSX: {}}}})
def registry_template(principal: CurrentPrincipal) -> Response:
    return Response(excel.template(), media_type=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="firewatch-registry-template.xlsx"'})


@router.post("/registry/import", response_model=ImportReport, operation_id="firewatch_registry_import")
@commits_on_its_own  # the workbook is parsed first, holding no lock; then applied in a short unit of work
def registry_import(file: UploadFile, ctx: Context, principal: Manager, dry_run: bool = False) -> ImportReport:
    """Rows with problems are listed in the report (nothing applied); a file over the upload limit is a 413,
    one that is not a readable workbook (or too large or malformed to read) a 422 naming ``file``. A plain
    ``def``: the import runs on a worker thread and its workbook in a worker process, off the event loop."""
    data = read_capped(file.file, max_bytes=ctx.settings.upload_max_bytes, field="file")
    parsed = excel.parse_workbook(sheet_reader(ctx), data)
    with unit_of_work_as(ctx, principal) as session:
        return excel.import_workbook(session, parsed=parsed, dry_run=dry_run)
