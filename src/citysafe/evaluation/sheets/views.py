"""Criteria versions and score sheets under ``/api/v1/evaluation``: ``/criteria`` (list, upload a version, edit
unverified items or the grade bands — each a new version) and ``/sheets`` (create, fill items, evidence,
submit → lock | return, exports), and the yearly 考核 overview ``/assessment/overview``."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Body, File, Form, Query, UploadFile
from fastapi.responses import Response

from citysafe.auth.deps import Context, DbSession
from citysafe.core.bounds import MAX_YEAR, MIN_YEAR, RowId
from citysafe.core.errors import field_error, not_found
from citysafe.core.uploads import read_capped
from citysafe.evaluation import criteria_store
from citysafe.evaluation.access import DOCX, XLSX, Manager, Office, Reader, Writer
from citysafe.evaluation.criteria_store import ItemEdit
from citysafe.evaluation.models import CriteriaVersion
from citysafe.evaluation.sheets import assessment, export, report, scoring, service
from citysafe.evaluation.sheets.schemas import (
    CriteriaDetail,
    CriteriaRead,
    EvidenceLink,
    EvidenceRead,
    GradesIn,
    ItemUpdate,
    Overview,
    Purpose,
    SheetCreate,
    SheetDetail,
    SheetRead,
    StepIn,
    UnverifiedItem,
)

router = APIRouter(prefix="/evaluation", tags=["evaluation sheets"])
MAX_CRITERIA_BYTES = 2 * 1024 * 1024


def _criteria_detail(row: CriteriaVersion) -> CriteriaDetail:
    return CriteriaDetail.model_validate(CriteriaRead.model_validate(row).model_dump() | {
        "document": row.document, "unverified": criteria_store.unverified_items(row)})


@router.get("/criteria", response_model=list[CriteriaRead], operation_id="evaluation_criteria_list")
def list_criteria(db: DbSession, ctx: Context, principal: Reader) -> list[CriteriaRead]:
    """Every stored version (the shipped sets are loaded on first use), newest first within each set."""
    return [CriteriaRead.model_validate(r) for r in criteria_store.listing(db, now=ctx.clock.now())]


@router.post("/criteria", response_model=CriteriaRead, status_code=201, operation_id="evaluation_criteria_upload")
def upload_criteria(db: DbSession, ctx: Context, principal: Manager,
                    document: Annotated[dict[str, Any], Body(description="a criteria document (docs/evaluation.md)")],
                    ) -> CriteriaRead:
    """A new version from a criteria document; points that do not add up are refused naming the item."""
    text = json.dumps(document, ensure_ascii=False)
    if len(text.encode()) > MAX_CRITERIA_BYTES:
        raise field_error("document", "the document is too large", "评分标准文件过大")
    return CriteriaRead.model_validate(criteria_store.upload(db, text=text, principal=principal, now=ctx.clock.now()))


@router.get("/criteria/{criteria_id}", response_model=CriteriaDetail, operation_id="evaluation_criteria_get")
def get_criteria(criteria_id: RowId, db: DbSession, principal: Reader) -> CriteriaDetail:
    return _criteria_detail(criteria_store.get(db, criteria_id=criteria_id))


@router.get("/criteria/{criteria_id}/unverified", response_model=list[UnverifiedItem],
            operation_id="evaluation_criteria_unverified")
def unverified(criteria_id: RowId, db: DbSession, principal: Reader) -> list[UnverifiedItem]:
    """The version's items still [U] (not yet checked against an official text)."""
    return [UnverifiedItem.model_validate(i) for i in
            criteria_store.unverified_items(criteria_store.get(db, criteria_id=criteria_id))]


@router.post("/criteria/{criteria_id}/items", response_model=CriteriaRead, status_code=201,
             operation_id="evaluation_criteria_edit_items")
def edit_items(criteria_id: RowId, edits: list[ItemEdit], db: DbSession, ctx: Context,
               principal: Manager) -> CriteriaRead:
    """A new version with unverified items changed; the version edited stays as it was."""
    row = criteria_store.edit_items(db, criteria_id=criteria_id, edits=edits, principal=principal,
                                    now=ctx.clock.now())
    return CriteriaRead.model_validate(row)


@router.post("/criteria/{criteria_id}/grades", response_model=CriteriaRead, status_code=201,
             operation_id="evaluation_criteria_edit_grades")
