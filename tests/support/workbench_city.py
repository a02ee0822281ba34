"""A small city for the workbench tests: one user of each working role, tickets overdue and due soon in two
districts, open alarms of several kinds, an enterprise's permit and an inspection task for a grid officer.

Built through the services (and alarm rows written as the engine writes them), at a fixed ``now`` the tests
pass to the application's clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.pagination import PageParams
from citysafe.firewatch.alarms.models import Alarm
from citysafe.hazards.grids import service as grids_service
from citysafe.hazards.grids.schemas import PlaceCreate
from citysafe.hazards.inspection import checklists
from citysafe.hazards.inspection import service as inspection
from citysafe.hazards.inspection.schemas import PlanCreate
from citysafe.hazards.permits import service as permits
from citysafe.hazards.permits.schemas import PermitCreate
from citysafe.hazards.tickets import service as tickets
from citysafe.hazards.tickets.schemas import TicketCreate
from citysafe.orgs import service as orgs_service
from citysafe.orgs.enums import OrganizationKind
from citysafe.orgs.schemas import Contact, Location, OrganizationCreate

# 2026-03-02 10:00 in Shanghai: the day shift began at 08:00.
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
PASSWORD = "correct-horse"


@dataclass(frozen=True)
class WorkbenchCity:
    enterprise_org_id: int
    overdue_ticket_id: int
    other_ticket_id: int
    fire_alarm_id: int
    fault_alarm_id: int
    task_id: int


def _alarm(kind: str, *, region: str, org: int | None, unit: str, component: str, at: datetime,
           state: str = "new") -> Alarm:
    closed = state in ("confirmed", "false_alarm", "test", "restored")
    what = "报警" if kind == "fire" else "故障"
    return Alarm(point_key=f"{unit}:{component}:{kind}", kind=kind, state=state, is_open=not closed,
                 source="gb26875", device_address="100001", organization_id=org, unit_name=unit, component=component,
                 description=f"{component}{what}", region_code=region, first_received_at=at, last_received_at=at)


def seed(ctx: AppContext, *, city_office: bool = True) -> WorkbenchCity:
    """``city_office=False`` when the e2e ``demo_city`` fixture has already made the ``nanjing`` account."""
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        users = {username: auth_service.create_user(session, user_in=UserCreate(
            username=username, password=PASSWORD, role=role, region_code=region, display_name=name))
            for username, role, region, name in [
                *([("nanjing", "city_office", "320100", "南京市安委办")] if city_office else []),
                ("duty", "operator", "320100", "监控中心值班员"),
                ("grid", "grid_officer", "320102", "玄武区网格员"), ("dept", "department", "320100", "市住建局"),
                ("xuanwu", "district_office", "320102", "玄武区安委办")]}
        org = orgs_service.create(session, org_in=OrganizationCreate(
            name="南京钟山化工有限公司", kind=OrganizationKind.ENTERPRISE, region_code="320102002",
            address="南京市玄武区龙蟠路88号", location=Location(lon=118.80, lat=32.07),
            contacts=[Contact(name="王伟", phone="13951000001", role="安全负责人")]))
        other = orgs_service.create(session, org_in=OrganizationCreate(
            name="南京秦淮商业广场", kind=OrganizationKind.NETWORKED_UNIT, region_code="320104",
            address="南京市秦淮区中华路100号", location=Location(lon=118.78, lat=32.02)))
        enterprise = auth_service.create_user(session, user_in=UserCreate(
            username="zhongshan", password=PASSWORD, role="enterprise", region_code="320102",
            organization_id=org.id, display_name="钟山化工安全科"))
        # Reported ten days ago with a seven-day deadline: three days overdue. The other is due tomorrow.
        overdue = tickets.report(session, ticket_in=TicketCreate(
            category="fire_safety", title="消防通道堆放杂物", description="二号仓库消防通道堆放纸箱，堵塞疏散通道",
            region_code="320102002", organization_id=org.id, deadline=NOW - timedelta(days=3)),
            principal=None, settings=ctx.settings, now=NOW - timedelta(days=10))
        soon = tickets.report(session, ticket_in=TicketCreate(
            category="fire_safety", title="应急照明失效", description="三层应急照明灯不亮",
            region_code="320104", organization_id=other.id, deadline=NOW + timedelta(days=1)),
            principal=None, settings=ctx.settings, now=NOW - timedelta(days=2))
        # A fault that came in after the fire: the fire still comes first on the operator's queue.
        fire = _alarm("fire", region="320104", org=other.id, unit="南京秦淮商业广场", component="3层B区感烟探测器",
                      at=NOW - timedelta(minutes=20))
        fault = _alarm("fault", region="320102002", org=org.id, unit="南京钟山化工有限公司", component="1号消防水泵",
                       at=NOW - timedelta(minutes=5))
        done = _alarm("fire", region="320104", org=other.id, unit="南京秦淮商业广场", component="厨房感温探测器",
                      at=NOW - timedelta(hours=1), state="false_alarm")
        session.add_all([fire, fault, done])
        principal = auth_service.principal_for(enterprise)
        permits.apply(session, permit_in=PermitCreate(
            work_type="hot_work", grade="level2", area="二号仓库东侧管廊", content="管道支架焊接", guardian="张强",
            valid_from=NOW + timedelta(hours=1), valid_to=NOW + timedelta(hours=20)),
            principal=principal, settings=ctx.settings, now=NOW)
        checklists.seed_defaults(session, owner_region_code="320000", settings=ctx.settings)
        place = grids_service.create_place(session, place_in=PlaceCreate(
            name="玄武门街道沿街小餐饮店", place_type="nine_small", region_code="320102002",
            address="南京市玄武区玄武门街道湖南路12号"), fallback_region="320102")
        office = auth_service.principal_for(users["xuanwu"])
        plan = inspection.create_plan(session, plan_in=PlanCreate(
            name="三月九小场所消防检查", place_type="nine_small", region_code="320102",
            period_start=NOW - timedelta(days=1), period_end=NOW + timedelta(hours=6), assignee_kind="officer",
            assignee_user_id=users["grid"].id,
            place_ids=[place.id]), principal=office)
        session.flush()
        task_id = inspection.list_tasks(session, params=PageParams(size=5), principal=office, now=NOW,
                                        plan_id=plan.id)[0][0].id
        return WorkbenchCity(enterprise_org_id=org.id, overdue_ticket_id=overdue.id, other_ticket_id=soon.id,
                             fire_alarm_id=fire.id, fault_alarm_id=fault.id, task_id=task_id)


def seed_alarm(ctx: AppContext, *, kind: str, region: str, org: int | None, unit: str, component: str,
               at: datetime) -> int:
    """One more open alarm, written in its own transaction as the engine writes its row; its id."""
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        alarm = _alarm(kind, region=region, org=org, unit=unit, component=component, at=at)
        session.add(alarm)
        session.flush()
        return alarm.id


def seeded_at_now(ctx: AppContext) -> WorkbenchCity:
    """The city, with the application's clock stopped at ``NOW`` (the tests' ``city`` fixtures)."""
    ctx.clock = FixedClock(NOW)
    return seed(ctx)


def login(client: TestClient, username: str) -> None:
    """A fresh console session of ``username`` (its cookie on ``client``)."""
    client.cookies.clear()
    answer = client.post("/login", data={"username": username, "password": PASSWORD, "next": "/"},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text


def section(html: str, key: str) -> str:
    """One section of the workbench page, by key."""
    assert f'data-section="{key}"' in html, key
    return html.split(f'data-section="{key}"', 1)[1].split("</section>", 1)[0]
