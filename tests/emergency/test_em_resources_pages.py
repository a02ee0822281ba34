"""The console pages of resources and shelters answer for a city office, with the demo-like data: the team board
moves a status, the shelter form refuses a zero area naming the field, the evacuation panel shows a plan."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.conftest import UserFactory

from citysafe.core.context import AppContext

R = "/api/v1/emergency/resources"
S = "/api/v1/emergency/shelters"


def _login(client: TestClient, make_user: UserFactory) -> dict[str, str]:
    headers = make_user("city_office", "320100", username="nanjing")
    assert client.post("/login", data={"username": "nanjing", "password": "correct-horse"}).status_code in (200, 303)
    return headers


def test_pages_render_and_forms_refuse_bad_input(client: TestClient, ctx: AppContext,
                                                make_user: UserFactory) -> None:
    headers = _login(client, make_user)
    team = client.post(f"{R}/teams", headers=headers, json={
        "name": "玄武消防救援站", "kind": "fire_station", "region_code": "320102",
        "location": {"lon": 118.80, "lat": 32.05}}).json()
    client.post(S, headers=headers, json={
        "name": "玄武湖公园应急避难场所", "grade": "city", "space": "outdoor", "function": "comprehensive",
        "duration": "long_term", "kind": "park", "region_code": "320102", "location": {"lon": 118.79, "lat": 32.07},
        "effective_area_m2": 1500})
    board = client.get("/emergency/resources")
    assert board.status_code == 200 and "玄武消防救援站" in board.text and "待命" in board.text
    moved = client.post(f"/emergency/resources/teams/{team['id']}/status", data={"status": "out_of_service"},
                        follow_redirects=True)
    assert moved.status_code == 200 and "队伍状态已更新" in moved.text and "停勤" in moved.text
    created = client.post("/emergency/resources/depots/new", follow_redirects=True, data={
        "name": "玄武区应急物资储备点", "kind": "comprehensive", "level": "county", "region_code": "320102",
        "lon": "118.81", "lat": "32.05"})
    assert created.status_code == 200 and "储备库已登记" in created.text
    depot_id = client.get(f"{R}/depots", headers=headers).json()["items"][0]["id"]
    bad_code = client.post(f"/emergency/resources/depots/{depot_id}/stock", follow_redirects=True, data={
        "code": "9010101", "name": "棉被", "unit": "床", "quantity": "10"})
    assert "物资代码" in bad_code.text and "大类" in bad_code.text
    stocked = client.post(f"/emergency/resources/depots/{depot_id}/stock", follow_redirects=True, data={
        "code": "1010201", "name": "棉被", "unit": "床", "quantity": "1200", "expires_on": ""})
    assert "库存已更新" in stocked.text and "1,200" in stocked.text
    shelters = client.get("/emergency/shelters")
    assert shelters.status_code == 200 and "0 / 1,000" in shelters.text
    zero = client.post("/emergency/shelters/new", data={
        "name": "零面积广场", "grade": "street", "space": "outdoor", "function": "single", "duration": "emergency",
        "kind": "square", "region_code": "320102", "lon": "118.8", "lat": "32.05", "effective_area_m2": "0"})
    assert zero.status_code == 422 and "有效避难面积" in zero.text
    sid = client.get(S, headers=headers).json()["items"][0]["id"]
    form = client.get(f"/emergency/shelters/{sid}")
    assert form.status_code == 200 and "玄武湖公园应急避难场所" in form.text
    edited = client.post(f"/emergency/shelters/{sid}", follow_redirects=True, data={
        "name": "玄武湖公园应急避难场所", "grade": "city", "space": "outdoor", "function": "comprehensive",
        "duration": "long_term", "kind": "park", "region_code": "320102", "lon": "118.79", "lat": "32.07",
        "effective_area_m2": "3000", "is_open": "1", "facilities": ["tents", "water"]})
    assert edited.status_code == 200 and "避难场所已保存" in edited.text and "0 / 2,000" in edited.text
    plan = client.get("/emergency/shelters", params={"evacuate": "320102"})
    assert plan.status_code == 200 and "0 个社区共 0 人" in plan.text
    assert client.get("/emergency/resources/import/population").status_code == 200