def edit_grades(criteria_id: RowId, body: GradesIn, db: DbSession, ctx: Context, principal: Manager) -> CriteriaRead:
    """A new version of a 考核 set with other grade bands and 部门绩效等级 links."""
    row = criteria_store.edit_grades(db, criteria_id=criteria_id, bands=body.bands,
                                     performance=body.performance_grades, principal=principal, now=ctx.clock.now())
    return CriteriaRead.model_validate(row)


@router.post("/sheets", response_model=SheetRead, status_code=201, operation_id="evaluation_sheet_create")
def create_sheet(body: SheetCreate, db: DbSession, ctx: Context, principal: Writer) -> SheetRead:
    sheet = service.create(db, data=body, principal=principal, now=ctx.clock.now())
    return scoring.read_sheet(sheet, criteria_store.get(db, criteria_id=sheet.criteria_id))


@router.get("/sheets", response_model=list[SheetRead], operation_id="evaluation_sheet_list")
def list_sheets(db: DbSession, principal: Reader, purpose: Annotated[Purpose | None, Query()] = None,
                year: Annotated[int | None, Query(ge=MIN_YEAR, le=MAX_YEAR)] = None,
                applicant_id: Annotated[RowId | None, Query()] = None) -> list[SheetRead]:
    """The sheets of the reader's region, newest year first."""
    rows = service.listing(db, purpose=purpose.value if purpose else None, year=year, applicant_id=applicant_id)
    versions = {r.criteria_id: criteria_store.get(db, criteria_id=r.criteria_id) for r in rows}
    return [scoring.read_sheet(r, versions[r.criteria_id]) for r in rows]


@router.get("/sheets/{sheet_id}", response_model=SheetDetail, operation_id="evaluation_sheet_get")
def get_sheet(sheet_id: RowId, db: DbSession, principal: Reader) -> SheetDetail:
    """The sheet with every scored item explained line by line."""
    return scoring.detail(db, service.get(db, sheet_id=sheet_id))


@router.patch("/sheets/{sheet_id}/items/{item_id}", response_model=SheetDetail,
              operation_id="evaluation_sheet_item_update")
def update_item(sheet_id: RowId, item_id: str, body: ItemUpdate, db: DbSession, ctx: Context,
                principal: Writer) -> SheetDetail:
    """Findings, a reviewer's deduction (with its reason), not applicable (with its reason), owners, progress."""
    sheet = service.get(db, sheet_id=sheet_id, lock=True)
    service.update_item(db, sheet=sheet, item_id=item_id, data=body, principal=principal, now=ctx.clock.now())
    return scoring.detail(db, sheet)


@router.post("/sheets/{sheet_id}/items/{item_id}/evidence", response_model=EvidenceRead, status_code=201,
             operation_id="evaluation_sheet_evidence_upload")
def upload_evidence(sheet_id: RowId, item_id: str, db: DbSession, ctx: Context, principal: Writer,
                    file: Annotated[UploadFile, File()], note: Annotated[str, Form(max_length=2000)] = "",
                    ) -> EvidenceRead:
    """A file (PDF, Word, Excel XLSX, JPEG, PNG, WebP — judged by its bytes) kept with its SHA-256."""
    data = read_capped(file.file, max_bytes=service.MAX_EVIDENCE_BYTES, field="file")
    evidence = service.add_file(db, sheet=service.get(db, sheet_id=sheet_id, lock=True), item_id=item_id,
                                filename=file.filename or "", data=data, note=note, principal=principal,
                                now=ctx.clock.now())
    return EvidenceRead.model_validate(evidence)


@router.post("/sheets/{sheet_id}/items/{item_id}/links", response_model=EvidenceRead, status_code=201,
             operation_id="evaluation_sheet_evidence_link")
def link_evidence(sheet_id: RowId, item_id: str, body: EvidenceLink, db: DbSession, ctx: Context,
                  principal: Writer) -> EvidenceRead:
    """A platform record as evidence (type, id, title, console path)."""
    evidence = service.add_link(db, sheet=service.get(db, sheet_id=sheet_id, lock=True), item_id=item_id, link=body,
                                principal=principal, now=ctx.clock.now())
    return EvidenceRead.model_validate(evidence)


@router.get("/sheets/{sheet_id}/evidence/{evidence_id}", operation_id="evaluation_sheet_evidence_get")
def evidence_file(sheet_id: RowId, evidence_id: RowId, db: DbSession, principal: Reader) -> Response:
    evidence = service.get_evidence(db, sheet=service.get(db, sheet_id=sheet_id), evidence_id=evidence_id)
    if evidence.kind != "file" or evidence.data is None:
        raise not_found("evidence file", "证明材料文件", evidence_id)
    return Response(evidence.data, media_type=evidence.content_type, headers={
        "Content-Disposition": _attachment(evidence.label), "X-Content-SHA256": evidence.sha256})


