"""`citysafe risk …`: assessment calculators, the import template and imports, maps and the white paper.

The calculators print one JSON object; bad input exits 2 with one line on stderr (the reason), never a
traceback, so they can be scripted and their output diffed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from citysafe.commands.support import app_context, emit, fail, importing
from citysafe.core.errors import CitysafeError

app = typer.Typer(help="城市安全风险：评估计算器、风险源导入、四色图、白皮书", no_args_is_help=True)


# Options are read as text and checked here rather than by click, whose errors span several lines.
def _number(value: str | None, option: str) -> float:
    if value is None:
        fail(f"missing {option}")
    try:
        number = float(value)
    except ValueError:
        fail(f"{option} must be a number; got {value!r}")
    if number != number or number in (float("inf"), float("-inf")):
        fail(f"{option} must be a finite number; got {value!r}")
    return number


def _integer(value: str | None, option: str) -> int:
    number = _number(value, option)
    if not number.is_integer():
        fail(f"{option} must be a whole number; got {value!r}")
    return int(number)


@app.command("lec")
def lec_command(
    l: Annotated[str | None, typer.Option("--l", help="可能性 L: 10, 6, 3, 1, 0.5, 0.2, 0.1")] = None,  # noqa: E741
    e: Annotated[str | None, typer.Option("--e", help="暴露频率 E: 10, 6, 3, 2, 1, 0.5")] = None,
    c: Annotated[str | None, typer.Option("--c", help="后果 C: 100, 40, 15, 7, 3, 1")] = None,
    preset: Annotated[str, typer.Option("--preset", help="colour preset A or B (risk-methods.md §2.3)")] = "A",
) -> None:
    """LEC: D = L × E × C and its four-colour level under a preset → {"d", "level", "preset"}."""
    from citysafe.risk.calc.lec import assess_lec

    scores = (_number(l, "--l"), _number(e, "--e"), _number(c, "--c"))
    try:
        result = assess_lec(*scores, preset)
    except ValueError as exc:
        fail(str(exc))
    emit({"d": result.d, "level": result.level.value, "preset": result.preset})


@app.command("matrix")
def matrix_command(
    likelihood: Annotated[str | None, typer.Option("--l", help="可能性 L, 1–5")] = None,
    severity: Annotated[str | None, typer.Option("--s", help="后果严重性 S, 1–5")] = None,
    preset: Annotated[str, typer.Option("--preset", help="matrix preset M1 or M2 (risk-methods.md §2.4)")] = "M1",
) -> None:
    """5×5 risk matrix: the level of (L, S) looked up in a preset table → {"r", "level", "preset"}."""
    from citysafe.risk.calc.matrix import assess_matrix

    try:
        result = assess_matrix(_integer(likelihood, "--l"), _integer(severity, "--s"), preset)
    except ValueError as exc:
        fail(str(exc))
    emit({"r": result.r, "level": result.level.value, "preset": result.preset})


def _holding(text: str) -> dict[str, Any]:
    name, sep, tonnes = text.replace("＝", "=").rpartition("=")
    if not sep or not name.strip():
        fail(f"bad --substance {text!r}: expected NAME=TONNES, e.g. 氯=25")
    return {"substance": name.strip(), "quantity_t": _number(tonnes.strip(), f"--substance {name.strip()}")}


@app.command("gb18218")
def gb18218_command(
    substance: Annotated[list[str] | None,
                         typer.Option("--substance", help="NAME=TONNES; repeat for a mixture")] = None,
    residents: Annotated[str | None,
                         typer.Option("--residents", help="people within 500 m outside the boundary")] = None,
) -> None:
    """GB 18218-2018: identify a major hazard installation (S = Σq/Q ≥ 1) and grade it (R = αΣβq/Q)
    → {"s", "major_hazard", "alpha", "r", "grade"}; grade and r are null when it is not a major hazard."""
    from citysafe.risk.calc.gb18218 import Gb18218Error, Holding, alpha_for_population, assess_gb18218

    if not substance:
        fail("give at least one --substance NAME=TONNES")
    holdings = [Holding(**_holding(text)) for text in substance]
    people = _integer(residents, "--residents")
    try:
        alpha = alpha_for_population(people)
        result = assess_gb18218(holdings, people)
    except Gb18218Error as exc:
        fail(str(exc))
    emit({"s": result.s, "major_hazard": result.is_major, "alpha": float(alpha), "r": result.r,
           "grade": result.grade})


@app.command("template")
def template_command(
    out: Annotated[Path, typer.Option("--out", help="where to write the .xlsx template")] = Path(
        "风险源导入模板.xlsx"),
) -> None:
    """Write the Excel import template (columns with notes, code sheet, drop-downs, examples)."""
    from citysafe.risk.service import workbook

    try:
        out.write_bytes(workbook.template_bytes())
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror}")
    typer.echo(str(out))


def _units(ctx: Any, region: str) -> Any:
    """The CLI's readers and batch writers, limited to ``region``."""
    from contextlib import contextmanager

    from citysafe.core.db import Units, unit_of_work
    from citysafe.core.scope import Scope, bind_scope

    def opener(factory: Any) -> Any:
        @contextmanager
        def open_unit() -> Iterator[Any]:
            with unit_of_work(factory, actor="cli") as session:
                bind_scope(session, Scope(region_code=region))
                yield session
        return open_unit

    return Units(read=opener(ctx.read_session_factory), write=opener(ctx.session_factory))


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help=".xlsx, .csv or .geojson")],
    region: Annotated[str, typer.Option("--region", help="division the import belongs to (scope)")],
    crs: Annotated[str, typer.Option("--crs", help="coordinates: wgs84 or gcj02")] = "wgs84",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="validate only")] = False,
) -> None:
    """Import risk sources; prints the row-by-row report. Any error: exit 2 and nothing is imported."""
    from citysafe.core.sheets.reader import sheet_reader
    from citysafe.risk.service import config, imports
    from citysafe.risk.service.importwrite import Batching

    if crs not in ("wgs84", "gcj02"):
        fail("--crs must be wgs84 or gcj02")
    ctx = app_context()
    cfg = config.from_settings(ctx.settings)
    with importing(ctx, file) as content:
        # Parsed before the unit of work opens, so the write lock is not held while the file is read.
        parsed = imports.parse_file(filename=file.name, content=content, reader=sheet_reader(ctx))
        report = imports.import_sources(_units(ctx, region), parsed=parsed, crs=crs, scope_code=region, actor="cli",
                                        actor_name="命令行导入", at=ctx.clock.now(), grade_levels=cfg.grade_levels,
                                        rules=cfg.rules, dry_run=dry_run,
                                        batching=Batching(rows=ctx.settings.import_batch_rows,
                                                          pause_seconds=ctx.settings.import_batch_pause_seconds))
    emit(report.model_dump())
    if report.errors:
        first = report.errors[0]
        fail(f"{len(report.errors)} problem(s), nothing imported; first: row {first.row} {first.field}: "
              f"{first.message}")


