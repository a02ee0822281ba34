"""Unified command through the API: activating the fire plan at 四级 sets up the command (总指挥, 副总指挥, the
plan's groups) and the level's tasks with deadlines after activation, moves the incident to 响应 at 四级; a
liaison assigned to a group sees and updates its tasks, others in scope only read; 升级 keeps the command and
adds the level's tasks; decisions are their own timeline kind; the chain holds. Bad input answers 4xx
problem+json naming the field and writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.conftest import UserFactory
from tests.emergency.api_support import count_rows as _count
from tests.emergency.api_support import error_fields as _fields
from tests.emergency.plan_samples import fire_plan, ok

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.emergency.command.models import Command, CommandMember, CommandTask, PlanActivation, TaskUpdate
from citysafe.emergency.models import Incident, TimelineEntry

T0 = datetime(2026, 5, 12, 6, 30, tzinfo=UTC)  # 14:30 in Nanjing
EM = "/api/v1/emergency"
FIRE_CALL = {"category": "accident", "subtype": "fire", "description": "商场三楼起火，烟大",
             "place": "玄武区中山路商场", "location": {"lon": 118.80, "lat": 32.048}, "caller_name": "李女士",
             "caller_phone": "13900000000"}
Headers = dict[str, str]






def _user_id(client: TestClient, headers: Headers) -> int:
    return int(ok(client.get("/api/v1/auth/me", headers=headers), 200)["user_id"])


@pytest.fixture
def room(ctx: AppContext, client: TestClient, make_user: UserFactory) -> dict[str, Any]:
    """A verified fire in 玄武区, the district's fire plan, a duty officer, a liaison and an onlooker."""
    ctx.clock = FixedClock(T0)
    office = make_user("district_office", "320102", display_name="玄武区安委办")
    duty = make_user("department", "320102", display_name="应急局值班员张")
    liaison = make_user("department", "320102", display_name="公安分局联络员王", phone="13700000001")
    onlooker = make_user("operator", "320102", display_name="监控中心值班员")
    plan = ok(client.post(f"{EM}/plans", headers=office, json=fire_plan()))
    incident = ok(client.post(f"{EM}/incidents", headers=duty, json=FIRE_CALL))
    ok(client.post(f"{EM}/incidents/{incident['id']}/transitions", headers=duty, json={"action": "verify"}), 200)
    return {"office": office, "duty": duty, "liaison": liaison, "onlooker": onlooker, "plan": plan,
            "incident": incident, "liaison_id": _user_id(client, liaison)}


def _activate(client: TestClient, room: dict[str, Any], level: str = "4", **extra: Any) -> Any:
    return client.post(f"{EM}/incidents/{room['incident']['id']}/activations", headers=room["duty"],
                       json={"plan_id": room["plan"]["id"], "level": level, **extra})


def test_activation_sets_up_the_command_and_tasks_and_starts_the_response(
        ctx: AppContext, client: TestClient, room: dict[str, Any]) -> None:
    command = ok(_activate(client, room, note="商场人员密集，先按四级响应"))
    assert command["plan_title"] == "玄武区火灾事故专项应急预案" and command["response_level_name"] == "四级"
    assert command["commander"] == "区长" and command["deputies"] == ["分管副区长", "区应急管理局局长"]
    assert [g["name"] for g in command["groups"]] == ["综合协调组", "抢险救援组", "医疗救护组", "治安警戒组"]
    tasks = {t["title"]: t for g in command["groups"] for t in g["tasks"]}
    assert set(tasks) == {"核实火情并首报", "设置警戒区"}  # 四级's tasks, not 三级's
    assert tasks["设置警戒区"]["deadline_at"].startswith("2026-05-12T06:50:00")  # activation + 20 min
    assert tasks["设置警戒区"]["state_name"] == "待办" and not tasks["设置警戒区"]["overdue"]
    assert next(g for g in command["groups"] if g["name"] == "治安警戒组")["tasks"][0]["owner_role"] == "派出所所长"
    incident = ok(client.get(f"{EM}/incidents/{room['incident']['id']}", headers=room["duty"]), 200)
    assert incident["state"] == "responding" and incident["response_level"] == "4"
    kinds = [e["kind"] for e in incident["timeline"]]
    assert kinds[-2:] == ["transition", "activation"]
    activation = incident["timeline"][-1]
    assert "启动预案" in activation["text"] and "四级响应" in activation["text"] and "设置警戒区" in activation["text"]
    assert "商场人员密集" in activation["text"] and activation["actor"] == "应急局值班员张"
    assert ok(client.get(f"{EM}/incidents/{room['incident']['id']}/timeline/verify", headers=room["duty"]),
              200)["ok"] is True
    # Time passes: the 20-minute task is overdue at 14:51.
    ctx.clock = FixedClock(T0 + timedelta(minutes=21))
    later = ok(client.get(f"{EM}/incidents/{room['incident']['id']}/tasks", headers=room["onlooker"]), 200)
    assert {t["title"]: t["overdue"] for t in later} == {"设置警戒区": True, "核实火情并首报": False}


