"""工作台: the console's first page, per role — what needs the user now, and how its area stands.

The page is a list of sections. Each section names the roles it serves, a function that reads its data
through the domains' public services (one round of cheap, indexed queries) and a small partial template
in ``templates/workbench/``. A domain that brings its own section (emergency's duty desk, evaluation's
deadlines) adds one entry to ``SECTIONS``; nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, NamedTuple
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.auth.deps import Context, DbSession
from citysafe.auth.enums import Role
from citysafe.auth.schemas import Principal
from citysafe.core.cache import answers_slot, memo, scope_key
from citysafe.core.config import Settings
from citysafe.core.pagination import PageParams
from citysafe.core.validators import region_prefix
from citysafe.firewatch import service as firewatch
from citysafe.firewatch.enums import KIND_NAMES_ZH, STATE_NAMES_ZH
from citysafe.hazards import service as hazards
from citysafe.hazards.enums import LEVEL_NAMES_ZH
from citysafe.hazards.inspection import service as inspection
from citysafe.hazards.permits import service as permits
from citysafe.hazards.tickets.schemas import TicketFilter
from citysafe.orgs import service as orgs
from citysafe.regions import service as regions
from citysafe.regions.schemas import RegionRead
from citysafe.risk.enums import LEVEL_COLOURS, RiskLevel
from citysafe.risk.service import reports, stats
from citysafe.web.common import page_principal, render
from citysafe.web.i18n import N_, translator

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Desk:
    """What every section reads from: the request's session (scoped to the user), the user and the time."""

    db: Session
    principal: Principal
    settings: Settings
    now: datetime
    region: RegionRead  # the user's own division, with its path and children (the page's header reads it too)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(ZoneInfo(self.settings.timezone))


class Section(NamedTuple):
    key: str
    title: str
    template: str
    roles: frozenset[Role]
    build: Callable[[Desk], dict[str, Any]]
    # What the section reads, as a version (see ``_built``); None: built on every request.
    reads: Callable[[Desk], tuple[Any, ...]] | None = None


# Built sections, reused between requests while what they read has not changed (core/cache.py).
BUILT: Final = answers_slot("web.workbench_sections", kept=512)


def _built(desk: Desk, section: Section) -> dict[str, Any]:
    """The section's data, reused while its version (what it reads), the reader's scope and view and the
    division names are unchanged. Sections whose counts move with the clock (overdue, due soon) put the
    application's minute in their version; every answer is kept at most ``hazard_stats_cache_seconds`` (a
    bound for a change committed out of id order on PostgreSQL); 0 builds every section on every request."""
    if section.reads is None:
        return section.build(desk)
    try:
        built = BUILT.of(desk.db)
    except LookupError:  # a session made outside an application: nothing to share
        return section.build(desk)
    principal = desk.principal
    key = (section.key, scope_key(desk.db), principal.role, principal.region_code, section.reads(desk),
           regions.cached_names(desk.db).generation)
    return built.reused(key, lambda: section.build(desk), ttl=desk.settings.hazard_stats_cache_seconds)


def _minute(desk: Desk) -> datetime:
    return desk.now.replace(second=0, microsecond=0)


def _hazards_read(desk: Desk) -> tuple[Any, ...]:
    return _minute(desk), hazards.changes_version(desk.db)


def _mine_read(desk: Desk) -> tuple[Any, ...]:
    return desk.principal.user_id, _minute(desk), hazards.changes_version(desk.db)


def _alarms_read(desk: Desk) -> tuple[Any, ...]:
    # The shift's counts start at the shift change: a new shift is a new answer.
    return firewatch.shift_start(desk.now, desk.settings.timezone), firewatch.alarms_version(desk.db)


def _area_read(desk: Desk) -> tuple[Any, ...]:
    region = desk.principal.region_code
    return (_minute(desk), hazards.changes_version(desk.db), firewatch.alarms_version(desk.db),
            stats.data_version(desk.db, region_code=region))


def _due_read(desk: Desk) -> tuple[Any, ...]:
    """The white papers', the tasks' and the permits' versions in one statement, unscoped (coarser than the
    reader's view, never stale; the permits' conflicts look past the scope anyway), and the minute: overdue
    tasks, expired permits and gas re-tests move with the clock."""
    def read() -> tuple[Any, ...]:
        columns = [*reports.reports_version_columns(), *inspection.tasks_version_columns(),
                   *permits.permits_version_columns()]
        return tuple(desk.db.execute(select(*columns).execution_options(skip_scope=True)).one())

    return _minute(desk), memo(desk.db, "web.workbench_due_version", read)