@router.delete("/sheets/{sheet_id}/evidence/{evidence_id}", status_code=204,
               operation_id="evaluation_sheet_evidence_delete")
def delete_evidence(sheet_id: RowId, evidence_id: RowId, db: DbSession, principal: Writer) -> Response:
    service.remove_evidence(db, sheet=service.get(db, sheet_id=sheet_id, lock=True), evidence_id=evidence_id)
    return Response(status_code=204)


@router.post("/sheets/{sheet_id}/submit", response_model=SheetRead, operation_id="evaluation_sheet_submit")
def submit(sheet_id: RowId, db: DbSession, ctx: Context, principal: Writer) -> SheetRead:
    sheet = service.submit(db, sheet=service.get(db, sheet_id=sheet_id, lock=True), principal=principal,
                           now=ctx.clock.now())
    return scoring.read_sheet(sheet, criteria_store.get(db, criteria_id=sheet.criteria_id))


@router.post("/sheets/{sheet_id}/return", response_model=SheetRead, operation_id="evaluation_sheet_return")
def return_sheet(sheet_id: RowId, body: StepIn, db: DbSession, ctx: Context, principal: Office) -> SheetRead:
    """退回 for correction, with the reason (required)."""
    sheet = service.return_sheet(db, sheet=service.get(db, sheet_id=sheet_id, lock=True), note=body.note,
                                 principal=principal, now=ctx.clock.now())
    return scoring.read_sheet(sheet, criteria_store.get(db, criteria_id=sheet.criteria_id))


@router.post("/sheets/{sheet_id}/lock", response_model=SheetRead, operation_id="evaluation_sheet_lock")
def lock(sheet_id: RowId, db: DbSession, ctx: Context, principal: Office) -> SheetRead:
    """锁定: the result is kept as computed now; later criteria versions never change it."""
    sheet = service.lock(db, sheet=service.get(db, sheet_id=sheet_id, lock=True), principal=principal,
                         now=ctx.clock.now())
    return scoring.read_sheet(sheet, criteria_store.get(db, criteria_id=sheet.criteria_id))


def _attachment(name: str) -> str:
    return f"attachment; filename=\"sheet.bin\"; filename*=UTF-8''{quote(name)}"


@router.get("/sheets/{sheet_id}/export.xlsx", operation_id="evaluation_sheet_export_xlsx",
            responses={200: {"content": {XLSX: {}}}})
def export_xlsx(sheet_id: RowId, db: DbSession, principal: Reader) -> Response:
    detail = scoring.detail(db, service.get(db, sheet_id=sheet_id))
    name = f"{detail.subject_name}{detail.year}年{detail.purpose_name}评分表.xlsx"
    return Response(export.workbook_bytes(detail), media_type=XLSX, headers={"Content-Disposition": _attachment(name)})


def _report(db: DbSession, sheet_id: int, fmt: str) -> Response:
    detail = scoring.detail(db, service.get(db, sheet_id=sheet_id))
    name = f"{report.title_of(detail)}.{fmt}"
    return Response(report.render(detail, fmt), media_type=DOCX if fmt == "docx" else "application/pdf",
                    headers={"Content-Disposition": _attachment(name)})


@router.get("/sheets/{sheet_id}/report.docx", operation_id="evaluation_sheet_report_docx",
            responses={200: {"content": {DOCX: {}}}})
def report_docx(sheet_id: RowId, db: DbSession, principal: Reader) -> Response:
    """自评报告 (or 考核结果报告) as Word."""
    return _report(db, sheet_id, "docx")


@router.get("/sheets/{sheet_id}/report.pdf", operation_id="evaluation_sheet_report_pdf",
            responses={200: {"content": {"application/pdf": {}}}})
def report_pdf(sheet_id: RowId, db: DbSession, principal: Reader) -> Response:
    """自评报告 (or 考核结果报告) as PDF."""
    return _report(db, sheet_id, "pdf")


@router.get("/assessment/overview", response_model=Overview, operation_id="evaluation_assessment_overview")
def overview(db: DbSession, principal: Reader, year: Annotated[int, Query(ge=MIN_YEAR, le=MAX_YEAR)]) -> Overview:
    """安全生产责任考核 of the year in the reader's region: totals, grades and the linked 部门绩效等级."""
    return assessment.overview(db, year=year)
