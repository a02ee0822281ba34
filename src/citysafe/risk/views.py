"""Risk API: the source registry, assessments, imports, four-colour maps and statistics."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import JSONResponse, Response

from citysafe.auth.deps import Context, CurrentPrincipal, DbSession, commits_on_its_own, requires
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.errors import FieldProblem, ValidationFailed, field_error
from citysafe.core.jobs import JobRead
from citysafe.core.pagination import Page, PageParams, page_of
from citysafe.core.sheets.reader import sheet_reader
from citysafe.core.uploads import read_capped
from citysafe.risk import importjob
from citysafe.risk.calc.levels import LEVELS_ASCENDING
from citysafe.risk.calc.registry import METHODS
from citysafe.risk.enums import CATEGORIES, KINDS, LEVEL_COLOURS
from citysafe.risk.schemas import (
    AssessmentCreate,
    AssessmentRead,
    CalcRequest,
    CategoryCode,
    ImportReport,
    KindCode,
    LevelCode,
    MapQuery,
    SourceCreate,
    SourceDetail,
    SourceFilter,
    SourceRead,
    SourceUpdate,
)
from citysafe.risk.service import assessments, config, dynamic, imports, maps, sources, stats, workbook

router = APIRouter(prefix="/risk", tags=["risk"])
Writer = Annotated[Principal, Depends(requires(Permission.WRITE_RISK))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _detail(db: DbSession, source_id: int) -> SourceDetail:
    source = sources.get(db, source_id=source_id, with_geometry=True)
    base = SourceRead.model_validate(source).model_dump()
    return SourceDetail(
        **base, geometry=source.geometry, region_path=sources.region_path(db, code=source.region_code),
        assessments=[AssessmentRead.model_validate(a) for a in assessments.history(db, source_id=source.id)],
        active_factors=[dynamic.factor_dict(f) for f in dynamic.list_factors(db, source=source)],
    )


@router.get("/categories", operation_id="risk_categories")
def get_categories(principal: CurrentPrincipal) -> dict[str, Any]:
    """The four risk domains, the kinds of source in each, and the four levels with their colours."""
    return {
        "categories": [{"code": c.value, "name_zh": zh} for c, zh in CATEGORIES.items()],
        "kinds": [{"code": k.code, "category": k.category.value, "name_zh": k.name_zh, "geometry": k.geometry.value,
                   "department": k.department, "method": k.method} for k in KINDS.values()],
        "levels": [{"level": lvl.value, "name_zh": lvl.name_zh, "colour": LEVEL_COLOURS[lvl]}
                   for lvl in reversed(LEVELS_ASCENDING)],
    }


@router.get("/methods", operation_id="risk_methods")
def get_methods(principal: CurrentPrincipal) -> dict[str, Any]:
    """Assessment methods, versions, presets and score tables (for assessment forms)."""
    return {method.code: method.describe() for method in METHODS}


@router.get("/rules", operation_id="risk_rules")
def get_rules(principal: CurrentPrincipal, ctx: Context) -> dict[str, Any]:
    """The rulebooks in force: dynamic level rules, GB 18218 grade mapping, weighted map rule."""
    return config.from_settings(ctx.settings).describe()


@router.post("/calc", operation_id="risk_calc")
def calculate(body: CalcRequest, principal: CurrentPrincipal, ctx: Context) -> dict[str, Any]:
    """Run a calculator without storing anything (a preview before assessing)."""
    cfg = config.from_settings(ctx.settings)
    outcome = assessments.evaluate_or_error(AssessmentCreate(method=body.method, params=body.params),
                                            grade_levels=cfg.grade_levels)
    return {"method": outcome.method, "version": outcome.version, "preset": outcome.preset,
            "inputs": outcome.inputs, "result": outcome.result,
            "level": outcome.level.value if outcome.level else None}


@router.get("/sources", response_model=Page[SourceRead], operation_id="risk_sources_list")
def list_sources(db: DbSession, principal: CurrentPrincipal, params: Annotated[PageParams, Query()],
                 filters: Annotated[SourceFilter, Query()]) -> Page[SourceRead]:
    return page_of(sources.list_sources(db, filters=filters, params=params), params, SourceRead.model_validate)


@router.post("/sources", response_model=SourceDetail, status_code=201, operation_id="risk_sources_create")
def create_source(body: SourceCreate, db: DbSession, principal: Writer, ctx: Context) -> SourceDetail:
    source = sources.create(db, source_in=body, scope_code=principal.region_code)
    cfg = config.from_settings(ctx.settings)
    if body.assessment is not None:
        assessments.assess_source(db, source=source, assessment_in=body.assessment, assessor=principal.username,
                                  assessor_name=principal.display_name, at=ctx.clock.now(),
                                  grade_levels=cfg.grade_levels, rules=cfg.rules)
    else:
        assessments.refresh_current(db, sources=[source], rules=cfg.rules)
    return _detail(db, source.id)


@router.get("/sources.geojson", operation_id="risk_sources_geojson")
def sources_geojson(db: DbSession, principal: CurrentPrincipal, region: str,
                    category: Annotated[list[CategoryCode] | None, Query()] = None,
                    kind: Annotated[list[KindCode] | None, Query()] = None,
                    level: Annotated[list[LevelCode] | None, Query()] = None, full: bool = False,
                    limit: Annotated[int, Query(ge=1, le=20000)] = 5000) -> dict[str, Any]:
    """Sources of a region as GeoJSON points (``full``: their own lines and areas)."""
    return maps.sources_geojson(db, region_code=region, categories=category, kinds=kind, levels=level, full=full,
                                limit=limit)


@router.get("/sources.xlsx", operation_id="risk_sources_export")
def export_sources(db: DbSession, principal: CurrentPrincipal, filters: Annotated[SourceFilter, Query()]) -> Response:
    """The register in the import template's columns (edit and import again to update)."""
    rows = sources.export_rows(db, filters=filters)
    return Response(workbook.export_bytes(rows), media_type=XLSX,
                    headers={"Content-Disposition": "attachment; filename*=UTF-8''risk-sources.xlsx"})


