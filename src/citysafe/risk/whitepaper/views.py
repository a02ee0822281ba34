"""White paper API: build the city safety risk white paper and download its files (``/reports/…``)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from citysafe.auth import service as auth_service
from citysafe.auth.deps import Context, CurrentPrincipal, DbSession, requires
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core import jobs
from citysafe.core.bounds import RowId
from citysafe.core.clock import to_local
from citysafe.core.db import unit_of_work
from citysafe.core.errors import not_found
from citysafe.core.jobs import JobRead
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


def submit_whitepaper(db: DbSession, ctx: Context, principal: Principal, body: WhitepaperRequest) -> jobs.Job:
    """Shared by the API and the console button: check the request, then build as a background job.

    The job reads in a reader's transaction (no write lock while it draws and renders for seconds), records
    the report in a short write, and removes its folder if anything fails."""
    whitepaper.check(db, region_code=body.region)
    at = ctx.clock.now()
    out = output_dir(ctx.settings.data_dir, body.region, body.year, f"{to_local(at):%Y%m%d-%H%M%S-%f}")

    def work(progress: jobs.Progress) -> dict[str, Any]:
        with unit_of_work(ctx.read_session_factory, actor=principal.username) as session:
            auth_service.act_as(session, principal)
            written = whitepaper.write_files(session, settings=ctx.settings, region_code=body.region,
                                             year=body.year, out_dir=out, formats=tuple(body.formats), at=at,
                                             progress=progress)
        progress(95, "登记报告")
        with unit_of_work(ctx.session_factory, actor=principal.username) as session:
            auth_service.act_as(session, principal)
            built = whitepaper.record(session, written, author=principal.username, at=at)
            report = ReportRead.model_validate(reports.get(session, report_id=built.report_id))
        return {"report_id": built.report_id, "report": report.model_dump(mode="json")}

    return jobs.submit(db, kind="risk_whitepaper", region_code=body.region, created_by=principal.username,
                       work=work, cleanup=lambda: shutil.rmtree(out, ignore_errors=True))


@router.post("/risk-whitepapers", response_model=JobRead, status_code=202, operation_id="reports_whitepaper_build")
def create_whitepaper(body: WhitepaperRequest, db: DbSession, ctx: Context, principal: Writer,
                      response: Response) -> JobRead:
    """Start building the 城市安全风险白皮书 (HTML, PDF, DOCX) of a city or county for a year, as a background
    job: follow ``GET /jobs/{id}`` (also the ``Location``) until ``status`` is ``succeeded``; its
    ``result.report`` is the recorded report and ``result.report_id`` its id."""
    job = submit_whitepaper(db, ctx, principal, body)
    response.headers["Location"] = f"/api/v1/jobs/{job.id}"
    return JobRead.model_validate(job)


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
