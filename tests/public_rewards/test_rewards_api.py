"""Reward cases through the HTTP API: proposed under the rule of the report's jurisdiction, approved by a second
person, the reporter notified by SMS through core.outbound, claimed and paid; the first real-name reporter of a
matter rewarded; rules versioned and edited only inside one's jurisdiction; bad input refused naming the field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from reward_fakes import FakeReports, install
from sqlalchemy import func, select
from tests.conftest import UserFactory
from tests.firewatch.fakes import RecordingAdapter

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.outbound import LogAdapter, Outbound
from citysafe.public.rewards.models import RewardCase, RewardStep

API = "/api/v1/rewards"
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
XUANWU, HAILING = "320102002", "321202"  # 南京玄武区 (national rule), 泰州海陵区 (泰州's schedule)


@pytest.fixture
def world(ctx: AppContext, client: TestClient, make_user: UserFactory) -> dict[str, Any]:
    ctx.clock = FixedClock(NOW)
    sms = RecordingAdapter(channel="sms")
    ctx.outbound = Outbound([sms, LogAdapter()], sleep=lambda _: None)
    reports = install(ctx)
    reports.add(1, region_code=XUANWU, received_at=NOW - timedelta(days=5), verified_at=NOW - timedelta(days=1))
    return {"reports": reports, "sms": sms,
            "handler": make_user("district_office", "320102", username="handler", display_name="玄武区应急局 张三"),
            "approver": make_user("district_office", "320102", username="approver", display_name="玄武区应急局 李四")}


def _propose(client: TestClient, headers: dict[str, str], **body: Any) -> Any:
    return client.post(f"{API}/cases", headers=headers, json={"kind": "violation", "fine_yuan": "100000", **body})


def test_a_reward_from_proposal_to_payment(client: TestClient, world: dict[str, Any]) -> None:
    handler, approver, reports = world["handler"], world["approver"], world["reports"]
    case = _propose(client, handler, report_id=1, basis_note="玄应急罚〔2026〕12号")
    assert case.status_code == 201, case.text
    body = case.json()
    assert (body["amount_yuan"], body["rule_name"], body["state"]) == ("15000.00", "national-2018", "proposed")
    assert body["notice_due_at"].startswith("2026-06-20")  # 20 days from verification
    assert "approve" not in body["allowed"]  # the proposer never approves
    cid = body["id"]
    own = client.post(f"{API}/cases/{cid}/approve", headers=handler, json={})
    assert own.status_code == 403 and "另一名" in own.json()["detail_zh"]
    assert client.post(f"{API}/cases/{cid}/notify", headers=handler, json={}).status_code == 409  # not approved yet
    approved = client.post(f"{API}/cases/{cid}/approve", headers=approver, json={"note": "同意"})
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    notified = client.post(f"{API}/cases/{cid}/notify", headers=handler, json={"method": "sms"})
    assert notified.status_code == 200, notified.text
    assert notified.json()["state"] == "notified"
    assert notified.json()["claim_due_at"].startswith("2026-07-31")  # 60 days from the notice
    [message] = world["sms"].messages
    assert message.recipients == ("13900000001",) and "15,000元" in message.text and message.sensitive
    assert reports.identity_reads == []  # the SMS goes through the reports: nobody read the phone
    assert client.post(f"{API}/cases/{cid}/claim", headers=handler, json={"note": "身份证已核对"}).status_code == 200
    wrong = client.post(f"{API}/cases/{cid}/payment", headers=handler,
                        json={"method": "bank_transfer", "reference": "TX1", "amount_yuan": "14000"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "amount_yuan"
    paid = client.post(f"{API}/cases/{cid}/payment", headers=handler,
                       json={"method": "bank_transfer", "reference": "TX20260601001"})
    assert paid.status_code == 200, paid.text
    final = client.get(f"{API}/cases/{cid}", headers=approver).json()
    assert final["state"] == "paid" and final["allowed"] == []
    assert [s["action"] for s in final["steps"]] == ["propose", "approve", "notice_sending", "notify", "claim", "pay"]
    assert final["payment"]["reference"] == "TX20260601001" and final["payment"]["paid_by"] == "handler"
    assert final["payment"]["amount_yuan"] == "15000.00"
    assert client.post(f"{API}/cases/{cid}/payment", headers=handler,
                       json={"method": "cash", "reference": "again"}).status_code == 409


def test_the_first_real_name_reporter_is_rewarded_and_anonymous_reports_do_not_block_it(
        client: TestClient, world: dict[str, Any]) -> None:
    reports: FakeReports = world["reports"]
    handler = world["handler"]
    day = NOW - timedelta(days=10)
    reports.add(10, region_code=XUANWU, received_at=day, verified_at=NOW, real_name=False, matter="x")
    reports.add(11, region_code=XUANWU, received_at=day + timedelta(hours=1), verified_at=NOW, matter="x")
    reports.add(12, region_code=XUANWU, received_at=day + timedelta(hours=2), verified_at=NOW, matter="x")
    for later in (12, 10):
        refused = _propose(client, handler, report_id=later)
        assert refused.status_code == 409 and "JB000011" in refused.json()["detail_zh"], refused.text
    case = _propose(client, handler, report_id=11)
    assert case.status_code == 201
    note = case.json()["matter_note"]
    assert "共 3 件" in note and "匿名 1 件" in note and "JB000011" in note
    again = _propose(client, handler, report_id=11)
    assert again.status_code == 409 and "已有奖励案件" in again.json()["detail_zh"]


def test_a_report_must_exist_and_be_found_true(client: TestClient, world: dict[str, Any]) -> None:
    world["reports"].add(2, region_code=XUANWU, received_at=NOW, verified_at=None)
    missing = _propose(client, world["handler"], report_id=99)
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "report_id"
    unverified = _propose(client, world["handler"], report_id=2)
    assert unverified.status_code == 409 and "核查属实" in unverified.json()["detail_zh"]


@pytest.mark.parametrize(("body", "field"), [
    ({"fine_yuan": "-1"}, "fine_yuan"),
    ({"kind": "concealed_accident", "fine_yuan": None, "deaths": 2}, "grade"),
    ({"kind": "hazard", "fine_yuan": None, "amount_yuan": "800"}, "kind"),  # no 事故隐患 schedule in 南京
    ({"report_id": 0}, "report_id"),
])
def test_bad_input_names_the_field_and_stores_nothing(client: TestClient, ctx: AppContext, world: dict[str, Any],
                                                      body: dict[str, Any], field: str) -> None:
    answer = _propose(client, world["handler"], **{"report_id": 1, **body})
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert field in {e["field"].split(".")[-1] for e in answer.json()["errors"]}
    with unit_of_work(ctx.session_factory) as session:
        assert session.scalar(select(func.count()).select_from(RewardCase)) == 0


def test_a_local_schedule_overrides_the_national_rule_inside_its_city(client: TestClient, world: dict[str, Any],
                                                                      make_user: UserFactory) -> None:
    world["reports"].add(3, region_code=HAILING, received_at=NOW, verified_at=NOW)
    taizhou = make_user("city_office", "321200", username="taizhou")
    case = _propose(client, taizhou, report_id=3)
    assert case.status_code == 201, case.text
    assert (case.json()["rule_name"], case.json()["amount_yuan"]) == ("taizhou-2020", "20000.00")
    checked = client.post(f"{API}/compute", headers=world["handler"], json={
        "region_code": "320102", "kind": "concealed_accident", "grade": "major", "deaths": 8})
    assert checked.status_code == 200 and checked.json()["yuan"] == "300000.00"
    assert checked.json()["rule_name"] == "national-2018"


def _rule(client: TestClient, headers: dict[str, str], name: str) -> dict[str, Any]:
    rules = client.get(f"{API}/rules", headers=headers).json()
    return next(r for r in rules if r["name"] == name)


def test_rules_are_versioned_and_edited_only_inside_ones_jurisdiction(client: TestClient, world: dict[str, Any],
                                                                      make_user: UserFactory) -> None:
    admin = make_user("admin", "320000")
    nanjing = make_user("city_office", "320100", username="nanjing")
    taizhou = make_user("city_office", "321200", username="taizhou")
    case = _propose(client, world["handler"], report_id=1).json()
    national = _rule(client, admin, "national-2018")
    assert national["jurisdiction_name"] == "全国" and national["editable"] and national["version"] == 1
    document = dict(national["document"])
    document["schedules"] = {**document["schedules"],
                             "violation": {**document["schedules"]["violation"], "min_yuan": "4000"}}
    assert client.put(f"{API}/rules/{national['id']}", headers=nanjing,
                      json={"document": document, "note": "越权"}).status_code == 403
    assert client.put(f"{API}/rules/{national['id']}", headers=admin, json={"document": document}).status_code == 422
    revised = client.put(f"{API}/rules/{national['id']}", headers=admin, json={"document": document,
                                                                              "note": "按新文件调整最低额"})
    assert revised.status_code == 200 and revised.json()["version"] == 2
    stale = client.put(f"{API}/rules/{national['id']}", headers=admin, json={"document": document, "note": "再改"})
    assert stale.status_code == 409
    # the case keeps the version it was computed with; a new one is computed with the new version
    assert client.get(f"{API}/cases/{case['id']}", headers=admin).json()["rule_version"] == 1
    checked = client.post(f"{API}/compute", headers=world["handler"], json={
        "region_code": "320102", "kind": "violation", "fine_yuan": "100"}).json()
    assert (checked["yuan"], checked["rule_version"]) == ("4000.00", 2)
    taizhou_rule = _rule(client, taizhou, "taizhou-2020")
    assert taizhou_rule["editable"] and not _rule(client, nanjing, "taizhou-2020")["editable"]
    assert client.put(f"{API}/rules/{taizhou_rule['id']}", headers=nanjing, json={
        "document": taizhou_rule["document"], "note": "越权"}).status_code == 403
    local = dict(taizhou_rule["document"], name="jingjiang-2026", jurisdiction="321282", title="靖江市举报奖励办法")
    assert client.post(f"{API}/rules", headers=nanjing, json={"document": local}).status_code == 403
    created = client.post(f"{API}/rules", headers=taizhou, json={"document": local, "note": "新制定"})
    assert created.status_code == 201 and created.json()["jurisdiction_name"] == "靖江市"
    history = client.get(f"{API}/rules", headers=admin, params={"history": True}).json()
    assert sorted(r["version"] for r in history if r["name"] == "national-2018") == [1, 2]


def test_rejecting_needs_a_reason_and_another_district_sees_nothing(client: TestClient, world: dict[str, Any],
                                                                    make_user: UserFactory) -> None:
    cid = _propose(client, world["handler"], report_id=1).json()["id"]
    assert client.post(f"{API}/cases/{cid}/reject", headers=world["approver"], json={}).status_code == 422
    rejected = client.post(f"{API}/cases/{cid}/reject", headers=world["approver"], json={"note": "系内部人员举报"})
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"
    other = make_user("district_office", "320104")
    assert client.get(f"{API}/cases/{cid}", headers=other).status_code == 404
    assert client.get(f"{API}/cases", headers=other).json() == []
    citizen = make_user("grid_officer", "320102")
    assert client.get(f"{API}/cases", headers=citizen).status_code == 403


def test_a_notice_that_does_not_arrive_leaves_the_case_waiting(client: TestClient, ctx: AppContext,
                                                              world: dict[str, Any]) -> None:
    world["sms"].fail = 10
    world["reports"].add(4, region_code=XUANWU, received_at=NOW, verified_at=NOW, real_name=False, matter="anon")
    cid = _propose(client, world["handler"], report_id=1).json()["id"]
    client.post(f"{API}/cases/{cid}/approve", headers=world["approver"], json={})
    failed = client.post(f"{API}/cases/{cid}/notify", headers=world["handler"], json={"method": "sms"})
    assert failed.status_code == 200 and failed.json()["state"] == "approved"
    assert failed.json()["steps"][-1]["action"] == "notice_failed"
    by_phone = client.post(f"{API}/cases/{cid}/notify", headers=world["handler"],
                           json={"method": "phone", "note": "电话告知本人"})
    assert by_phone.json()["state"] == "notified" and by_phone.json()["notice_method"] == "phone"
    anonymous = _propose(client, world["handler"], report_id=4).json()["id"]
    client.post(f"{API}/cases/{anonymous}/approve", headers=world["approver"], json={})
    world["sms"].fail = 0
    no_phone = client.post(f"{API}/cases/{anonymous}/notify", headers=world["handler"], json={"method": "sms"})
    assert no_phone.status_code == 200 and no_phone.json()["state"] == "approved"
    with unit_of_work(ctx.session_factory) as session:
        steps = session.scalars(select(RewardStep.action).where(RewardStep.case_id == anonymous)).all()
        assert steps == ["propose", "approve", "notice_sending", "notice_failed"]
    assert world["sms"].messages == []


def test_the_notice_sms_leaves_after_its_intent_is_committed_and_holds_no_lock(
        client: TestClient, ctx: AppContext, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """The SMS gateway is called (with retries: seconds) outside any write transaction: the case can be locked
    and written by someone else meanwhile, and "notice_sending" is already on record."""
    reports: FakeReports = world["reports"]
    cid = _propose(client, world["handler"], report_id=1).json()["id"]
    client.post(f"{API}/cases/{cid}/approve", headers=world["approver"], json={})
    seen: list[tuple[str, str]] = []
    send = reports.notify_reporter

    def checking(session: Any, report_id: int, text: str, correlation_key: str) -> bool:
        with unit_of_work(ctx.session_factory, actor="tests") as other:  # SQLite: takes the write lock
            case = other.scalars(select(RewardCase).where(RewardCase.id == cid)
                                 .with_for_update(nowait=True)).one()  # PostgreSQL: fails at once if held
            last = other.scalars(select(RewardStep.action).where(RewardStep.case_id == cid)
                                 .order_by(RewardStep.seq.desc()).limit(1)).one()
            seen.append((case.state, last))
        return send(session, report_id, text, correlation_key)

    monkeypatch.setattr(reports, "notify_reporter", checking)
    notified = client.post(f"{API}/cases/{cid}/notify", headers=world["handler"], json={"method": "sms"})
    assert notified.status_code == 200, notified.text
    assert seen == [("approved", "notice_sending")]
    assert notified.json()["state"] == "notified" and len(world["sms"].messages) == 1
    assert [s["action"] for s in notified.json()["steps"]][-2:] == ["notice_sending", "notify"]


def test_a_second_sms_notice_while_the_first_is_sending_is_refused(client: TestClient, ctx: AppContext,
                                                                  world: dict[str, Any]) -> None:
    from citysafe.public.rewards import notice, service

    cid = _propose(client, world["handler"], report_id=1).json()["id"]
    client.post(f"{API}/cases/{cid}/approve", headers=world["approver"], json={})
    with unit_of_work(ctx.session_factory, actor="tests") as session:  # a send in progress in another request
        case = service.get(session, case_id=cid)
        service.record_step(session, case, action="notice_sending", before="approved", actor="handler",
                            actor_name="张三", now=NOW, note="经短信通道发送，送达结果见下一步")
    busy = client.post(f"{API}/cases/{cid}/notify", headers=world["handler"], json={"method": "sms"})
    assert busy.status_code == 409 and world["sms"].messages == []
    assert "开始发送" in busy.json()["detail_zh"]
    ctx.clock = FixedClock(NOW + notice.SENDING_HOLD)  # the sender died: after the hold it may be given again
    again = client.post(f"{API}/cases/{cid}/notify", headers=world["handler"], json={"method": "sms"})
    assert again.status_code == 200 and again.json()["state"] == "notified" and len(world["sms"].messages) == 1


def test_give_answers_whether_the_sms_arrived_not_what_the_case_became(
        client: TestClient, ctx: AppContext, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """The console's message after 领奖通知 follows ``notice.give``'s answer: an SMS that arrived while another
    hand moved the case on is delivered (recorded, not applied), one that did not arrive is not."""
    from citysafe.auth.deps import units_as
    from citysafe.auth.models import User
    from citysafe.auth.service import principal_for
    from citysafe.public.rewards import notice
    from citysafe.public.rewards.schemas import NoticeIn

    with unit_of_work(ctx.session_factory) as session:
        principal = principal_for(session.scalars(select(User).where(User.username == "handler")).one())
    units = units_as(ctx, principal)
    world["reports"].add(2, region_code=XUANWU, received_at=NOW - timedelta(days=5),
                         verified_at=NOW - timedelta(days=1), matter="another")
    moved, failing = (_propose(client, world["handler"], report_id=r).json()["id"] for r in (1, 2))
    for cid in (moved, failing):
        client.post(f"{API}/cases/{cid}/approve", headers=world["approver"], json={})
    reports: FakeReports = world["reports"]
    send = reports.notify_reporter

    def moving_on(session: Any, report_id: int, text: str, correlation_key: str) -> bool:
        with unit_of_work(ctx.session_factory, actor="tests") as other:  # a timer acts while the SMS is out
            other.execute(RewardCase.__table__.update().where(RewardCase.id == moved).values(state="lapsed"))
        return send(session, report_id, text, correlation_key)

    monkeypatch.setattr(reports, "notify_reporter", moving_on)
    assert notice.give(units, case_id=moved, data=NoticeIn(method="sms"), principal=principal, clock=ctx.clock)
    with unit_of_work(ctx.session_factory) as session:
        case = session.get(RewardCase, moved)
        assert case is not None and case.state == "lapsed"
    monkeypatch.setattr(reports, "notify_reporter", send)
    world["sms"].fail = 10
    assert not notice.give(units, case_id=failing, data=NoticeIn(method="sms"), principal=principal, clock=ctx.clock)
