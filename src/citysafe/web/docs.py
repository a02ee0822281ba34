"""The API documentation (/docs, /redoc) from vendored Swagger UI and ReDoc, so it works without internet.

FastAPI's own pages load both from a CDN and start them with an inline script; these start them from a
script file that reads the schema's address from a ``data-`` attribute, so the console's CSP applies here too.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from citysafe.auth.deps import app_context
from citysafe.web.common import TEMPLATES
from citysafe.web.guard import console_csp

router = APIRouter(include_in_schema=False)


def _page(request: Request, template: str) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, template, {"title": request.app.title,
                                                          "openapi_url": request.app.openapi_url})


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    return _page(request, "docs/swagger.html")


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request) -> HTMLResponse:
    page = _page(request, "docs/redoc.html")
    # ReDoc runs its search in a worker it makes from a blob: of its own bundle; the rest is the console's CSP.
    page.headers["Content-Security-Policy"] = console_csp(app_context(request).settings.tile_url) \
        + "; worker-src 'self' blob:"
    return page
