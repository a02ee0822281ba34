"""The think tank (issue #15 point 4): one expert registry. An expert emergency's pool adds is in the think tank;
one the think tank adds outside the pool is not offered to emergency; availability holds between its dates; a bad
field or period is refused naming the field, nothing stored."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from tests.conftest import UserFactory
from tests.emergency.api_support import count_rows, error_fields

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.knowledge.thinktank.models import Expert

E = "/api/v1/knowledge/experts"
NOW = datetime(2026, 6, 10, 2, 0, tzinfo=UTC)  # 10:00 in Nanjing, 10 June


def _expert(**extra: object) -> dict[str, object]:
    return {"name": "周建华", "field": "hazchem", "region_code": "320102", "title": "正高级工程师",
            "employer": "南京工业大学", "specialities": ["液氯泄漏处置"]} | extra


def test_one_registry_shared_with_emergency(client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    ctx.clock = FixedClock(NOW)
    office = make_user("city_office", "320100")
    pooled = client.post("/api/v1/emergency/resources/experts", headers=office, json={
        "name": "陈海燕", "field": "medical", "region_code": "320104"})
    assert pooled.status_code == 201, pooled.text
    tank = client.post(E, headers=office, json=_expert(field="safety_management", emergency_pool=False))
    assert tank.status_code == 201, tank.text
    assert tank.json()["field_name"] == "安全生产管理" and tank.json()["available_now_name"] == "可邀请"

    listed = client.get(E, headers=office).json()
    assert {e["name"] for e in listed["items"]} == {"陈海燕", "周建华"}
    assert [e["id"] for e in listed["items"] if e["name"] == "陈海燕"] == [pooled.json()["id"]]
    emergency = client.get("/api/v1/emergency/resources/experts", headers=office).json()
    assert [e["name"] for e in emergency["items"]] == ["陈海燕"]  # the think tank's own expert is not in the pool
    assert client.get(E, headers=office, params={"emergency": True}).json()["total"] == 1


def test_availability_holds_between_its_dates(client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    ctx.clock = FixedClock(NOW)
    office = make_user("city_office", "320100")
    first = client.post(E, headers=office, json=_expert()).json()
    client.post(E, headers=office, json=_expert(name="李明", field="fire"))
    busy = client.put(f"{E}/{first['id']}/availability", headers=office, json={
        "availability": "on_assignment", "busy_from": "2026-06-08", "busy_until": "2026-06-12", "note": "化工园区督导"})
    assert busy.status_code == 200 and busy.json()["available_now"] == "on_assignment"
    assert busy.json()["available_now_name"] == "执行任务中"
    free = client.get(E, headers=office, params={"available": "available"}).json()
    assert [e["name"] for e in free["items"]] == ["李明"]
    ctx.clock = FixedClock(datetime(2026, 6, 13, 2, 0, tzinfo=UTC))  # the spell is over
    assert client.get(f"{E}/{first['id']}", headers=office).json()["available_now"] == "available"
    assert client.get(E, headers=office, params={"available": "available"}).json()["total"] == 2
    back = client.put(f"{E}/{first['id']}/availability", headers=office, json={"availability": "available"})
    assert back.json()["busy_from"] is None and back.json()["availability_note"] == ""


def test_bad_input_is_refused_naming_the_field(client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    office = make_user("city_office", "320100")
    before = count_rows(ctx, Expert)
    bad = client.post(E, headers=office, json=_expert(field="astrology"))
    assert bad.status_code == 422 and error_fields(bad) == ["field"]
    assert "危险化学品" in bad.text  # the Chinese message lists the fields
    assert error_fields(client.post(E, headers=office, json=_expert(region_code="999999"))) == ["region_code"]
    made = client.post(E, headers=office, json=_expert()).json()
    order = client.put(f"{E}/{made['id']}/availability", headers=office, json={
        "availability": "unavailable", "busy_from": "2026-06-12", "busy_until": "2026-06-01"})
    assert order.status_code == 422
    assert client.put(f"{E}/{made['id']}/availability", headers=office,
                      json={"availability": "asleep"}).status_code == 422
    assert count_rows(ctx, Expert) == before + 1
    grid = make_user("grid_officer", "320102")
    assert client.post(E, headers=grid, json=_expert()).status_code == 403


def test_a_district_sees_only_its_own_experts(client: TestClient, make_user: UserFactory) -> None:
    city = make_user("city_office", "320100")
    client.post(E, headers=city, json=_expert())
    client.post(E, headers=city, json=_expert(name="王强", region_code="320104"))
    district = make_user("district_office", "320104")
    assert [e["name"] for e in client.get(E, headers=district).json()["items"]] == ["王强"]
