"""The resource registry API under ``/api/v1/emergency/resources``: teams (and their status), experts, depots and
their stock, agreement reserves, Excel templates and imports. Callers see their own region only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import Response

from citysafe.auth.deps import Context, DbSession, commits_on_its_own, requires, unit_of_work_as
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.clock import to_local
from citysafe.core.context import AppContext
from citysafe.core.pagination import Page, PageParams, page_of, page_of_all
from citysafe.core.sheets import rows as tabular
from citysafe.core.sheets.reader import sheet_reader
from citysafe.core.uploads import read_capped
from citysafe.emergency.resources import depots, importer, service
from citysafe.emergency.resources.calc.status import TeamStatus
from citysafe.emergency.resources.schemas import (
    AgreementIn,
    AgreementRead,
    DepotFilter,
    DepotIn,
    DepotPage,
    DepotRead,
    DepotStock,
    ExpertIn,
    ExpertPage,
    ExpertRead,
    StatusChangeRead,
    StatusIn,
    StockIn,
    StockRead,
    TeamCreate,
    TeamFilter,
    TeamKind,
    TeamPage,
    TeamPoint,
    TeamRead,
    TeamUpdate,
)

router = APIRouter(prefix="/emergency/resources", tags=["emergency resources"])
Reader = Annotated[Principal, Depends(requires(Permission.READ_EMERGENCY))]
Writer = Annotated[Principal, Depends(requires(Permission.WRITE_EMERGENCY))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def read_upload(ctx: AppContext, file: UploadFile, spec: tabular.SheetSpec) -> list[list[object]]:
    """The rows of an uploaded workbook's sheet (the first sheet if it is not named so), or of a CSV file."""
    data = read_capped(file.file, max_bytes=ctx.settings.upload_max_bytes, field="file")
    if (file.filename or "").lower().endswith(".csv"):
        return tabular.csv_rows(data)
    sheets = sheet_reader(ctx).read(data, sheets=[spec.name], first_if_missing=True)
    return next(iter(sheets.values()), [])


