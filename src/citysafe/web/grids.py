"""Console pages of community grids (网格): the grids of a region on a map and in a list, a new grid drawn on the
map or pasted as GeoJSON inside its community, a grid with its boundary and name to edit, its officers to
assign (user accounts with the grid-officer role, chosen by name) and to remove after a confirmation.

The district office (WRITE_HAZARDS) manages grids; a grid officer sees only the grids it serves. The pages
call the same service as the API (hazards/grids/views.py)."""

from __future__ import annotations

import json
from types import MappingProxyType
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from citysafe.auth import service as auth_service
from citysafe.auth.deps import DbSession
from citysafe.auth.enums import Permission, Role
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.errors import CitysafeError, Forbidden, NotFound, field_error
from citysafe.core.pagination import PageParams
from citysafe.hazards.grids import service as grids
from citysafe.hazards.grids.schemas import GridCreate, GridRead, GridUpdate, OfficerCreate
from citysafe.hazards.schemas import region_query
from citysafe.regions import service as regions_service
from citysafe.regions.enums import RegionLevel
from citysafe.web.common import page_principal, render
from citysafe.web.forms import back, posted, run_action
from citysafe.web.messages import first_field, form_message

router = APIRouter(include_in_schema=False)

FIELD_LABELS = MappingProxyType({
    "community_code": "所属社区", "name": "网格名称", "boundary": "网格边界", "crs": "坐标系",
    "user_id": "网格员", "phone": "联系电话"})
GRID_FIELDS = ("community_code", "name", "boundary", "crs")
PAGE_SIZE = 50
CRS_NAMES = MappingProxyType({"wgs84": "WGS84（GPS、天地图）", "gcj02": "GCJ-02（高德、腾讯地图）"})


def _manager(principal: Principal) -> Principal:
    if not principal.can(Permission.WRITE_HAZARDS):
        raise Forbidden(detail="only the safety office manages grids",
                        detail_zh="只有安委办（隐患管理部门）可以管理网格")
    return principal


def _scope(principal: Principal, within: str) -> str:
    try:
        return region_query(within) or principal.region_code
    except CitysafeError:
        return principal.region_code


def _visible_grids(db: Session, principal: Principal, scope: str) -> list[GridRead]:
    """The office sees every grid of the region; a grid officer only the grids it serves."""
    if principal.can(Permission.WRITE_HAZARDS):
        return grids.list_grids(db, within=scope)
    return [grids.grid_read(db, code=code) for code in sorted(grids.grids_of_user(db, user_id=principal.user_id))]


@router.get("/hazards/grids", response_class=HTMLResponse)
def grids_page(request: Request, db: DbSession, within: str = "", page: int = 1) -> Response:
    principal = page_principal(request, db)
    scope = _scope(principal, within)
    found = _visible_grids(db, principal, scope)
    params = PageParams.clamped(page, PAGE_SIZE)
    manager = principal.can(Permission.WRITE_HAZARDS)
    return render(request, "hazards/grids.html", principal, grids=found[params.offset:params.offset + params.size],
                  total=len(found), page=params.page, pages=params.pages(len(found)), within=scope,
                  manager=manager, streets=regions_service.children(db, code=principal.region_code) if manager else [],
                  mine=[] if manager else [g.code for g in found], outline=_outline(db, scope) if manager else None,
                  ok=request.query_params.get("ok", ""), error=request.query_params.get("error", ""))


def _communities(db: Session, principal: Principal) -> list[tuple[str, list[Any]]]:
    """The communities a grid may be drawn in, by street (the form's grouped choice)."""
    communities = regions_service.descendants_at_level(db, code=principal.region_code,
                                                       level=RegionLevel.COMMUNITY.value)
    names = regions_service.names(db, codes={c.parent_code for c in communities if c.parent_code})
    groups: dict[str, list[Any]] = {}
    for community in communities:
        groups.setdefault(names.get(community.parent_code or "", ""), []).append(community)
    return list(groups.items())


def _outline(db: Session, code: str) -> dict[str, Any] | None:
    """The boundary the map shows around a grid to draw: its community's, else the nearest division's above."""
    try:
        region = regions_service.get(db, code=code)
    except CitysafeError:
        return None
    for candidate in [region, *reversed(regions_service.path_to(db, region=region))]:
        try:
            return regions_service.boundary_feature(db, code=candidate.code)
        except NotFound:
            continue
    return None


def _boundary(values: dict[str, str]) -> dict[str, Any]:
    try:
        parsed = json.loads(values["boundary"])
    except ValueError as exc:
        raise field_error("boundary", "not JSON",
                          "不是有效的 GeoJSON：请在地图上画出网格，或粘贴 GeoJSON 面要素") from exc
    if not isinstance(parsed, dict):
        raise field_error("boundary", "not a GeoJSON object", "须为 GeoJSON 面（Polygon/MultiPolygon）")
    return parsed


def _new_form(request: Request, db: Session, principal: Principal, *, values: dict[str, str], error: str = "",
              field: str = "") -> HTMLResponse:
    community = values.get("community_code", "")
    response = render(request, "hazards/grid_new.html", principal, values=values, error=error, field=field,
                      groups=_communities(db, principal), crs_names=CRS_NAMES,
                      outline=_outline(db, community or principal.region_code), within=principal.region_code)
    if error:
        response.status_code = 422
    return response


