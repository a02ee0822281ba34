"""Console pages of the accident ledger (事故台账): the list with its filters and statistics (ECharts), and the
Excel import with its row-by-row report. They call the same services as the API (emergency/ledger)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from citysafe.auth import service as auth_service
from citysafe.auth.deps import DbSession, app_context, commits_on_its_own, unit_of_work_as
from citysafe.auth.enums import Permission
from citysafe.core.bounds import MAX_YEAR, MIN_YEAR, RowId
from citysafe.core.clock import format_local
from citysafe.core.errors import CitysafeError
from citysafe.core.pagination import PageParams
from citysafe.core.validators import validate_division_code
from citysafe.emergency.ledger import importer, industries, service
from citysafe.emergency.ledger.schemas import SOURCE_NAMES_ZH, ImportReport, LedgerFilter, LedgerUpdate
from citysafe.emergency.ledger.views import read_workbook
from citysafe.emergency.rules import rules
from citysafe.web.common import page_principal, render
from citysafe.web.forms import back, posted
from citysafe.web.i18n import N_, translator
from citysafe.web.messages import first_field, form_message

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 30
FIELD_LABELS = {"file": N_("Excel 文件"), "region": N_("行政区划")}
FILTER_KEYS = ("year_from", "year_to", "region", "industry", "grade", "subtype", "source")


def _year(text: str) -> int | None:
    return int(text) if text.isdigit() and MIN_YEAR <= int(text) <= MAX_YEAR else None


def _filters(request: Request, grades: dict[str, str], subtypes: dict[str, str]) -> LedgerFilter:
    """The page's filters; one typed into the address bar that names nothing is ignored, as its select would."""
    q = request.query_params
    region = q.get("region", "").strip()
    try:
        region = validate_division_code(region) if region else ""
    except ValueError:
        region = ""
    return LedgerFilter(
        year_from=_year(q.get("year_from", "")), year_to=_year(q.get("year_to", "")), region=region or None,
        industry=q.get("industry") if q.get("industry") in industries.sections() else None,
        grade=q.get("grade") if q.get("grade") in grades else None,
        subtype=q.get("subtype") if q.get("subtype") in subtypes else None,
        source=q.get("source") if q.get("source") in SOURCE_NAMES_ZH else None)


@router.get("/emergency/ledger", response_class=HTMLResponse)
def ledger_page(request: Request, db: DbSession) -> Response:
    principal = page_principal(request, db)
    auth_service.require(principal, Permission.READ_EMERGENCY)
    settings = app_context(request).settings
    the_rules = rules(settings)
    grades = {level.code: level.name for level in the_rules.grades.levels}
    subtypes = {s.code: s.name for s in the_rules.categories[service.LEDGER_CATEGORY].subtypes}
    filters = _filters(request, grades, subtypes)
    page = request.query_params.get("page", "1")
    params = PageParams.clamped(int(page) if page.isdigit() else 1, PAGE_SIZE)
    rows, total = service.list_entries(db, filters=filters, params=params)
    stats = service.stats(db, filters=filters, region_code=principal.region_code, settings=settings)
    chosen = {k: v for k, v in filters.model_dump(mode="json").items() if v not in (None, "")}
    query = urlencode(chosen)
    return render(request, "emergency/ledger.html", principal, rows=service.reads(db, rows, settings=settings),
                  total=total, params=params, pages=params.pages(total), s=stats, f=chosen, query=query,
                  grades=grades, subtypes=subtypes, industries=industries.sections(), sources=SOURCE_NAMES_ZH,
                  export_url="/api/v1/emergency/ledger.xlsx" + (f"?{query}" if query else ""),
                  can_import=principal.can(Permission.WRITE_EMERGENCY), local=format_local)


def _import_page(request: Request, principal: Any, *, report: ImportReport | None = None, error: str = "",
                 filename: str = "", status: int = 200) -> HTMLResponse:
    page = render(request, "emergency/ledger_import.html", principal, report=report, error=error, filename=filename,
                  columns=importer.COLUMNS, sheet=importer.SHEET, local=format_local)
    page.status_code = status
    return page


