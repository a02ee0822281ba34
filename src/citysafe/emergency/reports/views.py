"""Information reports under ``/api/v1/emergency``: an incident's reports and clocks, the desk's due clocks."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import Response

from citysafe.auth.deps import Context, DbSession
from citysafe.core.bounds import RowId
from citysafe.emergency import reads as incident_reads
from citysafe.emergency import service as incidents
from citysafe.emergency.calc import clocks as calc
from citysafe.emergency.reports import deskcache, document, reads, service
from citysafe.emergency.reports.schemas import ClocksRead, DueRead, ReportCreate, ReportRead
from citysafe.emergency.views import Reader, Writer

router = APIRouter(prefix="/emergency", tags=["emergency"])
# The .docx path is declared before the plain one, whose integer id would otherwise refuse "3.docx".


@router.get("/incidents/{incident_id}/reports", response_model=list[ReportRead],
            operation_id="emergency_reports_list")
def list_reports(incident_id: RowId, db: DbSession, ctx: Context, principal: Reader) -> list[ReportRead]:
    incident = incidents.get(db, incident_id=incident_id)
    computed = service.clocks(db, incident=incident, settings=ctx.settings, now=ctx.clock.now())
    return reads.report_reads(db, service.reports_of(db, incident_id=incident.id), computed)


@router.post("/incidents/{incident_id}/reports", response_model=ReportRead, status_code=201,
             operation_id="emergency_reports_file")
def file_report(incident_id: RowId, report_in: ReportCreate, db: DbSession, ctx: Context,
                principal: Writer) -> ReportRead:
    """File a 首报, 续报, 终报 or 补报 (the six items of 493号令 第十二条) to one level of the chain; it stops that
    level's clock at ``filed_at`` and goes onto the timeline. Changed figures re-grade the incident."""
    incident = incidents.get(db, incident_id=incident_id)
    now = ctx.clock.now()
    report = service.file_report(db, incident=incident, report_in=report_in, principal=principal,
                                 settings=ctx.settings, now=now)
    computed = service.clocks(db, incident=incident, settings=ctx.settings, now=now)
    return reads.report_reads(db, [report], computed)[0]


@router.get("/incidents/{incident_id}/reports/{report_id}.docx", operation_id="emergency_reports_docx",
            responses={200: {"content": {document.CONTENT_TYPE: {}}, "description": "the 事故快报 as DOCX"}})
def report_docx(incident_id: RowId, report_id: RowId, db: DbSession, ctx: Context, principal: Reader) -> Response:
    incident = incidents.get(db, incident_id=incident_id)
    report = service.get_report(db, incident=incident, report_id=report_id)
    to_name = reads.report_reads(db, [report])[0].to_name
    body = document.build(report, incident, to_name=to_name,
                          grade_name=incident_reads.grade_name(ctx.settings, report.grade))
    name = f"事故快报-{incident.number}-{report.number}.docx"
    return Response(body, media_type=document.CONTENT_TYPE, headers={
        "Content-Disposition": f"attachment; filename=\"report-{incident.number}-{report.number}.docx\"; "
                               f"filename*=UTF-8''{quote(name)}"})


@router.get("/incidents/{incident_id}/reports/{report_id}", response_model=ReportRead,
            operation_id="emergency_reports_get")
def get_report(incident_id: RowId, report_id: RowId, db: DbSession, ctx: Context, principal: Reader) -> ReportRead:
    incident = incidents.get(db, incident_id=incident_id)
    report = service.get_report(db, incident=incident, report_id=report_id)
    computed = service.clocks(db, incident=incident, settings=ctx.settings, now=ctx.clock.now())
    return reads.report_reads(db, [report], computed)[0]


@router.get("/incidents/{incident_id}/clocks", response_model=ClocksRead, operation_id="emergency_clocks_get")
def get_clocks(incident_id: RowId, db: DbSession, ctx: Context, principal: Reader) -> ClocksRead:
    """Who must report to whom by when (to the minute), computed now from the incident's times and reports."""
    incident = incidents.get(db, incident_id=incident_id)
    now = ctx.clock.now()
    computed = service.clocks(db, incident=incident, settings=ctx.settings, now=now)
    return ClocksRead(incident_id=incident.id, known_at=service.known_at(incident), grade=incident.grade,
                      clocks=reads.clock_reads(db, [(incident, c) for c in computed], now=now),
                      late_count=calc.late_count(computed))


@router.get("/reports/due", response_model=DueRead, operation_id="emergency_reports_due")
def due_reports(db: DbSession, ctx: Context, principal: Reader) -> DueRead:
    """The duty desk's 报告时限: unmet clocks of the active incidents in the caller's region, overdue first."""
    now = ctx.clock.now()
    # The same reused answer as the console's desk (deskcache.py): never stale, recomputed when it must be.
    rows, late_count = deskcache.desk_clocks(db, settings=ctx.settings, now=now, limit=200)
    items = reads.clock_reads(db, rows, now=now)
    overdue = sum(1 for c in items if c.status == calc.Status.OVERDUE.value)
    return DueRead(items=items, overdue=overdue, due=len(items) - overdue, late_count=late_count)
