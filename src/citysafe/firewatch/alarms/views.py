"""Alarm API: lists and detail for anyone in scope, the workflow for alarm operators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from citysafe.auth.deps import Context, CurrentPrincipal, DbSession, requires
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId, SaneDatetime
from citysafe.core.pagination import Page, PageParams, page_of_all
from citysafe.firewatch.alarms import briefing, forwarding, presence, workflow
from citysafe.firewatch.alarms.schemas import (
    AlarmBriefing,
    AlarmDetail,
    AlarmFilter,
    AlarmRead,
    DutyCheckRead,
    FalseAlarmStats,
    ForwardingRead,
    ManualForwardIn,
    NoteIn,
    VerifyIn,
)
from citysafe.firewatch.registry.schemas import UitdAddress

router = APIRouter(prefix="/firewatch", tags=["firewatch"])
Operator = Annotated[Principal, Depends(requires(Permission.OPERATE_ALARMS))]


@router.get("/alarms", response_model=Page[AlarmRead], operation_id="firewatch_alarms_list")
def list_alarms(
    db: DbSession, principal: CurrentPrincipal,
    params: Annotated[PageParams, Query()], filters: Annotated[AlarmFilter, Query()],
) -> Page[AlarmRead]:
    items, total = workflow.list_alarms(db, filters=filters, params=params)
    return page_of_all((items, total), params, lambda rows: workflow.alarm_reads(db, rows))


@router.get("/alarms/{alarm_id}", response_model=AlarmDetail, operation_id="firewatch_alarms_get")
def get_alarm(alarm_id: RowId, db: DbSession, principal: CurrentPrincipal) -> AlarmDetail:
    return workflow.alarm_detail(db, alarm_id=alarm_id)


@router.get("/alarms/{alarm_id}/briefing", response_model=AlarmBriefing, operation_id="firewatch_alarms_briefing")
def get_alarm_briefing(alarm_id: RowId, db: DbSession, ctx: Context, principal: CurrentPrincipal) -> AlarmBriefing:
    """Beside the alarm, what the operator acts on: building, floor, zone and point; the unit's address and
    contact; units within 500 m with their distance and open alarms; the unit's false alarms (30/90 days)."""
    return briefing.alarm_briefing(db, alarm_id=alarm_id, now=ctx.clock.now())


def _step(db: DbSession, ctx: Context, principal: Principal, alarm_id: int, action: str, note: str = "",
          method: str = "") -> AlarmRead:
    alarm = workflow.transition(db, alarm_id=alarm_id, action=action, actor=principal.username,
                                at=ctx.clock.now(), note=note, method=method)
    return AlarmRead.model_validate(alarm)


@router.post("/alarms/{alarm_id}/acknowledge", response_model=AlarmRead, operation_id="firewatch_alarms_acknowledge")
def acknowledge(alarm_id: RowId, db: DbSession, ctx: Context, principal: Operator,
                body: NoteIn | None = None) -> AlarmRead:
    return _step(db, ctx, principal, alarm_id, "acknowledge", body.note if body else "")


@router.post("/alarms/{alarm_id}/verify", response_model=AlarmRead, operation_id="firewatch_alarms_verify")
def verify(alarm_id: RowId, body: VerifyIn, db: DbSession, ctx: Context, principal: Operator) -> AlarmRead:
    return _step(db, ctx, principal, alarm_id, "verify", body.note, body.method.value)


@router.post("/alarms/{alarm_id}/confirm", response_model=AlarmRead, operation_id="firewatch_alarms_confirm")
def confirm(alarm_id: RowId, db: DbSession, ctx: Context, principal: Operator, body: NoteIn | None = None) -> AlarmRead:
    return _step(db, ctx, principal, alarm_id, "confirm", body.note if body else "")


@router.post("/alarms/{alarm_id}/false-alarm", response_model=AlarmRead, operation_id="firewatch_alarms_false")
def false_alarm(alarm_id: RowId, db: DbSession, ctx: Context, principal: Operator,
                body: NoteIn | None = None) -> AlarmRead:
    return _step(db, ctx, principal, alarm_id, "false_alarm", body.note if body else "")


@router.post("/alarms/{alarm_id}/test", response_model=AlarmRead, operation_id="firewatch_alarms_test")
def mark_test(alarm_id: RowId, db: DbSession, ctx: Context, principal: Operator,
              body: NoteIn | None = None) -> AlarmRead:
    return _step(db, ctx, principal, alarm_id, "test", body.note if body else "")


@router.post("/alarms/{alarm_id}/forwardings/manual", response_model=ForwardingRead, status_code=201,
             operation_id="firewatch_alarms_forward_manual")
def record_manual_forwarding(alarm_id: RowId, body: ManualForwardIn, db: DbSession, ctx: Context,
                             principal: Operator) -> ForwardingRead:
    """Record that the operator phoned 119 about this confirmed fire (人工电话转警): who called, when (default
    now; not in the future, not before the confirmation), who answered at 119. It becomes the alarm's
    forwarding with its real delay, and ``forward_119_phone`` on its timeline."""
    now = ctx.clock.now()
    row = forwarding.record_call(db, alarm_id=alarm_id, called_by=body.called_by or principal.display_name
                                 or principal.username, called_at=body.called_at or now,
                                 answered_by=body.answered_by, note=body.note, actor=principal.username, now=now)
    return ForwardingRead.model_validate(row)


@router.get("/stats/false-alarms", response_model=FalseAlarmStats, operation_id="firewatch_stats_false_alarms")
def false_alarm_stats(
    db: DbSession, principal: CurrentPrincipal, since: SaneDatetime | None = None, until: SaneDatetime | None = None,
    region: str | None = None,
) -> FalseAlarmStats:
    return workflow.false_alarm_stats(db, since=since, until=until, region=region)


@router.get("/duty-checks", response_model=list[DutyCheckRead], operation_id="firewatch_duty_checks")
def duty_checks(db: DbSession, principal: Operator, address: UitdAddress | None = None,
                limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[DutyCheckRead]:
    return [DutyCheckRead.model_validate(c) for c in presence.list_duty_checks(db, address=address, limit=limit)]
