"""What keeps other sites out of a logged-in browser: the origin check on writes and the response headers.

The console authenticates with a cookie, which the browser attaches to any request for this host, a page on
another site included. So a write (POST, PUT, PATCH, DELETE) that carries the session cookie must name the
console as its source: its ``Origin`` header, else the origin of its ``Referer``, must be the console's own
(the scheme and Host of the request) or one listed in ``CITYSAFE_CONSOLE_ORIGINS`` (the address users type
when a reverse proxy rewrites the Host). Every current browser sends ``Origin`` on such a request, so a
cookie write with neither header is refused too: it is a browser or extension hiding where it came from, or a
script, which should use a bearer token. Requests without the cookie are left alone (a bearer token cannot
be attached by another site), except a console form such as ``/login`` posted from another site, which
would log the victim's browser into the attacker's account.

Console pages get a Content-Security-Policy that allows only the platform's own script files (inline
script and event handlers are refused, so an injected ``<script>`` does not run), may not be framed, and
every response says ``nosniff``. Styles may be inline: templates and Leaflet set ``style`` attributes, and
an injected style cannot run code.

What a signed-in browser is answered (static files aside) is ``Cache-Control: no-store``: a page kept in the
browser's cache would come back with Back after logout, for the next person at the same computer.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from citysafe.auth.deps import SESSION_COOKIE
from citysafe.core.config import Settings
from citysafe.core.errors import Forbidden
from citysafe.core.problems import problem_response
from citysafe.core.security import normalise_origins, origin_of
from citysafe.web.common import render
from citysafe.web.i18n import translator

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
API_PATHS = "/api/"
STATIC_PATHS = "/static/"
_EVERY_RESPONSE = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin"}


def tile_source(tile_url: str) -> str:
    """The CSP source that admits a basemap's tiles: ``https://t{s}.tianditu.gov.cn/…`` → ``https://*.tianditu.gov.cn``
    (a templated subdomain becomes CSP's wildcard, which may stand only for the leftmost labels)."""
    scheme, _, rest = tile_url.partition("://")
    netloc = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    host, _, port = netloc.partition(":") if not netloc.startswith("[") else (netloc, "", "")
    labels = host.split(".")
    templated = [i for i, label in enumerate(labels) if "{" in label]
    if templated:
        fixed = labels[templated[-1] + 1:]
        if not fixed:
            return f"{scheme}:"
        host = "*." + ".".join(fixed)
    return f"{scheme}://{host}" + (f":{port}" if port and "{" not in port else "")


def console_csp(tile_url: str) -> str:
    # blob: the hazard report previews the photos chosen before upload (URL.createObjectURL).
    images = ["'self'", "data:", "blob:"] + ([tile_source(tile_url)] if tile_url else [])
    return "; ".join([
        "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", f"img-src {' '.join(images)}",
        "font-src 'self'", "connect-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'",
        "frame-ancestors 'none'",
    ])


@dataclass(frozen=True)
class SitePolicy:
    console_origins: frozenset[str]
    csp: str


def _source(headers: Headers) -> str | None:
    """Where the browser says the request comes from: "null" (an opaque origin), an origin, or None."""
    origin = headers.get("origin")
    if origin:
        return "null" if origin.strip() == "null" else origin_of(origin) or "null"
    referer = headers.get("referer")
    return (origin_of(referer) or "null") if referer else None


def _refusal(request: Request, source: str | None) -> Response:
    said = f"Origin {source}" if source else "no Origin or Referer"
    if request.url.path.startswith(API_PATHS):
        return problem_response(Forbidden(
            detail=f"cross-site request refused: a write signed in with the console's cookie came with {said}, "
                   "not the console's own Origin; use a bearer token outside the browser",
            detail_zh="跨站请求已拒绝：使用登录会话的写操作必须来自本平台页面", slug="cross-site",
            title="Cross-site request", title_zh="跨站请求"), request)
    t = translator(request)
    page = render(request, "shell/refused.html", None,
                  reason=t.gettext("来源 %(source)s", source=source) if source else t.gettext("请求未标明来源"))
    page.status_code = 403
    return page


class SiteGuard:
    """ASGI middleware: refuses cross-site writes and adds the security headers (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, policy: SitePolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._add_headers(scope, MutableHeaders(scope=message))
            await send(message)

        request = Request(scope)
        if request.method in UNSAFE_METHODS:
            source = _source(request.headers)
            if self._refuses(request, source):
                await _refusal(request, source)(scope, receive, send_with_headers)
                return
        await self.app(scope, receive, send_with_headers)

    def _refuses(self, request: Request, source: str | None) -> bool:
        with_cookie = SESSION_COOKIE in request.cookies
        if not with_cookie and (source is None or request.url.path.startswith(API_PATHS)):
            return False
        own = origin_of(f"{request.url.scheme}://{request.headers.get('host', '')}")
        return source is None or (source != own and source not in self.policy.console_origins)

    def _add_headers(self, scope: Scope, headers: MutableHeaders) -> None:
        for name, value in _EVERY_RESPONSE.items():
            headers.setdefault(name, value)
        if SESSION_COOKIE in Request(scope).cookies and not scope["path"].startswith(STATIC_PATHS):
            headers.setdefault("Cache-Control", "no-store")
        if not headers.get("content-type", "").startswith("text/html"):
            return
        headers.setdefault("X-Frame-Options", "DENY")  # frame-ancestors for browsers older than CSP 2
        headers.setdefault("Content-Security-Policy", self.policy.csp)


def install_guard(app: FastAPI, settings: Settings) -> None:
    # Normalised again: settings copied with model_copy (tests, the demo) skip their validators.
    origins = normalise_origins(settings.console_origins)
    policy = SitePolicy(console_origins=frozenset(filter(None, origins.split(","))),
                        csp=console_csp(settings.tile_url))
    app.add_middleware(SiteGuard, policy=policy)
    if settings.trusted_proxies:
        # Added last, so it runs first: the guard and the login's Secure flag see the scheme the user's
        # browser used. Only these addresses are believed; anyone else's X-Forwarded-* is ignored.
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
