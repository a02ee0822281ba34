"""Demo data for emergency: a year of incidents in Nanjing, their information reports and ledger entries, the
duty roster of the city and its districts, and (``emergency_plans``) the plans and drills.

Everything goes through the domain's services with a past ``now``, so the timelines, the clocks of the
reports (493号令 第九条–第十一条) and the accident ledger read as a working year: ~50 incidents, most of them
事故灾难 closed and archived (their ledger entries completed with the 门类 and the unit), some 暴雨内涝, one
公共卫生, one 社会安全 event; today a call just taken (接报, its 首报 to the district overdue: the desk shows
迟报), a fire in 响应 with its 首报 filed, and a traffic accident of five hours ago in 处置.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import Principal
from citysafe.core.clock import to_local
from citysafe.core.context import context_of
from citysafe.core.geo import Location
from citysafe.core.pagination import PageParams
from citysafe.demo import emergency_plans, emergency_warnings
from citysafe.demo.city import DEMO_CITY, random_point_in
from citysafe.demo.streets import names_of
from citysafe.emergency import service as incidents
from citysafe.emergency.ledger import service as ledger
from citysafe.emergency.ledger.schemas import LedgerUpdate
from citysafe.emergency.reports import service as reports
from citysafe.emergency.reports.schemas import ReportCreate, ReportKind
from citysafe.emergency.schemas import DutyEntryIn, IncidentCreate, TransitionIn
from citysafe.orgs import service as orgs_service
from citysafe.orgs.schemas import OrganizationFilter
from citysafe.regions import service as regions_service

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = ["伟", "敏", "静", "磊", "洋", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "建国", "志强", "海燕",
         "晓东", "文博", "雪梅", "国华", "立新", "春燕", "家豪", "玉兰", "宏伟", "思远", "凯", "婷", "鹏飞", "丽华"]
ROSTER_PAST_DAYS, ROSTER_NEXT_DAYS = 30, 7
# GB/T 4754-2017 门类 of the demo's sectors (demo/city.py), for the ledger.
INDUSTRY_OF_SECTOR = {"危险化学品": "C", "冶金工贸": "C", "建筑施工": "E", "商贸综合体": "F", "医疗卫生": "Q",
                      "教育": "P", "高层住宅": "K", "交通运输": "G", "燃气": "D"}


@dataclass(frozen=True)
class Scenario:
    """One kind of incident: where it happens (a unit of these sectors, or a road), what the call says and
    the figures it may reach (deaths, serious, minor injuries at most; loss in yuan)."""

    category: str
    subtype: str
    count: int
    sectors: tuple[str, ...]
    word: str  # the title's end: 火灾, 交通事故 …
    stories: tuple[str, ...]
    deaths: int = 0
    least_deaths: int = 0
    serious: int = 0
    minor: int = 0
    loss: tuple[int, int] = (20_000, 300_000)
    on_road: bool = False
    summer: bool = False
    hours: tuple[float, float] = (1.5, 6)  # from the call to the end of the response


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("accident", "fire", 10, ("商贸综合体", "高层住宅", "医疗卫生", "教育", "冶金工贸"), "火灾",
             ("一层商铺电气线路短路起火，浓烟蔓延至二层，消防救援站到场扑灭",
              "仓库内堆放的纸箱起火，过火面积约{n}平方米，明火已扑灭", "厨房油锅起火引燃排烟管道，已疏散人员",
              "电动自行车在楼道内充电起火，烟气进入楼梯间"), deaths=1, serious=1, minor=4, loss=(30_000, 900_000)),
    Scenario("accident", "road_traffic", 10, ("交通运输",), "交通事故",
             ("货车与电动自行车相撞，骑车人受伤送医", "两车追尾后侧翻，一人被困车内，消防破拆救出",
              "客车与小型轿车碰撞，部分乘客受伤", "渣土车右转时与行人发生碰撞"),
             deaths=2, serious=2, minor=5, loss=(10_000, 200_000), on_road=True, hours=(1, 3)),
    Scenario("accident", "collapse", 4, ("建筑施工",), "坍塌事故",
             ("基坑边坡局部坍塌，一名作业人员被埋压，已救出送医", "脚手架局部坍塌，两名工人受伤",
              "在建厂房钢结构屋面坍塌"), deaths=1, serious=2, minor=2, loss=(200_000, 1_500_000), hours=(4, 16)),
    Scenario("accident", "fall_from_height", 4, ("建筑施工", "冶金工贸"), "高处坠落事故",
             ("作业人员在外墙施工时从吊篮坠落", "工人在屋面检修时踩破采光板坠落"),
             deaths=1, serious=1, minor=0, loss=(100_000, 1_200_000), hours=(1, 3)),
    Scenario("accident", "object_strike", 2, ("建筑施工", "冶金工贸"), "物体打击事故",
             ("塔吊吊运的钢管滑落砸伤地面人员",), serious=1, minor=1, loss=(50_000, 400_000), hours=(1, 2)),
    Scenario("accident", "lifting", 2, ("建筑施工", "冶金工贸"), "起重伤害事故",
             ("行车吊运钢卷时吊具脱落", "汽车吊支腿下陷倾覆"), deaths=1, serious=1, loss=(100_000, 800_000)),
    Scenario("accident", "poisoning_asphyxia", 2, ("冶金工贸", "高层住宅"), "有限空间中毒窒息事故",
             ("作业人员进入污水井清淤时晕倒，施救人员相继中毒",), deaths=1, serious=2,
             loss=(100_000, 900_000), hours=(1, 4)),
    Scenario("accident", "poisoning_asphyxia", 1, ("冶金工贸", "危险化学品"), "中毒窒息事故",
             ("污水处理池清淤作业时一名工人中毒倒地，两名工友盲目施救相继中毒，三人经抢救无效死亡",), deaths=3,
             least_deaths=3, serious=1, loss=(3_000_000, 6_000_000), hours=(3, 8)),
    Scenario("accident", "poisoning_asphyxia", 1, ("危险化学品",), "危险化学品泄漏事故",
             ("储罐区液氯管道法兰泄漏，周边人员出现呛咳症状，已设置警戒区并疏散下风向人员",),
             serious=3, minor=6, loss=(500_000, 2_000_000), hours=(6, 12)),
    Scenario("accident", "other_explosion", 1, ("燃气",), "燃气爆燃事故",
             ("沿街餐饮店液化石油气钢瓶泄漏遇明火爆燃，门窗玻璃震碎",), serious=1, minor=3,
             loss=(300_000, 1_000_000), hours=(2, 5)),
    Scenario("natural_disaster", "meteorological", 2, (), "暴雨内涝",
             ("短时强降雨致道路积水深达{n}厘米，多辆车辆熄火被困，已转移群众",
              "暴雨导致下穿通道积水封闭，地下车库进水"), loss=(100_000, 3_000_000), on_road=True, summer=True,
             hours=(12, 36)),
    Scenario("natural_disaster", "flood_drought", 1, (), "内涝险情",
             ("连续强降雨致秦淮河水位超警戒，沿河低洼小区进水，已转移居民{n}人",), loss=(200_000, 2_000_000),
             on_road=True, summer=True, hours=(24, 60)),
    Scenario("natural_disaster", "geological", 1, (), "山体滑坡",
             ("持续降雨引发山体局部滑坡，土方冲入山脚道路，已封闭交通",), loss=(100_000, 800_000), on_road=True,
             summer=True, hours=(8, 24)),
    Scenario("public_health", "food_occupational", 1, ("建筑施工",), "疑似食物中毒事件",
             ("工地食堂午餐后{n}名工人出现呕吐、腹泻症状，已送医救治并封存留样",), minor=0, loss=(0, 0),
             hours=(4, 10)),
    Scenario("social_security", "other_social", 1, ("商贸综合体",), "人员聚集事件",
             ("商场促销活动人员聚集拥挤，入口处发生推搡，已限流疏导",), minor=0, loss=(0, 0), hours=(1, 3)),
)


class _Demo:
    def __init__(self, session: Session, rng: random.Random) -> None:
        ctx = context_of(session)
        self.session, self.rng, self.settings = session, rng, ctx.settings
        self.now = ctx.clock.now().astimezone(UTC).replace(second=0, microsecond=0)
        users = {u.username: u for u in auth_service.list_users(session, params=PageParams(size=500))[0]}
        self.city: Principal = auth_service.principal_for(users["nanjing"])
        self.districts = regions_service.children_with_boundaries(session, code=DEMO_CITY)
        orgs = orgs_service.list_organizations(session, filters=OrganizationFilter(region=DEMO_CITY),
                                               params=PageParams(size=500))[0]
        self.orgs = orgs
        self.struck: set[int] = set()
        self.by_sector: dict[str, list[Any]] = {}
        for org in orgs:
            self.by_sector.setdefault(org.sector, []).append(org)

    def person(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def mobile(self) -> str:
        return f"1{self.rng.choice('35789')}{self.rng.randint(100000000, 999999999)}"

    # ---- where --------------------------------------------------------------------------------------------

    def _unit(self, sectors: tuple[str, ...]) -> Any | None:
        """A unit of one of the sectors, one that had no accident yet if there is one."""
        candidates = [o for s in sectors for o in self.by_sector.get(s, [])]
        if sectors and not candidates:
            candidates = [o for o in self.orgs if o.lon is not None]
        fresh = [o for o in candidates if o.id not in self.struck] or candidates
        unit = self.rng.choice(fresh) if fresh else None
        if unit is not None:
            self.struck.add(unit.id)
        return unit

    def _road(self, district: Any) -> tuple[str, tuple[float, float]]:
        roads = names_of(district.code).roads or ("中山路", "北京东路")
        first, second = self.rng.sample(list(roads), 2) if len(roads) > 1 else (roads[0], "中山路")
        return f"南京市{district.name}{first}与{second}交叉口", random_point_in(self.rng, district.boundary or {})

    def where(self, scenario: Scenario) -> tuple[str, tuple[float, float], Any | None, str, str]:
        """(place, (lon, lat), unit or None, short name for the title, division code)."""
        unit = self._unit(scenario.sectors) if scenario.sectors else None
        if scenario.on_road or unit is None or unit.lon is None:
            district = next((d for d in self.districts if unit is not None and unit.region_code.startswith(d.code)),
                            None) or self.rng.choice(self.districts)
            place, point = self._road(district)
            street = regions_service.locate(self.session, lon=point[0], lat=point[1], level="street",
                                            within=district.code)
            return (place, point, unit, place.removeprefix(f"南京市{district.name}").split("与")[0],
                    street.code if street is not None else district.code)
        return (f"{unit.name}（{unit.address}）", (unit.lon, unit.lat), unit, unit.name.removeprefix("南京"),
                unit.region_code)

    # ---- one incident through its life --------------------------------------------------------------------

    def figures(self, scenario: Scenario) -> dict[str, int]:
        rng = self.rng
        deaths = rng.choice([0] * 4 + list(range(scenario.deaths + 1))) if scenario.deaths else 0
        deaths = max(deaths, scenario.least_deaths)
        low, high = scenario.loss
        return {"deaths": deaths, "missing": 0, "serious_injuries": rng.randint(0, scenario.serious),
                "minor_injuries": rng.randint(0, scenario.minor),
                "loss_yuan": round(rng.randint(low, high), -3) if high else 0}

    def open(self, scenario: Scenario, occurred: datetime, called: datetime, first: dict[str, int],
             story: str) -> tuple[Any, Any | None]:
        place, (lon, lat), unit, short, region = self.where(scenario)
        # The unit where it happened (on a road: the vehicle's operator).
        link = {"organization_id": unit.id, "unit_name": unit.name} if unit is not None else {}
        incident = incidents.open_incident(self.session, incident_in=IncidentCreate(
            category=scenario.category, subtype=scenario.subtype, title=f"{short}{scenario.word}",
            description=story, place=place, location=Location(lon=lon, lat=lat), region_code=region,
            caller_name=self.person(),
            caller_phone=self.mobile(), reported_at=called, occurred_at=occurred, **first),
            principal=self.city, settings=self.settings, now=called + timedelta(minutes=2), link=link)
        return incident, unit

    def step(self, incident: Any, action: str, at: datetime, note: str = "", level: str | None = None) -> None:
        incidents.transition(self.session, incident=incident, principal=self.city, settings=self.settings, now=at,
                             change=TransitionIn.model_validate({"action": action, "note": note,
                                                                 "response_level": level}))

    def report(self, incident: Any, kind: ReportKind, to_level: str, at: datetime, figures: dict[str, int],
               unit: Any | None, story: str) -> None:
        district = next((d.name for d in self.districts if incident.region_code.startswith(d.code)), "南京市")
        reporting = (unit.name if unit is not None else f"{district}人民政府") if to_level == "county" \
            else f"{district}应急管理局" if to_level == "city" else "南京市应急管理局"
        overview = (f"{unit.name}，地址{unit.address}，行业：{unit.sector}" if unit is not None
                    else f"事发地位于{incident.place}")
        reports.file_report(self.session, incident=incident, principal=self.city, settings=self.settings,
                            now=at + timedelta(minutes=3), report_in=ReportCreate(
                                kind=kind, to_level=to_level, time_place_scene=(
                                    f"{to_local(incident.occurred_at):%m月%d日%H时%M分}，{incident.place}，{story}"),
                                course=story, **figures, unit_overview=overview,
                                measures=("已组织消防、公安、卫健等部门赶赴现场处置，伤员已送医救治，现场已设置警戒"
                                          if kind is not ReportKind.INITIAL else ""),
                                reporting_unit=reporting, issuer=self.person(), reporter=self.person(),
                                reporter_phone=self.mobile(), filed_at=at))

    def first_reports(self, incident: Any, called: datetime, figures: dict[str, int], unit: Any | None,
                      story: str, late: bool = False) -> datetime:
        """首报 to every level the clocks ask for, each before its deadline (or one level late: 迟报)."""
        last = called + timedelta(minutes=30)  # after the incident was verified and the response began
        for clock in reports.clocks(self.session, incident=incident, settings=self.settings, now=called):
            margin = timedelta(minutes=-self.rng.randint(12, 35) if late else self.rng.randint(8, 40))
            at = max(last + timedelta(minutes=5), clock.deadline - margin)
            self.report(incident, ReportKind.INITIAL, clock.to_level.value, at, figures, unit, story)
            last, late = at, False
        return last

    def closed(self, scenario: Scenario, occurred: datetime, late: bool) -> None:
        rng, story = self.rng, self.rng.choice(scenario.stories).replace("{n}", str(self.rng.randint(20, 80)))
        called = occurred + timedelta(minutes=rng.randint(4, 25))
        final = self.figures(scenario)
        first = {k: min(v, rng.randint(0, v)) if k != "deaths" else v for k, v in final.items()}
        incident, unit = self.open(scenario, occurred, called, first, story)
        self.step(incident, "verify", called + timedelta(minutes=rng.randint(5, 12)), "现场核实情况属实")
        level = "4" if incident.grade in (None, "general") else "3"  # the plans' triggers (emergency_plans.py)
        self.step(incident, "respond", called + timedelta(minutes=rng.randint(14, 20)), level=level)
        self.step(incident, "handle", called + timedelta(minutes=rng.randint(22, 30)), "救援力量到场处置")
        last = self.first_reports(incident, called, first, unit, story, late)
        ended = (max(last, called + timedelta(hours=rng.uniform(*scenario.hours))) + timedelta(minutes=10)).replace(
            second=0, microsecond=0)
        self.report(incident, ReportKind.FOLLOW_UP, "city", ended - timedelta(minutes=5), final, unit,
                    f"{story}。现场处置基本结束")
        self.step(incident, "end_response", ended, "现场处置完毕，终止应急响应")
        self.complete_ledger(incident, unit)
        aftermath = ended + timedelta(hours=rng.randint(6, 30))
        self.step(incident, "aftermath", aftermath, "转入善后处置和事故调查")
        archive = aftermath + timedelta(days=rng.randint(15, 45))
        if archive < self.now - timedelta(hours=1):
            for n, to_level in enumerate(("county", "city")):
                self.report(incident, ReportKind.FINAL, to_level, archive - timedelta(days=3, hours=2 - n), final,
                            unit, f"{story}。善后工作已完成")
            self.step(incident, "archive", archive, "调查报告已批复，资料归档")

    def complete_ledger(self, incident: Any, unit: Any | None) -> None:
        entry = ledger.entry_of(self.session, incident_id=incident.id)
        if entry is None:
            return
        industry = INDUSTRY_OF_SECTOR.get(unit.sector if unit is not None else "", "G")
        unit_name = None if entry.unit_name else f"南京{self.rng.choice('东南西北')}城运输有限公司"
        ledger.update_entry(self.session, entry=entry, now=incident.updated_at,
                            change=LedgerUpdate(industry_code=industry, unit_name=unit_name))

    def when(self, scenario: Scenario) -> datetime:
        if scenario.summer:  # the rainy season (梅雨, then typhoons): late June to mid-August
            local = to_local(self.now)
            year = local.year if local.month >= 9 else local.year - 1
            start = datetime(year, 6, 20, 8, tzinfo=UTC)
            return self.at_local_hour(start + timedelta(days=self.rng.uniform(0, 52)))
        return self.at_local_hour(self.now - timedelta(days=self.rng.uniform(3, 360)))

    def at_local_hour(self, day: datetime) -> datetime:
        """The day at an hour people work and travel (China time): most accidents happen 7:00–20:00."""
        hour = self.rng.choice([7, 8, 9, 10, 10, 11, 13, 14, 14, 15, 15, 16, 17, 18, 19, 20, 22, 2])
        local = to_local(day).replace(hour=hour, minute=self.rng.randint(0, 59), second=0, microsecond=0)
        return min(local.astimezone(UTC), self.now - timedelta(days=1))

    def year(self) -> int:
        jobs = [(self.when(s), s) for s in SCENARIOS for _ in range(s.count)]
        late = set(self.rng.sample(range(len(jobs)), 3))
        for n, (occurred, scenario) in enumerate(sorted(jobs, key=lambda job: job[0])):
            self.closed(scenario, occurred, n in late)
        return len(jobs)

    def today(self) -> None:
        """A call taken 100 minutes ago whose 首报 is overdue (迟报), a fire in 响应, an accident in 处置."""
        now = self.now
        collapse = SCENARIOS[2]
        called = now - timedelta(minutes=100)
        story = "基坑边坡局部坍塌，一名作业人员被困，正在组织救援"
        self.open(collapse, called - timedelta(minutes=8), called, {**self.figures(collapse), "deaths": 0}, story)
        fire = Scenario("accident", "fire", 1, ("商贸综合体",), "火灾", ())
        called = now - timedelta(minutes=50)
        story = "地下一层仓库起火，浓烟较大，正在疏散商场内人员"
        figures = {"deaths": 0, "missing": 0, "serious_injuries": 0, "minor_injuries": 2, "loss_yuan": 0}
        incident, unit = self.open(fire, called - timedelta(minutes=6), called, figures, story)
        self.step(incident, "verify", called + timedelta(minutes=6), "消防救援站到场确认")
        self.step(incident, "respond", called + timedelta(minutes=12), level="4")
        self.report(incident, ReportKind.INITIAL, "county", called + timedelta(minutes=35), figures, unit, story)
        road = SCENARIOS[1]
        called = (now - timedelta(hours=5)).replace(second=0)
        story = "货车与公交车碰撞，多名乘客受伤送医"
        figures = {"deaths": 0, "missing": 0, "serious_injuries": 1, "minor_injuries": 6, "loss_yuan": 80_000}
        incident, unit = self.open(road, called - timedelta(minutes=5), called, figures, story)
        self.step(incident, "verify", called + timedelta(minutes=8))
        self.step(incident, "respond", called + timedelta(minutes=15), level="4")
        self.step(incident, "handle", called + timedelta(minutes=25), "交警、120到场处置，道路单向放行")
        self.first_reports(incident, called, figures, unit, story)

    # ---- the roster --------------------------------------------------------------------------------------

    def duty_roster(self) -> int:
        """带班领导 and 值班员 with phones, for the city and each district, for every day from a month ago to a
        week ahead; each region has its own few people who take turns."""
        regions = [(DEMO_CITY, "南京市", 2)] + [(d.code, d.name, 1) for d in self.districts]
        today = to_local(self.now).date()
        days = 0
        for code, name, officers in regions:
            office = "市应急管理局" if code == DEMO_CITY else "区应急管理局"
            leaders = [(self.person(), self.mobile(), f"{name[:-1] if code != DEMO_CITY else '南京'}{office}"
                        + self.rng.choice(["副局长", "局长", "总工程师"])) for _ in range(4)]
            staff = [(self.person(), self.mobile()) for _ in range(6)]
            for offset in range(-ROSTER_PAST_DAYS, ROSTER_NEXT_DAYS + 1):
                turn = offset + ROSTER_PAST_DAYS
                leader = leaders[turn % len(leaders)]
                entries = [DutyEntryIn(post="带班领导", name=leader[0], phone=leader[1], note=leader[2])]
                entries += [DutyEntryIn(post="值班员", name=staff[(turn * officers + k) % len(staff)][0],
                                        phone=staff[(turn * officers + k) % len(staff)][1],
                                        note=f"值班室 025-{self.rng.randint(5000, 8999)}{self.rng.randint(1000, 9999)}")
                            for k in range(officers)]
                incidents.set_roster_day(self.session, region_code=code, day=today + timedelta(days=offset),
                                         entries=entries)
                days += 1
        return days


def seed_demo(session: Session, rng: random.Random) -> None:
    demo = _Demo(session, rng)
    demo.duty_roster()
    emergency_plans.seed_plans(session, rng, principal=demo.city, settings=demo.settings, now=demo.now,
                               orgs=demo.by_sector)
    demo.year()
    demo.today()
    emergency_warnings.seed_warnings(session, rng, principal=demo.city, now=demo.now)

