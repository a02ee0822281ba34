"""Console pages of warnings (预警发布): the list with the composer (draw the area on the map or name the
divisions, the live recipient count, create), and a warning's page (第六十四条's items, the CAP preview, issue,
the measures proposed to the duty desk, the delivery receipts). They call the same services as the API
(emergency/warnings); the composer's script posts to the API itself (static/js/emergency-warnings.js)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Query, Request
from fastapi.responses import HTMLResponse, Response
from lxml import etree
from sqlalchemy.orm import Session

from citysafe.auth import service as auth_service
from citysafe.auth.deps import DbSession, app_context
from citysafe.auth.enums import Permission
from citysafe.core.bounds import RowId
from citysafe.core.clock import format_local, to_local
from citysafe.core.context import AppContext
from citysafe.core.errors import CitysafeError, NotFound
from citysafe.core.geo import box_around
from citysafe.emergency import reads
from citysafe.emergency import service as incidents
from citysafe.emergency.warnings import delivery, service
from citysafe.emergency.warnings.models import WarningDelivery
from citysafe.emergency.warnings.schemas import CHANNEL_NAMES_ZH, DELIVERY_STATUS_NAMES_ZH, KIND_NAMES_ZH
from citysafe.emergency.warnings.views import warning_read
from citysafe.regions import service as regions_service
from citysafe.web.common import page_principal, render
from citysafe.web.forms import back
from citysafe.web.i18n import N_, Translator, translator
from citysafe.web.messages import form_message

router = APIRouter(include_in_schema=False)


START_RADIUS_M = 1000  # the composer's first area around an incident: a starting point the officer redraws
START_HOURS = 6  # the first 失效时间 offered; the officer sets the real one


def composer_start(db: Session, ctx: AppContext, incident_id: int | None, t: Translator) -> dict[str, Any]:
    """What the composer starts from: empty, or — opened from an incident room (``?incident=``) — the incident
    linked, the category and event of its type, its place in the headline, a square of about 1 km around it
    (or its division when it has no location) and a six-hour span from now, all to be checked and changed."""
    if incident_id is None:
        return {"incident": None}
    incident = incidents.get(db, incident_id=incident_id)
    read = reads.incident_reads(db, [incident], settings=ctx.settings)[0]
    area: dict[str, Any] | None = None
    if incident.lon is not None and incident.lat is not None:
        box = box_around(incident.lon, incident.lat, START_RADIUS_M)
        ring = [[round(x, 6), round(y, 6)] for x, y in ((box.west, box.south), (box.east, box.south),
                                                        (box.east, box.north), (box.west, box.north))]
        area = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
    now = to_local(ctx.clock.now()).replace(second=0, microsecond=0)
    minute = "%Y-%m-%dT%H:%M"  # what <input type=datetime-local> takes
    return {"incident": read, "start": {
        "category": incident.category, "event": t.name(read.subtype_name),
        "headline": t.gettext("%(place)s%(kind)s预警", place=incident.place, kind=t.name(read.subtype_name)),
        "description": incident.description, "area": area,
        "area_desc": t.gettext("%(place)s周边", place=incident.place) if area else "",
        "region_codes": [] if area else [incident.region_code], "onset": now.strftime(minute),
        "expires": (now + timedelta(hours=START_HOURS)).strftime(minute)}}


def region_choices(db: Session, code: str) -> list[tuple[str, str]]:
    """The divisions a composer may name (the office's own and those right below it), by name; the API keeps
    taking their codes."""
    own = regions_service.names(db, codes=[code])
    below = regions_service.children(db, code=code)[:300]
    return [(code, own.get(code, code)), *((r.code, r.name) for r in below)]


@router.get("/emergency/warnings", response_class=HTMLResponse)
def warnings_page(request: Request, db: DbSession,
                  incident: Annotated[RowId | None, Query(description="open the composer for this incident")] = None,
                  ) -> Response:
    principal = page_principal(request, db)
    auth_service.require(principal, Permission.READ_EMERGENCY)
    table = service.level_table(db)
    ctx = app_context(request)
    return render(request, "emergency/warnings.html", principal,
                  rows=[warning_read(db, w) for w in service.list_warnings(db, limit=100)],
                  levels=list(table.levels.values()), categories=service.CATEGORY_NAMES_ZH,
                  can_write=principal.can(Permission.WRITE_EMERGENCY), within=principal.region_code,
                  choices=region_choices(db, principal.region_code),
                  **composer_start(db, ctx, incident, translator(request)),
                  now=ctx.clock.now(), local=format_local)


# Why a receipt did not arrive, in the officer's words; the gateway's own text stays a secondary detail.
OUTCOME_NOTES_ZH = {"failed": N_("网关拒收或无应答，系统已按规则重试"), "not_sent": N_("本平台未启用该渠道，未发送"),
                    "queued": N_("排队等待发送")}
SHOWN_ADDRESS_ZH = {"console": N_("控制台消息"), "public": N_("ATOM 订阅源")}


def receipt_rows(receipts: list[WarningDelivery]) -> list[dict[str, str | int]]:
    """One line per recipient and channel as an officer reads it: who (name, role), the channel and the result
    in Chinese, the address where it is one; the gateway's reference (``fake-1``, an SMS id) and raw error only as
    the small print under it."""
    return [{"name": r.recipient_name, "role": KIND_NAMES_ZH.get(r.recipient_kind, N_("其他接收对象")),
             "channel": CHANNEL_NAMES_ZH.get(r.channel, N_("其他渠道")), "status": r.status,
             "status_name": DELIVERY_STATUS_NAMES_ZH.get(r.status, N_("未知")),
             "address": SHOWN_ADDRESS_ZH.get(r.channel, r.address), "attempts": r.attempts,
             "note": OUTCOME_NOTES_ZH.get(r.status, ""),
             "gateway": r.error if r.status == "failed" else ("" if r.channel in SHOWN_ADDRESS_ZH else r.reference)}
            for r in receipts]


@router.get("/emergency/warnings/{warning_id}", response_class=HTMLResponse)
def warning_page(request: Request, warning_id: RowId, db: DbSession) -> Response:
    principal = page_principal(request, db)
    auth_service.require(principal, Permission.READ_EMERGENCY)
    warning = service.get(db, warning_id=warning_id)
    read = warning_read(db, warning)
    ctx = app_context(request)
    messages = service.messages(db, warning_id=warning.id)
    xml = messages[-1].xml.encode() if messages else service.preview(db, warning=warning, now=ctx.clock.now())
    # Shown indented for reading; the download (and every receiver) gets the signed bytes unchanged.
    shown = etree.tostring(etree.fromstring(xml), pretty_print=True, encoding="unicode")
    return render(request, "emergency/warning.html", principal, w=read, cap=shown,
                  incident=_linked_incident(db, ctx, warning.incident_id),
                  signed=bool(messages), receipts=receipt_rows(service.deliveries(db, warning_id=warning.id,
                                                                                  status=None, limit=500)),
                  statuses=DELIVERY_STATUS_NAMES_ZH,
                  can_write=principal.can(Permission.WRITE_EMERGENCY), within=principal.region_code,
                  ok=request.query_params.get("ok", ""), error=request.query_params.get("error", ""),
                  local=format_local)


def _linked_incident(db: Session, ctx: AppContext, incident_id: int | None) -> Any:
    """The incident the warning was issued for, when the reader may see it (else the page just omits it)."""
    if incident_id is None:
        return None
    try:
        return reads.incident_reads(db, [incidents.get(db, incident_id=incident_id)], settings=ctx.settings)[0]
    except NotFound:
        return None


@router.post("/emergency/warnings/{warning_id}/issue")
def issue_submit(request: Request, warning_id: RowId, db: DbSession, tasks: BackgroundTasks) -> Response:
    """发布 from the console: the same service as the API; the sending runs after the commit."""
    principal = page_principal(request, db)
    auth_service.require(principal, Permission.WRITE_EMERGENCY)
    ctx = app_context(request)
    _ = translator(request).gettext
    try:
        warning = service.get(db, warning_id=warning_id)
        service.issue(db, warning=warning, principal=principal, now=ctx.clock.now())
    except CitysafeError as exc:
        db.rollback()
        return back(f"/emergency/warnings/{warning_id}", error=form_message(exc, {}, translator(request)))
    tasks.add_task(delivery.send, ctx, warning_id=warning_id)
    return back(f"/emergency/warnings/{warning_id}", ok=_("预警已发布，正在按渠道发送"))
