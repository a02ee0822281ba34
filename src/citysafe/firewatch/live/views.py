"""The live alarm feed's endpoint: server-sent events of the hub (``live.hub``) in the caller's scope."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from citysafe.auth.deps import requires
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.errors import CitysafeError
from citysafe.firewatch.live.hub import EXTRAS_KEY, LiveHub, principal_scope

__all__ = ["router"]

router = APIRouter(prefix="/firewatch", tags=["firewatch"])


@dataclass
class LiveUnavailable(CitysafeError):
    status: int = 503
    slug: str = "unavailable"
    title: str = "Service unavailable"
    title_zh: str = "服务暂不可用"


def _format(event_id: int, name: str, payload: dict[str, Any]) -> dict[str, str]:
    return {"id": str(event_id), "event": name, "data": json.dumps(payload, ensure_ascii=False)}


@router.get("/stream", operation_id="firewatch_stream", summary="Live alarm events (server-sent events)")
async def stream(
    request: Request,
    principal: Annotated[Principal, Depends(requires(Permission.READ_ORGANIZATIONS))],
    kind: Annotated[list[str] | None, Query(description="only these alarm kinds (fire, fault, …)")] = None,
) -> Any:
    """``text/event-stream`` of AlarmRaised, AlarmUpdated, AlarmCleared, FireConfirmed, UnitOffline and
    AlarmEscalated in the caller's scope; ``resync`` when the client fell behind and must reload."""
    from sse_starlette.sse import EventSourceResponse

    hub: LiveHub | None = request.app.state.ctx.extras.get(EXTRAS_KEY)
    if hub is None:
        raise LiveUnavailable(detail="the live feed is not running", detail_zh="实时告警推送未启动")
    scope = principal_scope(principal)
    kinds = frozenset(kind) if kind else None
    instance = request.app.state.ctx.settings.instance  # which process behind the proxy holds this stream

    async def events() -> AsyncIterator[dict[str, str]]:
        with hub.subscribe(scope, kinds) as sub:
            yield {"event": "hello", "data": json.dumps({"user": principal.username, "scope": scope.region_code,
                                                         "instance": instance})}
            while True:
                event_id, name, payload = await sub.get()
                yield _format(event_id, name, payload)
                if sub.overflowed and sub.queue.empty():
                    sub.overflowed = False
                    yield {"event": "resync", "data": "{}"}

    return EventSourceResponse(events(), ping=15, send_timeout=10,
                               headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