def test_a_liaison_sees_and_updates_the_tasks_of_the_group_others_only_read(
        client: TestClient, room: dict[str, Any]) -> None:
    ok(_activate(client, room))
    incident_id = room["incident"]["id"]
    command = ok(client.post(f"{EM}/incidents/{incident_id}/command/members", headers=room["duty"], json={
        "post": "member", "group_name": "治安警戒组", "user_id": room["liaison_id"], "organisation": "玄武公安分局"}))
    group = next(g for g in command["groups"] if g["name"] == "治安警戒组")
    assert group["members"][0]["name"] == "公安分局联络员王" and group["members"][0]["phone"] == "13700000001"
    ok(client.post(f"{EM}/incidents/{incident_id}/command/members", headers=room["duty"], json={
        "post": "commander", "name": "陈区长", "phone": "025-84000000", "organisation": "玄武区人民政府"}))

    mine = ok(client.get(f"{EM}/incidents/{incident_id}/tasks", headers=room["liaison"], params={"mine": "true"}),
              200)
    assert [t["title"] for t in mine] == ["设置警戒区"] and mine[0]["may_update"] is True
    assert [t["title"] for t in ok(client.get(f"{EM}/tasks", headers=room["liaison"]), 200)] == ["设置警戒区"]
    other = next(t for t in ok(client.get(f"{EM}/incidents/{incident_id}/tasks", headers=room["liaison"]), 200)
                 if t["title"] == "核实火情并首报")
    assert other["may_update"] is False
    refused = client.patch(f"{EM}/tasks/{other['id']}", headers=room["liaison"], json={"state": "done"})
    assert refused.status_code == 403 and refused.headers["content-type"].startswith("application/problem+json")
    assert client.patch(f"{EM}/tasks/{mine[0]['id']}", headers=room["onlooker"],
                        json={"state": "done"}).status_code == 403

    doing = ok(client.patch(f"{EM}/tasks/{mine[0]['id']}", headers=room["liaison"],
                            json={"state": "doing", "note": "两个路口已拉警戒线"}), 200)
    assert doing["state_name"] == "进行中"
    done = ok(client.patch(f"{EM}/tasks/{mine[0]['id']}", headers=room["liaison"], json={"state": "done"}), 200)
    assert done["state"] == "done" and done["done_at"] is not None
    assert [(u["state_from"], u["state_to"], u["actor"]) for u in done["updates"]] == [
        ("todo", "doing", "公安分局联络员王"), ("doing", "done", "公安分局联络员王")]
    timeline = ok(client.get(f"{EM}/incidents/{incident_id}/timeline", headers=room["onlooker"]), 200)
    task_entries = [e["text"] for e in timeline if e["kind"] == "task"]
    assert task_entries[-1] == "任务“设置警戒区”（治安警戒组）：进行中 → 已完成"
    assert "两个路口已拉警戒线" in task_entries[-2]
    commander = [e["text"] for e in timeline if e["kind"] == "command"]
    assert any("陈区长（玄武区人民政府） 任总指挥" in text for text in commander)
    assert ok(client.get(f"{EM}/tasks", headers=room["liaison"]), 200) == []  # done: off the open list


def test_escalation_keeps_the_command_and_adds_the_level_tasks(ctx: AppContext, client: TestClient,
                                                                room: dict[str, Any]) -> None:
    ok(_activate(client, room))
    ctx.clock = FixedClock(T0 + timedelta(minutes=40))
    command = ok(_activate(client, room, level="3", note="被困人员增至5人"))
    assert command["response_level"] == "3" and len(command["activations"]) == 2
    assert [(a["level"], a["previous_level"]) for a in command["activations"]] == [("4", None), ("3", "4")]
    titles = {t["title"]: t for g in command["groups"] for t in g["tasks"]}
    assert set(titles) == {"核实火情并首报", "设置警戒区", "开设临时医疗点"}
    assert titles["开设临时医疗点"]["deadline_at"].startswith("2026-05-12T08:10:00")  # 07:10 + 60 min
    incident = ok(client.get(f"{EM}/incidents/{room['incident']['id']}", headers=room["duty"]), 200)
    assert incident["response_level"] == "3" and incident["state"] == "responding"
    assert "升级响应" in incident["timeline"][-1]["text"]
    assert _count(ctx, Command) == 1
    again = _activate(client, room, level="3")
    assert again.status_code == 409 and _fields(again) == ["level"]


