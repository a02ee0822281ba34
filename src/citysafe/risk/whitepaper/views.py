"""White paper API: build the city safety risk white paper and download its files (``/reports/…``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from citysafe.auth.deps import Context, CurrentPrincipal, DbSession, requires
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.clock import to_local
from citysafe.core.errors import not_found
from citysafe.risk.schemas import ReportRead
from citysafe.risk.service import reports
from citysafe.risk.whitepaper import service as whitepaper

router = APIRouter(prefix="/reports", tags=["reports"])
Writer = Annotated[Principal, Depends(requires(Permission.WRITE_RISK))]
MEDIA = {"html": "text/html; charset=utf-8", "pdf": "application/pdf",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


Format = Literal["html", "pdf", "docx"]


def _all_formats() -> list[Format]:
    return ["html", "pdf", "docx"]


class WhitepaperRequest(BaseModel):
    region: str = Field(pattern=r"^\d{6}$", description="city or county code")
    year: int = Field(ge=1990, le=2100)
    formats: list[Format] = Field(default_factory=_all_formats)


def output_dir(data_dir: Path, region: str, year: int, stamp: str) -> Path:
    return data_dir / "reports" / f"whitepaper-{region}-{year}-{stamp}"


def build_whitepaper(db: DbSession, ctx: Context, principal: Principal, body: WhitepaperRequest) -> ReportRead:
    """Shared by the API and the console button: build into the data directory and record it."""
    at = ctx.clock.now()
    out = output_dir(ctx.settings.data_dir, body.region, body.year, f"{to_local(at):%Y%m%d-%H%M%S}")
    built = whitepaper.build(db, settings=ctx.settings, region_code=body.region, year=body.year, out_dir=out,
                             formats=tuple(body.formats), author=principal.username, at=at)
    return ReportRead.model_validate(reports.get(db, report_id=built.report_id))


@router.post("/risk-whitepapers", response_model=ReportRead, status_code=201, operation_id="reports_whitepaper_build")
def create_whitepaper(body: WhitepaperRequest, db: DbSession, ctx: Context, principal: Writer) -> ReportRead:
    """Build the 城市安全风险白皮书 (HTML, PDF, DOCX) of a city or county for a year."""
    return build_whitepaper(db, ctx, principal, body)


@router.get("/risk-whitepapers", response_model=list[ReportRead], operation_id="reports_whitepaper_list")
def list_whitepapers(db: DbSession, principal: CurrentPrincipal) -> list[ReportRead]:
    return [ReportRead.model_validate(r) for r in reports.list_reports(db)]


@router.get("/risk-whitepapers/{report_id}/images/{name}", operation_id="reports_whitepaper_image")
def whitepaper_image(report_id: RowId, name: str, db: DbSession, principal: CurrentPrincipal) -> FileResponse:
    report = reports.get(db, report_id=report_id)
    if not re.fullmatch(r"figure-\d{2}\.png", name):
        raise not_found("figure", "图件", name)
    path = Path(report.directory) / "images" / name
    if not path.is_file():
        raise not_found("figure", "图件", name)
    return FileResponse(path, media_type="image/png")


@router.get("/risk-whitepapers/{report_id}/{fmt}", operation_id="reports_whitepaper_file")
def whitepaper_file(report_id: RowId, fmt: Format, db: DbSession,
                    principal: CurrentPrincipal) -> FileResponse:
    report = reports.get(db, report_id=report_id)
    stored = report.files.get(fmt)
    if not stored or not Path(stored).is_file():
        raise not_found(f"{fmt} file of white paper", f"白皮书 {fmt} 文件", report_id)
    filename = f"{report.title}.{fmt}"
    disposition = "inline" if fmt in ("html", "pdf") else "attachment"
    return FileResponse(stored, media_type=MEDIA[fmt], filename=filename, content_disposition_type=disposition)
