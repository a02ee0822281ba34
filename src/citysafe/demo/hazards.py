"""Hazard work in the demo city: grids in Xuanwu, places, a few hundred tickets at every stage of the loop
(some overdue and escalated, some major with plans), an inspection plan, permits with a conflict and an
expiry, enforcement records and a joint-punishment entry. Everything goes through the services, so the
demo data obey the same rules as real data; times are spread over the last four months.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from shapely.geometry import box, shape
from sqlalchemy.orm import Session

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import Principal, UserCreate
from citysafe.core.clock import utcnow
from citysafe.core.config import Settings
from citysafe.core.context import context_of
from citysafe.core.pagination import PageParams
from citysafe.demo.photos import site_photo
from citysafe.hazards import service as hazards_service
from citysafe.hazards.enforcement import service as enforcement
from citysafe.hazards.enforcement.schemas import EnforcementCreate, PunishmentCreate
from citysafe.hazards.enums import HazardCategory
from citysafe.hazards.grids import service as grids
from citysafe.hazards.grids.schemas import GridCreate, OfficerCreate, PlaceCreate
from citysafe.hazards.inspection import service as inspection
from citysafe.hazards.inspection.schemas import PlanCreate, TaskResultIn
from citysafe.hazards.permits import service as permits
from citysafe.hazards.permits.schemas import GasTestIn, PermitActionIn, PermitCreate
from citysafe.hazards.tickets import service as tickets
from citysafe.hazards.tickets.schemas import TicketCreate, TransitionIn
from citysafe.orgs import service as orgs_service
from citysafe.orgs.schemas import OrganizationFilter
from citysafe.regions import service as regions_service

XUANWU = "320102"
# Three communities of 梅园新村街道, each drawn as three 400 m cells around 大行宫 (community boundaries are
# not in the packaged data, so these grids are illustrative, not surveyed).
GRID_COMMUNITIES = ["320102002001", "320102002002", "320102002005"]
GRID_ORIGIN = (118.7895, 32.0405)
CELL = 0.004
DESCRIPTIONS = {
    HazardCategory.NINE_SMALL: ["灭火器过期未更换", "电动自行车在店内充电", "安全出口被货物堵塞", "液化气瓶未固定"],
    HazardCategory.GROUP_RENTAL: ["出租屋采用可燃材料隔断", "楼道内私拉电线充电", "窗户安装固定防盗网影响逃生"],
    HazardCategory.HIGH_RISE: ["消防车通道被占用", "常闭防火门处于开启状态", "消火栓箱内水带缺失"],
    HazardCategory.FIRE_SAFETY: ["火灾自动报警系统故障未修复", "疏散指示标志损坏", "消防控制室无人值守"],
    HazardCategory.CONSTRUCTION: ["脚手架连墙件缺失", "基坑临边防护不到位", "塔吊限位装置失效"],
    HazardCategory.HAZARDOUS_CHEMICALS: ["储罐区可燃气体报警器未投用", "装卸作业未使用万向管道", "仓库超量储存"],
    HazardCategory.TOWN_GAS: ["餐饮场所燃气管道老化", "燃气管道被违章建筑占压"],
    HazardCategory.FLOOD: ["地下车库挡水板缺失", "低洼路段排水不畅"],
    HazardCategory.ROAD_TRANSPORT: ["危货车辆动态监控离线", "客运车辆超员"],
}
STEPS = ["assign", "start", "submit", "pass", "close"]


def _upload_root(session: Session, settings: Settings) -> Path:
    # The demo database lives in its data directory (citysafe demo --data-dir); uploads belong beside it.
    url = session.get_bind().engine.url
    if url.get_backend_name() == "sqlite" and url.database:
        return Path(url.database).parent
    return settings.data_dir


class _Demo:
    def __init__(self, session: Session, rng: random.Random) -> None:
        self.session, self.rng, self.settings, self.now = session, rng, context_of(session).settings, utcnow()
        self.root = _upload_root(session, self.settings)
        users = {u.username: u for u in auth_service.list_users(session, params=PageParams(size=500))[0]}
        self.users = users
        self.office = auth_service.principal_for(users["xuanwu"])
        self.city = auth_service.principal_for(users["nanjing"])
        self.grid_officer = auth_service.principal_for(users["grid"])
        orgs = orgs_service.list_organizations(session, filters=OrganizationFilter(region=XUANWU),
                                               params=PageParams(size=100))[0]
        self.xuanwu_orgs = orgs
        nanjing = orgs_service.list_organizations(session, filters=OrganizationFilter(region="320100"),
                                                  params=PageParams(size=500))[0]
        self.chemical = next((o for o in nanjing if o.sector == "危险化学品"), nanjing[0])
        self.enterprise = self._enterprise_user("qiye", orgs[0], "企业安全员（演示）")
        self.chemical_staff = [self._enterprise_user(f"huagong{i}", self.chemical, name)
                               for i, name in enumerate(["化工企业安全员", "作业单位负责人", "安全管理部门"], 1)]

    def _enterprise_user(self, username: str, org: Any, name: str) -> Principal:
        user = auth_service.create_user(self.session, user_in=UserCreate(
            username=username, password="demo-only-" + username, role="enterprise",
            region_code=org.region_code[:6], display_name=name, organization_id=org.id))
        # Demo accounts share one password (printed by `citysafe demo`): reuse the grid officer's.
        user.password_hash = self.users["grid"].password_hash
        return auth_service.principal_for(user)

    def photo(self, who: Principal, region: str, at: datetime, scene: str = "blocked_exit") -> list[int]:
        data = site_photo(self.rng, scene=scene, at=at)
        stored = tickets.store_attachment(self.session, data=data, filename="现场照片.jpg", field="file",
                                          root=self.root, max_bytes=self.settings.upload_max_bytes,
                                          region_code=region, uploaded_by=who.user_id, now=at)
        return [stored.id]

    def grids_and_places(self) -> list[Any]:
        district = shape(regions_service.boundary_feature(self.session, code=XUANWU)["geometry"])
        codes = []
        for row, community in enumerate(GRID_COMMUNITIES):
            for col in range(3):
                x, y = GRID_ORIGIN[0] + col * CELL, GRID_ORIGIN[1] + row * CELL
                cell = box(x, y, x + CELL, y + CELL).intersection(district)
                if cell.is_empty or cell.geom_type != "Polygon":
                    continue
                grid = grids.create_grid(self.session, grid_in=GridCreate(
                    community_code=community, name=f"第{col + 1}网格", boundary=cell.__geo_interface__))
                codes.append(grid.code)
        self.officer_grids = codes[:3]
        for code in self.officer_grids:
            grids.add_officer(self.session, code=code, officer_in=OfficerCreate(user_id=self.grid_officer.user_id))
        places = []
        names = [("老王小吃店", "nine_small"), ("美发屋", "nine_small"), ("便民超市", "nine_small"),
                 ("长江路出租屋", "group_rental"), ("碑亭巷合租房", "group_rental"), ("大行宫广场写字楼", "high_rise"),
                 ("网吧", "nine_small"), ("小旅馆", "nine_small"), ("洗浴中心", "nine_small")]
        for i, (name, kind) in enumerate(names):
            x = GRID_ORIGIN[0] + (i % 3) * CELL + self.rng.uniform(0.0005, CELL - 0.0005)
            y = GRID_ORIGIN[1] + (i // 3) * CELL + self.rng.uniform(0.0005, CELL - 0.0005)
            places.append(grids.create_place(self.session, fallback_region=XUANWU, place_in=PlaceCreate(
                name=name, place_type=kind, address=f"玄武区长江路{i + 10}号", location={"lon": x, "lat": y})))
        return places

    def ticket_through(self, ticket_in: TicketCreate, reporter: Principal, at: datetime, steps: int) -> None:
        ticket = tickets.report(self.session, ticket_in=ticket_in, principal=reporter, settings=self.settings, now=at)
        rectifier = self.enterprise if ticket.organization_id == self.enterprise.organization_id else self.office
        plan = {"measures": "制定专项整改方案，更换设施并加强巡查", "funds": "50000", "responsible": "王伟",
                "deadline": (at + timedelta(days=80)).isoformat(), "safeguards": "设置警戒区，停止相关作业"}
        last = when = at
        for action in STEPS[:steps]:
            if action == "assign" and ticket.state != "reported":
                continue
            # Each step a few days after the one before, in office hours or not, as people get round to it.
            when += timedelta(days=self.rng.randint(1, 4), hours=self.rng.uniform(0.5, 9))
            if when >= self.now:
                break
            who = {"assign": self.office, "start": rectifier, "submit": rectifier, "pass": self.city,
                   "close": self.office}[action]
            evidence = self.photo(who, ticket.region_code, when, "clear_exit") if action in ("submit", "pass") else []
            change = TransitionIn.model_validate({
                "action": action, "note": {"assign": "请限期整改", "submit": "已按要求整改完毕", "pass": "现场复查合格",
                                           "close": "同意销号"}.get(action, ""),
                "organization_id": ticket.organization_id, "responsible_name": ticket.place_name or "属地责任人",
                "attachment_ids": evidence, "plan": plan if ticket.level == "major" else None})
            tickets.transition(self.session, ticket=ticket, change=change, principal=who, settings=self.settings,
                               now=when)
            last = when
        self.session.flush()
        ticket.updated_at = last  # the seeding itself is no update: the ticket last changed at its last step

    def tickets(self, places: list[Any], n: int) -> None:
        streets = [s.code for d in ("320102", "320104", "320105", "320106", "320113", "320114")
                   for s in regions_service.children(self.session, code=d)]
        for i in range(n):
            at = self.now - timedelta(days=self.rng.uniform(1, 120))
            category = self.rng.choice(list(DESCRIPTIONS))
            place = self.rng.choice(places) if i % 3 == 0 else None
            org = self.rng.choice(self.xuanwu_orgs) if i % 5 == 1 else None
            reporter = self.grid_officer if place is not None else self.rng.choice([self.office, self.city])
            ticket_in = TicketCreate(
                category=category, description=self.rng.choice(DESCRIPTIONS[category]),
                place_id=place.id if place else None, organization_id=org.id if org else None,
                region_code=None if place or org else self.rng.choice(streets),
                level="major" if self.rng.random() < 0.06 else None,
                attachment_ids=self.photo(reporter, reporter.region_code, at,
                                          self.rng.choice(("blocked_exit", "corridor"))))
            self.ticket_through(ticket_in, reporter, at, steps=self.rng.choices(range(6), [2, 2, 2, 1, 1, 6])[0])

    def inspection(self, places: list[Any]) -> None:
        inspection.seed_default_checklists(self.session, owner_region_code="320000", settings=self.settings)
        start = self.now - timedelta(days=20)
        plan = inspection.create_plan(self.session, principal=self.office, plan_in=PlanCreate(
            name="“九小”场所消防安全专项排查", place_type="nine_small", assignee_kind="grid", period_start=start,
            period_end=self.now + timedelta(days=10)))
        plan.created_at = start
        pending, _ = inspection.list_tasks(self.session, params=PageParams(size=50), principal=self.office,
                                           now=self.now)
        for n, task in enumerate([t for t in pending if t.grid_code in self.officer_grids][:3]):
            # The plan went out on its first day; the officer works through the places over the weeks since.
            task.created_at = start
            done = self.now - timedelta(days=2 + 8 * n, hours=self.rng.randint(0, 6))
            items: list[dict[str, Any]] = [{"code": i.code, "result": "pass"} for i in inspection.get_checklist(
                self.session, checklist_id=task.checklist_id).items]
            items[1] = {"code": items[1]["code"], "result": "fail", "note": "安全出口堆放杂物",
                        "attachment_ids": self.photo(self.grid_officer, task.region_code, done)}
            inspection.complete_task(self.session, task=task, principal=self.grid_officer, settings=self.settings,
                                     now=done, results_in=TaskResultIn.model_validate({"items": items}))
            self.session.flush()
            task.updated_at = done

    def permits(self) -> None:
        applicant, leader, safety = self.chemical_staff
        base = self.now.replace(minute=0, second=0, microsecond=0)
        for work_type, grade, area, lon, start, hours in [
                ("confined_space", "single", "2#反应釜", 118.80000, base - timedelta(hours=2), 12),
                ("hot_work", "level2", "2#反应釜旁管廊", 118.80008, base - timedelta(hours=1), 24),
                ("work_at_height", None, "仓库屋面", 118.80500, base - timedelta(days=3), 48)]:
            permit = permits.apply(self.session, principal=applicant, settings=self.settings, now=start, permit_in=
                                   PermitCreate(work_type=work_type, grade=grade, area=area, content="检修作业",
                                                height_m=12 if work_type == "work_at_height" else None,
                                                guardian="李监护", work_leader="张班长", valid_from=start,
                                                valid_to=start + timedelta(hours=hours),
                                                location={"lon": lon, "lat": 32.10}))
            for who in (leader, safety)[:len(permit.approval_chain)]:
                permits.act(self.session, permit=permit, principal=who, settings=self.settings, now=start,
                            action_in=PermitActionIn(action="approve"))
            if work_type == "confined_space":
                permits.add_gas_test(self.session, permit=permit, principal=leader, settings=self.settings, now=start,
                                     test_in=GasTestIn(oxygen_pct=20.8, combustible_pct_lel=0, tester_name="检测员"))
                permits.act(self.session, permit=permit, principal=leader, settings=self.settings, now=start,
                            action_in=PermitActionIn(action="start"))

    def enforcement(self) -> None:
        target = self.xuanwu_orgs[1] if len(self.xuanwu_orgs) > 1 else self.xuanwu_orgs[0]
        record_in = EnforcementCreate.model_validate({
            "kind": "crackdown", "organization_id": target.id, "sector": target.sector,
            "department": "玄武区应急管理局", "inspected_at": self.now - timedelta(days=30),
            "inspectors": "执法人员甲、乙",
            "findings": "重大事故隐患逾期未整改", "violations": "违反《安全生产法》第一百零二条",
            "measures": ["责令停产停业整顿"], "penalties": [{"kind": "fine", "amount": "50000",
                                                       "decided_at": self.now - timedelta(days=25),
                                                       "decision_no": "玄应急罚〔2025〕8号"}]})
        record = enforcement.create_record(self.session, principal=self.office, record_in=record_in)
        enforcement.create_punishment(self.session, principal=self.office, punishment_in=PunishmentCreate(
            organization_id=target.id, reason="重大事故隐患拒不整改，被责令停产停业整顿", record_id=record.id,
            basis="《关于加强安全生产领域失信行为惩戒的意见》", measures=["限制参与政府采购", "限制融资授信"],
            decided_by="玄武区安委办", starts_at=self.now - timedelta(days=20), ends_at=self.now + timedelta(days=345)))
        for name in ("无证经营加油点", "非法储存烟花爆竹窝点"):
            enforcement.create_record(self.session, principal=self.office, record_in=EnforcementCreate.model_validate({
                "kind": "crackdown", "target_name": name, "region_code": "320102003", "department": "玄武区应急管理局",
                "inspected_at": self.now - timedelta(days=self.rng.randint(1, 60)), "measures": ["依法取缔"]}))


def seed_demo(session: Session, rng: random.Random) -> None:
    demo = _Demo(session, rng)
    places = demo.grids_and_places()
    demo.tickets(places, 160)
    demo.inspection(places)
    demo.permits()
    demo.enforcement()
    hazards_service.open_ticket_for_fault(session, {
        "alarm_id": 900001, "unit_organization_id": demo.xuanwu_orgs[0].id, "region_code": "320102002",
        "description": "喷淋泵控制柜故障", "device_address": "100001", "component": "喷淋泵",
        "opened_at": (demo.now - timedelta(days=4)).isoformat()}, settings=demo.settings, now=demo.now)
    hazards_service.sweep_overdue(session, now=demo.now, settings=demo.settings, limit=10_000)
