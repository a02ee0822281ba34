"""Drills under ``/api/v1/emergency/drills``: schedule and record, evaluate, follow findings up; the duty rules
(an administrator edits them) and who is overdue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from citysafe.auth.deps import Context, CurrentPrincipal, DbSession, requires
from citysafe.auth.enums import Permission, Role
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId, SaneDate
from citysafe.core.clock import to_local
from citysafe.core.errors import Forbidden
from citysafe.core.pagination import Page, PageParams, page_of_all
from citysafe.emergency.drills import service
from citysafe.emergency.drills.models import Drill
from citysafe.emergency.drills.schemas import (
    DrillCreate,
    DrillDetail,
    DrillLiveIn,
    DrillRead,
    DrillRecordIn,
    DrillState,
    DutyRulesIn,
    DutyRulesRead,
    FindingIn,
    FindingRead,
    OverdueRead,
    TaskDoneIn,
)
from citysafe.emergency.plans import service as plans_service
from citysafe.emergency.plans.schemas import DivisionCode

router = APIRouter(prefix="/emergency/drills", tags=["emergency: drills"])
DrillWriter = Annotated[Principal, Depends(requires(Permission.EMERGENCY_PLANS))]


def _writable(db: DbSession, drill_id: int, principal: Principal) -> Drill:
    drill = service.get(db, drill_id=drill_id)
    plans_service.get_writable(db, plan_id=drill.plan_id, principal=principal)
    return drill


@router.get("", response_model=Page[DrillRead], operation_id="emergency_drills_list")
def list_drills(
    db: DbSession, principal: CurrentPrincipal, params: Annotated[PageParams, Query()],
    plan_id: RowId | None = None, state: DrillState | None = None, region: DivisionCode | None = None,
    since: SaneDate | None = None, until: SaneDate | None = None,
) -> Page[DrillRead]:
    """Drills in scope by the day held (else scheduled), latest first: the drill calendar's data."""
    found = service.list_drills(db, params=params, plan_id=plan_id, state=state, region=region, since=since,
                                until=until)
    return page_of_all(found, params, lambda rows: service.drill_reads(db, rows))


@router.post("", response_model=DrillDetail, status_code=201, operation_id="emergency_drills_create")
def create_drill(drill_in: DrillCreate, db: DbSession, ctx: Context, principal: DrillWriter) -> DrillDetail:
    """Schedule a drill of a plan, or record one already held (``held_on``, with its evaluation)."""
    drill = service.create(db, drill_in=drill_in, principal=principal, now=ctx.clock.now())
    return service.detail(db, drill=drill)


@router.get("/overdue", response_model=list[OverdueRead], operation_id="emergency_drills_overdue")
def overdue_drills(db: DbSession, ctx: Context, principal: CurrentPrincipal,
                   region: DivisionCode | None = None) -> list[OverdueRead]:
    """Plans and units past the day their next drill was due under the duty rules in force."""
    return service.overdue(db, today=to_local(ctx.clock.now()).date(), region=region)


@router.get("/duties", response_model=DutyRulesRead, operation_id="emergency_drills_duties")
def duty_rules(db: DbSession, principal: CurrentPrincipal) -> DutyRulesRead:
    """The drill-duty rules in force, each citing its article (国务院令第708号 第八条, 应急管理部令第2号 第三十三条)."""
    return service.duty_rules(db)


@router.put("/duties", response_model=DutyRulesRead, operation_id="emergency_drills_duties_set")
def set_duty_rules(rules_in: DutyRulesIn, db: DbSession, ctx: Context, principal: CurrentPrincipal) -> DutyRulesRead:
    """Replace the rules in force (administrators only: a local rule may demand drills more often)."""
    if principal.role != Role.ADMIN:
        raise Forbidden(detail="only an administrator edits the drill-duty rules",
                        detail_zh="仅系统管理员可修改演练频次规则")
    return service.set_duty_rules(db, rules_in=rules_in, principal=principal, now=ctx.clock.now())


@router.get("/{drill_id}", response_model=DrillDetail, operation_id="emergency_drills_get")
def get_drill(drill_id: RowId, db: DbSession, principal: CurrentPrincipal) -> DrillDetail:
    return service.detail(db, drill=service.get(db, drill_id=drill_id))


@router.post("/{drill_id}/record", response_model=DrillDetail, operation_id="emergency_drills_record")
def record_drill(drill_id: RowId, record_in: DrillRecordIn, db: DbSession, ctx: Context,
                 principal: DrillWriter) -> DrillDetail:
    """The drill was held: the day, the participants, the summary and the evaluation items with scores."""
    drill = service.record(db, drill=_writable(db, drill_id, principal), record_in=record_in, principal=principal,
                           settings=ctx.settings, now=ctx.clock.now())
    return service.detail(db, drill=drill)


@router.post("/{drill_id}/start-live", response_model=DrillDetail, operation_id="emergency_drills_start_live")
def start_live(drill_id: RowId, live_in: DrillLiveIn, db: DbSession, ctx: Context,
               principal: DrillWriter) -> DrillDetail:
    """以演练模式启动: run the drill in the live system. It opens a drill incident (``is_drill``, marked 演练 on the
    desk, its timeline and its reports; out of the ledger and the statistics; nothing sent outward). 409 naming
    ``state`` for a drill running, held or cancelled. Recording the drill as held closes the incident."""
    drill = _writable(db, drill_id, principal)
    service.start_live(db, drill=drill, live_in=live_in, principal=principal, settings=ctx.settings,
                       now=ctx.clock.now())
    return service.detail(db, drill=drill)


@router.post("/{drill_id}/findings", response_model=FindingRead, status_code=201,
             operation_id="emergency_drills_findings_add")
def add_finding(drill_id: RowId, finding_in: FindingIn, db: DbSession, ctx: Context,
                principal: DrillWriter) -> FindingRead:
    """A problem the drill found; ``follow_up`` makes it a task, a hazard ticket or a plan-revision note."""
    found = service.add_finding(db, drill=_writable(db, drill_id, principal), finding_in=finding_in,
                                principal=principal, settings=ctx.settings, now=ctx.clock.now())
    return FindingRead.model_validate(found)


@router.post("/{drill_id}/findings/{finding_id}/done", response_model=FindingRead,
             operation_id="emergency_drills_findings_done")
def finish_task(drill_id: RowId, finding_id: RowId, done_in: TaskDoneIn, db: DbSession, ctx: Context,
                principal: DrillWriter) -> FindingRead:
    drill = _writable(db, drill_id, principal)
    found = service.finish_task(db, found=service.finding(db, drill=drill, finding_id=finding_id),
                                done_on=done_in.done_on, now=ctx.clock.now())
    return FindingRead.model_validate(found)