def _names(desk: Desk, codes: set[str]) -> dict[str, str]:
    """'玄武区 玄武门街道' for a street: a city's list mixes districts, and a street alone does not say where.
    From the application's cached names (regions/names.py), so a page asks the database no more for them."""
    cached = regions.cached_names(desk.db)
    return {c: cached.full_name(c) or "" for c in codes}


def _tickets(desk: Desk, reporter_id: int | None = None) -> dict[str, Any]:
    digest = hazards.ticket_digest(desk.db, now=desk.now, reporter_id=reporter_id)
    return {"digest": digest, "region_names": _names(desk, {t.region_code for t in digest.pressing}),
            "level_names": LEVEL_NAMES_ZH}


def _mine(desk: Desk) -> dict[str, Any]:
    return _tickets(desk, reporter_id=desk.principal.user_id)


def _major_risks(desk: Desk) -> dict[str, Any]:
    region = desk.principal.region_code
    totals = stats.by_category(desk.db, region_code=region).totals()
    listed = stats.major_sources(desk.db, region_code=region, limit=6)
    levels = [(lvl.value, lvl.name_zh, LEVEL_COLOURS[lvl], totals.get(lvl.value, 0))
              for lvl in (RiskLevel.RED, RiskLevel.ORANGE)]
    return {"levels": levels, "sources": listed,
            "level_names": {lvl.value: lvl.name_zh for lvl in RiskLevel}}


def _alarms(desk: Desk) -> dict[str, Any]:
    since = firewatch.shift_start(desk.now, desk.settings.timezone)
    digest = firewatch.alarm_digest(desk.db, since=since)
    return {"digest": digest, "shift_from": desk.local(since).strftime("%m-%d %H:%M"),
            "kind_names": {k.value: v for k, v in KIND_NAMES_ZH.items()},
            "state_names": {s.value: v for s, v in STATE_NAMES_ZH.items()},
            "region_names": _names(desk, {a.region_code for a in digest.unacknowledged})}


class WhitePaper(NamedTuple):
    created_at: datetime


def _reports_due(desk: Desk) -> dict[str, Any]:
    year = desk.local(desk.now).year
    region = desk.principal.region_code
    latest = reports.latest_report(desk.db, region_code=region, year=year)
    # Kept between requests (``_built``): the date it was built, not the row of a closed session.
    built = WhitePaper(created_at=latest.created_at) if latest else None
    overdue_tasks = inspection.list_tasks(desk.db, params=PageParams(size=1), principal=desk.principal,
                                          now=desk.now, state="pending", overdue=True)[1]
    flags = permits.flags_summary(desk.db, settings=desk.settings, now=desk.now)
    return {"year": year, "whitepaper": built, "overdue_tasks": overdue_tasks,
            "permit_flags": flags}


@dataclass(frozen=True)
class AreaRow:
    code: str
    name: str
    open: int
    overdue: int
    major_open: int
    red: int
    orange: int
    alarms: int


def _area(desk: Desk) -> dict[str, Any]:
    region = desk.principal.region_code
    children = desk.region.children
    if not children:
        return {"rows": []}
    summary = hazards.hazard_stats(desk.db, filters=TicketFilter(), principal=desk.principal, now=desk.now,
                                   scope_region=region, cache_seconds=desk.settings.hazard_stats_cache_seconds)
    by_code = {r.code: r for r in summary.by_region}
    risk = {key: counts for key, _label, counts in stats.by_division(desk.db, region_code=region).rows}
    alarms = firewatch.open_alarm_counts_by_child(desk.db, prefix_length=len(region_prefix(children[0].code)))
    rows = []
    for child in children:
        key = region_prefix(child.code)
        tickets = by_code.get(child.code)
        levels = risk.get(key, {})
        rows.append(AreaRow(code=child.code, name=child.name, open=tickets.open if tickets else 0,
                            overdue=tickets.overdue if tickets else 0,
                            major_open=tickets.major_open if tickets else 0, red=levels.get("red", 0),
                            orange=levels.get("orange", 0), alarms=alarms.get(key, 0)))
    rows.sort(key=lambda r: (-r.overdue, -r.red, -r.alarms, r.code))
    return {"rows": rows}


