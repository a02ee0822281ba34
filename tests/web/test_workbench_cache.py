"""The workbench's sections are reused between requests (issue #11 "Speed"), never served stale: a new hazard,
a new or acknowledged alarm and a new risk assessment show on the very next request, in every process."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, update
from tests.support.workbench_city import NOW, PASSWORD, WorkbenchCity, login, section, seed_alarm, seeded_at_now

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.hazards.inspection.models import InspectionTask
from citysafe.hazards.permits.models import WorkPermit
from citysafe.hazards.tickets import service as tickets
from citysafe.hazards.tickets.schemas import TicketCreate
from citysafe.risk.models import RiskReport
from citysafe.web.workbench import BUILT


@pytest.fixture
def city(ctx: AppContext) -> WorkbenchCity:
    return seeded_at_now(ctx)


def _bearer(client: TestClient, username: str) -> dict[str, str]:
    answer = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _area_row(html: str, code: str) -> list[int]:
    """玄武区's row of the area table: open, overdue, major open, red, orange, open alarms."""
    row = section(html, "area").split(f'href="/map?code={code}"', 1)[1].split("</tr>", 1)[0]
    return [int(n) for n in re.findall(r'<td class="n[^"]*">(\d+)</td>', row)]


def _workbench(client: TestClient) -> str:
    page = client.get("/")
    assert page.status_code == 200, page.text
    return page.text


def test_an_unchanged_workbench_is_built_once_and_served_again(client: TestClient, ctx: AppContext,
                                                               city: WorkbenchCity) -> None:
    login(client, "nanjing")
    first = _workbench(client)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(ctx.engine, "before_cursor_execute", count)
    try:
        again = _workbench(client)
        reused = len(statements)
        ctx.settings.hazard_stats_cache_seconds = 0  # the cache off: every section asks again
        statements.clear()
        rebuilt = _workbench(client)
        built = len(statements)
    finally:
        event.remove(ctx.engine, "before_cursor_execute", count)
    assert again == first == rebuilt
    assert reused < built - 5, (reused, built)
    assert BUILT.get(ctx).entries  # kept on the application's context, not in the module


def test_a_new_hazard_shows_on_the_next_request(client: TestClient, ctx: AppContext, city: WorkbenchCity) -> None:
    login(client, "nanjing")
    before = _workbench(client)
    assert 'data-testid="hazards-overdue">1<' in section(before, "hazards")
    open_before, overdue_before = _area_row(before, "320102")[:2]
    with unit_of_work(ctx.session_factory, actor="tests") as session:  # as another process would
        tickets.report(session, ticket_in=TicketCreate(
            category="fire_safety", title="安全出口上锁", description="一层东侧安全出口上锁",
            region_code="320102002", deadline=NOW - timedelta(days=1)),
            principal=None, settings=ctx.settings, now=NOW - timedelta(days=5))
    after = _workbench(client)
    hazards = section(after, "hazards")
    assert 'data-testid="hazards-overdue">2<' in hazards and "安全出口上锁" in hazards
    assert _area_row(after, "320102")[:2] == [open_before + 1, overdue_before + 1]


def test_an_acknowledged_and_a_new_alarm_show_on_the_next_request(client: TestClient, ctx: AppContext,
                                                                   city: WorkbenchCity) -> None:
    login(client, "nanjing")
    alarms = section(_workbench(client), "open_alarms")
    assert 'data-testid="unacknowledged">2<' in alarms
    assert f"/firewatch?alarm={city.fire_alarm_id}" in alarms
    # The duty operator takes the fire: a workflow step through the API.
    answer = client.post(f"/api/v1/firewatch/alarms/{city.fire_alarm_id}/acknowledge",
                         headers=_bearer(client, "duty"), json={})
    assert answer.status_code == 200, answer.text
    login(client, "nanjing")
    alarms = section(_workbench(client), "open_alarms")
    assert 'data-testid="unacknowledged">1<' in alarms
    assert f"/firewatch?alarm={city.fire_alarm_id}" not in alarms
    # A new fire in 玄武区, written as the engine writes its rows.
    new_id = seed_alarm(ctx, kind="fire", region="320102002", org=city.enterprise_org_id,
                        unit="南京钟山化工有限公司", component="2层A区感烟探测器", at=NOW - timedelta(minutes=1))
    html = _workbench(client)
    alarms = section(html, "open_alarms")
    assert 'data-testid="unacknowledged">2<' in alarms and f"/firewatch?alarm={new_id}" in alarms
    assert _area_row(html, "320102")[5] == 2  # the fault and the new fire