def test_decisions_and_added_tasks_land_on_the_timeline(client: TestClient, room: dict[str, Any]) -> None:
    ok(_activate(client, room))
    incident_id = room["incident"]["id"]
    entry = ok(client.post(f"{EM}/incidents/{incident_id}/decisions", headers=room["duty"],
                           json={"text": "疏散商场内全部人员，封闭中山路北向车道"}))
    assert entry["kind"] == "decision" and entry["kind_name"] == "指挥决策"
    task = ok(client.post(f"{EM}/incidents/{incident_id}/tasks", headers=room["duty"], json={
        "title": "联系供电公司切断电源", "group_name": "抢险救援组", "deadline_minutes": 15}))
    assert task["deadline_at"].startswith("2026-05-12T06:45:00") and task["source"] == "manual"
    refused = client.post(f"{EM}/incidents/{incident_id}/decisions", headers=room["onlooker"],
                          json={"text": "我来指挥"})
    assert refused.status_code == 403
    blank = client.post(f"{EM}/incidents/{incident_id}/decisions", headers=room["duty"], json={"text": "\u3000 "})
    assert blank.status_code == 422 and _fields(blank) == ["text"]


def test_bad_activations_name_the_field_and_write_nothing(ctx: AppContext, client: TestClient,
                                                          room: dict[str, Any], make_user: UserFactory) -> None:
    incident_id = room["incident"]["id"]
    before = (_count(ctx, TimelineEntry), _count(ctx, Command), _count(ctx, CommandTask), _count(ctx, PlanActivation))

    def refused(headers: Headers, body: dict[str, Any], status: int, field: str) -> None:
        response = client.post(f"{EM}/incidents/{incident_id}/activations", headers=headers, json=body)
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert _fields(response) == [field], response.text

    plan_id = room["plan"]["id"]
    refused(room["duty"], {"plan_id": plan_id, "level": "5"}, 422, "level")
    refused(room["duty"], {"plan_id": plan_id, "level": "1"}, 422, "level")  # the plan has 四级 and 三级 only
    refused(room["duty"], {"plan_id": 999999, "level": "4"}, 422, "plan_id")
    # A duty officer of another district: the plan and the incident lie outside its region.
    other = make_user("department", "320104", display_name="秦淮区值班员")
    response = client.post(f"{EM}/incidents/{incident_id}/activations", headers=other,
                           json={"plan_id": plan_id, "level": "4"})
    assert response.status_code == 404  # the incident is not even visible there
    # A city plan the district officer cannot see: named, refused, nothing written.
    city = make_user("city_office", "320100")
    city_plan = ok(client.post(f"{EM}/plans", headers=city, json=fire_plan("南京市火灾事故应急预案",
                                                                         region_code="320100")))
    refused(room["duty"], {"plan_id": city_plan["id"], "level": "4"}, 422, "plan_id")
    # A plan of another district does not cover this incident (the city office sees both).
    other_office = make_user("district_office", "320104")
    qinhuai = ok(client.post(f"{EM}/plans", headers=other_office, json=fire_plan("秦淮区火灾事故专项应急预案")))
    refused(city, {"plan_id": qinhuai["id"], "level": "4"}, 422, "plan_id")
    # A plan whose current version failed its review.
    failed = ok(client.post(f"{EM}/plans", headers=room["office"], json=fire_plan("玄武区火灾预案（送审稿）")))
    ok(client.post(f"{EM}/plans/{failed['id']}/records", headers=room["office"], json={
        "kind": "review", "on": "2026-05-01", "authority": "玄武区应急管理局", "conclusion": "failed"}))
    refused(room["duty"], {"plan_id": failed["id"], "level": "4"}, 409, "plan_id")
    # The monitoring centre reads incidents but starts no response.
    assert client.post(f"{EM}/incidents/{incident_id}/activations", headers=room["onlooker"],
                       json={"plan_id": plan_id, "level": "4"}).status_code == 403
    assert (_count(ctx, TimelineEntry), _count(ctx, Command), _count(ctx, CommandTask),
            _count(ctx, PlanActivation)) == before
    with unit_of_work(ctx.session_factory) as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None and incident.state == "verified" and incident.response_level is None


def test_closed_and_unverified_incidents_refuse_activation(client: TestClient, room: dict[str, Any]) -> None:
    fresh = ok(client.post(f"{EM}/incidents", headers=room["duty"], json=FIRE_CALL))
    response = client.post(f"{EM}/incidents/{fresh['id']}/activations", headers=room["duty"],
                           json={"plan_id": room["plan"]["id"], "level": "4"})
    assert response.status_code == 409 and "请先核实" in response.json()["detail_zh"]
    ok(_activate(client, room))
    incident_id = room["incident"]["id"]
    for action in ("handle", "end_response"):
        ok(client.post(f"{EM}/incidents/{incident_id}/transitions", headers=room["duty"], json={"action": action}),
           200)
    closed = _activate(client, room, level="3")
    assert closed.status_code == 409 and _fields(closed) == ["incident_id"]
    assert "终止响应" in closed.json()["detail_zh"]