@router.get("/sources/{source_id}", response_model=SourceDetail, operation_id="risk_sources_get")
def get_source(source_id: RowId, db: DbSession, principal: CurrentPrincipal) -> SourceDetail:
    return _detail(db, source_id)


@router.patch("/sources/{source_id}", response_model=SourceDetail, operation_id="risk_sources_update")
def update_source(source_id: RowId, body: SourceUpdate, db: DbSession, principal: Writer) -> SourceDetail:
    source = sources.get(db, source_id=source_id)
    sources.update(db, source=source, source_in=body, scope_code=principal.region_code)
    return _detail(db, source_id)


@router.get("/sources/{source_id}/assessments", response_model=list[AssessmentRead],
            operation_id="risk_assessments_list")
def list_assessments(source_id: RowId, db: DbSession, principal: CurrentPrincipal) -> list[AssessmentRead]:
    sources.get(db, source_id=source_id)
    return [AssessmentRead.model_validate(a) for a in assessments.history(db, source_id=source_id)]


@router.post("/sources/{source_id}/assessments", response_model=AssessmentRead, status_code=201,
             operation_id="risk_assessments_create")
def assess(source_id: RowId, body: AssessmentCreate, db: DbSession, principal: Writer, ctx: Context) -> AssessmentRead:
    cfg = config.from_settings(ctx.settings)
    source = sources.get(db, source_id=source_id)
    record = assessments.assess_source(db, source=source, assessment_in=body, assessor=principal.username,
                                       assessor_name=principal.display_name, at=ctx.clock.now(),
                                       grade_levels=cfg.grade_levels, rules=cfg.rules)
    return AssessmentRead.model_validate(record)


@router.get("/import/template.xlsx", operation_id="risk_import_template")
def import_template(principal: CurrentPrincipal) -> Response:
    """The Excel import template: columns with notes, a code sheet, drop-downs and examples."""
    return Response(workbook.template_bytes(), media_type=XLSX,
                    headers={"Content-Disposition": "attachment; filename*=UTF-8''risk-sources-template.xlsx"})


@router.post("/imports", response_model=ImportReport, operation_id="risk_import",
             responses={202: {"model": JobRead, "description": "a large file: imported as a background job"}})
