"""The live alarm feed holds no database session while it streams (issue #11 "Speed"): the reader is
authorised in the request's session, which ends when the view returns the stream, so a hundred open alarm
boards hold no connection of the pool and no read transaction that would keep SQLite's WAL from being
checkpointed. Against a real uvicorn server, as a browser's ``EventSource`` connects."""

from __future__ import annotations

import queue
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from tests.support.waiting import until_sync

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work

PASSWORD = "correct-horse"


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


def _hello(base: str, headers: dict[str, str], out: queue.Queue[str], stop: threading.Event) -> None:
    try:
        with httpx.Client(base_url=base, timeout=httpx.Timeout(30, read=30)) as client, \
                client.stream("GET", "/api/v1/firewatch/stream", headers=headers) as response:
            out.put(f"status {response.status_code}")
            for line in response.iter_lines():
                if line.startswith("event:"):
                    out.put(line.split(":", 1)[1].strip())
                if stop.is_set():
                    return
    except httpx.HTTPError as exc:  # the server stopping at the test's end closes the stream
        out.put(f"closed {exc}")


def test_an_open_alarm_stream_holds_no_connection(ctx: AppContext, server: str) -> None:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        auth_service.create_user(session, user_in=UserCreate(username="duty", password=PASSWORD, role="operator",
                                                              region_code="320100", display_name="值班员"))
    token = httpx.post(f"{server}/api/v1/auth/token", data={"username": "duty", "password": PASSWORD}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    events: queue.Queue[str] = queue.Queue()
    stop = threading.Event()
    readers = [threading.Thread(target=_hello, args=(server, headers, events, stop), daemon=True) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        got = [events.get(timeout=20) for _ in range(6)]
        assert sorted(got) == ["hello"] * 3 + ["status 200"] * 3, got
        # Three streams open, authorised: none of them keeps a connection checked out of the pool.
        until_sync(lambda: ctx.engine.pool.checkedout() == 0, what="the streams' sessions to end", interval=0.05)
        assert all(reader.is_alive() for reader in readers)
    finally:
        stop.set()
