"""Demo plans and drills (part of the emergency demo, demo/emergency.py): the city's 总体 plan and its 火灾,
危化 and 防汛 专项 plans, a district's plan and a few enterprise plans (a 现场处置方案 among them), with versions,
评审 and 备案 records; a year of drills, two of them ahead, and a unit that has let its drills lapse, so the
overdue list (708号令 第八条, 应急管理部令第2号 第三十三条) has something to show."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
from citysafe.core.clock import to_local
from citysafe.core.config import Settings
from citysafe.emergency.drills import service as drills
from citysafe.emergency.drills.schemas import DrillCreate, DrillRecordIn, EvaluationItem, FindingIn
from citysafe.emergency.plans import service as plans
from citysafe.emergency.plans.schemas import PlanContent, PlanCreate, PlanKind, PlanRecordIn, PlanVersionIn

GOV_GROUPS = [("综合协调组", "市应急管理局", ["市委宣传部", "市公安局", "市卫健委"], "汇总信息，协调各组行动"),
              ("抢险救援组", "市消防救援支队", ["市应急管理局", "市住建局", "属地区政府"], "搜救被困人员，控制险情"),
              ("医疗救护组", "市卫健委", ["市急救中心", "属地医院"], "现场救治和伤员转运"),
              ("治安警戒组", "市公安局", ["属地公安分局", "交警支队"], "警戒疏散，交通管制"),
              ("后勤保障组", "市发改委", ["市财政局", "市商务局"], "物资、经费、通信保障"),
              ("新闻宣传组", "市委宣传部", ["市委网信办"], "信息发布和舆情引导"),
              ("善后处置组", "属地区政府", ["市民政局", "市人社局"], "安置受灾群众，处理善后事宜")]
ENT_GROUPS = [("应急指挥组", "总经理", ["安全总监", "生产副总"], "启动响应，指挥处置，向属地报告"),
              ("现场处置组", "生产部经理", ["当班班长", "设备维修班"], "切断危险源，初期处置"),
              ("疏散警戒组", "安全部经理", ["保卫科"], "警戒区设置，人员疏散清点"),
              ("医疗救护组", "行政部经理", ["兼职救护员"], "伤员初期救护并送医")]
LEVEL_CONDITIONS = {"1": "发生或可能发生特别重大事件", "2": "发生或可能发生重大事件",
                    "3": "发生或可能发生较大事件", "4": "发生或可能发生一般事件"}
GRADE_OF_LEVEL = {"1": "especially_major", "2": "major", "3": "larger", "4": "general"}
EVALUATION = [("预警与信息报告", "接报、研判、上报是否及时准确", 20), ("指挥与协调", "指挥部启动、分工是否明确", 20),
              ("现场处置", "处置措施是否科学有效", 30), ("疏散与警戒", "疏散路线、警戒范围是否合理", 15),
              ("保障与通信", "物资到位、通信畅通", 15)]


def _gov_content(categories: list[str], subtypes: list[str], resources: list[tuple[str, str, float, str]],
                 levels: tuple[str, ...] = ("1", "2", "3", "4")) -> PlanContent:
    groups = [{"name": n, "lead": lead, "members": m, "duties": d} for n, lead, m, d in GOV_GROUPS]
    return PlanContent.model_validate({
        "command": {"commander": "市长", "deputies": ["分管副市长", "市政府秘书长"], "groups": groups},
        "triggers": [{"level": lv, "categories": categories, "sub_types": subtypes, "grades": [GRADE_OF_LEVEL[lv]],
                      "description": LEVEL_CONDITIONS[lv]} for lv in levels],
        "levels": [{"level": lv, "conditions": LEVEL_CONDITIONS[lv],
                    "actions": ["指挥部成员单位负责人赶赴现场", "向上级人民政府报告"] if lv in "12" else
                    ["属地政府先期处置", "市有关部门派员指导"],
                    "tasks": [{"title": "启动响应并通知成员单位", "group": "综合协调组", "owner_role": "值班带班领导",
                               "deadline_minutes": 30},
                              {"title": "救援力量到达现场", "group": "抢险救援组", "owner_role": "支队值班指挥长",
                               "deadline_minutes": 60},
                              {"title": "发布首条权威信息", "group": "新闻宣传组", "owner_role": "新闻发言人",
                               "deadline_minutes": 300}]} for lv in levels],
        "resources": [{"name": n, "kind": k, "quantity": q, "unit": u} for n, k, q, u in resources]})


def _ent_content(onsite: bool, subtypes: list[str]) -> PlanContent:
    groups = [] if onsite else [{"name": n, "lead": lead, "members": m, "duties": d} for n, lead, m, d in ENT_GROUPS]
    task_group = "" if onsite else "现场处置组"
    return PlanContent.model_validate({
        "command": {"commander": "当班班长" if onsite else "总经理", "groups": groups},
        "triggers": [{"level": "4", "categories": ["accident"], "sub_types": subtypes,
                      "description": "本单位发生事故或险情"}],
        "levels": [{"level": "4", "conditions": "本单位内发生，可由本单位力量处置",
                    "actions": ["立即停止作业，撤离人员", "切断电源、物料", "拨打119、120并报告安全部"],
                    "tasks": [{"title": "向属地应急管理部门报告", "group": task_group, "owner_role": "安全负责人",
                               "deadline_minutes": 60}]}],
        "resources": [{"name": "正压式空气呼吸器", "kind": "装备", "quantity": 6, "unit": "套"},
                      {"name": "应急物资柜", "kind": "物资", "quantity": 2, "unit": "个"}]})


def _records(session: Session, plan: Any, principal: Principal, reviewed: date, authority: str,
             number: int, now: datetime) -> None:
    for kind, on, extra in (("review", reviewed, {"conclusion": "passed", "reference": "专家评审意见"}),
                            ("filing", reviewed + timedelta(days=18),
                             {"reference": f"宁应急预备〔{reviewed.year}〕{number}号"})):
        plans.add_record(session, plan=plan, principal=principal, now=now, record_in=PlanRecordIn.model_validate(
            {"kind": kind, "on": on, "authority": authority, **extra}))


def _drill(session: Session, rng: random.Random, plan: Any, who: tuple[Principal, Settings],
           now: datetime, days_ago: int, title: str, form: str, place: str,
           findings: list[FindingIn] | None = None) -> None:
    """A drill planned a month ahead and held ``days_ago`` (then evaluated), or ahead when negative (scheduled)."""
    principal, settings = who
    day = to_local(now).date() - timedelta(days=days_ago)
    content = "comprehensive" if "综合应急演练" in title or "综合演练" in title else "single"
    drill = drills.create(session, principal=principal, now=now - timedelta(days=max(days_ago, 0) + 30),
                          drill_in=DrillCreate.model_validate({
                              "plan_id": plan.id, "title": title, "content_kind": content, "form_kind": form,
                              "scheduled_on": day, "place": place, "organizer": plan.unit_name}))
    if days_ago < 0:
        return
    recorded = min(now, now - timedelta(days=days_ago - 1))
    items = [EvaluationItem(item=i, content=c, max_score=m, score=round(m * rng.uniform(0.72, 0.97)))
             for i, c, m in EVALUATION]
    drills.record(session, drill=drill, principal=principal, settings=settings, now=recorded, record_in=DrillRecordIn(
        held_on=day, participants=rng.randint(30, 300) if form == "live" else rng.randint(15, 40),
        summary="演练按方案完成，各组职责基本清楚，信息报告及时。", evaluation=items))
    for finding in findings or []:
        drills.add_finding(session, drill=drill, finding_in=finding, principal=principal, settings=settings,
                           now=recorded)


def _in_parks(units: list[Any]) -> Any | None:
    """A chemical firm in a chemical park's district (六合, 栖霞, 浦口, 江宁) if there is one."""
    parks = [u for u in units if u.region_code[:6] in ("320116", "320113", "320111", "320115")]
    return (parks or units or [None])[0]


