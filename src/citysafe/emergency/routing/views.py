"""Dispatch by travel time under ``/api/v1/emergency/routing``: the network in service, its import, and
the nearest / assign / allocate questions (coordinates and candidates in, GeoJSON routes out).

Any reader of emergency work may ask; only an administrator replaces the city's road network.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, UploadFile

from citysafe.auth.deps import Context, DbSession, commits_on_its_own, requires, unit_of_work_as
from citysafe.auth.enums import Permission, Role
from citysafe.auth.schemas import Principal
from citysafe.core.errors import Forbidden
from citysafe.core.uploads import read_capped
from citysafe.emergency.routing import service
from citysafe.emergency.routing.schemas import (
    AllocateIn,
    AllocateOut,
    AssignIn,
    AssignOut,
    Crs,
    NearestIn,
    NearestOut,
    NetworkStatus,
)

router = APIRouter(prefix="/emergency/routing", tags=["emergency dispatch"])
Reader = Annotated[Principal, Depends(requires(Permission.READ_EMERGENCY))]


@router.get("/network", response_model=NetworkStatus, operation_id="emergency_routing_network")
def network(db: DbSession, principal: Reader) -> NetworkStatus:
    """The road network in service (file, nodes, edges, bbox, imported_at), or the straight-line fallback."""
    return service.status(db)


@router.post("/network", response_model=NetworkStatus, operation_id="emergency_routing_import")
@commits_on_its_own  # the file is parsed before the transaction opens; the swap is one short write
def import_network(ctx: Context, principal: Reader, file: Annotated[UploadFile, File()],
                   crs: Annotated[Crs, Form()] = "wgs84") -> NetworkStatus:
    """Replace the road network with an OSM file (.osm.pbf or OSM XML). Administrators only. A malformed
    or empty file answers 422 naming ``file``, and the previous network stays in service."""
    if principal.role != Role.ADMIN:
        raise Forbidden(detail="only an administrator may replace the road network",
                        detail_zh="只有系统管理员可以更换路网")
    data = read_capped(file.file, max_bytes=ctx.settings.road_network_max_bytes, field="file")
    parsed = service.read_network(data, source_name=file.filename or "upload.osm", crs=crs)
    with unit_of_work_as(ctx, principal) as session:
        row = service.import_network(session, parsed, now=ctx.clock.now(), imported_by=principal.user_id)
        return NetworkStatus(method="road_network", note="", network=service.network_read(row))


@router.post("/nearest", response_model=NearestOut, operation_id="emergency_routing_nearest")
def nearest(question: NearestIn, db: DbSession, principal: Reader) -> NearestOut:
    """The ``k`` candidates that reach ``origin`` soonest, fastest first, each with its route."""
    return service.nearest(db, question)


@router.post("/assign", response_model=AssignOut, operation_id="emergency_routing_assign")
def assign(question: AssignIn, db: DbSession, principal: Reader) -> AssignOut:
    """Candidates shared among several incidents at the least total travel time (an assignment, each
    candidate used once), with every route."""
    return service.assign(db, question)


@router.post("/allocate", response_model=AllocateOut, operation_id="emergency_routing_allocate")
def allocate(question: AllocateIn, db: DbSession, principal: Reader) -> AllocateOut:
    """Supplies for one request split across depots (min-cost flow on travel time); the shortfall named."""
    return service.allocate(db, question)
