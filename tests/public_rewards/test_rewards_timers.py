"""The reward timers on the injected clock: a notice not sent within 20 days of verification is marked overdue
once; a reward not claimed within 60 days of its notice lapses, unless the period was extended; the background
loop runs the same sweep when the app starts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from reward_fakes import install
from tests.conftest import UserFactory

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.public.rewards import timers

API = "/api/v1/rewards"
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def approved(ctx: AppContext, client: TestClient, make_user: UserFactory) -> dict[str, Any]:
    clock = FixedClock(NOW)
    ctx.clock = clock
    install(ctx).add(1, region_code="320102", received_at=NOW - timedelta(days=3), verified_at=NOW)
    handler = make_user("district_office", "320102", username="handler")
    approver = make_user("district_office", "320102", username="approver")
    cid = client.post(f"{API}/cases", headers=handler, json={"report_id": 1, "kind": "violation",
                                                             "fine_yuan": "50000"}).json()["id"]
    assert client.post(f"{API}/cases/{cid}/approve", headers=approver, json={}).status_code == 200
    return {"clock": clock, "handler": handler, "id": cid}


def _case(client: TestClient, approved: dict[str, Any]) -> dict[str, Any]:
    answer = client.get(f"{API}/cases/{approved['id']}", headers=approved["handler"])
    assert answer.status_code == 200
    return dict(answer.json())


def test_a_notice_not_sent_within_20_days_is_marked_overdue_once(ctx: AppContext, client: TestClient,
                                                                  approved: dict[str, Any]) -> None:
    approved["clock"].advance(days=19, hours=23)
    assert timers.run_once(ctx) == 0
    approved["clock"].advance(hours=2)
    assert timers.run_once(ctx) == 1
    assert timers.run_once(ctx) == 0  # once
    case = _case(client, approved)
    assert case["notice_overdue"] and case["state"] == "approved"
    assert [s["action"] for s in case["steps"]][-1] == "notice_overdue" and case["steps"][-1]["actor"] == "system"
    # the notice can still be sent
    notified = client.post(f"{API}/cases/{approved['id']}/notify", headers=approved["handler"],
                           json={"method": "letter"})
    assert notified.json()["state"] == "notified"


def test_an_unclaimed_reward_lapses_after_60_days(ctx: AppContext, client: TestClient,
                                                  approved: dict[str, Any]) -> None:
    client.post(f"{API}/cases/{approved['id']}/notify", headers=approved["handler"], json={"method": "in_person"})
    approved["clock"].advance(days=59)
    assert timers.run_once(ctx) == 0
    approved["clock"].advance(days=1, seconds=1)
    assert timers.run_once(ctx) == 1
    case = _case(client, approved)
    assert case["state"] == "lapsed" and case["closed_at"] is not None
    assert case["steps"][-1]["action"] == "lapse" and "视为放弃" in case["steps"][-1]["note"]
    late = client.post(f"{API}/cases/{approved['id']}/claim", headers=approved["handler"], json={})
    assert late.status_code == 409


def test_an_extension_moves_the_claim_date_and_a_claim_after_it_is_refused(ctx: AppContext, client: TestClient,
                                                                           approved: dict[str, Any]) -> None:
    cid = approved["id"]
    client.post(f"{API}/cases/{cid}/notify", headers=approved["handler"], json={"method": "phone"})
    assert client.post(f"{API}/cases/{cid}/extend", headers=approved["handler"], json={"days": 30}).status_code == 422
    extended = client.post(f"{API}/cases/{cid}/extend", headers=approved["handler"],
                           json={"days": 30, "note": "举报人住院，家属来电说明"})
    assert extended.status_code == 200 and extended.json()["claim_due_at"].startswith("2026-08-30")
    approved["clock"].advance(days=61)
    assert timers.run_once(ctx) == 0 and _case(client, approved)["state"] == "notified"
    approved["clock"].advance(days=30)
    assert "claim" not in _case(client, approved)["allowed"]
    refused = client.post(f"{API}/cases/{cid}/claim", headers=approved["handler"], json={})
    assert refused.status_code == 409 and "届满" in refused.json()["detail_zh"]


def test_the_app_runs_the_sweep_as_it_starts(ctx: AppContext, approved: dict[str, Any]) -> None:
    from citysafe.api import create_app

    approved["clock"].advance(days=25)
    with TestClient(create_app(ctx=ctx)) as started:
        assert started.portal is not None
        started.portal.call(ctx.extras["rewards.swept"].wait)
        case = started.get(f"{API}/cases/{approved['id']}", headers=approved["handler"]).json()
    assert case["notice_overdue"]
