"""The 区域协同 console forms: 南京 asks for supplies only from the incident room (a bad code is refused naming
the field, nothing sent); 苏州 accepts offering part of the quantity, a decline without a reason is refused;
a catalogue file with an error imports nothing and the message names the JSON path."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from tests.conftest import UserFactory

from citysafe.core.context import AppContext

EM = "/api/v1/emergency"


def _login(client: TestClient, username: str) -> None:
    client.cookies.clear()
    answer = client.post("/login", data={"username": username, "password": "correct-horse"})
    assert answer.status_code in (200, 303)


def test_supplies_only_request_accept_and_refusals(client: TestClient, ctx: AppContext,
                                                   make_user: UserFactory) -> None:
    nanjing = make_user("city_office", "320100", username="nanjing", display_name="南京市应急局")
    make_user("city_office", "320500", username="suzhou", display_name="苏州市应急局")
    incident = client.post(f"{EM}/incidents", headers=nanjing, json={
        "category": "natural_disaster", "subtype": "flood_drought", "description": "暴雨内涝，群众需转移安置",
        "place": "浦口区江浦街道", "region_code": "320111", "location": {"lon": 118.62, "lat": 32.06}}).json()
    _login(client, "nanjing")
    room = client.get(f"/emergency/incidents/{incident['id']}")
    assert room.status_code == 200 and "请求支援" in room.text and "苏州市" in room.text
    ask = {"giver_region": "320500", "team_kind": "", "supply_code": "1010101", "supply_name": "棉被",
           "supply_unit": "床", "supply_quantity": "500", "reason": "转移安置群众约两千人，棉被缺口较大"}
    bad = client.post(f"/emergency/incidents/{incident['id']}/aid-requests", data=ask | {"supply_code": "9010101"},
                      follow_redirects=True)
    assert "物资" in bad.text and "flash-error" in bad.text
    assert client.get(f"{EM}/mutual-aid/requests", headers=nanjing).json() == []
    sent = client.post(f"/emergency/incidents/{incident['id']}/aid-requests", data=ask, follow_redirects=True)
    assert "已向苏州市发出支援请求" in sent.text
    aid_id = client.get(f"{EM}/mutual-aid/requests", headers=nanjing).json()[0]["id"]

    _login(client, "suzhou")
    desk = client.get("/emergency")  # the duty desk says a request waits for an answer
    assert desk.status_code == 200 and "收到支援请求待答复" in desk.text and "南京市" in desk.text
    page = client.get("/emergency/mutual-aid")
    assert page.status_code == 200 and "棉被" in page.text and 'name="supply_0"' in page.text
    blank = client.post(f"/emergency/mutual-aid/{aid_id}/decline", data={"reason": " "}, follow_redirects=True)
    assert "拒绝支援须说明理由" in blank.text
    accepted = client.post(f"/emergency/mutual-aid/{aid_id}/accept", data={"supply_0": "300", "note": "次日送达"},
                           follow_redirects=True)
    assert "收到支援请求待答复" not in client.get("/emergency").text
    assert "已同意支援" in accepted.text and "棉被</span> 300" in accepted.text

    broken = {"format": "mutual-aid-catalogue", "version": "1.0", "generated_at": "2026-07-01T08:00:00+08:00",
              "crs": "EPSG:4326", "publisher": {"id": "340500", "name": "马鞍山市", "region_code": "340500"},
              "depots": [{"id": "d", "name": "库", "kind": "flood", "level": "city", "region_code": "340503",
                          "location": {"lon": 118.5, "lat": 31.7},
                          "stock": [{"code": "1010101", "name": "棉被", "unit": "床", "quantity": -3}]}]}
    refused = client.post("/emergency/mutual-aid/catalogues", follow_redirects=True, files={
        "file": ("mas.json", json.dumps(broken, ensure_ascii=False).encode(), "application/json")})
    assert "$.depots[0].stock[0].quantity" in refused.text and "未导入" in refused.text
    assert client.get(f"{EM}/mutual-aid/catalogues", headers=nanjing).json() == []

