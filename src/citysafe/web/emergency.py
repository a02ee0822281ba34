"""Console pages of emergency work: the duty desk (today's roster, active incidents, the 接报 form) and an
incident's page (grade and why, response level, the hash-chained timeline, its next step, casualty reports).
They call the same services as the API (emergency/service.py, roster.py, timeline.py)."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from citysafe.auth.deps import Context, DbSession
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.clock import format_local, to_local
from citysafe.core.context import AppContext
from citysafe.core.errors import CitysafeError, Forbidden
from citysafe.core.pagination import PageParams
from citysafe.core.uploads import read_capped
from citysafe.emergency import attachments, promote, reads, roster, service, timeline
from citysafe.emergency.calc.grade import DIMENSION_NAMES_ZH
from citysafe.emergency.calc.lifecycle import ACTION_NAMES_ZH
from citysafe.emergency.ledger import service as ledger
from citysafe.emergency.mutualaid import service as aid_service
from citysafe.emergency.reports import service as reports_service
from citysafe.emergency.reports.schemas import KIND_NAMES_ZH
from citysafe.emergency.rules import rules
from citysafe.emergency.schemas import (
    CasualtiesIn,
    IncidentCreate,
    IncidentFilter,
    PromoteIn,
    RosterIn,
    TransitionIn,
)
from citysafe.emergency.warnings import service as warnings_service
from citysafe.emergency.warnings.schemas import STATE_NAMES_ZH as WARNING_STATE_NAMES_ZH
from citysafe.web import emergency_reports
from citysafe.web.common import page_principal, render
from citysafe.web.emergency_command import room_context
from citysafe.web.emergency_dispatch import dispatch_context
from citysafe.web.emergency_mutualaid import aid_context
from citysafe.web.forms import back, optional_float, optional_moment, posted, run_action
from citysafe.web.i18n import N_, translator
from citysafe.web.messages import first_field, form_message

router = APIRouter(include_in_schema=False)

FIELD_LABELS = MappingProxyType({
    "category": N_("事件类别"), "subtype": N_("事件类型"), "description": N_("事件经过"), "place": N_("事发地点"),
    "title": N_("标题"),
    "caller_name": N_("报告人"), "caller_phone": N_("报告人电话"), "reported_at": N_("接报时间"),
    "occurred_at": N_("发生时间"),
    "deaths": N_("死亡人数"), "missing": N_("下落不明人数"), "serious_injuries": N_("重伤人数"),
    "minor_injuries": N_("轻伤人数"),
    "loss_yuan": N_("直接经济损失（元）"), "response_level": N_("响应级别"), "action": N_("操作"), "lon": N_("经度"),
    "lat": N_("纬度"),
    "region_code": N_("所在区划"),
})
FIGURES = ("deaths", "missing", "serious_injuries", "minor_injuries", "loss_yuan")
CALL_FIELDS = ("category_subtype", "place", "lon", "lat", "caller_name", "caller_phone", "reported_at",
               "occurred_at", "description", *FIGURES)


def _reader(request: Request, db: DbSession) -> Principal:
    principal = page_principal(request, db)
    if not principal.can(Permission.READ_EMERGENCY):
        raise Forbidden(detail="your role takes no part in emergency work", detail_zh="当前角色不参与应急值守")
    return principal


def _writer(principal: Principal) -> Principal:
    if not principal.can(Permission.WRITE_EMERGENCY):
        raise Forbidden(detail="only duty officers take calls and move incidents",
                        detail_zh="只有值班人员可以接报和处置事件")
    return principal


def _desk(request: Request, db: DbSession, ctx: AppContext, principal: Principal, *, error: str = "",
          field: str = "", values: dict[str, str] | None = None) -> HTMLResponse:
    now = ctx.clock.now()
    today = to_local(now).date()
    duty_region, shifts = roster.on_duty(db, region_code=principal.region_code, day=today)
    rows, total = service.list_incidents(db, filters=IncidentFilter(active=True, drill="include"),  # badged 演练
                                         params=PageParams(size=50))
    the_rules = rules(ctx.settings)
    response = render(
        request, "emergency/desk.html", principal, today=today, duty_region=duty_region, shifts=shifts,
        incidents=reads.incident_reads(db, rows, settings=ctx.settings), total=total,
        categories=list(the_rules.categories.values()), can_write=principal.can(Permission.WRITE_EMERGENCY),
        values=values or {"reported_at": format_local(now)[:16].replace(" ", "T")}, error=error, field=field,
        roster_rows=ROSTER_ROWS, **emergency_reports.desk_panel(db, ctx),
        warnings_in_force=warnings_service.active_for_desk(db, now=now),
        aid_awaiting=[aid_service.read(db, a) for a in aid_service.awaiting_answer(db)],
        ok=request.query_params.get("ok", "") if not error else "", local=format_local)
    if error:
        response.status_code = 422
    return response


@router.get("/emergency", response_class=HTMLResponse)
def duty_desk(request: Request, db: DbSession, ctx: Context) -> Response:
    principal = _reader(request, db)
    return _desk(request, db, ctx, principal, error=request.query_params.get("error", ""))


ROSTER_ROWS = 3


@router.post("/emergency/roster")
async def set_roster(request: Request, db: DbSession, ctx: Context) -> Response:
    """Today's roster of the officer's own region: the rows filled in replace what was set before."""
    form = await request.form()
    values = posted(form, [f"{k}_{n}" for n in range(ROSTER_ROWS) for k in ("post", "name", "phone")])
    rows = [{"post": values[f"post_{n}"] or translator(request).gettext("值班员"), "name": values[f"name_{n}"],
             "phone": values[f"phone_{n}"]}
            for n in range(ROSTER_ROWS) if values[f"name_{n}"] or values[f"phone_{n}"]]

    def save() -> str:
        principal = _writer(_reader(request, db))
        roster_in = RosterIn.model_validate({"region_code": principal.region_code,
                                             "day": to_local(ctx.clock.now()).date(), "entries": rows})
        roster.set_day(db, region_code=roster_in.region_code, day=roster_in.day, entries=roster_in.entries)
        return translator(request).gettext("今日值班已更新（%(n)s 人）", n=len(rows))

    return run_action(db, "/emergency", save, labels=FIELD_LABELS | {"entries.name": N_("值班人员姓名"),
                                                                       "entries.phone": N_("值班电话"),
                                                                       "entries.post": N_("岗位")},
                      t=translator(request))


@router.post("/emergency/incidents/from-hazard/{ticket_id}")
async def promote_hazard(request: Request, ticket_id: RowId, db: DbSession, ctx: Context) -> Response:
    """升级为突发事件 from an escalated hazard ticket's page; a refusal goes back to the ticket."""
    principal = _writer(_reader(request, db))
    values = posted(await request.form(), ("category_subtype", "note"))
    t = translator(request)
    category, _, subtype = values["category_subtype"].partition(":")
    try:
        incident = promote.open_from_hazard(
            db, ticket_id=ticket_id, principal=principal, settings=ctx.settings, now=ctx.clock.now(),
            promote_in=PromoteIn.model_validate({"category": category, "subtype": subtype, "note": values["note"]}))
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return back(f"/hazards/tickets/{ticket_id}",
                    error=form_message(exc, FIELD_LABELS | {"ticket_id": N_("隐患"), "note": N_("说明")}, t))
    return back(f"/emergency/incidents/{incident.id}",
                ok=t.gettext("已由隐患升级为突发事件：%(number)s，请核实现场情况", number=incident.number))


