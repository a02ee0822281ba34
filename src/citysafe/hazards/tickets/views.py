"""Ticket endpoints: report, list, read, move through the loop, upload evidence, statistics, export."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel

from citysafe.auth.deps import Context, CurrentPrincipal, DbSession, commits_on_its_own, requires, unit_of_work_as
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.errors import Forbidden
from citysafe.core.pagination import PageParams
from citysafe.core.uploads import read_capped, removed_unless_kept
from citysafe.hazards import rules
from citysafe.hazards.tickets import export, files, queries, reads, service, stats
from citysafe.hazards.tickets.schemas import (
    AttachmentRead,
    HazardStats,
    TicketCreate,
    TicketDetail,
    TicketFilter,
    TicketPage,
    TransitionIn,
)

router = APIRouter(tags=["hazards"])
Reporter = Annotated[Principal, Depends(requires(Permission.REPORT_HAZARDS))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ACTING = (Permission.REPORT_HAZARDS, Permission.RECTIFY_HAZARDS, Permission.VERIFY_HAZARDS, Permission.WRITE_HAZARDS)


def _json(model: BaseModel) -> Response:
    # The model is built and checked already; handing FastAPI the bytes skips its second validation
    # against ``response_model`` (which still documents the shape), the costliest part of a list request.
    return Response(model.model_dump_json(), media_type="application/json")


def _acting(principal: CurrentPrincipal) -> Principal:
    """Anyone who takes part in the loop may upload evidence."""
    if not any(principal.can(p) for p in _ACTING):
        raise Forbidden(detail="your role takes no part in hazard work", detail_zh="当前角色不参与隐患排查治理")
    return principal


@router.post("/tickets", response_model=TicketDetail, status_code=201, operation_id="hazards_tickets_create")
def create_ticket(ticket_in: TicketCreate, db: DbSession, ctx: Context, principal: Reporter) -> TicketDetail:
    now = ctx.clock.now()
    ticket = service.report(db, ticket_in=ticket_in, principal=principal, settings=ctx.settings, now=now)
    return reads.ticket_detail(db, ticket=ticket, principal=principal, settings=ctx.settings, now=now)


@router.get("/tickets", response_model=TicketPage, operation_id="hazards_tickets_list")
def list_tickets(
    db: DbSession, ctx: Context, principal: CurrentPrincipal, params: Annotated[PageParams, Query()],
    filters: Annotated[TicketFilter, Query()], cursor: str | None = None,
    sort: Literal["-created_at", "created_at", "deadline", "-deadline"] = "-created_at",
) -> Response:
    now = ctx.clock.now()
    rows, total, estimated, next_cursor = queries.page(
        db, filters=filters, params=params, principal=principal, now=now, cursor=cursor, sort=sort,
        cache_seconds=ctx.settings.hazard_stats_cache_seconds)
    items = reads.ticket_reads(db, rows, now, cache_seconds=ctx.settings.hazard_stats_cache_seconds)
    return _json(TicketPage(items=items, total=total, total_estimated=estimated,
                            page=params.page, size=params.size, next_cursor=next_cursor))


@router.get("/tickets/export.xlsx", operation_id="hazards_tickets_export",
            responses={200: {"content": {XLSX: {}}, "description": "the tickets and their statistics"}})
def export_tickets(
    db: DbSession, ctx: Context, principal: CurrentPrincipal, filters: Annotated[TicketFilter, Query()],
) -> Response:
    now = ctx.clock.now()
    summary = stats.hazard_stats(db, filters=filters, principal=principal, now=now,
                                 scope_region=principal.region_code)
    body = export.export_workbook(db, filters=filters, principal=principal, now=now, stats=summary,
                                  max_rows=ctx.settings.hazard_export_max_rows)
    filename = f"hazards-{filters.region or principal.region_code}-{now:%Y%m%d}.xlsx"
    return Response(body, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/tickets/{ticket_id}", response_model=TicketDetail, operation_id="hazards_tickets_get")
def get_ticket(ticket_id: RowId, db: DbSession, ctx: Context, principal: CurrentPrincipal) -> TicketDetail:
    ticket = service.get(db, ticket_id=ticket_id)
    return reads.ticket_detail(db, ticket=ticket, principal=principal, settings=ctx.settings, now=ctx.clock.now())


@router.post("/tickets/{ticket_id}/transitions", response_model=TicketDetail,
             operation_id="hazards_tickets_transition")
def transition_ticket(
    ticket_id: RowId, change: TransitionIn, db: DbSession, ctx: Context, principal: CurrentPrincipal,
) -> TicketDetail:
    """Move a ticket one step (assign, start, submit, pass, fail, resume, close, dismiss, extend, regrade…)."""
    now = ctx.clock.now()
    ticket = service.get(db, ticket_id=ticket_id)
    service.transition(db, ticket=ticket, change=change, principal=principal, settings=ctx.settings, now=now)
    return reads.ticket_detail(db, ticket=ticket, principal=principal, settings=ctx.settings, now=now)


@router.get("/stats", response_model=HazardStats, operation_id="hazards_stats")
def hazard_stats(
    db: DbSession, ctx: Context, principal: CurrentPrincipal, filters: Annotated[TicketFilter, Query()],
) -> Response:
    return _json(stats.hazard_stats(db, filters=filters, principal=principal, now=ctx.clock.now(),
                                    scope_region=principal.region_code,
                                    cache_seconds=ctx.settings.hazard_stats_cache_seconds))


@router.post("/attachments", response_model=AttachmentRead, status_code=201, operation_id="hazards_attachments_upload")
@commits_on_its_own
def upload_attachment(
    ctx: Context, principal: Annotated[Principal, Depends(_acting)],
    file: Annotated[UploadFile, File(description="JPEG, PNG, WebP or PDF, judged by content")],
) -> AttachmentRead:
    """Store a photo or document; pass its id in ``attachment_ids`` when reporting or moving a ticket. The file
    is checked and written before the short transaction that records it (no write lock held meanwhile)."""
    limit, now, root = ctx.settings.upload_max_bytes, ctx.clock.now(), ctx.settings.data_dir
    data = read_capped(file.file, max_bytes=limit, field="file")
    written = files.write_first(data, field="file", root=root, max_bytes=limit, now=now)
    with removed_unless_kept([root / written.relative]), unit_of_work_as(ctx, principal) as session:
        attachment = files.record(session, written, filename=file.filename or "", region_code=principal.region_code,
                                  uploaded_by=principal.user_id, now=now)
    return reads.attachment_read(attachment)


@router.get("/attachments/{attachment_id}", operation_id="hazards_attachments_get",
            responses={200: {"content": {"image/jpeg": {}, "application/pdf": {}}}})
def get_attachment(attachment_id: RowId, db: DbSession, ctx: Context, principal: CurrentPrincipal) -> FileResponse:
    attachment = files.get_for_download(db, attachment_id=attachment_id, user_id=principal.user_id)
    path = files.path_of(ctx.settings.data_dir, attachment)
    return FileResponse(path, media_type=attachment.content_type, filename=attachment.filename,
                        content_disposition_type="inline",
                        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"})


@router.get("/standards", operation_id="hazards_standards")
def judging_standards(ctx: Context, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """The major-hazard judging standards in force: a ticket meeting any criterion is major."""
    return rules.standards(ctx.settings).as_dicts()
