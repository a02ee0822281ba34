"""Console pages of warnings (预警发布): the list with the composer (draw the area on the map or name the
divisions, the live recipient count, create), and a warning's page (第六十四条's items, the CAP preview, issue,
the measures proposed to the duty desk, the delivery receipts). They call the same services as the API
(emergency/warnings); the composer's script posts to the API itself (static/js/emergency-warnings.js)."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import HTMLResponse, Response
from lxml import etree

from citysafe.auth import service as auth_service
from citysafe.auth.deps import DbSession, app_context
from citysafe.auth.enums import Permission
from citysafe.core.bounds import RowId
from citysafe.core.clock import format_local
from citysafe.core.errors import CitysafeError
from citysafe.emergency.warnings import delivery, service
from citysafe.emergency.warnings.schemas import CHANNEL_NAMES_ZH, DELIVERY_STATUS_NAMES_ZH, KIND_NAMES_ZH
from citysafe.emergency.warnings.views import warning_read
from citysafe.web.common import page_principal, render
from citysafe.web.forms import back
from citysafe.web.i18n import translator
from citysafe.web.messages import form_message

router = APIRouter(include_in_schema=False)


@router.get("/emergency/warnings", response_class=HTMLResponse)
def warnings_page(request: Request, db: DbSession) -> Response:
    principal = page_principal(request, db)
    auth_service.require(principal, Permission.READ_EMERGENCY)
    table = service.level_table(db)
    return render(request, "emergency/warnings.html", principal,
                  rows=[warning_read(db, w) for w in service.list_warnings(db, limit=100)],
                  levels=list(table.levels.values()), categories=service.CATEGORY_NAMES_ZH,
                  can_write=principal.can(Permission.WRITE_EMERGENCY), within=principal.region_code,
                  now=app_context(request).clock.now(), local=format_local)


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
                  signed=bool(messages), receipts=service.deliveries(db, warning_id=warning.id, status=None,
                                                                     limit=500),
                  kinds=KIND_NAMES_ZH, channels=CHANNEL_NAMES_ZH, statuses=DELIVERY_STATUS_NAMES_ZH,
                  can_write=principal.can(Permission.WRITE_EMERGENCY), within=principal.region_code,
                  ok=request.query_params.get("ok", ""), error=request.query_params.get("error", ""),
                  local=format_local)


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