@commits_on_its_own  # parsed first, holding no lock; then written in batches of short units of work
def import_file(principal: Writer, ctx: Context, file: Annotated[UploadFile, File()],
                crs: Annotated[str, Form()] = "wgs84",
                dry_run: Annotated[bool, Form()] = False) -> ImportReport | JSONResponse:
    """Import an Excel, CSV or GeoJSON file. Any row error: 422 with every row's problems, nothing written.
    A file over the upload limit is a 413; a workbook too large or malformed to read, a 422 naming ``file``.

    A file of more rows than the ``import_job_rows`` setting (2,000 by default) is imported as a background
    job: 202 with the job and its ``Location``; follow ``GET /jobs/{id}`` until ``status`` is ``succeeded``,
    when ``result.report`` is the report a small file answers with (``ok`` false and ``errors`` filled when a
    row was refused: nothing was written). Rows are written in batches of short transactions either way.

    A plain ``def``: the import runs on a worker thread (and its workbook in a worker process), never on the
    event loop, so the server answers other requests meanwhile."""
    if crs not in ("wgs84", "gcj02"):
        raise field_error("crs", "must be wgs84 or gcj02", "坐标系须为 wgs84 或 gcj02")
    content = read_capped(file.file, max_bytes=ctx.settings.upload_max_bytes, field="file")
    parsed = imports.parse_file(filename=file.filename or "upload", content=content, reader=sheet_reader(ctx))
    if importjob.is_large(ctx, parsed, dry_run=dry_run):
        job = importjob.submit(ctx, principal, parsed, crs=crs)
        return JSONResponse(job.model_dump(mode="json"), status_code=202,
                            headers={"Location": f"/api/v1/jobs/{job.id}"})
    report = importjob.run(ctx, principal, parsed, crs=crs, dry_run=dry_run)
    if report.errors:
        raise ValidationFailed(
            detail=f"{len(report.errors)} problem(s) in {report.rows} row(s); nothing was imported",
            detail_zh=f"共 {report.rows} 行，发现 {len(report.errors)} 处错误，未导入任何数据",
            fields=[FieldProblem(f"row {p.row}: {p.field}", p.message, p.message_zh) for p in report.errors])
    return report


@router.get("/map", operation_id="risk_map")
def risk_map(db: DbSession, principal: CurrentPrincipal, ctx: Context,
             query: Annotated[MapQuery, Query()]) -> Response:
    """Four-colour map of a region: a GeoJSON FeatureCollection of districts, streets or H3 cells, each
    with ``level`` and counts by level; the aggregation parameters travel with it."""
    cfg = config.from_settings(ctx.settings)
    result = maps.build_map(db, query=query, default_resolution=cfg.h3_resolution, weighted=cfg.weighted,
                            map_rules=cfg.map_rules)
    return Response(maps.to_geojson_text(result), media_type="application/geo+json")


@router.get("/stats", operation_id="risk_stats")
def risk_stats(db: DbSession, principal: CurrentPrincipal, region: str,
               basis: Annotated[str, Query(pattern="^(current|assessed)$")] = "current") -> dict[str, Any]:
    """Counts by level × category, × child division and × kind, for dashboards."""
    def table(crosstab: stats.Crosstab) -> list[dict[str, Any]]:
        return [{"code": key, "name": label, "counts": counts} for key, label, counts in crosstab.rows]

    return {
        "summary": stats.counts_summary(db, region_code=region, basis=basis),
        "by_category": table(stats.by_category(db, region_code=region, basis=basis)),
        "by_division": table(stats.by_division(db, region_code=region, basis=basis)),
        "by_kind": table(stats.by_kind(db, region_code=region, basis=basis)),
    }


@router.get("/major", operation_id="risk_major_list")
def major_list(db: DbSession, principal: CurrentPrincipal, region: str,
               level: Annotated[list[str] | None, Query()] = None,
               limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> list[dict[str, Any]]:
    """重大 and 较大 risks with their responsible units (most severe first)."""
    wanted = tuple(level or ("red", "orange"))
    return [vars(s) for s in stats.major_sources(db, region_code=region, levels=wanted, limit=limit)]
