"""Console pages that keep the device registry right: maintenance windows (维保屏蔽时段: list, open, end early),
device claims an office above decides (认领审核: approve or reject with a reason), and the registry's Excel
import (download the template, upload, read the row-by-row report). They call the same services as the API
(``firewatch/registry/views.py``)."""

from __future__ import annotations

from datetime import datetime
from types import MappingProxyType
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from citysafe.auth import service as auth_service
from citysafe.auth.deps import Context, DbSession, app_context, commits_on_its_own, unit_of_work_as
from citysafe.auth.enums import OFFICE_ROLES, Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.clock import format_local
from citysafe.core.context import AppContext
from citysafe.core.errors import CitysafeError, field_error
from citysafe.core.sheets.reader import sheet_reader
from citysafe.core.uploads import read_capped
from citysafe.firewatch.registry import claims, excel
from citysafe.firewatch.registry import service as rs
from citysafe.firewatch.registry.models import MaintenanceWindow
from citysafe.firewatch.registry.schemas import BindIn, ClaimDecisionIn, ImportReport, MaintenanceCreate
from citysafe.web.common import page_principal, render
from citysafe.web.firewatch_registry import manager, uitd_address
from citysafe.web.forms import back, flash, optional_int, posted, reshown, run_action
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
WINDOW_FIELDS = ("target", "unit_id", "device_address", "starts_at", "ends_at", "reason")
MAINTENANCE = "/firewatch/registry/maintenance"
CLAIMS = "/firewatch/registry/claims"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CLAIM_STATES = MappingProxyType({"pending": N_("待审核"), "approved": N_("已同意"), "rejected": N_("已驳回")})
SHEET_NAMES = MappingProxyType({key: title for key, (title, _columns) in excel.SHEETS.items()})


def _local(value: str, field: str, ctx: AppContext) -> datetime:
    """A datetime-local input: wall time in the city's zone."""
    if not value:
        raise field_error(field, "required", "请填写日期时间")
    try:
        return datetime.fromisoformat(value).replace(tzinfo=ZoneInfo(ctx.settings.timezone))
    except ValueError as exc:
        raise field_error(field, "not a date and time", "日期时间格式不正确") from exc


def _people(db: Session, usernames: list[str]) -> dict[str, str]:
    """Who did it, by name: a record keeps the username, a page shows the person."""
    users = auth_service.users_by_username(db, usernames=[u for u in usernames if u])
    return {name: user.display_name or name for name, user in users.items()}


def window_state(window: MaintenanceWindow, now: datetime) -> str:
    if window.ends_at <= now:
        return "ended"
    return "active" if window.starts_at <= now else "planned"


def _maintenance_page(request: Request, db: Session, ctx: AppContext, principal: Principal, *,
                      failed: Refused | None = None) -> Response:
    now = ctx.clock.now()
    windows = rs.list_maintenance(db, active_at=None)
    units = unit_choices(db)
    values = dict(failed.values) if failed else {
        "target": "device" if request.query_params.get("device") else "unit",
        "unit_id": request.query_params.get("unit", ""), "device_address": request.query_params.get("device", ""),
        "starts_at": format_local(now)[:16].replace(" ", "T"), "ends_at": "", "reason": ""}
    response = render(request, "firewatch/registry_maintenance.html", principal,
                      current_path=MAINTENANCE, windows=windows, now=now,
                      state_of=window_state, people=_people(db, [w.created_by for w in windows]),
                      units=units, unit_names={u.id: u.name for u in units}, values=values,
                      failed=failed, can_manage=principal.can(Permission.MANAGE_DEVICES),
                      **flash(request))
    return reshown(response, failed)


@router.get(MAINTENANCE, response_class=HTMLResponse)
def maintenance_page(request: Request, db: DbSession, ctx: Context) -> Response:
    return _maintenance_page(request, db, ctx, page_principal(request, db))


@router.post(MAINTENANCE)
async def open_window(request: Request, db: DbSession, ctx: Context) -> Response:
    principal = manager(request, db)
    values = posted(await request.form(), WINDOW_FIELDS)
    try:
        on_unit = values["target"] != "device"
        if on_unit and not values["unit_id"]:
            raise field_error("unit_id", "required", "请选择联网单位")
        if not on_unit and not values["device_address"]:
            raise field_error("device_address", "required", "请填写传输装置地址或物联网设备编号")
        starts, ends = _local(values["starts_at"], "starts_at", ctx), _local(values["ends_at"], "ends_at", ctx)
        if ends <= starts:
            raise field_error("ends_at", "ends before it starts", "结束时间须晚于开始时间")
        window = rs.create_maintenance(db, actor=principal.username, window_in=MaintenanceCreate.model_validate({
            "unit_id": optional_int(values, "unit_id") if on_unit else None,
            "device_address": None if on_unit else values["device_address"],
            "starts_at": starts, "ends_at": ends, "reason": values["reason"]}))
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return _maintenance_page(request, db, ctx, principal, failed=refused("window", values, exc,
                                                                             translator(request)))
    said = translator(request).gettext("已设置维保屏蔽时段：%(start)s 至 %(end)s，期间告警标记为维保、不催办、不升级",
                                       start=format_local(window.starts_at)[:16], end=format_local(window.ends_at)[:16])
    return back(MAINTENANCE, ok=said)


