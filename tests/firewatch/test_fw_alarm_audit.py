"""Issue #10 finding 4: what is done to an alarm is audited in the alarm's region, so that region's
offices see it and other districts do not (it was audited with no region: visible to admins only)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.conftest import UserFactory
from tests.firewatch.fw_support import FIRE, T0, component_frame, ingest, make_unit

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext


def test_alarm_actions_are_audited_in_the_alarm_region(client: TestClient, ctx: AppContext,
                                                        make_user: UserFactory) -> None:
    make_unit(ctx, address=100001)
    [outcome] = ingest(ctx, [component_frame(100001, FIRE)], FixedClock(T0))
    alarm_id = outcome.alarms_raised[0]
    operator = make_user("operator", "320102")
    alarm = client.get(f"/api/v1/firewatch/alarms/{alarm_id}", headers=operator).json()
    assert client.post(f"/api/v1/firewatch/alarms/{alarm_id}/acknowledge", headers=operator).status_code == 200
    office = make_user("district_office", "320102")
    entries = client.get("/api/v1/audit", params={"entity": "fw_alarm_action"}, headers=office).json()["items"]
    assert [e["region_code"] for e in entries] == [alarm["region_code"]]
    assert entries[0]["after"]["action"] == "acknowledge"
    other = make_user("district_office", "320104")
    assert client.get("/api/v1/audit", params={"entity": "fw_alarm_action"}, headers=other).json()["total"] == 0
