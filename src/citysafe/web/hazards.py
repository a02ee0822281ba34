"""Console pages of the hazards domain: the ticket list and statistics, a ticket with its timeline and the
actions its viewer may take, the mobile report page, tasks with their checklists, permits (enforcement:
web/enforcement.py; grids: web/grids.py). Every page calls the same services as the API; forms post here and come
back with a message."""

from __future__ import annotations

from datetime import date, datetime
from types import MappingProxyType
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from citysafe.auth.deps import Context, DbSession
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.clock import format_local
from citysafe.core.context import AppContext
from citysafe.core.errors import CitysafeError
from citysafe.core.pagination import PageParams
from citysafe.core.problems import validation_problem
from citysafe.core.uploads import read_capped
from citysafe.emergency import promote
from citysafe.emergency.rules import rules as emergency_rules
from citysafe.hazards import rules
from citysafe.hazards.calc.judging import end_of_local_day
from citysafe.hazards.calc.lifecycle import ACTION_NAMES_ZH, STATE_NAMES_ZH
from citysafe.hazards.calc.permits import PERMIT_STATE_NAMES_ZH
from citysafe.hazards.enums import CATEGORY_NAMES_ZH, LEVEL_NAMES_ZH, PLACE_TYPE_NAMES_ZH, SOURCE_NAMES_ZH
from citysafe.hazards.inspection import checklists
from citysafe.hazards.inspection import service as inspection
from citysafe.hazards.inspection.schemas import TaskResultIn
from citysafe.hazards.permits import service as permits
from citysafe.hazards.tickets import files, queries, reads, stats
from citysafe.hazards.tickets import service as tickets
from citysafe.hazards.tickets.schemas import TicketCreate, TicketFilter, TransitionIn
from citysafe.orgs import service as orgs_service
from citysafe.orgs.schemas import OrganizationFilter
from citysafe.regions import service as regions_service
from citysafe.web.common import TEMPLATES, page_principal, render
from citysafe.web.forms import back
from citysafe.web.i18n import N_, Translator, translator
from citysafe.web.messages import form_message

router = APIRouter(include_in_schema=False)
TEMPLATES.env.globals.update(
    category_names=CATEGORY_NAMES_ZH, level_names=LEVEL_NAMES_ZH, state_names=STATE_NAMES_ZH,
    source_names=SOURCE_NAMES_ZH, action_names=ACTION_NAMES_ZH, place_type_names=PLACE_TYPE_NAMES_ZH,
    permit_state_names=PERMIT_STATE_NAMES_ZH)
PhotoList = Annotated[list[UploadFile] | None, File()]
TABS: list[tuple[str, str, dict[str, Any]]] = [
    ("", N_("全部"), {}), ("reported", N_("待交办"), {"state": ["reported"]}),
    ("rectifying", N_("整改中"), {"state": ["assigned", "rectifying", "returned"]}),
    ("submitted", N_("待复查"), {"state": ["submitted", "reinspected"]}), ("overdue", N_("已逾期"), {"overdue": True}),
    ("escalated", N_("督办"), {"escalated": True}), ("closed", N_("已销号"), {"state": ["closed"]}),
    ("mine", N_("我上报的"), {"mine": True})]
# A grid officer's or enterprise's phone shows the tabs it works by, not the office's queues.
FIELD_TABS = frozenset({"", "rectifying", "overdue", "closed", "mine"})


def _problem(error: CitysafeError | ValidationError) -> CitysafeError:
    if isinstance(error, ValidationError):
        return validation_problem([dict(e) for e in error.errors()])
    return error


# The labels of this domain's forms where they differ from the console's shared ones (web/messages.py).
FIELD_LABELS = MappingProxyType({"level": N_("隐患等级")})


def _message(error: CitysafeError | ValidationError, t: Translator) -> str:
    return form_message(error, FIELD_LABELS, t)


