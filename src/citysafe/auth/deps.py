"""Request dependencies shared by every domain's views: the unit of work and the acting principal.

Typed ``Annotated`` aliases keep handlers short: ``def view(db: DbSession, who: CurrentPrincipal)``.
The session commits when the handler returns, before the response is sent, so a refused write (say a
scope violation found at flush) still becomes a problem response and nothing half-done is kept.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Final, TypeVar

import anyio
import anyio.to_thread
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from citysafe.auth import service
from citysafe.auth.schemas import Principal
from citysafe.core import threads
from citysafe.core.context import AppContext
from citysafe.core.db import Units, unit_of_work
from citysafe.core.errors import Unauthenticated

SESSION_COOKIE = "citysafe_session"
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
_OWN_UNITS: Final = "__citysafe_commits_on_its_own__"
View = TypeVar("View", bound=Callable[..., Any])
_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def app_context(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


def commits_on_its_own(view: View) -> View:
    """Mark a view that writes through short units of work of its own (login's failure counter, a 查岗's
    record) instead of its request session, which then stays a deferred reader on SQLite: a write lock
    held by the request would block those units of work until the busy timeout."""
    setattr(view, _OWN_UNITS, True)
    return view


@contextmanager
def unit_of_work_as(ctx: AppContext, principal: Principal) -> Iterator[Session]:
    """The short unit of work a ``commits_on_its_own`` view writes through, acting as ``principal``: the
    principal's scope limits it and its name signs its audit entries, as in a request's own session. An import
    opens it only after its file is parsed, so the write lock is held for the writes alone."""
    with unit_of_work(ctx.session_factory) as session:
        service.act_as(session, principal)
        yield session


def units_as(ctx: AppContext, principal: Principal) -> Units:
    """Readers' and short writers' units of work acting as ``principal``, for work that writes in batches."""

    @contextmanager
    def read() -> Iterator[Session]:
        with unit_of_work(ctx.read_session_factory) as session:
            service.act_as(session, principal)
            yield session

    return Units(read=read, write=lambda: unit_of_work_as(ctx, principal))


async def db_session(request: Request) -> AsyncIterator[Session]:
    """The request's unit of work. Every hop to a worker thread costs a request dearly under load (it waits for
    a thread, then for the event loop again, each time behind the GIL), so only what does I/O hops: opening a
    reading session does none and happens here, on the loop; taking the write lock and the commit or rollback
    with the close at the end run in worker threads. (As a sync dependency the session cost two hops of its
    own besides the view's: issue #11 "Speed" measured them in the console's latency under load.)"""
    ctx = app_context(request)
    endpoint = request.scope.get("endpoint")
    reading = request.method in SAFE_METHODS or getattr(endpoint, _OWN_UNITS, False)
    # Reads begin deferred on SQLite and never wait for a writer.
    unit = unit_of_work(ctx.read_session_factory if reading else ctx.session_factory)
    session = unit.__enter__()  # makes the session: no I/O
    try:
        if not reading:
            # A request that may write takes SQLite's write lock up front (BEGIN IMMEDIATE, queued behind
            # other writers for up to the busy timeout): a deferred one that read and then wrote failed with a
            # busy snapshot whenever the gateway or a timer committed in between (issue #10: 18 of 20 parallel
            # hazard reports answered 503). The lock is taken in a worker thread, so the event loop the
            # gateway shares never waits for it. PostgreSQL just opens its transaction.
            # Waiting for the lock takes a thread of the lock's own line, never a request thread (core/threads).
            await anyio.to_thread.run_sync(session.connection, limiter=threads.lock_waiters(request))
        yield session
    except BaseException as exc:
        with anyio.CancelScope(shield=True):  # a cancelled request still rolls back and gives its connection back
            await run_in_threadpool(unit.__exit__, type(exc), exc, exc.__traceback__)
        raise
    with anyio.CancelScope(shield=True):
        await run_in_threadpool(unit.__exit__, None, None, None)


def client_address(request: Request) -> str:
    """The peer's address (uvicorn puts a trusted proxy's X-Forwarded-For here), for per-address limits."""
    return request.client.host if request.client else "unknown"


async def _context(request: Request) -> AppContext:
    # async: a plain attribute read needs no worker thread (a sync dependency would cost a hop).
    return app_context(request)


Context = Annotated[AppContext, Depends(_context)]
DbSession = Annotated[Session, Depends(db_session, scope="function")]


async def raw_token(request: Request, token: Annotated[str | None, Depends(_bearer)] = None) -> str:
    """The bearer token, or else the console's session cookie (async: no I/O, so no worker thread)."""
    raw = token or request.cookies.get(SESSION_COOKIE)
    if not raw:
        raise Unauthenticated(detail="authentication required", detail_zh="请先登录")
    return raw


RawToken = Annotated[str, Depends(raw_token)]


def current_principal(request: Request, db: DbSession, raw: RawToken) -> Principal:
    return service.principal_from_token(db, signer=app_context(request).signer, token=raw)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def requires(permission: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that passes the principal through when it holds ``permission``."""

    async def check(principal: CurrentPrincipal) -> Principal:  # no I/O: no worker thread
        service.require(principal, permission)
        return principal

    return check
