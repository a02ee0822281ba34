"""Issue #10 finding 8: out-of-range ids, pages, moments and free-form objects answer 422 naming the field.

The id and page checks are generated from the OpenAPI document, so an endpoint added tomorrow with a bare
``int`` path parameter or a ``page`` without its bound fails here the day it appears.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.conftest import UserFactory

from citysafe.core.clock import format_local
from citysafe.core.context import AppContext

TOO_BIG = str(2**63)
# Path parameters that are not integers get a harmless value: the request must fail on the integer.
OTHER_PATH_VALUES = {"code": "320102", "name": "x.png", "fmt": "pdf", "device": "1"}


def _operations(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    spec = client.app.openapi()  # type: ignore[attr-defined]
    return [(method.upper(), path, op) for path, ops in spec["paths"].items() for method, op in ops.items()]


def _is_integer(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "integer" or any(s.get("type") == "integer" for s in schema.get("anyOf", []))


def _url(path: str, op: dict[str, Any], big: str) -> str:
    for param in op.get("parameters", []):
        if param["in"] == "path":
            value = big if _is_integer(param["schema"]) else OTHER_PATH_VALUES.get(param["name"], "1")
            path = path.replace("{" + param["name"] + "}", value)
    return path


def _errors(response: Any) -> list[str]:
    return [e["field"] for e in response.json().get("errors", [])]


def test_integers_beyond_64_bits_answer_422_everywhere(client: TestClient, make_user: UserFactory) -> None:
    admin = make_user("admin", "320000")
    checked, wrong = 0, []
    for method, path, op in _operations(client):
        params = op.get("parameters", [])
        path_ints = [p["name"] for p in params if p["in"] == "path" and _is_integer(p["schema"])]
        query_ints = [p["name"] for p in params if p["in"] == "query" and _is_integer(p["schema"])]
        probes = [(_url(path, op, TOO_BIG), {}, set(path_ints))] if path_ints else []
        probes += [(_url(path, op, "1"), {name: TOO_BIG}, {name}) for name in query_ints]
        for url, query, names in probes:
            response = client.request(method, url, headers=admin, params=query, json={})
            if response.status_code != 422 or not names <= set(_errors(response)):
                wrong.append(f"{method} {url} {query} -> {response.status_code}")
            checked += 1
    assert wrong == [], f"{len(wrong)} of {checked} probes: " + "; ".join(wrong)
    assert checked > 80  # the whole API was walked, not a handful of routes


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00",
                                    "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"])
def test_time_filters_at_the_edge_of_the_calendar_answer_422(client: TestClient, make_user: UserFactory,
                                                              moment: str) -> None:
    admin = make_user("admin", "320000")
    for url, name in [("/api/v1/audit", "since"), ("/api/v1/audit", "until"),
                      ("/api/v1/hazards/tickets", "created_from"), ("/api/v1/hazards/stats", "created_to"),
                      ("/api/v1/hazards/enforcement", "until"), ("/api/v1/firewatch/alarms", "since"),
                      ("/api/v1/firewatch/stats/false-alarms", "until"),
                      ("/api/v1/firewatch/maintenance", "active_at")]:
        response = client.get(url, headers=admin, params={name: moment})
        assert response.status_code == 422, (url, name, response.status_code, response.text[:200])
        assert _errors(response) == [name]
        assert "1990-01-01" in response.json()["detail"] and "1990-01-01" in response.json()["detail_zh"]


def test_far_future_deadlines_and_dates_are_refused(client: TestClient, make_user: UserFactory) -> None:
    office = make_user("district_office", "320102")
    ticket = client.post("/api/v1/hazards/tickets", headers=office, json={
        "category": "nine_small", "description": "灭火器过期", "region_code": "320102002",
        "deadline": "9999-12-31T23:00:00+00:00"})
    assert ticket.status_code == 422 and _errors(ticket) == ["deadline"]
    org = client.post("/api/v1/organizations", headers=make_user("admin", "320000"), json={
        "name": "南京某化工有限公司", "kind": "enterprise", "region_code": "320102002", "sector": "危险化学品"}).json()
    applicant = make_user("enterprise", "320102", organization_id=org["id"])
    permit = client.post("/api/v1/hazards/permits", headers=applicant, json={
        "work_type": "hot_work", "grade": "level1", "area": "1#储罐区", "content": "更换法兰", "guardian": "李",
        "work_leader": "张", "valid_from": "9999-12-31T20:00:00+00:00", "valid_to": "9999-12-31T23:00:00+00:00"})
    assert permit.status_code == 422 and set(_errors(permit)) == {"valid_from", "valid_to"}
    department = make_user("department", "320102")
    record = client.post("/api/v1/hazards/enforcement", headers=department, json={
        "kind": "inspection", "target_name": "某店", "inspected_at": "9999-12-31T23:30:00+00:00"})
    assert record.status_code == 422 and _errors(record) == ["inspected_at"]


def test_unknown_risk_category_kind_and_level_filters_answer_422(client: TestClient, make_user: UserFactory) -> None:
    city = make_user("city_office", "320100")
    for url in ("/api/v1/risk/sources", "/api/v1/risk/sources.xlsx", "/api/v1/risk/sources.geojson"):
        for name in ("category", "kind", "level"):
            response = client.get(url, headers=city, params={name: "no-such-thing", "region": "320100"})
            assert response.status_code == 422, (url, name, response.status_code, response.text[:200])
            assert _errors(response) == [f"{name}.0"], (url, response.text[:300])  # the first value of the list


def test_unknown_organisation_on_a_new_user_answers_422(client: TestClient, make_user: UserFactory) -> None:
    admin = make_user("admin", "320000")
    response = client.post("/api/v1/users", headers=admin, json={
        "username": "ghost", "password": "correct-horse", "role": "enterprise", "region_code": "320102",
        "organization_id": 987654})
    assert response.status_code == 422, response.text
    assert _errors(response) == ["organization_id"] and response.json()["errors"][0]["message_zh"]


def test_oversized_free_form_attributes_answer_422(client: TestClient, make_user: UserFactory) -> None:
    city = make_user("city_office", "320100")
    body = {"name": "大属性", "kind": "hazchem_firm", "responsible_unit": "某公司",
            "geometry": {"type": "Point", "coordinates": [118.8, 32.05]},
            "attributes": {f"k{i}": "x" * 100 for i in range(1000)}}
    response = client.post("/api/v1/risk/sources", headers=city, json=body)
    assert response.status_code == 422, response.text[:300]
    assert _errors(response) == ["attributes"]
    deep: dict[str, Any] = {}
    for _ in range(20):
        deep = {"a": deep}
    response = client.post("/api/v1/risk/sources", headers=city, json=body | {"attributes": deep})
    assert response.status_code == 422 and _errors(response) == ["attributes"]


def test_local_time_of_a_moment_at_the_end_of_the_calendar_does_not_raise() -> None:
    assert format_local(datetime(9999, 12, 31, 23, 0, tzinfo=UTC)).startswith("9999-12-31 23:00")
    assert format_local(datetime(2030, 1, 1, 0, 0, tzinfo=UTC)) == "2030-01-01 08:00:00"


def test_a_stored_far_future_deadline_does_not_break_the_hazard_pages(
        client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    office = make_user("district_office", "320102", username="farfuture")
    created = client.post("/api/v1/hazards/tickets", headers=office, json={
        "category": "nine_small", "description": "灭火器过期", "region_code": "320102002"})
    assert created.status_code == 201
    # A row written before the bound existed (or by a tool that bypasses the API).
    with ctx.engine.begin() as conn:
        conn.execute(text("UPDATE hazard_ticket SET deadline = :d"), {"d": datetime(9999, 12, 31, 23, 0)})
    assert client.get("/api/v1/hazards/tickets", headers=office).status_code == 200
    assert client.post("/login", data={"username": "farfuture", "password": "correct-horse"},
                       follow_redirects=False).status_code == 303
    page = client.get("/hazards")
    assert page.status_code == 200 and "9999-12-31" in page.text
    assert client.get(f"/hazards/tickets/{created.json()['id']}").status_code == 200