def _permits(desk: Desk) -> dict[str, Any]:
    items, total = permits.list_permits(desk.db, params=PageParams(size=5), settings=desk.settings, now=desk.now)
    return {"permits": permits.permit_reads(desk.db, items, desk.settings, desk.now), "total": total,
            "flags": permits.flags_summary(desk.db, settings=desk.settings, now=desk.now)}


def _devices(desk: Desk) -> dict[str, Any]:
    registry = firewatch.registry_service
    units, unit_total = registry.list_units(desk.db, q=None, region=None, params=PageParams(size=5))
    uitd_total = registry.list_uitds(desk.db, registered=True, unit_id=None, params=PageParams(size=1))[1]
    iot_total = registry.list_iot_devices(desk.db, registered=True, unit_id=None, params=PageParams(size=1))[1]
    since = firewatch.shift_start(desk.now, desk.settings.timezone)
    digest = firewatch.alarm_digest(desk.db, since=since, limit=5)
    return {"units": units, "unit_total": unit_total, "uitd_total": uitd_total, "iot_total": iot_total,
            "digest": digest, "kind_names": {k.value: v for k, v in KIND_NAMES_ZH.items()}}


def _today_tasks(desk: Desk) -> dict[str, Any]:
    tasks, total = inspection.list_tasks(desk.db, params=PageParams(size=30), principal=desk.principal,
                                         now=desk.now, state="pending", mine=True)
    today_end = datetime.combine(desk.local(desk.now).date() + timedelta(days=1), datetime.min.time(),
                                 tzinfo=ZoneInfo(desk.settings.timezone))
    return {"tasks": tasks, "total": total, "now": desk.now,
            "due_today": sum(1 for t in tasks if desk.now <= t.due < today_end),
            "overdue": sum(1 for t in tasks if t.due < desk.now), "today_end": today_end}


_OFFICES = frozenset({Role.ADMIN, Role.PROVINCE_OFFICE, Role.CITY_OFFICE, Role.DISTRICT_OFFICE})
_SUPERVISORS = _OFFICES | {Role.DEPARTMENT}
_ALARM_DESK = frozenset({Role.OPERATOR, Role.FIRE_RESCUE})

# In page order; a role sees the sections that name it.
SECTIONS: tuple[Section, ...] = (
    Section("alarm_queue", N_("待受理告警"), "workbench/_alarm_queue.html", _ALARM_DESK, _alarms, _alarms_read),
    Section("today_tasks", N_("今日任务"), "workbench/_tasks.html", frozenset({Role.GRID_OFFICER}), _today_tasks),
    Section("my_reports", N_("我上报的隐患"), "workbench/_tickets.html", frozenset({Role.GRID_OFFICER}), _mine,
            _mine_read),
    Section("hazards", N_("隐患整改"), "workbench/_tickets.html", _SUPERVISORS | {Role.ENTERPRISE}, _tickets,
            _hazards_read),
    Section("major_risks", N_("重大、较大风险源"), "workbench/_risks.html", _SUPERVISORS, _major_risks),
    Section("open_alarms", N_("消防告警"), "workbench/_alarm_queue.html", _OFFICES, _alarms, _alarms_read),
    Section("permits", N_("特殊作业票"), "workbench/_permits.html", frozenset({Role.ENTERPRISE}), _permits),
    Section("devices", N_("消防设施与设备"), "workbench/_devices.html", frozenset({Role.ENTERPRISE}), _devices),
    Section("reports_due", N_("待办报告与期限"), "workbench/_due.html", _OFFICES, _reports_due,
            _due_read),
    Section("area", N_("辖区态势"), "workbench/_area.html", _SUPERVISORS, _area, _area_read),
)


def sections_for(role: Role) -> list[Section]:
    return [s for s in SECTIONS if role in s.roles]


@router.get("/", response_class=HTMLResponse)
def workbench(request: Request, db: DbSession, ctx: Context) -> Response:
    principal = page_principal(request, db)
    region = regions.read(db, code=principal.region_code)
    desk = Desk(db=db, principal=principal, settings=ctx.settings, now=ctx.clock.now(), region=region)
    # An enterprise's page is headed by its own name, not the district it lies in.
    title = orgs.get(db, org_id=principal.organization_id).name if principal.organization_id else region.name
    shown = [(s, _built(desk, s)) for s in sections_for(principal.role)]
    return render(request, "workbench/page.html", principal, region=region, title=title, sections=shown,
                  today=translator(request).date(desk.local(desk.now).date()))
