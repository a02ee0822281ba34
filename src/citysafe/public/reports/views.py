"""Citizen reports under ``/api/v1``: the public side without an account (``/public/reports``: report with
photos, SMS codes, tracking by receipt, deletion of one's personal information) and the staff side
(``/reports``: list, claim, verify, reject, turn into a ticket or an incident, the same matter, the reporter's
identity for reward handlers)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from citysafe.auth.deps import Context, DbSession, client_address, commits_on_its_own, requires
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.uploads import UploadsInMemory, read_capped
from citysafe.public.reports import desk, service, staff
from citysafe.public.reports.schemas import GroupMember, PublicReport, ReporterIdentity, ReportRead

router = APIRouter(prefix="/reports", tags=["citizen reports"])
# The report form's photos (2 MB from a phone) stay in memory while parsed: core/uploads.UploadsInMemory.
public_router = APIRouter(prefix="/public/reports", tags=["public citizen reports"], route_class=UploadsInMemory)
Handler = Annotated[Principal, Depends(requires(Permission.HANDLE_REPORTS))]
IdentityReader = Annotated[Principal, Depends(requires(Permission.READ_REPORTER_IDENTITY))]
MAX_PHOTO_BYTES = 20 * 1024 * 1024  # the highest the rule ``photo_max_kb`` may be set to; it decides below


class Receipt(BaseModel):
    receipt: str
    tracking_path: str


class CodeIn(BaseModel):
    phone: str = Field(max_length=20)
    purpose: Literal["report", "erase"] = "report"


class EraseIn(BaseModel):
    phone: str = Field(max_length=20)
    code: str = Field(max_length=10)


class RejectIn(BaseModel):
    reason: str = Field(max_length=1000)


class IncidentIn(BaseModel):
    category: str = Field(max_length=30)
    subtype: str = Field(max_length=40)


class NoteIn(BaseModel):
    note: str = Field(default="", max_length=500)


@public_router.post("", response_model=Receipt, status_code=201, operation_id="public_reports_submit")
@commits_on_its_own
def submit(request: Request, ctx: Context,
           category: Annotated[str, Form(max_length=30)], description: Annotated[str, Form(max_length=2000)],
           lon: Annotated[float, Form(ge=-180, le=180)], lat: Annotated[float, Form(ge=-90, le=90)],
           photos: Annotated[list[UploadFile], File(description="1-3 photos (JPEG, PNG, WebP)")],
           crs: Annotated[Literal["wgs84", "gcj02"], Form()] = "wgs84",
           address: Annotated[str, Form(max_length=300)] = "", name: Annotated[str, Form(max_length=50)] = "",
           phone: Annotated[str, Form(max_length=20)] = "", code: Annotated[str, Form(max_length=10)] = "",
           id_number: Annotated[str, Form(max_length=18)] = "") -> Receipt:
    """A citizen's report (no account): photos are stripped of metadata before they are stored; the place must
    lie in the province. A phone number needs the code sent to it (``/public/reports/codes``)."""
    images = [read_capped(p.file, max_bytes=MAX_PHOTO_BYTES, field="photos") for p in photos[:10]]
    fields = {"category": category, "description": description, "address": address, "name": name, "phone": phone,
              "code": code, "id_number": id_number, "location": {"lon": lon, "lat": lat, "crs": crs}}
    receipt = desk.receive(ctx, fields=fields, images=images, client=client_address(request))
    return Receipt(receipt=receipt, tracking_path=f"/public/reports/track/{receipt}")


@public_router.post("/codes", status_code=202, operation_id="public_reports_code")
@commits_on_its_own
def send_code(request: Request, ctx: Context, body: CodeIn) -> Response:
    """A verification code by SMS (for a report with a phone number, or a deletion request)."""
    desk.send_code(ctx, phone=body.phone, purpose=body.purpose, client=client_address(request))
    return Response(status_code=202)


@public_router.get("/{receipt}", response_model=PublicReport, operation_id="public_reports_track")
def track(request: Request, ctx: Context, receipt: Annotated[str, Path(max_length=40)]) -> PublicReport:
    """Follow a report by its receipt: each step and when, without names; the place displaced."""
    return desk.track(ctx, receipt=receipt, client=client_address(request))


@public_router.post("/{receipt}/erase", status_code=204, operation_id="public_reports_erase")
@commits_on_its_own
def erase(request: Request, ctx: Context, receipt: Annotated[str, Path(max_length=40)], body: EraseIn) -> Response:
    """Delete the personal information kept with a report (个人信息保护法 第四十七条): phone and code."""
    desk.erase(ctx, receipt=receipt, phone=body.phone, code=body.code, client=client_address(request))
    return Response(status_code=204)


@router.get("", response_model=list[ReportRead], operation_id="reports_list")
def list_reports(db: DbSession, principal: Handler, state: Annotated[str, Query(max_length=20)] = "",
                 category: Annotated[str, Query(max_length=30)] = "",
                 limit: Annotated[int, Query(ge=1, le=200)] = 50,
                 offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> list[ReportRead]:
    rows, _total = staff.list_reports(db, state=state, category=category, limit=limit, offset=offset)
    return [service.get_report(db, report_id=r.id) for r in rows]


@router.get("/{citizen_report_id}", response_model=ReportRead, operation_id="reports_get")
def get_report(citizen_report_id: RowId, db: DbSession, principal: Handler) -> ReportRead:
    return service.get_report(db, report_id=citizen_report_id)


@router.get("/{citizen_report_id}/group", response_model=list[GroupMember], operation_id="reports_group")
def report_group(citizen_report_id: RowId, db: DbSession, principal: Handler) -> list[GroupMember]:
    """The reports of the same matter, oldest first, each saying whether its reporter gave a real name."""
    return service.report_group(db, report_id=citizen_report_id)


@router.post("/{citizen_report_id}/identity", response_model=ReporterIdentity, operation_id="reports_identity")
def reporter_identity(citizen_report_id: RowId, db: DbSession, principal: IdentityReader) -> ReporterIdentity:
    """Who reported (reward handlers only); every call is written to the audit log."""
    return service.reporter_identity(db, report_id=citizen_report_id, principal=principal)


@router.post("/{citizen_report_id}/claim", response_model=ReportRead, operation_id="reports_claim")
def claim(citizen_report_id: RowId, db: DbSession, ctx: Context, principal: Handler) -> ReportRead:
    staff.claim(db, report_id=citizen_report_id, principal=principal, now=ctx.clock.now())
    return service.get_report(db, report_id=citizen_report_id)


@router.post("/{citizen_report_id}/verify", response_model=ReportRead, operation_id="reports_verify")
def verify(citizen_report_id: RowId, body: NoteIn, db: DbSession, ctx: Context, principal: Handler) -> ReportRead:
    staff.verify(db, report_id=citizen_report_id, principal=principal, now=ctx.clock.now(), note=body.note)
    return service.get_report(db, report_id=citizen_report_id)


@router.post("/{citizen_report_id}/reject", response_model=ReportRead, operation_id="reports_reject")
def reject(citizen_report_id: RowId, body: RejectIn, db: DbSession, ctx: Context, principal: Handler) -> ReportRead:
    staff.reject(db, report_id=citizen_report_id, principal=principal, now=ctx.clock.now(), reason=body.reason)
    return service.get_report(db, report_id=citizen_report_id)


@router.post("/{citizen_report_id}/ticket", response_model=ReportRead, operation_id="reports_to_ticket")
def to_ticket(citizen_report_id: RowId, db: DbSession, ctx: Context, principal: Handler) -> ReportRead:
    """A hazard ticket (source 群众举报) whose source reference is this report."""
    staff.to_ticket(db, report_id=citizen_report_id, principal=principal, now=ctx.clock.now())
    return service.get_report(db, report_id=citizen_report_id)


@router.post("/{citizen_report_id}/incident", response_model=ReportRead, operation_id="reports_to_incident")
def to_incident(citizen_report_id: RowId, body: IncidentIn, db: DbSession, ctx: Context,
                principal: Handler) -> ReportRead:
    staff.to_incident(db, report_id=citizen_report_id, principal=principal, now=ctx.clock.now(),
                      category=body.category, subtype=body.subtype)
    return service.get_report(db, report_id=citizen_report_id)
