"""Demo resources and shelters for Nanjing: fire stations in every district, the city's 特勤 brigade, professional
bases where the city's risks are (the 江北 chemical park, the 长江 waterfront, 石臼湖, the 梅山 mine), enterprise and
social teams; depots with stock (some of it expiring soon) and an agreement reserve; shelters in the city's
parks, squares, stadiums and one 人防工程; and the populations of 玄武 and 秦淮's communities for the evacuation plan.

Places are real names of Nanjing with approximate WGS84 points; headcounts, stock and populations are invented.
GB/T 38565-2020's middle classes were not read (spec §6 [U]): the item codes below have the standard's form and
top classes, but their lower levels are illustrative.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType

from sqlalchemy.orm import Session

from citysafe.core.context import context_of
from citysafe.core.geo import Location
from citysafe.core.pagination import PageParams
from citysafe.demo.city import DEMO_CITY, random_point_in
from citysafe.demo.streets import names_of
from citysafe.emergency.resources import service
from citysafe.emergency.resources.schemas import (
    AgreementIn,
    AgreementItem,
    DepotIn,
    EquipmentItem,
    ExpertIn,
    StockIn,
    TeamCreate,
    TeamFilter,
    TeamKind,
)
from citysafe.emergency.shelters import service as shelters
from citysafe.emergency.shelters.schemas import MovementIn, ShelterFilter, ShelterIn
from citysafe.orgs import service as orgs_service
from citysafe.orgs.schemas import OrganizationFilter
from citysafe.regions import service as regions_service

STATION_KIT = (("水罐消防车", 2), ("抢险救援消防车", 1), ("泡沫消防车", 1))
SPECIAL = (  # name, kind, specialty, district, lon, lat, headcount, kit
    ("南京市消防救援支队特勤大队", TeamKind.COMPREHENSIVE, "", "320106", 118.7723, 32.0712, 120,
     (("举高喷射消防车", 2), ("登高平台消防车", 2), ("抢险救援消防车", 3), ("化学救援消防车", 1))),
    ("江北新材料科技园危险化学品专业救援基地", TeamKind.PROFESSIONAL_BASE, "hazchem", "320116", 118.8073, 32.2463, 86,
     (("化学洗消车", 2), ("防化侦检车", 1), ("大功率泡沫消防车", 3))),
    ("长江南京段水上专业救援基地", TeamKind.PROFESSIONAL_BASE, "yangtze", "320106", 118.7286, 32.0966, 42,
     (("消防艇", 2), ("冲锋舟", 6), ("潜水装备", 12))),
    ("石臼湖内湖水域救援基地", TeamKind.PROFESSIONAL_BASE, "inland_water", "320118", 118.9185, 31.4160, 24,
     (("冲锋舟", 4), ("橡皮艇", 6))),
    ("梅山矿山救护队", TeamKind.PROFESSIONAL_BASE, "mine", "320114", 118.7095, 31.9418, 38,
     (("矿山救护车", 2), ("正压氧气呼吸器", 40))),
    ("扬子石化专职消防队", TeamKind.ENTERPRISE, "", "320116", 118.8047, 32.2366, 64,
     (("泡沫消防车", 3), ("干粉泡沫联用车", 1))),
    ("南京钢铁专职消防队", TeamKind.ENTERPRISE, "", "320116", 118.8352, 32.2214, 40, (("水罐消防车", 2),)),
    ("南京蓝天救援队", TeamKind.SOCIAL, "", "320104", 118.7979, 32.0181, 55, (("越野车", 3), ("冲锋舟", 2))),
    ("玄武区应急志愿者服务队", TeamKind.VOLUNTEER, "", "320102", 118.8002, 32.0594, 120, ()),
)
EXPERTS = (("周建华", "hazchem", "320116", "正高级工程师", "南京工业大学"),
           ("李明远", "structure", "320106", "教授", "东南大学"),
           ("陈海燕", "medical", "320104", "主任医师", "南京鼓楼医院"),
           ("王志强", "fire", "320102", "高级工程师", "南京市消防救援支队"),
           ("刘文博", "water", "320106", "高级工程师", "长江南京航道局"),
           ("赵国华", "gas", "320105", "高级工程师", "南京港华燃气"))
# Experts of the fields the city's risks call for, seeded after everything else (their phones take draws of the
# demo's random stream, which the stock and shelters above must keep).
MORE_EXPERTS = (("孙立新", "geology", "320114", "研究员", "江苏省地质调查研究院"),
                ("吴晓燕", "weather", "320106", "高级工程师", "南京市气象台"),
                ("黄振宇", "power", "320104", "高级工程师", "国网南京供电公司"),
                ("徐静", "environment", "320102", "高级工程师", "南京市环境监测中心站"),
                ("马俊", "traffic", "320102", "副教授", "南京林业大学"),
                ("林海", "mine", "320114", "正高级工程师", "梅山矿业有限公司"),
                ("郭磊", "medical", "320104", "副主任医师", "南京市第一医院"),
                ("何晓东", "hazchem", "320104", "高级工程师", "南京市化工研究设计院"))
# Agreement reserves beyond the city's own: by the supplier's sector, a title, response hours, the period as days
# from today (one lapsing within the quarter, one lapsed, one not yet started) and the items.
AGREEMENTS = (
    ("建筑施工", "抢险工程机械协议储备", 4, (-320, 45),
     (("3030101", "挖掘机", "台", 6), ("3030201", "装载机", "台", 4), ("3010201", "砂石料", "吨", 2000))),
    ("交通运输", "应急物资运输保障协议", 2, (-30, 335),
     (("2040101", "厢式货车", "辆", 20), ("2040201", "叉车", "台", 4))),
    ("危险化学品", "危化品泄漏处置物资协议储备", 6, (-400, -35),
     (("3020201", "活性炭", "千克", 5000), ("2020301", "堵漏器材", "套", 20))),
    ("商贸综合体", "冬春救灾物资协议储备", 12, (20, 385),
     (("1010301", "棉大衣", "件", 2000), ("1010401", "电暖器", "台", 500), ("1010201", "棉被", "床", 3000))),
)
DEPOTS = (("南京市应急物资储备库", "comprehensive", "city", "320115", 118.8560, 31.9620),
          ("江宁区防汛物资储备库", "flood", "county", "320115", 118.8330, 31.9180),
          ("六合区危化品应急物资库", "hazchem", "county", "320116", 118.8210, 32.2350),
          ("玄武区应急物资储备点", "comprehensive", "county", "320102", 118.8087, 32.0521))
STOCK = {  # code, name, unit, quantity range, shelf life in days (None: no expiry)
    "comprehensive": (("1010101", "棉帐篷", "顶", (200, 800), None), ("1010201", "棉被", "床", (1000, 4000), None),
                      ("1020101", "瓶装饮用水", "箱", (500, 2000), 300), ("1020201", "方便食品", "箱", (300, 1500), 60),
                      ("2030101", "移动发电机组", "台", (5, 20), None)),
    "flood": (("2010101", "救生衣", "件", (500, 1500), None), ("2010201", "冲锋舟", "艘", (4, 12), None),
              ("3010101", "编织袋", "条", (20000, 60000), None), ("2030201", "排涝泵", "台", (6, 20), None)),
    "hazchem": (("2020101", "重型防化服", "套", (40, 120), 900), ("2020201", "空气呼吸器", "具", (60, 150), None),
                ("3020101", "吸附棉", "千克", (500, 2000), 720)),
}
SHELTERS = (  # name, grade, space, function, duration, kind, district, lon, lat, area m², facility class
    ("玄武湖公园应急避难场所", "city", "outdoor", "comprehensive", "long_term", "park", "320102", 118.7935, 32.0760,
     180000, "Ⅰ"),
    ("白鹭洲公园应急避难场所", "county", "outdoor", "comprehensive", "short_term", "park", "320104", 118.7937, 32.0215,
     42000, "Ⅱ"),
    ("新街口地下人防工程", "county", "indoor", "single", "emergency", "civil_defense", "320104", 118.7841, 32.0416,
     9000, "Ⅲ"),
    ("南京奥林匹克体育中心应急避难场所", "city", "indoor", "comprehensive", "long_term", "stadium", "320105", 118.7316,
     32.0085, 60000, "Ⅰ"),
    ("清凉山公园应急避难场所", "county", "outdoor", "comprehensive", "short_term", "park", "320106", 118.7556, 32.0413,
     36000, "Ⅱ"),
    ("绣球公园应急避难场所", "street", "outdoor", "single", "emergency", "park", "320106", 118.7505, 32.0877,
     15000, "Ⅲ"),
    ("雨花台风景区应急避难场所", "city", "outdoor", "comprehensive", "short_term", "park", "320114", 118.7786, 32.0044,
     90000, "Ⅱ"),
    ("江宁体育中心应急避难场所", "county", "indoor", "comprehensive", "long_term", "stadium", "320115", 118.8349,
     31.9425, 28000, "Ⅰ"),
    ("浦口公园应急避难场所", "county", "outdoor", "comprehensive", "short_term", "park", "320111", 118.6268, 32.0588,
     25000, "Ⅱ"),
    ("锁金村社区广场", "community", "outdoor", "single", "emergency", "square", "320102", 118.8133, 32.0789, 3200, "Ⅲ"),
    ("夫子庙小学", "community", "indoor", "single", "emergency", "school", "320104", 118.7887, 32.0219, 2400, "Ⅲ"),
)
# GB 21734-2008: each class adds to the one below (Ⅲ basic, Ⅱ general, Ⅰ comprehensive).
_BASIC = ("tents", "medical", "water", "power", "sewage", "toilet", "garbage", "access", "signs")
_GENERAL = (*_BASIC, "firefighting", "supplies", "command")
FACILITIES = MappingProxyType({"Ⅲ": list(_BASIC), "Ⅱ": list(_GENERAL),
                               "Ⅰ": [*_GENERAL, "parking", "helipad", "bathing", "ventilation", "info"]})
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"


def _round(quantity: int) -> int:
    """Stock is counted in tens when there is much of it (a depot's round figures)."""
    return quantity // 10 * 10 if quantity >= 100 else quantity


def _phone(rng: random.Random) -> str:
    return f"025-{rng.randint(5000, 8999)}{rng.randint(1000, 9999)}"


def seed_demo(session: Session, rng: random.Random) -> None:
    ctx = context_of(session)
    now = ctx.clock.now().astimezone(UTC).replace(second=0, microsecond=0)
    today = now.date()
    districts = regions_service.children_with_boundaries(session, code=DEMO_CITY)
    for district in districts:
        for place in names_of(district.code).places[:2]:
            lon, lat = random_point_in(rng, district.boundary or {})
            service.create_team(session, now=now, data=TeamCreate(
                name=f"{place}消防救援站", kind=TeamKind.FIRE_STATION, region_code=district.code,
                location=Location(lon=lon, lat=lat), headcount=rng.randint(24, 40),
                equipment=[EquipmentItem(name=n, count=c) for n, c in STATION_KIT],
                contact_name=f"{rng.choice(SURNAMES)}站长", contact_phone=_phone(rng)))
    for name, team_kind, specialty, code, lon, lat, heads, kit in SPECIAL:
        service.create_team(session, now=now, data=TeamCreate(
            name=name, kind=team_kind, specialty=specialty, region_code=code, location=Location(lon=lon, lat=lat),
            headcount=heads, equipment=[EquipmentItem(name=n, count=c) for n, c in kit],
            contact_name=f"{rng.choice(SURNAMES)}队长", contact_phone=_phone(rng)))
    teams, _ = service.list_teams(session, filters=TeamFilter(), params=None)
    service.set_team_status(session, team_id=teams[3].id, status="out_of_service", actor="demo", now=now,
                            note="车辆年检")
    for name, field, code, title, employer in EXPERTS:
        service.create_expert(session, now=now, data=ExpertIn(name=name, field=field, region_code=code, title=title,
                                                               employer=employer, phone=_phone(rng)))
    for name, depot_kind, level, code, lon, lat in DEPOTS:
        depot = service.save_depot(session, now=now, data=DepotIn(
            name=name, kind=depot_kind, level=level, region_code=code, location=Location(lon=lon, lat=lat),
            keeper=f"{rng.choice(SURNAMES)}库管", phone=_phone(rng)))
        for item_code, item, unit, (low, high), life in STOCK.get(depot_kind, STOCK["comprehensive"]):
            expires = None if life is None else today + timedelta(days=rng.randint(-10, life))
            service.put_stock(session, depot=depot, now=now, line=StockIn(
                code=item_code, name=item, unit=unit, quantity=_round(rng.randint(low, high)), expires_on=expires))
    stores = OrganizationFilter(region=DEMO_CITY, sector="商贸综合体")
    suppliers = orgs_service.list_organizations(session, filters=stores, params=PageParams(size=1))[0]
    if suppliers:
        service.create_agreement(session, now=now, data=AgreementIn(
            supplier_id=suppliers[0].id, title="生活类应急物资协议储备", region_code=DEMO_CITY, response_hours=12,
            valid_from=date(today.year, 1, 1), valid_to=date(today.year + 1, 12, 31),
            items=[AgreementItem(code="1020101", name="瓶装饮用水", unit="箱", quantity=5000),
                   AgreementItem(code="1020201", name="方便食品", unit="箱", quantity=3000)]))
    for name, grade, space, function, duration, kind, code, lon, lat, area, klass in SHELTERS:
        shelters.save_shelter(session, now=now, data=ShelterIn(
            name=name, grade=grade, space=space, function=function, duration=duration, kind=kind, region_code=code,
            location=Location(lon=lon, lat=lat), effective_area_m2=area, facilities=FACILITIES[klass],
            manager=f"{rng.choice(SURNAMES)}主任", phone=_phone(rng), is_open=name.startswith("玄武湖")))
    opened = shelters.list_shelters(session, filters=ShelterFilter(q="玄武湖"), params=None)[0]
    if opened:
        shelters.record_movement(session, shelter_id=opened[0].id, actor="demo", now=now,
                                 data=MovementIn(arrived=1260, note="暴雨内涝转移安置"))
    by_district = {d.code: d for d in districts}
    for district_code in ("320102", "320104"):
        home = by_district.get(district_code)
        if home is None:
            continue
        for street in regions_service.children(session, code=district_code):
            for community in regions_service.children(session, code=street.code)[:6]:
                lon, lat = random_point_in(rng, home.boundary or {})
                shelters.set_population(session, region_code=community.code, population=rng.randint(30, 120) * 100,
                                        lon=lon, lat=lat, source="演示数据（网格人口统计）", now=now)
    for name, field, code, title, employer in MORE_EXPERTS:
        service.create_expert(session, now=now, data=ExpertIn(name=name, field=field, region_code=code, title=title,
                                                               employer=employer, phone=_phone(rng)))
    _seed_agreements(session, today=today, now=now)
    session.flush()


def _seed_agreements(session: Session, *, today: date, now: datetime) -> None:
    """Each one with a supplier of its sector in the demo city (none: left out), in that supplier's district."""
    for sector, title, hours, (start, end), items in AGREEMENTS:
        found = orgs_service.list_organizations(session, filters=OrganizationFilter(region=DEMO_CITY, sector=sector),
                                                params=PageParams(size=2))[0]
        if not found:
            continue
        supplier = found[-1]  # the second of a sector when there is one: the first holds the city's own agreement
        service.create_agreement(session, now=now, data=AgreementIn(
            supplier_id=supplier.id, title=title, region_code=supplier.region_code[:6], response_hours=hours,
            valid_from=today + timedelta(days=start), valid_to=today + timedelta(days=end),
            items=[AgreementItem(code=c, name=n, unit=u, quantity=q) for c, n, u, q in items]))
