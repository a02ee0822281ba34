"""An escalated hazard promoted to an incident (issue #12 point 1): the duty officer chooses the category and
sub-type; place, location, division and description come from the ticket; the incident's opening entry names
the ticket, and the ticket's own timeline notes the incident. A ticket not escalated, one promoted already,
an unknown sub-type, a ticket outside the caller's region or a role without WRITE_EMERGENCY are refused and
nothing is written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.conftest import UserFactory
from tests.emergency.api_support import count_rows as _count

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.emergency.models import Incident, TimelineEntry
from citysafe.hazards import overdue
from citysafe.hazards.tickets.models import HazardStep

T0 = datetime(2026, 5, 12, 6, 30, tzinfo=UTC)
PROMOTE = {"category": "accident", "subtype": "fire", "note": "现场冒烟，群众报警"}


def _ticket(client: TestClient, ctx: AppContext, make_user: UserFactory, *, escalate: bool = True) -> dict[str, Any]:
    ctx.clock = FixedClock(T0)
    grid = make_user("grid_officer", "320102")
    ticket = client.post("/api/v1/hazards/tickets", headers=grid, json={
        "category": "nine_small", "description": "仓库电线私拉乱接，堆放大量纸箱", "region_code": "320102002001",
        "location": {"lon": 118.80, "lat": 32.048}}).json()
    assert "id" in ticket, ticket
    if escalate:
        ctx.clock = FixedClock(datetime.fromisoformat(ticket["deadline"]) + timedelta(minutes=1))
        assert overdue.run_once(ctx) >= 1
    return dict(ticket)




@pytest.fixture
def duty(make_user: UserFactory) -> dict[str, str]:
    return make_user("department", "320102", display_name="应急局值班员张")


def test_an_escalated_ticket_opens_an_incident_linked_back(client: TestClient, ctx: AppContext,
                                                           make_user: UserFactory, duty: dict[str, str]) -> None:
    ticket = _ticket(client, ctx, make_user)
    response = client.post(f"/api/v1/emergency/incidents/from-hazard/{ticket['id']}", headers=duty, json=PROMOTE)
    assert response.status_code == 201, response.text
    incident = response.json()
    assert incident["category"] == "accident" and incident["subtype"] == "fire"
    assert incident["region_code"] == "320102002001" and incident["state"] == "received"
    assert incident["lon"] == pytest.approx(118.80) and incident["lat"] == pytest.approx(32.048)
    assert ticket["number"] in incident["description"] and "纸箱" in incident["description"]
    assert "现场冒烟" in incident["description"]
    with unit_of_work(ctx.session_factory) as session:
        row = session.get(Incident, incident["id"])
        assert row is not None and row.source == "hazard" and row.source_ref == f"hazard-ticket:{ticket['id']}"
        opened = session.scalars(select(TimelineEntry).where(TimelineEntry.incident_id == row.id,
                                                             TimelineEntry.seq == 1)).one()
        assert opened.payload["hazard_ticket_id"] == ticket["id"]
        assert opened.payload["hazard_ticket_number"] == ticket["number"]
        note = session.scalars(select(HazardStep).where(HazardStep.ticket_id == ticket["id"],
                                                        HazardStep.action == "promoted")).one()
        assert row.number in note.note and note.data["incident_id"] == row.id
        assert note.actor_name == "应急局值班员张"
    page = client.get(f"/api/v1/hazards/tickets/{ticket['id']}", headers=duty).json()
    assert any(s["action"] == "promoted" and s["action_name"] == "升级为突发事件" for s in page["steps"])
    # promoted once: asking again is a conflict naming the incident
    again = client.post(f"/api/v1/emergency/incidents/from-hazard/{ticket['id']}", headers=duty, json=PROMOTE)
    assert again.status_code == 409 and incident["number"] in again.json()["detail_zh"]
    assert _count(ctx, Incident) == 1


def test_refusals_write_nothing(client: TestClient, ctx: AppContext, make_user: UserFactory,
                                duty: dict[str, str]) -> None:
    fresh = _ticket(client, ctx, make_user, escalate=False)
    url = f"/api/v1/emergency/incidents/from-hazard/{fresh['id']}"
    refused = client.post(url, headers=duty, json=PROMOTE)
    assert refused.status_code == 409 and [e["field"] for e in refused.json()["errors"]] == ["ticket_id"]
    escalated = _ticket(client, ctx, make_user)
    url = f"/api/v1/emergency/incidents/from-hazard/{escalated['id']}"
    bad = client.post(url, headers=duty, json=PROMOTE | {"subtype": "no_such"})
    assert bad.status_code == 422 and [e["field"] for e in bad.json()["errors"]] == ["subtype"]
    missing = client.post(url, headers=duty, json={"subtype": "fire"})
    assert missing.status_code == 422 and "category" in missing.text
    elsewhere = make_user("department", "320104")  # 秦淮区: the ticket is not in its region
    assert client.post(url, headers=elsewhere, json=PROMOTE).status_code == 404
    grid = make_user("grid_officer", "320102")  # no WRITE_EMERGENCY
    assert client.post(url, headers=grid, json=PROMOTE).status_code == 403
    assert client.post("/api/v1/emergency/incidents/from-hazard/999999", headers=duty, json=PROMOTE).status_code == 404
    assert _count(ctx, Incident) == 0
    with unit_of_work(ctx.session_factory) as session:
        assert not session.scalars(select(HazardStep).where(HazardStep.action == "promoted")).all()


def _login(client: TestClient, make_user: UserFactory, role: str, region: str, username: str) -> None:
    make_user(role, region, username=username, display_name="应急局值班员张")
    client.cookies.clear()
    response = client.post("/login", data={"username": username, "password": "correct-horse", "next": "/"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text


def test_the_console_button_promotes_and_links_back(client: TestClient, ctx: AppContext,
                                                    make_user: UserFactory) -> None:
    ticket = _ticket(client, ctx, make_user)
    page = f"/hazards/tickets/{ticket['id']}"
    _login(client, make_user, "grid_officer", "320102", "grid-console")
    assert 'data-testid="promote-form"' not in client.get(page).text  # no WRITE_EMERGENCY: no button
    _login(client, make_user, "department", "320102", "duty-console")
    html = client.get(page).text
    assert 'data-testid="promote-form"' in html and "升级为突发事件" in html and 'value="accident:fire"' in html
    refused = client.post(f"/emergency/incidents/from-hazard/{ticket['id']}", data={"category_subtype": ""},
                          follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"].startswith(page + "?error=")
    done = client.post(f"/emergency/incidents/from-hazard/{ticket['id']}",
                       data={"category_subtype": "accident:fire", "note": "冒烟"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/emergency/incidents/")
    incident = client.get(done.headers["location"]).text
    assert "已由隐患升级为突发事件" in incident and ticket["number"] in incident
    html = client.get(page).text
    assert 'data-testid="promoted-incident"' in html and 'data-testid="promote-form"' not in html
    assert "升级为突发事件" in html  # the note on the ticket's timeline
