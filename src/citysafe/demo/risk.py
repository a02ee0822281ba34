"""The demo city's risk register: several thousand assessed sources placed where such sources cluster.

Streets first: the packaged data has district boundaries only, so each Nanjing district is split into
Voronoi cells, one per street in the divisions list, stored as street boundaries whose source says they
are generated (the map says so too). Then every kind of the four domains is scattered around its
anchors (``places``), located in its street, given a responsible unit (firms become registered
organisations) and assessed with its usual method, so the map and the white paper read like a city's.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.core.clock import utcnow
from citysafe.core.context import context_of
from citysafe.core.events import OutboxEvent
from citysafe.core.pagination import PageParams
from citysafe.demo import places
from citysafe.demo import risk_build as b
from citysafe.demo.city import DEMO_CITY, fake_uscc
from citysafe.firewatch.events import AlarmRaised
from citysafe.hazards.events import HazardReported
from citysafe.orgs import service as orgs_service
from citysafe.orgs.enums import OrganizationKind
from citysafe.orgs.schemas import Contact, Location, OrganizationCreate, OrganizationFilter
from citysafe.regions import service as regions_service
from citysafe.risk.enums import KINDS, RiskLevel
from citysafe.risk.schemas import SourceCreate
from citysafe.risk.service import boundaries, config, dynamic, sources
from citysafe.risk.service.geometry import place

S = "{street}"  # placeholder in demo names for the street a source falls in
ASSESSOR = ("demo-assessor", "南京市安全生产技术服务中心（第三方评估）")
# How many sources of each kind the demo city registers.
COUNTS = {
    "hazchem_firm": 380, "major_hazard": 90, "industrial_firm": 360, "oil_gas_pipeline": 12, "tailings_pond": 8,
    "spoil_site": 30, "large_event": 14, "small_venue": 1450, "high_rise": 450, "group_rental": 260,
    "mixed_use": 220, "crowded_place": 300, "utility_tunnel": 8, "gas_network": 160, "water_network": 110,
    "drainage_network": 140, "heat_network": 24, "tunnel": 30, "bridge": 90,
    "waterlogging": 160, "flood": 16, "earthquake": 6, "geological_hazard": 150,
}


@dataclass
class Seed:
    kind: str
    geometry: dict[str, Any]
    name: str  # may hold S, replaced by the street's name once the source is located
    responsible: str
    method: str
    params: dict[str, Any]
    firm: str | None = None  # organisation to register (and link) under this name
    firm_sector: str = ""
    region_code: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)


def _street_names(session: Session) -> dict[str, str]:
    rows = regions_service.descendants_at_level(session, code=DEMO_CITY, level="street")
    return {r.code: r.name for r in rows}


class _Builder:
    def __init__(self, rng: random.Random, inside: Any) -> None:
        self.rng, self.inside, self.seeds = rng, inside, list[Seed]()

    def spot(self, clusters: list[places.Cluster]) -> tuple[float, float]:
        for _ in range(200):
            lon, lat = b.around(self.rng, clusters)
            if shapely.contains_xy(self.inside, lon, lat):
                return lon, lat
        lon, lat, _, _ = clusters[0]
        return lon, lat

    def assess(self, kind: str, level: RiskLevel | None = None) -> tuple[str, dict[str, Any]]:
        level = level or b.pick_level(self.rng, kind)
        if KINDS[kind].method == "lec":
            return "lec", b.lec_params(self.rng, level, "A")
        if kind in ("flood", "earthquake") and self.rng.random() < 0.5:
            return "given", {"level": level.value, "basis": "南京市自然灾害综合风险普查成果（2022）"}
        return "matrix", b.matrix_params(self.rng, level, "M1")

    def add(self, kind: str, geometry: dict[str, Any], name: str, responsible: str,
            **extra: Any) -> Seed:
        method, params = extra.pop("assessment", None) or self.assess(kind)
        seed = Seed(kind, geometry, name, responsible, method, params, **extra)
        self.seeds.append(seed)
        return seed


def _new_firm_name(rng: random.Random, suffixes: list[str], used: set[str]) -> str:
    """A firm name not handed out before (南京 + brand + one of ``suffixes``), remembered in ``used``."""
    name = f"南京{b.brand(rng)}{rng.choice(suffixes)}"
    while name in used:
        name = f"南京{b.brand(rng)}{rng.choice(suffixes)}"
    used.add(name)
    return name


def _industrial(bl: _Builder) -> None:
    rng = bl.rng
    suffixes = ["化工有限公司", "化学品储运有限公司", "新材料科技有限公司", "精细化工有限公司", "气体有限公司",
                "石油化工有限公司", "油品储运有限公司", "涂料有限公司"]
    firms: list[tuple[str, tuple[float, float]]] = []
    used: set[str] = set()
    for _ in range(COUNTS["hazchem_firm"]):
        name = _new_firm_name(rng, suffixes, used)
        lon, lat = bl.spot(places.CHEMICAL_PARKS)
        firms.append((name, (lon, lat)))
        bl.add("hazchem_firm", b.point(lon, lat), name, name, firm=name, firm_sector="危险化学品")
    for _ in range(COUNTS["major_hazard"]):
        firm, (lon, lat) = rng.choice(firms)
        grade = rng.choices((1, 2, 3, 4), weights=(0.08, 0.22, 0.42, 0.28))[0]
        unit, params = b.gb18218_params(rng, grade)
        spot = (round(lon + rng.uniform(-0.002, 0.002), 6), round(lat + rng.uniform(-0.002, 0.002), 6))
        bl.add("major_hazard", b.point(*spot), f"{firm}{unit}", firm,
               firm=firm, firm_sector="危险化学品", assessment=("gb18218", params))
    trade = ["钢铁有限公司", "金属制品有限公司", "机械制造有限公司", "木业有限公司（粉尘涉爆）",
             "食品有限公司（涉氨制冷）", "铝业有限公司（粉尘涉爆）", "纺织有限公司",
             "冷链物流有限公司（涉氨制冷）", "建材有限公司", "电子科技有限公司"]
    for _ in range(COUNTS["industrial_firm"]):
        name = _new_firm_name(rng, trade, used)
        lon, lat = bl.spot(places.INDUSTRIAL_ZONES)
        bl.add("industrial_firm", b.point(lon, lat), name, name, firm=name, firm_sector="冶金工贸")
    pipelines = [("西气东输南京支线", [(118.55, 31.70), (118.70, 31.85), (118.83, 31.93)]),
                 ("川气东送南京支线", [(119.15, 31.75), (119.00, 31.90), (118.90, 31.98)]),
                 ("仪长原油管道（六合段）", [(118.95, 32.40), (118.88, 32.30), (118.85, 32.25)]),
                 ("甬沪宁原油管道（栖霞段）", [(119.20, 32.15), (119.05, 32.14), (118.90, 32.14)]),
                 ("扬子—仪征输油管道", [(118.77, 32.22), (118.85, 32.30), (118.95, 32.33)]),
                 ("金陵石化成品油外输管道", [(118.88, 32.14), (118.80, 32.10), (118.70, 32.05)])]
    for index in range(COUNTS["oil_gas_pipeline"]):
        title, coords = pipelines[index % len(pipelines)]
        part = "（一标段）" if index < len(pipelines) else "（二标段）"
        line = coords if index < len(pipelines) else [(x + 0.01, y - 0.01) for x, y in coords]
        operator = "国家管网集团东部原油储运有限公司" if "原油" in title else "国家管网集团西气东输分公司"
        bl.add("oil_gas_pipeline", b.polyline(line), f"{title}{part}", operator)
    for title, lon, lat in places.TAILINGS[:COUNTS["tailings_pond"]]:
        mine = title.replace("尾矿库", "") + "矿业有限公司"
        bl.add("tailings_pond", b.point(lon, lat), title, mine, firm=mine, firm_sector="冶金工贸")
    for n in range(COUNTS["spoil_site"]):
        lon, lat = bl.spot(places.SPOIL)
        bl.add("spoil_site", b.blob(rng, lon, lat, rng.uniform(0.0015, 0.004), 8),
               f"{S}渣土消纳场（{n + 1}号）", f"南京{b.brand(rng)}渣土运输处置有限公司")


def _crowded(bl: _Builder) -> None:
    rng = bl.rng
    for title, lon, lat in places.LARGE_EVENTS[:COUNTS["large_event"]]:
        bl.add("large_event", b.point(lon, lat), title, f"{title}管理单位")
    venues = ["小餐饮场所", "小商店", "小旅馆", "小网吧", "小美容洗浴场所", "小歌舞娱乐场所", "小生产加工企业",
              "小学校（幼儿园）", "小医院（诊所）"]
    for n in range(COUNTS["small_venue"]):
        lon, lat = bl.spot(places.URBAN_CENTRES)
        venue = rng.choice(venues)
        bl.add("small_venue", b.point(lon, lat), f"{S}{venue}（九小-{n + 1:04d}）",
               f"{b.person(rng)}（经营者）")
    for _ in range(COUNTS["high_rise"]):
        lon, lat = bl.spot(places.HIGH_RISE)
        title = rng.choice([f"{b.brand(rng)}大厦", f"{b.brand(rng)}国际中心", f"{b.brand(rng)}花园（高层住宅）",
                            f"{b.brand(rng)}广场写字楼", f"{b.brand(rng)}公寓（超高层）"])
        bl.add("high_rise", b.point(lon, lat), f"{S}{title}", f"南京{b.brand(rng)}物业管理有限公司")
    for n in range(COUNTS["group_rental"]):
        lon, lat = bl.spot(places.GROUP_RENTAL)
        bl.add("group_rental", b.point(lon, lat), f"{S}出租屋（群租房-{n + 1:03d}）",
               f"{b.person(rng)}（出租人）")
    mixes = ["住宿与生产经营合用", "住宿与仓储合用", "住宿与经营合用", "生产、仓储、住宿合用"]
    for _ in range(COUNTS["mixed_use"]):
        lon, lat = bl.spot(places.URBAN_CENTRES + places.INDUSTRIAL_ZONES[2:6])
        mix = rng.choice(mixes)
        bl.add("mixed_use", b.point(lon, lat), f"{S}“多合一”场所（{mix}）", f"南京{b.brand(rng)}商行")
    places_kinds = ["购物中心", "商业广场", "农贸市场", "人民医院", "中学", "小学", "养老院", "客运站",
                    "影城", "体育馆"]
    for _ in range(COUNTS["crowded_place"]):
        lon, lat = bl.spot(places.URBAN_CENTRES)
        title = f"{b.brand(rng)}{rng.choice(places_kinds)}"
        bl.add("crowded_place", b.point(lon, lat), title, f"{title}（管理单位）")


def _facilities(bl: _Builder) -> None:
    rng = bl.rng
    for title, coords in places.UTILITY_TUNNELS[:COUNTS["utility_tunnel"]]:
        bl.add("utility_tunnel", b.polyline(coords), title, "南京市城市地下管廊建设管理有限公司")
    networks = [("gas_network", "中压燃气管线", ("南京港华燃气有限公司", "南京中石油昆仑燃气有限公司"), (0.8, 3.0)),
                ("water_network", "供水主干管", ("南京水务集团有限公司",), (1.0, 3.5)),
                ("drainage_network", "雨污水管线及泵站", ("南京市排水管理处", "南京水务集团排水有限公司"), (0.6, 2.0)),
                ("heat_network", "热力管网", ("南京江北新区热力有限公司",), (1.0, 3.0))]
    for kind, label, operators, km in networks:
        clusters = places.INDUSTRIAL_ZONES[:3] if kind == "heat_network" else places.URBAN_CENTRES
        for n in range(COUNTS[kind]):
            lon, lat = bl.spot(clusters)
            bl.add(kind, b.short_line(rng, lon, lat, km), f"{S}{label}（{n + 1}段）",
                   rng.choice(operators))
    for line, coords in places.METRO_LINES:
        for n, (lon, lat) in enumerate(b.points_along(coords, 1.3), start=1):
            if shapely.contains_xy(bl.inside, lon, lat):
                bl.add("public_transport", b.point(lon, lat), f"地铁{line}第{n}站（{S}）",
                       "南京地铁运营有限责任公司")
    for n in range(40):
        lon, lat = bl.spot(places.URBAN_CENTRES)
        bl.add("public_transport", b.point(lon, lat), f"{S}公交首末站（{n + 1}）", "南京公交集团有限公司")
    for title, coords in places.TUNNELS:
        bl.add("tunnel", b.polyline(coords), title, "南京市城市建设投资控股（集团）有限责任公司")
    for n in range(COUNTS["tunnel"] - len(places.TUNNELS)):
        lon, lat = bl.spot(places.URBAN_CENTRES[:6])
        bl.add("tunnel", b.short_line(rng, lon, lat, (0.3, 0.9)), f"{S}下穿通道（{n + 1}号）",
               "南京市城市道路管理处")
    for title, coords in places.BRIDGES:
        bl.add("bridge", b.polyline(coords), title, "南京长江大桥管理有限公司")
    rivers = ["秦淮河", "外秦淮河", "金川河", "秦淮新河", "滁河", "九乡河", "运粮河", "护城河"]
    for n in range(COUNTS["bridge"] - len(places.BRIDGES)):
        lon, lat = bl.spot(places.URBAN_CENTRES)
        river = rng.choice(rivers)
        bl.add("bridge", b.short_line(rng, lon, lat, (0.1, 0.4)), f"{river}{S}段桥梁（{n + 1}号）",
               "南京市城市道路管理处")


def _natural(bl: _Builder) -> None:
    rng = bl.rng
    for n in range(COUNTS["waterlogging"]):
        lon, lat = bl.spot(places.WATERLOGGING)
        spot = rng.choice(["下穿通道", "立交桥下", "低洼小区", "道路积水点", "地铁出入口"])
        bl.add("waterlogging", b.point(lon, lat), f"{S}{spot}易涝点（{n + 1}）", "所在区水务局")
    for title, lon, lat, radius in places.FLOOD_AREAS[:COUNTS["flood"]]:
        bl.add("flood", b.blob(rng, lon, lat, radius), title, "南京市水务局")
    for title, coords, width in places.FAULTS[:COUNTS["earthquake"]]:
        bl.add("earthquake", b.band(coords, width), title, "南京市地震局")
    kinds = ["崩塌", "滑坡", "不稳定斜坡", "地面塌陷"]
    for n in range(COUNTS["geological_hazard"]):
        lon, lat = bl.spot(places.HILLS)
        hazard = rng.choice(kinds)
        bl.add("geological_hazard", b.point(lon, lat), f"{S}{hazard}隐患点（{n + 1}）",
               "南京市规划和自然资源局")


# Sectors of the foundation's demo organisations and the kind of risk source each of them runs.
_SECTOR_KINDS = {"危险化学品": "hazchem_firm", "冶金工贸": "industrial_firm", "商贸综合体": "crowded_place",
                 "医疗卫生": "crowded_place", "教育": "crowded_place", "高层住宅": "high_rise",
                 "交通运输": "public_transport", "燃气": "gas_network"}


def _existing_organisations(session: Session, bl: _Builder) -> None:
    """A source for each organisation the foundation's demo registered, linked to it."""
    items, _ = orgs_service.list_organizations(session, filters=OrganizationFilter(region=DEMO_CITY),
                                               params=PageParams(page=1, size=500))
    for org in items:
        kind = _SECTOR_KINDS.get(org.sector)
        if kind is None or org.lon is None or org.lat is None:
            continue
        if not shapely.contains_xy(bl.inside, org.lon, org.lat):
            continue
        geometry = (b.short_line(bl.rng, org.lon, org.lat, (0.8, 2.0)) if kind == "gas_network"
                    else b.point(org.lon, org.lat))
        seed = bl.add(kind, geometry, org.name, org.name)
        seed.attributes["organization_id"] = org.id


