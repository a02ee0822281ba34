"""Checklists, inspection plans and their tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from citysafe.auth.deps import Context, CurrentPrincipal, DbSession, requires
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.pagination import Page, PageParams, page_of, page_of_all
from citysafe.hazards.enums import PlaceType, TaskState
from citysafe.hazards.inspection import checklists, service
from citysafe.hazards.inspection.models import InspectionTask
from citysafe.hazards.inspection.schemas import (
    ChecklistCreate,
    ChecklistRead,
    ChecklistUpdate,
    PlanCreate,
    PlanRead,
    TaskDetail,
    TaskRead,
    TaskResultIn,
)

router = APIRouter(tags=["hazards: inspection"])
Planner = Annotated[Principal, Depends(requires(Permission.WRITE_HAZARDS))]
Inspector = Annotated[Principal, Depends(requires(Permission.REPORT_HAZARDS))]


def task_read(task: InspectionTask, now: datetime) -> TaskRead:
    overdue = task.state == TaskState.PENDING.value and task.due < now
    return TaskRead(
        id=task.id, plan_id=task.plan_id, plan_name=task.plan_name, place_id=task.place_id, place_name=task.place_name,
        organization_id=task.organization_id, region_code=task.region_code, assignee_kind=task.assignee_kind,
        grid_code=task.grid_code, assignee_user_id=task.assignee_user_id, department_org_id=task.department_org_id,
        due=task.due, state=task.state, overdue=overdue, completed_at=task.completed_at,
        completed_by_name=task.completed_by_name, failed_count=task.failed_count, results=task.results)


@router.get("/checklists", response_model=list[ChecklistRead], operation_id="hazards_checklists_list")
def list_checklists(db: DbSession, principal: CurrentPrincipal, place_type: PlaceType | None = None,
                    active: bool | None = None) -> list[ChecklistRead]:
    rows = checklists.list_checklists(db, place_type=place_type.value if place_type else None, active=active)
    return [ChecklistRead.model_validate(c) for c in rows]


@router.post("/checklists", response_model=ChecklistRead, status_code=201, operation_id="hazards_checklists_create")
def create_checklist(checklist_in: ChecklistCreate, db: DbSession, ctx: Context, principal: Planner) -> ChecklistRead:
    return ChecklistRead.model_validate(
        checklists.create(db, checklist_in=checklist_in, principal=principal, settings=ctx.settings))


@router.get("/checklists/{checklist_id}", response_model=ChecklistRead, operation_id="hazards_checklists_get")
def get_checklist(checklist_id: RowId, db: DbSession, principal: CurrentPrincipal) -> ChecklistRead:
    return ChecklistRead.model_validate(checklists.get(db, checklist_id=checklist_id))


@router.patch("/checklists/{checklist_id}", response_model=ChecklistRead, operation_id="hazards_checklists_update")
def update_checklist(checklist_id: RowId, checklist_in: ChecklistUpdate, db: DbSession, ctx: Context,
                     principal: Planner) -> ChecklistRead:
    checklist = checklists.get(db, checklist_id=checklist_id)
    return ChecklistRead.model_validate(checklists.update(db, checklist=checklist, checklist_in=checklist_in,
                                                          principal=principal, settings=ctx.settings))


@router.post("/plans", response_model=PlanRead, status_code=201, operation_id="hazards_plans_create")
def create_plan(plan_in: PlanCreate, db: DbSession, ctx: Context, principal: Planner) -> PlanRead:
    """Create a plan and its tasks: one per place of the type in the region (or per listed place)."""
    plan = service.create_plan(db, plan_in=plan_in, principal=principal)
    return service.plan_reads(db, [plan], ctx.clock.now())[0]


@router.get("/plans", response_model=Page[PlanRead], operation_id="hazards_plans_list")
def list_plans(db: DbSession, ctx: Context, principal: CurrentPrincipal,
               params: Annotated[PageParams, Query()]) -> Page[PlanRead]:
    return page_of_all(service.list_plans(db, params=params), params,
                       lambda rows: service.plan_reads(db, rows, ctx.clock.now()))


@router.get("/plans/{plan_id}", response_model=PlanRead, operation_id="hazards_plans_get")
def get_plan(plan_id: RowId, db: DbSession, ctx: Context, principal: CurrentPrincipal) -> PlanRead:
    return service.plan_reads(db, [service.get_plan(db, plan_id=plan_id)], ctx.clock.now())[0]


@router.get("/tasks", response_model=Page[TaskRead], operation_id="hazards_tasks_list")
def list_tasks(
    db: DbSession, ctx: Context, principal: CurrentPrincipal, params: Annotated[PageParams, Query()],
    plan_id: RowId | None = None, state: TaskState | None = None, mine: bool = False, overdue: bool | None = None,
) -> Page[TaskRead]:
    """Tasks in scope; ``mine=true`` keeps those assigned to the caller, its grids or its department."""
    now = ctx.clock.now()
    found = service.list_tasks(db, params=params, principal=principal, now=now, plan_id=plan_id,
                               state=state.value if state else None, mine=mine, overdue=overdue)
    return page_of(found, params, lambda task: task_read(task, now))


@router.get("/tasks/{task_id}", response_model=TaskDetail, operation_id="hazards_tasks_get")
def get_task(task_id: RowId, db: DbSession, ctx: Context, principal: CurrentPrincipal) -> TaskDetail:
    task = service.get_task(db, task_id=task_id)
    checklist = checklists.get(db, checklist_id=task.checklist_id)
    base = task_read(task, ctx.clock.now())
    return TaskDetail(**base.model_dump(), checklist=ChecklistRead.model_validate(checklist),
                      place_type=task.place_type)


@router.post("/tasks/{task_id}/results", response_model=TaskRead, operation_id="hazards_tasks_complete")
def complete_task(task_id: RowId, results_in: TaskResultIn, db: DbSession, ctx: Context,
                  principal: Inspector) -> TaskRead:
    """Answer every checklist item; each failed item opens a hazard ticket."""
    now = ctx.clock.now()
    task = service.get_task(db, task_id=task_id)
    task = service.complete_task(db, task=task, results_in=results_in, principal=principal, settings=ctx.settings,
                                 now=now)
    return task_read(task, now)
