"""The mutual-aid demo (issue #13 point 5): a neighbouring city's office (苏州市, account ``suzhou``) with a few
teams of its own, a request from 南京 to 苏州 waiting for its answer, and a catalogue of a neighbouring
province's city (安徽省马鞍山市, across the provincial border) imported by 南京 in the exchange format.

The coordinates are fixed points in each district (not drawn from the generator, so the rest of the demo city
stays as it was); the 马鞍山 document is sample data written for the demo, not that city's real resources."""

from __future__ import annotations

import random
from datetime import UTC

from sqlalchemy.orm import Session

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.context import context_of
from citysafe.core.geo import Location
from citysafe.core.pagination import PageParams
from citysafe.emergency import service as incidents
from citysafe.emergency.mutualaid import service as aid
from citysafe.emergency.mutualaid.schemas import AidRequestIn, TeamAsk
from citysafe.emergency.resources import service as resources
from citysafe.emergency.resources.schemas import EquipmentItem, TeamCreate, TeamKind
from citysafe.emergency.schemas import IncidentFilter

SUZHOU_TEAMS = (
    ("姑苏区平江消防救援站", TeamKind.FIRE_STATION, "", "320508", 120.630, 31.318, 32),
    ("吴中区木渎消防救援站", TeamKind.FIRE_STATION, "", "320506", 120.512, 31.262, 28),
    ("苏州市危险化学品应急救援队", TeamKind.PROFESSIONAL_BASE, "hazchem", "320505", 120.560, 31.300, 45),
)
MAANSHAN = {
    "format": "mutual-aid-catalogue", "version": "1.0", "generated_at": "2026-06-30T08:00:00+08:00",
    "crs": "EPSG:4326",
    "publisher": {"id": "340500", "name": "马鞍山市应急管理局（示例数据）", "region_code": "340500",
                  "contact": {"name": "市应急指挥中心值班室", "phone": ""}},
    "teams": [
        {"id": "mas-team-1", "name": "马鞍山市消防救援支队特勤站", "kind": "fire_station", "region_code": "340503",
         "location": {"lon": 118.507, "lat": 31.689}, "headcount": 40, "status": "available",
         "equipment": [{"name": "举高喷射消防车", "count": 1}, {"name": "抢险救援车", "count": 2}]},
        {"id": "mas-team-2", "name": "马钢集团专职消防队", "kind": "enterprise", "region_code": "340504",
         "location": {"lon": 118.482, "lat": 31.712}, "headcount": 36, "status": "available"},
    ],
    "depots": [
        {"id": "mas-depot-1", "name": "马鞍山市应急物资储备库", "kind": "comprehensive", "level": "city",
         "region_code": "340503", "location": {"lon": 118.520, "lat": 31.670},
         "stock": [{"code": "1010101", "name": "棉被", "unit": "床", "quantity": 1200},
                   {"code": "1010201", "name": "折叠床", "unit": "张", "quantity": 600}]},
    ],
    "experts": [{"id": "mas-expert-1", "name": "示例专家", "field": "hazchem", "title": "高级工程师"}],
}


def seed_demo(session: Session, rng: random.Random) -> None:
    del rng  # fixed data: the generator's sequence stays the rest of the demo's
    now = context_of(session).clock.now().astimezone(UTC).replace(second=0, microsecond=0)
    users = {u.username: u for u in auth_service.list_users(session, params=PageParams(size=500))[0]}
    username = "suzhou"
    suzhou = auth_service.create_user(session, user_in=UserCreate(
        username=username, password="demo-only-" + username, role="city_office", region_code="320500",
        display_name="苏州市应急管理局"))
    suzhou.password_hash = users["nanjing"].password_hash  # demo accounts share one password
    for name, kind, specialty, code, lon, lat, heads in SUZHOU_TEAMS:
        resources.create_team(session, now=now, data=TeamCreate(
            name=name, kind=kind, specialty=specialty, region_code=code, location=Location(lon=lon, lat=lat),
            headcount=heads, equipment=[EquipmentItem(name="抢险救援车", count=2)], contact_name="值班室"))
    nanjing = auth_service.principal_for(users["nanjing"])
    aid.import_partner(session, principal=nanjing, document=MAANSHAN, now=now)
    responding, _ = incidents.list_incidents(session, filters=IncidentFilter.model_validate({"state": ["responding"]}),
                                             params=PageParams(size=100))
    incident = next((i for i in responding if i.lon is not None), None)
    if incident is None:
        return
    aid.request(session, incident=incident, principal=nanjing, now=now, data=AidRequestIn(
        giver_region="320500", teams=[TeamAsk(kind=TeamKind.PROFESSIONAL_BASE, count=1)],
        reason="现场处置需要危险化学品专业救援力量，本市专业队伍已全部出动", contact="南京市应急指挥中心值班室"))
