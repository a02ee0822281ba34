"""HTTP ingest for platforms that push: the documented IoT JSON, and a CTWing (China Telecom AEP)
``dataReport`` envelope whose APPdata is either a GB/T 26875.3 frame or IoT JSON.

Callers authenticate with ``X-Citysafe-Token`` (``settings.firewatch_http_token``) or as a user who
manages devices. The reply comes after the data is committed, so a 200 means stored.
"""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from citysafe.auth import service as auth_service
from citysafe.auth.deps import SESSION_COOKIE, Context, DbSession
from citysafe.auth.enums import Permission
from citysafe.core.context import AppContext
from citysafe.core.errors import Unauthenticated, ValidationFailed
from citysafe.firewatch.ingest import iot
from citysafe.firewatch.ingest.iot_store import ReceivedMessage, ingest_messages
from citysafe.firewatch.ingest.service import ReceivedFrame, ingest_frames
from citysafe.firewatch.protocols.gb26875 import FrameError, decode_frame

router = APIRouter(prefix="/firewatch/ingest", tags=["firewatch ingest"])


class IngestItemResult(BaseModel):
    device_id: str | None
    stored_id: int | None = Field(description="IoT message id, or raw frame id for a GB/T 26875.3 frame")
    duplicate: bool = False
    error: str | None = None
    alarms_raised: list[int] = Field(default_factory=list)
    alarms_cleared: list[int] = Field(default_factory=list)


class IngestResult(BaseModel):
    accepted: int
    results: list[IngestItemResult]


def _authorise(request: Request, ctx: AppContext, db: Session) -> str:
    expected = ctx.settings.firewatch_http_token
    given = request.headers.get("x-citysafe-token", "")
    if expected and given and hmac.compare_digest(given.encode(), expected.encode()):
        return "http-token"
    bearer = request.headers.get("authorization", "")
    raw = bearer[7:] if bearer.lower().startswith("bearer ") else request.cookies.get(SESSION_COOKIE)
    if not raw:
        raise Unauthenticated(detail="an ingest token or a login is required", detail_zh="需要接入令牌或登录")
    principal = auth_service.principal_from_token(db, signer=ctx.signer, token=raw)
    auth_service.require(principal, Permission.MANAGE_DEVICES)
    return principal.username


def _messages(db: Session, ctx: AppContext, items: list[ReceivedMessage]) -> IngestResult:
    outcomes = ingest_messages(db, items=items, clock=ctx.clock)
    results = [IngestItemResult(device_id=o.device_id, stored_id=o.message_id, error=o.error,
                                alarms_raised=o.alarms_raised, alarms_cleared=o.alarms_cleared) for o in outcomes]
    return IngestResult(accepted=sum(1 for o in outcomes if o.error is None), results=results)


@router.post("/iot", response_model=IngestResult, operation_id="firewatch_ingest_iot")
def ingest_iot(request: Request, db: DbSession, ctx: Context,
               body: dict[str, Any] | list[dict[str, Any]] = Body(...)) -> IngestResult:
    """One payload or a list, in the documented schema (docs/iot-payloads.md; device_id and kind inside)."""
    _authorise(request, ctx, db)
    payloads = body if isinstance(body, list) else [body]
    if len(payloads) > 1000:
        raise ValidationFailed(detail="at most 1000 payloads per request", detail_zh="每次最多 1000 条")
    now = ctx.clock.now()
    return _messages(db, ctx, [ReceivedMessage(payload=p, source="http", received_at=now) for p in payloads])


@router.post("/ctwing", response_model=IngestResult, operation_id="firewatch_ingest_ctwing")
def ingest_ctwing(request: Request, db: DbSession, ctx: Context, body: dict[str, Any] = Body(...)) -> IngestResult:
    """A CTWing AEP push (messageType dataReport); other message types are acknowledged and ignored."""
    _authorise(request, ctx, db)
    if body.get("messageType", "dataReport") != "dataReport":
        return IngestResult(accepted=0, results=[])
    try:
        content = iot.unwrap_ctwing(body)
    except iot.IotPayloadError as exc:
        raise ValidationFailed(detail=str(exc), detail_zh=f"CTWing 报文无效：{exc}") from exc
    now = ctx.clock.now()
    if content.frame is not None:
        try:
            frame = decode_frame(content.frame)
        except FrameError as exc:
            raise ValidationFailed(detail=f"APPdata frame: {exc}",
                                   detail_zh="APPdata 不是有效的 GB/T 26875.3 帧") from exc
        [outcome] = ingest_frames(db, items=[ReceivedFrame(content.frame, frame, f"http:ctwing:{content.device_id}",
                                                           now)], clock=ctx.clock)
        return IngestResult(accepted=1, results=[IngestItemResult(
            device_id=str(frame.source), stored_id=outcome.raw_frame_id, duplicate=outcome.duplicate,
            alarms_raised=outcome.alarms_raised, alarms_cleared=outcome.alarms_cleared)])
    return _messages(db, ctx, [ReceivedMessage(payload=content.payload, source="http:ctwing", received_at=now,
                                               device_id=content.device_id)])