def _locate(session: Session, city: Any, seeds: list[Seed], anchors: list[tuple[float, float]]) -> None:
    lon, lat = [a[0] for a in anchors], [a[1] for a in anchors]
    counties = boundaries.locate(session, region=city, level="district", lon=lon, lat=lat)
    for county in sorted({c for c in counties if c}):
        idx = [i for i, c in enumerate(counties) if c == county]
        region = regions_service.get(session, code=county)
        streets = boundaries.locate(session, region=region, level="street", lon=[lon[i] for i in idx],
                                    lat=[lat[i] for i in idx])
        for i, street in zip(idx, streets, strict=True):
            seeds[i].region_code = street or county


def _register_firms(session: Session, rng: random.Random, seeds: list[Seed]) -> dict[str, int]:
    """Registered organisations for the firms among the seeds (one per firm name)."""
    ids: dict[str, int] = {}
    for seed in seeds:
        if seed.firm is None or seed.firm in ids:
            continue
        lon, lat = seed.geometry["coordinates"] if seed.geometry["type"] == "Point" else (None, None)
        org = orgs_service.create(session, org_in=OrganizationCreate(
            name=seed.firm, kind=OrganizationKind.ENTERPRISE, region_code=seed.region_code,
            uscc=fake_uscc(rng, seed.region_code), sector=seed.firm_sector,
            address=f"南京市{seed.region_code}{rng.randint(1, 999)}号",
            location=Location(lon=lon, lat=lat) if lon is not None else None,
            contacts=[Contact(name=b.person(rng).replace("某", rng.choice("伟芳强静军敏")), role="安全负责人",
                              phone=f"1{rng.randint(3000000000, 9999999999)}")]))
        ids[seed.firm] = org.id
    return ids