def test_bad_members_and_task_updates_name_the_field(ctx: AppContext, client: TestClient,
                                                     room: dict[str, Any]) -> None:
    incident_id = room["incident"]["id"]
    none_yet = client.post(f"{EM}/incidents/{incident_id}/command/members", headers=room["duty"],
                           json={"post": "member", "group_name": "治安警戒组", "name": "王", "phone": "110"})
    assert none_yet.status_code == 409  # no command before a plan is activated
    ok(_activate(client, room))
    members = f"{EM}/incidents/{incident_id}/command/members"
    for body, field in [
        ({"post": "member", "group_name": "不存在的组", "name": "王", "phone": "110"}, "group_name"),
        ({"post": "deputy", "group_name": "治安警戒组", "name": "王", "phone": "110"}, "group_name"),
        ({"post": "member", "group_name": "治安警戒组", "name": "王"}, "phone"),
        ({"post": "member", "group_name": "治安警戒组", "name": "王", "phone": "call me"}, "phone"),
        ({"post": "member", "group_name": "治安警戒组", "user_id": 987654}, "user_id"),
        ({"post": "chief", "name": "王", "phone": "110"}, "post"),
    ]:
        response = client.post(members, headers=room["duty"], json=body)
        assert response.status_code == 422 and _fields(response) == [field], (body, response.text)
    assert _count(ctx, CommandMember) == 0
    task = ok(client.get(f"{EM}/incidents/{incident_id}/tasks", headers=room["duty"]), 200)[0]
    for body, field in [({"state": "finished"}, "state"), ({}, "note"), ({"note": "x" * 2001}, "note")]:
        response = client.patch(f"{EM}/tasks/{task['id']}", headers=room["duty"], json=body)
        assert response.status_code == 422 and _fields(response) == [field], (body, response.text)
    assert _count(ctx, TaskUpdate) == 0
    assert client.patch(f"{EM}/tasks/999999", headers=room["duty"], json={"state": "done"}).status_code == 404


def test_two_activations_at_once_make_one_command(ctx: AppContext, client: TestClient,
                                                  room: dict[str, Any]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: _activate(client, room), range(2)))
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text[:200] for a in answers]
    assert (_count(ctx, Command), _count(ctx, CommandTask), _count(ctx, PlanActivation)) == (1, 2, 1)
    verdict = ok(client.get(f"{EM}/incidents/{room['incident']['id']}/timeline/verify", headers=room["duty"]), 200)
    assert verdict["ok"] is True


def test_a_member_stands_down_and_loses_the_group_s_tasks(client: TestClient, room: dict[str, Any]) -> None:
    ok(_activate(client, room))
    incident_id = room["incident"]["id"]
    command = ok(client.post(f"{EM}/incidents/{incident_id}/command/members", headers=room["duty"], json={
        "post": "member", "group_name": "治安警戒组", "user_id": room["liaison_id"]}))
    member_id = next(g for g in command["groups"] if g["name"] == "治安警戒组")["members"][0]["id"]
    assert [t["title"] for t in ok(client.get(f"{EM}/tasks", headers=room["liaison"]), 200)] == ["设置警戒区"]
    path = f"{EM}/incidents/{incident_id}/command/members/{member_id}"
    assert client.delete(path, headers=room["liaison"]).status_code == 403  # a liaison does not direct
    after = ok(client.delete(path, headers=room["duty"], params={"note": "换岗，由刘警官接替"}), 200)
    assert next(g for g in after["groups"] if g["name"] == "治安警戒组")["members"] == []
    assert ok(client.get(f"{EM}/tasks", headers=room["liaison"]), 200) == []  # no longer theirs
    task = next(t for t in ok(client.get(f"{EM}/incidents/{incident_id}/tasks", headers=room["liaison"]), 200)
                if t["title"] == "设置警戒区")
    assert task["may_update"] is False
    timeline = ok(client.get(f"{EM}/incidents/{incident_id}/timeline", headers=room["duty"]), 200)
    assert timeline[-1]["text"] == "指挥部人员：公安分局联络员王 撤出治安警戒组成员（换岗，由刘警官接替）"
    again = client.delete(path, headers=room["duty"])
    assert again.status_code == 409 and _fields(again) == ["member_id"]
    missing = client.delete(f"{EM}/incidents/{incident_id}/command/members/999999", headers=room["duty"])
    assert missing.status_code == 422 and _fields(missing) == ["member_id"]