@router.post("/emergency/incidents")
async def take_call(request: Request, db: DbSession, ctx: Context) -> Response:
    """接报: the form re-shows what was typed when it is refused, with the field marked."""
    principal = _writer(_reader(request, db))
    values = posted(await request.form(), CALL_FIELDS)
    try:
        category, _, subtype = values["category_subtype"].partition(":")
        lon, lat = optional_float(values, "lon"), optional_float(values, "lat")
        incident_in = IncidentCreate.model_validate({
            "category": category, "subtype": subtype, "place": values["place"],
            "location": {"lon": lon, "lat": lat} if lon is not None and lat is not None else None,
            "caller_name": values["caller_name"], "caller_phone": values["caller_phone"],
            "reported_at": optional_moment(values, "reported_at", ctx.settings.timezone),
            "occurred_at": optional_moment(values, "occurred_at", ctx.settings.timezone),
            "description": values["description"], **{k: values[k] or 0 for k in FIGURES}})
        incident = service.open_incident(db, incident_in=incident_in, principal=principal, settings=ctx.settings,
                                         now=ctx.clock.now())
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return _desk(request, db, ctx, principal, error=form_message(exc, FIELD_LABELS, translator(request)),
                     field=first_field(exc),
                     values=values)
    return back(f"/emergency/incidents/{incident.id}",
                ok=translator(request).gettext("已接报立案：%(number)s，请核实现场情况", number=incident.number))


