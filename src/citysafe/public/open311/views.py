"""Open311 GeoReport v2 under ``/open311/v2/`` (issue #15 point 1): ``discovery``, ``services``,
``services/{code}``, ``requests`` (GET and POST), ``requests/{id}`` and ``tokens/{token}``, each as ``.json`` or
``.xml``; and ``media/{id}/{n}.jpg``, the photos ``media_url`` names (a verified report's, metadata-free).

Reads need no login and show public fields only (``requests.py``); a POST needs an ``api_key`` an administrator
issued, is counted against it, and goes through the reports' intake. Errors are the standard's error array
(``code``, ``description``) in the format asked for, with the HTTP status.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile

from citysafe.auth.deps import Context, DbSession, client_address, commits_on_its_own
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.errors import CitysafeError, NotFound, TooManyAttempts
from citysafe.public.open311 import catalogue, keys, posting, render, requests, tokens
from citysafe.public.reports import service as reports_service

router = APIRouter(prefix="/open311/v2", tags=["open311"])
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-07T00:00:00+08:00"  # when these endpoints last changed what they answer
XML_OR_JSON: dict[int | str, dict[str, Any]] = {200: {"content": {render.JSON: {}, render.XML: {}}}}
MEDIA = "/open311/v2/media"
MEDIA_PATH = "/media/{service_request_id}/{number}.jpg"


def _format(fmt: str) -> str:
    if fmt not in render.MEDIA_TYPES:
        raise NotFound(detail="the format is json or xml (e.g. services.json)",
                       detail_zh="格式只能是 json 或 xml（例如 services.json）")
    return fmt


def _answer(fmt: str, make: Callable[[str], bytes], status: int = 200) -> Response:
    """``make(fmt)`` as the response, or the standard's error array for a problem it raised."""
    shown = fmt if fmt in render.MEDIA_TYPES else "json"
    try:
        body = make(_format(fmt))
    except CitysafeError as exc:
        return _error(exc, shown)
    return Response(body, status_code=status, media_type=render.MEDIA_TYPES[shown])


def _error(exc: CitysafeError, fmt: str) -> Response:
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyAttempts) and exc.retry_after else {}
    return Response(render.errors(exc, fmt), status_code=render.status_of(exc),
                    media_type=render.MEDIA_TYPES[fmt], headers=headers)


@router.get("/discovery.{fmt}", operation_id="open311_discovery", response_class=Response, responses=XML_OR_JSON)
def discovery(fmt: str, request: Request) -> Response:
    """Where the endpoint is and what it speaks (GeoReport v2 service discovery)."""
    base = str(request.base_url).rstrip("/") + router.prefix
    data = {"changeset": CHANGESET, "contact": "城市安全平台管理员（应急管理部门）",
            "key_service": "向平台管理员申请 api_key（citysafe public open311-key 应用名称）",
            "endpoints": [{"specification": SPECIFICATION, "url": base, "changeset": CHANGESET,
                           "type": "production", "formats": [render.XML, render.JSON]}]}
    return _answer(fmt, lambda f: render.document("discovery", data, f))


@router.get("/services.{fmt}", operation_id="open311_services", response_class=Response, responses=XML_OR_JSON)
def services(fmt: str) -> Response:
    """The hazard categories as services."""
    return _answer(fmt, lambda f: render.collection(
        "services", [s.model_dump() for s in catalogue.services()], f))


@router.get("/services/{service_code}.{fmt}", operation_id="open311_service_definition", response_class=Response,
            responses=XML_OR_JSON)
def service_definition(service_code: str, fmt: str) -> Response:
    """A service's definition: no extra attributes (every service says ``metadata`` false)."""

    def make(f: str) -> bytes:
        category = catalogue.category_of(service_code)
        if category is None:
            raise NotFound(detail=f"no service {service_code!r}", detail_zh=f"没有这个服务代码：{service_code}")
        return render.document("service_definition", {"service_code": category.value, "attributes": []}, f)

    return _answer(fmt, make)


@router.get("/requests.{fmt}", operation_id="open311_requests", response_class=Response, responses=XML_OR_JSON)
def list_requests(fmt: str, request: Request, db: DbSession, ctx: Context,
                  query: Annotated[requests.Query, Query()]) -> Response:
    """Service requests, public fields only: by ``service_request_id``, or by ``service_code``, ``status``,
    ``start_date`` and ``end_date`` (the last 90 days by default); newest first, at most 1000."""
    return _answer(fmt, lambda f: render.collection("service_requests", [
        r.model_dump() for r in requests.find(db, query=query, now=ctx.clock.now(), media_base=_media(request))], f))


