"""Demo warnings (part of the emergency demo, demo/emergency.py): residents of the old city subscribed to
warnings, a 黄色 (三级) 暴雨内涝 warning in force over 玄武 and 秦淮 issued by the city office, and a drafted 橙色 one.
Issuing queues the deliveries; a served demo sends them at start-up through its outbound channels (the log
by default, so the receipts say 未发送 honestly)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
from citysafe.emergency.warnings import service as warnings
from citysafe.emergency.warnings.schemas import SubscriberCreate, WarningCreate

# 玄武湖 to 夫子庙, drawn by hand (WGS84).
OLD_CITY = {"type": "Polygon", "coordinates": [[
    [118.770, 32.020], [118.810, 32.015], [118.830, 32.045], [118.815, 32.080], [118.780, 32.085],
    [118.765, 32.050], [118.770, 32.020]]]}
RIVERSIDE = {"type": "Polygon", "coordinates": [[
    [118.700, 31.990], [118.745, 31.985], [118.750, 32.030], [118.710, 32.035], [118.700, 31.990]]]}


def seed_warnings(session: Session, rng: random.Random, *, principal: Principal, now: datetime) -> None:
    for i in range(300):
        district = rng.choice(("320102", "320104", "320105", "320106"))
        warnings.subscribe(session, subscriber_in=SubscriberCreate(
            name=f"订阅居民{i + 1:03d}", phone=f"1{rng.choice('3589')}{rng.randint(100000000, 999999999)}",
            email=f"resident{i + 1:03d}@example.cn" if i % 4 == 0 else "", lon=rng.gauss(118.79, 0.04),
            lat=rng.gauss(32.04, 0.035), region_code=district))
    rain = warnings.create(session, principal=principal, now=now - timedelta(hours=2), warning_in=WarningCreate(
        category="natural_disaster", event="暴雨内涝", level=3, headline="南京市主城区暴雨内涝黄色预警",
        description="预计未来12小时主城区累计降雨量可达80毫米，低洼路段、下穿通道可能积水",
        instruction="避免前往低洼地带和下穿通道，地下车库及时转移车辆，注意用电安全",
        onset=now - timedelta(hours=2), expires=now + timedelta(hours=10), area=OLD_CITY,
        area_desc="玄武区、秦淮区老城片区", issuer="南京市应急管理局"))
    warnings.issue(session, warning=rain, principal=principal, now=now - timedelta(hours=2))
    warnings.create(session, principal=principal, now=now - timedelta(minutes=20), warning_in=WarningCreate(
        category="accident", event="危险化学品泄漏", level=2, headline="建邺区江边某仓储企业氨气泄漏橙色预警（草稿）",
        description="仓储企业液氨管线泄漏，西北风，下风向居民区可能受影响",
        instruction="下风向居民关闭门窗，听从社区组织向上风向转移", onset=now - timedelta(minutes=20),
        expires=now + timedelta(hours=6), area=RIVERSIDE, area_desc="建邺区江边片区"))
