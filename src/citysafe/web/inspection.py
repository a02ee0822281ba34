"""Console pages of inspection (排查): checklists (a list by place type; a new one or an edit with its items as
rows to add and remove), plans (a list with their progress; a new plan over chosen places or a grid/region, with
its checklist, period and assignees) and a plan with the tasks it generated (done, pending, overdue).

The office (WRITE_HAZARDS) manages them; a grid officer works its tasks on /hazards/tasks (web/hazards.py).
The pages call the same services as the API (hazards/inspection/views.py)."""

from __future__ import annotations

from datetime import date, datetime, time
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from citysafe.auth import service as auth_service
from citysafe.auth.deps import Context, DbSession
from citysafe.auth.enums import Permission, Role
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.clock import format_local
from citysafe.core.context import AppContext
from citysafe.core.errors import CitysafeError, Forbidden, field_error
from citysafe.core.pagination import PageParams
from citysafe.hazards.calc.judging import end_of_local_day
from citysafe.hazards.enums import CATEGORY_NAMES_ZH, PLACE_TYPE_NAMES_ZH, TaskAssignee
from citysafe.hazards.grids import service as grids
from citysafe.hazards.inspection import checklists
from citysafe.hazards.inspection import service as inspection
from citysafe.hazards.inspection.schemas import ChecklistCreate, ChecklistUpdate, PlanCreate
from citysafe.orgs import service as orgs_service
from citysafe.orgs.schemas import OrganizationFilter
from citysafe.regions import service as regions_service
from citysafe.web.common import page_principal, render
from citysafe.web.forms import back, optional_int, posted
from citysafe.web.messages import first_field, form_message

router = APIRouter(include_in_schema=False)

FIELD_LABELS = MappingProxyType({
    "name": "名称", "place_type": "场所类型", "description": "说明", "items": "检查项", "items.code": "检查项编号",
    "items.text": "检查内容", "items.category": "隐患类别", "items.criterion": "重大隐患判定条款",
    "items.basis": "依据", "owner_region_code": "所属区划", "checklist_id": "检查表", "region_code": "排查范围",
    "period_start": "开始日期", "period_end": "截止日期", "assignee_kind": "任务分派方式",
    "assignee_user_id": "检查人员", "department_org_id": "负责部门", "place_ids": "排查对象", "note": "说明"})
ITEM_FIELDS = ("code", "text", "category", "criterion", "basis")
PLAN_FIELDS = ("name", "place_type", "checklist_id", "target", "region_code", "period_start", "period_end",
               "assignee_kind", "assignee_user_id", "department_org_id", "note")
ASSIGNEE_NAMES_ZH = MappingProxyType({TaskAssignee.GRID: "交所在网格的网格员", TaskAssignee.OFFICER: "指定检查人员",
                                      TaskAssignee.DEPARTMENT: "交行业部门"})
TASK_FILTERS = MappingProxyType({"": "全部", "pending": "待检查", "overdue": "已逾期", "done": "已完成"})


def _manager(principal: Principal) -> Principal:
    if not principal.can(Permission.WRITE_HAZARDS):
        raise Forbidden(detail="only the safety office manages inspection plans and checklists",
                        detail_zh="只有安委办（隐患管理部门）可以管理检查表和排查计划；网格员请在“我的任务”中查看任务")
    return principal


def _flash(request: Request) -> dict[str, str]:
    return {"ok": request.query_params.get("ok", ""), "error": request.query_params.get("error", "")}


# --- checklists -------------------------------------------------------------------------------------------


@router.get("/hazards/checklists", response_class=HTMLResponse)
def checklists_page(request: Request, db: DbSession, place_type: str = "", active: str = "") -> Response:
    principal = _manager(page_principal(request, db))
    chosen = place_type if place_type in PLACE_TYPE_NAMES_ZH else None
    found = checklists.list_checklists(db, place_type=chosen, active={"1": True, "0": False}.get(active))
    return render(request, "hazards/checklists.html", principal, checklists=found, place_type=chosen or "",
                  active=active, place_types=PLACE_TYPE_NAMES_ZH, **_flash(request))


def _items(form: FormData) -> list[dict[str, str]]:
    """The item rows as typed, blank rows dropped; a row left without a number is numbered by its position."""
    columns = [[str(v).strip() for v in form.getlist(f"item_{name}")] for name in ITEM_FIELDS]
    rows = [dict(zip(ITEM_FIELDS, values, strict=False)) for values in zip(*columns, strict=False)]
    kept = [row for row in rows if any(row.values())]
    return [row | {"code": row["code"] or str(n)} for n, row in enumerate(kept, start=1)]


def _some_items(rows: list[dict[str, str]]) -> None:
    if not rows:
        raise field_error("items", "a checklist needs at least one item", "请至少填写一项检查内容")


def _blank_rows() -> list[dict[str, str]]:
    """Three empty rows: a new checklist (or one sent back without items) offers them to type into."""
    return [dict.fromkeys(ITEM_FIELDS, "") for _ in range(3)]


