"""Console page of dispatch's road network (调度路网): the network in service — or that dispatch measures straight
lines — its extent on a map, the speed per road class with its source, and, for an administrator, the import
of an OSM file. It calls the same service as the API (emergency/routing)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from citysafe.auth import service as auth_service
from citysafe.auth.deps import DbSession, app_context, commits_on_its_own, unit_of_work_as
from citysafe.auth.enums import Permission, Role
from citysafe.auth.schemas import Principal
from citysafe.core.clock import format_local
from citysafe.core.errors import CitysafeError, Forbidden
from citysafe.core.uploads import read_capped
from citysafe.emergency.routing import service
from citysafe.web.common import page_principal, render
from citysafe.web.forms import back
from citysafe.web.i18n import N_, translator
from citysafe.web.messages import form_message

router = APIRouter(include_in_schema=False)
FIELD_LABELS = {"file": N_("OSM 路网文件")}
# The OSM highway classes by their Chinese names on the page (the codes stay in the data file).
CLASS_NAMES = {
    "motorway": N_("高速公路"), "motorway_link": N_("高速公路匝道"), "trunk": N_("快速路"),
    "trunk_link": N_("快速路匝道"),
    "primary": N_("主干路"), "primary_link": N_("主干路连接线"), "secondary": N_("次干路"),
    "secondary_link": N_("次干路连接线"), "tertiary": N_("支路（三级）"), "tertiary_link": N_("支路连接线"),
    "unclassified": N_("未分级道路"), "residential": N_("居住区道路"), "living_street": N_("生活街道"),
    "service": N_("单位内部道路"), "road": N_("未知等级道路"),
}


def _page(request: Request, db: DbSession, principal: Principal, *, error: str = "", ok: str = "",
          status: int = 200) -> HTMLResponse:
    table = service.speed_table()
    page = render(request, "emergency/roads.html", principal, s=service.status(db), error=error, ok=ok,
                  speeds=[(CLASS_NAMES.get(code, code), kmh) for code, kmh in table.speeds_kmh.items()],
                  speeds_source=table.source, straight=table, local=format_local,
                  can_import=principal.role == Role.ADMIN)
    page.status_code = status
    return page


@router.get("/emergency/roads", response_class=HTMLResponse)
def roads_page(request: Request, db: DbSession) -> Response:
    principal = page_principal(request, db)
    auth_service.require(principal, Permission.READ_EMERGENCY)
    return _page(request, db, principal, ok=request.query_params.get("ok", "")[:200])


@router.post("/emergency/roads", response_class=HTMLResponse)
@commits_on_its_own  # read whole first, holding no lock; then swapped in one short unit of work, as the API
def roads_import(request: Request, db: DbSession, file: Annotated[UploadFile, File()],
                 crs: Annotated[str, Form()] = "wgs84") -> Response:
    principal = page_principal(request, db)
    auth_service.require(principal, Permission.READ_EMERGENCY)
    ctx = app_context(request)
    t = translator(request)
    try:
        if principal.role != Role.ADMIN:
            raise Forbidden(detail="only an administrator may replace the road network",
                            detail_zh="只有系统管理员可以更换路网")
        data = read_capped(file.file, max_bytes=ctx.settings.road_network_max_bytes, field="file")
        parsed = service.read_network(data, source_name=file.filename or "upload.osm",
                                      crs=crs if crs in ("wgs84", "gcj02") else "wgs84")
        with unit_of_work_as(ctx, principal) as session:
            row: Any = service.import_network(session, parsed, now=ctx.clock.now(), imported_by=principal.user_id)
            nodes, edges = row.nodes, row.edges
    except CitysafeError as exc:
        return _page(request, db, principal, error=form_message(exc, FIELD_LABELS, t), status=exc.status)
    return back("/emergency/roads",  # after the write, a fresh request reads the network now in service
                ok=t.gettext("已导入路网：%(nodes)s 个节点，%(edges)s 条有向路段") % {"nodes": nodes, "edges": edges})
