"""Console pages of the risk domain: the four-colour map, the source register, a source's assessments,
imports with their validation report, and the white paper button. They call the same services as the API.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import pass_context
from jinja2.runtime import Context as JinjaContext
from pydantic import ValidationError

from citysafe.auth import service as auth_service
from citysafe.auth.deps import DbSession, app_context, commits_on_its_own
from citysafe.auth.enums import ROLE_NAMES_ZH, Permission
from citysafe.core import jobs
from citysafe.core.bounds import RowId
from citysafe.core.clock import to_local
from citysafe.core.errors import CitysafeError
from citysafe.core.pagination import PageParams
from citysafe.core.sheets.reader import sheet_reader
from citysafe.core.uploads import read_capped
from citysafe.regions import service as regions_service
from citysafe.risk import importjob
from citysafe.risk.calc import lec
from citysafe.risk.calc.levels import LEVELS_ASCENDING, RiskLevel
from citysafe.risk.calc.method import ParamError
from citysafe.risk.calc.registry import METHODS, REGISTRY, find_method, method_label, preset_name
from citysafe.risk.enums import CATEGORIES, KINDS, LEVEL_COLOURS
from citysafe.risk.maprules import MAP_RULES, RULE_NAMES_ZH
from citysafe.risk.schemas import AssessmentCreate, ImportReport, SourceFilter
from citysafe.risk.service import assessments, config, dynamic, imports, reports, sources, stats
from citysafe.risk.service.importfile import COLUMNS
from citysafe.risk.whitepaper.views import WhitepaperRequest, submit_whitepaper
from citysafe.web.common import TEMPLATES, page_principal, render
from citysafe.web.i18n import context_translator, translator
from citysafe.web.messages import form_message

router = APIRouter(include_in_schema=False)
LEVELS = list(reversed(LEVELS_ASCENDING))
_METHOD_NAMES = {m.code: m.name_zh for m in METHODS}


def _common() -> dict[str, Any]:
    return {"levels": LEVELS, "level_colours": {lvl.value: LEVEL_COLOURS[lvl] for lvl in LEVELS},
            "categories": CATEGORIES, "kinds": KINDS, "method_names": _METHOD_NAMES,
            "column_names": {c.key: c.header for c in COLUMNS}}


@router.get("/risk", response_class=HTMLResponse)
def risk_map_page(request: Request, db: DbSession, region: str | None = None, code: str | None = None) -> Response:
    """The map; ``code`` is the division drilled down to (the page keeps it in the URL, so Back returns)."""
    principal = page_principal(request, db)
    home = regions_service.read(db, code=region or principal.region_code)
    start = regions_service.read(db, code=code) if code else home
    map_rules = config.from_settings(app_context(request).settings).map_rules
    rules = [{"code": r, "name_zh": translator(request).name(RULE_NAMES_ZH[r])} for r in MAP_RULES]
    return render(request, "risk/map.html", principal, start=start, home=home,
                  can_write=principal.can(Permission.WRITE_RISK), map_rules=rules,
                  default_rule=map_rules.default, **_common())


@router.get("/risk/sources", response_class=HTMLResponse)
def sources_page(request: Request, db: DbSession, filters: Annotated[SourceFilter, Query()],
                 page: int = 1) -> Response:
    principal = page_principal(request, db)
    params = PageParams.clamped(page, 50)
    items, total = sources.list_sources(db, filters=filters, params=params)
    region = regions_service.read(db, code=filters.region or principal.region_code)
    query = str(request.url.query)
    return render(request, "risk/sources.html", principal, items=items, total=total, page=params.page,
                  pages=params.pages(total), filters=filters, region=region,
                  query=query, **_common())


def _source_context(db: DbSession, source_id: int) -> dict[str, Any]:
    source = sources.get(db, source_id=source_id, with_geometry=True)
    return {"source": source, "path": sources.region_path(db, code=source.region_code),
            "history": assessments.history(db, source_id=source.id),
            "factors": dynamic.list_factors(db, source=source, include_cleared=True),
            "lec_tables": (lec.L_SCORES, lec.E_SCORES, lec.C_SCORES),
            "lec_presets": [p.code for p in REGISTRY["lec"].presets],
            "matrix_presets": [p.code for p in REGISTRY["matrix"].presets]}


@router.get("/risk/sources/{source_id}", response_class=HTMLResponse)
def source_page(request: Request, source_id: RowId, db: DbSession, error: str = "") -> Response:
    principal = page_principal(request, db)
    return render(request, "risk/source.html", principal, error=error, can_write=principal.can(Permission.WRITE_RISK),
                  **_source_context(db, source_id), **_common())


def _assessment_params(form: dict[str, str]) -> dict[str, Any]:
    """The form's fields read as the method reads an import row (each method's preset has its own select)."""
    method = find_method(form.get("method", "")) or REGISTRY["given"]
    values = {k: v.strip() for k, v in form.items()}
    values["preset"] = values.get(f"{method.code}_preset", "")
    return method.from_cells(values)


@router.post("/risk/sources/{source_id}/assess")
async def assess_source(request: Request, source_id: RowId, db: DbSession) -> Response:
    principal = page_principal(request, db)
    form = {k: str(v) for k, v in (await request.form()).items()}
    ctx = app_context(request)
    cfg = config.from_settings(ctx.settings)
    try:
        auth_service.require(principal, Permission.WRITE_RISK)
        body = AssessmentCreate(method=form.get("method", "lec"),
                                params=_assessment_params(form), note=form.get("note", "")[:500])
        assessments.assess_source(db, source=sources.get(db, source_id=source_id), assessment_in=body,
                                  assessor=principal.username, assessor_name=principal.display_name,
                                  at=ctx.clock.now(), grade_levels=cfg.grade_levels, rules=cfg.rules)
    except (CitysafeError, ValueError, ParamError) as exc:
        db.rollback()
        t = translator(request)
        if isinstance(exc, CitysafeError):
            message = form_message(exc, t=t)
        elif isinstance(exc, ParamError):
            message = exc.message_zh if t.is_source else str(exc)
        else:
            message = str(exc).splitlines()[0]
        page = render(request, "risk/source.html", principal, error=message, form=form,
                      can_write=principal.can(Permission.WRITE_RISK), **_source_context(db, source_id), **_common())
        page.status_code = 422
        return page
    return RedirectResponse(f"/risk/sources/{source_id}#history", status_code=303)


@router.get("/risk/import", response_class=HTMLResponse)
def import_page(request: Request, db: DbSession) -> Response:
    principal = page_principal(request, db)
    return render(request, "risk/import.html", principal, report=None, error="", job=None, **_common())


@router.post("/risk/import", response_class=HTMLResponse)
@commits_on_its_own  # parsed first, holding no lock, then applied in a short unit of work, as the API's import
def import_upload(request: Request, db: DbSession, file: Annotated[UploadFile, File()],
                  crs: Annotated[str, Form()] = "wgs84", dry_run: Annotated[str, Form()] = "") -> Response:
    # A plain ``def`` (a worker thread, not the event loop), as the API's import: see risk/views.py.
    principal = page_principal(request, db)
    ctx = app_context(request)
    try:
        auth_service.require(principal, Permission.WRITE_RISK)
        if crs not in ("wgs84", "gcj02"):
            crs = "wgs84"
        content = read_capped(file.file, max_bytes=ctx.settings.upload_max_bytes, field="file")
        parsed = imports.parse_file(filename=file.filename or "upload", content=content, reader=sheet_reader(ctx))
        if importjob.is_large(ctx, parsed, dry_run=bool(dry_run)):
            job = importjob.submit(ctx, principal, parsed, crs=crs)
            return render(request, "risk/import.html", principal, report=None, error="", job=job,
                          filename=file.filename, **_common())
        report = importjob.run(ctx, principal, parsed, crs=crs, dry_run=bool(dry_run))
    except CitysafeError as exc:
        page = render(request, "risk/import.html", principal, report=None,
                      error=form_message(exc, t=translator(request)), **_common())
        page.status_code = exc.status
        return page
    page = render(request, "risk/import.html", principal, report=report, error="", filename=file.filename,
                  **_common())
    if report.errors:
        page.status_code = 422
    return page


@router.get("/risk/import/jobs/{job_id}", response_class=HTMLResponse)
def import_job(request: Request, db: DbSession, job_id: RowId) -> Response:
    """The progress of a large import, polled by the import page (htmx) until the job ends."""
    principal = page_principal(request, db)
    job = jobs.get(db, job_id=job_id)
    report = ImportReport.model_validate(job.result["report"]) if job.result else None
    return render(request, "risk/_import_job.html", principal, job=job, report=report)


def _whitepaper_regions(db: DbSession, code: str) -> list[Any]:
    region = regions_service.get(db, code=code)
    out = [region] if region.level in ("province", "city", "district") else []
    if region.level in ("province", "city"):
        out += [r for r in regions_service.children(db, code=code) if r.level in ("city", "district")]
    return out


def _visible_job(db: DbSession, job_id: int | None) -> jobs.Job | None:
    if job_id is None:
        return None
    try:
        return jobs.get(db, job_id=job_id)
    except CitysafeError:  # gone or outside the caller's scope: the page simply shows no progress
        return None


def _authors(db: DbSession, usernames: set[str], request: Request) -> dict[str, str]:
    """Who prepared each white paper, as its readers know them: 南京市安委办（南京市 · 市安委办）."""
    names = regions_service.cached_names(db)
    roles = {role.value: translator(request).name(name) for role, name in ROLE_NAMES_ZH.items()}
    return {u.username: f"{u.display_name or u.username}（{names.name(u.region_code) or u.region_code} · "
                        f"{roles.get(u.role, u.role)}）"
            for u in auth_service.users_by_username(db, usernames=usernames).values()}


@router.get("/risk/whitepaper", response_class=HTMLResponse)
def whitepaper_page(request: Request, db: DbSession, error: str = "", job: RowId | None = None) -> Response:
    principal = page_principal(request, db)
    now = to_local(app_context(request).clock.now())
    listed = reports.list_reports(db)
    return render(request, "risk/whitepaper.html", principal, reports=listed, error=error,
                  authors=_authors(db, {r.created_by for r in listed}, request),
                  regions=_whitepaper_regions(db, principal.region_code), this_year=now.year,
                  summary=stats.counts_summary(db, region_code=principal.region_code),
                  can_write=principal.can(Permission.WRITE_RISK), job=_visible_job(db, job), **_common())


@router.get("/risk/whitepaper/jobs/{job_id}", response_class=HTMLResponse)
def whitepaper_job(request: Request, db: DbSession, job_id: RowId) -> Response:
    """The progress fragment the page polls; when the white paper is ready the page reloads to list it."""
    principal = page_principal(request, db)
    job = _visible_job(db, job_id)
    page = render(request, "risk/_whitepaper_job.html", principal, job=job)
    if job is None or job.status == jobs.JobStatus.SUCCEEDED:
        page.headers["HX-Refresh"] = "true"
    return page


@router.post("/risk/whitepaper")
def whitepaper_build(request: Request, db: DbSession, region: Annotated[str, Form()],
                     year: Annotated[int, Form()]) -> Response:
    principal = page_principal(request, db)
    try:
        auth_service.require(principal, Permission.WRITE_RISK)
        job = submit_whitepaper(db, app_context(request), principal, WhitepaperRequest(region=region, year=year))
    except (CitysafeError, ValueError) as exc:
        db.rollback()
        t = translator(request)
        message = form_message(exc, t=t) if isinstance(exc, CitysafeError | ValidationError) else t.gettext("参数有误")
        return RedirectResponse(f"/risk/whitepaper?error={quote(message)}", status_code=303)
    return RedirectResponse(f"/risk/whitepaper?job={job.id}#whitepaper-job", status_code=303)


@pass_context
def level_name(context: JinjaContext, value: str | None) -> str:
    t = context_translator(context)
    return t.name(RiskLevel(value).name_zh) if value else t.gettext("未评估")


def fmt_time(value: datetime | None) -> str:
    return f"{to_local(value):%Y-%m-%d %H:%M}" if value else ""


TEMPLATES.env.filters["risk_level"] = level_name
TEMPLATES.env.filters["risk_time"] = fmt_time
TEMPLATES.env.filters["risk_method"] = method_label
TEMPLATES.env.filters["risk_preset"] = preset_name
