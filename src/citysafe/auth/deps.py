"""Request dependencies shared by every domain's views: the unit of work and the acting principal.

Typed ``Annotated`` aliases keep handlers short: ``def view(db: DbSession, who: CurrentPrincipal)``.
The session commits when the handler returns, before the response is sent, so a refused write (say a
scope violation found at flush) still becomes a problem response and nothing half-done is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Final, TypeVar

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from citysafe.auth import service
from citysafe.auth.schemas import Principal
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


def db_session(request: Request) -> Iterator[Session]:
    ctx = app_context(request)
    endpoint = request.scope.get("endpoint")
    if request.method in SAFE_METHODS or getattr(endpoint, _OWN_UNITS, False):
        # Reads begin deferred on SQLite and never wait for a writer.
        with unit_of_work(ctx.read_session_factory) as session:
            yield session
        return
    # A request that may write takes SQLite's write lock up front (BEGIN IMMEDIATE, queued behind other
    # writers for up to the busy timeout): a deferred one that read and then wrote failed with a busy
    # snapshot whenever the gateway or a timer committed in between (issue #10: 18 of 20 parallel hazard
    # reports answered 503). The lock is taken here, in the dependency's worker thread, so an async view
    # never waits for it on the event loop the gateway shares. PostgreSQL just opens its transaction.
    with unit_of_work(ctx.session_factory) as session:
        session.connection()
        yield session


def client_address(request: Request) -> str:
    """The peer's address (uvicorn puts a trusted proxy's X-Forwarded-For here), for per-address limits."""
    return request.client.host if request.client else "unknown"


Context = Annotated[AppContext, Depends(app_context)]
DbSession = Annotated[Session, Depends(db_session, scope="function")]


def raw_token(request: Request, token: Annotated[str | None, Depends(_bearer)] = None) -> str:
    """The bearer token, or else the console's session cookie."""
    raw = token or request.cookies.get(SESSION_COOKIE)
    if not raw:
        raise Unauthenticated(detail="authentication required", detail_zh="请先登录")
    return raw


RawToken = Annotated[str, Depends(raw_token)]


def current_principal(request: Request, db: DbSession, raw: RawToken) -> Principal:
    return service.principal_from_token(db, signer=app_context(request).signer, token=raw)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def requires(permission: str) -> Callable[[Principal], Principal]:
    """A dependency that passes the principal through when it holds ``permission``."""

    def check(principal: CurrentPrincipal) -> Principal:
        service.require(principal, permission)
        return principal

    return check