def seed_plans(session: Session, rng: random.Random, *, principal: Principal, settings: Settings, now: datetime,
               orgs: dict[str, list[Any]]) -> list[Any]:
    written = now - timedelta(days=420)

    def create(plan_in: dict[str, Any], at: datetime = written) -> Any:
        return plans.create(session, plan_in=PlanCreate.model_validate(plan_in), principal=principal, now=at)

    fire_sub, chem_sub = ["fire"], ["poisoning_asphyxia", "other_explosion", "fire"]
    flood_sub = ["flood_drought", "meteorological", "geological"]
    overall = create({"kind": "gov_overall", "title": "南京市突发事件总体应急预案", "region_code": "320100",
                      "unit_name": "南京市人民政府",
                      "content": _gov_content([], [], [("南京市应急物资储备库", "物资", 1, "座"),
                                                       ("市级应急避难场所", "避难场所", 36, "处")]).model_dump()})
    plans.add_version(session, plan=overall, principal=principal, now=now - timedelta(days=240),
                      version_in=PlanVersionIn(
                          title="南京市突发事件总体应急预案（2026年修订）",
                          change_note="依据《突发事件应对法》（2024年修订）调整响应分级和指挥机构设置",
                          content=_gov_content([], [], [("南京市应急物资储备库", "物资", 2, "座"),
                                                        ("市级应急避难场所", "避难场所", 42, "处")])))
    fire = create({"kind": "gov_special", "title": "南京市火灾事故专项应急预案", "region_code": "320100",
                   "unit_name": "南京市消防救援支队", "content": _gov_content(
                       ["accident"], fire_sub, [("消防救援站", "队伍", 48, "个"), ("举高消防车", "装备", 35, "辆")],
                       ("2", "3", "4")).model_dump()})
    chem = create({"kind": "gov_special", "title": "南京市危险化学品事故专项应急预案", "region_code": "320100",
                   "unit_name": "南京市应急管理局", "content": _gov_content(
                       ["accident"], chem_sub, [("危险化学品救援队", "队伍", 3, "支"),
                                                ("堵漏器材", "装备", 12, "套")], ("2", "3", "4")).model_dump()})
    flood = create({"kind": "gov_special", "title": "南京市防汛防旱专项应急预案", "region_code": "320100",
                    "unit_name": "南京市防汛抗旱指挥部办公室", "content": _gov_content(
                        ["natural_disaster"], flood_sub, [("移动排涝泵车", "装备", 60, "辆"),
                                                          ("防汛编织袋", "物资", 200000, "条")]).model_dump()})
    plans.add_version(session, plan=flood, principal=principal, now=now - timedelta(days=200),
                      version_in=PlanVersionIn(title="南京市防汛防旱专项应急预案",
                                               change_note="补充下穿通道积水封闭处置措施",
                                               content=_gov_content(["natural_disaster"], flood_sub, [
                                                   ("移动排涝泵车", "装备", 80, "辆"),
                                                   ("防汛编织袋", "物资", 250000, "条")])))
    xuanwu = create({"kind": "gov_special", "title": "玄武区生产安全事故应急预案", "region_code": "320102",
                     "unit_name": "玄武区人民政府", "content": _gov_content(
                         ["accident"], [], [("玄武区应急救援队", "队伍", 1, "支")], ("3", "4")).model_dump()})
    chemical = _in_parks(orgs.get("危险化学品") or orgs.get("冶金工贸") or [])
    builder = (orgs.get("建筑施工") or [None])[0]
    mall = (orgs.get("商贸综合体") or orgs.get("医疗卫生") or [None])[0]
    made = [overall, fire, chem, flood, xuanwu]
    if chemical is not None:
        comprehensive = create({"kind": "ent_comprehensive", "organization_id": chemical.id,
                                "title": f"{chemical.name}生产安全事故综合应急预案",
                                "content": _ent_content(False, []).model_dump()})
        special = create({"kind": "ent_special", "organization_id": chemical.id,
                          "title": f"{chemical.name}危险化学品泄漏专项应急预案",
                          "content": _ent_content(False, chem_sub).model_dump()})
        made += [comprehensive, special]
    if builder is not None:
        made.append(create({"kind": "ent_onsite", "organization_id": builder.id, "title": "基坑坍塌现场处置方案",
                            "unit_name": builder.name, "content": _ent_content(True, ["collapse"]).model_dump()}))
    if mall is not None:
        made.append(create({"kind": "ent_comprehensive", "organization_id": mall.id,
                            "title": f"{mall.name}突发事件综合应急预案",
                            "content": _ent_content(False, ["fire"]).model_dump()}))
    for number, plan in enumerate(made, start=11):
        reviewed = to_local(written).date() + timedelta(days=rng.randint(10, 40))
        authority = "南京市应急管理局" if plan.owner == "government" else "所在区应急管理局"
        _records(session, plan, principal, reviewed, authority, number, now - timedelta(days=360))
    _drills(session, rng, made, principal, now, settings)
    return made


