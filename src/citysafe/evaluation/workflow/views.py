"""The creation workflow under ``/api/v1/evaluation``: applications and their steps, member-unit opinions,
公示 objections and revocations; the public 公示 list under ``/api/v1/public`` (no login)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from citysafe.auth.deps import Context, DbSession
from citysafe.core.bounds import RowId
from citysafe.evaluation.access import Office, Reader
from citysafe.evaluation.applicants import service as applicants
from citysafe.evaluation.workflow import publicity, revocations, service
from citysafe.evaluation.workflow.schemas import (
    ApplicationCreate,
    ApplicationRead,
    ObjectionHandleIn,
    ObjectionRead,
    OpinionIn,
    OpinionRead,
    PublicityEntry,
    RevocationDecideIn,
    RevocationRead,
    StepIn,
)

router = APIRouter(prefix="/evaluation", tags=["evaluation workflow"])
public_router = APIRouter(prefix="/public", tags=["public evaluation"])


@router.get("/applications", response_model=list[ApplicationRead], operation_id="evaluation_applications_list")
def list_applications(db: DbSession, principal: Reader, applicant_id: Annotated[RowId | None, Query()] = None,
                      state: Annotated[str | None, Query(max_length=20)] = None) -> list[ApplicationRead]:
    """The applications of the reader's own region and the regions below it, newest year first."""
    return [service.read(db, a, principal=principal)
            for a in service.listing(db, applicant_id=applicant_id, state=state)]


@router.post("/applicants/{applicant_id}/applications", response_model=ApplicationRead, status_code=201,
             operation_id="evaluation_applications_open")
def open_application(applicant_id: RowId, body: ApplicationCreate, db: DbSession, ctx: Context, principal: Office,
                     round: Annotated[Literal["creation", "re_evaluation"], Query()] = "creation",
                     ) -> ApplicationRead:
    """自评 begins (``round=creation``), or the 复评 of a named applicant (``round=re_evaluation``)."""
    applicant = applicants.get(db, applicant_id=applicant_id, lock=True)
    application = service.open_application(db, applicant=applicant, data=body, principal=principal,
                                           now=ctx.clock.now(), round_=round)
    return service.read(db, application, principal=principal, full=True)


@router.get("/applications/{application_id}", response_model=ApplicationRead,
            operation_id="evaluation_applications_get")
def get_application(application_id: RowId, db: DbSession, ctx: Context, principal: Reader) -> ApplicationRead:
    """With its whole history, opinions and objections, and ``allowed``: the steps the reader may take now."""
    return service.read(db, service.get(db, application_id=application_id), principal=principal, full=True,
                        now=ctx.clock.now())


@router.post("/applications/{application_id}/steps", response_model=ApplicationRead,
             operation_id="evaluation_applications_step")
def take_step(application_id: RowId, body: StepIn, db: DbSession, ctx: Context, principal: Office) -> ApplicationRead:
    """One step of the plan: 409 when the application is not at that step, 403 when another office takes it."""
    application = service.get(db, application_id=application_id, lock=True)
    service.take_step(db, application=application, data=body, principal=principal, now=ctx.clock.now(),
                      publicity_days=ctx.settings.evaluation_publicity_days)
    return service.read(db, application, principal=principal, full=True)


@router.post("/applications/{application_id}/opinions", response_model=OpinionRead, status_code=201,
             operation_id="evaluation_applications_opinion")
def add_opinion(application_id: RowId, body: OpinionIn, db: DbSession, ctx: Context,
                principal: Office) -> OpinionRead:
    """A member unit's opinion (同意/不同意/有条件同意) at 市级复核 or 省级评议."""
    application = service.get(db, application_id=application_id, lock=True)
    opinion = service.add_opinion(db, application=application, data=body, principal=principal, now=ctx.clock.now())
    return OpinionRead.model_validate(opinion)


@router.post("/objections/{objection_id}/handle", response_model=ObjectionRead,
             operation_id="evaluation_objections_handle")
def handle_objection(objection_id: RowId, body: ObjectionHandleIn, db: DbSession, ctx: Context,
                     principal: Office) -> ObjectionRead:
    return ObjectionRead.model_validate(publicity.handle(db, objection_id=objection_id, data=body,
                                                         principal=principal, now=ctx.clock.now()))


@router.get("/revocations", response_model=list[RevocationRead], operation_id="evaluation_revocations_list")
def list_revocations(db: DbSession, principal: Reader,
                     state: Annotated[Literal["proposed", "revoked", "kept"] | None, Query()] = None,
                     ) -> list[RevocationRead]:
    return [revocations.read(db, r) for r in revocations.listing(db, state=state)]


@router.post("/revocations/{revocation_id}/decide", response_model=RevocationRead,
             operation_id="evaluation_revocations_decide")
def decide_revocation(revocation_id: RowId, body: RevocationDecideIn, db: DbSession, ctx: Context,
                      principal: Office) -> RevocationRead:
    """The province revokes the naming (摘牌) or keeps it, with its reasons."""
    row = revocations.decide(db, revocation_id=revocation_id, data=body, principal=principal, now=ctx.clock.now())
    return revocations.read(db, row)


@public_router.get("/evaluation/publicity", response_model=list[PublicityEntry],
                   operation_id="public_evaluation_publicity")
def public_list(db: DbSession, ctx: Context) -> list[PublicityEntry]:
    """拟命名名单 on 公示 now, with each window (no login)."""
    return publicity.current(db, now=ctx.clock.now())
