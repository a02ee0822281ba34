"""The evaluation demo (issue #14 point 9), built through the evaluation services as the offices would:

- applicants in several cities of Jiangsu at each step of the creation workflow: 江宁区 in 自评 with a partly
  filled sheet, 玄武区 at 市级复核 with a member unit's opinion, 秦淮区 at 省级评议, 苏州's 昆山市 in 公示 with
  the window open, 南京市 named two years ago (its review due next year, this year's 自评 sheet carrying the
  platform's own facts), and 南京经济技术开发区, a zone without a division code;
- three years of Nanjing's indicator denominators (demo figures of the order of the city's statistical
  bulletins, marked as such, not official values);
- last year's 安全生产责任考核 of Nanjing's departments, scored, locked and graded.

Accounts added: ``jiangsu`` (省安委办) and ``jiangning`` (江宁区安委办), sharing the demo's password.
Fixed data: the generator is not drawn from, so the rest of the demo stays as it was."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from citysafe.auth import service as auth_service
from citysafe.auth.enums import ROLE_PERMISSIONS, Role
from citysafe.auth.schemas import Principal, UserCreate
from citysafe.core.context import context_of
from citysafe.core.pagination import PageParams
from citysafe.emergency.drills import service as drills
from citysafe.emergency.plans import service as plans
from citysafe.evaluation.applicants import service as applicants
from citysafe.evaluation.applicants.schemas import ApplicantCreate, OrganisationIn, PlanIn
from citysafe.evaluation.facts import service as facts
from citysafe.evaluation.indicators import service as indicators
from citysafe.evaluation.indicators.schemas import BaseRowIn
from citysafe.evaluation.sheets import service as sheets
from citysafe.evaluation.sheets.schemas import EvidenceLink, ItemUpdate, Purpose, SheetCreate
from citysafe.evaluation.workflow import service as workflow
from citysafe.evaluation.workflow.schemas import ApplicationCreate, OpinionIn, StepIn

Applicant = Any  # the registry's row (evaluation's models are not the demo's to import)
Sheet = Any
ACCOUNTS = (("jiangsu", Role.PROVINCE_OFFICE, "320000", "江苏省安委办"),
            ("jiangning", Role.DISTRICT_OFFICE, "320115", "江宁区安委办"))
# Offices that act in the demo without a login of their own.
OFFICES = {"kunshan": (Role.DISTRICT_OFFICE, "320583", "昆山市安委办"), "suzhou": (Role.CITY_OFFICE, "320500",
                                                                               "苏州市安委办")}
DEMO_NOTE = "演示数据：量级参照南京市国民经济和社会发展统计公报，非官方统计值"
# (years back from this one, GDP 亿元, 机动车, 常住人口, 工矿商贸从业人员, 特种设备使用单位)
NANJING_BASES = ((2, "18500.81", 3_380_000, 9_577_000, 1_520_000, 41_800),
                 (1, "19210.00", 3_460_000, 9_602_000, 1_535_000, 42_600),
                 (0, "19850.00", 3_530_000, 9_625_000, 1_548_000, 43_300))
DEPARTMENTS = (  # (department, 1.1.2 missing lists, 1.2.1 findings, 2.1.2 较大事故, 2.2.2 overdue, own deduction)
    ("南京市应急管理局", 0, 1, 0, 0, None),
    ("南京市住房和城乡建设局", 1, 2, 1, 2, None),
    ("南京市交通运输局", 0, 1, 0, 1, ("3", "绩效挂钩制度未覆盖下属单位")),
    ("南京市消防救援支队", 0, 0, 0, 1, None),
    ("南京市市场监督管理局", 2, 1, 0, 3, None),
)


def _principal(username: str, role: Role, region: str, name: str) -> Principal:
    return Principal(user_id=0, username=username, display_name=name, role=role, region_code=region,
                     permissions=frozenset(p.value for p in ROLE_PERMISSIONS[role]))


def _people(session: Session) -> dict[str, Principal]:
    users = {u.username: u for u in auth_service.list_users(session, params=PageParams(size=500))[0]}
    for username, role, region, name in ACCOUNTS:
        if username not in users:
            user = auth_service.create_user(session, user_in=UserCreate(
                username=username, password="demo-only-" + username, role=role, region_code=region,
                display_name=name))
            user.password_hash = users["nanjing"].password_hash  # demo accounts share one password
            users[username] = user
    people = {name: auth_service.principal_for(u) for name, u in users.items()}
    for username, (role, region, name) in OFFICES.items():
        people.setdefault(username, _principal(username, role, region, name))
    return people


class _Demo:
    def __init__(self, session: Session, people: dict[str, Principal], now: datetime) -> None:
        self.session, self.people, self.now = session, people, now
        self.days = context_of(session).settings.evaluation_publicity_days

    def applicant(self, kind: str, code: str | None, *, region: str | None = None, name: str = "",
                  plan: str = "", approval: str = "") -> Applicant:
        row = applicants.create(self.session, principal=self.people["jiangsu"], data=ApplicantCreate(
            kind=kind, division_code=code, region_code=region, name=name, zone_approval=approval))
        applicants.update_plan(self.session, applicant=row, principal=self.people["jiangsu"], data=PlanIn(
            plan_title=plan or f"{row.name}创建安全发展示范城市工作实施方案",
            plan_adopted_on=date(self.now.year - 1, 3, 15),
            plan_summary="动员部署、创建实施、评估验收三个阶段推进，任务分解到牵头部门和责任单位。"))
        applicants.update_organisation(self.session, applicant=row, principal=self.people["jiangsu"],
                                       data=OrganisationIn.model_validate({
                                           "leading_group": [{"name": "（主要负责同志）", "post": "政府主要负责同志",
                                                              "role": "组长"}],
                                           "contacts": [{"name": "（联络员）", "post": "应急管理局", "role": "联络员",
                                                         "phone": "025-12345"}]}))
        return row

    def open(self, applicant: Applicant, office: str, at: datetime) -> tuple[int, Sheet]:
        application = workflow.open_application(self.session, applicant=applicant, principal=self.people[office],
                                                data=ApplicationCreate(year=at.year), now=at)
        assert application.sheet_id is not None
        return application.id, sheets.get(self.session, sheet_id=application.sheet_id)

    def fill(self, sheet: Sheet, office: str, at: datetime, items: dict[str, dict[str, Any]]) -> None:
        for item_id, values in items.items():
            sheets.update_item(self.session, sheet=sheet, item_id=item_id, principal=self.people[office], now=at,
                               data=ItemUpdate.model_validate(values))

    def step(self, app_id: int, office: str, action: str, at: datetime, note: str = "") -> None:
        application = workflow.get(self.session, application_id=app_id)
        workflow.take_step(self.session, application=application, principal=self.people[office], now=at,
                           publicity_days=self.days, data=StepIn(action=action, note=note))

    def opinion(self, app_id: int, office: str, unit: str, stance: str, text: str, at: datetime) -> None:
        workflow.add_opinion(self.session, application=workflow.get(self.session, application_id=app_id),
                             principal=self.people[office], now=at,
                             data=OpinionIn(unit=unit, stance=stance, text=text))

    def applied(self, applicant: Applicant, office: str, at: datetime, items: dict[str, dict[str, Any]]) -> int:
        """Opened, a few items filled, the sheet submitted and 申报 taken."""
        app_id, sheet = self.open(applicant, office, at - timedelta(days=60))
        self.fill(sheet, office, at - timedelta(days=30), items)
        sheets.submit(self.session, sheet=sheet, principal=self.people[office], now=at - timedelta(days=1))
        self.step(app_id, office, "apply", at, f"自评得分 {sheet.total} 分，申请复核")
        return app_id


def _findings(units: str, deadline: date, **extra: Any) -> dict[str, Any]:
    return {"responsible_units": [units], "deadline": deadline.isoformat(), **extra}


def _links(session: Session) -> list[EvidenceLink]:
    page = PageParams(size=2)
    found = [EvidenceLink(record_type="plan", record_id=str(p.id), label=p.title[:200], url=f"/emergency/plans/{p.id}")
             for p in plans.list_plans(session, params=page)[0]]
    found += [EvidenceLink(record_type="drill", record_id=str(d.id), label=d.title[:200],
                           url=f"/emergency/drills/{d.id}") for d in drills.list_drills(session, params=page)[0]]
    return found


def seed_demo(session: Session, rng: random.Random) -> None:
    del rng  # fixed data
    now = context_of(session).clock.now().astimezone(UTC).replace(second=0, microsecond=0)
    demo = _Demo(session, _people(session), now)
    year = now.year
    _nanjing(demo, year)
    soon = date(year + 1, 3, 31)
    # 江宁区: in 自评, the sheet partly filled, with owners, deadlines, progress and records as evidence.
    jiangning = demo.applicant("county", "320115")
    _app, sheet = demo.open(jiangning, "jiangning", now - timedelta(days=40))
    demo.fill(sheet, "jiangning", now - timedelta(days=10), {
        "1.1.1": _findings("江宁区规划和自然资源局", soon, findings={"a": 1},
                           progress="防灾减灾专项规划修编已完成初稿"),
        "1.2.6": _findings("江宁区交通运输局", soon, supporting_units=["南京市公安局江宁分局交通警察大队"],
                           findings={"a": 2, "c": 1}, progress="两处事故多发路段完成治理，其余列入明年计划"),
        "1.2.5": _findings("江宁区消防救援大队", soon, deduction="0.5",
                           reason="麒麟科创园片区消防站尚在建设，站点布局未达标准",
                           contact="区消防救援大队 025-5210****"),
    })
    for link in _links(session)[:3]:
        sheets.add_link(session, sheet=sheet, item_id="5.14.u1", link=link, principal=demo.people["jiangning"],
                        now=now - timedelta(days=9))
    at = now - timedelta(days=20)
    items = {"1.1.3": {"findings": {"a": 1}, "responsible_units": ["区城市管理局"]}}
    # 玄武区: at 市级复核, with a member unit's opinion.
    xuanwu = demo.applied(demo.applicant("county", "320102"), "xuanwu", at, items)
    demo.opinion(xuanwu, "nanjing", "南京市住房和城乡建设局", "agree",
                 "建筑施工、城镇燃气安全监管措施落实到位，同意推荐。", at + timedelta(days=3))
    # 秦淮区: recommended, at 省级评议.
    qinhuai = demo.applied(demo.applicant("county", "320104"), "qinhuai", at, items)
    demo.opinion(qinhuai, "nanjing", "南京市消防救援支队", "conditional", "老城区消防通道整治需在命名前完成。",
                 at + timedelta(days=2))
    demo.step(qinhuai, "nanjing", "recommend", at + timedelta(days=5), "同意推荐秦淮区参加省级评议")
    # 昆山市 (苏州市): recommended, reviewed, in 公示 with the window open.
    kunshan = demo.applied(demo.applicant("county", "320583"), "kunshan", at - timedelta(days=20), items)
    demo.step(kunshan, "suzhou", "recommend", at - timedelta(days=10), "同意推荐昆山市")
    demo.opinion(kunshan, "jiangsu", "江苏省应急管理厅", "agree", "评议得分 88.5 分，达到命名标准。", at)
    demo.step(kunshan, "jiangsu", "propose", now - timedelta(days=2), "评议得分 88.5 分，列入拟命名名单")
    # 南京经济技术开发区: a zone without a division code, registered in 栖霞区.
    demo.applicant("zone", None, region="320113", name="南京经济技术开发区", approval="国家级经济技术开发区（示例）")
    _bases(session, now)
    _assessment(demo, year - 1)


def _nanjing(demo: _Demo, year: int) -> None:
    """南京市, named two years ago (review due next year); this year's 自评 sheet with the platform's facts."""
    session, start = demo.session, datetime(year - 2, 3, 2, 2, 0, tzinfo=UTC)
    nanjing = demo.applicant("city", "320100")
    app_id, sheet = demo.open(nanjing, "nanjing", start)
    demo.fill(sheet, "nanjing", start + timedelta(days=60), {
        "1.1.2": {"findings": {"a": 1}, "responsible_units": ["南京市发展和改革委员会"]},
        "1.2.7": {"deduction": "0.5", "reason": "部分下穿通道排涝能力不足", "responsible_units": ["南京市水务局"]}})
    sheets.submit(session, sheet=sheet, principal=demo.people["nanjing"], now=start + timedelta(days=80))
    demo.step(app_id, "nanjing", "apply", start + timedelta(days=81), "自评得分 94.5 分，申请省级评议")
    demo.opinion(app_id, "jiangsu", "江苏省住房和城乡建设厅", "agree", "同意列入拟命名名单。",
                 start + timedelta(days=150))
    demo.step(app_id, "jiangsu", "propose", start + timedelta(days=160), "评议得分 92 分")
    closes = start + timedelta(days=160 + demo.days)
    demo.step(app_id, "jiangsu", "approve", closes, "省安委会第三次全体会议审定通过")
    demo.step(app_id, "jiangsu", "name", closes + timedelta(days=20), "命名为江苏省安全发展示范城市")
    now = demo.now
    current = sheets.create(session, principal=demo.people["nanjing"], now=now - timedelta(days=30),
                            data=SheetCreate(purpose=Purpose.SELF, year=year, applicant_id=nanjing.id))
    demo.fill(current, "nanjing", now - timedelta(days=5), {
        "1.2.6": _findings("南京市交通运输局", date(year + 1, 6, 30), findings={"a": 1},
                           progress="城市道路交通安全设施排查完成 85%"),
        "3.9.u1": _findings("南京市应急管理局", date(year + 1, 3, 31), progress="年度风险评估报告（白皮书）已印发")})
    facts.refresh_sheet(session, sheet_id=current.id, now=now, settings=context_of(session).settings)
    demo.step(app_id, "jiangsu", "annual", now - timedelta(days=3), f"{year}年度动态管理：自评已开展，保持命名")


def _bases(session: Session, now: datetime) -> None:
    rows = [BaseRowIn(region_code="320100", year=now.year - back, gdp_yi=gdp, vehicles=vehicles, residents=residents,
                      industrial_employees=employees, special_equipment_units=units, source_note=DEMO_NOTE, row=i)
            for i, (back, gdp, vehicles, residents, employees, units) in enumerate(NANJING_BASES, start=2)]
    indicators.save_bases(session, rows=rows, file_name="南京市指标分母（演示数据）.xlsx", actor="demo", now=now)


def _assessment(demo: _Demo, year: int) -> None:
    """Last year's 安全生产责任考核 of Nanjing's departments, each scored, submitted and locked (graded)."""
    office = demo.people["nanjing"]
    at = datetime(year + 1, 1, 20, 2, 0, tzinfo=UTC)
    for department, lists, duties, larger, overdue, own in DEPARTMENTS:
        sheet = sheets.create(demo.session, principal=office, now=at, data=SheetCreate(
            purpose=Purpose.ASSESSMENT, year=year, subject_name=department, region_code="320100"))
        items: dict[str, dict[str, Any]] = {"1.1.1": {"findings": {"a": True}},
                                            "1.1.2": {"findings": {"a": lists}}, "1.2.1": {"findings": {"a": duties}},
                                            "2.1.2": {"findings": {"a": larger}}, "2.2.2": {"findings": {"a": overdue}}}
        if own:
            items["1.2.2"] = {"deduction": own[0], "reason": own[1]}
        demo.fill(sheet, "nanjing", at, items)
        sheets.submit(demo.session, sheet=sheet, principal=office, now=at + timedelta(days=5))
        sheets.lock(demo.session, sheet=sheet, principal=office, now=at + timedelta(days=10))
