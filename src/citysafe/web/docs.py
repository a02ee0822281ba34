"""The API documentation (/docs, /redoc) from vendored Swagger UI and ReDoc, so it works without internet.

FastAPI's own pages load both from a CDN and start them with an inline script; these start them from a
script file that reads the schema's address from a ``data-`` attribute, so the console's CSP applies here too.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from citysafe.web.common import TEMPLATES

router = APIRouter(include_in_schema=False)


def _page(request: Request, template: str) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, template, {"title": request.app.title,
                                                          "openapi_url": request.app.openapi_url})


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    return _page(request, "docs/swagger.html")


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request) -> HTMLResponse:
    return _page(request, "docs/redoc.html")