def _media(request: Request) -> str:
    return str(request.base_url).rstrip("/") + MEDIA


@router.get("/requests/{service_request_id}.{fmt}", operation_id="open311_request", response_class=Response,
            responses=XML_OR_JSON)
def get_request(service_request_id: str, fmt: str, request: Request, db: DbSession) -> Response:
    """One service request, public fields only (a list of one, as the standard has it)."""
    return _answer(fmt, lambda f: render.collection(
        "service_requests", [requests.one(db, request_id=service_request_id, media_base=_media(request)).model_dump()],
        f))


@router.get("/tokens/{token}.{fmt}", operation_id="open311_token", response_class=Response, responses=XML_OR_JSON)
def get_token(token: str, fmt: str, db: DbSession, ctx: Context) -> Response:
    """The ``service_request_id`` of the request a POST answered ``token`` for (a list of one, as the standard has
    it); 404 in the standard's error format for a token this platform did not give."""
    secret = ctx.settings.resolved_secret_key()
    return _answer(fmt, lambda f: render.collection(
        "service_requests", [tokens.lookup(db, token=token[:80], secret=secret).model_dump()], f))


@router.get(MEDIA_PATH, operation_id="open311_media", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}}}})
def media(service_request_id: str, number: str, db: DbSession) -> Response:
    """A photo of a service request, as ``media_url`` names it: served only once staff verified the report, as
    stored (re-encoded at intake, with no location, time or camera left in it); no login, kept for a day. The
    parts of the path are text, as in the other Open311 paths: anything but an id and a photo's number is 404."""
    if not (_small_number(service_request_id, 18) and _small_number(number, 3)):
        raise NotFound(detail="no such photo", detail_zh="没有这张照片")
    content, media_type = reports_service.public_photo(db, report_id=int(service_request_id), number=int(number))
    return Response(content, media_type=media_type, headers={"Cache-Control": "public, max-age=86400",
                                                             "X-Content-Type-Options": "nosniff"})


@router.post("/requests.{fmt}", operation_id="open311_post_request", response_class=Response, responses=XML_OR_JSON)
@commits_on_its_own
def post_request(fmt: str, request: Request, ctx: Context, form: Annotated[posting.PostForm, Form()],
                 api_key: Annotated[str, Form()] = "", media: Annotated[list[UploadFile] | None, File()] = None,
                 key: Annotated[str, Query(alias="api_key")] = "") -> Response:
    """A report from a client app with its ``api_key``: stored through the reports' intake, counted against
    the key; answers ``service_request_id`` and a notice with the receipt number."""
    shown = fmt if fmt in render.MEDIA_TYPES else "json"
    try:
        _format(fmt)
        now = ctx.clock.now()
        with unit_of_work(ctx.read_session_factory, actor="open311") as session:  # reads only: no write lock
            app = keys.holder(session, key=api_key or key, now=now)
    except CitysafeError as exc:
        return _error(exc, shown)
    try:
        posted = _post(ctx, app, form, media or [], client_address(request))
    except CitysafeError as exc:
        with unit_of_work(ctx.session_factory, actor=f"open311:{app.name}") as session:
            keys.count(session, key_id=app.id, now=now, refused=exc.slug)
        return _error(exc, shown)
    return Response(render.collection("service_requests", [posted.model_dump()], shown),
                    media_type=render.MEDIA_TYPES[shown])


def _small_number(text: str, digits: int) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= digits


def _post(ctx: AppContext, app: keys.KeyHolder, form: posting.PostForm, media: list[UploadFile],
          client: str) -> posting.Posted:
    posting.report_in(form)  # the form's own mistakes before any photo is fetched
    images = [upload.file.read(posting.MEDIA_MAX_BYTES + 1) for upload in media]
    if form.media_url.strip():
        images.append(posting.fetch_media(form.media_url, app=app))  # outside any transaction
    posted = posting.submit(ctx, form=form, images=images, app=app, client=client)
    with unit_of_work(ctx.session_factory, actor=f"open311:{app.name}") as session:
        post_id = keys.count(session, key_id=app.id, now=ctx.clock.now(), report_id=int(posted.service_request_id))
    return posted.model_copy(update={"token": tokens.issue(ctx.settings.resolved_secret_key(), post_id=post_id)})
