from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from citysafe.auth.deps import CurrentPrincipal, DbSession, requires
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.pagination import Page, PageParams, page_of
from citysafe.orgs import service
from citysafe.orgs.schemas import OrganizationCreate, OrganizationFilter, OrganizationRead, OrganizationUpdate

router = APIRouter(prefix="/organizations", tags=["organizations"])
Writer = Annotated[Principal, Depends(requires(Permission.WRITE_ORGANIZATIONS))]


@router.post("", response_model=OrganizationRead, status_code=201, operation_id="organizations_create")
def create_organization(org_in: OrganizationCreate, db: DbSession, principal: Writer) -> OrganizationRead:
    return OrganizationRead.model_validate(service.create(db, org_in=org_in))


@router.get("", response_model=Page[OrganizationRead], operation_id="organizations_list")
def list_organizations(
    db: DbSession, principal: CurrentPrincipal,
    params: Annotated[PageParams, Query()], filters: Annotated[OrganizationFilter, Query()],
) -> Page[OrganizationRead]:
    return page_of(service.list_organizations(db, filters=filters, params=params), params,
                   OrganizationRead.model_validate)


@router.get("/sectors", response_model=list[str], operation_id="organizations_sectors")
def list_sectors(db: DbSession, principal: CurrentPrincipal) -> list[str]:
    """The sectors the units one may see are filed under (the choices of a sector filter)."""
    return service.sectors(db)


@router.get("/{org_id}", response_model=OrganizationRead, operation_id="organizations_get")
def get_organization(org_id: RowId, db: DbSession, principal: CurrentPrincipal) -> OrganizationRead:
    return OrganizationRead.model_validate(service.get(db, org_id=org_id))


@router.patch("/{org_id}", response_model=OrganizationRead, operation_id="organizations_update")
def update_organization(org_id: RowId, org_in: OrganizationUpdate, db: DbSession,
                        principal: Writer) -> OrganizationRead:
    org = service.get(db, org_id=org_id)
    return OrganizationRead.model_validate(service.update(db, org=org, org_in=org_in))
