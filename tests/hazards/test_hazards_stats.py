"""Statistics and list totals: the tally and the tickets give the same numbers; scope holds; export works."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.conftest import UserFactory
from tests.hazards.conftest import tiny_png

from citysafe.auth.schemas import Principal, UserCreate
from citysafe.auth.service import act_as, create_user, principal_for
from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.hazards.calc.lifecycle import Action
from citysafe.hazards.enums import HazardCategory
from citysafe.hazards.tickets import queries, stats, tally
from citysafe.hazards.tickets import service as tickets
from citysafe.hazards.tickets.files import store
from citysafe.hazards.tickets.models import HazardTally, HazardTicket
from citysafe.hazards.tickets.schemas import TicketCreate, TicketFilter, TransitionIn

T0 = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)
REGIONS = ["320102002", "320102003", "320104002", "320105001", "320205001", "320102002001"]


PLAN = {"measures": "加装防护", "funds": "1000", "responsible": "王伟", "deadline": "2030-01-01T00:00:00Z",
        "safeguards": "设置警示"}


def _evidence(session: Session, ctx: AppContext, ticket: HazardTicket, who: Principal, now: datetime) -> list[int]:
    stored = store(session, data=tiny_png(), filename="p.png", field="file", root=ctx.settings.data_dir,
                   max_bytes=10**6, region_code=ticket.region_code, uploaded_by=who.user_id, now=now)
    return [stored.id]


def _populate(ctx: AppContext, n: int = 40) -> Principal:
    """Tickets across two cities, moved along the loop at random (some closed late), one dismissed."""
    rng = random.Random(7)
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        office, other = (principal_for(create_user(session, user_in=UserCreate(
            username=name, password="correct-horse", role="province_office", region_code="320000")))
            for name in ("prov", "prov2"))
        for i in range(n):
            now = T0 + timedelta(days=i)
            ticket = tickets.report(session, principal=office, settings=ctx.settings, now=now, ticket_in=TicketCreate(
                category=rng.choice([HazardCategory.NINE_SMALL, HazardCategory.FIRE_SAFETY, HazardCategory.FLOOD]),
                description=f"隐患 {i}", region_code=rng.choice(REGIONS), level=rng.choice([None, "major"]),
                source=rng.choice([None, "citizen"])))
            steps = [("assign", office), ("start", office), ("submit", office), ("pass", other), ("close", office)]
            for k, (action, who) in enumerate(steps[:rng.randint(0, 5)]):
                later = now + timedelta(days=k * rng.choice([1, 20]))
                evidence = _evidence(session, ctx, ticket, who, later) if action in ("submit", "pass") else []
                tickets.transition(session, ticket=ticket, principal=who, settings=ctx.settings, now=later,
                                   change=TransitionIn.model_validate({
                                       "action": action, "note": "ok", "responsible_name": "物业",
                                       "attachment_ids": evidence, "plan": PLAN}))
        first = tickets.get(session, ticket_id=1)
        if first.state == "reported":
            tickets.transition(session, ticket=first, principal=office, settings=ctx.settings,
                               now=T0 + timedelta(days=1), change=TransitionIn(action=Action.DISMISS, note="不是隐患"))
    return office


def test_tally_and_tickets_agree(ctx: AppContext) -> None:
    office = _populate(ctx)
    now = T0 + timedelta(days=70)
    with unit_of_work(ctx.session_factory) as session:
        running = {(r.region_code, r.state, r.level, r.category, r.source): r.tickets
                   for r in session.scalars(select(HazardTally)) if r.tickets}
        tally.rebuild(session)
        rebuilt = {(r.region_code, r.state, r.level, r.category, r.source): r.tickets
                   for r in session.scalars(select(HazardTally)) if r.tickets}
    assert running == rebuilt and sum(running.values()) == 40
    checked = 0
    for scope in ("320000", "320100"):
        for filters in (TicketFilter(), TicketFilter(level="major"), TicketFilter(category="fire_safety", open=True),
                        TicketFilter(source="citizen", state=["closed", "rectifying"])):
            with unit_of_work(ctx.session_factory) as session:
                act_as(session, office)
                fast = stats.hazard_stats(session, filters=filters, principal=office, now=now, scope_region=scope,
                                          use_tally=True)
                slow = stats.hazard_stats(session, filters=filters, principal=office, now=now, scope_region=scope,
                                          use_tally=False)
                assert fast.model_dump() == slow.model_dump(), (scope, filters)
                in_region = filters.model_copy(update={"region": scope})
                counted = queries.count(session, queries.filtered(in_region, principal=office, now=now))
                assert queries.total(session, filters=in_region, principal=office, now=now) == counted
                checked += slow.total
    assert checked > 0


def test_stats_endpoint_numbers(client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    ctx.clock = FixedClock(T0)
    office = make_user("district_office", "320102")
    for region, category in [("320102002", "nine_small"), ("320102002", "fire_safety"), ("320102003", "nine_small")]:
        assert client.post("/api/v1/hazards/tickets", headers=office, json={
            "category": category, "description": "x", "region_code": region}).status_code == 201
    ctx.clock = FixedClock(T0 + timedelta(days=31))  # a general hazard's 30 days are over
    body = client.get("/api/v1/hazards/stats", headers=office).json()
    assert body["total"] == 3 and body["open"] == 3 and body["overdue"] == 3 and body["overdue_rate"] == 1.0
    assert {r["code"]: r["total"] for r in body["by_region"]} == {"320102002": 2, "320102003": 1}
    assert {c["key"]: c["count"] for c in body["by_category"]} == {"nine_small": 2, "fire_safety": 1}
    assert body["by_level"] == [{"key": "general", "name": "一般隐患", "count": 3}]
    filtered = client.get("/api/v1/hazards/stats", headers=office, params={"category": "nine_small"}).json()
    assert filtered["total"] == 2
    city = make_user("city_office", "320100")
    by_district = client.get("/api/v1/hazards/stats", headers=city).json()["by_region"]
    assert by_district == [{"code": "320102", "name": "玄武区", "total": 3, "open": 3, "overdue": 3, "major_open": 0}]
    qinhuai = make_user("district_office", "320104")
    assert client.get("/api/v1/hazards/stats", headers=qinhuai).json()["total"] == 0
    listing = client.get("/api/v1/hazards/tickets", headers=office, params={"overdue": "true", "size": 2}).json()
    assert listing["total"] == 3 and len(listing["items"]) == 2 and listing["items"][0]["overdue"] is True
    assert listing["next_cursor"]
    rest = client.get("/api/v1/hazards/tickets", headers=office,
                      params={"overdue": "true", "size": 2, "cursor": listing["next_cursor"]}).json()
    assert len(rest["items"]) == 1 and rest["items"][0]["id"] not in {t["id"] for t in listing["items"]}


def test_cached_answers_follow_every_committed_change(client: TestClient, ctx: AppContext,
                                                      make_user: UserFactory) -> None:
    ctx.settings.hazard_stats_cache_seconds = 300
    office = make_user("city_office", "320100")
    assert client.get("/api/v1/hazards/stats", headers=office).json()["total"] == 0
    client.post("/api/v1/hazards/tickets", headers=office, json={
        "category": "flood", "description": "积水", "region_code": "320102002"})
    assert client.get("/api/v1/hazards/stats", headers=office).json()["total"] == 1
    assert client.get("/api/v1/hazards/tickets", headers=office).json()["total"] == 1
    # a change made elsewhere (another worker, the CLI) is seen at once, not after the TTL
    with unit_of_work(ctx.session_factory, actor="elsewhere") as session:
        tickets.report(session, principal=None, settings=ctx.settings, now=T0, ticket_in=TicketCreate(
            category=HazardCategory.FLOOD, description="另一处积水", region_code="320104002"))
    assert client.get("/api/v1/hazards/stats", headers=office).json()["total"] == 2
    assert client.get("/api/v1/hazards/tickets", headers=office).json()["total"] == 2


def test_excel_export(client: TestClient, make_user: UserFactory) -> None:
    office = make_user("district_office", "320102")
    for i in range(3):
        client.post("/api/v1/hazards/tickets", headers=office, json={
            "category": "high_rise", "description": f"消防通道堵塞 {i}", "region_code": "320102002"})
    response = client.get("/api/v1/hazards/tickets/export.xlsx", headers=office)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    rows = list(book["隐患清单"].iter_rows(values_only=True))
    assert rows[0][:6] == ("编号", "隐患标题", "来源", "类别", "等级", "状态") and len(rows) == 4
    assert rows[1][3] == "高层建筑" and rows[1][5] == "已上报" and rows[1][6] == "梅园新村街道"
    summary = {r[0]: r[1] for r in book["统计"].iter_rows(values_only=True) if r and len(r) > 1}
    assert summary["隐患总数"] == 3


def test_list_filters_and_scope(client: TestClient, make_user: UserFactory) -> None:
    office = make_user("city_office", "320100")
    for category, description, region, level in [("flood", "低洼积水", "320102002", "general"),
                                                 ("town_gas", "燃气泄漏", "320104002", "major"),
                                                 ("nine_small", "小餐饮", "320102003", "general")]:
        assert client.post("/api/v1/hazards/tickets", headers=office, json={
            "category": category, "description": description, "region_code": region, "level": level,
        }).status_code == 201
    page = client.get("/api/v1/hazards/tickets", headers=office, params={"level": "major"}).json()
    assert [t["category"] for t in page["items"]] == ["town_gas"] and page["total"] == 1
    assert client.get("/api/v1/hazards/tickets", headers=office, params={"region": "320102"}).json()["total"] == 2
    assert client.get("/api/v1/hazards/tickets", headers=office, params={"q": "积水"}).json()["total"] == 1
    assert client.get("/api/v1/hazards/tickets", headers=office, params={"state": ["reported"]}).json()["total"] == 3
    xuanwu = make_user("district_office", "320102")
    mine = client.get("/api/v1/hazards/tickets", headers=xuanwu).json()
    assert mine["total"] == 2 and {t["region_code"][:6] for t in mine["items"]} == {"320102"}
    bad = client.get("/api/v1/hazards/tickets", headers=office, params={"region": "12x"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "region"


def test_cache_reuses_until_something_changes(ctx: AppContext) -> None:
    from citysafe.hazards.tickets import cache

    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    with unit_of_work(ctx.session_factory) as session:
        assert cache.cached(session, ("k",), 60, compute) == 1
        assert cache.cached(session, ("k",), 60, compute) == 1  # reused
        assert cache.cached(session, ("k",), 0, compute) == 2  # off
        tickets.report(session, principal=None, settings=ctx.settings, now=T0, ticket_in=TicketCreate(
            category=HazardCategory.OTHER, description="x", region_code="320102002"))
    with unit_of_work(ctx.session_factory) as session:
        assert cache.cached(session, ("k",), 60, compute) == 3  # a step was written: recomputed


def test_excel_export_keeps_hostile_text_as_text(client: TestClient, make_user: UserFactory) -> None:
    """A title that is a formula and a description with a control character (the title is derived from it)
    are exported as plain text; before, the first became a live link and the second made the export fail."""
    office = make_user("district_office", "320102")
    for title, description in [('=HYPERLINK("http://evil.example","点此")', "消防通道堵塞"), ("", "通道\x0b堵塞")]:
        assert client.post("/api/v1/hazards/tickets", headers=office, json={
            "category": "high_rise", "title": title, "description": description,
            "region_code": "320102002"}).status_code == 201
    city = make_user("city_office", "320100")  # an office above the ticket's district exports it too
    response = client.get("/api/v1/hazards/tickets/export.xlsx", headers=city)
    assert response.status_code == 200
    titles = {row[1].value: row[1].data_type for row in load_workbook(io.BytesIO(response.content))["隐患清单"]
              .iter_rows(min_row=2, max_col=2)}
    assert titles == {'\'=HYPERLINK("http://evil.example","点此")': "s", "高层建筑：通道堵塞": "s"}