def _item_payload(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    return [{**row, "category": row["category"] or None, "criterion": row["criterion"] or None} for row in rows]


def _checklist_form(request: Request, principal: Principal, *, values: dict[str, Any], checklist_id: int | None,
                    error: str = "", field: str = "") -> HTMLResponse:
    response = render(request, "hazards/checklist_form.html", principal, values=values, checklist_id=checklist_id,
                      place_types=PLACE_TYPE_NAMES_ZH, categories=CATEGORY_NAMES_ZH, error=error, field=field,
                      ok=request.query_params.get("ok", ""))
    if error:
        response.status_code = 422
    return response


@router.get("/hazards/checklists/new", response_class=HTMLResponse)
def checklist_new_page(request: Request, db: DbSession) -> Response:
    principal = _manager(page_principal(request, db))
    return _checklist_form(request, principal, values={"items": _blank_rows(), "active": True}, checklist_id=None)


@router.post("/hazards/checklists/new")
async def checklist_new_submit(request: Request, db: DbSession, ctx: Context) -> Response:
    principal = _manager(page_principal(request, db))
    form = await request.form()
    values: dict[str, Any] = posted(form, ("name", "place_type", "description")) | {"items": _items(form)}
    try:
        _some_items(values["items"])
        created = checklists.create(db, checklist_in=ChecklistCreate.model_validate(
            {**values, "items": _item_payload(values["items"])}), principal=principal, settings=ctx.settings)
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        values["items"] = values["items"] or _blank_rows()
        return _checklist_form(request, principal, values=values, checklist_id=None,
                               error=form_message(exc, FIELD_LABELS), field=first_field(exc))
    return back(f"/hazards/checklists/{created.id}",
                ok=f"检查表“{created.name}”已建立（{len(created.items)} 项），下一步：用它制定排查计划")


@router.get("/hazards/checklists/{checklist_id}", response_class=HTMLResponse)
def checklist_page(request: Request, checklist_id: RowId, db: DbSession) -> Response:
    principal = _manager(page_principal(request, db))
    found = checklists.get(db, checklist_id=checklist_id)
    values = {"name": found.name, "place_type": found.place_type, "description": found.description,
              "active": found.active, "version": found.version, "owner": found.owner_region_code,
              "items": [{name: getattr(item, name) or "" for name in ITEM_FIELDS} for item in found.items]}
    return _checklist_form(request, principal, values=values, checklist_id=checklist_id,
                           error=request.query_params.get("error", ""))


@router.post("/hazards/checklists/{checklist_id}")
async def checklist_update(request: Request, checklist_id: RowId, db: DbSession, ctx: Context) -> Response:
    principal = _manager(page_principal(request, db))
    form = await request.form()
    values: dict[str, Any] = posted(form, ("name", "description")) | {"items": _items(form),
                                                                     "active": form.get("active") == "1"}
    try:
        _some_items(values["items"])
        found = checklists.get(db, checklist_id=checklist_id)
        values |= {"place_type": found.place_type, "version": found.version, "owner": found.owner_region_code}
        changes = ChecklistUpdate.model_validate({**values, "items": _item_payload(values["items"])})
        checklists.update(db, checklist=found, checklist_in=changes, principal=principal, settings=ctx.settings)
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        values["items"] = values["items"] or _blank_rows()
        return _checklist_form(request, principal, values=values, checklist_id=checklist_id,
                               error=form_message(exc, FIELD_LABELS), field=first_field(exc))
    return back(f"/hazards/checklists/{checklist_id}", ok=f"检查表已保存（第 {found.version} 版）")


# --- plans ------------------------------------------------------------------------------------------------


@router.get("/hazards/plans", response_class=HTMLResponse)
def plans_page(request: Request, db: DbSession, ctx: Context, page: int = 1) -> Response:
    principal = _manager(page_principal(request, db))
    params = PageParams.clamped(page, 20)
    rows, total = inspection.list_plans(db, params=params)
    return render(request, "hazards/plans.html", principal, plans=inspection.plan_reads(db, rows, ctx.clock.now()),
                  total=total, page=params.page, pages=params.pages(total), local=format_local, **_flash(request))


def _plan_choices(db: Session, principal: Principal) -> dict[str, Any]:
    """What the plan form offers: checklists, places, grids and streets, officers and departments in scope."""
    users = auth_service.list_users(db, params=PageParams(size=500))[0]
    return {
        "checklists": checklists.list_checklists(db, active=True),
        "places": grids.list_places(db, params=PageParams(size=500))[0],
        "areas": [*regions_service.children(db, code=principal.region_code),
                  *grids.list_grids(db, within=principal.region_code)],
        "inspectors": [u for u in users if u.active and u.role in (Role.GRID_OFFICER, Role.DISTRICT_OFFICE,
                                                                     Role.DEPARTMENT)],
        "departments": orgs_service.list_organizations(db, filters=OrganizationFilter(kind="agency"),
                                                       params=PageParams(size=200))[0],
        "place_types": PLACE_TYPE_NAMES_ZH, "assignee_kinds": ASSIGNEE_NAMES_ZH}


def _plan_form(request: Request, db: Session, principal: Principal, *, values: dict[str, Any], error: str = "",
               field: str = "") -> HTMLResponse:
    response = render(request, "hazards/plan_new.html", principal, values=values, error=error, field=field,
                      **_plan_choices(db, principal))
    if error:
        response.status_code = 422
    return response


@router.get("/hazards/plans/new", response_class=HTMLResponse)
def plan_new_page(request: Request, db: DbSession, checklist: int | None = None) -> Response:
    principal = _manager(page_principal(request, db))
    values: dict[str, Any] = {"target": "places", "assignee_kind": "grid", "place_ids": []}
    if checklist is not None:
        chosen = checklists.get(db, checklist_id=checklist)
        values |= {"checklist_id": str(chosen.id), "place_type": chosen.place_type}
    return _plan_form(request, db, principal, values=values)


def _day(value: str, field: str, ctx: AppContext, *, end: bool) -> datetime | str:
    """A date input is a day in the city's zone: a plan starts at its first moment and is due at its last."""
    if not value:
        return value
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise field_error(field, "not a date", "日期格式不正确") from exc
    if end:
        return end_of_local_day(day, ctx.settings.timezone)
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(ctx.settings.timezone))