@router.post(MAINTENANCE + "/{window_id}/end")
def end_window(request: Request, window_id: RowId, db: DbSession, ctx: Context) -> Response:
    def act() -> str:
        manager(request, db)
        rs.end_maintenance(db, window_id=window_id, now=ctx.clock.now())
        return translator(request).gettext("维保时段已提前结束，此后的告警照常处置")
    return run_action(db, MAINTENANCE, act, labels=LABELS, t=translator(request))


@router.get(CLAIMS, response_class=HTMLResponse)
def claims_page(request: Request, db: DbSession) -> Response:
    return _claims_page(request, db, manager(request, db))


def _claims_page(request: Request, db: Session, principal: Principal, *, failed: Refused | None = None) -> Response:
    status = request.query_params.get("status", "pending")
    status = status if status in CLAIM_STATES or status == "all" else "pending"
    params = list_page(request)
    rows, total = claims.list_claims(db, status=None if status == "all" else status, params=params)
    units = unit_choices(db)
    response = render(request, "firewatch/registry_claims.html", principal,
                      current_path=CLAIMS, claims=rows, total=total,
                      status=status, states=CLAIM_STATES, units=units, unit_names={u.id: u.name for u in units},
                      page=params.page, pages=params.pages(total), failed=failed,
                      people=_people(db, [n for c in rows for n in (c.requested_by, c.decided_by)]),
                      can_decide=principal.role in OFFICE_ROLES,
                      **flash(request))
    return reshown(response, failed)


@router.post(CLAIMS)
async def claim_device(request: Request, db: DbSession) -> Response:
    """Bind a device by its address or id as the API's bind does: at once when it lies in the caller's scope,
    else as a claim an office above decides (a unit's own staff never see a device the gateway parked)."""
    principal = manager(request, db)
    values = posted(await request.form(), ("kind", "key", "unit_id"))
    try:
        kind = claims.IOT if values["kind"] == claims.IOT else claims.UITD
        key = str(uitd_address(values["key"], "key")) if kind == claims.UITD else values["key"]
        if not key:
            raise field_error("key", "required", "请填写物联网设备编号")
        unit_id = BindIn.model_validate({"unit_id": optional_int(values, "unit_id")}).unit_id
        if bind_or_claim(db, principal, kind=kind, key=key, unit_id=unit_id) is not None:
            return back(f"/firewatch/registry/uitds/{key}" if kind == claims.UITD else "/firewatch/registry/iot",
                        ok=translator(request).gettext("该设备在本级范围内，已直接绑定"))
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return _claims_page(request, db, principal, failed=refused("claim", values, exc, translator(request)))
    return back(CLAIMS, ok=translator(request).gettext("已提交 %(key)s 的认领申请，待上级安委办审核；审核结果见下表",
                                                       key=key))


@router.post(CLAIMS + "/{claim_id}/{decision}")
def decide_claim(request: Request, claim_id: RowId, decision: str, db: DbSession, ctx: Context,
                 reason: Annotated[str, Form()] = "") -> Response:
    def act() -> str:
        principal = manager(request, db)
        if decision == "reject" and not reason.strip():
            raise field_error("reason", "required", "驳回须写明理由，申请人据此处理")
        claim = claims.decide(db, claim_id=claim_id, approver=principal, approve=decision == "approve",
                              now=ctx.clock.now(), reason=ClaimDecisionIn(reason=reason.strip()).reason)
        if claim.status == "approved":
            attached = translator(request).gettext("，%(count)s 条历史告警随之归入",
                                                   count=claim.alarms_attached) if claim.alarms_attached else ""
            return translator(request).gettext("已同意认领，设备已绑定%(attached)s", attached=attached)
        return translator(request).gettext("已驳回认领申请")
    return run_action(db, CLAIMS, act, labels={**LABELS, "reason": translator(request).gettext("理由")},
                      t=translator(request))


@router.get("/firewatch/registry/import", response_class=HTMLResponse)
def import_page(request: Request, db: DbSession) -> Response:
    principal = manager(request, db)
    return render(request, "firewatch/registry_import.html", principal, report=None, error="", sheets=SHEET_NAMES)


@router.get("/firewatch/registry/import/template")
def import_template(request: Request, db: DbSession) -> Response:
    page_principal(request, db)
    return Response(excel.template(), media_type=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="firewatch-registry-template.xlsx"'})


@router.post("/firewatch/registry/import", response_class=HTMLResponse)
@commits_on_its_own  # parsed first, holding no lock, then applied in a short unit of work, as the API's import
def import_upload(request: Request, db: DbSession, file: Annotated[UploadFile, File()],
                  dry_run: Annotated[str, Form()] = "") -> Response:
    principal = page_principal(request, db)
    ctx = app_context(request)
    report: ImportReport | None = None
    try:
        auth_service.require(principal, Permission.MANAGE_DEVICES)
        data = read_capped(file.file, max_bytes=ctx.settings.upload_max_bytes, field="file")
        parsed = excel.parse_workbook(sheet_reader(ctx), data)
        with unit_of_work_as(ctx, principal) as session:
            report = excel.import_workbook(session, parsed=parsed, dry_run=bool(dry_run))
    except CitysafeError as exc:
        page = render(request, "firewatch/registry_import.html", principal, report=None, sheets=SHEET_NAMES,
                      error=refused("import", {}, exc, translator(request)).message)
        page.status_code = exc.status
        return page
    return render(request, "firewatch/registry_import.html", principal, report=report, error="",
                  sheets=SHEET_NAMES, filename=file.filename or "")
