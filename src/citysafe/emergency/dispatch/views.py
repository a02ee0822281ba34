"""Dispatch under ``/api/v1/emergency``: suggest teams by travel time, send them, record arrival and release."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from citysafe.auth.deps import Context, DbSession, requires
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.emergency import service as incidents
from citysafe.emergency.dispatch import service
from citysafe.emergency.dispatch.models import DispatchOrder
from citysafe.emergency.dispatch.schemas import DispatchIn, OrderRead, SuggestionsOut
from citysafe.emergency.models import Incident
from citysafe.emergency.resources.schemas import TeamKind

router = APIRouter(prefix="/emergency", tags=["emergency dispatch"])
Reader = Annotated[Principal, Depends(requires(Permission.READ_EMERGENCY))]
Writer = Annotated[Principal, Depends(requires(Permission.WRITE_EMERGENCY))]


@router.get("/incidents/{incident_id}/dispatch/suggestions", response_model=SuggestionsOut,
            operation_id="emergency_dispatch_suggest")
def suggest(incident_id: RowId, db: DbSession, principal: Reader,
            k: Annotated[int, Query(ge=1, le=20, description="how many teams")] = 2,
            kind: Annotated[list[TeamKind] | None, Query(description="only teams of these kinds")] = None,
            ) -> SuggestionsOut:
    """The ``k`` teams standing by in the reader's region that reach the scene soonest, routes as GeoJSON;
    ``method`` says whether times come from the road network or a straight-line estimate."""
    incident = incidents.get(db, incident_id=incident_id)
    return service.suggest(db, incident=incident, k=k, kinds=[str(x) for x in kind] if kind else None)


@router.post("/incidents/{incident_id}/dispatches", response_model=list[OrderRead], status_code=201,
             operation_id="emergency_dispatch_create")
def dispatch(incident_id: RowId, order_in: DispatchIn, db: DbSession, ctx: Context,
             principal: Writer) -> list[OrderRead]:
    """调派: each team becomes 已出动 for this incident, and the timeline names it with its expected arrival."""
    incident = incidents.get(db, incident_id=incident_id)
    orders = service.dispatch(db, incident=incident, team_ids=order_in.team_ids, note=order_in.note,
                              principal=principal, now=ctx.clock.now())
    return [service.order_read(o) for o in orders]


@router.get("/incidents/{incident_id}/dispatches", response_model=list[OrderRead],
            operation_id="emergency_dispatch_list")
def list_orders(incident_id: RowId, db: DbSession, principal: Reader) -> list[OrderRead]:
    incident = incidents.get(db, incident_id=incident_id)
    return [service.order_read(o) for o in service.of_incident(db, incident_id=incident.id)]


def _order(db: DbSession, incident_id: int, dispatch_id: int) -> tuple[Incident, DispatchOrder]:
    incident = incidents.get(db, incident_id=incident_id)
    return incident, service.order_of(db, incident=incident, order_id=dispatch_id)


@router.post("/incidents/{incident_id}/dispatches/{dispatch_id}/arrive", response_model=OrderRead,
             operation_id="emergency_dispatch_arrive")
def arrive(incident_id: RowId, dispatch_id: RowId, db: DbSession, ctx: Context, principal: Writer) -> OrderRead:
    """到场: the team reached the scene (409 if recorded already)."""
    incident, order = _order(db, incident_id, dispatch_id)
    return service.order_read(service.arrive(db, incident=incident, order=order, principal=principal,
                                             now=ctx.clock.now()))


@router.post("/incidents/{incident_id}/dispatches/{dispatch_id}/release", response_model=OrderRead,
             operation_id="emergency_dispatch_release")
def release(incident_id: RowId, dispatch_id: RowId, db: DbSession, ctx: Context, principal: Writer) -> OrderRead:
    """撤离: the team leaves the scene, or is called off on the way; it returns."""
    incident, order = _order(db, incident_id, dispatch_id)
    return service.order_read(service.release(db, incident=incident, order=order, principal=principal,
                                              now=ctx.clock.now()))
