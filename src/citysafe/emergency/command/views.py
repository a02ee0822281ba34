"""The unified-command API under ``/api/v1/emergency``: activations, the command, its members, tasks and
decisions, and the incident's live timeline (server-sent events)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from citysafe.auth import service as auth_service
from citysafe.auth.deps import Context, DbSession, RawToken, requires, units_as
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.clock import as_utc, format_local
from citysafe.core.db import unit_of_work
from citysafe.core.errors import CitysafeError, NotFound
from citysafe.emergency import service as incidents
from citysafe.emergency import timeline
from citysafe.emergency.command import live, reads, service
from citysafe.emergency.command.schemas import (
    ActivationIn,
    CommandRead,
    DecisionIn,
    MemberIn,
    TaskIn,
    TaskRead,
    TaskUpdateIn,
)
from citysafe.emergency.schemas import TimelineEntryRead

router = APIRouter(prefix="/emergency", tags=["emergency command"])
Reader = Annotated[Principal, Depends(requires(Permission.READ_EMERGENCY))]
Writer = Annotated[Principal, Depends(requires(Permission.WRITE_EMERGENCY))]
# How often an open stream also reads the timeline (entries written by another process, e.g. a worker).
POLL_SECONDS = 10.0
MaxSeq = Annotated[int, Query(ge=0, le=2**31 - 1, description="entries after this sequence number first")]


def _command_read(db: DbSession, ctx: Context, incident_id: int, principal: Principal) -> CommandRead:
    command = service.command_of(db, incident_id=incident_id)
    if command is None:
        raise NotFound(detail="no plan has been activated for this incident", detail_zh="本事件尚未启动预案")
    return reads.command_read(db, command, principal=principal, now=ctx.clock.now())


@router.post("/incidents/{incident_id}/activations", response_model=CommandRead, status_code=201,
             operation_id="emergency_command_activate")
def activate(incident_id: RowId, activation_in: ActivationIn, db: DbSession, ctx: Context,
             principal: Writer) -> CommandRead:
    """启动预案 at a response level: sets up the command (指挥部) and the level's tasks; again at another level
    升级 or 降级 the response (the command is kept). The incident's response level follows."""
    incident = incidents.get(db, incident_id=incident_id)
    service.activate(db, incident=incident, activation_in=activation_in, principal=principal, settings=ctx.settings,
                     now=ctx.clock.now())
    return _command_read(db, ctx, incident.id, principal)


@router.get("/incidents/{incident_id}/command", response_model=CommandRead, operation_id="emergency_command_get")
def get_command(incident_id: RowId, db: DbSession, ctx: Context, principal: Reader) -> CommandRead:
    """The command: 总指挥, 副总指挥, the working groups with their members and tasks, the activations."""
    incident = incidents.get(db, incident_id=incident_id)
    return _command_read(db, ctx, incident.id, principal)


@router.post("/incidents/{incident_id}/command/members", response_model=CommandRead, status_code=201,
             operation_id="emergency_command_add_member")
def add_member(incident_id: RowId, member_in: MemberIn, db: DbSession, ctx: Context,
               principal: Reader) -> CommandRead:
    """Assign a post: an account (a department's liaison then sees its group's tasks) or an outside contact."""
    incident = incidents.get(db, incident_id=incident_id)
    service.add_member(db, incident=incident, member_in=member_in, principal=principal, now=ctx.clock.now())
    return _command_read(db, ctx, incident.id, principal)


@router.delete("/incidents/{incident_id}/command/members/{member_id}", response_model=CommandRead,
               operation_id="emergency_command_remove_member")
def remove_member(incident_id: RowId, member_id: RowId, db: DbSession, ctx: Context, principal: Reader,
                  note: Annotated[str, Query(max_length=500, description="why (relieved, replaced …)")] = ""
                  ) -> CommandRead:
    """撤出: the person leaves the command; kept for the record and named on the timeline."""
    incident = incidents.get(db, incident_id=incident_id)
    service.remove_member(db, incident=incident, member_id=member_id, note=note, principal=principal,
                          now=ctx.clock.now())
    return _command_read(db, ctx, incident.id, principal)


@router.get("/incidents/{incident_id}/tasks", response_model=list[TaskRead], operation_id="emergency_tasks_list")
def list_tasks(incident_id: RowId, db: DbSession, ctx: Context, principal: Reader,
               mine: Annotated[bool, Query(description="only the tasks of my groups")] = False) -> list[TaskRead]:
    incident = incidents.get(db, incident_id=incident_id)
    return reads.incident_tasks(db, incident_id=incident.id, principal=principal, now=ctx.clock.now(), mine=mine)


@router.post("/incidents/{incident_id}/tasks", response_model=TaskRead, status_code=201,
             operation_id="emergency_tasks_add")
def add_task(incident_id: RowId, task_in: TaskIn, db: DbSession, ctx: Context, principal: Reader) -> TaskRead:
    incident = incidents.get(db, incident_id=incident_id)
    task = service.add_task(db, incident=incident, task_in=task_in, principal=principal, now=ctx.clock.now())
    return reads.task_reads(db, [task], principal=principal, now=ctx.clock.now())[0]


