"""Console pages of emergency plans and drills: the plan library with its filters, a plan with its command,
response levels and tasks, and the drill calendar with the duties that are overdue. The pages call the same
services as the API (emergency/plans, emergency/drills)."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from citysafe.auth.deps import Context, DbSession
from citysafe.auth.enums import Permission, Role
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.clock import to_local
from citysafe.core.errors import CitysafeError, Forbidden
from citysafe.core.pagination import PageParams
from citysafe.emergency.drills import service as drills
from citysafe.emergency.drills.schemas import DrillLiveIn, DrillRead, DrillRecordIn
from citysafe.emergency.plans import service as plans
from citysafe.emergency.plans.calc.matching import RESPONSE_LEVEL_NAMES_ZH
from citysafe.emergency.plans.schemas import (
    CATEGORY_NAMES_ZH,
    GRADE_NAMES_ZH,
    PLAN_KIND_NAMES_ZH,
    PlanCreate,
    PlanKind,
)
from citysafe.web.common import page_principal, render
from citysafe.web.forms import back, posted, run_action
from citysafe.web.i18n import N_, translator
from citysafe.web.messages import first_field, form_message

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
TASK_ROWS = 4  # blank task rows on the new-plan form; more tasks and levels come with a new version
FIELD_LABELS = {
    "kind": N_("预案类型"), "title": N_("预案名称"), "unit_name": N_("编制单位"), "organization_id": N_("所属单位"),
    "region_code": N_("行政区划"), "commander": N_("总指挥"), "deputies": N_("副总指挥"), "groups": N_("工作组"),
    "name": N_("工作组名称"),
    "duties": N_("职责"), "categories": N_("事件类别"), "sub_types": N_("事件子类"), "grades": N_("事件等级"),
    "level": N_("响应级别"),
    "conditions": N_("启动条件"), "tasks": N_("响应任务"), "group": N_("任务所属工作组"), "owner_role": N_("责任岗位"),
    "deadline_minutes": N_("完成时限（分钟）"), "content": N_("预案内容"),
}
DRILL_LABELS = {"state": N_("演练状态"), "held_on": N_("实施日期"), "participants": N_("参演人数"),
                "summary": N_("演练总结"), "category": N_("事件类别"), "subtype": N_("事件类型"),
                "description": N_("演练情景"), "place": N_("演练地点")}
FORM_FIELDS = ("kind", "title", "unit_name", "commander", "deputies", "groups", "category", "level",
               "conditions", *(f"task_{part}_{i}" for i in range(TASK_ROWS)
                                for part in ("title", "group", "role", "minutes")))


def _choice(value: str | None, allowed: dict[str, str]) -> str | None:
    """A filter typed into the address bar that names nothing is ignored, as the page's own select would."""
    return value if value in allowed else None


@router.get("/emergency/plans", response_class=HTMLResponse)
def plan_library(request: Request, db: DbSession, category: str | None = None, kind: str | None = None,
                 q: Annotated[str, Query(max_length=100)] = "",
                 unit: Annotated[str, Query(max_length=100)] = "", page: int = 1) -> Response:
    principal = page_principal(request, db)
    params = PageParams.clamped(page, PAGE_SIZE)
    chosen_kind = _choice(kind, PLAN_KIND_NAMES_ZH)
    rows, total = plans.list_plans(db, params=params, category=_choice(category, CATEGORY_NAMES_ZH),
                                   kind=PlanKind(chosen_kind) if chosen_kind else None, unit=unit or None,
                                   q=q or None)
    return render(request, "emergency_plans/library.html", principal, plans=plans.plan_reads(db, rows), total=total,
                  can_write=principal.can(Permission.EMERGENCY_PLANS),
                  category=category or "", kind=kind or "", q=q, unit=unit, categories=CATEGORY_NAMES_ZH,
                  kinds=PLAN_KIND_NAMES_ZH)


