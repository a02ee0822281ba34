"""The public site (issue #15 point 5), without a login, on both databases: the district risk map shows each
district's level and nothing finer (no source, no unit, no counts); warnings in force are the real issued ones
(never a draft or an expired one); shelters come nearest first without their manager or phone; every answer may
be kept for a minute; a region outside what the public map shows is refused naming ``region``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from tests.conftest import UserFactory

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
XUANWU_LAKE = (118.7903, 32.0716)
LIUHE_PARK = (118.8450, 32.2550)
SQUARE = {"type": "Polygon", "coordinates": [[[118.77, 32.03], [118.80, 32.03], [118.80, 32.06], [118.77, 32.06],
                                              [118.77, 32.03]]]}


def _source(client: TestClient, office: dict[str, str], name: str, at: tuple[float, float], lec: float) -> None:
    body = {"name": name, "kind": "hazchem_firm", "responsible_unit": f"{name}（责任单位）",
            "geometry": {"type": "Point", "coordinates": list(at)}}
    created = client.post("/api/v1/risk/sources", json=body, headers=office)
    assert created.status_code == 201, created.text
    assessed = client.post(f"/api/v1/risk/sources/{created.json()['id']}/assessments", headers=office,
                           json={"method": "lec", "params": {"l": lec, "e": 6, "c": 40, "preset": "A"}})
    assert assessed.status_code == 201, assessed.text


def test_the_district_map_shows_levels_and_nothing_finer(client: TestClient, make_user: UserFactory) -> None:
    office = make_user("city_office", "320100")
    _source(client, office, "六合化工甲公司", LIUHE_PARK, 10)
    _source(client, office, "玄武商场", XUANWU_LAKE, 1)
    answer = client.get("/api/v1/public/risk-map.geojson", params={"region": "320100"})  # no login
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "public, max-age=60"
    features = answer.json()["features"]
    assert {f["properties"]["name"] for f in features} >= {"玄武区", "六合区", "江宁区"}
    for feature in features:
        assert set(feature["properties"]) == {"code", "name", "level", "level_name", "colour"}
    text = answer.text
    assert "六合化工甲公司" not in text and "责任单位" not in text and "count" not in text
    levels = {f["properties"]["name"]: f["properties"]["level"] for f in features}
    assert levels["江宁区"] == "none" and levels["六合区"] != "none"


def test_the_public_map_refuses_a_street_or_another_province(client: TestClient) -> None:
    for region in ("320102", "310000"):  # a district (finer than the map goes), Shanghai (not this platform's)
        answer = client.get("/api/v1/public/risk-map.geojson", params={"region": region})
        assert answer.status_code == 422, answer.text
        assert [f["field"] for f in answer.json()["errors"]] == ["region"]
    page = client.get("/public/risk", params={"region": "320102"})
    assert page.status_code == 422 and "按区县显示" in page.text and "Traceback" not in page.text


def _warning(client: TestClient, office: dict[str, str], headline: str, hours: int, issue: bool) -> None:
    body = {"category": "accident", "event": "危险化学品泄漏", "level": 2, "headline": headline,
            "description": "某企业储罐泄漏，下风向可能受影响", "instruction": "关闭门窗，听从疏散指挥",
            "onset": NOW.isoformat(), "expires": (NOW + timedelta(hours=hours)).isoformat(), "area": SQUARE}
    created = client.post("/api/v1/emergency/warnings", headers=office, json=body)
    assert created.status_code == 201, created.text
    if issue:
        issued = client.post(f"/api/v1/emergency/warnings/{created.json()['id']}/issue", headers=office)
        assert issued.status_code == 200, issued.text


def test_warnings_in_force_are_the_issued_unexpired_ones(client: TestClient, ctx: AppContext,
                                                         make_user: UserFactory) -> None:
    ctx.clock = FixedClock(NOW)
    office = make_user("district_office", "320102")
    _warning(client, office, "新街口氯气泄漏橙色预警", 6, issue=True)
    _warning(client, office, "草稿中的预警", 6, issue=False)
    _warning(client, office, "一小时后到期的预警", 1, issue=True)
    ctx.clock = FixedClock(NOW + timedelta(hours=2))
    listed = client.get("/api/v1/public/warnings.json")
    assert listed.status_code == 200
    assert [w["headline"] for w in listed.json()] == ["新街口氯气泄漏橙色预警"]
    assert listed.json()[0]["level_name"] and listed.json()[0]["instruction"] == "关闭门窗，听从疏散指挥"
    assert "created_by" not in listed.text and "sent_by" not in listed.text
    page = client.get("/public/warnings")
    assert page.status_code == 200 and "新街口氯气泄漏橙色预警" in page.text and "草稿中的预警" not in page.text
    home = client.get("/public")
    assert "当前有 1 条预警正在生效" in home.text


def _shelter(client: TestClient, office: dict[str, str], name: str, at: tuple[float, float], **extra: Any) -> None:
    body = {"name": name, "grade": "city", "space": "outdoor", "function": "comprehensive", "duration": "emergency",
            "kind": "park", "region_code": "320102", "location": {"lon": at[0], "lat": at[1]},
            "effective_area_m2": 3000, "facilities": ["tents", "water"], "manager": "张管理员",
            "phone": "13900000000", **extra}
    created = client.post("/api/v1/emergency/shelters", headers=office, json=body)
    assert created.status_code == 201, created.text


def test_shelters_nearest_first_without_a_person(client: TestClient, make_user: UserFactory) -> None:
    office = make_user("city_office", "320100")
    _shelter(client, office, "玄武湖公园避难场所", XUANWU_LAKE)
    _shelter(client, office, "六合体育公园避难场所", LIUHE_PARK)
    near = client.get("/api/v1/public/shelters.json", params={"lon": 118.845, "lat": 32.25})
    assert near.status_code == 200, near.text
    names = [s["name"] for s in near.json()]
    assert names == ["六合体育公园避难场所", "玄武湖公园避难场所"]
    assert near.json()[0]["distance_m"] < near.json()[1]["distance_m"]
    assert "张管理员" not in near.text and "13900000000" not in near.text
    page = client.get("/public/shelters", params={"lon": 118.79, "lat": 32.07})
    assert page.status_code == 200 and page.text.index("玄武湖公园") < page.text.index("六合体育公园")
    assert "张管理员" not in page.text and "13900000000" not in page.text
    bad = client.get("/api/v1/public/shelters.json", params={"lon": 200, "lat": 32})
    assert bad.status_code == 422 and "lon" in json.dumps(bad.json())
    nowhere = client.get("/api/v1/public/shelters.json", params={"region": "000000"})  # found by the fuzz run
    assert nowhere.status_code == 422 and [e["field"] for e in nowhere.json()["errors"]] == ["region"]


def test_the_pages_answer_without_a_login_and_may_be_cached(client: TestClient) -> None:
    for path in ("/public", "/public/risk", "/public/warnings", "/public/shelters"):
        page = client.get(path)
        assert page.status_code == 200, (path, page.text[:300])
        assert page.headers["cache-control"] == "public, max-age=60", path
        assert "退出" not in page.text  # no account bar
    assert "目前没有正在生效的预警" in client.get("/public/warnings").text
    assert "这里还没有登记的应急避难场所" in client.get("/public/shelters").text
    home = client.get("/public").text
    assert 'href="/public/risk"' in home and 'href="/public/evaluation/publicity"' in home
