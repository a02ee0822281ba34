"""The shelter API under ``/api/v1/emergency/shelters``: the registry, occupancy, per-person area rules,
community populations, the evacuation plan, Excel/CSV templates and imports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from citysafe.auth.deps import Context, DbSession, requires
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.errors import Forbidden
from citysafe.core.pagination import Page, PageParams, page_of_all
from citysafe.emergency.resources.views import add_import_routes
from citysafe.emergency.shelters import importer, service
from citysafe.emergency.shelters.schemas import (
    AreaRuleIn,
    AreaRuleRead,
    EvacuationIn,
    EvacuationPlan,
    MovementIn,
    MovementRead,
    PopulationRead,
    ShelterFilter,
    ShelterIn,
    ShelterPage,
    ShelterRead,
)

router = APIRouter(prefix="/emergency/shelters", tags=["emergency shelters"])
Reader = Annotated[Principal, Depends(requires(Permission.READ_EMERGENCY))]
Writer = Annotated[Principal, Depends(requires(Permission.WRITE_EMERGENCY))]


@router.get("", response_model=ShelterPage, operation_id="shelters_list")
def list_shelters(db: DbSession, principal: Reader, params: Annotated[PageParams, Query()],
                  filters: Annotated[ShelterFilter, Query()]) -> Page[ShelterRead]:
    return page_of_all(service.list_shelters(db, filters=filters, params=params), params,
                       lambda rows: service.shelter_reads(db, rows))


@router.post("", response_model=ShelterRead, status_code=201, operation_id="shelters_create")
def create_shelter(data: ShelterIn, db: DbSession, ctx: Context, principal: Writer) -> ShelterRead:
    """Capacity is computed: effective area ÷ the per-person area of the shelter's duration class."""
    return service.shelter_reads(db, [service.save_shelter(db, data=data, now=ctx.clock.now())])[0]


@router.get("/area-rules", response_model=list[AreaRuleRead], operation_id="shelters_area_rules")
def area_rules(db: DbSession, principal: Reader) -> list[AreaRuleRead]:
    return [AreaRuleRead.model_validate(r) for r in service.area_rules(db).values()]


@router.put("/area-rules", response_model=AreaRuleRead, operation_id="shelters_area_rule_set")
def set_area_rule(data: AreaRuleIn, db: DbSession, ctx: Context, principal: Writer) -> AreaRuleRead:
    """The city's figure (a city office or above): every shelter of the class is given its capacity again."""
    if len(principal.region_code) != 6 or not principal.region_code.endswith("00"):
        raise Forbidden(detail="per-person areas are set by a city or province office",
                        detail_zh="人均避难面积由市级及以上部门设定")
    rule = service.set_area_rule(db, duration=data.duration, data=data, now=ctx.clock.now())
    return AreaRuleRead.model_validate(rule)


@router.get("/populations", response_model=Page[PopulationRead], operation_id="shelters_populations")
def list_populations(db: DbSession, principal: Reader, params: Annotated[PageParams, Query()],
                     region: Annotated[str | None, Query(max_length=12, pattern=r"^\d{6,12}$")] = None,
                     ) -> Page[PopulationRead]:
    return page_of_all(service.populations(db, region=region, params=params), params,
                       lambda rows: service.population_reads(db, rows))


@router.post("/evacuation", response_model=EvacuationPlan, operation_id="shelters_evacuation_plan")
def evacuation(request: EvacuationIn, db: DbSession, principal: Reader) -> EvacuationPlan:
    """Assign the area's communities to shelters with free places, minimising Σ people × straight-line metres
    (a capacitated transportation problem, solved exactly); people without a place are reported, not forced."""
    return service.evacuation_plan(db, request=request)


add_import_routes(router, prefix="shelters", spec=importer.SHELTERS, run=importer.import_shelters)
add_import_routes(router, prefix="shelters", spec=importer.POPULATION, run=importer.import_populations)


@router.get("/{shelter_id}", response_model=ShelterRead, operation_id="shelters_get")
def get_shelter(shelter_id: RowId, db: DbSession, principal: Reader) -> ShelterRead:
    return service.shelter_reads(db, [service.get_shelter(db, shelter_id=shelter_id)])[0]


@router.put("/{shelter_id}", response_model=ShelterRead, operation_id="shelters_update")
def update_shelter(shelter_id: RowId, data: ShelterIn, db: DbSession, ctx: Context,
                   principal: Writer) -> ShelterRead:
    shelter = service.save_shelter(db, data=data, now=ctx.clock.now(),
                                   shelter=service.get_shelter(db, shelter_id=shelter_id))
    return service.shelter_reads(db, [shelter])[0]


@router.post("/{shelter_id}/movements", response_model=ShelterRead, operation_id="shelters_movement")
def movement(shelter_id: RowId, data: MovementIn, db: DbSession, ctx: Context, principal: Writer) -> ShelterRead:
    """People arrived or left; occupancy never below 0 nor above capacity unless ``over_capacity`` is set."""
    shelter = service.record_movement(db, shelter_id=shelter_id, data=data, actor=principal.username,
                                      now=ctx.clock.now())
    return service.shelter_reads(db, [shelter])[0]


@router.get("/{shelter_id}/movements", response_model=list[MovementRead], operation_id="shelters_movements")
def movements(shelter_id: RowId, db: DbSession, principal: Reader) -> list[MovementRead]:
    return [MovementRead.model_validate(m) for m in service.movements(db, shelter_id=shelter_id)]