@router.post("/hazards/plans/new")
async def plan_new_submit(request: Request, db: DbSession, ctx: Context) -> Response:
    principal = _manager(page_principal(request, db))
    form = await request.form()
    values: dict[str, Any] = posted(form, PLAN_FIELDS) | {"place_ids": [str(v) for v in form.getlist("place_ids")]}
    try:
        by_places, kind = values["target"] != "region", values["assignee_kind"]
        if by_places and not values["place_ids"]:
            raise field_error("place_ids", "choose places", "请勾选至少一个排查对象，或改为按网格/区域排查")
        plan_in = PlanCreate.model_validate({
            "name": values["name"], "place_type": values["place_type"],
            "checklist_id": optional_int(values, "checklist_id"),
            "region_code": None if by_places else values["region_code"] or None,
            "period_start": _day(values["period_start"], "period_start", ctx, end=False),
            "period_end": _day(values["period_end"], "period_end", ctx, end=True),
            "assignee_kind": values["assignee_kind"],
            # Only the chooser of the kind picked counts: a person left chosen in a hidden one is no assignee.
            "assignee_user_id": optional_int(values, "assignee_user_id") if kind == "officer" else None,
            "department_org_id": optional_int(values, "department_org_id") if kind == "department" else None,
            "place_ids": [int(v) for v in values["place_ids"]] if by_places else None, "note": values["note"]})
        plan = inspection.create_plan(db, plan_in=plan_in, principal=principal)
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return _plan_form(request, db, principal, values=values, error=form_message(exc, FIELD_LABELS),
                          field=first_field(exc))
    count = inspection.progress(db, plan_ids=[plan.id], now=ctx.clock.now())[plan.id].total
    return back(f"/hazards/plans/{plan.id}", ok=f"排查计划“{plan.name}”已下达，生成 {count} 项任务")


def _assignee(db: Session, plan: Any) -> str:
    if plan.assignee_user_id is not None:
        user = auth_service.get_user(db, user_id=plan.assignee_user_id)
        return user.display_name or user.username
    if plan.department_org_id is not None:
        return str(orgs_service.get(db, org_id=plan.department_org_id).name)
    return ASSIGNEE_NAMES_ZH.get(plan.assignee_kind, "")


@router.get("/hazards/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(request: Request, plan_id: RowId, db: DbSession, ctx: Context, show: str = "",
              page: int = 1) -> Response:
    principal = _manager(page_principal(request, db))
    now = ctx.clock.now()
    stored = inspection.get_plan(db, plan_id=plan_id)
    plan = inspection.plan_reads(db, [stored], now)[0]
    shown = show if show in TASK_FILTERS else ""
    params = PageParams.clamped(page, 50)
    tasks, total = inspection.list_tasks(
        db, params=params, principal=principal, now=now, plan_id=plan_id,
        state={"pending": "pending", "done": "done"}.get(shown), overdue=True if shown == "overdue" else None)
    officers: dict[str, list[str]] = {}
    for officer in grids.officers(db, codes=sorted({t.grid_code for t in tasks if t.grid_code})):
        officers.setdefault(officer.region_code, []).append(officer.name)
    return render(request, "hazards/plan.html", principal, plan=plan, checklist=checklists.get(
        db, checklist_id=stored.checklist_id), assignee=_assignee(db, stored), assignee_kinds=ASSIGNEE_NAMES_ZH,
        tasks=tasks, total=total, page=params.page, pages=params.pages(total), show=shown, filters=TASK_FILTERS,
        officers=officers, now=now, local=format_local, **_flash(request))
