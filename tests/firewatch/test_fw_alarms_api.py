"""Alarm API: list and filters, detail with frames and decode, workflow, 119 forwarding, statistics, scope."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.conftest import UserFactory
from tests.firewatch.fakes import RecordingAdapter, fake_forwarder, install
from tests.firewatch.fw_support import FIRE, NORMAL, T0, component_frame, ingest, make_unit

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext

API = "/api/v1/firewatch"


def _fire(ctx: AppContext, address: int = 100001, clock: FixedClock | None = None, **kw: int) -> int:
    outcome = ingest(ctx, [component_frame(address, FIRE, **kw)], clock or FixedClock(T0))
    return outcome[0].alarms_raised[0]


def test_list_and_detail(client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    make_unit(ctx, address=100001, zone_components=[(0x0002000A, "3层", "A区")])
    alarm_id = _fire(ctx)
    ingest(ctx, [component_frame(555, 0x0005)], FixedClock(T0))  # a fault of an unregistered device
    headers = make_user("operator", "320000")
    page = client.get(f"{API}/alarms", headers=headers).json()
    assert page["total"] == 2
    fires = client.get(f"{API}/alarms", params={"kind": "fire"}, headers=headers).json()["items"]
    assert [a["id"] for a in fires] == [alarm_id]
    fire = fires[0]
    assert fire["state"] == "new" and fire["unit_name"] == "南京金陵购物中心" and fire["device_address"] == "100001"
    assert "3层 A区" in fire["component"] and fire["device_time"] is not None and fire["first_received_at"]
    assert client.get(f"{API}/alarms", params={"unit": 999}, headers=headers).json()["total"] == 0
    assert client.get(f"{API}/alarms", params={"region": "320102"}, headers=headers).json()["total"] == 1
    assert client.get(f"{API}/alarms", params={"since": "2030-01-01T00:00:00Z"}, headers=headers).json()["total"] == 0
    assert client.get(f"{API}/alarms", params={"state": "acknowledged"}, headers=headers).json()["total"] == 0
    detail = client.get(f"{API}/alarms/{alarm_id}", headers=headers).json()
    assert detail["raw_frame_hex"].startswith("4040") and detail["decoded"]["adu_type"] == 2
    assert detail["decoded"]["objects"][0]["status"] is not None
    assert detail["occurrences_list"][0]["change"] == "raise" and detail["occurrences_list"][0]["frame_hex"]
    assert detail["actions"] == [] and detail["forwardings"] == []
    assert client.get(f"{API}/alarms/99999", headers=headers).status_code == 404


def test_workflow_to_confirmed_fire_forwards_to_119(client: TestClient, ctx: AppContext,
                                                    make_user: UserFactory) -> None:
    fake = RecordingAdapter()
    install(ctx, forwarder=fake_forwarder(fake))
    make_unit(ctx, address=100001)
    alarm_id = _fire(ctx)
    headers = make_user("operator", "320100")
    url = f"{API}/alarms/{alarm_id}"
    assert client.post(f"{url}/confirm", headers=headers).status_code == 409  # not verified yet
    acked = client.post(f"{url}/acknowledge", headers=headers)
    assert acked.status_code == 200 and acked.json()["state"] == "acknowledged"
    assert client.post(f"{url}/acknowledge", headers=headers).status_code == 409
    bad = client.post(f"{url}/verify", json={"method": "drone", "note": "x"}, headers=headers)
    assert bad.status_code == 422
    verified = client.post(f"{url}/verify", json={"method": "video", "note": "3层A区可见明火"}, headers=headers)
    assert verified.json()["state"] == "verified" and verified.json()["verified_at"]
    confirmed = client.post(f"{url}/confirm", json={"note": "已通知119"}, headers=headers).json()
    assert confirmed["state"] == "confirmed" and not confirmed["is_open"]
    assert len(fake.notices) == 1 and fake.notices[0]["alarm_id"] == alarm_id
    assert fake.notices[0]["unit_name"] == "南京金陵购物中心"
    detail = client.get(url, headers=headers).json()
    assert [a["action"] for a in detail["actions"]] == ["acknowledge", "verify", "confirm", "forward_119"]
    assert detail["actions"][1]["method"] == "video" and detail["actions"][1]["note"] == "3层A区可见明火"
    [sent] = detail["forwardings"]
    assert sent["ok"] and sent["status"] == "sent" and sent["forwarder"] == "webhook" and sent["delay_ms"] >= 0
    assert sent["reference"] == "fake-1" and detail["forward_status"] == "sent"
    assert fake.messages[0].correlation_key == f"alarm:{alarm_id}:forward_119"


def test_failed_forwarding_is_retried_by_the_timer(client: TestClient, ctx: AppContext,
                                                   make_user: UserFactory) -> None:
    from citysafe.core.db import unit_of_work
    from citysafe.firewatch.alarms.timers import tick
    from citysafe.firewatch.config import FirewatchConfig

    fake = RecordingAdapter(fail=1)
    forwarder = install(ctx, forwarder=fake_forwarder(fake)).forwarder
    alarm_id = _fire(ctx, 100009)
    headers = make_user("admin", "320000")
    for step, body in (("acknowledge", None), ("verify", {"method": "phone", "note": "单位值班员确认"}),
                       ("confirm", None)):
        assert client.post(f"{API}/alarms/{alarm_id}/{step}", json=body, headers=headers).status_code == 200
    assert fake.notices == []
    with unit_of_work(ctx.session_factory) as session:
        report = tick(session, now=T0, config=FirewatchConfig(), forwarder=forwarder)
    assert report.forwarded == 1 and len(fake.notices) == 1
    rows = client.get(f"{API}/alarms/{alarm_id}", headers=headers).json()["forwardings"]
    assert [(f["ok"], f["status"]) for f in rows] == [(False, "failed"), (True, "sent")]
    with unit_of_work(ctx.session_factory) as session:  # nothing left to retry
        assert tick(session, now=T0, config=FirewatchConfig(), forwarder=forwarder).forwarded == 0


def test_false_alarm_and_test_and_statistics(client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    ids = make_unit(ctx, address=100001)
    clock = FixedClock(T0)
    first = _fire(ctx, clock=clock)
    clock.advance(minutes=1)
    ingest(ctx, [component_frame(100001, NORMAL)], clock)
    clock.advance(minutes=1)
    drill = _fire(ctx, clock=clock, component_address=77)
    headers = make_user("operator", "320100")
    assert client.post(f"{API}/alarms/{first}/false-alarm", headers=headers).status_code == 409  # not acknowledged
    client.post(f"{API}/alarms/{first}/acknowledge", headers=headers)
    assert client.post(f"{API}/alarms/{first}/false-alarm", json={"note": "厨房油烟"},
                       headers=headers).json()["state"] == "false_alarm"
    tested = client.post(f"{API}/alarms/{drill}/test", json={"note": "月度联调"}, headers=headers)
    assert tested.json()["state"] == "test"
    stats = client.get(f"{API}/stats/false-alarms", headers=headers).json()
    [unit_row] = stats["by_unit"]
    assert unit_row["unit_id"] == ids["unit_id"] and unit_row["total"] == 2 and unit_row["false_alarms"] == 1
    assert unit_row["tests"] == 1 and unit_row["false_rate"] == 0.5
    assert {r["false_alarms"] for r in stats["by_device"]} == {0, 1}
    # a new fire on the point closed as a false alarm opens a new alarm
    clock.advance(minutes=1)
    again = _fire(ctx, clock=clock)
    assert again != first


def test_workflow_needs_operator_permission_and_scope(client: TestClient, ctx: AppContext,
                                                      make_user: UserFactory) -> None:
    make_unit(ctx, address=100001, region="320102002")
    alarm_id = _fire(ctx)
    grid = make_user("grid_officer", "320102")
    assert client.post(f"{API}/alarms/{alarm_id}/acknowledge", headers=grid).status_code == 403
    qinhuai = make_user("district_office", "320104")
    assert client.get(f"{API}/alarms/{alarm_id}", headers=qinhuai).status_code == 404
    assert client.get(f"{API}/alarms", headers=qinhuai).json()["total"] == 0
    xuanwu = make_user("district_office", "320102")
    assert client.get(f"{API}/alarms", headers=xuanwu).json()["total"] == 1


def test_gas_can_be_confirmed_but_fault_cannot(client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    install(ctx, forwarder=fake_forwarder())
    fault = ingest(ctx, [component_frame(600, 0x0005)], FixedClock(T0))[0].alarms_raised[0]
    headers = make_user("admin", "320000")
    client.post(f"{API}/alarms/{fault}/acknowledge", headers=headers)
    client.post(f"{API}/alarms/{fault}/verify", json={"method": "phone", "note": "维保确认"}, headers=headers)
    refused = client.post(f"{API}/alarms/{fault}/confirm", headers=headers)
    assert refused.status_code == 409 and refused.json()["detail_zh"]


def test_point_states_show_shielded_and_started(client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    make_unit(ctx, address=100001)
    clock = FixedClock(T0)
    ingest(ctx, [component_frame(100001, 0x0009, component_address=1),     # shielded
                 component_frame(100001, 0x0061, component_address=2)], clock)  # started + feedback
    headers = make_user("operator", "320100")
    points = client.get(f"{API}/devices/100001/points", headers=headers).json()
    assert {p["point_key"]: p["active"] for p in points} == {"100001/1/1/1": ["shielded"],
                                                             "100001/1/1/2": ["feedback", "started"]}
    assert client.get(f"{API}/alarms", headers=headers).json()["total"] == 0  # states, not alarms
    clock.advance(seconds=10)
    ingest(ctx, [component_frame(100001, NORMAL, component_address=1)], clock)
    points = client.get(f"{API}/devices/100001/points", headers=headers).json()
    assert points[0]["active"] == []
    assert client.get(f"{API}/devices/424242/points", headers=headers).status_code == 404
