"""A fire the monitoring centre confirms on the firewatch board opens an incident by itself: 事故灾难 / 火灾,
linked to the alarm and its unit, on the duty desk's list; once per alarm."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.conftest import UserFactory
from tests.firewatch.fakes import RecordingAdapter, fake_forwarder, install
from tests.firewatch.fw_support import FIRE, T0, component_frame, ingest, make_unit

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext

API = "/api/v1"


def test_a_confirmed_fire_appears_on_the_duty_desk(client: TestClient, ctx: AppContext,
                                                   make_user: UserFactory) -> None:
    ctx.clock = FixedClock(T0)
    install(ctx, forwarder=fake_forwarder(RecordingAdapter()))
    make_unit(ctx, address=100001)
    alarm_id = ingest(ctx, [component_frame(100001, FIRE)], FixedClock(T0))[0].alarms_raised[0]
    operator = make_user("operator", "320100", display_name="监控中心值班员张敏")
    url = f"{API}/firewatch/alarms/{alarm_id}"
    assert client.post(f"{url}/acknowledge", headers=operator).status_code == 200
    verified = client.post(f"{url}/verify", json={"method": "video", "note": "可见明火"}, headers=operator)
    assert verified.status_code == 200
    assert client.post(f"{url}/confirm", json={"note": "已通知119"}, headers=operator).status_code == 200
    duty = make_user("department", "320102")
    listed = client.get(f"{API}/emergency/incidents", headers=duty).json()
    assert listed["total"] == 1
    incident = listed["items"][0]
    assert incident["alarm_id"] == alarm_id and incident["source"] == "firewatch"
    assert (incident["category_name"], incident["subtype_name"], incident["state_name"]) == ("事故灾难", "火灾", "接报")
    assert incident["unit_name"] == "南京金陵购物中心" and incident["region_code"] == "320102002"
    by_alarm = client.get(f"{API}/emergency/incidents", headers=duty, params={"alarm_id": alarm_id}).json()
    assert by_alarm["total"] == 1
    detail = client.get(f"{API}/emergency/incidents/{incident['id']}", headers=duty).json()
    assert "已通知119" in detail["description"] and detail["timeline"][0]["actor"] == "系统"
    assert "监控中心值班员张敏于" in detail["description"]  # the person, not the account name
    assert client.get(f"{API}/emergency/incidents/{incident['id']}/timeline/verify", headers=duty).json()["ok"]
    ctx.bus.deliver_pending()  # nothing pending; a redelivery would find the incident (tests/contracts)
    assert client.get(f"{API}/emergency/incidents", headers=duty).json()["total"] == 1
