"""The gateway's API: an operator's 查岗 and 巡检 buttons, and the gateway's counters.

They act on the downlink of the gateway running in this process (``gateway.service.running``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from citysafe.auth.deps import Context, DbSession, commits_on_its_own, requires
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.context import AppContext
from citysafe.core.errors import CitysafeError, Conflict
from citysafe.firewatch.gateway.downlink import Downlink, Sent
from citysafe.firewatch.registry import service as registry_service
from citysafe.firewatch.registry.schemas import UitdAddress

__all__ = ["DutyCheckIn", "GatewayUnavailable", "SentRead", "downlink_of", "router", "sent_or_conflict"]

router = APIRouter(prefix="/firewatch", tags=["firewatch"])
Operator = Annotated[Principal, Depends(requires(Permission.OPERATE_ALARMS))]


@dataclass
class GatewayUnavailable(CitysafeError):
    status: int = 503
    slug: str = "gateway-unavailable"
    title: str = "Gateway not running"
    title_zh: str = "报警传输网关未运行"


class DutyCheckIn(BaseModel):
    timeout_minutes: int = Field(default=10, ge=1, le=255, description="the operator must answer within this")


class SentRead(BaseModel):
    kind: str
    address: int
    serial: int
    sent_at: datetime


def downlink_of(ctx: AppContext) -> Downlink:
    """This process's GB/T 26875.3 downlink (the console's 查岗 and 巡检 buttons use it too)."""
    downlink = ctx.extras.get("gb26875_downlink")
    if not isinstance(downlink, Downlink):
        raise GatewayUnavailable(detail="this process runs no GB/T 26875.3 gateway (serve --gb26875-port)",
                                 detail_zh="本进程未运行报警传输网关（serve --gb26875-port）")
    return downlink


def sent_or_conflict(sent: Sent | None, address: int) -> SentRead:
    if sent is None:
        raise Conflict(detail=f"UITD {address} is not connected to this gateway",
                       detail_zh=f"用户信息传输装置 {address} 当前未连接")
    return SentRead(kind=sent.kind, address=sent.address, serial=sent.serial, sent_at=sent.sent_at)


async def _in_scope(db: Session, address: int) -> None:
    """404 for a UITD outside the caller's scope; the query runs off the loop the gateway shares."""
    await asyncio.to_thread(registry_service.get_uitd, db, address=address)


@router.post("/uitds/{address}/duty-check", response_model=SentRead, operation_id="firewatch_uitds_duty_check")
@commits_on_its_own  # the 查岗 is recorded and committed by the downlink before the frame goes out
async def duty_check(address: UitdAddress, db: DbSession, ctx: Context, principal: Operator,
                     body: DutyCheckIn | None = None) -> SentRead:
    """Send a 查岗 (type 91) now; the reply shows up in ``GET /firewatch/duty-checks``."""
    await _in_scope(db, address)
    sent = await downlink_of(ctx).duty_check(address, (body or DutyCheckIn()).timeout_minutes)
    return sent_or_conflict(sent, address)


@router.post("/uitds/{address}/patrol", response_model=SentRead, operation_id="firewatch_uitds_patrol")
async def patrol(address: UitdAddress, db: DbSession, ctx: Context, principal: Operator) -> SentRead:
    """Patrol (type 81, read UITD status) now instead of waiting for the period."""
    await _in_scope(db, address)
    return sent_or_conflict(downlink_of(ctx).patrol_now(address), address)


@router.get("/gateway", operation_id="firewatch_gateway_stats")
def gateway_stats(ctx: Context, principal: Operator) -> dict[str, dict[str, int]]:
    """Counters of this process's gateway: connections, frames, ACKs, NAKs, batches, downlink answers."""
    downlink = downlink_of(ctx)
    return {"gateway": downlink.gateway.stats.as_dict(), "downlink": downlink.stats.as_dict()}
