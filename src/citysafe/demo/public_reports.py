"""Citizen reports of the demo city (issue #15 point 1): a few 随手拍 reports in 南京 from the public page —
anonymous (the demo sends no SMS, so no phone is verified), two of the same blocked exit (one matter) — one verified
by 玄武区安委办 and one not accepted with its reason. Photos are the demo's generated site photos (marked 示例)."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from citysafe.auth import service as auth_service
from citysafe.core.clock import utcnow
from citysafe.core.geo import Location
from citysafe.core.pagination import PageParams
from citysafe.demo.photos import site_photo
from citysafe.public.reports import service as reports

# (category, description, address, lon, lat, scene, hours ago, client)
REPORTS = (
    ("fire_safety", "小区3栋一楼楼道停满电动车，晚上有人拉电线充电，安全出口被堵", "玄武区珠江路某小区3栋",
     118.7912, 32.0489, "blocked_exit", 50, "demo-1"),
    ("fire_safety", "3栋楼道电动车充电，出口堵死了，很危险", "玄武区珠江路某小区",
     118.7914, 32.0490, "blocked_exit", 30, "demo-2"),
    ("nine_small", "沿街小饭店后厨液化气罐放在灶台边，没有固定", "秦淮区中华路某小吃店",
     118.7795, 32.0280, "corridor", 20, "demo-3"),
    ("construction", "工地围挡倒了一段，夜里没有警示灯，行人从坑边走", "建邺区江东中路某工地",
     118.7331, 32.0051, "corridor", 8, "demo-4"),
    ("group_rental", "一套房隔成十几间出租，走廊堆满杂物，没有灭火器", "鼓楼区湖南路某小区",
     118.7786, 32.0667, "corridor", 3, "demo-5"),
)


def seed_demo(session: Session, rng: random.Random) -> int:
    now = utcnow().replace(microsecond=0)
    stored: list[Any] = []
    for category, text, address, lon, lat, scene, hours, client in REPORTS:
        at = now - timedelta(hours=hours)
        fields = {"category": category, "description": text, "address": address,
                  "location": Location(lon=lon, lat=lat)}
        stored.append(reports.submit(session, report_in=reports.ReportIn.model_validate(fields), client=client,
                                     now=at, images=[site_photo(rng, scene=scene, at=at)], rng=rng))
    users = {u.username: u for u in auth_service.list_users(session, params=PageParams(size=500))[0]}
    if "xuanwu" in users:
        office = auth_service.principal_for(users["xuanwu"])
        reports.claim(session, report_id=stored[2].id, principal=office, now=now - timedelta(hours=17, minutes=20))
        reports.verify(session, report_id=stored[2].id, principal=office, now=now - timedelta(hours=17),
                     note="现场核查属实，已通知属地街道")
        reports.claim(session, report_id=stored[4].id, principal=office, now=now - timedelta(hours=1, minutes=15))
        reports.reject(session, report_id=stored[4].id, principal=office, now=now - timedelta(hours=1),
                     reason="经街道现场核查，该房屋已于上月整改，未发现群租和杂物堆放")
    return len(stored)
