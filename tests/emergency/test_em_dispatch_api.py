"""Dispatch orders: the teams standing by that reach the scene soonest — by the road network when one is in
service (the one-way street makes the nearer team the slower), by a straight-line estimate otherwise, and
every answer says which; sending them moves their status and writes the timeline; arrival and release are
recorded; a refused order changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from tests.conftest import UserFactory
from tests.emergency.api_support import count_rows, error_fields
from tests.emergency.routing_samples import STREETS, A, C, G

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.emergency.dispatch.models import DispatchOrder
from citysafe.emergency.models import TimelineEntry
from citysafe.registry import load_models

T0 = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
EM = "/api/v1/emergency"


@pytest.fixture
def scene(ctx: AppContext, client: TestClient, make_user: UserFactory) -> dict[str, Any]:
    ctx.clock = FixedClock(T0)
    city = make_user("city_office", "320100", display_name="南京市应急局")
    duty = make_user("department", "320102", display_name="玄武区应急局值班员王磊")
    teams = {}
    for name, (lon, lat) in (("北街消防站", C), ("西大道消防站", G)):
        created = client.post(f"{EM}/resources/teams", headers=city, json={
            "name": name, "kind": "fire_station", "region_code": "320102", "location": {"lon": lon, "lat": lat},
            "headcount": 20})
        assert created.status_code == 201, created.text
        teams[name] = created.json()["id"]
    incident = client.post(f"{EM}/incidents", headers=duty, json={
        "category": "accident", "subtype": "fire", "description": "沿街商铺起火", "place": "北街与西大道路口",
        "location": {"lon": A[0], "lat": A[1]}})
    assert incident.status_code == 201, incident.text
    return {"city": city, "duty": duty, "teams": teams, "url": f"{EM}/incidents/{incident.json()['id']}"}


def _import_streets(client: TestClient, make_user: UserFactory) -> None:
    admin = make_user("admin", "320000")
    answer = client.post(f"{EM}/routing/network", headers=admin,
                         files={"file": ("streets.osm", STREETS.read_bytes(), "application/xml")})
    assert answer.status_code == 200, answer.text


def _status(client: TestClient, headers: dict[str, str], team_id: int) -> str:
    return str(client.get(f"{EM}/resources/teams/{team_id}", headers=headers).json()["status"])


def test_suggestions_follow_the_roads_or_say_they_are_straight_lines(
        client: TestClient, scene: dict[str, Any], make_user: UserFactory) -> None:
    straight = client.get(f"{scene['url']}/dispatch/suggestions", headers=scene["duty"]).json()
    assert straight["method"] == "straight_line" and "直线" in straight["note"]
    assert [s["team_name"] for s in straight["suggestions"]] == ["北街消防站", "西大道消防站"]  # C is nearer
    _import_streets(client, make_user)
    roads = client.get(f"{scene['url']}/dispatch/suggestions", headers=scene["duty"], params={"k": 1}).json()
    assert roads["method"] == "road_network" and roads["note"] == ""
    first = roads["suggestions"][0]
    assert first["team_name"] == "西大道消防站"  # 北街 is one-way eastbound: from C the fire is a detour away
    assert first["kind_name"] == "消防救援站" and first["route"]["geometry"]["type"] == "LineString"
    assert first["route"]["geometry"]["coordinates"][-1] == list(A)


def test_dispatch_arrival_and_release_move_the_team_and_fill_the_timeline(
        ctx: AppContext, client: TestClient, scene: dict[str, Any], make_user: UserFactory) -> None:
    _import_streets(client, make_user)
    west = scene["teams"]["西大道消防站"]
    sent = client.post(f"{scene['url']}/dispatches", headers=scene["duty"],
                       json={"team_ids": [west], "note": "携带高喷车"})
    assert sent.status_code == 201, sent.text
    order = sent.json()[0]
    assert (order["state"], order["state_name"], order["method"]) == ("on_the_way", "途中", "road_network")
    assert order["eta_seconds"] > 0 and order["route"]["geometry"]["coordinates"][0] == list(G)
    assert _status(client, scene["city"], west) == "dispatched"
    entry = client.get(f"{scene['url']}/timeline", headers=scene["duty"]).json()[-1]
    assert entry["kind"] == "dispatch" and entry["kind_name"] == "调派"
    assert entry["text"].startswith("调派 西大道消防站（消防救援站）") and "按路网行程时间" in entry["text"]
    assert "携带高喷车" in entry["text"] and entry["actor"] == "玄武区应急局值班员王磊"

    ctx.clock = FixedClock(T0 + timedelta(minutes=4))
    arrived = client.post(f"{scene['url']}/dispatches/{order['id']}/arrive", headers=scene["duty"]).json()
    assert arrived["state"] == "on_scene" and arrived["arrived_at"].startswith("2026-07-01T02:04")
    assert _status(client, scene["city"], west) == "on_scene"
    assert "到达现场，用时 4 分钟" in client.get(f"{scene['url']}/timeline", headers=scene["duty"]).json()[-1]["text"]
    again = client.post(f"{scene['url']}/dispatches/{order['id']}/arrive", headers=scene["duty"])
    assert again.status_code == 409
    released = client.post(f"{scene['url']}/dispatches/{order['id']}/release", headers=scene["duty"]).json()
    assert released["state_name"] == "已撤离" and _status(client, scene["city"], west) == "returning"
    listed = client.get(f"{scene['url']}/dispatches", headers=scene["duty"]).json()
    assert [o["team_name"] for o in listed] == ["西大道消防站"]
    assert client.get(f"{scene['url']}/timeline/verify", headers=scene["duty"]).json()["ok"] is True


def test_the_command_map_shows_incidents_teams_and_routes(client: TestClient, scene: dict[str, Any]) -> None:
    north = scene["teams"]["北街消防站"]
    assert client.post(f"{scene['url']}/dispatches", headers=scene["duty"],
                       json={"team_ids": [north]}).status_code == 201
    answer = client.get(f"{EM}/map", headers=scene["duty"]).json()
    assert answer["counts"] == {"incident": 1, "team": 2, "route": 1, "shelter": 0, "depot": 0, "warning": 0,
                                "external_team": 0}
    by_layer: dict[str, list[dict[str, Any]]] = {}
    for feature in answer["features"]:
        by_layer.setdefault(feature["properties"]["layer"], []).append(feature["properties"])
    assert by_layer["incident"][0]["grade_name"] == "一般" and by_layer["incident"][0]["state_name"] == "接报"
    assert {t["name"]: t["status_name"] for t in by_layer["team"]} == {"北街消防站": "已出动", "西大道消防站": "待命"}
    assert by_layer["route"][0]["name"] == "北街消防站" and by_layer["route"][0]["state"] == "on_the_way"
    assert answer["layer_names"]["route"] == "调派路线"


def test_refused_orders_change_nothing(ctx: AppContext, client: TestClient, scene: dict[str, Any],
                                      make_user: UserFactory) -> None:
    north, west = scene["teams"]["北街消防站"], scene["teams"]["西大道消防站"]
    assert client.post(f"{scene['url']}/dispatches", headers=scene["duty"],
                       json={"team_ids": [north]}).status_code == 201
    before = (count_rows(ctx, DispatchOrder), count_rows(ctx, TimelineEntry))
    busy = client.post(f"{scene['url']}/dispatches", headers=scene["duty"], json={"team_ids": [west, north]})
    assert busy.status_code == 409  # 北街 is out already: the whole order is refused
    twice = client.post(f"{scene['url']}/dispatches", headers=scene["duty"], json={"team_ids": [west, west]})
    assert twice.status_code == 422 and error_fields(twice) == ["team_ids"]
    empty = client.post(f"{scene['url']}/dispatches", headers=scene["duty"], json={"team_ids": []})
    assert empty.status_code == 422 and "team_ids" in error_fields(empty)[0]
    operator = make_user("operator", "320100")
    assert client.post(f"{scene['url']}/dispatches", headers=operator, json={"team_ids": [west]}).status_code == 403
    assert (count_rows(ctx, DispatchOrder), count_rows(ctx, TimelineEntry)) == before
    assert _status(client, scene["city"], west) == "available"
    unplaced = client.post(f"{EM}/incidents", headers=scene["duty"], json={
        "category": "accident", "subtype": "fire", "description": "起火", "place": "玄武区某处"}).json()
    nowhere = client.post(f"{EM}/incidents/{unplaced['id']}/dispatches", headers=scene["duty"],
                          json={"team_ids": [west]})
    assert nowhere.status_code == 409 and "位置" in nowhere.json()["detail_zh"]


def test_migration_matches_the_dispatch_model(ctx: AppContext) -> None:
    with ctx.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), load_models().metadata)
    assert [d for d in diffs if "em_dispatch" in repr(d)] == []
