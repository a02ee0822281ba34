"""Mutual aid under ``/api/v1/emergency/mutual-aid``: aid requests between offices, and the resource catalogue
exchanged with neighbouring platforms (docs/mutual-aid-exchange.md)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import JSONResponse

from citysafe.auth.deps import Context, DbSession, requires
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.errors import Forbidden
from citysafe.emergency import service as incidents
from citysafe.emergency.mutualaid import catalogue, exchange, service
from citysafe.emergency.mutualaid.models import AidRequest
from citysafe.emergency.mutualaid.schemas import (
    AcceptIn,
    AidDispatchIn,
    AidRequestIn,
    AidRequestRead,
    CatalogueSummary,
    DeclineIn,
    ExternalTeam,
    NoteIn,
)

router = APIRouter(prefix="/emergency", tags=["emergency mutual aid"])
Reader = Annotated[Principal, Depends(requires(Permission.READ_EMERGENCY))]
Writer = Annotated[Principal, Depends(requires(Permission.WRITE_EMERGENCY))]


@router.post("/incidents/{incident_id}/aid-requests", response_model=AidRequestRead, status_code=201,
             operation_id="emergency_aid_request")
def ask(incident_id: RowId, body: AidRequestIn, db: DbSession, ctx: Context, principal: Writer) -> AidRequestRead:
    """支援请求: the reader's office asks another office (another city) for teams and/or supplies for this
    incident; written on the incident's timeline and the request's log."""
    incident = incidents.get(db, incident_id=incident_id)
    aid = service.request(db, incident=incident, data=body, principal=principal, now=ctx.clock.now())
    return service.read(db, aid, with_log=True)


@router.get("/mutual-aid/requests", response_model=list[AidRequestRead], operation_id="emergency_aid_list")
def list_requests(db: DbSession, principal: Reader,
                  direction: Annotated[Literal["incoming", "outgoing"] | None, Query(
                      description="incoming: asked of the reader's office; outgoing: asked by it")] = None,
                  incident_id: Annotated[RowId | None, Query()] = None) -> list[AidRequestRead]:
    """The requests the reader's region takes part in, newest first: nobody else's."""
    return [service.read(db, a) for a in service.listing(db, direction=direction, incident_id=incident_id)]


@router.get("/mutual-aid/requests/{aid_id}", response_model=AidRequestRead, operation_id="emergency_aid_get")
def get_request(aid_id: RowId, db: DbSession, principal: Reader) -> AidRequestRead:
    return service.read(db, service.get(db, aid_id=aid_id), with_log=True)


@router.post("/mutual-aid/requests/{aid_id}/accept", response_model=AidRequestRead,
             operation_id="emergency_aid_accept")
def accept(aid_id: RowId, body: AcceptIn, db: DbSession, ctx: Context, principal: Writer) -> AidRequestRead:
    """同意: the asked office offers its own teams (standing by) and/or supplies."""
    aid = service.accept(db, aid=_locked(db, aid_id), data=body, principal=principal, now=ctx.clock.now())
    return service.read(db, aid, with_log=True)


@router.post("/mutual-aid/requests/{aid_id}/decline", response_model=AidRequestRead,
             operation_id="emergency_aid_decline")
def decline(aid_id: RowId, body: DeclineIn, db: DbSession, ctx: Context, principal: Writer) -> AidRequestRead:
    """拒绝, with the reason (required)."""
    aid = service.decline(db, aid=_locked(db, aid_id), reason=body.reason, principal=principal,
                          now=ctx.clock.now())
    return service.read(db, aid, with_log=True)


@router.post("/mutual-aid/requests/{aid_id}/withdraw", response_model=AidRequestRead,
             operation_id="emergency_aid_withdraw")
def withdraw(aid_id: RowId, body: NoteIn, db: DbSession, ctx: Context, principal: Writer) -> AidRequestRead:
    aid = service.withdraw(db, aid=_locked(db, aid_id), note=body.note, principal=principal,
                           now=ctx.clock.now())
    return service.read(db, aid, with_log=True)


@router.post("/mutual-aid/requests/{aid_id}/dispatches", response_model=AidRequestRead,
             operation_id="emergency_aid_dispatch")
def dispatch(aid_id: RowId, body: AidDispatchIn, db: DbSession, ctx: Context, principal: Writer) -> AidRequestRead:
    """The asked office sends its teams across the boundary: dispatch orders of the requesting incident."""
    aid = service.dispatch(db, aid=_locked(db, aid_id), team_ids=list(body.team_ids), note=body.note,
                           principal=principal, now=ctx.clock.now())
    return service.read(db, aid, with_log=True)


@router.post("/mutual-aid/requests/{aid_id}/dispatches/{dispatch_id}/arrive", response_model=AidRequestRead,
             operation_id="emergency_aid_arrive")
def arrive(aid_id: RowId, dispatch_id: RowId, db: DbSession, ctx: Context, principal: Writer) -> AidRequestRead:
    """到场 of a team sent under the request, recorded by either side (409 if recorded already)."""
    aid = service.step(db, aid=_locked(db, aid_id), dispatch_id=dispatch_id, arrived=True,
                       principal=principal, now=ctx.clock.now())
    return service.read(db, aid, with_log=True)


@router.post("/mutual-aid/requests/{aid_id}/dispatches/{dispatch_id}/release", response_model=AidRequestRead,
             operation_id="emergency_aid_release")
def release(aid_id: RowId, dispatch_id: RowId, db: DbSession, ctx: Context, principal: Writer) -> AidRequestRead:
    """撤离 of a team sent under the request (or called off on the way), recorded by either side."""
    aid = service.step(db, aid=_locked(db, aid_id), dispatch_id=dispatch_id, arrived=False,
                       principal=principal, now=ctx.clock.now())
    return service.read(db, aid, with_log=True)


@router.post("/mutual-aid/requests/{aid_id}/close", response_model=AidRequestRead,
             operation_id="emergency_aid_close")
def close(aid_id: RowId, body: NoteIn, db: DbSession, ctx: Context, principal: Writer) -> AidRequestRead:
    aid = service.close(db, aid=_locked(db, aid_id), note=body.note, principal=principal,
                        now=ctx.clock.now())
    return service.read(db, aid, with_log=True)


def _locked(db: DbSession, aid_id: int) -> AidRequest:
    return service.get(db, aid_id=aid_id, lock=True)


# --- the resource catalogue exchange ------------------------------------------------------------------------


@router.get("/mutual-aid/catalogue", operation_id="emergency_aid_catalogue_export",
            responses={200: {"description": "a catalogue document, format mutual-aid-catalogue 1.x",
                             "content": {"application/json": {"schema": {"type": "object"}}}}})
def export_catalogue(db: DbSession, ctx: Context, principal: Reader,
                     contacts: Annotated[bool, Query(description="include duty contacts (writers only, by agreement "
                                                                 "with the partner)")] = False) -> JSONResponse:
    """This office's teams, depots with stock and experts (never their phones) in the exchange format."""
    if contacts and not principal.can(Permission.WRITE_EMERGENCY):
        raise Forbidden(detail="only duty officers export contacts", detail_zh="只有值班人员可以导出联系方式")
    document = catalogue.export(db, principal=principal, contacts=contacts, now=ctx.clock.now())
    return JSONResponse(document, headers={
        "Content-Disposition": f'attachment; filename="catalogue-{principal.region_code}.json"'})


