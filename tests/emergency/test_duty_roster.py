"""The duty roster: set and read per region and day; a street without its own is covered by its district."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from tests.conftest import UserFactory

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext

T0 = datetime(2026, 5, 12, 17, 0, tzinfo=UTC)  # 01:00 on the 13th in Nanjing


def test_set_and_read_the_roster(client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    ctx.clock = FixedClock(T0)
    office = make_user("district_office", "320102", username="xuanwu_duty", display_name="玄武区应急局刘")
    me = client.get("/api/v1/auth/me", headers=office).json()["user_id"]
    body = {"region_code": "320102", "day": "2026-05-13", "entries": [
        {"post": "带班领导", "name": "陈局长", "phone": "025-84000000"},
        {"post": "值班员", "user_id": me, "phone": "13900000000"}]}
    saved = client.put("/api/v1/emergency/roster", headers=office, json=body)
    assert saved.status_code == 200, saved.text
    assert [e["name"] for e in saved.json()["entries"]] == ["陈局长", "玄武区应急局刘"]
    today = client.get("/api/v1/emergency/roster", headers=office).json()  # today in China: the 13th
    assert today["day"] == "2026-05-13" and today["region_name"] == "玄武区" and len(today["entries"]) == 2
    street = client.get("/api/v1/emergency/roster", headers=office, params={"region": "320102002"}).json()
    assert street["roster_region_code"] == "320102" and street["entries"][0]["post"] == "带班领导"
    replaced = client.put("/api/v1/emergency/roster", headers=office, json=body | {"entries": [
        {"name": "赵", "phone": "13700000000"}]})
    assert [e["name"] for e in replaced.json()["entries"]] == ["赵"]
    empty = client.get("/api/v1/emergency/roster", headers=office, params={"day": "2026-05-14"}).json()
    assert empty["entries"] == [] and empty["roster_region_code"] is None


def test_bad_rosters_are_refused_naming_the_field(client: TestClient, make_user: UserFactory) -> None:
    office = make_user("district_office", "320102")
    base = {"region_code": "320102", "day": "2026-05-13"}
    for entries, field in [([{"phone": "13700000000"}], "entries.0.name"),
                           ([{"name": "赵", "phone": "abc"}], "entries.0.phone"),
                           ([{"name": "赵", "phone": "13700000000", "user_id": 987654}], "entries.0.user_id")]:
        response = client.put("/api/v1/emergency/roster", headers=office, json=base | {"entries": entries})
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == [field]
    other = client.put("/api/v1/emergency/roster", headers=office, json=base | {"region_code": "320104",
                                                                                 "entries": []})
    assert other.status_code in (403, 422)
    assert client.get("/api/v1/emergency/roster", headers=office, params={"region": "32x"}).status_code == 422
