"""The demo think tank, purchased services and participation of Nanjing, read through the console as the city
office: every page answers in Chinese with names (no codes), the pool's experts and the think tank's together, an
expired qualification flagged, providers' standings, the calendar, bookable sessions and volunteer hours; a booking
over a session's seats comes back as a Chinese message and nothing is stored."""

from __future__ import annotations

import random
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.support.demo_parts import PASSWORD, seed_city

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.demo import emergency_resources, participation, thinktank
from citysafe.knowledge.services.models import Evaluation, Provider
from citysafe.knowledge.thinktank.models import Expert
from citysafe.public.participation.models import BaseSession, Booking, Event, SocialGroup


@pytest.mark.timeout(240)  # the demo's foundation (divisions, organisations, accounts) takes a minute when loaded
def test_demo_pages_read_in_chinese(client: TestClient, ctx: AppContext) -> None:
    seed_city(ctx, with_firewatch=False)
    with unit_of_work(ctx.session_factory, actor="demo") as session:
        rng = random.Random(2020)
        emergency_resources.seed_demo(session, rng)
        thinktank.seed_demo(session, rng)
        participation.seed_demo(session, rng)
    with unit_of_work(ctx.session_factory) as session:
        experts = session.scalars(select(Expert)).all()
        assert sum(e.emergency_pool for e in experts) == 14 and sum(not e.emergency_pool for e in experts) == 6
        assert session.scalar(select(func.count()).select_from(Provider)) == 4
        assert session.scalar(select(func.count()).select_from(Evaluation)) == 7  # one per contract: 2 + 1 + 2 + 2
        assert session.scalar(select(func.count()).select_from(Event)) == 7
        assert session.scalar(select(func.count()).select_from(SocialGroup)) == 4
        assert session.scalar(select(func.count()).select_from(Booking)) > 0
    assert client.post("/login", data={"username": "nanjing", "password": PASSWORD}).status_code in (200, 303)

    experts_page = client.get("/thinktank/experts")
    assert experts_page.status_code == 200
    for said in ("专家智库", "安全生产管理", "特种设备", "危险化学品", "执行任务中", "省安委会危化品专项督导", "应急"):
        assert said in experts_page.text, said
    services = client.get("/thinktank/services")
    assert services.status_code == 200
    for said in ("政府购买安全服务指导目录", "安全评价", "财政部令第102号", "南京宁安安全技术咨询有限公司",
                 "1 项已过期"):
        assert said in services.text, said
    assert re.search(r'data-testid="standing">(优|良|中|差)<', services.text)
    provider_id = re.search(r'/thinktank/services/providers/(\d+)', services.text)
    assert provider_id is not None
    provider = client.get(f"/thinktank/services/providers/{provider_id.group(1)}")
    assert provider.status_code == 200 and "服务记录" in provider.text and "综合得分" in provider.text
    events = client.get("/participation/events")
    assert events.status_code == 200 and "企业主要负责人安全生产培训班" in events.text and "安全培训" in events.text
    bases = client.get("/participation/bases")
    assert bases.status_code == 200 and "南京市安全生产教育体验馆" in bases.text and "剩余" in bases.text
    groups = client.get("/participation/groups")
    assert groups.status_code == 200 and "南京蓝天救援队" in groups.text and "小时" in groups.text
    for page in (experts_page, services, provider, events, bases, groups):
        shown = re.sub(r"<[^>]+>", " ", page.text)  # the words a reader sees, not the form values
        for code in ("hazchem", "volunteer_team", "on_assignment", "publicity", "excellent", "320102"):
            assert code not in shown, code

    with unit_of_work(ctx.session_factory) as session:
        slot = session.scalars(select(BaseSession).order_by(BaseSession.id)).first()
        assert slot is not None
        slot_id, capacity = slot.id, slot.capacity
        before = session.scalar(select(func.count()).select_from(Booking))
    refused = client.post("/participation/bookings", follow_redirects=True, data={
        "session_id": str(slot_id), "visitor": "南京市第一中学", "visitor_kind": "school", "people": str(capacity + 1)})
    assert refused.status_code == 200 and "名额不足" in refused.text
    with unit_of_work(ctx.session_factory) as session:
        assert session.scalar(select(func.count()).select_from(Booking)) == before