def _store_all(db: DbSession, ctx: AppContext, principal: Principal, uploads: list[UploadFile], *,
               images_only: bool = False) -> list[int]:
    ids = []
    for upload in uploads:
        if not upload.filename:
            continue  # a file input left empty still sends an empty part
        data = read_capped(upload.file, max_bytes=ctx.settings.upload_max_bytes, field="photos")
        stored = files.store(db, data=data, filename=upload.filename, field="photos", root=ctx.settings.data_dir,
                             max_bytes=ctx.settings.upload_max_bytes, region_code=principal.region_code,
                             uploaded_by=principal.user_id, now=ctx.clock.now(), images_only=images_only)
        ids.append(stored.id)
    return ids


def _local_day(value: str, ctx: AppContext) -> datetime | None:
    return end_of_local_day(date.fromisoformat(value), ctx.settings.timezone) if value else None


@router.get("/hazards", response_class=HTMLResponse)
def ticket_list(request: Request, db: DbSession, ctx: Context, tab: str = "", page: int = 1, q: str = "",
                category: str = "", level: str = "", region: str = "", organization_id: str = "") -> Response:
    principal = page_principal(request, db)
    now = ctx.clock.now()
    chosen = next((t for t in TABS if t[0] == tab), TABS[0])
    raw: dict[str, Any] = dict(chosen[2]) | {k: v for k, v in
                                             (("q", q), ("category", category), ("level", level), ("region", region),
                                              ("organization_id", organization_id))
                                             if v}
    try:
        filters = TicketFilter.model_validate(raw)
    except ValidationError as exc:
        filters, error = TicketFilter(), _message(exc, translator(request))
    else:
        error = request.query_params.get("error", "")
    params = PageParams.clamped(page, 20)
    rows, total, estimated, _cursor = queries.page(db, filters=filters, params=params, principal=principal, now=now,
                                                   cache_seconds=ctx.settings.hazard_stats_cache_seconds)
    summary = stats.hazard_stats(db, filters=TicketFilter(), principal=principal, now=now,
                                 scope_region=principal.region_code,
                                 cache_seconds=ctx.settings.hazard_stats_cache_seconds)
    export_query = urlencode({k: v for k, v in filters.model_dump(mode="json").items() if v not in (None, [])},
                             doseq=True)
    return render(request, "hazards/list.html", principal, items=reads.ticket_reads(db, rows, now), total=total,
                  estimated=estimated, page=params.page, pages=params.pages(total), tabs=TABS, field_tabs=FIELD_TABS,
                  tab=chosen[0], q=q, category=category, level=level, region=region, summary=summary,
                  export_url=f"/api/v1/hazards/tickets/export.xlsx?{export_query}", error=error,
                  ok=request.query_params.get("ok", ""), local=format_local,
                  can_report=principal.can(Permission.REPORT_HAZARDS),
                  region_choices=regions_service.children(db, code=principal.region_code))


@router.get("/hazards/tickets/{ticket_id}", response_class=HTMLResponse)
def ticket_page(request: Request, ticket_id: RowId, db: DbSession, ctx: Context) -> Response:
    principal = page_principal(request, db)
    ticket = tickets.get(db, ticket_id=ticket_id)
    detail = reads.ticket_detail(db, ticket=ticket, principal=principal, settings=ctx.settings, now=ctx.clock.now())
    units = orgs_service.list_organizations(db, filters=OrganizationFilter(), params=PageParams(size=200))[0] \
        if any(a.action in ("assign", "reassign") for a in detail.allowed_actions) else []
    return render(request, "hazards/ticket.html", principal, t=detail, local=format_local, units=units,
                  ok=request.query_params.get("ok", ""), error=request.query_params.get("error", ""),
                  criteria=rules.standards(ctx.settings).for_category(detail.category),
                  promote=_promotion(db, ctx, principal, ticket.id, detail.escalation_step))


def _promotion(db: DbSession, ctx: AppContext, principal: Principal, ticket_id: int,
               step: int) -> dict[str, Any] | None:
    """升级为突发事件 on an escalated ticket, for a duty officer: the incident it became, or the kinds to choose."""
    if not principal.can(Permission.WRITE_EMERGENCY) or step < 1:
        return None
    return {"incident": promote.promoted_from(db, ticket_id=ticket_id),
            "categories": list(emergency_rules(ctx.settings).categories.values())}


