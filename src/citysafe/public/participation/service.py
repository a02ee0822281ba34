"""Participation: events and registrations, experience bases with sessions and bookings, social groups with
members and activities. Keyword-only, a session, never a commit.

Seats are counted, never oversold: a registration or booking that would pass the event's or session's capacity
is refused (409), as is a second booking of the same session by the same unit. The count and the insert run in
one transaction with the parent row locked (``FOR UPDATE`` on PostgreSQL; SQLite writes one at a time)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citysafe.core.db import get_or_404
from citysafe.core.errors import Conflict, NotFound, field_error
from citysafe.knowledge.thinktank.service import check_division
from citysafe.orgs import service as orgs_service
from citysafe.public.participation.models import (
    Activity,
    BaseSession,
    Booking,
    Event,
    ExperienceBase,
    Member,
    Registration,
    SocialGroup,
)
from citysafe.public.participation.schemas import (
    ActivityIn,
    BaseIn,
    BookingIn,
    EventIn,
    EventRead,
    GroupIn,
    GroupRead,
    MemberIn,
    MemberRead,
    RegistrationIn,
    SessionIn,
    SessionRead,
)


def _locked(session: Session, model: type, key: int, *, what: str, what_zh: str) -> object:
    row = session.scalars(select(model).where(model.id == key).with_for_update()).first()  # type: ignore[attr-defined]
    if row is None:
        raise NotFound(detail=f"{what} {key} not found", detail_zh=f"未找到{what_zh} {key}")
    return row


def _full(left: int, wanted: int) -> Conflict:
    return Conflict(detail=f"only {left} seats left, {wanted} asked",
                    detail_zh=f"名额不足：剩余 {left} 个，申请 {wanted} 个")


# --- events -------------------------------------------------------------------------------------------------


def create_event(session: Session, *, data: EventIn, now: datetime) -> Event:
    check_division(session, data.region_code)
    event = Event(**data.model_dump(), created_at=now, updated_at=now)
    session.add(event)
    session.flush()
    return event


def _registered(session: Session, event_ids: Sequence[int]) -> dict[int, int]:
    stmt = (select(Registration.event_id, func.coalesce(func.sum(Registration.people), 0))
            .where(Registration.event_id.in_(event_ids)).group_by(Registration.event_id))
    return {int(k): int(v) for k, v in session.execute(stmt).tuples().all()}


def event_reads(session: Session, events: Sequence[Event]) -> list[EventRead]:
    taken = _registered(session, [e.id for e in events])
    out = []
    for e in events:
        read = EventRead.model_validate(e)
        read.registered = taken.get(e.id, 0)
        read.seats_left = max(0, e.capacity - read.registered)
        out.append(read)
    return out


def list_events(session: Session, *, start: datetime, end: datetime, kind: str | None = None) -> list[EventRead]:
    """Events that start in [start, end), in time order."""
    stmt = select(Event).where(Event.starts_at >= start, Event.starts_at < end).order_by(Event.starts_at, Event.id)
    if kind:
        stmt = stmt.where(Event.kind == kind)
    return event_reads(session, list(session.scalars(stmt)))


def get_event(session: Session, *, event_id: int) -> EventRead:
    return event_reads(session, [get_or_404(session, Event, event_id, what="event", what_zh="活动")])[0]


def register(session: Session, *, event_id: int, data: RegistrationIn, now: datetime) -> Registration:
    event = _locked(session, Event, event_id, what="event", what_zh="活动")
    assert isinstance(event, Event)
    if event.ends_at <= now:
        raise Conflict(detail="the event is over", detail_zh="活动已结束，不能再报名")
    if session.scalar(select(Registration.id).where(Registration.event_id == event_id,
                                                    Registration.registrant == data.registrant)) is not None:
        raise Conflict(detail=f"{data.registrant} has already registered", detail_zh=f"{data.registrant}已报名")
    left = event.capacity - _registered(session, [event_id]).get(event_id, 0)
    if data.people > left:
        raise _full(left, data.people)
    row = Registration(**data.model_dump(), event_id=event_id, region_code=event.region_code, created_at=now,
                       updated_at=now)
    session.add(row)
    session.flush()
    return row


def list_registrations(session: Session, *, event_id: int) -> list[Registration]:
    get_or_404(session, Event, event_id, what="event", what_zh="活动")
    return list(session.scalars(select(Registration).where(Registration.event_id == event_id)
                                .order_by(Registration.id)))


# --- experience bases ---------------------------------------------------------------------------------------


def create_base(session: Session, *, data: BaseIn, now: datetime) -> ExperienceBase:
    check_division(session, data.region_code)
    if session.scalar(select(ExperienceBase.id).where(ExperienceBase.name == data.name)
                      .execution_options(skip_scope=True)) is not None:
        raise field_error("name", f"a base named {data.name} exists", f"已有名为{data.name}的体验基地")
    base = ExperienceBase(**data.model_dump(), created_at=now, updated_at=now)
    session.add(base)
    session.flush()
    return base


def list_bases(session: Session) -> list[ExperienceBase]:
    return list(session.scalars(select(ExperienceBase).order_by(ExperienceBase.region_code, ExperienceBase.id)))


def get_base(session: Session, *, base_id: int) -> ExperienceBase:
    return get_or_404(session, ExperienceBase, base_id, what="experience base", what_zh="安全体验基地")


def add_session(session: Session, *, base_id: int, data: SessionIn, now: datetime) -> BaseSession:
    base = get_base(session, base_id=base_id)
    overlap = session.scalar(select(BaseSession.id).where(
        BaseSession.base_id == base_id, BaseSession.starts_at < data.ends_at, BaseSession.ends_at > data.starts_at))
    if overlap is not None:
        raise field_error("starts_at", "overlaps another session of the base", "与该基地已有的场次时间重叠")
    row = BaseSession(**data.model_dump(), base_id=base_id, region_code=base.region_code, created_at=now,
                      updated_at=now)
    session.add(row)
    session.flush()
    return row


def _booked(session: Session, ids: Sequence[int]) -> dict[int, int]:
    stmt = (select(Booking.session_id, func.coalesce(func.sum(Booking.people), 0))
            .where(Booking.session_id.in_(ids)).group_by(Booking.session_id))
    return {int(k): int(v) for k, v in session.execute(stmt).tuples().all()}


def list_sessions(session: Session, *, base_id: int, since: datetime | None = None) -> list[SessionRead]:
    get_base(session, base_id=base_id)
    stmt = select(BaseSession).where(BaseSession.base_id == base_id).order_by(BaseSession.starts_at)
    if since is not None:
        stmt = stmt.where(BaseSession.ends_at > since)
    rows = list(session.scalars(stmt))
    taken = _booked(session, [r.id for r in rows])
    out = []
    for r in rows:
        read = SessionRead.model_validate(r)
        read.booked = taken.get(r.id, 0)
        read.seats_left = max(0, r.capacity - read.booked)
        out.append(read)
    return out


def book(session: Session, *, session_id: int, data: BookingIn, now: datetime) -> Booking:
    slot = _locked(session, BaseSession, session_id, what="session", what_zh="场次")
    assert isinstance(slot, BaseSession)
    if slot.starts_at <= now:
        raise Conflict(detail="the session has started", detail_zh="该场次已开始，不能再预约")
    if data.organization_id is not None:
        try:
            orgs_service.get(session, org_id=data.organization_id)
        except NotFound:
            raise field_error("organization_id", f"no organisation {data.organization_id}",
                              f"单位 {data.organization_id} 不存在或不在您的辖区") from None
    if session.scalar(select(Booking.id).where(Booking.session_id == session_id,
                                               Booking.visitor == data.visitor)) is not None:
        raise Conflict(detail=f"{data.visitor} has already booked this session",
                       detail_zh=f"{data.visitor}已预约该场次，不能重复预约")
    left = slot.capacity - _booked(session, [session_id]).get(session_id, 0)
    if data.people > left:
        raise _full(left, data.people)
    row = Booking(**data.model_dump(), session_id=session_id, region_code=slot.region_code, created_at=now,
                  updated_at=now)
    session.add(row)
    session.flush()
    return row


def list_bookings(session: Session, *, base_id: int) -> list[tuple[Booking, BaseSession]]:
    get_base(session, base_id=base_id)
    stmt = (select(Booking, BaseSession).join(BaseSession, Booking.session_id == BaseSession.id)
            .where(BaseSession.base_id == base_id).order_by(BaseSession.starts_at, Booking.id))
    return [(b, s) for b, s in session.execute(stmt).tuples().all()]


# --- volunteer teams and social organisations ---------------------------------------------------------------


def create_group(session: Session, *, data: GroupIn, now: datetime) -> SocialGroup:
    check_division(session, data.region_code)
    if session.scalar(select(SocialGroup.id).where(SocialGroup.name == data.name)
                      .execution_options(skip_scope=True)) is not None:
        raise field_error("name", f"{data.name} is already registered", f"{data.name}已登记")
    group = SocialGroup(**data.model_dump(), created_at=now, updated_at=now)
    session.add(group)
    session.flush()
    return group


def get_group(session: Session, *, group_id: int) -> SocialGroup:
    return get_or_404(session, SocialGroup, group_id, what="group", what_zh="队伍或组织")


def _hours_by_member(activities: Sequence[Activity]) -> dict[int, float]:
    hours: dict[int, float] = {}
    for a in activities:
        for mid in a.member_ids or []:
            hours[int(mid)] = hours.get(int(mid), 0.0) + a.hours
    return hours


def group_reads(session: Session, groups: Sequence[SocialGroup]) -> list[GroupRead]:
    ids = [g.id for g in groups]
    members = dict(session.execute(select(Member.group_id, func.count()).where(Member.group_id.in_(ids))
                                   .group_by(Member.group_id)).tuples().all())
    acts: dict[int, list[Activity]] = {}
    for a in session.scalars(select(Activity).where(Activity.group_id.in_(ids))):
        acts.setdefault(a.group_id, []).append(a)
    out = []
    for g in groups:
        read = GroupRead.model_validate(g)
        read.members = int(members.get(g.id, 0))
        read.activities = len(acts.get(g.id, []))
        read.hours = round(sum(_hours_by_member(acts.get(g.id, [])).values()), 1)
        out.append(read)
    return out


def list_groups(session: Session, *, kind: str | None = None) -> list[GroupRead]:
    stmt = select(SocialGroup).order_by(SocialGroup.kind.desc(), SocialGroup.region_code, SocialGroup.id)
    if kind:
        stmt = stmt.where(SocialGroup.kind == kind)
    return group_reads(session, list(session.scalars(stmt)))


def add_member(session: Session, *, group_id: int, data: MemberIn, now: datetime) -> Member:
    group = get_group(session, group_id=group_id)
    if session.scalar(select(Member.id).where(Member.group_id == group_id, Member.name == data.name,
                                              Member.phone == data.phone)) is not None:
        raise field_error("name", f"{data.name} is already a member", f"{data.name}已是成员")
    row = Member(**data.model_dump(), group_id=group_id, region_code=group.region_code, created_at=now,
                 updated_at=now)
    session.add(row)
    session.flush()
    return row


def list_members(session: Session, *, group_id: int) -> list[MemberRead]:
    get_group(session, group_id=group_id)
    hours = _hours_by_member(list(session.scalars(select(Activity).where(Activity.group_id == group_id))))
    out = []
    for m in session.scalars(select(Member).where(Member.group_id == group_id).order_by(Member.id)):
        read = MemberRead.model_validate(m)
        read.hours = round(hours.get(m.id, 0.0), 1)
        out.append(read)
    return out


def add_activity(session: Session, *, group_id: int, data: ActivityIn, today: date, now: datetime) -> Activity:
    group = get_group(session, group_id=group_id)
    if data.held_on > today:
        raise field_error("held_on", "an activity is recorded after it is held", "活动日期不能晚于今天")
    ids = set(data.member_ids)
    known = set(session.scalars(select(Member.id).where(Member.group_id == group_id, Member.id.in_(ids))))
    if ids - known:
        raise field_error("member_ids", f"not members of this group: {sorted(ids - known)}", "所选人员不是该队伍成员")
    row = Activity(**{**data.model_dump(), "member_ids": sorted(ids)}, group_id=group_id,
                   region_code=group.region_code, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return row


def list_activities(session: Session, *, group_id: int) -> list[Activity]:
    get_group(session, group_id=group_id)
    return list(session.scalars(select(Activity).where(Activity.group_id == group_id)
                                .order_by(Activity.held_on.desc(), Activity.id)))
