"""Console pages of fire monitoring: the live alarm board, the unit map and a unit's page.

The board and the map are thin pages driven by the REST API and the live stream
(``/api/v1/firewatch/stream``); the unit page is rendered here from the same services as the API.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.orm import Session

from citysafe.auth.deps import DbSession
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.pagination import PageParams
from citysafe.firewatch import service
from citysafe.firewatch.alarms.forwarding import STATUS_NAMES_ZH as FORWARD_NAMES_ZH
from citysafe.firewatch.enums import (
    IOT_KIND_NAMES_ZH,
    KIND_NAMES_ZH,
    STATE_NAMES_ZH,
    AlarmKind,
    AlarmState,
)
from citysafe.firewatch.schemas import AlarmFilter
from citysafe.web.common import page_principal, render

router = APIRouter(include_in_schema=False)

# A unit shows its most urgent open alarm; the order is also the legend's.
STATUS_ORDER: Final = ("fire", "gas", "electrical", "supervisory", "fault", "offline", "normal")
STATUS_NAMES: Final = {**{k.value: v for k, v in KIND_NAMES_ZH.items()}, "normal": "正常"}
STATUS_COLOURS: Final = {"fire": "#dc2626", "gas": "#ea580c", "electrical": "#f97316", "supervisory": "#7c3aed",
                         "fault": "#ca8a04", "offline": "#6b7280", "normal": "#16a34a"}
_RANK: Final = {status: rank for rank, status in enumerate(STATUS_ORDER)}
_MAP_UNIT_LIMIT: Final = 20_000


def _names() -> dict[str, Any]:
    return {
        "kind_names": {k.value: v for k, v in KIND_NAMES_ZH.items()},
        "state_names": {s.value: v for s, v in STATE_NAMES_ZH.items()},
        "status_names": STATUS_NAMES, "status_colours": STATUS_COLOURS, "status_order": STATUS_ORDER,
        "iot_kind_names": {k.value: v for k, v in IOT_KIND_NAMES_ZH.items()},
        # GB/T 26875.3 table 5: a component's type by name (感烟火灾探测器), never its number (40).
        "component_type_name": service.component_type_name,
        # A confirmed fire's hand-over to 119 in words (已转发119), never its status (sent).
        "forward_names": FORWARD_NAMES_ZH,
    }


@router.get("/firewatch", response_class=HTMLResponse)
def board(request: Request, db: DbSession) -> Response:
    principal = page_principal(request, db)
    return render(request, "firewatch/board.html", principal, can_operate=principal.can(Permission.OPERATE_ALARMS),
                  kinds=list(AlarmKind), states=list(AlarmState), **_names())


@router.get("/firewatch/map", response_class=HTMLResponse)
def unit_map(request: Request, db: DbSession) -> Response:
    principal = page_principal(request, db)
    return render(request, "firewatch/map.html", principal, **_names())


@router.get("/firewatch/map/units.json")
def map_units(request: Request, db: DbSession) -> Response:
    """Every unit in the caller's scope as ``[id, name, lon, lat, status, open alarms]``: compact, because
    the map draws thousands of them at once."""
    page_principal(request, db)
    worst: dict[int, str] = {}
    counts: dict[int, int] = {}
    for alarm in service.open_alarms(db, limit=_MAP_UNIT_LIMIT):
        if alarm.unit_id is None:
            continue
        counts[alarm.unit_id] = counts.get(alarm.unit_id, 0) + 1
        current = worst.get(alarm.unit_id, "normal")
        if _RANK.get(alarm.kind, len(STATUS_ORDER)) < _RANK[current]:
            worst[alarm.unit_id] = alarm.kind
    rows: list[list[Any]] = []
    page = 1
    while len(rows) < _MAP_UNIT_LIMIT:
        units, total = service.registry_service.list_units(db, q=None, region=None,
                                                           params=PageParams(page=page, size=500))
        rows.extend([u.id, u.name, u.lon, u.lat, worst.get(u.id, "normal"), counts.get(u.id, 0)]
                    for u in units if u.lon is not None and u.lat is not None)
        if page * 500 >= total or not units:
            break
        page += 1
    return JSONResponse({"units": rows, "colours": STATUS_COLOURS, "names": STATUS_NAMES},
                        headers={"Cache-Control": "no-store"})


@router.get("/firewatch/units/{unit_id}", response_class=HTMLResponse)
def unit_page(request: Request, unit_id: RowId, db: DbSession) -> Response:
    return unit_view(request, db, unit_id, page_principal(request, db))


def unit_view(request: Request, db: Session, unit_id: int, principal: Principal, *, failed: Any = None) -> Response:
    """The unit's page; ``failed`` (web/registry_forms.Refused) is a form of it shown again with its message."""
    registry = service.registry_service
    unit = registry.get_unit(db, unit_id=unit_id)
    uitds, _ = registry.list_uitds(db, registered=None, unit_id=unit.id, params=PageParams(size=100))
    components = {u.address: registry.list_components(db, uitd=u) for u in uitds}
    iot_devices, _ = registry.list_iot_devices(db, registered=None, unit_id=unit.id, params=PageParams(size=200))
    alarms, total = service.list_alarms(db, filters=AlarmFilter(unit=unit.id), params=PageParams(size=100))
    open_count = sum(1 for a in alarms if a.is_open)
    response = render(request, "firewatch/unit.html", principal,
                      current_path=f"/firewatch/units/{unit.id}", unit=unit, uitds=uitds, components=components,
                      iot_devices=iot_devices, alarms=alarms, alarm_total=total, open_count=open_count,
                      buildings=registry.list_buildings(db, unit=unit), failed=failed,
                      can_manage=principal.can(Permission.MANAGE_DEVICES),
                      can_operate=principal.can(Permission.OPERATE_ALARMS), ok=request.query_params.get("ok", ""),
                      error=request.query_params.get("error", ""), **_names())
    if failed:
        response.status_code = 422
    return response
