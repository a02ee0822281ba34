"""core/threads.py: requests run on a few worker threads, and waiting for SQLite's write lock takes none of them.

With few request threads, writers queued on the write lock (``BEGIN IMMEDIATE``, up to the 30 s busy timeout)
must not hold them all: every other request would then wait for the busy timeout, and the writers fail.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import anyio.to_thread
import pytest
from fastapi.testclient import TestClient

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.core import threads
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work

WRITERS = 3
REQUEST_THREADS = 2


def test_a_few_request_threads_per_core_unless_configured() -> None:
    assert threads.request_thread_count(5) == 5
    assert threads.request_thread_count(0) == max(threads.AT_LEAST, threads.PER_CPU * (os.cpu_count() or 1))


@pytest.fixture
def few_threads(ctx: AppContext) -> Iterator[tuple[TestClient, AppContext]]:
    from citysafe.api import create_app

    if ctx.engine.dialect.name != "sqlite":
        pytest.skip("the write lock waited for at BEGIN IMMEDIATE is SQLite's; PostgreSQL's writers do not queue")
    narrow = AppContext(settings=ctx.settings.model_copy(update={"request_threads": REQUEST_THREADS}),
                        engine=ctx.engine, signer=ctx.signer, event_types=ctx.event_types)
    with TestClient(create_app(ctx=narrow), raise_server_exceptions=False) as client:
        assert client.portal is not None
        client.portal.call(narrow.extras["hazards.swept"].wait)
        yield client, narrow


def _busy_threads(client: TestClient) -> int:
    """Worker threads taken on the app's loop: request threads and, where it exists, the lock's own line."""

    async def count() -> int:  # the limiters belong to the app's event loop: read them there
        waiters = getattr(client.app.state, "lock_waiters", None)  # type: ignore[attr-defined]
        busy = int(anyio.to_thread.current_default_thread_limiter().borrowed_tokens)
        return busy + (int(waiters.borrowed_tokens) if waiters is not None else 0)

    assert client.portal is not None
    return client.portal.call(count)


def test_writers_waiting_for_the_write_lock_leave_the_request_threads_free(
        few_threads: tuple[TestClient, AppContext]) -> None:
    client, narrow = few_threads
    with unit_of_work(narrow.session_factory, actor="tests") as session:
        admin = auth_service.create_user(session, user_in=UserCreate(
            username="lock-admin", password="correct-horse", role="admin", region_code="320000"))
        headers = {"Authorization": f"Bearer {auth_service.issue_token(narrow.signer, admin)}"}
    statuses: list[int] = []

    def write(n: int) -> None:
        answer = client.post("/api/v1/organizations", headers=headers,
                             json={"name": f"排队单位{n}", "kind": "enterprise", "region_code": "320102"})
        statuses.append(answer.status_code)

    holder = narrow.engine.raw_connection()  # another process's writer, say the fire gateway's
    holder.cursor().execute("BEGIN IMMEDIATE")
    writers = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    try:
        for writer in writers:
            writer.start()
        # The writers are queued on the lock once they hold worker threads (polled; the lock is far from timing out).
        for _ in range(2000):
            if _busy_threads(client) >= REQUEST_THREADS:
                break
            threading.Event().wait(0.01)
        answered: list[int] = []
        reader = threading.Thread(target=lambda: answered.append(client.get("/api/v1/health").status_code))
        reader.start()
        reader.join(timeout=15)  # with the writers on the request threads it would wait out the 30 s busy timeout
        assert answered == [200], "a read waited behind writers queued on the write lock"
    finally:
        holder.cursor().execute("ROLLBACK")
        holder.close()
        for writer in writers:
            writer.join(timeout=60)
    assert statuses == [201] * WRITERS
