"""Rewards on the real citizen reports (public.reports), through both APIs: an anonymous report and a later
real-name report of the same matter, both verified; the reward goes to the real-name reporter, and its notice
reaches the reporter's phone through the reports (the phone never passes through rewards)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from tests.conftest import UserFactory
from tests.firewatch.fakes import RecordingAdapter
from tests.public.reports_support import XUANWU, last_code, photo

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.outbound import LogAdapter, Outbound
from citysafe.public.rewards.sources import ReportsLink

FORM = {"category": "fire_safety", "description": "楼道里堆满了电动车，正在充电，堵住了安全出口",
        "lon": str(XUANWU[0]), "lat": str(XUANWU[1]), "address": "玄武区某小区3栋"}


def _report(client: TestClient, seed: int, **extra: str) -> Any:
    answer = client.post("/api/v1/public/reports", data=FORM | extra,
                         files=[("photos", ("p.jpg", photo(seed=seed), "image/jpeg"))])
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_the_real_name_reporter_of_a_matter_is_rewarded_and_notified(client: TestClient, ctx: AppContext,
                                                                     make_user: UserFactory) -> None:
    box = RecordingAdapter(channel="sms")
    ctx.outbound = Outbound([box, LogAdapter()], sleep=lambda _: None)
    _report(client, 1)  # anonymous, first
    assert client.post("/api/v1/public/reports/codes", json={"phone": "13900000003"}).status_code == 202
    _report(client, 2, name="王五", id_number="320102199001011232", phone="13900000003", code=last_code(box))
    handler = make_user("district_office", "320102", username="handler", display_name="张三")
    approver = make_user("district_office", "320102", username="approver", display_name="李四")
    listed = client.get("/api/v1/reports", headers=handler).json()
    rows = listed["items"] if isinstance(listed, dict) else listed
    ids = sorted(r["id"] for r in rows)
    for report_id in ids:
        assert client.post(f"/api/v1/reports/{report_id}/claim", headers=handler).status_code == 200
        assert client.post(f"/api/v1/reports/{report_id}/verify", headers=handler, json={"note": "属实"}
                           ).status_code == 200
    anonymous, real_name = ids
    with unit_of_work(ctx.session_factory) as session:  # the console takes the receipt as the report shows it
        assert sorted(ReportsLink().by_receipt(session, r["receipt"]) for r in rows) == ids
    group = client.get(f"/api/v1/reports/{real_name}/group", headers=handler).json()
    assert [m["id"] for m in group] == ids and [m["real_name"] for m in group] == [False, True]
    refused = client.post("/api/v1/rewards/cases", headers=handler,
                          json={"report_id": anonymous, "kind": "violation", "fine_yuan": "30000"})
    assert refused.status_code == 409, refused.text
    assert group[1]["receipt"] in refused.json()["detail_zh"]
    case = client.post("/api/v1/rewards/cases", headers=handler,
                       json={"report_id": real_name, "kind": "violation", "fine_yuan": "30000"})
    assert case.status_code == 201, case.text
    body = case.json()
    assert body["amount_yuan"] == "4500.00" and "匿名 1 件" in body["matter_note"]
    assert body["report_label"].startswith(group[1]["receipt"])
    assert client.post(f"/api/v1/rewards/cases/{body['id']}/approve", headers=approver, json={}).status_code == 200
    sent_before = len(box.messages)
    notified = client.post(f"/api/v1/rewards/cases/{body['id']}/notify", headers=handler, json={"method": "sms"})
    assert notified.status_code == 200 and notified.json()["state"] == "notified", notified.text
    message = box.messages[sent_before]
    assert message.recipients == ("13900000003",) and "4,500元" in message.text

    # The reporter follows the reward by receipt through the API, as on the tracking page: no one's name.
    reward = client.get(f"/api/v1/public/reports/{group[1]['receipt']}/reward")
    assert reward.status_code == 200, reward.text
    steps = reward.json()
    assert [s["stage"] for s in steps] == ["reward_approve", "reward_notify", "reward_pending"]
    assert "4,500" in steps[0]["note"] and steps[-1]["name"] == "待领取奖励" and steps[-1]["at"] is None
    assert not any(name in reward.text for name in ("handler", "approver", "张三", "李四", "13900000003"))
    assert client.get(f"/api/v1/public/reports/{group[0]['receipt']}/reward").json() == []  # no case of its own
    forged = client.get("/api/v1/public/reports/JBQG6PW9U68KM3Q/reward")
    assert forged.status_code in (404, 422), forged.text
