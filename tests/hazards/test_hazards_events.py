"""Events in and out: FaultOverdue opens one ticket per alarm; overdue tickets escalate step by step."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.conftest import UserFactory

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.events import OutboxEvent, publish
from citysafe.hazards import handlers, overdue
from citysafe.hazards.tickets.models import HazardEscalation, HazardTicket

T0 = datetime(2025, 5, 1, 1, 0, tzinfo=UTC)


class _FaultOverdue:
    """Stands in for firewatch's event: published by name with the agreed payload keys."""

    name = "FaultOverdue"

    def __init__(self, **payload: Any) -> None:
        self._payload = payload

    def payload(self) -> dict[str, Any]:
        return self._payload


def _events(ctx: AppContext, name: str) -> list[dict[str, Any]]:
    with unit_of_work(ctx.session_factory) as session:
        return [e.payload for e in session.scalars(select(OutboxEvent).where(OutboxEvent.name == name)
                                                   .order_by(OutboxEvent.id))]


def test_fault_overdue_opens_one_ticket_per_alarm(client: TestClient, ctx: AppContext, make_user: UserFactory,
                                                  make_org: Callable[..., dict[str, Any]]) -> None:
    org = make_org()
    payload = {"alarm_id": 4711, "unit_organization_id": org["id"], "region_code": "320102002",
               "description": "主机报 3 号楼 5 层感烟探测器故障", "device_address": "UITD-0001",
               "component": "点型感烟火灾探测器 1-2-005", "opened_at": "2025-04-28T08:00:00+00:00"}
    for _ in range(2):  # delivered twice (a retry after a crash): still one ticket
        with unit_of_work(ctx.session_factory, actor="firewatch") as session:
            publish(session, _FaultOverdue(**payload))  # type: ignore[arg-type]
    with unit_of_work(ctx.session_factory) as session:
        rows = list(session.scalars(select(HazardTicket)))
    assert len(rows) == 1
    ticket = rows[0]
    assert ticket.source == "device_fault" and ticket.category == "fire_safety"
    assert ticket.source_ref == "firewatch-alarm:4711" and ticket.organization_id == org["id"]
    # the responsible unit is known, so the platform assigns it at once
    assert ticket.state == "assigned" and ticket.region_code == "320102002"
    assert "感烟探测器" in ticket.description and "2025-04-28 16:00:00" in ticket.description
    reported = _events(ctx, "HazardReported")
    assert len(reported) == 1 and reported[0]["source"] == "device_fault" and reported[0]["lon"] == 118.79
    office = make_user("district_office", "320102")
    detail = client.get(f"/api/v1/hazards/tickets/{ticket.id}", headers=office).json()
    assert [s["actor_name"] for s in detail["steps"]] == ["系统", "系统"]


def test_fault_without_unit_or_known_region(ctx: AppContext) -> None:
    with unit_of_work(ctx.session_factory) as session:
        ticket = handlers.open_ticket_for_fault(session, {
            "alarm_id": 9, "unit_organization_id": None, "region_code": "999999", "description": "",
            "device_address": "", "component": "", "opened_at": "not a time"}, settings=ctx.settings, now=T0)
        assert ticket is not None
        assert ticket.state == "reported" and ticket.region_code == ctx.settings.root_region
        assert handlers.open_ticket_for_fault(session, {"no": "alarm"}, settings=ctx.settings, now=T0) is None


def test_overdue_sweep_escalates_once_per_step(client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    ctx.clock = FixedClock(T0)
    grid = make_user("grid_officer", "320102")
    ticket = client.post("/api/v1/hazards/tickets", headers=grid, json={
        "category": "nine_small", "description": "灭火器过期", "region_code": "320102002001"}).json()
    deadline = datetime.fromisoformat(ticket["deadline"])
    assert overdue.run_once(ctx) == 0
    ctx.clock = FixedClock(deadline + timedelta(minutes=1))
    assert overdue.run_once(ctx) == 1
    assert overdue.run_once(ctx) == 0  # nothing new at the same moment
    ctx.clock = FixedClock(deadline + timedelta(days=15))  # two more periods of 7 days: two levels up
    assert overdue.run_once(ctx) == 2  # the street (step 2) and the district (step 3)
    events = _events(ctx, "HazardOverdue")
    assert [(e["step"], e["escalation_region_code"]) for e in events] == [
        (1, "320102002001"), (2, "320102002"), (3, "320102")]
    assert events[0]["ticket_id"] == ticket["id"] and events[0]["category"] == "nine_small"
    with unit_of_work(ctx.session_factory) as session:
        steps = [(e.step, e.target_region_code) for e in session.scalars(
            select(HazardEscalation).order_by(HazardEscalation.step))]
    assert steps == [(1, "320102002001"), (2, "320102002"), (3, "320102")]
    # the district office now finds it among the tickets escalated to it
    district = make_user("district_office", "320102")
    escalated = client.get("/api/v1/hazards/tickets", headers=district, params={"escalated": "true"}).json()
    assert [t["id"] for t in escalated["items"]] == [ticket["id"]]
    assert escalated["items"][0]["escalation_step"] == 3
    # a submitted rectification stops the clock
    office = make_user("district_office", "320102")
    tid = ticket["id"]
    client.post(f"/api/v1/hazards/tickets/{tid}/transitions", headers=office,
                json={"action": "assign", "responsible_name": "店主"})
    client.post(f"/api/v1/hazards/tickets/{tid}/transitions", headers=office, json={"action": "start"})
    photo = client.post("/api/v1/hazards/attachments", headers=office,
                        files={"file": ("p.png", _png(), "image/png")}).json()["id"]
    client.post(f"/api/v1/hazards/tickets/{tid}/transitions", headers=office,
                json={"action": "submit", "note": "已更换", "attachment_ids": [photo]})
    ctx.clock = FixedClock(deadline + timedelta(days=60))
    assert overdue.run_once(ctx) == 0


def _png() -> bytes:
    from tests.hazards.conftest import tiny_png

    return tiny_png()


def test_background_loop_sweeps_at_start(ctx: AppContext) -> None:
    async def run() -> bool:
        async with overdue.running(None, ctx):
            swept: asyncio.Event = ctx.extras["hazards.swept"]
            await asyncio.wait_for(swept.wait(), timeout=30)
            return swept.is_set()

    assert asyncio.run(run())


def test_handlers_are_registered_by_name(client: TestClient, ctx: AppContext) -> None:
    assert ctx.bus.has_handlers("FaultOverdue")


def test_open_hazards_for_other_domains(client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    from citysafe.hazards import service as hazards_service

    office = make_user("city_office", "320100")
    for region in ("320102002", "320104002"):
        client.post("/api/v1/hazards/tickets", headers=office, json={
            "category": "flood", "description": "积水", "region_code": region, "location": {"lon": 118.8, "lat": 32.0}})
    first = client.get("/api/v1/hazards/tickets", headers=office, params={"region": "320104"}).json()["items"][0]
    client.post(f"/api/v1/hazards/tickets/{first['id']}/transitions", headers=office,
                json={"action": "dismiss", "note": "误报"})
    with unit_of_work(ctx.session_factory) as session:
        found = hazards_service.open_hazards(session, now=T0, within="320100")
        assert [h.region_code for h in found] == ["320102002"] and found[0].lon == 118.8
        assert hazards_service.open_hazards(session, now=T0, within="320104") == []
