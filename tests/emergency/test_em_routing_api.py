"""Dispatch through the API: without a network every answer says straight_line; an administrator imports an OSM
file and the answers come from the roads, as GeoJSON routes; a malformed or empty file answers 422 naming
``file`` and the previous network stays in service; only an administrator may import."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.conftest import UserFactory
from tests.emergency.api_support import count_rows, error_fields
from tests.emergency.routing_samples import DATA, STREETS, A, C, G

from citysafe.core.context import AppContext
from citysafe.emergency.routing.models import RoadNetwork

BASE = "/api/v1/emergency/routing"


def _pt(p: tuple[float, float], **extra: Any) -> dict[str, Any]:
    return {"lon": p[0], "lat": p[1], **extra}


def _upload(client: TestClient, headers: dict[str, str], name: str, body: bytes | None = None) -> Any:
    data = body if body is not None else (DATA / name).read_bytes()
    return client.post(f"{BASE}/network", headers=headers, files={"file": (name, data, "application/xml")})


@pytest.fixture
def admin(make_user: UserFactory) -> dict[str, str]:
    return make_user("admin", "320000")


def _nearest(client: TestClient, headers: dict[str, str]) -> Any:
    body = {"origin": _pt(A), "candidates": [_pt(C, id="c"), _pt(G, id="g")], "k": 2}
    response = client.post(f"{BASE}/nearest", headers=headers, json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_without_a_network_answers_say_straight_line(client: TestClient, admin: dict[str, str]) -> None:
    status = client.get(f"{BASE}/network", headers=admin).json()
    assert status["method"] == "straight_line" and status["network"] is None and "直线" in status["note"]
    answer = _nearest(client, admin)
    assert answer["method"] == "straight_line" and "直线" in answer["note"]
    assert [r["properties"]["candidate_id"] for r in answer["routes"]] == ["c", "g"]


def test_an_imported_network_routes_by_travel_time(client: TestClient, admin: dict[str, str]) -> None:
    response = _upload(client, admin, "streets.osm", STREETS.read_bytes())
    assert response.status_code == 200, response.text
    network = response.json()["network"]
    assert (network["source_name"], network["nodes"], network["edges"]) == ("streets.osm", 7, 14)
    assert network["bbox"] == [118.78, 32.032, 118.784, 32.04]
    answer = _nearest(client, admin)
    assert answer["method"] == "road_network" and answer["note"] == ""
    first = answer["routes"][0]
    assert first["type"] == "Feature" and first["geometry"]["type"] == "LineString"
    assert first["properties"]["candidate_id"] == "g"  # round the one-way street, C comes second
    assert first["properties"]["seconds"] == pytest.approx(80.1, abs=0.5)
    assert first["geometry"]["coordinates"][-1] == list(A)


@pytest.mark.parametrize(("name", "words"), [("malformed.osm", "XML parsing error"), ("empty.osm", "empty"),
                                             ("no_roads.osm", "no drivable road")])
def test_a_bad_file_keeps_the_previous_network(client: TestClient, admin: dict[str, str], ctx: AppContext,
                                               name: str, words: str) -> None:
    assert _upload(client, admin, "streets.osm").status_code == 200
    before = client.get(f"{BASE}/network", headers=admin).json()["network"]
    response = _upload(client, admin, name)
    assert response.status_code == 422
    assert error_fields(response) == ["file"] and words in response.json()["detail"]
    assert "仍使用原路网" in response.json()["detail_zh"]
    assert client.get(f"{BASE}/network", headers=admin).json()["network"] == before
    assert count_rows(ctx, RoadNetwork) == 1
    assert _nearest(client, admin)["method"] == "road_network"


def test_a_road_file_has_its_own_size_cap(client: TestClient, admin: dict[str, str], ctx: AppContext) -> None:
    # A city's .osm.pbf is larger than the 10 MB of a spreadsheet or photo: the road file has its own cap.
    size = len(STREETS.read_bytes())
    ctx.settings = ctx.settings.model_copy(update={"upload_max_bytes": size // 2, "road_network_max_bytes": size})
    assert _upload(client, admin, "streets.osm").status_code == 200
    ctx.settings = ctx.settings.model_copy(update={"road_network_max_bytes": size - 1})
    refused = _upload(client, admin, "streets.osm")
    assert refused.status_code in (413, 422) and error_fields(refused) == ["file"]
    assert count_rows(ctx, RoadNetwork) == 1


def test_a_new_import_replaces_the_network_in_service(client: TestClient, admin: dict[str, str],
                                                      ctx: AppContext) -> None:
    first = _upload(client, admin, "streets.osm").json()["network"]["id"]
    second = _upload(client, admin, "streets.osm").json()["network"]["id"]
    assert second != first and count_rows(ctx, RoadNetwork) == 2
    assert client.get(f"{BASE}/network", headers=admin).json()["network"]["id"] == second


def test_only_an_administrator_imports(client: TestClient, make_user: UserFactory, ctx: AppContext) -> None:
    office = make_user("city_office", "320100")
    assert _upload(client, office, "streets.osm").status_code == 403
    assert count_rows(ctx, RoadNetwork) == 0
    assert client.get(f"{BASE}/network", headers=office).status_code == 200


def test_assign_shares_teams_among_incidents(client: TestClient, admin: dict[str, str]) -> None:
    _upload(client, admin, "streets.osm")
    # One team at G, one at C; incidents at A and C. Greedy would give A its nearest (G) first and C the
    # team already at C — here that is also optimal; the answer carries each route and the total.
    body = {"incidents": [_pt(A, id="i-a"), _pt(C, id="i-c")], "candidates": [_pt(G, id="g"), _pt(C, id="c")]}
    answer = client.post(f"{BASE}/assign", headers=admin, json=body).json()
    assert answer["method"] == "road_network"
    assert {(a["incident_id"], a["candidate_id"]) for a in answer["assignments"]} == {("i-a", "g"), ("i-c", "c")}
    assert answer["unassigned"] == []
    assert answer["assignments"][0]["route"]["geometry"]["type"] == "LineString"


def test_allocate_splits_a_request_across_depots(client: TestClient, admin: dict[str, str]) -> None:
    _upload(client, admin, "streets.osm")
    body = {"at": _pt(A), "demand": {"tent": 100},
            "depots": [_pt(G, id="west", stock={"tent": 60}), _pt(C, id="east", stock={"tent": 80})]}
    answer = client.post(f"{BASE}/allocate", headers=admin, json=body).json()
    assert answer["method"] == "road_network"
    got = {a["depot_id"]: a["quantity"] for a in answer["allocations"]}
    assert got == {"west": 60, "east": 40}  # G reaches A sooner by road, so it sends all it has
    assert answer["shortfall"] == {}


def test_bad_questions_name_the_field(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post(f"{BASE}/nearest", headers=admin, json={"origin": _pt((200.0, 32.0)),
                                                                   "candidates": [_pt(C, id="c")]})
    assert response.status_code == 422
    response = client.post(f"{BASE}/nearest", headers=admin, json={"origin": _pt(A), "candidates": []})
    assert response.status_code == 422
    twice = [_pt(C, id="t1"), _pt(G, id="t1")]
    response = client.post(f"{BASE}/assign", headers=admin, json={"incidents": [_pt(A, id="i")], "candidates": twice})
    assert response.status_code == 422 and "candidates" in error_fields(response)[0]


def test_the_demo_network_is_marked_generated(client: TestClient, admin: dict[str, str], ctx: AppContext) -> None:
    import random

    from citysafe.core.db import unit_of_work
    from citysafe.demo import roads

    with unit_of_work(ctx.session_factory) as session:
        roads.seed_demo(session, random.Random(1))
    network = client.get(f"{BASE}/network", headers=admin).json()["network"]
    assert network["generated"] is True and "非真实道路" in network["source_name"]
    body = {"origin": _pt((118.78, 32.04)),
            "candidates": [_pt((118.80, 32.06), id="t1"), _pt((118.75, 32.01), id="t2")],
            "k": 1}
    answer = client.post(f"{BASE}/nearest", headers=admin, json=body).json()
    assert answer["method"] == "road_network" and len(answer["routes"]) == 1
    assert len(answer["routes"][0]["geometry"]["coordinates"]) > 10
