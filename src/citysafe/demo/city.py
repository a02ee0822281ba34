"""The demo city's foundation: organisations in Nanjing's districts and the accounts to log in with."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from shapely.geometry import Point, shape
from sqlalchemy.orm import Session

from citysafe.auth import service as auth_service
from citysafe.auth.enums import Role
from citysafe.auth.schemas import UserCreate
from citysafe.core.validators import uscc_check_char
from citysafe.demo.streets import address_in, names_of
from citysafe.orgs import service as orgs_service
from citysafe.orgs.enums import OrganizationKind
from citysafe.orgs.schemas import Contact, Location, OrganizationCreate
from citysafe.regions import service as regions_service

DEMO_CITY = "320100"  # 南京市

_SECTORS = [
    ("危险化学品", OrganizationKind.ENTERPRISE, ["化工有限公司", "石化储运有限公司", "新材料科技有限公司"]),
    ("冶金工贸", OrganizationKind.ENTERPRISE, ["钢铁有限公司", "金属制品有限公司"]),
    ("建筑施工", OrganizationKind.ENTERPRISE, ["建设工程有限公司", "建筑安装有限公司"]),
    ("商贸综合体", OrganizationKind.NETWORKED_UNIT, ["购物中心", "商业广场", "百货大楼"]),
    ("医疗卫生", OrganizationKind.NETWORKED_UNIT, ["人民医院", "中医院"]),
    ("教育", OrganizationKind.NETWORKED_UNIT, ["实验学校", "职业技术学院"]),
    ("高层住宅", OrganizationKind.NETWORKED_UNIT, ["花园小区物业管理处", "国际公寓物业"]),
    ("交通运输", OrganizationKind.ENTERPRISE, ["客运有限公司", "物流有限公司"]),
    ("燃气", OrganizationKind.ENTERPRISE, ["燃气有限公司"]),
]


@dataclass(frozen=True)
class DemoAccounts:
    admin_password: str
    accounts: list[tuple[str, str, str]]  # (username, role, region)


def fake_uscc(rng: random.Random, region_code: str) -> str:
    """A unified social credit code with a valid check character (not a real company's)."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91" + region_code[:6] + "".join(rng.choice(alphabet) for _ in range(9))
    return body + uscc_check_char(body)


def random_point_in(rng: random.Random, geometry: dict[str, Any]) -> tuple[float, float]:
    geom = shape(geometry)
    min_x, min_y, max_x, max_y = geom.bounds
    for _ in range(200):
        x, y = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
        if geom.contains(Point(x, y)):
            return round(x, 6), round(y, 6)
    point = geom.representative_point()
    return point.x, point.y


def seed_organizations(session: Session, rng: random.Random, per_district: int = 6) -> int:
    created, used = 0, set[str]()
    for district in regions_service.children_with_boundaries(session, code=DEMO_CITY):
        streets = [r.code for r in regions_service.children(session, code=district.code)] or [district.code]
        for _ in range(per_district):
            sector, kind, suffixes = rng.choice(_SECTORS)
            # A firm carries a place word of where it stands, as Nanjing's registered names do.
            places = names_of(district.code).places or (district.name[:2],)
            name = f"南京{rng.choice(places)}{rng.choice(suffixes)}"
            for _ in range(5):  # two firms of one name in one city look invented
                if name not in used:
                    break
                name = f"南京{rng.choice(places)}{rng.choice(suffixes)}"
            used.add(name)
            lon, lat = random_point_in(rng, district.boundary or {})
            region_code = rng.choice(streets)
            org_in = OrganizationCreate(
                name=name, kind=kind, region_code=region_code,
                uscc=fake_uscc(rng, district.code), sector=sector,
                address=address_in(rng, district.code, district.name),
                location=Location(lon=lon, lat=lat),
                contacts=[Contact(name=rng.choice("王李张刘陈") + rng.choice("伟芳强静"),
                                  phone=f"1{rng.randint(3000000000, 9999999999)}", role="安全负责人")],
            )
            orgs_service.create(session, org_in=org_in)
            created += 1
    return created


def seed_accounts(session: Session, admin_password: str) -> DemoAccounts:
    accounts = [
        ("admin", Role.ADMIN, "320000"),
        ("nanjing", Role.CITY_OFFICE, DEMO_CITY),
        ("xuanwu", Role.DISTRICT_OFFICE, "320102"),
        ("qinhuai", Role.DISTRICT_OFFICE, "320104"),
        ("operator", Role.OPERATOR, DEMO_CITY),
        ("grid", Role.GRID_OFFICER, "320102"),
    ]
    for username, role, region in accounts:
        auth_service.create_user(session, user_in=UserCreate(
            username=username, password=admin_password, role=role, region_code=region,
            display_name={"admin": "系统管理员", "nanjing": "南京市安委办", "xuanwu": "玄武区安委办",
                          "qinhuai": "秦淮区安委办", "operator": "监控中心值班员", "grid": "玄武区网格员"}[username],
        ))
    return DemoAccounts(admin_password, [(u, r.value, c) for u, r, c in accounts])

