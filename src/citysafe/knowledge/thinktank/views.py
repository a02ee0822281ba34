"""The think tank API under ``/api/v1/knowledge/experts``: list by field, region, availability; add; set
availability. Callers see their own region only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from citysafe.auth.deps import Context, DbSession, requires
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.clock import to_local
from citysafe.core.pagination import Page, PageParams
from citysafe.knowledge.thinktank import service
from citysafe.knowledge.thinktank.schemas import AvailabilityIn, ExpertCreate, ExpertPage, ExpertRead

router = APIRouter(prefix="/knowledge/experts", tags=["think tank"])
Reader = Annotated[Principal, Depends(requires(Permission.READ_ORGANIZATIONS))]
Writer = Annotated[Principal, Depends(requires(Permission.WRITE_ORGANIZATIONS))]


@router.get("", response_model=ExpertPage, operation_id="thinktank_experts_list")
def list_experts(db: DbSession, ctx: Context, principal: Reader, params: Annotated[PageParams, Query()],
                 field: Annotated[str | None, Query(max_length=30)] = None,
                 region: Annotated[str | None, Query(max_length=12)] = None,
                 available: Annotated[str | None, Query(max_length=20, description="available, on_assignment or "
                                                        "unavailable, today")] = None,
                 q: Annotated[str | None, Query(max_length=50)] = None,
                 emergency: bool = False) -> Page[ExpertRead]:
    rows, total = service.list_experts(db, params=params, today=to_local(ctx.clock.now()).date(), field=field,
                                       region=region, available=available, q=q, emergency_only=emergency)
    return Page(items=rows, total=total, page=params.page, size=params.size)


@router.post("", response_model=ExpertRead, status_code=201, operation_id="thinktank_experts_create")
def create_expert(data: ExpertCreate, db: DbSession, ctx: Context, principal: Writer) -> ExpertRead:
    now = ctx.clock.now()
    return service.create_expert(db, data=data, now=now, today=to_local(now).date())


@router.get("/{expert_id}", response_model=ExpertRead, operation_id="thinktank_experts_get")
def get_expert(expert_id: RowId, db: DbSession, ctx: Context, principal: Reader) -> ExpertRead:
    return service.get_expert(db, expert_id=expert_id, today=to_local(ctx.clock.now()).date())


@router.put("/{expert_id}/availability", response_model=ExpertRead, operation_id="thinktank_experts_availability")
def set_availability(expert_id: RowId, data: AvailabilityIn, db: DbSession, ctx: Context,
                     principal: Writer) -> ExpertRead:
    now = ctx.clock.now()
    return service.set_availability(db, expert_id=expert_id, data=data, now=now, today=to_local(now).date())