@router.post("/hazards/tickets/{ticket_id}/act")
def ticket_act(
    request: Request, ticket_id: RowId, db: DbSession, ctx: Context, action: Annotated[str, Form()],
    photos: PhotoList = None, note: Annotated[str, Form()] = "", organization_id: Annotated[str, Form()] = "",
    responsible_name: Annotated[str, Form()] = "", deadline: Annotated[str, Form()] = "",
    level: Annotated[str, Form()] = "", plan_measures: Annotated[str, Form()] = "",
    plan_funds: Annotated[str, Form()] = "", plan_responsible: Annotated[str, Form()] = "",
    plan_deadline: Annotated[str, Form()] = "", plan_safeguards: Annotated[str, Form()] = "",
) -> Response:
    principal = page_principal(request, db)
    path = f"/hazards/tickets/{ticket_id}"
    try:
        ticket = tickets.get(db, ticket_id=ticket_id)
        plan = None
        if plan_measures or plan_responsible:
            plan = {"measures": plan_measures, "funds": plan_funds or "0", "responsible": plan_responsible,
                    "deadline": _local_day(plan_deadline, ctx), "safeguards": plan_safeguards}
        change = TransitionIn.model_validate({
            "action": action, "note": note, "attachment_ids": _store_all(db, ctx, principal, photos or []),
            "organization_id": int(organization_id) if organization_id else None,
            "responsible_name": responsible_name or None, "deadline": _local_day(deadline, ctx),
            "level": level or None, "plan": plan})
        tickets.transition(db, ticket=ticket, change=change, principal=principal, settings=ctx.settings,
                           now=ctx.clock.now())
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return back(path, error=_message(exc, translator(request)))
    t = translator(request)
    return back(path, ok=t.gettext("已%(action)s", action=t.name(ACTION_NAMES_ZH.get(action, action))))


@router.get("/hazards/report", response_class=HTMLResponse)
def report_page(request: Request, db: DbSession, ctx: Context) -> Response:
    return _report_form(request, db, ctx, page_principal(request, db))


def _report_form(request: Request, db: DbSession, ctx: AppContext, principal: Principal, *, error: str = "",
                 field: str = "", values: dict[str, str] | None = None) -> HTMLResponse:
    units = orgs_service.list_organizations(db, filters=OrganizationFilter(), params=PageParams(size=200))[0]
    response = render(request, "hazards/report.html", principal, error=error, field=field, units=units,
                      values=values or {}, categories=translator(request).names(CATEGORY_NAMES_ZH),
                      max_mb=round(ctx.settings.upload_max_bytes / 2**20, 1))
    if error:
        response.status_code = 422
    return response


@router.post("/hazards/report")
def report_submit(
    request: Request, db: DbSession, ctx: Context, category: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "", photos: PhotoList = None, place_name: Annotated[str, Form()] = "",
    address: Annotated[str, Form()] = "", lon: Annotated[str, Form()] = "", lat: Annotated[str, Form()] = "",
    organization_id: Annotated[str, Form()] = "", major: Annotated[str, Form()] = "",
) -> Response:
    principal = page_principal(request, db)
    try:
        location = {"lon": float(lon), "lat": float(lat)} if lon and lat else None
        photo_ids = _store_all(db, ctx, principal, photos or [], images_only=True)
        # A category left on 请选择 is absent, not an unknown one: the form then says 必填项缺失.
        ticket_in = TicketCreate.model_validate(({"category": category} if category else {}) | {
            "description": description, "place_name": place_name, "address": address,
            "location": location, "organization_id": int(organization_id) if organization_id else None,
            "level": "major" if major else None, "attachment_ids": photo_ids})
        ticket = tickets.report(db, ticket_in=ticket_in, principal=principal, settings=ctx.settings,
                                now=ctx.clock.now())
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        problem = _problem(exc)
        # The form comes back filled in (only the photos must be chosen again) with the problem named.
        return _report_form(request, db, ctx, principal, error=_message(exc, translator(request)),
                            field=problem.fields[0].field if problem.fields else "",
                            values={"category": category, "description": description, "place_name": place_name,
                                    "address": address, "organization_id": organization_id})
    return back(f"/hazards/tickets/{ticket.id}", ok=translator(request).gettext("隐患已上报"))


