"""Request dependencies shared by every domain's views: the unit of work and the acting principal.

Typed ``Annotated`` aliases keep handlers short: ``def view(db: DbSession, who: CurrentPrincipal)``.
The session commits when the handler returns, before the response is sent, so a refused write (say a
scope violation found at flush) still becomes a problem response and nothing half-done is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from citysafe.auth import service
from citysafe.auth.schemas import Principal
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.errors import Unauthenticated

SESSION_COOKIE = "citysafe_session"
_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def app_context(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


def db_session(request: Request) -> Iterator[Session]:
    # Requests begin deferred on SQLite: a view may open its own short unit of work (recording a
    # downlink command, say) while this session is open, which an IMMEDIATE lock held here would block.
    with unit_of_work(app_context(request).read_session_factory) as session:
        yield session


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
