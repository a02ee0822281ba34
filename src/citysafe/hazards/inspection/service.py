"""Inspection plans hand one task per place to its grid, an officer or a department; a failed item opens
a ticket carrying the place, the task and (when the item names one) the major-hazard criterion."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ScalarSelect, func, or_, select
from sqlalchemy.orm import Session

from citysafe.auth import service as auth_service
from citysafe.auth.enums import Permission, Role
from citysafe.auth.schemas import Principal
from citysafe.core.config import Settings
from citysafe.core.db import get_or_404
from citysafe.core.errors import Conflict, Forbidden, field_error
from citysafe.core.pagination import PageParams, paginate
from citysafe.core.scope import in_region
from citysafe.hazards.enums import PLACE_TYPE_CATEGORY, PLACE_TYPE_NAMES_ZH, HazardSource, TaskAssignee, zh
from citysafe.hazards.grids import service as grids_service
from citysafe.hazards.grids.models import HazardPlace
from citysafe.hazards.inspection import checklists
from citysafe.hazards.inspection.models import Checklist, InspectionPlan, InspectionTask
from citysafe.hazards.inspection.schemas import PlanCreate, PlanProgress, PlanRead, TaskResultIn
from citysafe.hazards.tickets import service as tickets_service
from citysafe.hazards.tickets.schemas import TicketCreate
from citysafe.orgs import service as orgs_service

# The checklists, for callers outside the inspection package (the demo city seeds the defaults).
seed_default_checklists = checklists.seed_defaults
get_checklist = checklists.get


def _places(session: Session, plan_in: PlanCreate, region: str) -> list[HazardPlace]:
    if plan_in.place_ids:
        places = list(session.scalars(select(HazardPlace).where(HazardPlace.id.in_(plan_in.place_ids))))
        missing = sorted(set(plan_in.place_ids) - {p.id for p in places})
        if missing:
            raise field_error("place_ids", f"unknown places {missing}", f"未找到场所 {missing}")
        return places
    return list(session.scalars(select(HazardPlace).where(
        HazardPlace.place_type == plan_in.place_type.value,
        in_region(HazardPlace.region_code, region)).order_by(HazardPlace.id)))


def create_plan(session: Session, *, plan_in: PlanCreate, principal: Principal) -> InspectionPlan:
    region = plan_in.region_code or principal.region_code
    grids_service.resolve_region(session, region_code=region, lon=None, lat=None, fallback=region)
    if plan_in.checklist_id is not None:
        checklist: Checklist | None = checklists.get(session, checklist_id=plan_in.checklist_id)
    else:
        checklist = checklists.for_place_type(session, place_type=plan_in.place_type.value, region_code=region)
    if checklist is None or not checklist.active:
        raise field_error("checklist_id", "no active checklist for this place type", "该场所类型没有可用的检查表")
    if plan_in.assignee_user_id is not None:
        auth_service.get_user(session, user_id=plan_in.assignee_user_id)
    if plan_in.department_org_id is not None:
        orgs_service.get(session, org_id=plan_in.department_org_id)
    places = _places(session, plan_in, region)
    if not places:
        raise field_error("place_ids", "no places of this type in the region to inspect",
                          "该区域内没有此类型的登记场所，请先登记场所")
    plan = InspectionPlan(
        name=plan_in.name, place_type=plan_in.place_type.value, checklist_id=checklist.id, region_code=region,
        period_start=plan_in.period_start, period_end=plan_in.period_end, assignee_kind=plan_in.assignee_kind.value,
        assignee_user_id=plan_in.assignee_user_id, department_org_id=plan_in.department_org_id,
        created_by=principal.display_name, note=plan_in.note)
    session.add(plan)
    session.flush()
    for place in places:
        in_grid = len(place.region_code) == 15
        session.add(InspectionTask(
            plan_id=plan.id, plan_name=plan.name, checklist_id=checklist.id, place_type=plan.place_type,
            place_id=place.id, place_name=place.name, organization_id=place.organization_id,
            region_code=place.region_code, assignee_kind=plan.assignee_kind,
            grid_code=place.region_code if plan_in.assignee_kind is TaskAssignee.GRID and in_grid else None,
            assignee_user_id=plan.assignee_user_id, department_org_id=plan.department_org_id, due=plan.period_end))
    session.flush()
    return plan


def get_plan(session: Session, *, plan_id: int) -> InspectionPlan:
    return get_or_404(session, InspectionPlan, plan_id, what="inspection plan", what_zh="排查计划")


def list_plans(session: Session, *, params: PageParams) -> tuple[list[InspectionPlan], int]:
    return paginate(session, select(InspectionPlan).order_by(InspectionPlan.period_start.desc(),
                                                             InspectionPlan.id.desc()), params)


def progress(session: Session, *, plan_ids: list[int], now: datetime) -> dict[int, PlanProgress]:
    t = InspectionTask
    rows = session.execute(select(
        t.plan_id, func.count(), func.count().filter(t.state == "done"),
        func.count().filter(t.state == "pending", t.due < now),
        func.count().filter(t.assignee_kind == "grid", t.grid_code.is_(None)),
        func.coalesce(func.sum(t.failed_count), 0)).where(t.plan_id.in_(plan_ids)).group_by(t.plan_id)).all()
    out = {pid: PlanProgress(total=0, done=0, pending=0, overdue=0, unassigned=0, failed_items=0, completion_rate=0.0)
           for pid in plan_ids}
    for pid, total, done, overdue, unassigned, failed in rows:
        out[pid] = PlanProgress(total=total, done=done, pending=total - done, overdue=overdue, unassigned=unassigned,
                                failed_items=int(failed), completion_rate=round(done / total, 4) if total else 0.0)
    return out


def plan_reads(session: Session, plans: Sequence[InspectionPlan], now: datetime) -> list[PlanRead]:
    done = progress(session, plan_ids=[p.id for p in plans], now=now)
    return [PlanRead(
        id=p.id, name=p.name, place_type=p.place_type, place_type_name=zh(PLACE_TYPE_NAMES_ZH, p.place_type),
        checklist_id=p.checklist_id, region_code=p.region_code, period_start=p.period_start,
        period_end=p.period_end, assignee_kind=p.assignee_kind, assignee_user_id=p.assignee_user_id,
        department_org_id=p.department_org_id, created_by=p.created_by, note=p.note, progress=done[p.id],
        created_at=p.created_at) for p in plans]


def _mine_clause(session: Session, principal: Principal) -> Any:
    t = InspectionTask
    grids = grids_service.grids_of_user(session, user_id=principal.user_id)
    clauses = [t.assignee_user_id == principal.user_id]
    if grids:
        clauses.append(t.grid_code.in_(grids))
    if principal.organization_id is not None:
        clauses.append(t.department_org_id == principal.organization_id)
    return or_(*clauses)


def list_tasks(
    session: Session, *, params: PageParams, principal: Principal, now: datetime, plan_id: int | None = None,
    state: str | None = None, mine: bool = False, overdue: bool | None = None,
) -> tuple[list[InspectionTask], int]:
    t = InspectionTask
    stmt = select(t).order_by(t.state.desc(), t.due, t.id)
    if plan_id is not None:
        stmt = stmt.where(t.plan_id == plan_id)
    if state:
        stmt = stmt.where(t.state == state)
    if mine:
        stmt = stmt.where(_mine_clause(session, principal))
    if overdue is True:
        stmt = stmt.where(t.state == "pending", t.due < now)
    return paginate(session, stmt, params)


def get_task(session: Session, *, task_id: int) -> InspectionTask:
    return get_or_404(session, InspectionTask, task_id, what="inspection task", what_zh="排查任务")


def _may_complete(session: Session, task: InspectionTask, principal: Principal) -> None:
    if principal.can(Permission.WRITE_HAZARDS):
        return
    if task.assignee_user_id == principal.user_id:
        return
    if task.grid_code and task.grid_code in grids_service.grids_of_user(session, user_id=principal.user_id):
        return
    if task.department_org_id is not None and task.department_org_id == principal.organization_id:
        return
    raise Forbidden(detail="this task is assigned to someone else", detail_zh="该排查任务不是分派给您的")


def complete_task(
    session: Session, *, task: InspectionTask, results_in: TaskResultIn, principal: Principal, settings: Settings,
    now: datetime,
) -> InspectionTask:
    """Record the answers to every item; each failed item opens a ticket linked to the place and the task."""
    if task.state == "done":
        raise Conflict(detail="the task is already done", detail_zh="该任务已完成")
    _may_complete(session, task, principal)
    checklist = checklists.get(session, checklist_id=task.checklist_id)
    items = {i.code: i for i in checklist.items}
    answers = {a.code: a for a in results_in.items}
    unknown = sorted(set(answers) - set(items))
    missing = [code for code in items if code not in answers]
    if unknown or missing:
        raise field_error("items", f"answer every item once: missing {missing}, unknown {unknown}",
                          f"须逐项填写检查结果：缺少 {missing}，多余 {unknown}")
    failing = [a for a in results_in.items if a.result == "fail"]
    for answer in failing:
        if not answer.note.strip() and not answer.attachment_ids:
            raise field_error("items", f"item {answer.code} failed: describe it or attach a photo",
                              f"第 {answer.code} 项不合格，须填写情况说明或上传照片")
    source = HazardSource.GRID_OFFICER if principal.role == Role.GRID_OFFICER else HazardSource.INSPECTION
    results: list[dict[str, Any]] = []
    for code, item in items.items():
        answer = answers[code]
        entry: dict[str, Any] = {"code": code, "text": item.text, "result": answer.result.value, "note": answer.note}
        if answer.result == "fail":
            ticket_in = TicketCreate(
                category=item.category or PLACE_TYPE_CATEGORY[task.place_type], source=source,
                title=f"{task.place_name}：{item.text}"[:200], description=(answer.note or item.text),
                criteria=[item.criterion] if item.criterion else [], place_id=task.place_id,
                region_code=task.region_code, attachment_ids=answer.attachment_ids)
            ticket = tickets_service.report(session, ticket_in=ticket_in, principal=principal, settings=settings,
                                            now=now)
            ticket.task_id = task.id
            entry["ticket_id"] = ticket.id
        results.append(entry)
    task.results = results
    task.failed_count = len(failing)
    task.state = "done"
    task.completed_at = now
    task.completed_by = principal.user_id
    task.completed_by_name = principal.display_name
    session.flush()
    return task


def tasks_version_columns() -> list[ScalarSelect[Any]]:
    """A version of the inspection tasks as columns of a statement (the workbench's overdue count asks it
    with other domains' in one): a change moves the newest ``updated_at``, a new task the newest id, a
    removed one the count."""
    return [select(func.count()).select_from(InspectionTask).scalar_subquery(),
            select(func.max(InspectionTask.id)).scalar_subquery(),
            select(func.max(InspectionTask.updated_at)).scalar_subquery()]
