"""The duty desk's clocks are reused between requests (emergency/reports/deskcache.py) but never stale: a new
report, a new incident or a passed deadline makes the next desk compute them again, with no periodic job."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.conftest import UserFactory
from tests.emergency.test_em_reports_api import FIRST, T0, _open

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.emergency.calc import clocks as calc
from citysafe.emergency.reports import deskcache


@pytest.fixture
def duty(ctx: AppContext, make_user: UserFactory) -> dict[str, str]:
    ctx.clock = FixedClock(T0)
    return make_user("department", "320102", display_name="应急局值班员张")


def _desk(ctx: AppContext) -> tuple[list[tuple[str, str]], int]:
    with unit_of_work(ctx.read_session_factory) as session:
        rows, late = deskcache.desk_clocks(session, settings=ctx.settings, now=ctx.clock.now(), limit=30)
        return [(c.to_level.value, c.status.value) for _, c in rows], late


def test_reused_until_the_data_or_a_deadline_changes_it(client: TestClient, ctx: AppContext,
                                                        duty: dict[str, str], monkeypatch: Any) -> None:
    computed: list[int] = []
    real = deskcache._compute

    def counting(*args: Any, **kwargs: Any) -> deskcache.DeskAnswer:
        computed.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(deskcache, "_compute", counting)
    incident = _open(client, duty)
    assert _desk(ctx) == ([("county", "due"), ("city", "due")], 0)
    clock = ctx.clock
    assert isinstance(clock, FixedClock)
    clock.advance(minutes=30)
    note = client.post(f"/api/v1/emergency/incidents/{incident}/timeline", headers=duty,
                       json={"text": "救援队伍已到场"})
    assert note.status_code == 201, note.text
    assert _desk(ctx) == ([("county", "due"), ("city", "due")], 0)
    assert len(computed) == 1  # a note changes no clock and no deadline passed: the answer was reused

    clock.advance(minutes=31)  # past the unit's one hour (第九条), with no write in between
    assert _desk(ctx) == ([("county", "overdue"), ("city", "due")], 1)
    assert len(computed) == 2

    answer = client.post(f"/api/v1/emergency/incidents/{incident}/reports", headers=duty, json=FIRST)
    assert answer.status_code == 201, answer.text
    assert _desk(ctx) == ([("city", "due")], 1)  # met late: off the list, still counted as 迟报
    assert len(computed) == 3

    # A new incident is a new version too (called in at 14:30 like the first, so its unit is late as well).
    _open(client, duty, place="玄武区另一处工地")
    rows, late = _desk(ctx)
    assert len(computed) == 4 and late == 2 and rows[0] == ("county", "overdue")


def test_the_answer_matches_the_uncached_service(client: TestClient, ctx: AppContext,
                                                 duty: dict[str, str]) -> None:
    from citysafe.emergency.reports import service

    for n in range(3):
        _open(client, duty, place=f"玄武区第 {n} 处工地", deaths=n * 4)
    clock = ctx.clock
    assert isinstance(clock, FixedClock)
    clock.advance(minutes=90)
    with unit_of_work(ctx.read_session_factory) as session:
        direct = service.due(session, settings=ctx.settings, now=clock.now(), limit=30)
        rows, late = deskcache.desk_clocks(session, settings=ctx.settings, now=clock.now(), limit=30)
        assert [(i.id, c) for i, c in rows] == [(i.id, c) for i, c in direct.rows]
        assert late == direct.late_count
        assert any(c.status is calc.Status.OVERDUE for _, c in rows)
