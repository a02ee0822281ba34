"""The incident's live timeline (server-sent events) against a real uvicorn server: a stream opened on an
incident first sends the entries after ``after``, then each entry another user commits — a liaison's task
update, a decision — as it commits, and nothing of another incident; a reader outside the region gets 404."""

from __future__ import annotations

import json
import queue
import socket
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from tests.emergency.plan_samples import fire_plan
from tests.support.waiting import until_sync

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work

EM = "/api/v1/emergency"
PASSWORD = "correct-horse"
CALL = {"category": "accident", "subtype": "fire", "description": "仓库起火", "place": "玄武区某仓库"}


@pytest.fixture
def server(ctx: AppContext) -> Iterator[str]:
    from citysafe.api import create_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    app_server = uvicorn.Server(uvicorn.Config(create_app(ctx=ctx), host="127.0.0.1", port=port,
                                               log_level="warning"))
    thread = threading.Thread(target=app_server.run, daemon=True)
    thread.start()
    until_sync(lambda: app_server.started or not thread.is_alive(), what="uvicorn to start", interval=0.025)
    yield f"http://127.0.0.1:{port}"
    app_server.should_exit = True
    thread.join(10)


def _login(base: str, ctx: AppContext, username: str, role: str, region: str) -> dict[str, str]:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        auth_service.create_user(session, user_in=UserCreate(username=username, password=PASSWORD, role=role,
                                                              region_code=region, display_name=username))
    token = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def _ok(response: httpx.Response) -> Any:
    assert response.status_code < 300, response.text
    return response.json()


def _read_events(base: str, path: str, headers: dict[str, str], out: queue.Queue[tuple[str, Any]],
                 stop: threading.Event) -> None:
    try:
        with httpx.Client(base_url=base, timeout=httpx.Timeout(30, read=30)) as client, \
                client.stream("GET", path, headers=headers) as response:
            out.put(("status", response.status_code))
            name = ""
            for line in response.iter_lines():
                if stop.is_set():
                    return
                if line.startswith("event:"):
                    name = line.split(":", 1)[1].strip()
                elif line.startswith("data:"):
                    out.put((name, json.loads(line.split(":", 1)[1])))
    except httpx.HTTPError as exc:  # the server stopping at the test's end closes the stream
        out.put(("closed", str(exc)))


def _next(events: queue.Queue[tuple[str, Any]], name: str) -> Any:
    while True:
        got, data = events.get(timeout=20)
        if got == name:
            return data


def test_entries_arrive_live_on_the_incident_they_belong_to(ctx: AppContext, server: str) -> None:
    duty = _login(server, ctx, "duty", "department", "320102")
    liaison = _login(server, ctx, "liaison", "department", "320102")
    office = _login(server, ctx, "office", "district_office", "320102")
    plan = _ok(httpx.post(f"{server}{EM}/plans", headers=office, json=fire_plan()))
    incident = _ok(httpx.post(f"{server}{EM}/incidents", headers=duty, json=CALL))
    other = _ok(httpx.post(f"{server}{EM}/incidents", headers=duty, json=CALL | {"place": "玄武区另一处"}))
    _ok(httpx.post(f"{server}{EM}/incidents/{incident['id']}/transitions", headers=duty, json={"action": "verify"}))
    _ok(httpx.post(f"{server}{EM}/incidents/{incident['id']}/activations", headers=duty,
                   json={"plan_id": plan["id"], "level": "4"}))
    liaison_id = _ok(httpx.get(f"{server}/api/v1/auth/me", headers=liaison))["user_id"]
    _ok(httpx.post(f"{server}{EM}/incidents/{incident['id']}/command/members", headers=duty, json={
        "post": "member", "group_name": "治安警戒组", "user_id": liaison_id}))
    written = _ok(httpx.get(f"{server}{EM}/incidents/{incident['id']}/timeline", headers=duty))

    events: queue.Queue[tuple[str, Any]] = queue.Queue()
    stop = threading.Event()
    reader = threading.Thread(target=_read_events, daemon=True, args=(
        server, f"{EM}/incidents/{incident['id']}/stream?after=2", duty, events, stop))
    reader.start()
    try:
        assert _next(events, "status") == 200
        assert _next(events, "hello")["after"] == 2
        caught_up = [_next(events, "entry") for _ in written[2:]]
        assert [e["seq"] for e in caught_up] == [e["seq"] for e in written[2:]]
        assert caught_up[-1]["kind_name"] == "指挥部" and caught_up[-1]["at_local"].startswith("20")

        # Another incident's entry is not sent; the liaison's update and a decision are, in order.
        _ok(httpx.post(f"{server}{EM}/incidents/{other['id']}/timeline", headers=duty,
                       json={"kind": "note", "text": "另一事件的记录"}))
        task = next(t for t in _ok(httpx.get(f"{server}{EM}/incidents/{incident['id']}/tasks?mine=true",
                                             headers=liaison)))
        _ok(httpx.patch(f"{server}{EM}/tasks/{task['id']}", headers=liaison, json={"state": "done"}))
        live = _next(events, "entry")
        assert live["kind"] == "task" and live["text"] == "任务“设置警戒区”（治安警戒组）：待办 → 已完成"
        assert live["seq"] == written[-1]["seq"] + 1 and live["actor"] == "liaison"
        _ok(httpx.post(f"{server}{EM}/incidents/{incident['id']}/decisions", headers=duty,
                       json={"text": "封闭仓库周边道路"}))
        decision = _next(events, "entry")
        assert decision["kind_name"] == "指挥决策" and decision["seq"] == live["seq"] + 1
    finally:
        stop.set()

    # Outside the region the incident does not exist for the reader, nor does its stream.
    outsider = _login(server, ctx, "qinhuai", "department", "320104")
    with httpx.Client(base_url=server, timeout=10) as client:
        assert client.get(f"{EM}/incidents/{incident['id']}/stream", headers=outsider).status_code == 404


def test_an_entry_another_process_wrote_arrives_by_the_poll(ctx: AppContext, server: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from citysafe.core.security import TokenSigner
    from citysafe.emergency import service as incidents
    from citysafe.emergency.command import views
    from citysafe.registry import EVENT_TYPES

    monkeypatch.setattr(views, "POLL_SECONDS", 0.3)
    duty = _login(server, ctx, "duty", "department", "320102")
    incident = _ok(httpx.post(f"{server}{EM}/incidents", headers=duty, json=CALL))
    events: queue.Queue[tuple[str, Any]] = queue.Queue()
    stop = threading.Event()
    threading.Thread(target=_read_events, daemon=True, args=(
        server, f"{EM}/incidents/{incident['id']}/stream?after=2", duty, events, stop)).start()
    try:
        assert _next(events, "hello")["after"] == 2
        # Another application on the same database (a worker process): its commits reach no hub of the server.
        other = AppContext(settings=ctx.settings, engine=ctx.engine, signer=TokenSigner("x", 60),
                           event_types=EVENT_TYPES)
        with unit_of_work(other.session_factory, actor="worker") as session:
            found = incidents.get(session, incident_id=incident["id"])
            incidents.append_note(session, incident=found, kind="note", text="消防救援站已出动两车", corrects_seq=None,
                                  principal=None, now=ctx.clock.now())
        entry = _next(events, "entry")
        assert entry["seq"] == 3 and entry["text"] == "消防救援站已出动两车" and entry["actor"] == "系统"
    finally:
        stop.set()
