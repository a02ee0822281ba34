"""Console pages of emergency plans and drills: the plan library with its filters, a plan with its command,
response levels and tasks, and the drill calendar with the duties that are overdue. The pages call the same
services as the API (emergency/plans, emergency/drills)."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from citysafe.auth.deps import Context, DbSession
from citysafe.core.bounds import RowId
from citysafe.core.clock import to_local
from citysafe.core.pagination import PageParams
from citysafe.emergency.drills import service as drills
from citysafe.emergency.drills.schemas import DrillRead
from citysafe.emergency.plans import service as plans
from citysafe.emergency.plans.calc.matching import RESPONSE_LEVEL_NAMES_ZH
from citysafe.emergency.plans.schemas import CATEGORY_NAMES_ZH, GRADE_NAMES_ZH, PLAN_KIND_NAMES_ZH, PlanKind
from citysafe.web.common import page_principal, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


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
                  category=category or "", kind=kind or "", q=q, unit=unit, categories=CATEGORY_NAMES_ZH,
                  kinds=PLAN_KIND_NAMES_ZH)


@router.get("/emergency/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(request: Request, plan_id: RowId, db: DbSession) -> Response:
    principal = page_principal(request, db)
    plan = plans.detail(db, plan=plans.get(db, plan_id=plan_id))
    plan_drills = drills.drill_reads(db, drills.list_drills(db, params=PageParams(size=20), plan_id=plan_id)[0])
    return render(request, "emergency_plans/plan.html", principal, p=plan, drills=plan_drills,
                  levels=sorted(plan.content.levels, key=lambda lv: lv.level), level_names=RESPONSE_LEVEL_NAMES_ZH,
                  categories=CATEGORY_NAMES_ZH, grades=GRADE_NAMES_ZH,
                  record_names={"review": "评审", "filing": "备案"},
                  conclusions={"passed": "通过", "revise": "修改后通过", "failed": "不通过", "": ""})


@router.get("/emergency/drills", response_class=HTMLResponse)
def drill_calendar(request: Request, db: DbSession, ctx: Context) -> Response:
    principal = page_principal(request, db)
    today = to_local(ctx.clock.now()).date()
    rows = drills.drill_reads(db, drills.list_drills(db, params=PageParams(size=200))[0])
    months: dict[str, list[DrillRead]] = defaultdict(list)
    for drill in rows:
        day = drill.held_on or drill.scheduled_on
        months[f"{day.year}年{day.month}月"].append(drill)
    return render(request, "emergency_plans/drills.html", principal, months=dict(months), today=today,
                  overdue=drills.overdue(db, today=today))
