"""What every console page shares: templates, the logged-in principal, navigation."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from citysafe.auth import service as auth_service
from citysafe.auth.deps import SESSION_COOKIE, app_context
from citysafe.auth.enums import ROLE_NAMES_ZH
from citysafe.auth.schemas import Principal
from citysafe.core.clock import format_local
from citysafe.core.errors import Unauthenticated

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.filters["local_time"] = format_local

# (path, Chinese label, English label): the domains of the plan, in the order a city office works.
NAVIGATION: list[tuple[str, str, str]] = [
    ("/", "首页", "Home"),
    ("/map", "区划地图", "Regions"),
    ("/risk", "风险地图", "Risk map"),
    ("/hazards", "隐患排查", "Hazards"),
    ("/firewatch", "消防监测", "Fire monitoring"),
    ("/emergency", "应急管理", "Emergency"),
    ("/supervision", "监督考核", "Supervision"),
    ("/orgs", "单位管理", "Organisations"),
    ("/evaluation", "示范城市评价", "Evaluation"),
    ("/audit", "操作日志", "Audit"),
    ("/users", "用户管理", "Users"),
]


class LoginRequired(Exception):
    """Raised by pages when no valid session cookie is present; answered with a redirect to /login."""


def page_principal(request: Request, db: Session) -> Principal:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired
    try:
        principal = auth_service.principal_from_token(db, signer=app_context(request).signer, token=token)
    except Unauthenticated as exc:
        raise LoginRequired from exc
    # An error page later in this request shows the same header without asking the database again.
    request.state.principal = principal
    return principal


def render(request: Request, template: str, principal: Principal | None, **context: Any) -> HTMLResponse:
    settings = app_context(request).settings
    base: dict[str, Any] = {
        "principal": principal,
        "role_name": ROLE_NAMES_ZH.get(principal.role, principal.role) if principal else "",
        "navigation": NAVIGATION,
        "current_path": request.url.path,
        "available_pages": getattr(request.app.state, "page_paths", frozenset()),
        "tile_url": settings.tile_url,
        "tile_attribution": settings.tile_attribution,
    }
    return TEMPLATES.TemplateResponse(request, template, base | context)


def safe_next(target: str) -> str:
    """``target`` if it is a path of this site (its query kept), else "/": the login must not send the browser
    to another host, which "//evil", "/\\evil" (a backslash reads as a slash) or a tab inside would do."""
    parts = urlsplit(target)
    if (not target.startswith("/") or parts.scheme or parts.netloc or "\\" in target
            or any(ch < " " or ch == "\x7f" for ch in target)):
        return "/"
    return target


def local_referer(request: Request) -> str:
    """The console page that sent the browser here (path and query), or "" when it is not one of ours."""
    parts = urlsplit(request.headers.get("referer", ""))
    if not parts.path or parts.netloc != request.headers.get("host", ""):
        return ""
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    return target if safe_next(target) == target else ""


def login_redirect(request: Request) -> RedirectResponse:
    """To the login, which comes back here afterwards: to this page with its query, or after a form whose
    session had ended to the page that holds the form (its URL only accepts the post)."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    target = here if request.method == "GET" else local_referer(request) or "/"
    return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)


def over_tls(request: Request) -> bool:
    # Secure only over TLS: a Secure cookie is never sent back over plain http, where the laptop demo runs.
    # Behind a proxy that ends TLS the scheme comes from X-Forwarded-Proto, believed only from the proxies
    # CITYSAFE_TRUSTED_PROXIES names (web/guard.py).
    return request.url.scheme == "https"


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """The console's session cookie: HttpOnly, SameSite=Lax, Secure over TLS, living as long as its token."""
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=over_tls(request),
                        max_age=app_context(request).settings.token_ttl_seconds)
