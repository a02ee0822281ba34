"""城市安全状况 indicators under ``/api/v1/evaluation``: the table of a region by year, its Excel export, the
import of denominators, and the benchmarks (对标值). Callers see and write their own region only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import Response

from citysafe.auth.deps import Context, DbSession
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import MAX_YEAR, MIN_YEAR
from citysafe.core.errors import field_error
from citysafe.core.sheets.reader import sheet_reader
from citysafe.core.sheets.rows import csv_rows
from citysafe.core.uploads import read_capped
from citysafe.core.validators import validate_division_code
from citysafe.evaluation.access import XLSX, Manager, Reader, Writer
from citysafe.evaluation.indicators import export, importer, service
from citysafe.evaluation.indicators.schemas import ImportResult, IndicatorTable, TargetIn, TargetRead

router = APIRouter(prefix="/evaluation", tags=["evaluation indicators"])
Region = Annotated[str | None, Query(max_length=12, description="division code; the caller's own by default")]
YearQ = Annotated[int | None, Query(ge=MIN_YEAR, le=MAX_YEAR)]


def region_of(principal: Principal, region: str | None) -> str:
    if not region:
        return principal.region_code
    try:
        return validate_division_code(region)
    except ValueError:
        raise field_error("region", "not a division code", "不是有效的行政区划代码") from None


@router.get("/indicators", response_model=IndicatorTable, operation_id="evaluation_indicators")
def indicators(db: DbSession, principal: Reader, region: Region = None, year_from: YearQ = None,
               year_to: YearQ = None) -> IndicatorTable:
    """Per year: deaths by class from the accident ledger (each with the ledger link), the denominators and
    their source, the five rates (null with a note when a denominator is missing or zero); per rate the 3-year
    trend and the benchmark verdict (pass | fail | insufficient_data)."""
    return service.table(db, region_code=region_of(principal, region), year_from=year_from, year_to=year_to)


@router.get("/indicators.xlsx", operation_id="evaluation_indicators_export", responses={200: {"content": {XLSX: {}}}})
def indicators_xlsx(db: DbSession, principal: Reader, region: Region = None) -> Response:
    data = service.table(db, region_code=region_of(principal, region))
    return Response(export.workbook_bytes(data), media_type=XLSX,
                    headers={"Content-Disposition": "attachment; filename*=UTF-8''city-safety-indicators.xlsx"})


@router.get("/indicators/template.xlsx", operation_id="evaluation_indicators_template",
            responses={200: {"content": {XLSX: {}}}})
def indicators_template(principal: Reader) -> Response:
    return Response(export.template_bytes(), media_type=XLSX,
                    headers={"Content-Disposition": "attachment; filename*=UTF-8''indicator-denominators.xlsx"})


def read_rows(ctx: Context, file: UploadFile) -> list[list[object]]:
    data = read_capped(file.file, max_bytes=ctx.settings.upload_max_bytes, field="file")
    if (file.filename or "").lower().endswith(".csv"):
        return csv_rows(data)
    sheets = sheet_reader(ctx).read(data, sheets=[importer.SHEET], first_if_missing=True)
    return [list(r) for r in next(iter(sheets.values()), [])]


@router.post("/indicators/import", response_model=ImportResult, operation_id="evaluation_indicators_import")
def import_bases(db: DbSession, ctx: Context, principal: Writer, file: Annotated[UploadFile, File()],
                 region: Annotated[str, Form(max_length=12)] = "",
                 dry_run: Annotated[bool, Form()] = False) -> ImportResult:
    """Denominators from Excel (sheet 指标分母, or the first) or CSV; units from the headers. Every bad cell is
    named (row and column) with 422 and nothing is saved; a good file replaces the years it gives."""
    rows = read_rows(ctx, file)
    name = file.filename or "upload"
    checked, units = importer.check(rows, default_region=region_of(principal, region), file_name=name)
    if not dry_run:
        service.save_bases(db, rows=checked, file_name=name, actor=principal.username, now=ctx.clock.now())
    return ImportResult(file=name, applied=not dry_run, rows=checked, units=units)


@router.get("/indicators/targets", response_model=list[TargetRead], operation_id="evaluation_indicator_targets")
def list_targets(db: DbSession, principal: Reader, region: Region = None) -> list[TargetRead]:
    """The benchmark or control target each rate is held to, with its source; ``unverified`` for a shipped
    default nobody has confirmed."""
    return service.targets(db, region_code=region_of(principal, region))


@router.put("/indicators/targets", response_model=TargetRead, operation_id="evaluation_indicator_target_set")
def set_target(body: TargetIn, db: DbSession, ctx: Context, principal: Manager) -> TargetRead:
    """Set a region's target for one rate (it applies to the regions inside unless they set their own)."""
    return service.set_target(db, data=body, actor=principal.username, now=ctx.clock.now())
