"""The console shell: login, logout and the region map with drill-down (the first page is web/workbench.py)."""

from __future__ import annotations

import contextlib
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from citysafe.auth import accounts
from citysafe.auth import login as auth_login
from citysafe.auth import service as auth_service
from citysafe.auth.deps import SESSION_COOKIE, DbSession, app_context, client_address
from citysafe.core.errors import TooManyAttempts, Unauthenticated
from citysafe.web.common import over_tls, page_principal, render, safe_next, set_session_cookie
from citysafe.web.i18n import remember_choice, translator
from citysafe.web.messages import error_detail

router = APIRouter(include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "shell/login.html", None, next=safe_next(next), error="")


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form()], password: Annotated[str, Form()], next: Annotated[str, Form()] = "/",
) -> Response:
    ctx = app_context(request)
    try:
        user = auth_login.authenticate(ctx, username=username, password=password, client=client_address(request))
    except (Unauthenticated, TooManyAttempts) as exc:
        page = render(request, "shell/login.html", None, next=safe_next(next),
                      error=error_detail(exc, translator(request)))
        if isinstance(exc, TooManyAttempts):
            page.status_code = 429
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session_cookie(request, response, auth_service.issue_token(ctx.signer, user))
    remember_choice(request, response)
    return response


@router.post("/logout")
def logout(request: Request, db: DbSession) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        # The cookie's token is revoked, not only forgotten: a copy of it no longer works either
        # (an already invalid one has nothing to revoke).
        with contextlib.suppress(Unauthenticated):
            accounts.logout(db, signer=app_context(request).signer, token=token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax", secure=over_tls(request))
    return response


@router.get("/map", response_class=HTMLResponse)
def region_map(request: Request, db: DbSession, code: str | None = None) -> Response:
    principal = page_principal(request, db)
    return render(request, "shell/map.html", principal, start_code=code or principal.region_code)
