"""The accident ledger API under ``/api/v1/emergency``: the list, statistics, Excel import, template, export.

Callers see their own region only (the session's scope filters every read; an import refuses a division outside
it). Figures are persons and whole yuan (``direct_loss_yuan``); see docs/accident-ledger.md for every column.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import Response

from citysafe.auth.deps import Context, DbSession, commits_on_its_own, requires, unit_of_work_as
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.errors import FieldProblem, ValidationFailed
from citysafe.core.pagination import PageParams
from citysafe.core.sheets.reader import sheet_reader
from citysafe.core.uploads import read_capped
from citysafe.emergency.ledger import importer, service, workbook
from citysafe.emergency.ledger.schemas import (
    ImportReport,
    LedgerFilter,
    LedgerPage,
    LedgerRead,
    LedgerStats,
    LedgerUpdate,
)
from citysafe.emergency.rules import rules

router = APIRouter(prefix="/emergency", tags=["emergency ledger"])
Reader = Annotated[Principal, Depends(requires(Permission.READ_EMERGENCY))]
Writer = Annotated[Principal, Depends(requires(Permission.WRITE_EMERGENCY))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f"attachment; filename*=UTF-8''{name}"}


@router.get("/ledger", response_model=LedgerPage, operation_id="emergency_ledger_list")
def list_ledger(db: DbSession, ctx: Context, principal: Reader, params: Annotated[PageParams, Query()],
                filters: Annotated[LedgerFilter, Query()]) -> LedgerPage:
    """Accidents of the caller's region, latest first, with their figures, grade, 门类, unit and source."""
    rows, total = service.list_entries(db, filters=filters, params=params)
    return LedgerPage(items=service.reads(db, rows, settings=ctx.settings), total=total, page=params.page,
                      size=params.size)


@router.get("/ledger/stats", response_model=LedgerStats, operation_id="emergency_ledger_stats")
def ledger_stats(db: DbSession, ctx: Context, principal: Reader,
                 filters: Annotated[LedgerFilter, Query()]) -> LedgerStats:
    """Accidents, deaths, missing, injuries and direct loss (元) by year, district, city, 门类, grade and type."""
    return service.stats(db, filters=filters, region_code=principal.region_code, settings=ctx.settings)


@router.get("/ledger.xlsx", operation_id="emergency_ledger_export", responses={200: {"content": {XLSX: {}}}})
def export_ledger(db: DbSession, ctx: Context, principal: Reader,
                  filters: Annotated[LedgerFilter, Query()]) -> Response:
    """The filtered ledger in the import template's columns, plus grade and source."""
    rows, _total = service.list_entries(db, filters=filters, params=None)
    body = workbook.export_bytes(service.reads(db, rows, settings=ctx.settings))
    return Response(body, media_type=XLSX, headers=_attachment("accident-ledger.xlsx"))


@router.get("/ledger/template.xlsx", operation_id="emergency_ledger_template", responses={200: {"content": {XLSX: {}}}})
def ledger_template(ctx: Context, principal: Reader) -> Response:
    """The import template: the header row in Chinese, an example, the code tables and the rules."""
    return Response(workbook.template_bytes(rules(ctx.settings)), media_type=XLSX,
                    headers=_attachment("accident-ledger-template.xlsx"))


def read_workbook(ctx: Context, file: UploadFile) -> list[list[object]]:
    data = read_capped(file.file, max_bytes=ctx.settings.upload_max_bytes, field="file")
    sheets = sheet_reader(ctx).read(data, sheets=[importer.SHEET], first_if_missing=True)
    return next(iter(sheets.values()), [])


@router.post("/ledger/import", response_model=ImportReport, operation_id="emergency_ledger_import")
@commits_on_its_own  # the workbook is parsed first, holding no lock; then checked and written in one unit of work
def import_ledger(ctx: Context, principal: Writer, file: Annotated[UploadFile, File()],
                  dry_run: Annotated[bool, Form()] = True) -> ImportReport:
    """Earlier years' accidents from the template (sheet 事故台账). ``dry_run`` (the default) checks and
    reports row by row; without it, the rows are written only when every one is good: otherwise 422 naming
    each row's field, and nothing is written. Re-importing a file updates its rows, never duplicates them."""
    rows = read_workbook(ctx, file)
    with unit_of_work_as(ctx, principal) as session:
        report = importer.apply(session, rows=rows, file_name=file.filename or "upload.xlsx", settings=ctx.settings,
                                now=ctx.clock.now(), dry_run=dry_run)
        if report.errors and not dry_run:
            raise ValidationFailed(
                detail=f"{report.errors} of {report.rows} row(s) have problems; nothing was imported",
                detail_zh=f"共 {report.rows} 行，其中 {report.errors} 行有问题，未导入任何数据",
                fields=[FieldProblem(f"row {r.row}: {p.field}", p.message, f"第 {r.row} 行 {p.column}：{p.message_zh}")
                        for r in report.report for p in r.problems])
        return report


@router.patch("/ledger/{entry_id}", response_model=LedgerRead, operation_id="emergency_ledger_update")
def update_ledger_entry(entry_id: RowId, change: LedgerUpdate, db: DbSession, ctx: Context,
                        principal: Writer) -> LedgerRead:
    """Complete what an incident does not record: the 门类 (``industry_code``), the unit and its credit code."""
    entry = service.get_entry(db, entry_id=entry_id)
    service.update_entry(db, entry=entry, change=change, now=ctx.clock.now())
    return service.reads(db, [entry], settings=ctx.settings)[0]