@router.get("/emergency/drills", response_class=HTMLResponse)
def drill_calendar(request: Request, db: DbSession, ctx: Context) -> Response:
    principal = page_principal(request, db)
    today = to_local(ctx.clock.now()).date()
    rows = drills.drill_reads(db, drills.list_drills(db, params=PageParams(size=200))[0])
    months: dict[str, list[DrillRead]] = defaultdict(list)
    for drill in rows:
        day = drill.held_on or drill.scheduled_on
        months[translator(request).month(day)].append(drill)
    return render(request, "emergency_plans/drills.html", principal, months=dict(months), today=today,
                  overdue=drills.overdue(db, today=today))


def _writer(principal: Principal) -> Principal:
    if not principal.can(Permission.EMERGENCY_PLANS):
        raise Forbidden(detail="only plan writers add plans", detail_zh="您的角色不能编制应急预案")
    return principal


def _kinds_for(principal: Principal) -> dict[str, str]:
    enterprise = principal.role == Role.ENTERPRISE
    return {k: name for k, name in PLAN_KIND_NAMES_ZH.items() if k.startswith("ent_") == enterprise}


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("，", "、").replace(",", "、").split("、") if part.strip()]


def _plan_in(values: dict[str, str], grades: list[str]) -> PlanCreate:
    """The form's fields as the API's plan: one trigger and one response level with the tasks typed in."""
    groups = []
    for line in values["groups"].splitlines():
        name, _, duties = line.replace(":", "：").partition("：")
        if name.strip():
            groups.append({"name": name.strip(), "duties": duties.strip()})
    tasks = [{"title": values[f"task_title_{i}"], "group": values[f"task_group_{i}"],
              "owner_role": values[f"task_role_{i}"], "deadline_minutes": values[f"task_minutes_{i}"] or None}
             for i in range(TASK_ROWS) if values[f"task_title_{i}"]]
    trigger = {"level": values["level"], "categories": [values["category"]] if values["category"] else [],
               "grades": grades}
    return PlanCreate.model_validate({
        "kind": values["kind"], "title": values["title"], "unit_name": values["unit_name"], "content": {
            "command": {"commander": values["commander"], "deputies": _split(values["deputies"]), "groups": groups},
            "triggers": [trigger], "levels": [{"level": values["level"], "conditions": values["conditions"],
                                               "tasks": tasks}]}})


def _new_form(request: Request, principal: Principal, *, values: dict[str, str] | None = None,
              grades: list[str] | None = None, error: str = "", field: str = "") -> HTMLResponse:
    response = render(request, "emergency_plans/new.html", principal, values=values or {}, chosen_grades=grades or [],
                      error=error, field=field, kinds=_kinds_for(principal), categories=CATEGORY_NAMES_ZH,
                      grade_names=GRADE_NAMES_ZH, level_names=RESPONSE_LEVEL_NAMES_ZH, rows=range(TASK_ROWS))
    if error:
        response.status_code = 422
    return response


@router.get("/emergency/plans/new", response_class=HTMLResponse)
def new_plan_page(request: Request, db: DbSession) -> Response:
    return _new_form(request, _writer(page_principal(request, db)))


@router.post("/emergency/plans/new")
async def new_plan_submit(request: Request, db: DbSession, ctx: Context) -> Response:
    principal = _writer(page_principal(request, db))
    form = await request.form()
    values = posted(form, FORM_FIELDS)
    grades = [str(g) for g in form.getlist("grades")]
    try:
        plan = plans.create(db, plan_in=_plan_in(values, grades), principal=principal, now=ctx.clock.now())
    except (CitysafeError, ValidationError) as exc:
        db.rollback()  # nothing of a refused plan is kept; the form comes back with what was typed
        return _new_form(request, principal, values=values, grades=grades, error=form_message(exc, FIELD_LABELS,
                                                                                              translator(request)),
                         field=first_field(exc))
    return back(f"/emergency/plans/{plan.id}", ok=translator(request).gettext("预案“%(title)s”已录入（第 1 版）",
                                                                              title=plan.title))


