"""The participation API under ``/api/v1/participation``: events and registrations, experience bases with
sessions and bookings, volunteer teams and social organisations with members and activities."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from citysafe.auth.deps import Context, DbSession, requires
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId, SaneDatetime
from citysafe.core.clock import to_local
from citysafe.core.errors import field_error
from citysafe.public.participation import service
from citysafe.public.participation.schemas import (
    ActivityIn,
    ActivityRead,
    BaseIn,
    BaseRead,
    BookingIn,
    BookingRead,
    EventIn,
    EventRead,
    GroupIn,
    GroupRead,
    MemberIn,
    MemberRead,
    RegistrationIn,
    RegistrationRead,
    SessionIn,
    SessionRead,
)

router = APIRouter(prefix="/participation", tags=["participation"])
Reader = Annotated[Principal, Depends(requires(Permission.READ_ORGANIZATIONS))]
Writer = Annotated[Principal, Depends(requires(Permission.WRITE_ORGANIZATIONS))]


@router.get("/events", response_model=list[EventRead], operation_id="participation_events")
def events(db: DbSession, principal: Reader, start: Annotated[SaneDatetime, Query()],
           end: Annotated[SaneDatetime, Query()],
           kind: Annotated[str | None, Query(max_length=20)] = None) -> list[EventRead]:
    """Events starting in [start, end) (at most a year)."""
    if not start < end or (end - start).days > 366:
        raise field_error("end", "end must follow start, at most a year later", "结束时间应晚于开始时间，且不超过一年")
    return service.list_events(db, start=start, end=end, kind=kind)


@router.post("/events", response_model=EventRead, status_code=201, operation_id="participation_events_add")
def add_event(data: EventIn, db: DbSession, ctx: Context, principal: Writer) -> EventRead:
    return service.event_reads(db, [service.create_event(db, data=data, now=ctx.clock.now())])[0]


@router.get("/events/{event_id}", response_model=EventRead, operation_id="participation_event")
def event(event_id: RowId, db: DbSession, principal: Reader) -> EventRead:
    return service.get_event(db, event_id=event_id)


@router.get("/events/{event_id}/registrations", response_model=list[RegistrationRead],
            operation_id="participation_registrations")
def registrations(event_id: RowId, db: DbSession, principal: Reader) -> list[RegistrationRead]:
    return [RegistrationRead.model_validate(r) for r in service.list_registrations(db, event_id=event_id)]


@router.post("/events/{event_id}/registrations", response_model=RegistrationRead, status_code=201,
             operation_id="participation_register")
def register(event_id: RowId, data: RegistrationIn, db: DbSession, ctx: Context,
             principal: Writer) -> RegistrationRead:
    return RegistrationRead.model_validate(service.register(db, event_id=event_id, data=data, now=ctx.clock.now()))


@router.get("/bases", response_model=list[BaseRead], operation_id="participation_bases")
def bases(db: DbSession, principal: Reader) -> list[BaseRead]:
    return [BaseRead.model_validate(b) for b in service.list_bases(db)]


@router.post("/bases", response_model=BaseRead, status_code=201, operation_id="participation_bases_add")
def add_base(data: BaseIn, db: DbSession, ctx: Context, principal: Writer) -> BaseRead:
    return BaseRead.model_validate(service.create_base(db, data=data, now=ctx.clock.now()))


@router.get("/bases/{base_id}/sessions", response_model=list[SessionRead], operation_id="participation_sessions")
def sessions(base_id: RowId, db: DbSession, ctx: Context, principal: Reader,
             upcoming: bool = True) -> list[SessionRead]:
    since: datetime | None = ctx.clock.now() if upcoming else None
    return service.list_sessions(db, base_id=base_id, since=since)


@router.post("/bases/{base_id}/sessions", response_model=SessionRead, status_code=201,
             operation_id="participation_sessions_add")
def add_session(base_id: RowId, data: SessionIn, db: DbSession, ctx: Context, principal: Writer) -> SessionRead:
    row = service.add_session(db, base_id=base_id, data=data, now=ctx.clock.now())
    return next(s for s in service.list_sessions(db, base_id=base_id) if s.id == row.id)


@router.post("/sessions/{session_id}/bookings", response_model=BookingRead, status_code=201,
             operation_id="participation_book")
def book(session_id: RowId, data: BookingIn, db: DbSession, ctx: Context, principal: Writer) -> BookingRead:
    return BookingRead.model_validate(service.book(db, session_id=session_id, data=data, now=ctx.clock.now()))


@router.get("/groups", response_model=list[GroupRead], operation_id="participation_groups")
def groups(db: DbSession, principal: Reader,
           kind: Annotated[str | None, Query(max_length=20)] = None) -> list[GroupRead]:
    return service.list_groups(db, kind=kind)


@router.post("/groups", response_model=GroupRead, status_code=201, operation_id="participation_groups_add")
def add_group(data: GroupIn, db: DbSession, ctx: Context, principal: Writer) -> GroupRead:
    return service.group_reads(db, [service.create_group(db, data=data, now=ctx.clock.now())])[0]


@router.get("/groups/{group_id}/members", response_model=list[MemberRead], operation_id="participation_members")
def members(group_id: RowId, db: DbSession, principal: Reader) -> list[MemberRead]:
    return service.list_members(db, group_id=group_id)


@router.post("/groups/{group_id}/members", response_model=MemberRead, status_code=201,
             operation_id="participation_members_add")
def add_member(group_id: RowId, data: MemberIn, db: DbSession, ctx: Context, principal: Writer) -> MemberRead:
    return MemberRead.model_validate(service.add_member(db, group_id=group_id, data=data, now=ctx.clock.now()))


@router.get("/groups/{group_id}/activities", response_model=list[ActivityRead],
            operation_id="participation_activities")
def activities(group_id: RowId, db: DbSession, principal: Reader) -> list[ActivityRead]:
    return [ActivityRead.model_validate(a) for a in service.list_activities(db, group_id=group_id)]


@router.post("/groups/{group_id}/activities", response_model=ActivityRead, status_code=201,
             operation_id="participation_activities_add")
def add_activity(group_id: RowId, data: ActivityIn, db: DbSession, ctx: Context, principal: Writer) -> ActivityRead:
    now = ctx.clock.now()
    return ActivityRead.model_validate(service.add_activity(db, group_id=group_id, data=data,
                                                            today=to_local(now).date(), now=now))