@router.get("/emergency/ledger/import", response_class=HTMLResponse)
def import_page(request: Request, db: DbSession) -> Response:
    principal = page_principal(request, db)
    auth_service.require(principal, Permission.WRITE_EMERGENCY)
    return _import_page(request, principal)


@router.post("/emergency/ledger/import", response_class=HTMLResponse)
@commits_on_its_own  # parsed first, holding no lock, then checked and written in one unit of work, as the API
def import_upload(request: Request, db: DbSession, file: Annotated[UploadFile, File()],
                  dry_run: Annotated[str, Form()] = "") -> Response:
    """Only when every row is good is anything written; a dry run (the form's default) only reports."""
    principal = page_principal(request, db)
    auth_service.require(principal, Permission.WRITE_EMERGENCY)
    ctx = app_context(request)
    try:
        rows = read_workbook(ctx, file)
        with unit_of_work_as(ctx, principal) as session:
            report = importer.apply(session, rows=rows, file_name=file.filename or "upload.xlsx",
                                    settings=ctx.settings, now=ctx.clock.now(), dry_run=bool(dry_run))
    except (CitysafeError, ValidationError) as exc:
        status = exc.status if isinstance(exc, CitysafeError) else 422
        return _import_page(request, principal, error=form_message(exc, FIELD_LABELS, translator(request)),
                            status=status)
    return _import_page(request, principal, report=report, filename=file.filename or "")  # a report, answered


ENTRY_FIELDS = ("industry_code", "unit_name", "uscc", "description")
ENTRY_LABELS = {"industry_code": N_("行业门类"), "unit_name": N_("事故单位"), "uscc": N_("统一社会信用代码"),
                "description": N_("简要经过")}


def _entry_page(request: Request, db: DbSession, principal: Any, entry_id: int, *, values: dict[str, str] | None = None,
                error: str = "", field: str = "") -> HTMLResponse:
    settings = app_context(request).settings
    entry = service.reads(db, [service.get_entry(db, entry_id=entry_id)], settings=settings)[0]
    shown = values or {"industry_code": entry.industry_code, "unit_name": entry.unit_name, "uscc": entry.uscc or "",
                       "description": entry.description}
    page = render(request, "emergency/ledger_entry.html", principal, e=entry, values=shown, error=error,
                  field=field, industries=industries.sections(), can_write=principal.can(Permission.WRITE_EMERGENCY),
                  ok=request.query_params.get("ok", "") if not error else "", local=format_local)
    if error:
        page.status_code = 422
    return page


@router.get("/emergency/ledger/{entry_id}", response_class=HTMLResponse)
def entry_page(request: Request, entry_id: RowId, db: DbSession) -> Response:
    principal = page_principal(request, db)
    auth_service.require(principal, Permission.READ_EMERGENCY)
    return _entry_page(request, db, principal, entry_id)


@router.post("/emergency/ledger/{entry_id}")
async def entry_submit(request: Request, entry_id: RowId, db: DbSession) -> Response:
    principal = page_principal(request, db)
    auth_service.require(principal, Permission.WRITE_EMERGENCY)
    values = posted(await request.form(), ENTRY_FIELDS)
    try:
        change = LedgerUpdate.model_validate(values)
        service.update_entry(db, entry=service.get_entry(db, entry_id=entry_id), change=change,
                             now=app_context(request).clock.now())
    except (CitysafeError, ValidationError) as exc:
        db.rollback()  # nothing of a refused change is kept; the form comes back with what was typed
        return _entry_page(request, db, principal, entry_id, values=values,
                           error=form_message(exc, ENTRY_LABELS, translator(request)), field=first_field(exc))
    return back(f"/emergency/ledger/{entry_id}", ok=translator(request).gettext("台账记录已更新"))
