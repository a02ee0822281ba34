"""Enforcement records, penalties and the joint-punishment list."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from citysafe.auth.deps import Context, CurrentPrincipal, DbSession, requires
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId, SaneDatetime
from citysafe.core.pagination import Page, PageParams, page_of, page_of_all
from citysafe.hazards.enforcement import service
from citysafe.hazards.enforcement.schemas import (
    EnforcementCreate,
    EnforcementRead,
    OrganizationStanding,
    PenaltyCreate,
    PunishmentCreate,
    PunishmentRead,
    RevokeIn,
)
from citysafe.hazards.enums import EnforcementKind
from citysafe.hazards.schemas import region_query

router = APIRouter(tags=["hazards: enforcement"])
Enforcer = Annotated[Principal, Depends(requires(Permission.ENFORCE))]


@router.post("/enforcement", response_model=EnforcementRead, status_code=201, operation_id="hazards_enforcement_create")
def create_record(record_in: EnforcementCreate, db: DbSession, ctx: Context, principal: Enforcer) -> EnforcementRead:
    record = service.create_record(db, record_in=record_in, principal=principal)
    return service.record_reads(db, [record], ctx.clock.now())[0]


@router.get("/enforcement", response_model=Page[EnforcementRead], operation_id="hazards_enforcement_list")
def list_records(
    db: DbSession, ctx: Context, principal: CurrentPrincipal, params: Annotated[PageParams, Query()],
    kind: EnforcementKind | None = None, organization_id: RowId | None = None, region: str | None = None,
    sector: str | None = None, q: str | None = None, since: SaneDatetime | None = None,
    until: SaneDatetime | None = None, status: Literal["open", "closed"] | None = None,
) -> Page[EnforcementRead]:
    found = service.list_records(db, params=params, kind=kind.value if kind else None,
                                 organization_id=organization_id, region=region_query(region), sector=sector,
                                 q=q, since=since, until=until, status=status)
    return page_of_all(found, params, lambda rows: service.record_reads(db, rows, ctx.clock.now()))


@router.get("/enforcement/{record_id}", response_model=EnforcementRead, operation_id="hazards_enforcement_get")
def get_record(record_id: RowId, db: DbSession, ctx: Context, principal: CurrentPrincipal) -> EnforcementRead:
    return service.record_reads(db, [service.get_record(db, record_id=record_id)], ctx.clock.now())[0]


@router.post("/enforcement/{record_id}/penalties", response_model=EnforcementRead, status_code=201,
             operation_id="hazards_enforcement_penalties_add")
def add_penalty(record_id: RowId, penalty_in: PenaltyCreate, db: DbSession, ctx: Context,
                principal: Enforcer) -> EnforcementRead:
    record = service.add_penalty(db, record=service.get_record(db, record_id=record_id), penalty_in=penalty_in)
    return service.record_reads(db, [record], ctx.clock.now())[0]


@router.post("/enforcement/{record_id}/close", response_model=EnforcementRead,
             operation_id="hazards_enforcement_close")
def close_record(record_id: RowId, db: DbSession, ctx: Context, principal: Enforcer) -> EnforcementRead:
    record = service.close_record(db, record=service.get_record(db, record_id=record_id))
    return service.record_reads(db, [record], ctx.clock.now())[0]


@router.post("/joint-punishments", response_model=PunishmentRead, status_code=201,
             operation_id="hazards_joint_punishments_create")
def create_punishment(punishment_in: PunishmentCreate, db: DbSession, ctx: Context,
                      principal: Enforcer) -> PunishmentRead:
    entry = service.create_punishment(db, punishment_in=punishment_in, principal=principal)
    return service.punishment_read(entry, ctx.clock.now())


@router.get("/joint-punishments", response_model=Page[PunishmentRead], operation_id="hazards_joint_punishments_list")
def list_punishments(
    db: DbSession, ctx: Context, principal: CurrentPrincipal, params: Annotated[PageParams, Query()],
    active: bool | None = None, organization_id: RowId | None = None, region: str | None = None,
) -> Page[PunishmentRead]:
    now = ctx.clock.now()
    found = service.list_punishments(db, params=params, now=now, active=active,
                                     organization_id=organization_id, region=region_query(region))
    return page_of(found, params, lambda entry: service.punishment_read(entry, now))


@router.post("/joint-punishments/{punishment_id}/revoke", response_model=PunishmentRead,
             operation_id="hazards_joint_punishments_revoke")
def revoke_punishment(punishment_id: RowId, revoke: RevokeIn, db: DbSession, ctx: Context,
                      principal: Enforcer) -> PunishmentRead:
    now = ctx.clock.now()
    entry = service.revoke_punishment(db, entry=service.get_punishment(db, punishment_id=punishment_id),
                                      reason=revoke.reason, now=now)
    return service.punishment_read(entry, now)


@router.get("/organizations/{org_id}/standing", response_model=OrganizationStanding,
            operation_id="hazards_organization_standing")
def organization_standing(org_id: RowId, db: DbSession, ctx: Context,
                          principal: CurrentPrincipal) -> OrganizationStanding:
    """A unit's open and overdue hazards, enforcement record and place on the joint-punishment list."""
    return service.standing(db, org_id=org_id, now=ctx.clock.now())
