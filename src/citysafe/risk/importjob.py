"""Running a risk import for the API and the console: small files at once, large ones as a background job.

Shared by ``POST /api/v1/risk/imports`` and the console's import page so both decide alike. A file of more
than ``import_job_rows`` rows (a setting) becomes a job: its batches report "已写入 4,000 / 20,000 行" as the
job's progress, and the finished job's ``result.report`` is the same report a small file answers with (a
report with row errors included: the job then succeeds having written nothing, and ``report.ok`` is false).
"""

from __future__ import annotations

from typing import Any

from citysafe.auth.deps import unit_of_work_as, units_as
from citysafe.auth.schemas import Principal
from citysafe.core import jobs
from citysafe.core.context import AppContext
from citysafe.risk.schemas import ImportReport
from citysafe.risk.service import config, imports
from citysafe.risk.service.importwrite import BatchDone, Batching

JOB_KIND = "risk_import"


def is_large(ctx: AppContext, parsed: imports.ParsedFile, *, dry_run: bool) -> bool:
    return not dry_run and len(parsed.rows) > ctx.settings.import_job_rows


def run(ctx: AppContext, principal: Principal, parsed: imports.ParsedFile, *, crs: str, dry_run: bool,
        on_batch: BatchDone | None = None) -> ImportReport:
    """Validate and write ``parsed`` now, batch by batch, as ``principal``."""
    cfg = config.from_settings(ctx.settings)
    batching = Batching(rows=ctx.settings.import_batch_rows, pause_seconds=ctx.settings.import_batch_pause_seconds,
                        on_batch=on_batch)
    return imports.import_sources(units_as(ctx, principal), parsed=parsed, crs=crs, scope_code=principal.region_code,
                                  actor=principal.username, actor_name=principal.display_name, at=ctx.clock.now(),
                                  grade_levels=cfg.grade_levels, rules=cfg.rules, dry_run=dry_run,
                                  batching=batching)


def submit(ctx: AppContext, principal: Principal, parsed: imports.ParsedFile, *, crs: str) -> jobs.JobRead:
    """Queue the import as a job, in a short unit of work of its own (the views' request sessions stay readers);
    it starts once that commits, and its progress counts the written rows."""

    def work(progress: jobs.Progress) -> dict[str, Any]:
        total = len(parsed.rows)
        progress(0, f"正在校验 {total:,} 行")

        def written(done: int, rows: int) -> None:
            progress(5 + 90 * done // rows, f"已写入 {done:,} / {rows:,} 行")

        report = run(ctx, principal, parsed, crs=crs, dry_run=False, on_batch=written)
        return {"report": report.model_dump(mode="json")}

    with unit_of_work_as(ctx, principal) as session:
        job = jobs.submit(session, kind=JOB_KIND, region_code=principal.region_code, created_by=principal.username,
                          work=work)
        return jobs.JobRead.model_validate(job)