@router.get("/emergency/incidents/{incident_id}", response_class=HTMLResponse)
def incident_page(request: Request, incident_id: RowId, db: DbSession, ctx: Context) -> Response:
    return _incident(request, db, ctx, _reader(request, db), incident_id, error=request.query_params.get("error", ""))


def _incident(request: Request, db: DbSession, ctx: AppContext, principal: Principal, incident_id: int, *,
              error: str = "", field: str = "", values: dict[str, str] | None = None) -> HTMLResponse:
    """The incident's page; a refused report form is shown again as it was typed, with the field marked (422)."""
    incident = service.get(db, incident_id=incident_id)
    detail = reads.incident_detail(db, incident, settings=ctx.settings)
    verdict = timeline.verify(db, incident=incident)
    altered = attachments.altered(db, incident=incident)
    the_rules = rules(ctx.settings)
    entry = ledger.entry_of(db, incident_id=incident.id)
    response = render(
        request, "emergency/incident.html", principal, i=detail, verdict=verdict, altered=altered, local=format_local,
        ledger_entry_id=entry.id if entry else None,
        can_write=principal.can(Permission.WRITE_EMERGENCY), levels=the_rules.response_levels,
        dimension_names=DIMENSION_NAMES_ZH, window_days=the_rules.windows.days(incident.subtype),
        kind_names=timeline.KIND_NAMES_ZH, ok=request.query_params.get("ok", "") if not error else "", error=error,
        field=field, **emergency_reports.incident_section(db, ctx, incident, values),
        **room_context(db, ctx, principal, incident), **dispatch_context(db, principal, incident),
        incident_warnings=_warnings_of(db, incident.id), **aid_context(db, principal, incident))
    if values is not None:
        response.status_code = 422
    return response


def _warnings_of(db: DbSession, incident_id: int) -> list[dict[str, Any]]:
    """The warnings issued for this incident, for the room's 预警 panel (the timeline says when each was sent)."""
    levels = warnings_service.level_table(db).levels
    return [{"id": w.id, "headline": w.headline, "state_name": WARNING_STATE_NAMES_ZH.get(w.state, w.state),
             "level_name": levels[w.level].name, "colour_zh": levels[w.level].colour_zh,
             "colour_hex": levels[w.level].hex}
            for w in warnings_service.of_incident(db, incident_id=incident_id)]


