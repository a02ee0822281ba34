"""Console pages of emergency resources and shelters: the team board (status moves), the team form, depots with
their stock and what expires soon, shelters with occupancy bars and arrivals/departures, the shelter form, and
the Excel/CSV import of teams, stock, shelters and community populations. Same services as the API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from citysafe.auth import service as auth_service
from citysafe.auth.deps import DbSession, app_context, commits_on_its_own, unit_of_work_as
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.clock import to_local
from citysafe.core.errors import CitysafeError
from citysafe.core.pagination import PageParams
from citysafe.core.sheets import rows as tabular
from citysafe.emergency.resources import depots, service
from citysafe.emergency.resources import importer as resource_import
from citysafe.emergency.resources.calc.status import MOVES, STATUS_NAMES_ZH, TeamStatus
from citysafe.emergency.resources.schemas import (
    DEPOT_KIND_NAMES_ZH,
    DEPOT_LEVEL_NAMES_ZH,
    SPECIALTY_NAMES_ZH,
    TEAM_KIND_NAMES_ZH,
    DepotFilter,
    DepotIn,
    EquipmentItem,
    StockIn,
    TeamCreate,
    TeamFilter,
)
from citysafe.emergency.resources.views import read_upload
from citysafe.emergency.shelters import importer as shelter_import
from citysafe.emergency.shelters import service as shelters
from citysafe.emergency.shelters.schemas import (
    DURATION_NAMES_ZH,
    FACILITIES_ZH,
    FUNCTION_NAMES_ZH,
    GRADE_NAMES_ZH,
    KIND_NAMES_ZH,
    SPACE_NAMES_ZH,
    EvacuationIn,
    MovementIn,
    ShelterFilter,
    ShelterIn,
)
from citysafe.web.common import page_principal, render
from citysafe.web.forms import back, posted
from citysafe.web.i18n import N_, translator
from citysafe.web.messages import first_field, form_message

router = APIRouter(include_in_schema=False)
IMPORTS: dict[str, tuple[tabular.SheetSpec, Any, str]] = {
    "teams": (resource_import.TEAMS, resource_import.import_teams, "/api/v1/emergency/resources/teams/template.xlsx"),
    "stock": (resource_import.STOCK, resource_import.import_stock, "/api/v1/emergency/resources/stock/template.xlsx"),
    "shelters": (shelter_import.SHELTERS, shelter_import.import_shelters,
                 "/api/v1/emergency/shelters/shelters/template.xlsx"),
    "population": (shelter_import.POPULATION, shelter_import.import_populations,
                   "/api/v1/emergency/shelters/population/template.xlsx"),
}
TEAM_FIELDS = ("name", "kind", "specialty", "region_code", "lon", "lat", "crs", "address", "headcount",
               "contact_name", "contact_phone")
SHELTER_FIELDS = ("name", "grade", "space", "function", "duration", "kind", "region_code", "lon", "lat", "crs",
                  "address", "effective_area_m2", "manager", "phone", "is_open")
LABELS = {"name": N_("名称"), "region_code": N_("行政区划代码"), "location": N_("位置"), "location.lon": N_("经度"),
          "location.lat": N_("纬度"), "effective_area_m2": N_("有效避难面积"), "headcount": N_("人数"),
          "specialty": N_("专业方向"), "file": N_("Excel 文件"), "left": N_("离开人数"),
          "regions": N_("疏散范围"), "max_distance_m": N_("最远距离"),
          "code": N_("物资代码"), "quantity": N_("数量"), "unit": N_("计量单位"), "expires_on": N_("有效期至"),
          "kind": N_("类型"), "level": N_("级别")}


def _reader(request: Request, db: DbSession, permission: str = Permission.READ_EMERGENCY) -> Principal:
    principal = page_principal(request, db)
    auth_service.require(principal, permission)
    return principal


def _page_no(request: Request) -> PageParams:
    page = request.query_params.get("page", "1")
    return PageParams.clamped(int(page) if page.isdigit() else 1, 50)


@router.get("/emergency/resources", response_class=HTMLResponse)
def teams_page(request: Request, db: DbSession) -> Response:
    principal = _reader(request, db)
    q = request.query_params
    kind = q.get("kind") if q.get("kind") in TEAM_KIND_NAMES_ZH else None
    status = q.get("status") if q.get("status") in STATUS_NAMES_ZH else None
    filters = TeamFilter.model_validate({"kind": kind, "status": status, "q": q.get("q") or None})
    params = _page_no(request)
    rows, total = service.list_teams(db, filters=filters, params=params)
    counts = {s: len(service.list_teams(db, filters=TeamFilter(status=s), params=None)[0]) for s in TeamStatus}
    return render(request, "emergency/resources.html", principal, teams=service.team_reads(db, rows), total=total,
                  params=params, pages=params.pages(total), kinds=TEAM_KIND_NAMES_ZH, statuses=STATUS_NAMES_ZH,
                  moves=MOVES, counts=counts, f={"kind": kind or "", "status": status or "", "q": q.get("q", "")},
                  can_write=principal.can(Permission.WRITE_EMERGENCY), ok=q.get("ok", ""), error=q.get("error", ""))


def _team_form(request: Request, principal: Principal, *, team_id: int | None, values: dict[str, str],
               error: str = "", field: str = "", status: int = 200) -> HTMLResponse:
    page = render(request, "emergency/resources_team.html", principal, team_id=team_id, values=values, error=error,
                  field=field, kinds=TEAM_KIND_NAMES_ZH, specialties=SPECIALTY_NAMES_ZH)
    page.status_code = status
    return page


@router.get("/emergency/resources/teams/new", response_class=HTMLResponse)
def new_team(request: Request, db: DbSession) -> Response:
    principal = _reader(request, db, Permission.WRITE_EMERGENCY)
    return _team_form(request, principal, team_id=None, values={"region_code": principal.region_code, "crs": "wgs84"})


@router.get("/emergency/resources/teams/{team_id}", response_class=HTMLResponse)
def edit_team(request: Request, team_id: RowId, db: DbSession) -> Response:
    principal = _reader(request, db, Permission.WRITE_EMERGENCY)
    team = service.get_team(db, team_id=team_id)
    values = {k: str(getattr(team, k, "") or "") for k in TEAM_FIELDS if k != "crs"} | {"crs": "wgs84"}
    return _team_form(request, principal, team_id=team_id, values=values)


@router.post("/emergency/resources/teams/{team_id}", response_model=None)
@router.post("/emergency/resources/teams/new", response_model=None)
async def save_team(request: Request, db: DbSession, team_id: int | None = None) -> Response:
    principal = _reader(request, db, Permission.WRITE_EMERGENCY)
    values = posted(await request.form(), TEAM_FIELDS)
    now = app_context(request).clock.now()
    try:
        data = TeamCreate.model_validate({
            **{k: values[k] for k in ("name", "kind", "specialty", "region_code", "address", "contact_name",
                                      "contact_phone")},
            "headcount": values["headcount"] or 0,
            "location": {"lon": values["lon"], "lat": values["lat"], "crs": values["crs"] or "wgs84"}})
        if team_id is None:
            service.create_team(db, data=data, now=now)
        else:
            team = service.get_team(db, team_id=team_id)
            # the form does not edit the equipment list (the API and the import do): keep it
            data = data.model_copy(update={"equipment": [EquipmentItem(**e) for e in team.equipment]})
            service.update_team(db, team=team, data=data, now=now)
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return _team_form(request, principal, team_id=team_id, values=values, status=422, field=first_field(exc),
                          error=form_message(exc, LABELS, translator(request)))
    return back("/emergency/resources", ok=translator(request).gettext("队伍信息已保存"))


@router.post("/emergency/resources/teams/{team_id}/status", response_model=None)
async def team_status(request: Request, team_id: RowId, db: DbSession) -> Response:
    principal = _reader(request, db, Permission.WRITE_EMERGENCY)
    form = await request.form()
    t = translator(request)
    try:
        incident = str(form.get("incident_id", "")).strip()
        service.set_team_status(db, team_id=team_id, status=TeamStatus(str(form.get("status", ""))),
                                incident_id=int(incident) if incident.isdigit() else None,
                                actor=principal.username, now=app_context(request).clock.now())
    except (CitysafeError, ValueError) as exc:
        db.rollback()
        message = form_message(exc, LABELS, t) if isinstance(exc, CitysafeError) else t.gettext("状态无效")
        return back("/emergency/resources", error=message)
    return back("/emergency/resources", ok=t.gettext("队伍状态已更新"))


@router.get("/emergency/resources/depots", response_class=HTMLResponse)
def depots_page(request: Request, db: DbSession) -> Response:
    principal = _reader(request, db)
    rows, _total = depots.list_depots(db, filters=DepotFilter(), params=PageParams(size=200))
    stock = {d.id: depots.stock_reads(db, depots.stock_of(db, depot_id=d.id)) for d in rows}
    today = to_local(app_context(request).clock.now()).date()
    soon = depots.stock_reads(db, depots.expiring(db, today=today))
    agreements = depots.agreement_reads(db, depots.list_agreements(db, params=PageParams(size=50))[0], today=today)
    return render(request, "emergency/resources_depots.html", principal, depots=depots.depot_reads(db, rows),
                  stock=stock, soon=soon, today=today, agreements=agreements, days=depots.EXPIRING_DAYS,
                  can_write=principal.can(Permission.WRITE_EMERGENCY), kinds=DEPOT_KIND_NAMES_ZH,
                  levels=DEPOT_LEVEL_NAMES_ZH, region=principal.region_code,
                  ok=request.query_params.get("ok", ""), error=request.query_params.get("error", ""))


@router.post("/emergency/resources/depots/new", response_model=None)
async def create_depot(request: Request, db: DbSession) -> Response:
    _reader(request, db, Permission.WRITE_EMERGENCY)
    values = posted(await request.form(), ("name", "kind", "level", "region_code", "lon", "lat", "crs", "address",
                                           "keeper", "phone"))
    t = translator(request)
    try:
        data = DepotIn.model_validate({**{k: values[k] for k in ("name", "kind", "level", "region_code", "address",
                                                                 "keeper", "phone")},
                                       "location": {"lon": values["lon"], "lat": values["lat"],
                                                    "crs": values["crs"] or "wgs84"}})
        depots.save_depot(db, data=data, now=app_context(request).clock.now())
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return back("/emergency/resources/depots", error=form_message(exc, LABELS, t))
    return back("/emergency/resources/depots", ok=t.gettext("储备库已登记"))


@router.post("/emergency/resources/depots/{depot_id}/stock", response_model=None)
async def put_stock(request: Request, depot_id: RowId, db: DbSession) -> Response:
    """One batch's quantity (GB/T 38565 code, name, unit, expiry) set from the depot's row form."""
    _reader(request, db, Permission.WRITE_EMERGENCY)
    values = posted(await request.form(), ("code", "name", "unit", "quantity", "expires_on"))
    t = translator(request)
    try:
        line = StockIn.model_validate({**values, "expires_on": values["expires_on"] or None})
        depots.put_stock(db, depot=depots.get_depot(db, depot_id=depot_id), line=line,
                         now=app_context(request).clock.now())
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return back("/emergency/resources/depots", error=form_message(exc, LABELS, t))
    return back("/emergency/resources/depots", ok=t.gettext("库存已更新"))


@router.get("/emergency/shelters", response_class=HTMLResponse)
def shelters_page(request: Request, db: DbSession) -> Response:
    principal = _reader(request, db)
    rows, _ = shelters.list_shelters(db, filters=ShelterFilter(), params=None)
    q = request.query_params
    plan, plan_error = None, ""
    area = q.get("evacuate", "").strip()
    if area:
        try:
            radius = q.get("max_km", "").strip()
            plan = shelters.evacuation_plan(db, request=EvacuationIn.model_validate({
                "regions": [area], "max_distance_m": float(radius) * 1000 if radius else None}))
        except (CitysafeError, ValidationError) as exc:
            plan_error = form_message(exc, LABELS, translator(request))
        except ValueError:  # the distance box held no number
            plan_error = translator(request).gettext("距离应为数字")
    return render(request, "emergency/shelters.html", principal, shelters=shelters.shelter_reads(db, rows),
                  plan=plan, plan_error=plan_error, evacuate=area, max_km=q.get("max_km", ""),
                  summary=shelters.summary(db), rules=list(shelters.area_rules(db).values()),
                  durations=DURATION_NAMES_ZH, can_write=principal.can(Permission.WRITE_EMERGENCY),
                  ok=q.get("ok", ""), error=q.get("error", ""))


def _shelter_form(request: Request, principal: Principal, *, values: dict[str, str], chosen: list[str],
                  error: str = "", field: str = "", status: int = 200, shelter_id: int | None = None) -> HTMLResponse:
    page = render(request, "emergency/shelters_form.html", principal, values=values, chosen=chosen, error=error,
                  shelter_id=shelter_id,
                  field=field, grades=GRADE_NAMES_ZH, spaces=SPACE_NAMES_ZH, functions=FUNCTION_NAMES_ZH,
                  durations=DURATION_NAMES_ZH, kinds=KIND_NAMES_ZH, facilities=FACILITIES_ZH)
    page.status_code = status
    return page


@router.get("/emergency/shelters/new", response_class=HTMLResponse)
def new_shelter(request: Request, db: DbSession) -> Response:
    principal = _reader(request, db, Permission.WRITE_EMERGENCY)
    return _shelter_form(request, principal, values={"region_code": principal.region_code, "crs": "wgs84"},
                         chosen=[])


@router.get("/emergency/shelters/{shelter_id}", response_class=HTMLResponse)
def edit_shelter(request: Request, shelter_id: RowId, db: DbSession) -> Response:
    principal = _reader(request, db, Permission.WRITE_EMERGENCY)
    shelter = shelters.get_shelter(db, shelter_id=shelter_id)
    values = {k: str(getattr(shelter, k, "") or "") for k in SHELTER_FIELDS if k != "crs"} | {"crs": "wgs84"}
    return _shelter_form(request, principal, values=values, chosen=list(shelter.facilities), shelter_id=shelter_id)


@router.post("/emergency/shelters/{shelter_id}", response_model=None)
@router.post("/emergency/shelters/new", response_model=None)
async def save_shelter(request: Request, db: DbSession, shelter_id: int | None = None) -> Response:
    principal = _reader(request, db, Permission.WRITE_EMERGENCY)
    form = await request.form()
    values = posted(form, SHELTER_FIELDS)
    chosen = [str(v) for v in form.getlist("facilities")]
    try:
        data = ShelterIn.model_validate({
            **{k: values[k] for k in ("name", "grade", "space", "function", "duration", "kind", "region_code",
                                      "address", "manager", "phone")},
            "effective_area_m2": values["effective_area_m2"] or "0", "facilities": chosen,
            "is_open": values["is_open"] in ("1", "True"),
            "location": {"lon": values["lon"], "lat": values["lat"], "crs": values["crs"] or "wgs84"}})
        existing = None if shelter_id is None else shelters.get_shelter(db, shelter_id=shelter_id)
        shelters.save_shelter(db, data=data, now=app_context(request).clock.now(), shelter=existing)
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return _shelter_form(request, principal, values=values, chosen=chosen, status=422, field=first_field(exc),
                             error=form_message(exc, LABELS, translator(request)), shelter_id=shelter_id)
    return back("/emergency/shelters", ok=translator(request).gettext("避难场所已保存"))


@router.post("/emergency/shelters/{shelter_id}/movements", response_model=None)
async def shelter_movement(request: Request, shelter_id: RowId, db: DbSession) -> Response:
    principal = _reader(request, db, Permission.WRITE_EMERGENCY)
    form = posted(await request.form(), ("arrived", "left", "over_capacity"))
    t = translator(request)
    try:
        data = MovementIn.model_validate({"arrived": form["arrived"] or 0, "left": form["left"] or 0,
                                          "over_capacity": bool(form["over_capacity"])})
        shelters.record_movement(db, shelter_id=shelter_id, data=data, actor=principal.username,
                                 now=app_context(request).clock.now())
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return back("/emergency/shelters", error=form_message(exc, LABELS, t))
    return back("/emergency/shelters", ok=t.gettext("安置人数已更新"))


def _import_page(request: Request, principal: Principal, kind: str, *, report: tabular.ImportReport | None = None,
                 error: str = "", status: int = 200) -> HTMLResponse:
    spec, _run, template = IMPORTS[kind]
    page = render(request, "emergency/resources_import.html", principal, kind=kind, spec=spec, template_url=template,
                  report=report, error=error)
    page.status_code = status
    return page


@router.get("/emergency/resources/import/{kind}", response_class=HTMLResponse)
def import_page(request: Request, kind: str, db: DbSession) -> Response:
    principal = _reader(request, db, Permission.WRITE_EMERGENCY)
    if kind not in IMPORTS:
        return _import_page(request, principal, "teams", status=404)
    return _import_page(request, principal, kind)


@router.post("/emergency/resources/import/{kind}", response_class=HTMLResponse)
@commits_on_its_own
def import_upload(request: Request, kind: str, db: DbSession, file: Annotated[UploadFile, File()],
                  dry_run: Annotated[str, Form()] = "") -> Response:
    principal = _reader(request, db, Permission.WRITE_EMERGENCY)
    if kind not in IMPORTS:
        return _import_page(request, principal, "teams", status=404)
    spec, run, _template = IMPORTS[kind]
    ctx = app_context(request)
    try:
        rows = read_upload(ctx, file, spec)
        with unit_of_work_as(ctx, principal) as session:
            report = run(session, rows=rows, file_name=file.filename or "upload.xlsx", dry_run=bool(dry_run),
                         now=ctx.clock.now())
    except CitysafeError as exc:
        return _import_page(request, principal, kind, error=form_message(exc, LABELS, translator(request)),
                            status=exc.status)
    return _import_page(request, principal, kind, report=report)
