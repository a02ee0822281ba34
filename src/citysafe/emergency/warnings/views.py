"""The warnings API under ``/api/v1/emergency/warnings`` and the public feed under ``/api/v1/public``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query, Request, Response

from citysafe.auth.deps import Context, DbSession, requires
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.context import AppContext
from citysafe.core.errors import field_error
from citysafe.core.validators import within_region
from citysafe.emergency.warnings import delivery, feed, service
from citysafe.emergency.warnings.models import EarlyWarning
from citysafe.emergency.warnings.schemas import (
    STATE_NAMES_ZH,
    DeliveryRead,
    MessageRead,
    RecipientCount,
    RecipientCountIn,
    SubscriberCreate,
    SubscriberRead,
    WarningCancel,
    WarningChange,
    WarningCreate,
    WarningRead,
)

router = APIRouter(prefix="/emergency/warnings", tags=["emergency warnings"])
public_router = APIRouter(prefix="/public", tags=["public warnings"])
Reader = Annotated[Principal, Depends(requires(Permission.READ_EMERGENCY))]
Writer = Annotated[Principal, Depends(requires(Permission.WRITE_EMERGENCY))]
CAP_XML = "application/cap+xml"


def warning_read(db: DbSession, warning: EarlyWarning) -> WarningRead:
    lv = service.level_table(db).levels[warning.level]
    msgs = service.messages(db, warning_id=warning.id)
    return WarningRead(
        id=warning.id, state=warning.state, state_name=STATE_NAMES_ZH.get(warning.state, warning.state),
        category=warning.category, category_name=service.CATEGORY_NAMES_ZH.get(warning.category, warning.category),
        event=warning.event, level=warning.level, level_name=lv.name, colour=lv.colour, colour_zh=lv.colour_zh,
        colour_hex=lv.hex, severity=lv.severity, headline=warning.headline, description=warning.description,
        instruction=warning.instruction, onset=warning.onset_at, expires=warning.expires_at, area=warning.area,
        region_codes=list(warning.region_codes), area_desc=warning.area_desc, issuer=warning.issuer,
        region_code=warning.region_code, cap_status=warning.cap_status, is_drill=warning.is_drill,
        incident_id=warning.incident_id, issued_at=warning.issued_at, cancelled_at=warning.cancelled_at,
        created_by=warning.created_by, identifier=msgs[-1].identifier if msgs else None,
        messages=[MessageRead.model_validate(m) for m in msgs], proposed_measures=list(warning.proposed_measures),
        deliveries=service.delivery_counts(db, warning_id=warning.id))


def _send_later(tasks: BackgroundTasks, ctx: AppContext, warning_id: int, retry_failed: bool = False) -> None:
    # After the response: the request's unit of work has committed the queue by then (auth/deps.py).
    tasks.add_task(delivery.send, ctx, warning_id=warning_id, retry_failed=retry_failed)


@router.post("", response_model=WarningRead, status_code=201, operation_id="emergency_warnings_create")
def create(warning_in: WarningCreate, db: DbSession, ctx: Context, principal: Writer) -> WarningRead:
    """A draft warning (第六十四条's items); ``area`` (GeoJSON Polygon, WGS84) or ``region_codes``."""
    warning = service.create(db, warning_in=warning_in, principal=principal, now=ctx.clock.now())
    return warning_read(db, warning)


@router.get("", response_model=list[WarningRead], operation_id="emergency_warnings_list")
def list_warnings(db: DbSession, principal: Reader) -> list[WarningRead]:
    return [warning_read(db, w) for w in service.list_warnings(db)]


@router.post("/recipients/count", response_model=RecipientCount, operation_id="emergency_warnings_count")
def count(count_in: RecipientCountIn, db: DbSession, principal: Reader) -> RecipientCount:
    """How many recipients an area reaches, by kind and channel (the composer's live count)."""
    return RecipientCount(**service.count_recipients(db, area_in=count_in, principal=principal, test=count_in.test))


@router.get("/{warning_id}", response_model=WarningRead, operation_id="emergency_warnings_get")
def get(warning_id: RowId, db: DbSession, principal: Reader) -> WarningRead:
    return warning_read(db, service.get(db, warning_id=warning_id))


@router.post("/{warning_id}/issue", response_model=WarningRead, operation_id="emergency_warnings_issue")
def issue(warning_id: RowId, db: DbSession, ctx: Context, principal: Writer, tasks: BackgroundTasks) -> WarningRead:
    """发布: a signed CAP Alert; the recipients inside the area are queued, then sent after the commit."""
    warning = service.get(db, warning_id=warning_id)
    service.issue(db, warning=warning, principal=principal, now=ctx.clock.now())
    _send_later(tasks, ctx, warning.id)
    return warning_read(db, warning)


@router.post("/{warning_id}/update", response_model=WarningRead, operation_id="emergency_warnings_update")
def change(warning_id: RowId, change_in: WarningChange, db: DbSession, ctx: Context, principal: Writer,
           tasks: BackgroundTasks) -> WarningRead:
    """调整级别或内容并重新发布 (第七十条): a CAP Update referencing the earlier messages."""
    warning = service.get(db, warning_id=warning_id)
    service.change(db, warning=warning, change_in=change_in, principal=principal, now=ctx.clock.now())
    _send_later(tasks, ctx, warning.id)
    return warning_read(db, warning)


@router.post("/{warning_id}/cancel", response_model=WarningRead, operation_id="emergency_warnings_cancel")
def cancel(warning_id: RowId, cancel_in: WarningCancel, db: DbSession, ctx: Context, principal: Writer,
           tasks: BackgroundTasks) -> WarningRead:
    """解除 (第七十条): a CAP Cancel referencing the earlier messages."""
    warning = service.get(db, warning_id=warning_id)
    service.cancel(db, warning=warning, cancel_in=cancel_in, principal=principal, now=ctx.clock.now())
    _send_later(tasks, ctx, warning.id)
    return warning_read(db, warning)


@router.get("/{warning_id}/cap", operation_id="emergency_warnings_cap", response_class=Response,
            responses={200: {"content": {CAP_XML: {}}}})
def cap_xml(warning_id: RowId, db: DbSession, ctx: Context, principal: Reader) -> Response:
    """The latest signed CAP message; for a draft, the unsigned preview of the Alert it would send."""
    warning = service.get(db, warning_id=warning_id)
    msgs = service.messages(db, warning_id=warning.id)
    body = msgs[-1].xml.encode("utf-8") if msgs else service.preview(db, warning=warning, now=ctx.clock.now())
    return Response(body, media_type=CAP_XML)


@router.get("/{warning_id}/deliveries", response_model=list[DeliveryRead], operation_id="emergency_warnings_receipts")
def receipts(warning_id: RowId, db: DbSession, principal: Reader,
             status: Annotated[Literal["queued", "delivered", "failed", "not_sent"] | None, Query()] = None,
             limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> list[DeliveryRead]:
    """One receipt per recipient and channel."""
    warning = service.get(db, warning_id=warning_id)
    return [DeliveryRead.model_validate(d) for d in service.deliveries(db, warning_id=warning.id, status=status,
                                                                       limit=limit)]


@router.post("/{warning_id}/deliveries/send", response_model=WarningRead, operation_id="emergency_warnings_resend")
def resend(warning_id: RowId, db: DbSession, ctx: Context, principal: Writer, tasks: BackgroundTasks) -> WarningRead:
    """Send what is still queued and try the failed deliveries again."""
    warning = service.get(db, warning_id=warning_id)
    _send_later(tasks, ctx, warning.id, retry_failed=True)
    return warning_read(db, warning)


@router.post("/subscribers", response_model=SubscriberRead, status_code=201,
             operation_id="emergency_warnings_subscribe")
def subscribe(subscriber_in: SubscriberCreate, db: DbSession, principal: Writer) -> SubscriberRead:
    """Register a receiver of warnings for a place (a resident's phone, a broadcaster's webhook)."""
    if not within_region(subscriber_in.region_code, principal.region_code):
        raise field_error("region_code", "outside your region", "不在您的管辖范围内")
    return SubscriberRead.model_validate(service.subscribe(db, subscriber_in=subscriber_in))


@public_router.get("/warnings.atom", operation_id="public_warnings_atom", response_class=Response,
                   responses={200: {"content": {"application/atom+xml": {}}}})
def atom(request: Request, db: DbSession, ctx: Context) -> Response:
    """Active warnings for broadcasters (no login): ATOM entries linking each signed CAP message."""
    now = ctx.clock.now()
    base = str(request.base_url).rstrip("/")
    body = feed.atom(service.active_public(db, now=now), base_url=base, now=now, table=service.level_table(db))
    return Response(body, media_type="application/atom+xml", headers={"Cache-Control": "max-age=60"})


@public_router.get("/warnings/{identifier}.xml", operation_id="public_warnings_cap", response_class=Response,
                   responses={200: {"content": {CAP_XML: {}}}})
def public_cap(identifier: Annotated[str, Path(pattern=r"^\d{14}_\d{14}_\d$")], db: DbSession) -> Response:
    """One signed CAP message of an Actual warning (no login)."""
    return Response(service.public_message(db, identifier=identifier).xml.encode("utf-8"), media_type=CAP_XML)