def _demo_factors(session: Session, rng: random.Random, created: Sequence[Any], cfg: config.RiskConfig) -> None:
    """Live factors for the demo: first any hazards and alarms other demo seeders announced, then, where
    none exist, a few labelled demo ones so the dynamic level can be seen on the map."""
    at = utcnow()
    pending = session.scalars(select(OutboxEvent).where(
        OutboxEvent.name.in_(("HazardReported", "AlarmRaised")), OutboxEvent.delivered_at.is_(None))).all()
    for event in pending:
        if event.name == "HazardReported":
            dynamic.on_hazard_reported(session, HazardReported(**event.payload), at=at, rules=cfg.rules,
                                       radius_m=cfg.match_radius_m)
        else:
            dynamic.on_alarm_raised(session, AlarmRaised(**event.payload), at=at, rules=cfg.rules,
                                    radius_m=cfg.match_radius_m)
    if pending:
        return
    firms = [s for s in created if s.kind == "hazchem_firm" and s.organization_id is not None]
    for n, source in enumerate(rng.sample(firms, min(6, len(firms))), start=1):
        dynamic.open_factor(session, kind="hazard", ref_id=f"YH-DEMO-{n:03d}", subkind="major",
                            organization_id=source.organization_id, lon=source.lon, lat=source.lat,
                            region_code=source.region_code, detail={"demo": True, "category": "危险化学品"},
                            at=at - timedelta(days=rng.randint(3, 40)), rules=cfg.rules, radius_m=cfg.match_radius_m)
    towers = [s for s in created if s.kind == "high_rise"]
    for n, source in enumerate(rng.sample(towers, min(2, len(towers))), start=1):
        dynamic.open_factor(session, kind="alarm", ref_id=f"HJ-DEMO-{n:03d}", subkind="fire", organization_id=None,
                            lon=source.lon, lat=source.lat, region_code=source.region_code, detail={"demo": True},
                            at=at - timedelta(minutes=rng.randint(2, 30)), rules=cfg.rules, radius_m=20.0)


