"""Dangerous-work permits: apply, approve along the chain, record gas tests, start, close; flags."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from citysafe.auth.deps import Context, CurrentPrincipal, DbSession, requires
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.pagination import Page, PageParams, page_of_all
from citysafe.hazards import rules
from citysafe.hazards.calc.permits import PermitState
from citysafe.hazards.permits import service
from citysafe.hazards.permits.schemas import GasTestIn, GasTestRead, PermitActionIn, PermitCreate, PermitRead, WorkType

router = APIRouter(tags=["hazards: permits"])
PermitWorker = Annotated[Principal, Depends(requires(Permission.WORK_PERMITS))]


@router.get("/permits/rules", operation_id="hazards_permits_rules")
def permit_rules(ctx: Context, principal: CurrentPrincipal) -> dict[str, Any]:
    """Work types, grades, validity limits, approval chains and gas limits in force (GB 30871)."""
    return rules.permit_rules(ctx.settings).as_dict()


@router.get("/permits/flags", operation_id="hazards_permits_flags")
def permit_flags(db: DbSession, ctx: Context, principal: CurrentPrincipal) -> dict[str, int]:
    """Counts of open permits that are expired, in conflict, or due a gas re-test."""
    return service.flags_summary(db, settings=ctx.settings, now=ctx.clock.now())


@router.post("/permits", response_model=PermitRead, status_code=201, operation_id="hazards_permits_create")
def apply_for_permit(permit_in: PermitCreate, db: DbSession, ctx: Context, principal: PermitWorker) -> PermitRead:
    now = ctx.clock.now()
    permit = service.apply(db, permit_in=permit_in, principal=principal, settings=ctx.settings, now=now)
    return service.permit_reads(db, [permit], ctx.settings, now)[0]


@router.get("/permits", response_model=Page[PermitRead], operation_id="hazards_permits_list")
def list_permits(
    db: DbSession, ctx: Context, principal: CurrentPrincipal, params: Annotated[PageParams, Query()],
    work_type: WorkType | None = None, state: PermitState | None = None, organization_id: RowId | None = None,
    flag: Literal["expired", "conflict", "gas_retest"] | None = None,
) -> Page[PermitRead]:
    now = ctx.clock.now()
    found = service.list_permits(db, params=params, settings=ctx.settings, now=now,
                                 work_type=work_type.value if work_type else None,
                                 state=state.value if state else None, organization_id=organization_id, flag=flag)
    return page_of_all(found, params, lambda rows: service.permit_reads(db, rows, ctx.settings, now))


@router.get("/permits/{permit_id}", response_model=PermitRead, operation_id="hazards_permits_get")
def get_permit(permit_id: RowId, db: DbSession, ctx: Context, principal: CurrentPrincipal) -> PermitRead:
    return service.permit_reads(db, [service.get(db, permit_id=permit_id)], ctx.settings, ctx.clock.now())[0]


@router.post("/permits/{permit_id}/transitions", response_model=PermitRead, operation_id="hazards_permits_transition")
def act_on_permit(permit_id: RowId, action_in: PermitActionIn, db: DbSession, ctx: Context,
                  principal: PermitWorker) -> PermitRead:
    """approve (the next step of the chain), reject, start (gas test and conflicts checked), close, cancel."""
    now = ctx.clock.now()
    permit = service.act(db, permit=service.get(db, permit_id=permit_id), action_in=action_in, principal=principal,
                         settings=ctx.settings, now=now)
    return service.permit_reads(db, [permit], ctx.settings, now)[0]


@router.post("/permits/{permit_id}/gas-tests", response_model=GasTestRead, status_code=201,
             operation_id="hazards_permits_gas_tests_add")
def add_gas_test(permit_id: RowId, test_in: GasTestIn, db: DbSession, ctx: Context,
                 principal: PermitWorker) -> GasTestRead:
    test = service.add_gas_test(db, permit=service.get(db, permit_id=permit_id), test_in=test_in,
                                principal=principal, settings=ctx.settings, now=ctx.clock.now())
    return GasTestRead.model_validate(test)
