"""The province dashboard under ``/api/v1/evaluation``: progress against the plan's targets with the cities'
ranking and the applicants (``/progress``), its tables as Excel and the 通报 as DOCX. A reader sees its own
region: the province all cities, a city office its own."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import Response

from citysafe.auth.deps import Context, DbSession
from citysafe.core.clock import to_local
from citysafe.evaluation.access import DOCX, XLSX, Reader
from citysafe.evaluation.dashboard import bulletin, service
from citysafe.evaluation.dashboard.schemas import Progress

router = APIRouter(prefix="/evaluation", tags=["evaluation dashboard"])


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}


@router.get("/progress", response_model=Progress, operation_id="evaluation_progress")
def progress(db: DbSession, ctx: Context, principal: Reader) -> Progress:
    """The reader's region: creation objects, applied and named per city, ranked; the 2020 and 2025 targets."""
    return service.overview(db, region_code=principal.region_code, today=to_local(ctx.clock.now()).date())


@router.get("/progress.xlsx", operation_id="evaluation_progress_export", responses={200: {"content": {XLSX: {}}}})
def progress_xlsx(db: DbSession, ctx: Context, principal: Reader) -> Response:
    data = service.overview(db, region_code=principal.region_code, today=to_local(ctx.clock.now()).date())
    return Response(bulletin.workbook_bytes(data), media_type=XLSX, headers=_attachment("创建进展.xlsx"))


@router.get("/bulletin.docx", operation_id="evaluation_bulletin", responses={200: {"content": {DOCX: {}}}})
def bulletin_docx(db: DbSession, ctx: Context, principal: Reader,
                  period: Annotated[str, Query(max_length=40, description="e.g. 2026年上半年")] = "") -> Response:
    """The 通报 of the creation's progress, written from the dashboard's numbers."""
    today = to_local(ctx.clock.now()).date()
    data = service.overview(db, region_code=principal.region_code, today=today)
    words = period.strip() or bulletin.half_year(today)
    return Response(bulletin.docx_bytes(data, period=words), media_type=DOCX, headers=_attachment("创建工作通报.docx"))
