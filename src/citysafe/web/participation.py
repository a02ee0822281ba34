"""Console pages of publicity, training and participation (issue #15 point 6): a month's calendar of publicity and
training events with their seats and a registration form; the safety experience bases with their coming sessions,
seats left and a booking form for a school or company; the volunteer teams and social organisations, each with its
members (hours served) and activities. Over capacity or a second booking by the same unit is refused in Chinese."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from citysafe.auth import service as auth_service
from citysafe.auth.deps import DbSession, app_context
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.clock import to_local
from citysafe.core.errors import field_error
from citysafe.public.participation import service
from citysafe.public.participation.schemas import (
    AUDIENCES_ZH,
    EVENT_KINDS_ZH,
    GROUP_KINDS_ZH,
    VISITOR_KINDS_ZH,
    ActivityIn,
    BaseIn,
    BookingIn,
    EventIn,
    GroupIn,
    MemberIn,
    RegistrationIn,
    SessionIn,
)
from citysafe.regions import service as regions_service
from citysafe.regions.models import Region
from citysafe.web.common import page_principal, render
from citysafe.web.forms import flash, optional_int, optional_moment, posted, run_action
from citysafe.web.i18n import N_, translator

router = APIRouter(include_in_schema=False)
LABELS = {"title": N_("名称"), "kind": N_("类型"), "audience": N_("对象"),
          "organiser": N_("主办单位"), "place": N_("地点"), "region_code": N_("所在区划"),
          "capacity": N_("名额"), "starts_at": N_("开始时间"), "ends_at": N_("结束时间"),
          "registrant": N_("报名单位"), "people": N_("人数"), "contact": N_("联系人"),
          "visitor": N_("预约单位"), "visitor_kind": N_("单位类型"), "name": N_("名称"),
          "leader": N_("负责人"), "phone": N_("联系电话"), "focus": N_("服务方向"),
          "registration_no": N_("登记证号"), "joined_on": N_("加入日期"),
          "skills": N_("技能"), "held_on": N_("活动日期"), "hours": N_("每人服务时长"),
          "member_ids": N_("参加成员"), "address": N_("地址"), "session_id": N_("场次")}
WEEKDAYS = (N_("周一"), N_("周二"), N_("周三"), N_("周四"), N_("周五"), N_("周六"), N_("周日"))


def _principal(request: Request, db: DbSession, permission: str = Permission.READ_ORGANIZATIONS) -> Principal:
    principal = page_principal(request, db)
    auth_service.require(principal, permission)
    return principal


def _zone(request: Request) -> str:
    return str(app_context(request).settings.timezone)


def _regions(db: DbSession, principal: Principal) -> list[Region]:
    own = regions_service.get(db, code=principal.region_code)
    return [own, *regions_service.children(db, code=own.code)]


def _month(value: str, today: date) -> date:
    try:
        year, month = (int(x) for x in value.split("-", 1))
        return date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


# --- events calendar ----------------------------------------------------------------------------------------


@router.get("/participation/events", response_class=HTMLResponse)
def events_page(request: Request, db: DbSession) -> Response:
    principal = _principal(request, db)
    today = to_local(app_context(request).clock.now()).date()
    first = _month(request.query_params.get("month", ""), today)
    zone = ZoneInfo(_zone(request))
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    start = datetime.combine(first, datetime.min.time(), zone)
    events = service.list_events(db, start=start, end=start + timedelta(days=last.day))
    by_day: dict[date, list[object]] = {}
    for e in events:
        by_day.setdefault(to_local(e.starts_at).date(), []).append(e)
    grid_start = first - timedelta(days=first.weekday())
    weeks = -(-((last - grid_start).days + 1) // 7)
    days = [grid_start + timedelta(days=n) for n in range(weeks * 7)]
    prev_month = (first - timedelta(days=1)).replace(day=1)
    return render(request, "participation/events.html", principal, tab="events", first=first, days=days,
                  by_day=by_day, events=events, today=today, weekdays=WEEKDAYS, kinds=EVENT_KINDS_ZH,
                  audiences=AUDIENCES_ZH, regions=_regions(db, principal), own_region=principal.region_code,
                  prev=prev_month.strftime("%Y-%m"), next=(last + timedelta(days=1)).strftime("%Y-%m"),
                  now=app_context(request).clock.now(), can_write=principal.can(Permission.WRITE_ORGANIZATIONS),
                  **flash(request))


@router.post("/participation/events", response_model=None)
async def add_event(request: Request, db: DbSession) -> Response:
    _principal(request, db, Permission.WRITE_ORGANIZATIONS)
    values = posted(await request.form(), ("title", "kind", "audience", "organiser", "place", "region_code",
                                            "capacity", "starts_at", "ends_at", "description"))
    t = translator(request)

    def action() -> str:
        zone = _zone(request)
        data = EventIn.model_validate({**values, "capacity": values["capacity"] or None,
                                       "starts_at": optional_moment(values, "starts_at", zone),
                                       "ends_at": optional_moment(values, "ends_at", zone)})
        service.create_event(db, data=data, now=app_context(request).clock.now())
        return t.gettext("活动已发布：%(title)s", title=data.title)

    return run_action(db, "/participation/events", action, labels=LABELS, t=t)


@router.post("/participation/events/{event_id}/registrations", response_model=None)
async def register(event_id: RowId, request: Request, db: DbSession) -> Response:
    _principal(request, db, Permission.WRITE_ORGANIZATIONS)
    values = posted(await request.form(), ("registrant", "people", "contact", "month"))
    t = translator(request)
    page = f"/participation/events?month={values['month']}" if values["month"] else "/participation/events"

    def action() -> str:
        data = RegistrationIn.model_validate({**values, "people": values["people"] or None})
        service.register(db, event_id=event_id, data=data, now=app_context(request).clock.now())
        return t.gettext("%(who)s已报名，%(n)s 人", who=data.registrant, n=data.people)

    return run_action(db, page, action, labels=LABELS, t=t)


# --- experience bases ---------------------------------------------------------------------------------------


@router.get("/participation/bases", response_class=HTMLResponse)
def bases_page(request: Request, db: DbSession) -> Response:
    principal = _principal(request, db)
    now = app_context(request).clock.now()
    bases = service.list_bases(db)
    return render(request, "participation/bases.html", principal, tab="bases", bases=bases,
                  sessions={b.id: service.list_sessions(db, base_id=b.id, since=now) for b in bases},
                  bookings={b.id: [(bk, s) for bk, s in service.list_bookings(db, base_id=b.id) if s.ends_at > now]
                            for b in bases},
                  visitor_kinds=VISITOR_KINDS_ZH, regions=_regions(db, principal), own_region=principal.region_code,
                  can_write=principal.can(Permission.WRITE_ORGANIZATIONS), **flash(request))


@router.post("/participation/bases", response_model=None)
async def add_base(request: Request, db: DbSession) -> Response:
    _principal(request, db, Permission.WRITE_ORGANIZATIONS)
    values = posted(await request.form(), ("name", "region_code", "address", "themes", "operator", "phone"))
    t = translator(request)

    def action() -> str:
        themes = [x.strip() for x in values["themes"].replace("，", "、").replace(",", "、").split("、") if x.strip()]
        data = BaseIn.model_validate({**values, "themes": themes})
        service.create_base(db, data=data, now=app_context(request).clock.now())
        return t.gettext("已登记：%(name)s", name=data.name)

    return run_action(db, "/participation/bases", action, labels=LABELS, t=t)


@router.post("/participation/bases/{base_id}/sessions", response_model=None)
async def add_session(base_id: RowId, request: Request, db: DbSession) -> Response:
    _principal(request, db, Permission.WRITE_ORGANIZATIONS)
    values = posted(await request.form(), ("starts_at", "ends_at", "capacity"))
    t = translator(request)

    def action() -> str:
        zone = _zone(request)
        data = SessionIn.model_validate({"capacity": values["capacity"] or None,
                                         "starts_at": optional_moment(values, "starts_at", zone),
                                         "ends_at": optional_moment(values, "ends_at", zone)})
        service.add_session(db, base_id=base_id, data=data, now=app_context(request).clock.now())
        return t.gettext("已开放场次")

    return run_action(db, "/participation/bases", action, labels=LABELS, t=t)


@router.post("/participation/bookings", response_model=None)
async def book(request: Request, db: DbSession) -> Response:
    _principal(request, db, Permission.WRITE_ORGANIZATIONS)
    values = posted(await request.form(), ("session_id", "visitor", "visitor_kind", "people", "contact"))
    t = translator(request)

    def action() -> str:
        session_id = optional_int(values, "session_id")
        if session_id is None:
            raise field_error("session_id", "choose a session", "请选择场次")
        data = BookingIn.model_validate({**values, "people": values["people"] or None})
        service.book(db, session_id=session_id, data=data, now=app_context(request).clock.now())
        return t.gettext("%(who)s预约成功，%(n)s 人", who=data.visitor, n=data.people)

    return run_action(db, "/participation/bases", action, labels=LABELS, t=t)


# --- volunteer teams and social organisations ---------------------------------------------------------------


@router.get("/participation/groups", response_class=HTMLResponse)
def groups_page(request: Request, db: DbSession) -> Response:
    principal = _principal(request, db)
    return render(request, "participation/groups.html", principal, tab="groups", groups=service.list_groups(db),
                  kinds=GROUP_KINDS_ZH, regions=_regions(db, principal), own_region=principal.region_code,
                  can_write=principal.can(Permission.WRITE_ORGANIZATIONS), **flash(request))


@router.post("/participation/groups", response_model=None)
async def add_group(request: Request, db: DbSession) -> Response:
    _principal(request, db, Permission.WRITE_ORGANIZATIONS)
    values = posted(await request.form(), ("name", "kind", "region_code", "registration_no", "focus", "leader",
                                            "phone", "founded_on"))
    t = translator(request)

    def action() -> str:
        data = GroupIn.model_validate({**values, "founded_on": values["founded_on"] or None})
        service.create_group(db, data=data, now=app_context(request).clock.now())
        return t.gettext("已登记：%(name)s", name=data.name)

    return run_action(db, "/participation/groups", action, labels=LABELS, t=t)


@router.get("/participation/groups/{group_id}", response_class=HTMLResponse)
def group_page(group_id: RowId, request: Request, db: DbSession) -> Response:
    principal = _principal(request, db)
    group = service.group_reads(db, [service.get_group(db, group_id=group_id)])[0]
    members = service.list_members(db, group_id=group_id)
    return render(request, "participation/group.html", principal, tab="groups", g=group, members=members,
                  names={m.id: m.name for m in members}, activities=service.list_activities(db, group_id=group_id),
                  kinds=GROUP_KINDS_ZH, today=to_local(app_context(request).clock.now()).date(),
                  can_write=principal.can(Permission.WRITE_ORGANIZATIONS), **flash(request))


@router.post("/participation/groups/{group_id}/members", response_model=None)
async def add_member(group_id: RowId, request: Request, db: DbSession) -> Response:
    _principal(request, db, Permission.WRITE_ORGANIZATIONS)
    values = posted(await request.form(), ("name", "phone", "skills", "joined_on"))
    t = translator(request)

    def action() -> str:
        data = MemberIn.model_validate({**values, "joined_on": values["joined_on"] or None})
        service.add_member(db, group_id=group_id, data=data, now=app_context(request).clock.now())
        return t.gettext("成员已加入：%(name)s", name=data.name)

    return run_action(db, f"/participation/groups/{group_id}", action, labels=LABELS, t=t)


@router.post("/participation/groups/{group_id}/activities", response_model=None)
async def add_activity(group_id: RowId, request: Request, db: DbSession) -> Response:
    _principal(request, db, Permission.WRITE_ORGANIZATIONS)
    form = await request.form()
    values = posted(form, ("title", "held_on", "place", "hours", "description"))
    t = translator(request)

    def action() -> str:
        data = ActivityIn.model_validate({**values, "held_on": values["held_on"] or None,
                                          "hours": values["hours"] or None,
                                          "member_ids": [str(v) for v in form.getlist("member_ids")]})
        now = app_context(request).clock.now()
        service.add_activity(db, group_id=group_id, data=data, today=to_local(now).date(), now=now)
        return t.gettext("活动已记录：%(title)s", title=data.title)

    return run_action(db, f"/participation/groups/{group_id}", action, labels=LABELS, t=t)
