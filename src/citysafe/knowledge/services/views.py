"""The purchased-services API under ``/api/v1/knowledge/services``: the catalogue (指导目录), providers with
qualifications and standing, contracts, service records, evaluations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from citysafe.auth.deps import Context, DbSession, requires
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.clock import to_local
from citysafe.knowledge.services import service
from citysafe.knowledge.services.schemas import (
    ContractIn,
    ContractRead,
    EvaluationIn,
    EvaluationRead,
    ItemIn,
    ItemRead,
    ProviderIn,
    ProviderRead,
    QualificationIn,
    QualificationRead,
    RecordIn,
    RecordRead,
)

router = APIRouter(prefix="/knowledge/services", tags=["purchased services"])
Reader = Annotated[Principal, Depends(requires(Permission.READ_ORGANIZATIONS))]
Writer = Annotated[Principal, Depends(requires(Permission.WRITE_ORGANIZATIONS))]
# The catalogue is the province's: its editors hold the criteria permission (province office, administrator).
Editor = Annotated[Principal, Depends(requires(Permission.MANAGE_CRITERIA))]


@router.get("/catalogue", response_model=list[ItemRead], operation_id="services_catalogue")
def catalogue(db: DbSession, principal: Reader, edition: Annotated[str | None, Query(max_length=30)] = None,
              active: bool = False) -> list[ItemRead]:
    return [ItemRead.model_validate(i) for i in service.list_items(db, edition=edition, active_only=active)]


@router.post("/catalogue", response_model=ItemRead, status_code=201, operation_id="services_catalogue_add")
def add_item(data: ItemIn, db: DbSession, ctx: Context, principal: Editor) -> ItemRead:
    return ItemRead.model_validate(service.save_item(db, data=data, now=ctx.clock.now()))


@router.put("/catalogue/{catalogue_item_id}", response_model=ItemRead, operation_id="services_catalogue_update")
def update_item(catalogue_item_id: RowId, data: ItemIn, db: DbSession, ctx: Context, principal: Editor) -> ItemRead:
    return ItemRead.model_validate(service.save_item(db, data=data, now=ctx.clock.now(), item_id=catalogue_item_id))


@router.get("/providers", response_model=list[ProviderRead], operation_id="services_providers")
def providers(db: DbSession, ctx: Context, principal: Reader,
              item: Annotated[str | None, Query(max_length=20)] = None) -> list[ProviderRead]:
    return service.list_providers(db, today=to_local(ctx.clock.now()).date(), item_code=item)


@router.post("/providers", response_model=ProviderRead, status_code=201, operation_id="services_providers_add")
def add_provider(data: ProviderIn, db: DbSession, ctx: Context, principal: Writer) -> ProviderRead:
    now = ctx.clock.now()
    row = service.create_provider(db, data=data, now=now)
    return service.get_provider(db, provider_id=row.id, today=to_local(now).date())


@router.get("/providers/{provider_id}", response_model=ProviderRead, operation_id="services_provider")
def provider(provider_id: RowId, db: DbSession, ctx: Context, principal: Reader) -> ProviderRead:
    return service.get_provider(db, provider_id=provider_id, today=to_local(ctx.clock.now()).date())


@router.post("/providers/{provider_id}/qualifications", response_model=QualificationRead, status_code=201,
             operation_id="services_qualifications_add")
def add_qualification(provider_id: RowId, data: QualificationIn, db: DbSession, ctx: Context,
                      principal: Writer) -> QualificationRead:
    now = ctx.clock.now()
    row = service.add_qualification(db, provider_id=provider_id, data=data, now=now)
    return service.qualification_read(row, today=to_local(now).date())


@router.get("/contracts", response_model=list[ContractRead], operation_id="services_contracts")
def contracts(db: DbSession, principal: Reader, provider: RowId | None = None) -> list[ContractRead]:
    return service.list_contracts(db, provider_id=provider)


@router.post("/contracts", response_model=ContractRead, status_code=201, operation_id="services_contracts_add")
def add_contract(data: ContractIn, db: DbSession, ctx: Context, principal: Writer) -> ContractRead:
    return service.contract_reads(db, [service.create_contract(db, data=data, now=ctx.clock.now())])[0]


@router.get("/contracts/{contract_id}/records", response_model=list[RecordRead], operation_id="services_records")
def records(contract_id: RowId, db: DbSession, principal: Reader) -> list[RecordRead]:
    return [RecordRead.model_validate(r) for r in service.list_records(db, contract_id=contract_id)]


@router.post("/contracts/{contract_id}/records", response_model=RecordRead, status_code=201,
             operation_id="services_records_add")
def add_record(contract_id: RowId, data: RecordIn, db: DbSession, ctx: Context, principal: Writer) -> RecordRead:
    return RecordRead.model_validate(service.add_record(db, contract_id=contract_id, data=data, now=ctx.clock.now()))


@router.get("/providers/{provider_id}/evaluations", response_model=list[EvaluationRead],
            operation_id="services_evaluations")
def evaluations(provider_id: RowId, db: DbSession, principal: Reader) -> list[EvaluationRead]:
    return [EvaluationRead.model_validate(e) for e in service.list_evaluations(db, provider_id=provider_id)]


@router.post("/providers/{provider_id}/evaluations", response_model=EvaluationRead, status_code=201,
             operation_id="services_evaluations_add")
def evaluate(provider_id: RowId, data: EvaluationIn, db: DbSession, ctx: Context,
             principal: Writer) -> EvaluationRead:
    return EvaluationRead.model_validate(service.evaluate(db, provider_id=provider_id, data=data,
                                                          now=ctx.clock.now()))