def seed_demo(session: Session, rng: random.Random) -> int:
    """Demo streets and the demo city's risk register; returns the number of sources."""
    cfg = config.from_settings(context_of(session).settings)
    city = regions_service.get(session, code=DEMO_CITY)
    boundaries.generate_demo_streets(session, city_code=DEMO_CITY)
    inside = shapely.union_all([u.geom for u in boundaries.units_at_level(session, region=city, level="district")])
    shapely.prepare(inside)
    bl = _Builder(rng, inside)
    for part in (_industrial, _crowded, _facilities, _natural):
        part(bl)
    _existing_organisations(session, bl)
    placed = [place(seed.geometry, "wgs84") for seed in bl.seeds]
    _locate(session, city, bl.seeds, [(p.lon, p.lat) for p in placed])
    kept = [(seed, p) for seed, p in zip(bl.seeds, placed, strict=True) if seed.region_code]
    firm_ids = _register_firms(session, rng, [seed for seed, _ in kept])
    codes: dict[str, list[str]] = {}
    for county in sorted({seed.region_code[:6] for seed, _ in kept}):
        count = sum(1 for seed, _ in kept if seed.region_code[:6] == county)
        codes[county] = sources.next_codes(session, region_code=county, count=count)
    streets = _street_names(session)
    now = utcnow()
    items = []
    for seed, p in kept:
        org_id = seed.attributes.pop("organization_id", None) or (firm_ids.get(seed.firm) if seed.firm else None)
        source_in = SourceCreate(name=seed.name.replace(S, streets.get(seed.region_code, ""))[:200], kind=seed.kind,
                                 geometry=p.geometry, organization_id=org_id, responsible_unit=seed.responsible,
                                 attributes=seed.attributes)
        at = now - timedelta(days=rng.randint(5, 300), minutes=rng.randint(0, 600))  # assessed in the past months
        items.append(sources.AssessedSource(
            source_in=source_in, placed=p, region_code=seed.region_code, code=codes[seed.region_code[:6]].pop(0),
            method=seed.method, params=seed.params, assessed_at=at))
    created = sources.register_assessed(session, items=items, assessor=ASSESSOR[0], assessor_name=ASSESSOR[1],
                                        rules=cfg.rules, grade_levels=cfg.grade_levels)
    _demo_factors(session, rng, created, cfg)
    return len(created)
