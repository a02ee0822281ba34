"""Demo publicity, training and participation for Nanjing: this month's and next month's events (安全生产月-style
publicity days, training for enterprise heads, 消防 open days), three safety experience bases with sessions over
the coming fortnight and bookings by schools and companies (one session full), and volunteer teams and social
organisations with members and a few activities. Bases and teams carry names of the kind Nanjing has; people,
numbers and bookings are invented."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from citysafe.core.clock import to_local
from citysafe.core.context import context_of
from citysafe.public.participation import service
from citysafe.public.participation.schemas import (
    ActivityIn,
    BaseIn,
    BookingIn,
    EventIn,
    GroupIn,
    MemberIn,
    RegistrationIn,
    SessionIn,
)

EVENTS = (("安全生产宣传咨询日", "publicity", "public", "南京市安委办", "新街口德基广场", "320102", 300, 0),
          ("企业主要负责人安全生产培训班", "training", "managers", "南京市应急管理局", "南京应急培训学校",
           "320104", 80, 3),
          ("消防救援站开放日", "publicity", "students", "鼓楼区消防救援大队", "鼓楼消防救援站", "320106", 120, 6),
          ("有限空间作业安全培训", "training", "workers", "江宁区应急管理局", "江宁开发区管委会报告厅",
           "320115", 60, 9),
          ("社区防灾减灾宣传", "publicity", "community", "秦淮区安委办", "夫子庙街道社区广场", "320104", 200, 13),
          ("危险化学品执法人员培训", "training", "officials", "南京市应急管理局", "江北新区化工园管委会",
           "320111", 40, 20),
          ("校园安全体验周", "publicity", "students", "玄武区教育局", "玄武区安全教育体验馆", "320102", 500, 27))
BASES = (("南京市安全生产教育体验馆", "320104", "秦淮区应天大街388号",
          ["消防逃生", "地震体验", "有限空间", "触电防护"]),
         ("玄武区消防科普教育基地", "320102", "玄武区龙蟠路9号", ["消防器材使用", "烟雾逃生", "119报警"]),
         ("江宁区公共安全体验中心", "320115", "江宁区天元东路1009号", ["交通安全", "防溺水", "急救技能"]))
VISITORS = (("南京市琅琊路小学", "school"), ("南京外国语学校", "school"), ("南京钢铁股份有限公司", "company"),
            ("苏宁易购集团", "company"), ("玄武区锁金村街道", "community"), ("南京市第十三中学", "school"))
GROUPS = (("南京蓝天救援队", "volunteer_team", "320106", "山地水域救援、应急救护培训"),
          ("秦淮区消防志愿者服务队", "volunteer_team", "320104", "社区消防宣传、隐患劝导"),
          ("南京市安全生产协会", "social_org", "320105", "行业自律、安全培训与评价"),
          ("江宁区应急救援志愿者协会", "social_org", "320115", "防汛抢险、应急值守"))
NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊", "黄敏", "周杰", "吴婷", "徐强", "孙悦"]


def seed_demo(session: Session, rng: random.Random) -> None:
    ctx = context_of(session)
    now = ctx.clock.now().astimezone(UTC).replace(second=0, microsecond=0)
    zone = ZoneInfo(ctx.settings.timezone)
    today = to_local(now).date()
    month_start = today.replace(day=1)
    for title, kind, audience, organiser, place, code, capacity, offset in EVENTS:
        day = month_start + timedelta(days=offset)
        start = datetime.combine(day, time(9, 0), zone)
        event = service.create_event(session, now=now, data=EventIn(
            title=title, kind=kind, audience=audience, organiser=organiser, place=place, region_code=code,
            capacity=capacity, starts_at=start, ends_at=start + timedelta(hours=3 if kind == "publicity" else 7)))
        # registrations come in the days before (an event already held was registered for before it began)
        registered_at = min(now, event.starts_at - timedelta(days=3))
        for who, _ in rng.sample(VISITORS, 2):
            service.register(session, event_id=event.id, now=registered_at, data=RegistrationIn(
                registrant=who, people=rng.randint(5, max(6, capacity // 4)), contact="联络员"))
    for name, code, address, themes in BASES:
        base = service.create_base(session, now=now, data=BaseIn(
            name=name, region_code=code, address=address, themes=themes, operator=name.replace("基地", "") + "管理处",
            phone=f"025-8{rng.randint(1_000_000, 9_999_999)}"))
        for d in range(1, 15, 2):
            for hour in (9, 14):
                start = datetime.combine(today + timedelta(days=d), time(hour, 0), zone)
                slot = service.add_session(session, base_id=base.id, now=now, data=SessionIn(
                    starts_at=start, ends_at=start + timedelta(hours=2), capacity=60))
                if rng.random() < 0.5:
                    continue
                seats = 60
                for visitor, kind in rng.sample(VISITORS, rng.randint(1, 2)):
                    people = min(seats, rng.randint(20, 45))
                    service.book(session, session_id=slot.id, now=now, data=BookingIn(
                        visitor=visitor, visitor_kind=kind, people=people,
                        contact="带队老师" if kind == "school" else "安全员"))
                    seats -= people
                    if not seats:
                        break
    for n, (name, kind, code, focus) in enumerate(GROUPS):
        group = service.create_group(session, now=now, data=GroupIn(
            name=name, kind=kind, region_code=code, focus=focus, leader=NAMES[n * 3],
            phone=f"138{rng.randint(10_000_000, 99_999_999)}", founded_on=today.replace(year=today.year - 3 - n)))
        members = [service.add_member(session, group_id=group.id, now=now, data=MemberIn(
            name=person, phone=f"137{rng.randint(10_000_000, 99_999_999)}", skills=rng.choice(
                ["急救员证", "潜水", "绳索救援", "消防设施操作员", "无人机"]),
            joined_on=today - timedelta(days=rng.randint(60, 900)))) for person in rng.sample(NAMES, 5)]
        for k, title in enumerate(("防溺水巡护", "社区消防宣传", "应急救护培训")):
            service.add_activity(session, group_id=group.id, now=now, today=today, data=ActivityIn(
                title=title, held_on=today - timedelta(days=7 * (k + 1)), hours=rng.choice([2, 3, 4]),
                member_ids=[m.id for m in rng.sample(members, 3)]))
    session.flush()
