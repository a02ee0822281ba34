"""Console of the 城市安全状况 indicators (a table per year with the five rates, their verdicts in words, a line
per rate, every figure linked to the ledger records behind it and to its denominator's source; the import of
denominators; the Excel export) and of the platform's own evidence (the facts of a region and year, and the
score sheet's "refresh facts" action). The same services as the API (evaluation/indicators, evaluation/facts)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from citysafe.auth import service as auth_service
from citysafe.auth.deps import DbSession, app_context
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import MAX_YEAR, MIN_YEAR, RowId
from citysafe.core.clock import format_local
from citysafe.core.errors import CitysafeError
from citysafe.core.validators import validate_division_code
from citysafe.evaluation.facts import compute as facts
from citysafe.evaluation.facts.views import sheet_in_scope
from citysafe.evaluation.indicators import importer, service
from citysafe.evaluation.indicators.schemas import BASE_UNITS_ZH, RATE_UNITS_ZH, VERDICT_NAMES_ZH, TargetIn
from citysafe.evaluation.indicators.views import read_rows
from citysafe.web.common import page_principal, render
from citysafe.web.forms import back, flash
from citysafe.web.i18n import N_, translator
from citysafe.web.messages import error_detail, form_message

router = APIRouter(include_in_schema=False)
PAGE = "/evaluation/indicators"
TARGET_LABELS = {"value": N_("对标值"), "source": N_("来源文件"), "rate": N_("指标"), "region_code": N_("行政区划代码")}


def _region(request: Request, principal: Principal) -> str:
    text = request.query_params.get("region", "").strip()
    try:
        return validate_division_code(text) if text else principal.region_code
    except ValueError:
        return principal.region_code


def _indicators_page(request: Request, db: DbSession, principal: Principal, *, problems: list[str] | None = None,
                     error: str = "", status: int = 200) -> HTMLResponse:
    region = _region(request, principal)
    data = service.table(db, region_code=region)
    page = render(request, "evaluation/indicators/index.html", principal, t=data, verdict_names=VERDICT_NAMES_ZH,
                  units=BASE_UNITS_ZH, rate_units=RATE_UNITS_ZH,
                  targets=service.targets(db, region_code=region), flash=flash(request), problems=problems or [],
                  error=error, columns=importer.TEMPLATE_HEADER, local=format_local,
                  can_import=principal.can(Permission.WRITE_EVALUATION),
                  can_set_targets=principal.can(Permission.MANAGE_CRITERIA),
                  export_url=f"/api/v1/evaluation/indicators.xlsx?region={region}")
    page.status_code = status
    return page


@router.get(PAGE, response_class=HTMLResponse)
def indicators_page(request: Request, db: DbSession) -> Response:
    principal = page_principal(request, db)
    auth_service.require(principal, Permission.READ_EVALUATION)
    return _indicators_page(request, db, principal)


@router.post(PAGE + "/import", response_class=HTMLResponse)
def import_upload(request: Request, db: DbSession, file: Annotated[UploadFile, File()],
                  region: Annotated[str, Form(max_length=12)] = "") -> Response:
    """Every row is checked before anything is saved; the problems are listed row by row and column by column."""
    principal = page_principal(request, db)
    auth_service.require(principal, Permission.WRITE_EVALUATION)
    ctx = app_context(request)
    code = region or principal.region_code
    try:
        rows = read_rows(ctx, file)
        checked, _units = importer.check(rows, default_region=code, file_name=file.filename or "")
        service.save_bases(db, rows=checked, file_name=file.filename or "upload", actor=principal.username,
                           now=ctx.clock.now())
    except CitysafeError as exc:
        db.rollback()
        t = translator(request)
        listed = [p.message_zh or p.message for p in exc.fields]
        return _indicators_page(request, db, principal, problems=listed, status=exc.status,
                                error=t.gettext("文件有问题，未导入任何数据") if listed else error_detail(exc, t))
    t = translator(request)
    return back(f"{PAGE}?region={code}", ok=t.gettext("已导入 %(n)s 个年度的分母数据", n=len(checked)))


@router.post(PAGE + "/targets", response_class=HTMLResponse)
def set_target(request: Request, db: DbSession, region: Annotated[str, Form(max_length=12)],
               rate: Annotated[str, Form(max_length=40)], value: Annotated[str, Form(max_length=30)],
               source: Annotated[str, Form(max_length=2000)] = "", label: Annotated[str, Form(max_length=200)] = "",
               ) -> Response:
    """对标值: an administrator sets the region's target for one rate, with the document it comes from."""
    principal = page_principal(request, db)
    auth_service.require(principal, Permission.MANAGE_CRITERIA)
    t = translator(request)
    path = f"{PAGE}?region={region}"
    try:
        number = float(value)
    except ValueError:
        return back(path, error=t.gettext("对标值须填写数字"))
    try:
        data = TargetIn(region_code=region, rate=rate, value=number, label=label, source=source)
        service.set_target(db, data=data, actor=principal.username, now=app_context(request).clock.now())
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return back(path, error=form_message(exc, TARGET_LABELS, t))
    return back(path, ok=t.gettext("对标值已保存"))


def _year(request: Request, default: int) -> int:
    text = request.query_params.get("year", "")
    return int(text) if text.isdigit() and MIN_YEAR <= int(text) <= MAX_YEAR else default


@router.get("/evaluation/facts", response_class=HTMLResponse)
def facts_page(request: Request, db: DbSession) -> Response:
    principal = page_principal(request, db)
    auth_service.require(principal, Permission.READ_EVALUATION)
    ctx = app_context(request)
    now = ctx.clock.now()
    region = _region(request, principal)
    year = _year(request, now.year)
    found = facts.compute(db, region_code=region, year=year, settings=ctx.settings, now=now)
    names = {region: service.table(db, region_code=region, year_from=year, year_to=year).region_name}
    return render(request, "evaluation/indicators/facts.html", principal, facts=found, region=region, year=year,
                  region_name=names[region], as_of=format_local(now), years=list(range(now.year, now.year - 6, -1)),
                  items=_items_by_fact())


def _items_by_fact() -> dict[str, list[str]]:
    """fact key -> the titles of the sheet items (national-2019) that show it."""
    titles = facts.item_titles()
    out: dict[str, list[str]] = {}
    for item_id, keys in facts.fact_items().items():
        for key in keys:
            out.setdefault(key, []).append(titles.get(item_id, item_id))
    return out


@router.post("/evaluation/sheets/{sheet_id}/facts")
def refresh_sheet(request: Request, sheet_id: RowId, db: DbSession) -> Response:
    """刷新平台数据: the sheet's items filled with the current facts, then back to the sheet."""
    principal = page_principal(request, db)
    auth_service.require(principal, Permission.WRITE_EVALUATION)
    ctx = app_context(request)
    t = translator(request)
    path = f"/evaluation/sheets/{sheet_id}"
    try:
        sheet = sheet_in_scope(db, sheet_id)
        count = facts.refresh_sheet_facts(db, sheet=sheet, now=ctx.clock.now(), settings=ctx.settings)
    except CitysafeError as exc:
        db.rollback()
        return back(path, error=error_detail(exc, t))
    return back(path, ok=t.gettext("已用平台数据更新 %(n)s 个评分项", n=count))