@router.get("/hazards/grids/new", response_class=HTMLResponse)
def new_grid_page(request: Request, db: DbSession, community: str = "") -> Response:
    principal = _manager(page_principal(request, db))
    return _new_form(request, db, principal, values={"community_code": community, "crs": "wgs84"})


@router.post("/hazards/grids/new")
async def new_grid_submit(request: Request, db: DbSession) -> Response:
    principal = _manager(page_principal(request, db))
    values = posted(await request.form(), GRID_FIELDS)
    try:
        if not values["boundary"]:
            raise field_error("boundary", "missing", "请在地图上画出网格，或粘贴 GeoJSON 面要素")
        grid = grids.create_grid(db, grid_in=GridCreate.model_validate(
            {**values, "boundary": _boundary(values), "crs": values["crs"] or "wgs84"}))
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return _new_form(request, db, principal, values=values, error=form_message(exc, FIELD_LABELS),
                         field=first_field(exc))
    return back(f"/hazards/grids/{grid.code}", ok=f"网格“{grid.name}”已建立，下一步：指派网格员")


def _officer_choices(db: Session, grid: GridRead) -> list[Any]:
    """Active accounts with the grid-officer role in the office's scope, less those serving this grid already."""
    serving = {o.user_id for o in grid.officers}
    users = auth_service.list_users(db, params=PageParams(size=500))[0]
    return [u for u in users if u.role == Role.GRID_OFFICER and u.active and u.id not in serving]


def _grid_page(request: Request, db: Session, principal: Principal, code: str, *, values: dict[str, str] | None = None,
               error: str = "", field: str = "") -> HTMLResponse:
    grid = grids.grid_read(db, code=code)
    manager = principal.can(Permission.WRITE_HAZARDS)
    if not manager and code not in grids.grids_of_user(db, user_id=principal.user_id):
        raise Forbidden(detail="a grid officer sees only its own grids", detail_zh="网格员只能查看自己负责的网格")
    feature = regions_service.boundary_feature(db, code=code)
    shown = values or {"name": grid.name, "boundary": json.dumps(feature["geometry"], ensure_ascii=False),
                       "crs": "wgs84"}
    response = render(request, "hazards/grid.html", principal, grid=grid, manager=manager, values=shown,
                      error=error or request.query_params.get("error", ""), field=field,
                      ok=request.query_params.get("ok", ""), crs_names=CRS_NAMES,
                      outline=_outline(db, grid.parent_code or code),
                      candidates=_officer_choices(db, grid) if manager else [])
    if error:
        response.status_code = 422
    return response


@router.get("/hazards/grids/{code}", response_class=HTMLResponse)
def grid_page(request: Request, code: str, db: DbSession) -> Response:
    return _grid_page(request, db, page_principal(request, db), code)


@router.post("/hazards/grids/{code}")
async def grid_update(request: Request, code: str, db: DbSession) -> Response:
    principal = _manager(page_principal(request, db))
    values = posted(await request.form(), ("name", "boundary", "crs"))
    try:
        update: dict[str, Any] = {"name": values["name"] or None, "crs": values["crs"] or "wgs84"}
        if values["boundary"]:
            update["boundary"] = _boundary(values)
        grid = grids.update_grid(db, code=code, grid_in=GridUpdate.model_validate(update))
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return _grid_page(request, db, principal, code, values=values, error=form_message(exc, FIELD_LABELS),
                          field=first_field(exc))
    return back(f"/hazards/grids/{code}", ok=f"网格“{grid.name}”已保存")


@router.post("/hazards/grids/{code}/officers")
async def officer_add(request: Request, code: str, db: DbSession) -> Response:
    _manager(page_principal(request, db))
    values = posted(await request.form(), ("user_id", "phone"))
    path = f"/hazards/grids/{code}"

    def add() -> str:
        if not values["user_id"]:
            raise field_error("user_id", "missing", "请选择网格员")
        officer = grids.add_officer(db, code=code, officer_in=OfficerCreate.model_validate(values))
        return f"已指派网格员 {officer.name}"

    return run_action(db, path, add, labels=FIELD_LABELS)


@router.get("/hazards/grids/{code}/officers/{officer_id}/remove", response_class=HTMLResponse)
def officer_remove_page(request: Request, code: str, officer_id: RowId, db: DbSession) -> Response:
    principal = _manager(page_principal(request, db))
    grid = grids.grid_read(db, code=code)
    officer = next((o for o in grid.officers if o.id == officer_id), None)
    if officer is None:
        return back(f"/hazards/grids/{code}", error="该网格员已不在本网格")
    return render(request, "hazards/grid_officer_remove.html", principal, grid=grid, officer=officer)


@router.post("/hazards/grids/{code}/officers/{officer_id}/remove")
def officer_remove(request: Request, code: str, officer_id: RowId, db: DbSession) -> Response:
    _manager(page_principal(request, db))

    def remove() -> str:
        name = next((o.name for o in grids.grid_read(db, code=code).officers if o.id == officer_id), "")
        grids.remove_officer(db, code=code, officer_id=officer_id)
        return f"已将网格员 {name} 移出本网格"

    return run_action(db, f"/hazards/grids/{code}", remove, labels=FIELD_LABELS)
