"""The plan library under ``/api/v1/emergency/plans``: plans, versions, reviews and filings, original documents,
and which plans an incident's facts call for."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Query, Response, UploadFile

from citysafe.auth.deps import Context, CurrentPrincipal, DbSession, requires
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.errors import field_error
from citysafe.core.pagination import Page, PageParams, page_of_all
from citysafe.core.uploads import read_capped
from citysafe.emergency.plans import documents, service
from citysafe.emergency.plans.models import EmergencyPlan
from citysafe.emergency.plans.schemas import (
    Category,
    DivisionCode,
    DocumentRead,
    Grade,
    MatchIn,
    MatchRead,
    PlanCreate,
    PlanDetail,
    PlanKind,
    PlanRead,
    PlanRecordIn,
    PlanRecordRead,
    PlanVersionIn,
    PlanVersionRead,
)

router = APIRouter(prefix="/emergency/plans", tags=["emergency: plans"])
PlanWriter = Annotated[Principal, Depends(requires(Permission.EMERGENCY_PLANS))]


def _writable(db: DbSession, plan_id: int, principal: Principal) -> EmergencyPlan:
    return service.get_writable(db, plan_id=plan_id, principal=principal)


@router.get("", response_model=Page[PlanRead], operation_id="emergency_plans_list")
def plan_library(
    db: DbSession, principal: CurrentPrincipal, params: Annotated[PageParams, Query()],
    region: DivisionCode | None = None, category: Category | None = None, kind: PlanKind | None = None,
    organization_id: RowId | None = None, unit: Annotated[str | None, Query(max_length=100)] = None,
    q: Annotated[str | None, Query(max_length=100, description="words of the title, groups, tasks")] = None,
) -> Page[PlanRead]:
    """Plans in the caller's scope (an enterprise: its own), by region, category, kind, unit and text."""
    found = service.list_plans(db, params=params, region=region, category=category, kind=kind,
                               organization_id=organization_id, unit=unit, q=q)
    return page_of_all(found, params, lambda rows: service.plan_reads(db, rows))


@router.post("", response_model=PlanDetail, status_code=201, operation_id="emergency_plans_create")
def create_plan(plan_in: PlanCreate, db: DbSession, ctx: Context, principal: PlanWriter) -> PlanDetail:
    plan = service.create(db, plan_in=plan_in, principal=principal, now=ctx.clock.now())
    return service.detail(db, plan=plan)


@router.get("/matching", response_model=list[MatchRead], operation_id="emergency_plans_matching")
def matching(db: DbSession, principal: CurrentPrincipal, category: Category, region_code: DivisionCode,
             sub_type: Annotated[str | None, Query(max_length=40)] = None,
             grade: Grade | None = None) -> list[MatchRead]:
    """The plans an incident of these facts calls for, each with its response level (most severe first)."""
    match_in = MatchIn(category=category, sub_type=sub_type, grade=grade, region_code=region_code)
    return service.match_reads(db, match_in=match_in)


@router.get("/{emergency_plan_id}", response_model=PlanDetail, operation_id="emergency_plans_get")
def get_plan(emergency_plan_id: RowId, db: DbSession, principal: CurrentPrincipal) -> PlanDetail:
    return service.detail(db, plan=service.get(db, plan_id=emergency_plan_id))


@router.post("/{emergency_plan_id}/versions", response_model=PlanDetail, status_code=201,
             operation_id="emergency_plans_versions_add")
def revise_plan(emergency_plan_id: RowId, version_in: PlanVersionIn, db: DbSession, ctx: Context,
                principal: PlanWriter) -> PlanDetail:
    """A new version (修订); the earlier versions are kept as written."""
    plan = service.add_version(db, plan=_writable(db, emergency_plan_id, principal), version_in=version_in,
                               principal=principal, now=ctx.clock.now())
    return service.detail(db, plan=plan)


@router.get("/{emergency_plan_id}/versions/{version_number}", response_model=PlanVersionRead,
            operation_id="emergency_plans_versions_get")
def get_version(emergency_plan_id: RowId, version_number: RowId, db: DbSession,
                principal: CurrentPrincipal) -> PlanVersionRead:
    plan = service.get(db, plan_id=emergency_plan_id)
    return service.version_read(service.version(db, plan=plan, number=version_number))


@router.post("/{emergency_plan_id}/records", response_model=PlanRecordRead, status_code=201,
             operation_id="emergency_plans_records_add")
def record_review_or_filing(emergency_plan_id: RowId, record_in: PlanRecordIn, db: DbSession, ctx: Context,
                            principal: PlanWriter) -> PlanRecordRead:
    """A review (评审) or a filing (备案) of a version of the plan."""
    record = service.add_record(db, plan=_writable(db, emergency_plan_id, principal), record_in=record_in,
                                principal=principal, now=ctx.clock.now())
    return PlanRecordRead.model_validate(record)


@router.post("/{emergency_plan_id}/documents", response_model=DocumentRead, status_code=201,
             operation_id="emergency_plans_documents_add")
def attach_document(
    emergency_plan_id: RowId, db: DbSession, ctx: Context, principal: PlanWriter,
    file: Annotated[UploadFile | None, File(description="the original plan: PDF, DOCX or DOC")] = None,
) -> DocumentRead:
    """The original document of the current version."""
    plan = _writable(db, emergency_plan_id, principal)  # first: a plan out of scope answers 404, not 422
    if file is None:
        raise field_error("file", "attach the plan document", "请选择预案原件")
    limit = ctx.settings.upload_max_bytes
    document = documents.attach(db, plan=plan, data=read_capped(file.file, max_bytes=limit, field="file"),
                                filename=file.filename or "", max_bytes=limit, principal=principal,
                                now=ctx.clock.now())
    return DocumentRead.model_validate(document)


@router.get("/{emergency_plan_id}/documents/{document_id}", operation_id="emergency_plans_documents_get",
            responses={200: {"content": {"application/pdf": {}}}})
def download_document(emergency_plan_id: RowId, document_id: RowId, db: DbSession,
                      principal: CurrentPrincipal) -> Response:
    document = documents.get(db, plan=service.get(db, plan_id=emergency_plan_id), document_id=document_id)
    return Response(document.data, media_type=document.content_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(document.filename)}",
        "Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"})
