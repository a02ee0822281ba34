"""What the incident room's map shows around an incident (GET …/incidents/{id}/nearby): risk sources, open
hazards and fire units within the radius, nearest first with geodesic distances; what lies beyond the radius,
a closed hazard and another district's objects are left out; an incident without a location has nothing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from tests.conftest import UserFactory

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.firewatch.registry import service as registry
from citysafe.firewatch.registry.schemas import UnitCreate
from citysafe.orgs.enums import OrganizationKind
from citysafe.orgs.schemas import Location, OrganizationCreate

AT = (118.7900, 32.0500)  # 玄武区
EM = "/api/v1/emergency"


def _source(client: TestClient, headers: dict[str, str], name: str, lon: float, lat: float) -> None:
    body = {"name": name, "kind": "hazchem_firm", "responsible_unit": "玄武区应急管理局",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "assessment": {"method": "lec", "params": {"l": 3, "e": 6, "c": 7, "preset": "A"}}}
    answer = client.post("/api/v1/risk/sources", json=body, headers=headers)
    assert answer.status_code == 201, answer.text


def _unit(ctx: AppContext, name: str, lon: float, lat: float, region: str = "320102") -> None:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        registry.create_unit(session, unit_in=UnitCreate(organization=OrganizationCreate(
            name=name, kind=OrganizationKind.NETWORKED_UNIT, region_code=region, address=f"{name}地址",
            location=Location(lon=lon, lat=lat)), contact_name="值班室", contact_phone="025-84000000"))


def test_the_map_shows_what_is_around_the_incident(client: TestClient, ctx: AppContext,
                                                   make_user: UserFactory) -> None:
    office = make_user("district_office", "320102")
    duty = make_user("department", "320102")
    _source(client, office, "近处加油站", AT[0] + 0.003, AT[1])  # ~280 m east
    _source(client, office, "远处化工厂", AT[0] + 0.08, AT[1])  # ~7.5 km east: beyond 3 km
    _unit(ctx, "近处商场", AT[0], AT[1] + 0.005)  # ~550 m north
    ticket = client.post("/api/v1/hazards/tickets", headers=office, json={
        "category": "industry_trade", "title": "消防通道堵塞", "description": "消防通道堵塞",
        "location": {"lon": AT[0] - 0.002, "lat": AT[1]}})
    assert ticket.status_code == 201, ticket.text
    incident = client.post(f"{EM}/incidents", headers=duty, json={
        "category": "accident", "subtype": "fire", "description": "仓库起火", "place": "玄武区某仓库",
        "location": {"lon": AT[0], "lat": AT[1]}})
    assert incident.status_code == 201, incident.text
    answer = client.get(f"{EM}/incidents/{incident.json()['id']}/nearby", headers=duty)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = [f["properties"] for f in answer.json()["features"]]
    assert answer.json()["located"] is True
    assert [(p["kind"], p["name"]) for p in found] == [
        ("risk_source", "近处加油站"), ("hazard", "消防通道堵塞"), ("fire_unit", "近处商场")]
    by_kind = {p["kind"]: p for p in found}
    assert 250 <= by_kind["risk_source"]["distance_m"] <= 320  # 0.003° of longitude at 32°N
    assert 500 <= by_kind["fire_unit"]["distance_m"] <= 600
    assert by_kind["risk_source"]["level_name"] and by_kind["risk_source"]["href"].startswith("/risk/sources/")
    assert "远处化工厂" not in {p["name"] for p in found}
    wider = client.get(f"{EM}/incidents/{incident.json()['id']}/nearby", headers=duty, params={"radius_m": 10_000})
    assert "远处化工厂" in {f["properties"]["name"] for f in wider.json()["features"]}


def test_bad_radius_and_no_location(client: TestClient, make_user: UserFactory) -> None:
    duty = make_user("department", "320102")
    incident = client.post(f"{EM}/incidents", headers=duty, json={
        "category": "accident", "subtype": "fire", "description": "仓库起火", "place": "玄武区某仓库"})
    assert incident.status_code == 201, incident.text
    path = f"{EM}/incidents/{incident.json()['id']}/nearby"
    answer = client.get(path, headers=duty)
    assert answer.status_code == 200 and answer.json()["located"] is False and answer.json()["features"] == []
    refused = client.get(path, headers=duty, params={"radius_m": 50_000})
    assert refused.status_code == 422 and refused.headers["content-type"].startswith("application/problem+json")
    assert any("radius_m" in e["field"] for e in refused.json()["errors"])
