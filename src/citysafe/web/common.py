"""What every console page shares: templates, the logged-in principal, navigation."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple
from urllib.parse import urlencode, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context as JinjaContext
from sqlalchemy.orm import Session

from citysafe.auth import service as auth_service
from citysafe.auth.deps import SESSION_COOKIE, app_context
from citysafe.auth.enums import ROLE_NAMES_ZH, Permission, Role
from citysafe.auth.schemas import Principal
from citysafe.core.clock import format_local
from citysafe.core.errors import Unauthenticated
from citysafe.regions.names import REGION_NAMES
from citysafe.web.i18n import (
    HTML_LANG,
    N_,
    install_template_i18n,
    language,
    remember_choice,
    script_url,
    switch_links,
    translator,
)

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
# The templates ship inside the package and change only with a new release: without this, every render
# stats each template it uses (base, page, partials, macros) to see whether the file changed, which was
# ~14 % of the workbench's time under load (issue #11, bench/console.py).
TEMPLATES.env.auto_reload = False
TEMPLATES.env.filters["local_time"] = format_local
# Templates mark their words for translation ({{ _("隐患排查") }}, {% trans %}); each render reads the catalogue
# of its request's language (web/i18n.py).
install_template_i18n(TEMPLATES.env)


@pass_context
def region_name(context: JinjaContext, code: str | None) -> str:
    """``{{ code|region_name }}``: the division's name (玄武区) from the application's cached lookup; a code
    that names no division stays as it is, so nothing is hidden."""
    return REGION_NAMES.get(app_context(context["request"])).name(code) or (code or "")


@pass_context
def region_full_name(context: JinjaContext, code: str | None) -> str:
    """``{{ code|region_full_name }}``: below a county, with the county (玄武区 玄武门街道)."""
    return REGION_NAMES.get(app_context(context["request"])).full_name(code) or (code or "")


TEMPLATES.env.filters["region_name"] = region_name
TEMPLATES.env.filters["region_full_name"] = region_full_name


class NavItem(NamedTuple):
    path: str
    zh: str
    en: str
    # Shown to a role holding any of these (empty: to everyone logged in), so a menu offers only what
    # its role can do there.
    needs: frozenset[Permission] = frozenset()


_P = Permission
# The domains of the plan, in the order a city office works. Pages not built yet are left out by
# ``install_console``'s page list; their permissions are the nearest existing ones until they have their own.
NAVIGATION: tuple[NavItem, ...] = (
    NavItem("/", N_("工作台"), "Workbench"),
    NavItem("/map", N_("区划地图"), "Regions", frozenset({_P.WRITE_RISK, _P.WRITE_HAZARDS})),
    NavItem("/risk", N_("风险地图"), "Risk map", frozenset({_P.WRITE_RISK})),
    NavItem("/hazards", N_("隐患排查"), "Hazards", frozenset({_P.WRITE_HAZARDS, _P.REPORT_HAZARDS, _P.RECTIFY_HAZARDS,
                                                        _P.VERIFY_HAZARDS})),
    NavItem("/firewatch", N_("消防监测"), "Fire monitoring", frozenset({_P.OPERATE_ALARMS, _P.MANAGE_DEVICES})),
    NavItem("/emergency", N_("应急管理"), "Emergency", frozenset({_P.READ_EMERGENCY})),
    NavItem("/emergency/plans", N_("应急预案"), "Emergency plans", frozenset({_P.EMERGENCY_PLANS})),
    NavItem("/reports", N_("举报受理"), "Citizen reports", frozenset({_P.HANDLE_REPORTS})),
    NavItem("/supervision", N_("监督考核"), "Supervision", frozenset({_P.ENFORCE})),
    NavItem("/orgs", N_("单位管理"), "Organisations", frozenset({_P.WRITE_ORGANIZATIONS})),
    NavItem("/evaluation", N_("创建进展"), "Creation progress", frozenset({_P.READ_EVALUATION})),
    NavItem("/evaluation/creation", N_("示范城市创建"), "Demonstration city creation",
            frozenset({_P.READ_EVALUATION})),
    NavItem("/evaluation/sheets", N_("评分与考核"), "Scoring and assessment", frozenset({_P.READ_EVALUATION})),
    NavItem("/thinktank/experts", N_("智库与购买服务"), "Think tank and services",
            frozenset({_P.WRITE_ORGANIZATIONS})),
    NavItem("/participation/events", N_("宣传与社会参与"), "Publicity and participation",
            frozenset({_P.WRITE_ORGANIZATIONS})),
    # Laws, standards and cases: every console role reads them (a field role keeps its three tasks).
    NavItem("/knowledge", N_("知识库"), "Knowledge",
            frozenset({_P.READ_ORGANIZATIONS, _P.OPERATE_ALARMS, _P.READ_EMERGENCY, _P.WRITE_KNOWLEDGE})),
    NavItem("/rewards", N_("举报奖励"), "Reporting rewards", frozenset({_P.HANDLE_REWARDS, _P.MANAGE_REWARD_RULES})),
    NavItem("/audit", N_("操作日志"), "Audit", frozenset({_P.READ_AUDIT})),
    NavItem("/users", N_("用户管理"), "Users", frozenset({_P.MANAGE_USERS})),
)


# Grid officers and enterprises work on a phone in the field: their menu is the three things they do
# there (issue #11 point 3), not the office's domains; their workbench still links to the rest.
FIELD_MENUS: MappingProxyType[str, tuple[NavItem, ...]] = MappingProxyType({
    Role.GRID_OFFICER: (NavItem("/", N_("工作台"), "Workbench"), NavItem("/hazards/tasks", N_("我的任务"), "My tasks"),
                        NavItem("/hazards/report", N_("上报"), "Report"),
                        NavItem("/hazards?tab=mine", N_("我的隐患"), "My hazards")),
    # An enterprise's tasks are the tickets it must rectify; its hazards are all of its own tickets.
    Role.ENTERPRISE: (NavItem("/", N_("工作台"), "Workbench"),
                      NavItem("/hazards?tab=rectifying", N_("我的任务"), "My tasks"),
                      NavItem("/hazards/report", N_("上报"), "Report"),
                      NavItem("/hazards", N_("我的隐患"), "My hazards")),
})


def is_field_role(principal: Principal | None) -> bool:
    return principal is not None and principal.role in FIELD_MENUS


def menu_for(principal: Principal | None, available: frozenset[str]) -> list[NavItem]:
    """The menu of ``principal``: the pages that exist and that its role may work in."""
    if principal is None:
        return []
    if principal.role in FIELD_MENUS:
        return [item for item in FIELD_MENUS[principal.role] if item.path.split("?", 1)[0] in available]
    return [item for item in NAVIGATION if item.path in available
            and (not item.needs or any(principal.can(p) for p in item.needs))]


def active_item(menu: list[NavItem], path: str, query: str) -> str:
    """The menu path to highlight: the one naming this very page with its query, else the longest one the
    page lies under (/hazards/tasks/7 is under 我的任务), so exactly one item is lit."""
    here = f"{path}?{query}" if query else path
    if any(item.path == here for item in menu):
        return here
    under = [item.path for item in menu if "?" not in item.path
             and (item.path == path or (item.path != "/" and path.startswith(item.path + "/")))]
    return max(under, key=len, default="")


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
    available: frozenset[str] = getattr(request.app.state, "page_paths", frozenset())
    menu = menu_for(principal, available)
    lang = language(request)
    base: dict[str, Any] = {
        "principal": principal,
        "role_name": translator(request).name(ROLE_NAMES_ZH.get(principal.role, principal.role)) if principal else "",
        "lang": lang,
        "html_lang": HTML_LANG[lang],
        "language_links": switch_links(request),
        "script_catalogue": script_url(request),
        "navigation": menu,
        "active_nav": active_item(menu, request.url.path, request.url.query),
        "field_role": is_field_role(principal),
        "current_path": request.url.path,
        "available_pages": available,
        "tile_url": settings.tile_url,
        "tile_attribution": settings.tile_attribution,
    }
    response = TEMPLATES.TemplateResponse(request, template, base | context)
    remember_choice(request, response)
    response.headers["Content-Language"] = HTML_LANG[lang]
    return response


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