@router.get("/hazards/stats", response_class=HTMLResponse)
def stats_page(request: Request, db: DbSession, ctx: Context, region: str = "") -> Response:
    principal = page_principal(request, db)
    try:
        filters = TicketFilter.model_validate({"region": region} if region else {})
    except ValidationError:
        filters = TicketFilter()
    summary = stats.hazard_stats(db, filters=filters, principal=principal, now=ctx.clock.now(),
                                 scope_region=principal.region_code,
                                 cache_seconds=ctx.settings.hazard_stats_cache_seconds)
    return render(request, "hazards/stats.html", principal, s=summary, local=format_local,
                  export_url="/api/v1/hazards/tickets/export.xlsx" + (f"?region={region}" if region else ""))


@router.get("/hazards/tasks", response_class=HTMLResponse)
def tasks_page(request: Request, db: DbSession, ctx: Context, mine: bool = True) -> Response:
    principal = page_principal(request, db)
    now = ctx.clock.now()
    items, total = inspection.list_tasks(db, params=PageParams(size=100), principal=principal, now=now, mine=mine)
    plans, _ = inspection.list_plans(db, params=PageParams(size=50))
    return render(request, "hazards/tasks.html", principal, tasks=items, total=total, mine=mine, now=now,
                  plans=inspection.plan_reads(db, plans, now), local=format_local)


@router.get("/hazards/tasks/{task_id}", response_class=HTMLResponse)
def task_page(request: Request, task_id: RowId, db: DbSession, error: str = "", ok: str = "") -> Response:
    principal = page_principal(request, db)
    task = inspection.get_task(db, task_id=task_id)
    checklist = checklists.get(db, checklist_id=task.checklist_id)
    return render(request, "hazards/task.html", principal, task=task, checklist=checklist, error=error, ok=ok,
                  local=format_local)


@router.post("/hazards/tasks/{task_id}")
async def task_submit(request: Request, task_id: RowId, db: DbSession, ctx: Context) -> Response:
    principal = page_principal(request, db)
    form = await request.form()
    try:
        task = inspection.get_task(db, task_id=task_id)
        items = []
        for item in checklists.get(db, checklist_id=task.checklist_id).items:
            uploads = [u for u in form.getlist(f"photo_{item.code}") if isinstance(u, UploadFile)]
            items.append({"code": item.code, "result": form.get(f"result_{item.code}", ""),
                          "note": form.get(f"note_{item.code}", ""),
                          "attachment_ids": _store_all(db, ctx, principal, uploads, images_only=True)})
        inspection.complete_task(db, task=task, results_in=TaskResultIn.model_validate({"items": items}),
                                 principal=principal, settings=ctx.settings, now=ctx.clock.now())
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return back(f"/hazards/tasks/{task_id}", error=_message(exc, translator(request)))
    return back(f"/hazards/tasks/{task_id}", ok=translator(request).gettext("检查结果已提交"))


@router.get("/hazards/permits", response_class=HTMLResponse)
def permits_page(request: Request, db: DbSession, ctx: Context, flag: str = "") -> Response:
    principal = page_principal(request, db)
    now = ctx.clock.now()
    chosen = flag if flag in ("expired", "conflict", "gas_retest") else None
    items, total = permits.list_permits(db, params=PageParams(size=100), settings=ctx.settings, now=now, flag=chosen)
    return render(request, "hazards/permits.html", principal, permits=permits.permit_reads(db, items, ctx.settings,
                                                                                           now),
                  total=total, flag=flag, flags=permits.flags_summary(db, settings=ctx.settings, now=now),
                  local=format_local, permission_work_permits=Permission.WORK_PERMITS)


