"""The applicant registry under ``/api/v1/evaluation/applicants``: each office reads its own subtree's."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from citysafe.auth.deps import DbSession
from citysafe.core.bounds import RowId
from citysafe.evaluation.access import Office, Reader, Writer
from citysafe.evaluation.applicants import service
from citysafe.evaluation.applicants.schemas import ApplicantCreate, ApplicantRead, OrganisationIn, PlanIn

router = APIRouter(prefix="/evaluation", tags=["evaluation applicants"])


@router.get("/applicants", response_model=list[ApplicantRead], operation_id="evaluation_applicants_list")
def list_applicants(db: DbSession, principal: Reader,
                    kind: Annotated[Literal["city", "county", "zone"] | None, Query()] = None,
                    standing: Annotated[Literal["preparing", "applying", "named", "revoked"] | None, Query()] = None,
                    ) -> list[ApplicantRead]:
    return [service.read(db, a) for a in service.listing(db, kind=kind, standing=standing)]


@router.post("/applicants", response_model=ApplicantRead, status_code=201, operation_id="evaluation_applicants_create")
def create_applicant(body: ApplicantCreate, db: DbSession, principal: Office) -> ApplicantRead:
    """参评对象: a 设区市 or 县级 division by its code, or a 国家级开发区 by name, 批复 and the division it lies in."""
    return service.read(db, service.create(db, data=body, principal=principal))


@router.get("/applicants/{applicant_id}", response_model=ApplicantRead, operation_id="evaluation_applicants_get")
def get_applicant(applicant_id: RowId, db: DbSession, principal: Reader) -> ApplicantRead:
    return service.read(db, service.get(db, applicant_id=applicant_id))


@router.put("/applicants/{applicant_id}/plan", response_model=ApplicantRead, operation_id="evaluation_applicants_plan")
def put_plan(applicant_id: RowId, body: PlanIn, db: DbSession, principal: Writer) -> ApplicantRead:
    """创建实施方案: title, adoption date and summary."""
    applicant = service.get(db, applicant_id=applicant_id, lock=True)
    return service.read(db, service.update_plan(db, applicant=applicant, data=body, principal=principal))


@router.put("/applicants/{applicant_id}/organisation", response_model=ApplicantRead,
            operation_id="evaluation_applicants_organisation")
def put_organisation(applicant_id: RowId, body: OrganisationIn, db: DbSession, principal: Writer) -> ApplicantRead:
    """领导小组, 工作专班 and contacts, each list replaced whole."""
    applicant = service.get(db, applicant_id=applicant_id, lock=True)
    return service.read(db, service.update_organisation(db, applicant=applicant, data=body, principal=principal))