def template_response(spec: tabular.SheetSpec) -> Response:
    return Response(tabular.template_bytes(spec), media_type=XLSX,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{spec.kind}-template.xlsx"})


# --- import ---------------------------------------------------------------------------------------------------
# (before the teams' routes: /teams/template.xlsx must not be read as a team id)


def add_import_routes(router: APIRouter, *, prefix: str, spec: tabular.SheetSpec,
                      run: Callable[..., tabular.ImportReport]) -> None:
    """``GET /{kind}/template.xlsx`` and ``POST /{kind}/import`` for one sheet on ``router`` (no path parameter:
    each kind is a route of its own); operation ids ``{prefix}_{kind}_template`` and ``{prefix}_{kind}_import``."""

    def template(principal: Reader) -> Response:
        return template_response(spec)

    @commits_on_its_own  # parsed first, holding no lock; then checked and written in one unit of work
    def import_sheet(ctx: Context, principal: Writer, file: Annotated[UploadFile, File()],
                     dry_run: Annotated[bool, Form()] = True) -> tabular.ImportReport:
        rows = read_upload(ctx, file, spec)
        with unit_of_work_as(ctx, principal) as session:
            report = run(session, rows=rows, file_name=file.filename or "upload.xlsx", dry_run=dry_run,
                         now=ctx.clock.now())
            if report.errors and not dry_run:
                raise tabular.refusal(report)
            return report

    router.add_api_route(f"/{spec.kind}/template.xlsx", template, methods=["GET"],
                         operation_id=f"{prefix}_{spec.kind}_template", summary=f"The import template of {spec.kind}",
                         responses={200: {"content": {XLSX: {}}}})
    router.add_api_route(f"/{spec.kind}/import", import_sheet, methods=["POST"], response_model=tabular.ImportReport,
                         operation_id=f"{prefix}_{spec.kind}_import", summary=f"Import {spec.kind} (Excel or CSV)",
                         description="``dry_run`` (the default) reports row by row; otherwise all rows are written "
                                     "only when every one is good, else 422 naming each row and column, and nothing "
                                     "is written.")


add_import_routes(router, prefix="resources", spec=importer.TEAMS, run=importer.import_teams)
add_import_routes(router, prefix="resources", spec=importer.STOCK, run=importer.import_stock)


# --- teams --------------------------------------------------------------------------------------------------


@router.get("/teams", response_model=TeamPage, operation_id="resources_teams_list")
def list_teams(db: DbSession, principal: Reader, params: Annotated[PageParams, Query()],
               filters: Annotated[TeamFilter, Query()]) -> Page[TeamRead]:
    """Teams of the caller's region by kind, status, name or division."""
    return page_of_all(service.list_teams(db, filters=filters, params=params), params,
                       lambda rows: service.team_reads(db, rows))


@router.get("/teams/available", response_model=list[TeamPoint], operation_id="resources_teams_available")
def available(db: DbSession, principal: Reader, kind: Annotated[list[TeamKind] | None, Query()] = None,
              lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
              lat: Annotated[float | None, Query(ge=-90, le=90)] = None) -> list[TeamPoint]:
    """Teams standing by; with lon/lat (WGS84) nearest first by straight-line distance."""
    near = (lon, lat) if lon is not None and lat is not None else None
    return service.available_teams(db, kinds=[k.value for k in kind] if kind else None, near=near)


@router.post("/teams", response_model=TeamRead, status_code=201, operation_id="resources_teams_create")
def create_team(data: TeamCreate, db: DbSession, ctx: Context, principal: Writer) -> TeamRead:
    return service.team_reads(db, [service.create_team(db, data=data, now=ctx.clock.now())])[0]


@router.get("/teams/{team_id}", response_model=TeamRead, operation_id="resources_teams_get")
def get_team(team_id: RowId, db: DbSession, principal: Reader) -> TeamRead:
    return service.team_reads(db, [service.get_team(db, team_id=team_id)])[0]


@router.put("/teams/{team_id}", response_model=TeamRead, operation_id="resources_teams_update")
def update_team(team_id: RowId, data: TeamUpdate, db: DbSession, ctx: Context, principal: Writer) -> TeamRead:
    team = service.update_team(db, team=service.get_team(db, team_id=team_id), data=data, now=ctx.clock.now())
    return service.team_reads(db, [team])[0]


@router.post("/teams/{team_id}/status", response_model=TeamRead, operation_id="resources_teams_status")
def set_status(team_id: RowId, change: StatusIn, db: DbSession, ctx: Context, principal: Writer) -> TeamRead:
    """Move the team along available → dispatched → on_scene → returning → available (out_of_service from and
    to available); 409 for any other move. Dispatching names the incident."""
    team = service.set_team_status(db, team_id=team_id, status=TeamStatus(change.status), actor=principal.username,
                                   incident_id=change.incident_id, now=ctx.clock.now(), note=change.note)
    return service.team_reads(db, [team])[0]


@router.get("/teams/{team_id}/history", response_model=list[StatusChangeRead], operation_id="resources_teams_history")
def history(team_id: RowId, db: DbSession, principal: Reader) -> list[StatusChangeRead]:
    return [StatusChangeRead.model_validate(c) for c in service.team_history(db, team_id=team_id)]


# --- experts ------------------------------------------------------------------------------------------------


@router.get("/experts", response_model=ExpertPage, operation_id="resources_experts_list")
def list_experts(db: DbSession, principal: Reader, params: Annotated[PageParams, Query()],
                 field: Annotated[str | None, Query(max_length=30)] = None,
                 region: Annotated[str | None, Query(max_length=12)] = None) -> Page[ExpertRead]:
    return page_of(service.list_experts(db, field=field, region=region, params=params), params, service.expert_read)


@router.post("/experts", response_model=ExpertRead, status_code=201, operation_id="resources_experts_create")
def create_expert(data: ExpertIn, db: DbSession, ctx: Context, principal: Writer) -> ExpertRead:
    return service.expert_read(service.create_expert(db, data=data, now=ctx.clock.now()))


# --- depots and stock ---------------------------------------------------------------------------------------


@router.get("/depots", response_model=DepotPage, operation_id="resources_depots_list")
def list_depots(db: DbSession, principal: Reader, params: Annotated[PageParams, Query()],
                filters: Annotated[DepotFilter, Query()]) -> Page[DepotRead]:
    return page_of_all(depots.list_depots(db, filters=filters, params=params), params,
                       lambda rows: depots.depot_reads(db, rows))


@router.post("/depots", response_model=DepotRead, status_code=201, operation_id="resources_depots_create")
def create_depot(data: DepotIn, db: DbSession, ctx: Context, principal: Writer) -> DepotRead:
    return depots.depot_reads(db, [depots.save_depot(db, data=data, now=ctx.clock.now())])[0]


@router.put("/depots/{depot_id}", response_model=DepotRead, operation_id="resources_depots_update")
def update_depot(depot_id: RowId, data: DepotIn, db: DbSession, ctx: Context, principal: Writer) -> DepotRead:
    depot = depots.save_depot(db, data=data, now=ctx.clock.now(), depot=depots.get_depot(db, depot_id=depot_id))
    return depots.depot_reads(db, [depot])[0]


@router.get("/depots/{depot_id}/stock", response_model=list[StockRead], operation_id="resources_depot_stock")
def depot_lines(depot_id: RowId, db: DbSession, principal: Reader) -> list[StockRead]:
    depots.get_depot(db, depot_id=depot_id)
    return depots.stock_reads(db, depots.stock_of(db, depot_id=depot_id))


@router.put("/depots/{depot_id}/stock", response_model=StockRead, operation_id="resources_depot_stock_put")
def put_line(depot_id: RowId, line: StockIn, db: DbSession, ctx: Context, principal: Writer) -> StockRead:
    """Set one batch's quantity (depot, GB/T 38565 code, expiry)."""
    row = depots.put_stock(db, depot=depots.get_depot(db, depot_id=depot_id), line=line, now=ctx.clock.now())
    return depots.stock_reads(db, [row])[0]


@router.get("/stock/expiring", response_model=list[StockRead], operation_id="resources_stock_expiring")
def expiring(db: DbSession, ctx: Context, principal: Reader,
             days: Annotated[int, Query(ge=0, le=3650)] = depots.EXPIRING_DAYS) -> list[StockRead]:
    """Stock expiring within ``days`` (expired first)."""
    today = to_local(ctx.clock.now()).date()
    return depots.stock_reads(db, depots.expiring(db, today=today, days=days))


@router.get("/stock", response_model=list[DepotStock], operation_id="resources_stock_by_code")
def by_code(db: DbSession, ctx: Context, principal: Reader,
            code: Annotated[list[str], Query(min_length=1, max_length=100)]) -> list[DepotStock]:
    """Depots holding the given GB/T 38565 codes (unexpired), with quantities."""
    return depots.depot_stock(db, item_codes=code, today=to_local(ctx.clock.now()).date())


@router.get("/agreements", response_model=Page[AgreementRead], operation_id="resources_agreements_list")
def list_agreements(db: DbSession, ctx: Context, principal: Reader,
                    params: Annotated[PageParams, Query()]) -> Page[AgreementRead]:
    today = to_local(ctx.clock.now()).date()
    return page_of_all(depots.list_agreements(db, params=params), params,
                       lambda rows: depots.agreement_reads(db, rows, today=today))


@router.post("/agreements", response_model=AgreementRead, status_code=201, operation_id="resources_agreements_create")
def create_agreement(data: AgreementIn, db: DbSession, ctx: Context, principal: Writer) -> AgreementRead:
    row = depots.create_agreement(db, data=data, now=ctx.clock.now())
    return depots.agreement_reads(db, [row], today=to_local(ctx.clock.now()).date())[0]