def test_a_new_risk_assessment_shows_on_the_next_request(client: TestClient, city: WorkbenchCity) -> None:
    login(client, "nanjing")
    before = _workbench(client)
    red_before = _area_row(before, "320102")[3]
    body = {"name": "玄武区液氯储罐区", "kind": "hazchem_firm", "responsible_unit": "玄武区应急管理局",
            "geometry": {"type": "Point", "coordinates": [118.80, 32.06]},
            "assessment": {"method": "lec", "params": {"l": 10, "e": 10, "c": 100, "preset": "A"}}}
    answer = client.post("/api/v1/risk/sources", json=body, headers=_bearer(client, "xuanwu"))
    assert answer.status_code == 201, answer.text
    assert answer.json()["current_level"] == "red"
    login(client, "nanjing")
    after = _workbench(client)
    assert _area_row(after, "320102")[3] == red_before + 1
    assert "玄武区液氯储罐区" in section(after, "major_risks")


def test_the_hazards_section_follows_the_clock(client: TestClient, ctx: AppContext, city: WorkbenchCity) -> None:
    """The ticket due tomorrow is late the day after: the section's answer is per minute of the clock."""
    login(client, "nanjing")
    assert 'data-testid="hazards-overdue">1<' in section(_workbench(client), "hazards")
    ctx.clock = FixedClock(NOW + timedelta(days=2))
    assert 'data-testid="hazards-overdue">2<' in section(_workbench(client), "hazards")


def test_the_reports_due_follow_a_task_a_permit_and_a_white_paper_at_once(
        client: TestClient, ctx: AppContext, city: WorkbenchCity) -> None:
    """The 待办报告与期限 section is reused too (issue #11 "Speed"): a task or a permit that falls overdue by a
    change another process commits, and a white paper built meanwhile, show on the very next request."""
    login(client, "nanjing")
    due = section(_workbench(client), "reports_due")
    assert "尚未编制" in due and "逾期未完成的排查任务</span>\n    <span class=\"meta\">" in due
    assert "超期未关闭的特殊作业票</span>\n    <span class=\"meta\">" in due
    with unit_of_work(ctx.session_factory, actor="tests") as session:  # as another process would
        session.execute(update(InspectionTask).where(InspectionTask.id == city.task_id)
                        .values(due=NOW - timedelta(hours=1)))
    assert '<span class="late">1 项</span>' in section(_workbench(client), "reports_due")
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        session.execute(update(WorkPermit).values(valid_to=NOW - timedelta(hours=1)))
    assert '<span class="late">1 张</span>' in section(_workbench(client), "reports_due")
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        session.add(RiskReport(region_code="320100", year=NOW.year, title="白皮书", params={}, summary={},
                               directory="", files={}, created_by="tests", created_at=NOW))
    due = section(_workbench(client), "reports_due")
    assert "尚未编制" not in due and "已编制" in due


def test_the_reports_due_are_built_once_while_nothing_changes(client: TestClient, ctx: AppContext,
                                                             city: WorkbenchCity) -> None:
    login(client, "nanjing")
    _workbench(client)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(" ".join(str(args[2]).split()))

    event.listen(ctx.engine, "before_cursor_execute", count)
    try:
        _workbench(client)
    finally:
        event.remove(ctx.engine, "before_cursor_execute", count)
    # The versions are asked; the permits, the tasks and the white paper themselves are not.
    rows = [s for s in statements if "max(" not in s and any(f"FROM {table}" in s for table in (
        "work_permit", "inspection_task", "risk_report"))]
    assert not rows, rows
