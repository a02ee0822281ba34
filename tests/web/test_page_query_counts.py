"""The console's busiest pages ask the database a bounded number of questions (issue #11 "Speed").

Counted with an event listener on the engine, never timed: a panel that goes back to a query per row (a
division's name looked up one by one, a permit's gas tests read per permit) makes the count grow with the
data, and this fails. The limits are the counts measured when the pages were made fast, with little
headroom; a page that needs more for a good reason raises its limit here, in the same change.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from tests.support.workbench_city import NOW, PASSWORD, WorkbenchCity, seed

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext

# Transaction control is not a question about the data (SQLite's BEGIN is sent as a statement, PostgreSQL's is not).
_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")

# (page, the most statements a warm request may send). Warm: the application's caches (division names,
# the risk register's counts) are filled by the first request, as on a server that has run for a minute.
LIMITS = [
    ("/", 18),  # the city office's workbench: six panels
    ("/hazards", 6),
    ("/firewatch", 2),
    ("/risk", 5),
    ("/api/v1/firewatch/alarms?size=300&open=true", 4),
    ("/api/v1/firewatch/alarms?size=100&state=confirmed", 5),
]


@pytest.fixture
def city(ctx: AppContext, client: TestClient) -> WorkbenchCity:
    ctx.clock = FixedClock(NOW)
    built = seed(ctx)
    token = client.post("/api/v1/auth/token", data={"username": "nanjing", "password": PASSWORD}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    # Major sources in four streets of three districts: their panel names each division.
    for n, (street, lon, lat, c) in enumerate([("320102002", 118.80, 32.07, 40), ("320102003", 118.79, 32.06, 15),
                                                ("320104001", 118.78, 32.02, 40), ("320105001", 118.74, 32.00, 15)]):
        answer = client.post("/api/v1/risk/sources", headers=headers, json={
            "name": f"计数风险源{n}", "kind": "hazchem_firm", "responsible_unit": "南京市应急管理局",
            "region_code": street, "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "assessment": {"method": "lec", "params": {"l": 3, "e": 6, "c": c, "preset": "A"}}})
        assert answer.status_code == 201, answer.text
    login = client.post("/login", data={"username": "nanjing", "password": PASSWORD, "next": "/"},
                        follow_redirects=False)
    assert login.status_code == 303, login.text
    return built


@contextmanager
def counted(ctx: AppContext) -> Iterator[list[str]]:
    statements: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if not statement.lstrip().upper().startswith(_CONTROL):
            statements.append(statement)

    event.listen(ctx.engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(ctx.engine, "before_cursor_execute", note)


@pytest.mark.parametrize(("path", "limit"), LIMITS)
def test_a_busy_page_asks_a_bounded_number_of_questions(client: TestClient, ctx: AppContext, city: WorkbenchCity,
                                                         path: str, limit: int) -> None:
    assert client.get(path).status_code == 200  # fills the application's caches
    with counted(ctx) as statements:
        answer = client.get(path)
    assert answer.status_code == 200, answer.text
    assert len(statements) <= limit, "\n".join(" ".join(s.split())[:160] for s in statements)


def test_the_workbench_names_its_major_sources_divisions_without_a_query_each(
        client: TestClient, ctx: AppContext, city: WorkbenchCity) -> None:
    client.get("/")
    with counted(ctx) as statements:
        html = client.get("/").text
    assert "玄武区 " in html and "秦淮区 " in html and "建邺区 " in html  # county and street, from the cache
    # The header reads the office's own division and its parent (the path); the seven divisions the list
    # names come from the cache, not from a read each.
    one_by_one = [s for s in statements if "FROM region" in s and "region.code = " in s]
    assert len(one_by_one) <= 2, one_by_one


def test_the_reused_risk_counts_follow_a_change_at_once(client: TestClient, ctx: AppContext,
                                                       city: WorkbenchCity) -> None:
    """The workbench's risk panels are reused between requests, but a new source shows on the next page."""

    def red_count() -> int:
        html = client.get("/").text
        return int(html.split('data-testid="risk-red">', 1)[1].split("<", 1)[0])

    before = red_count()
    assert before == red_count()  # the second answer is the reused one
    token = client.post("/api/v1/auth/token", data={"username": "nanjing", "password": PASSWORD}).json()
    answer = client.post("/api/v1/risk/sources", headers={"Authorization": f"Bearer {token['access_token']}"}, json={
        "name": "新增重大风险源", "kind": "hazchem_firm", "responsible_unit": "南京市应急管理局",
        "region_code": "320102002", "geometry": {"type": "Point", "coordinates": [118.80, 32.07]},
        "assessment": {"method": "lec", "params": {"l": 3, "e": 6, "c": 40, "preset": "A"}}})
    assert answer.status_code == 201, answer.text
    assert answer.json()["current_level"] == "red"
    assert red_count() == before + 1
