"""The console: server-rendered pages (Jinja2 + htmx) calling the same services as the API."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from citysafe.core.routing import include_by_prefix
from citysafe.web.common import LoginRequired, login_redirect
from citysafe.web.i18n import router as i18n_router

STATIC_DIR = Path(__file__).parent / "static"


def install_console(app: FastAPI, routers: list[object]) -> None:
    from fastapi import APIRouter

    page_paths: set[str] = set()
    for router in routers:
        assert isinstance(router, APIRouter)
        page_paths.update(getattr(route, "path", "") for route in router.routes)
    # Grouped by first path segment: a page is matched only against the routes it could hit.
    include_by_prefix(app.router, [r for r in routers if isinstance(r, APIRouter)])
    # Every page's scripts read their words from here (base.html), so it comes with the console.
    app.include_router(i18n_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    # Navigation shows only the pages that exist, so an unfinished domain never shows a dead link.
    app.state.page_paths = frozenset(page_paths)

    @app.exception_handler(LoginRequired)
    async def _to_login(request: Request, _exc: LoginRequired) -> Response:
        return login_redirect(request)