@router.get("/tasks", response_model=list[TaskRead], operation_id="emergency_tasks_mine")
def my_tasks(db: DbSession, ctx: Context, principal: Reader,
             done: Annotated[bool, Query(description="include finished tasks")] = False) -> list[TaskRead]:
    """我的任务: the tasks of every working group I am a member of, across incidents."""
    return reads.my_tasks(db, principal=principal, now=ctx.clock.now(), open_only=not done)


@router.patch("/tasks/{em_task_id}", response_model=TaskRead, operation_id="emergency_tasks_update")
def update_task(em_task_id: RowId, update_in: TaskUpdateIn, db: DbSession, ctx: Context, principal: Reader) -> TaskRead:
    """A progress note or a new state (todo, doing, done, blocked), by the group's members or the leaders."""
    task = service.get_task(db, task_id=em_task_id)
    service.update_task(db, task=task, update_in=update_in, principal=principal, now=ctx.clock.now())
    return reads.task_reads(db, [task], principal=principal, now=ctx.clock.now())[0]


@router.post("/incidents/{incident_id}/decisions", response_model=TimelineEntryRead, status_code=201,
             operation_id="emergency_decisions_add")
def add_decision(incident_id: RowId, decision: DecisionIn, db: DbSession, ctx: Context,
                 principal: Reader) -> TimelineEntryRead:
    """指挥决策: recorded on the timeline as its own kind of entry."""
    incident = incidents.get(db, incident_id=incident_id)
    entry = service.record_decision(db, incident=incident, text=decision.text, principal=principal,
                                    now=ctx.clock.now())
    return TimelineEntryRead.model_validate(entry).model_copy(update={"kind_name": timeline.KIND_NAMES_ZH["decision"]})


@dataclass
class LiveUnavailable(CitysafeError):
    status: int = 503
    slug: str = "unavailable"
    title: str = "Service unavailable"
    title_zh: str = "服务暂不可用"


def entry_event(payload: dict[str, Any]) -> dict[str, str]:
    """One timeline entry as a server-sent event: its sequence number is the event id."""
    at = payload.get("at")
    moment = as_utc(datetime.fromisoformat(at)) if isinstance(at, str) else at
    body = {k: payload.get(k) for k in ("incident_id", "seq", "kind", "kind_name", "text", "actor")}
    body["at"] = moment.isoformat() if isinstance(moment, datetime) else ""
    body["at_local"] = format_local(moment) if isinstance(moment, datetime) else ""
    return {"id": str(payload.get("seq")), "event": "entry", "data": json.dumps(body, ensure_ascii=False)}


@router.get("/incidents/{incident_id}/stream", operation_id="emergency_timeline_stream",
            summary="The incident's timeline, live (server-sent events)")
async def stream(request: Request, incident_id: RowId, raw: RawToken, ctx: Context,
                 after: MaxSeq = 0) -> Any:
    """``text/event-stream``: first the entries after ``after``, then each new entry as it is committed
    (``entry`` events, id = sequence number); ``resync`` when the stream fell behind and the page must reload."""
    from sse_starlette.sse import EventSourceResponse

    hub: live.TimelineHub | None = ctx.extras.get(live.EXTRAS_KEY)
    if hub is None:
        raise LiveUnavailable(detail="the live timeline is not running", detail_zh="实时时间线推送未启动")
    last_id = request.headers.get("last-event-id", "")
    start = max(after, int(last_id) if last_id.isdigit() and len(last_id) < 10 else 0)

    def visible() -> Principal:
        # The reader and the incident in one short unit of work and one worker-thread hop, not through the
        # request's session: when a command room opens, a hundred browsers connect at once, and a session
        # held per request while its close waits for a thread ran the pool dry (bench/emergency.py, 120 streams).
        with unit_of_work(ctx.read_session_factory) as session:
            principal = auth_service.principal_from_token(session, signer=ctx.signer, token=raw)
            auth_service.require(principal, Permission.READ_EMERGENCY)
            auth_service.act_as(session, principal)
            incidents.get(session, incident_id=incident_id)  # 404 outside the reader's scope
            return principal

    def catch_up(after_seq: int) -> list[dict[str, Any]]:
        with units_as(ctx, principal).read() as session:
            return [{"incident_id": e.incident_id, "seq": e.seq, "kind": e.kind,
                     "kind_name": timeline.KIND_NAMES_ZH.get(e.kind, e.kind), "text": e.text, "actor": e.actor,
                     "at": e.at} for e in timeline.entries(session, incident_id=incident_id, after=after_seq)]

    principal = await run_in_threadpool(visible)  # answered as problem+json, before the stream starts

    async def events() -> AsyncIterator[dict[str, str]]:
        sent = start
        with hub.listen(incident_id) as listener:  # before the catch-up read: nothing committed between is lost
            yield {"event": "hello", "data": json.dumps({"incident_id": incident_id, "after": start})}
            pending = await run_in_threadpool(catch_up, start)
            while True:
                for payload in pending:
                    if int(payload.get("seq") or 0) > sent:
                        sent = int(payload["seq"])
                        yield entry_event(payload)
                if listener.overflowed and listener.queue.empty():
                    listener.overflowed = False
                    yield {"event": "resync", "data": "{}"}
                try:
                    pending = [await asyncio.wait_for(listener.queue.get(), POLL_SECONDS)]
                except TimeoutError:
                    # Entries another process committed reach no hub of this one: read them every so often.
                    pending = await run_in_threadpool(catch_up, sent)

    return EventSourceResponse(events(), ping=15, send_timeout=10,
                               headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
