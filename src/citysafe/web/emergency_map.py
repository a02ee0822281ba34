"""指挥一张图: the command map page — active incidents, teams by status, the routes of teams on their way,
shelters with their occupancy, depots — drawn from GET /api/v1/emergency/map (emergency/commandmap.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from citysafe.auth.deps import DbSession
from citysafe.auth.enums import Permission
from citysafe.core.errors import Forbidden
from citysafe.emergency.commandmap import LAYER_NAMES_ZH
from citysafe.emergency.resources.calc.status import STATUS_NAMES_ZH
from citysafe.web.common import page_principal, render

router = APIRouter(include_in_schema=False)


@router.get("/emergency/map", response_class=HTMLResponse)
def command_map_page(request: Request, db: DbSession) -> Response:
    principal = page_principal(request, db)
    if not principal.can(Permission.READ_EMERGENCY):
        raise Forbidden(detail="your role takes no part in emergency work", detail_zh="当前角色不参与应急值守")
    return render(request, "emergency/map.html", principal, layer_names=LAYER_NAMES_ZH,
                  team_status_names={k.value: v for k, v in STATUS_NAMES_ZH.items()})
