"""The console: server-rendered pages (Jinja2 + htmx) calling the same services as the API."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from citysafe.core.routing import include_by_prefix
from citysafe.web.common import LoginRequired, login_redirect
from citysafe.web.i18n import router as i18n_router

STATIC_DIR = Path(__file__).parent / "static"


def console_tree(routers: Sequence[APIRouter]) -> list[APIRouter]:
    """The console's routers as they are included: grouped by first path segment (a page is matched only against
    the routes it could hit), then the words every page's scripts read (base.html)."""
    tree = APIRouter()
    include_by_prefix(tree, routers)
    tree.include_router(i18n_router)
    return [tree]


def install_console(app: FastAPI, routers: Sequence[APIRouter]) -> None:
    """What the console adds to an app besides its routes (api.py includes those, built once per process): the
    static files, the login redirect, and the paths navigation may link to."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    # Navigation shows only the pages that exist, so an unfinished domain never shows a dead link.
    app.state.page_paths = frozenset(getattr(route, "path", "") for router in routers for route in router.routes)

    @app.exception_handler(LoginRequired)
    async def _to_login(request: Request, _exc: LoginRequired) -> Response:
        return login_redirect(request)