@router.post("/emergency/incidents/{incident_id}/reports")
async def file_report(request: Request, incident_id: RowId, db: DbSession, ctx: Context) -> Response:
    """信息报告: file a 首报, 续报, 终报 or 补报; its clock stops at the filing time."""
    principal = _writer(_reader(request, db))
    values = posted(await request.form(), emergency_reports.REPORT_FIELDS)
    t = translator(request)
    try:
        report_in = emergency_reports.report_in(values, timezone=ctx.settings.timezone)
        report = reports_service.file_report(db, incident=service.get(db, incident_id=incident_id),
                                             report_in=report_in, principal=principal, settings=ctx.settings,
                                             now=ctx.clock.now())
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return _incident(request, db, ctx, principal, incident_id, field=first_field(exc), values=values,
                         error=form_message(exc, emergency_reports.REPORT_LABELS, t))
    return back(f"/emergency/incidents/{incident_id}",
                ok=t.gettext("已报送%(kind)s（第 %(number)s 期）", kind=t.name(KIND_NAMES_ZH[report.kind]),
                             number=report.number))


@router.post("/emergency/incidents/{incident_id}/act")
async def incident_act(request: Request, incident_id: RowId, db: DbSession, ctx: Context) -> Response:
    path = f"/emergency/incidents/{incident_id}"
    values = posted(await request.form(), ("action", "response_level", "note"))

    def act() -> str:
        principal = _writer(_reader(request, db))
        change = TransitionIn.model_validate({"action": values["action"], "note": values["note"],
                                              "response_level": values["response_level"] or None})
        incident = service.transition(db, incident=service.get(db, incident_id=incident_id), change=change,
                                      principal=principal, settings=ctx.settings, now=ctx.clock.now())
        return translator(request).gettext("已执行：%(action)s，当前状态“%(state)s”",
                                           action=translator(request).name(_action_name(values["action"])),
                                           state=translator(request).name(reads.state_name(incident.state)))

    return run_action(db, path, act, labels=FIELD_LABELS, t=translator(request))


def _action_name(action: str) -> str:
    return ACTION_NAMES_ZH.get(action, N_("操作"))


@router.post("/emergency/incidents/{incident_id}/casualties")
async def incident_casualties(request: Request, incident_id: RowId, db: DbSession, ctx: Context) -> Response:
    path = f"/emergency/incidents/{incident_id}"
    values = posted(await request.form(), (*FIGURES, "note"))

    def report() -> str:
        principal = _writer(_reader(request, db))
        body: dict[str, Any] = {k: values[k] for k in FIGURES if values[k] != ""}
        change = CasualtiesIn.model_validate(body | {"note": values["note"]})
        incident = service.report_casualties(db, incident=service.get(db, incident_id=incident_id), change=change,
                                             principal=principal, settings=ctx.settings, now=ctx.clock.now())
        return translator(request).gettext("已补报伤亡和损失，事故等级：%(grade)s",
                                           grade=translator(request).name(reads.grade_name(ctx.settings,
                                                                                           incident.grade)))

    return run_action(db, path, report, labels=FIELD_LABELS, t=translator(request))


@router.post("/emergency/incidents/{incident_id}/attachments")
async def add_attachment(request: Request, incident_id: RowId, db: DbSession, ctx: Context) -> Response:
    """A scene photo or a document on the timeline (the file's SHA-256 goes into the chained entry)."""
    path = f"/emergency/incidents/{incident_id}"
    form = await request.form()
    upload, note = form.get("file"), str(form.get("note", "")).strip()[:500]
    t = translator(request)

    def attach() -> str:
        principal = _writer(_reader(request, db))
        limit = ctx.settings.upload_max_bytes
        data, filename = b"", ""
        if isinstance(upload, UploadFile):  # a form sent without choosing a file has an empty one, or none
            data, filename = read_capped(upload.file, max_bytes=limit, field="file"), upload.filename or ""
        added = attachments.attach(db, incident=service.get(db, incident_id=incident_id), data=data,
                                   filename=filename, note=note, max_bytes=limit, principal=principal,
                                   now=ctx.clock.now())
        return t.gettext("已上传附件“%(name)s”，已记入时间线", name=added.filename)

    return run_action(db, path, attach, labels=FIELD_LABELS | {"file": N_("附件")}, t=t)
