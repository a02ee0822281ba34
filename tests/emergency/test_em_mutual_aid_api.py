"""Mutual aid between two city offices (issue #13 point 5): 南京 asks 苏州 for a team for an incident, 苏州 accepts
and sends it across the boundary, arrival and release are recorded; both records (the incident's timeline,
the request's log) show every step; each side sees its own requests and nobody else does; a refused step
changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from tests.conftest import UserFactory
from tests.emergency.api_support import count_rows, error_fields

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.emergency.dispatch.models import DispatchOrder
from citysafe.emergency.models import Incident
from citysafe.emergency.mutualaid.models import AidRequest

T0 = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
EM = "/api/v1/emergency"
AID = f"{EM}/mutual-aid/requests"


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text[:600]
    return response.json()


@pytest.fixture
def cities(ctx: AppContext, client: TestClient, make_user: UserFactory) -> dict[str, Any]:
    ctx.clock = FixedClock(T0)
    nanjing = make_user("city_office", "320100", display_name="南京市应急局值班员")
    suzhou = make_user("city_office", "320500", display_name="苏州市应急局值班员")
    team = _ok(client.post(f"{EM}/resources/teams", headers=suzhou, json={
        "name": "苏州虎丘危化品救援队", "kind": "professional_base", "specialty": "hazchem",
        "region_code": "320505", "location": {"lon": 120.57, "lat": 31.32}, "headcount": 30}), 201)
    incident = _ok(client.post(f"{EM}/incidents", headers=nanjing, json={
        "category": "accident", "subtype": "fire", "description": "化工园区储罐泄漏起火", "place": "南京浦口化工园区",
        "region_code": "320111", "location": {"lon": 118.80, "lat": 32.25}}), 201)
    return {"nanjing": nanjing, "suzhou": suzhou, "team": team["id"], "incident": incident["id"]}


def _ask(client: TestClient, cities: dict[str, Any], **extra: Any) -> Any:
    body = {"giver_region": "320500", "teams": [{"kind": "professional_base", "count": 1}],
            "supplies": [{"code": "2010101", "name": "防化服", "unit": "套", "quantity": 40}],
            "reason": "储罐泄漏，本市危化品救援力量不足", "contact": "王磊 025-12345678"} | extra
    return client.post(f"{EM}/incidents/{cities['incident']}/aid-requests", headers=cities["nanjing"], json=body)


def _timeline(client: TestClient, cities: dict[str, Any]) -> list[str]:
    rows = _ok(client.get(f"{EM}/incidents/{cities['incident']}/timeline", headers=cities["nanjing"]))
    items = rows["items"] if isinstance(rows, dict) else rows
    return [e["text"] for e in items if e["kind"] in ("mutual_aid", "dispatch")]


def test_a_team_crosses_the_boundary_and_both_records_show_it(client: TestClient, cities: dict[str, Any]) -> None:
    aid = _ok(_ask(client, cities), 201)
    assert aid["state"] == "requested" and aid["direction"] == "outgoing"
    assert aid["giver_name"] == "苏州市" and aid["requester_name"] == "南京市"
    incoming = _ok(client.get(AID, headers=cities["suzhou"], params={"direction": "incoming"}))
    assert [a["id"] for a in incoming] == [aid["id"]] and incoming[0]["direction"] == "incoming"
    assert _ok(client.get(AID, headers=cities["suzhou"], params={"direction": "outgoing"})) == []

    # 南京 cannot answer its own request; 苏州 accepts with its own team.
    refused = client.post(f"{AID}/{aid['id']}/accept", headers=cities["nanjing"], json={"team_ids": [cities["team"]]})
    assert refused.status_code in (403, 404)
    accepted = _ok(client.post(f"{AID}/{aid['id']}/accept", headers=cities["suzhou"], json={
        "team_ids": [cities["team"]], "supplies": [{"code": "2010101", "name": "防化服", "unit": "套", "quantity": 20}],
        "note": "两小时内到达"}))
    assert accepted["state"] == "accepted" and accepted["teams_offered"] == [cities["team"]]

    sent = _ok(client.post(f"{AID}/{aid['id']}/dispatches", headers=cities["suzhou"], json={}))
    assert sent["state"] == "dispatched" and len(sent["dispatch_ids"]) == 1
    order_id = sent["dispatch_ids"][0]
    # The order is one of 南京's incident: its room shows the 苏州 team like its own.
    orders = _ok(client.get(f"{EM}/incidents/{cities['incident']}/dispatches", headers=cities["nanjing"]))
    assert [o["team_name"] for o in orders] == ["苏州虎丘危化品救援队"]
    team = _ok(client.get(f"{EM}/resources/teams/{cities['team']}", headers=cities["suzhou"]))
    assert team["status"] == "dispatched" and team["incident_id"] == cities["incident"]

    # The scene (南京) records the arrival, the team's own office (苏州) the release; then 苏州 closes.
    _ok(client.post(f"{AID}/{aid['id']}/dispatches/{order_id}/arrive", headers=cities["nanjing"]))
    _ok(client.post(f"{AID}/{aid['id']}/dispatches/{order_id}/release", headers=cities["suzhou"]))
    closed = _ok(client.post(f"{AID}/{aid['id']}/close", headers=cities["suzhou"], json={"note": "险情排除"}))
    assert closed["state"] == "closed"
    assert _ok(client.get(f"{EM}/resources/teams/{cities['team']}", headers=cities["suzhou"]))["status"] == "returning"

    texts = _timeline(client, cities)
    assert any("南京市向苏州市请求支援" in t and "防化服（2010101）40 套" in t for t in texts)
    assert any("苏州市同意支援" in t for t in texts)
    assert any("调派 苏州虎丘危化品救援队" in t and "跨区域支援（苏州市）" in t for t in texts)
    assert any("到达现场" in t for t in texts) and any("撤离返回" in t for t in texts)
    assert any("支援结束" in t for t in texts)
    log = [(e["side"], e["kind"]) for e in closed["log"]]
    assert log == [("requester", "requested"), ("giver", "accepted"), ("giver", "dispatched"),
                   ("requester", "arrived"), ("giver", "released"), ("giver", "closed")]
    assert len({e["hash"] for e in closed["log"]}) == len(log)


def test_each_side_sees_its_own_and_nobody_else(client: TestClient, cities: dict[str, Any],
                                                make_user: UserFactory) -> None:
    aid = _ok(_ask(client, cities), 201)
    wuxi = make_user("city_office", "320200")
    qinhuai = make_user("district_office", "320104")  # Nanjing, but not the incident's district
    jiangbei = make_user("district_office", "320111")  # the incident's district sees the request
    province = make_user("province_office", "320000")
    for outsider in (wuxi, qinhuai):
        assert _ok(client.get(AID, headers=outsider)) == []
        assert client.get(f"{AID}/{aid['id']}", headers=outsider).status_code == 404
        assert client.post(f"{AID}/{aid['id']}/decline", headers=outsider,
                           json={"reason": "越权"}).status_code == 404
    assert [a["id"] for a in _ok(client.get(AID, headers=jiangbei))] == [aid["id"]]
    assert _ok(client.get(AID, headers=province))[0]["direction"] == "both"


def test_decline_needs_a_reason_and_bad_requests_change_nothing(client: TestClient, cities: dict[str, Any],
                                                                ctx: AppContext) -> None:
    nothing = _ask(client, cities, teams=[], supplies=[])
    assert nothing.status_code == 422
    own = _ask(client, cities, giver_region="320102")
    assert own.status_code == 422 and error_fields(own) == ["giver_region"]
    bad_code = _ask(client, cities, supplies=[{"code": "2000101", "name": "x", "unit": "件", "quantity": 1}])
    assert bad_code.status_code == 422 and "supplies" in error_fields(bad_code)[0]
    assert count_rows(ctx, AidRequest) == 0

    aid = _ok(_ask(client, cities), 201)
    blank = client.post(f"{AID}/{aid['id']}/decline", headers=cities["suzhou"], json={"reason": "  "})
    assert blank.status_code == 422 and error_fields(blank) == ["reason"]
    # Offering a team of another city (南京's own) is refused as absent: 苏州 cannot see it.
    nanjing_team = _ok(client.post(f"{EM}/resources/teams", headers=cities["nanjing"], json={
        "name": "江北消防站", "kind": "fire_station", "region_code": "320111",
        "location": {"lon": 118.7, "lat": 32.2}}), 201)
    wrong = client.post(f"{AID}/{aid['id']}/accept", headers=cities["suzhou"], json={"team_ids": [nanjing_team["id"]]})
    assert wrong.status_code == 404
    declined = _ok(client.post(f"{AID}/{aid['id']}/decline", headers=cities["suzhou"],
                               json={"reason": "本市危化品救援队正在处置另一起事故"}))
    assert declined["state"] == "declined" and declined["answer_note"].startswith("本市危化品")
    again = client.post(f"{AID}/{aid['id']}/accept", headers=cities["suzhou"], json={"team_ids": [cities["team"]]})
    assert again.status_code == 409
    assert count_rows(ctx, DispatchOrder) == 0
    assert any("苏州市无法支援：本市危化品救援队正在处置另一起事故" in t for t in _timeline(client, cities))


def test_withdraw_and_close_rules(client: TestClient, cities: dict[str, Any]) -> None:
    aid = _ok(_ask(client, cities), 201)
    assert client.post(f"{AID}/{aid['id']}/withdraw", headers=cities["suzhou"], json={}).status_code == 403
    _ok(client.post(f"{AID}/{aid['id']}/accept", headers=cities["suzhou"], json={"team_ids": [cities["team"]]}))
    sent = _ok(client.post(f"{AID}/{aid['id']}/dispatches", headers=cities["suzhou"], json={}))
    still_out = client.post(f"{AID}/{aid['id']}/close", headers=cities["nanjing"], json={})
    assert still_out.status_code == 409 and "苏州虎丘危化品救援队" in still_out.json()["detail_zh"]
    assert client.post(f"{AID}/{aid['id']}/withdraw", headers=cities["nanjing"], json={}).status_code == 409
    assert client.post(f"{AID}/{aid['id']}/dispatches/999/arrive", headers=cities["nanjing"]).status_code == 404
    assert sent["state"] == "dispatched"


def test_a_drill_asks_no_other_office(client: TestClient, cities: dict[str, Any], ctx: AppContext) -> None:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        session.execute(update(Incident).where(Incident.id == cities["incident"]).values(is_drill=True))
    answer = _ask(client, cities)
    assert answer.status_code == 409 and "演练" in answer.json()["detail_zh"]
    assert count_rows(ctx, AidRequest) == 0