def _drills(session: Session, rng: random.Random, made: list[Any], principal: Principal, now: datetime,
            settings: Settings) -> None:
    overall, fire, chem, flood, xuanwu, *enterprise = made
    who = (principal, settings)
    _drill(session, rng, overall, who, now, 210, "南京市突发事件应急指挥桌面推演", "tabletop", "市应急指挥中心")
    _drill(session, rng, fire, who, now, 35, "高层建筑火灾综合应急演练", "live", "河西CBD某写字楼",
           [FindingIn(description="高层供水接力时间偏长，部分消火栓压力不足", follow_up="task",
                      task_owner="市消防救援支队", task_due_on=to_local(now).date() + timedelta(days=30))])
    _drill(session, rng, fire, who, now, -20, "大型商业综合体火灾疏散演练", "live", "新街口商圈")
    _drill(session, rng, chem, who, now, 120, "危险化学品泄漏综合应急演练", "live", "江北新材料科技园",
           [FindingIn(description="园区与企业通信频道不统一，信息传递滞后", follow_up="plan_revision",
                      revision_note="明确园区应急通信频道和联络员")])
    _drill(session, rng, flood, who, now, 190, "城市内涝抢险单项演练", "live", "玄武湖隧道")
    _drill(session, rng, flood, who, now, -150, "防汛防旱综合应急演练", "live", "秦淮河沿线")
    _drill(session, rng, xuanwu, who, now, 95, "玄武区生产安全事故应急桌面推演", "tabletop", "玄武区应急指挥中心")
    for plan in enterprise:
        if plan.kind == PlanKind.ENT_ONSITE.value:  # held once, eight months ago: the half-yearly drill is overdue
            _drill(session, rng, plan, who, now, 250, "基坑坍塌现场处置演练", "live", "施工现场")
        elif plan.kind == PlanKind.ENT_SPECIAL.value:
            for days in (320, 150, 40):
                _drill(session, rng, plan, who, now, days, "储罐泄漏现场处置单项演练", "live", "储罐区")
        elif "综合" in plan.title and plan is enterprise[0]:
            _drill(session, rng, plan, who, now, 160, "生产安全事故综合应急演练", "live", "厂区")
    # The shopping centre's plan has no drill at all: a year past its first due day, it is overdue too.