@router.get("/emergency/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(request: Request, plan_id: RowId, db: DbSession) -> Response:
    principal = page_principal(request, db)
    plan = plans.detail(db, plan=plans.get(db, plan_id=plan_id))
    plan_drills = drills.drill_reads(db, drills.list_drills(db, params=PageParams(size=20), plan_id=plan_id)[0])
    return render(request, "emergency_plans/plan.html", principal, p=plan, drills=plan_drills,
                  levels=sorted(plan.content.levels, key=lambda lv: lv.level), level_names=RESPONSE_LEVEL_NAMES_ZH,
                  categories=CATEGORY_NAMES_ZH, grades=GRADE_NAMES_ZH,
                  record_names={"review": translator(request).gettext("评审"),
                                "filing": translator(request).gettext("备案")},
                  conclusions={"passed": translator(request).gettext("通过"),
                               "revise": translator(request).gettext("修改后通过"),
                               "failed": translator(request).gettext("不通过"), "": ""},
                  ok=request.query_params.get("ok", ""))


# ---- one drill: its record, and drill mode (以演练模式启动, issue #12 point 6) ----

@router.get("/emergency/drills/{drill_id}", response_class=HTMLResponse)
def drill_page(request: Request, drill_id: RowId, db: DbSession, ctx: Context) -> Response:
    principal = page_principal(request, db)
    drill = drills.detail(db, drill=drills.get(db, drill_id=drill_id))
    plan = plans.get(db, plan_id=drill.plan_id)
    return render(request, "emergency_plans/drill.html", principal, d=drill,
                  can_write=principal.can(Permission.EMERGENCY_PLANS) and plans.may_write(principal, plan),
                  today=to_local(ctx.clock.now()).date(), ok=request.query_params.get("ok", ""),
                  error=request.query_params.get("error", ""))


@router.post("/emergency/drills/{drill_id}/start-live")
async def drill_start_live(request: Request, drill_id: RowId, db: DbSession, ctx: Context) -> Response:
    """以演练模式启动: the drill's incident opens on the duty desk, marked 演练; the page goes to it."""
    t = translator(request)
    values = posted(await request.form(), ("description",))
    try:
        principal = _writer(page_principal(request, db))
        drill = drills.get(db, drill_id=drill_id)
        plans.get_writable(db, plan_id=drill.plan_id, principal=principal)
        incident = drills.start_live(db, drill=drill, live_in=DrillLiveIn(description=values["description"]),
                                     principal=principal, settings=ctx.settings, now=ctx.clock.now())
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return back(f"/emergency/drills/{drill_id}", error=form_message(exc, DRILL_LABELS, t))
    return back(f"/emergency/incidents/{incident.id}",
                ok=t.gettext("已以演练模式启动：%(number)s（演练）", number=incident.number))


@router.post("/emergency/drills/{drill_id}/record")
async def drill_record(request: Request, drill_id: RowId, db: DbSession, ctx: Context) -> Response:
    """The drill was held: its day, participants and summary; a running drill's incident closes with it."""
    t = translator(request)
    values = posted(await request.form(), ("held_on", "participants", "summary"))

    def record() -> str:
        principal = _writer(page_principal(request, db))
        drill = drills.get(db, drill_id=drill_id)
        plans.get_writable(db, plan_id=drill.plan_id, principal=principal)
        record_in = DrillRecordIn.model_validate({"held_on": values["held_on"],
                                                  "participants": values["participants"] or None,
                                                  "summary": values["summary"]})
        drills.record(db, drill=drill, record_in=record_in, principal=principal, settings=ctx.settings,
                      now=ctx.clock.now())
        return t.gettext("演练已结束并记录实施情况")

    return run_action(db, f"/emergency/drills/{drill_id}", record, labels=DRILL_LABELS, t=t)