@app.command("streets")
def streets_command(
    city: Annotated[str, typer.Option("--city", help="city code, e.g. 320100")] = "320100",
) -> None:
    """Generate Voronoi demo street boundaries (one cell per listed street) — not official boundaries."""
    from citysafe.core.db import unit_of_work
    from citysafe.risk.service import boundaries

    ctx = app_context()
    try:
        with unit_of_work(ctx.session_factory, actor="cli") as session:
            count = boundaries.generate_demo_streets(session, city_code=city)
    except CitysafeError as exc:
        fail(exc.detail)
    emit({"city": city, "streets": count, "boundary_source": boundaries.GENERATED_STREETS_SOURCE})


@app.command("whitepaper")
def whitepaper_command(
    region: Annotated[str, typer.Option("--region", help="city or district code")],
    year: Annotated[int, typer.Option("--year", help="assessment year")],
    out: Annotated[Path, typer.Option("--out", help="output directory")],
    formats: Annotated[str, typer.Option("--formats", help="comma-separated: html,pdf,docx")] = "html,pdf,docx",
) -> None:
    """Write the 城市安全风险白皮书 (HTML, PDF, DOCX) for a region and year."""
    from citysafe.core.db import unit_of_work
    from citysafe.risk.whitepaper import service as whitepaper

    wanted = tuple(f.strip() for f in formats.split(",") if f.strip())
    if not wanted or any(f not in ("html", "pdf", "docx") for f in wanted):
        fail("--formats takes html, pdf and/or docx")
    if not 1990 <= year <= 2100:
        fail("--year must be a calendar year such as 2025")
    ctx = app_context()
    try:
        with unit_of_work(ctx.session_factory, actor="cli") as session:
            built = whitepaper.build(session, settings=ctx.settings, region_code=region, year=year, out_dir=out,
                                     formats=wanted, author="cli", at=ctx.clock.now())
    except CitysafeError as exc:
        fail(exc.detail)
    except OSError as exc:
        fail(f"cannot write to {out}: {exc.strerror or exc}")
    emit({"report_id": built.report_id, "files": {k: str(v) for k, v in built.files.items()},
           "summary": built.summary})
