"""``POST requests``: a client app's report, through the same intake and abuse checks as the public page.

The standard's fields become the report: ``service_code`` its category, ``lat``/``long`` its place (an address
alone is not enough: this endpoint does not geocode), ``address_string`` what the reporter said of the place,
``description``; the photo is uploaded with the POST as ``media`` (a file part, as FixMyStreet takes it) or
named by ``media_url`` on a host the app's key lists. ``first_name``, ``last_name``, ``phone`` and ``email`` are
the reporter's identity: they go to the reports' personal-data vault and are never shown back (a phone cannot
be verified by SMS through an app, so it is kept as unverified).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ValidationError

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.errors import CitysafeError, field_error
from citysafe.core.geo import Location
from citysafe.public.open311.catalogue import category_of
from citysafe.public.open311.keys import KeyHolder
from citysafe.public.reports import desk
from citysafe.public.reports import service as reports_service
from citysafe.public.reports.schemas import ReportIn

MEDIA_MAX_BYTES = 20 * 1024 * 1024  # the largest photo the reports' rules can allow (photo_max_kb ≤ 20480)
MEDIA_TIMEOUT_S = 10.0
# The reports' field names as an Open311 app knows them.
FIELD_NAMES = {"category": "service_code", "location": "lat", "photos": "media", "name": "first_name",
               "phone": "phone", "email": "email", "description": "description", "address": "address_string"}


class PostForm(BaseModel):
    """The form of ``POST requests`` (GeoReport v2 names); text as sent, checked by ``report_in``."""

    service_code: str = ""
    lat: str = ""
    long: str = ""
    address_string: str = ""
    address_id: str = ""
    description: str = ""
    media_url: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""


class Posted(BaseModel):
    """The answer to a POST: the id to follow it by, and a notice with the receipt number for the reporter; the
    ``token`` too, for clients that follow a token (``GET tokens/{token}``, tokens.py)."""

    service_request_id: str
    service_notice: str
    account_id: str | None = None
    token: str | None = None


def renamed(exc: CitysafeError) -> CitysafeError:
    """The reports' problem with its field named as the app sent it (``photos`` → ``media`` …)."""
    if not exc.fields:
        return exc
    first = exc.fields[0]
    name = FIELD_NAMES.get(first.field, first.field)
    return field_error(name, first.message, first.message_zh) if name != first.field else exc


def _phone(text: str) -> str:
    digits = re.sub(r"[\s\-()]", "", text)
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix):]
    return digits


def report_in(form: PostForm) -> ReportIn:
    """The report the form describes, or a problem naming the Open311 field."""
    category = category_of(form.service_code)
    if category is None:
        raise field_error("service_code", "unknown or missing service_code (see services)",
                          "缺少或没有这个服务代码（见 services 列表）")
    if not form.lat.strip() or not form.long.strip():
        raise field_error("lat", "lat and long are required: this endpoint does not geocode address_string",
                          "请提供 lat 和 long（本平台不根据地址文字定位）")
    try:
        location = Location(lon=float(form.long), lat=float(form.lat))
    except (ValueError, ValidationError) as exc:
        raise field_error("lat", "lat and long are WGS84 degrees", "lat、long 应为 WGS84 经纬度") from exc
    name = f"{form.last_name.strip()}{form.first_name.strip()}"  # 姓 then 名
    try:
        return ReportIn(category=category, description=form.description, address=form.address_string,
                               location=location, name=name, phone=_phone(form.phone), email=form.email)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = str(first["loc"][0]) if first.get("loc") else "description"
        raise field_error(FIELD_NAMES.get(where, where), first["msg"]) from exc


def fetch_media(url: str, *, app: KeyHolder, transport: httpx.BaseTransport | None = None) -> bytes:
    """The photo at ``media_url``, from a host the app's key lists (never any address a client names: the
    platform would otherwise fetch from its own network on a stranger's say); no redirects, size capped."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        port_host = f"{host}:{parts.port}" if parts.port else host
    except ValueError as exc:  # a bracket left open, a port that is not a number
        raise field_error("media_url", "not a valid address", "图片地址无效") from exc
    if parts.scheme not in ("http", "https") or not host:
        raise field_error("media_url", "an http or https address", "应为 http 或 https 地址")
    if host not in app.media_hosts and port_host not in app.media_hosts:
        raise field_error("media_url", f"this api_key may not name photos on {host}; upload the photo as media",
                          f"该 api_key 未登记图片主机 {host}，请以 media 文件上传照片")
    try:
        with httpx.Client(timeout=MEDIA_TIMEOUT_S, follow_redirects=False, transport=transport) as client, \
                client.stream("GET", url.strip()) as response:
            if response.status_code != 200:
                raise field_error("media_url", f"the photo could not be fetched (HTTP {response.status_code})",
                                  f"无法取得照片（HTTP {response.status_code}）")
            data = bytearray()
            for chunk in response.iter_bytes():
                data.extend(chunk)
                if len(data) > MEDIA_MAX_BYTES:
                    raise field_error("media_url", "the photo is larger than 20 MB", "照片超过 20 MB")
            return bytes(data)
    except httpx.HTTPError as exc:
        raise field_error("media_url", "the photo could not be fetched", "无法取得照片，请检查地址") from exc


def submit(ctx: AppContext, *, form: PostForm, images: Sequence[bytes], app: KeyHolder, client: str) -> Posted:
    """Store the report through the reports' public counter (``desk.receive``: the per-address request limit,
    every check of intake, refusals counted), or refuse it whole. ``client``: the app and the reporter's device
    (``device_id``, else the app's address), so the burst limits hold per device, not per app."""
    fields = report_in(form).model_dump()
    device = form.device_id.strip()[:64] or client
    try:
        receipt = desk.receive(ctx, fields=fields, images=images, client=f"open311:{app.id}:{device}",
                               verify_phone=False)
    except CitysafeError as exc:
        named = renamed(exc)
        if named is exc:
            raise
        raise named from exc
    with unit_of_work(ctx.read_session_factory, actor=f"open311:{app.name}") as session:
        report_id = reports_service.by_receipt(session, receipt=receipt).id
    return Posted(service_request_id=str(report_id), account_id=form.account_id.strip() or None,
                  service_notice=f"已受理，回执编号 {receipt}：请转告举报人凭此编号查询办理进度")