@router.get("/mutual-aid/catalogue/schema", operation_id="emergency_aid_catalogue_schema")
def catalogue_schema() -> JSONResponse:
    """The JSON Schema (draft 2020-12) of the exchange format, as shipped in the package."""
    return JSONResponse(exchange.json_schema(), media_type="application/schema+json")


@router.post("/mutual-aid/catalogues", response_model=CatalogueSummary, status_code=201,
             operation_id="emergency_aid_catalogue_import")
def import_catalogue(db: DbSession, ctx: Context, principal: Writer,
                     document: Annotated[dict[str, Any], Body(description="a mutual-aid-catalogue 1.x document")],
                     ) -> CatalogueSummary:
    """A neighbour's catalogue, replacing that publisher's previous one; a bad document changes nothing and the
    answer names the JSON path of each problem (``$.teams[3].location.lon``)."""
    doc = exchange.validate(document)
    return catalogue.summary(catalogue.import_catalogue(db, principal=principal, doc=doc, now=ctx.clock.now()))


@router.get("/mutual-aid/catalogues", response_model=list[CatalogueSummary],
            operation_id="emergency_aid_catalogue_list")
def list_catalogues(db: DbSession, principal: Reader) -> list[CatalogueSummary]:
    return [catalogue.summary(c) for c in catalogue.partners(db)]


@router.get("/mutual-aid/catalogues/{catalogue_id}", operation_id="emergency_aid_catalogue_get")
def get_catalogue(catalogue_id: RowId, db: DbSession, principal: Reader) -> JSONResponse:
    """The partner's document as imported."""
    return JSONResponse(catalogue.get_partner(db, catalogue_id=catalogue_id).document)


@router.get("/mutual-aid/external-teams", response_model=list[ExternalTeam],
            operation_id="emergency_aid_external_teams")
def external_teams(db: DbSession, principal: Reader) -> list[ExternalTeam]:
    """外部 teams of the imported catalogues: read-only, as of each partner's document."""
    return catalogue.external_teams(db)
