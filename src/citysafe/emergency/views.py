"""The emergency API under ``/api/v1/emergency``: incidents, their timeline, the duty roster, the taxonomy."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import Response

from citysafe.auth.deps import Context, DbSession, requires
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId, SaneDate
from citysafe.core.clock import to_local
from citysafe.core.errors import field_error
from citysafe.core.geo import BoundingBox
from citysafe.core.pagination import PageParams
from citysafe.core.uploads import read_capped
from citysafe.core.validators import validate_division_code
from citysafe.emergency import attachments, commandmap, nearby, promote, reads, roster, service, timeline
from citysafe.emergency.rules import rules
from citysafe.emergency.schemas import (
    AttachmentRead,
    CasualtiesIn,
    IncidentCreate,
    IncidentDetail,
    IncidentFilter,
    IncidentPage,
    PromoteIn,
    RosterIn,
    RosterRead,
    TimelineEntryRead,
    TimelineNoteIn,
    TimelineVerdict,
    TransitionIn,
)

router = APIRouter(prefix="/emergency", tags=["emergency"])
Reader = Annotated[Principal, Depends(requires(Permission.READ_EMERGENCY))]
Writer = Annotated[Principal, Depends(requires(Permission.WRITE_EMERGENCY))]


@router.get("/incidents", response_model=IncidentPage, operation_id="emergency_incidents_list")
def list_incidents(db: DbSession, ctx: Context, principal: Reader, params: Annotated[PageParams, Query()],
                   filters: Annotated[IncidentFilter, Query()]) -> IncidentPage:
    rows, total = service.list_incidents(db, filters=filters, params=params)
    return IncidentPage(items=reads.incident_reads(db, rows, settings=ctx.settings), total=total, page=params.page,
                        size=params.size)


@router.post("/incidents", response_model=IncidentDetail, status_code=201, operation_id="emergency_incidents_create")
def open_incident(incident_in: IncidentCreate, db: DbSession, ctx: Context, principal: Writer) -> IncidentDetail:
    """接报: open an incident from a call (caller, phone, time, place, what happened, category, sub-type)."""
    now = ctx.clock.now()
    incident = service.open_incident(db, incident_in=incident_in, principal=principal, settings=ctx.settings, now=now)
    return reads.incident_detail(db, incident, settings=ctx.settings)


@router.post("/incidents/from-hazard/{ticket_id}", response_model=IncidentDetail, status_code=201,
             operation_id="emergency_incidents_from_hazard")
def open_from_hazard(ticket_id: RowId, promote_in: PromoteIn, db: DbSession, ctx: Context,
                     principal: Writer) -> IncidentDetail:
    """Promote an escalated hazard ticket to an incident (category and sub-type chosen here; place, location,
    division, unit and description from the ticket); the ticket's timeline notes it. 409 if the ticket is not
    escalated or was promoted already."""
    incident = promote.open_from_hazard(db, ticket_id=ticket_id, promote_in=promote_in, principal=principal,
                                        settings=ctx.settings, now=ctx.clock.now())
    return reads.incident_detail(db, incident, settings=ctx.settings)


@router.get("/incidents/{incident_id}", response_model=IncidentDetail, operation_id="emergency_incidents_get")
def get_incident(incident_id: RowId, db: DbSession, ctx: Context, principal: Reader) -> IncidentDetail:
    return reads.incident_detail(db, service.get(db, incident_id=incident_id), settings=ctx.settings)


@router.patch("/incidents/{incident_id}", response_model=IncidentDetail, operation_id="emergency_incidents_casualties")
def report_casualties(incident_id: RowId, change: CasualtiesIn, db: DbSession, ctx: Context,
                      principal: Writer) -> IncidentDetail:
    """补报 casualties or loss (``loss_yuan``, whole yuan); within the 补报 window the grade follows them."""
    incident = service.get(db, incident_id=incident_id)
    service.report_casualties(db, incident=incident, change=change, principal=principal, settings=ctx.settings,
                              now=ctx.clock.now())
    return reads.incident_detail(db, incident, settings=ctx.settings)


@router.post("/incidents/{incident_id}/transitions", response_model=IncidentDetail,
             operation_id="emergency_incidents_transition")
def transition_incident(incident_id: RowId, change: TransitionIn, db: DbSession, ctx: Context,
                        principal: Writer) -> IncidentDetail:
    """One step of 接报 → 核实 → 响应 → 处置 → 响应终止 → 善后/调查 → 归档, or a new response level."""
    incident = service.get(db, incident_id=incident_id)
    service.transition(db, incident=incident, change=change, principal=principal, settings=ctx.settings,
                       now=ctx.clock.now())
    return reads.incident_detail(db, incident, settings=ctx.settings)


@router.get("/incidents/{incident_id}/timeline", response_model=list[TimelineEntryRead],
            operation_id="emergency_timeline_get")
def get_timeline(incident_id: RowId, db: DbSession, principal: Reader) -> list[TimelineEntryRead]:
    """Every entry in time order, each with the hash linking it to the one before (JSON export)."""
    incident = service.get(db, incident_id=incident_id)
    return reads.timeline_reads(timeline.entries(db, incident_id=incident.id))


@router.get("/incidents/{incident_id}/timeline.csv", operation_id="emergency_timeline_csv",
            responses={200: {"content": {"text/csv": {}}, "description": "the timeline in time order"}})
def timeline_csv(incident_id: RowId, db: DbSession, principal: Reader) -> Response:
    incident = service.get(db, incident_id=incident_id)
    body = timeline.export_csv(timeline.entries(db, incident_id=incident.id))
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="timeline-{incident.number}.csv"'})


@router.post("/incidents/{incident_id}/timeline", response_model=list[TimelineEntryRead], status_code=201,
             operation_id="emergency_timeline_add")
def add_to_timeline(incident_id: RowId, note: TimelineNoteIn, db: DbSession, ctx: Context,
                    principal: Writer) -> list[TimelineEntryRead]:
    """A note or a correction (naming the entry it corrects); nothing written before is changed."""
    incident = service.get(db, incident_id=incident_id)
    service.append_note(db, incident=incident, kind=note.kind, text=note.text, corrects_seq=note.corrects_seq,
                        principal=principal, now=ctx.clock.now())
    return reads.timeline_reads(timeline.entries(db, incident_id=incident.id))


@router.get("/incidents/{incident_id}/timeline/verify", response_model=TimelineVerdict,
            operation_id="emergency_timeline_verify")
def verify_timeline(incident_id: RowId, db: DbSession, principal: Reader) -> TimelineVerdict:
    """Recompute the hash chain: a changed, removed or re-ordered entry is named."""
    incident = service.get(db, incident_id=incident_id)
    verdict = timeline.verify(db, incident=incident)
    altered = attachments.altered(db, incident=incident)
    reason, reason_zh = verdict.reason, verdict.reason_zh
    if verdict.ok and altered:
        reason = f"attachments {altered} no longer match the digest their timeline entry recorded"
        reason_zh = f"附件 {altered} 的内容与时间线登记的摘要不符，已被改动"
    return TimelineVerdict(ok=verdict.ok and not altered, entries=verdict.entries, head=verdict.head,
                           first_bad_seq=verdict.first_bad_seq, reason=reason, reason_zh=reason_zh,
                           altered_attachments=altered)


@router.post("/incidents/{incident_id}/attachments", response_model=AttachmentRead, status_code=201,
             operation_id="emergency_attachments_add")
def add_attachment(incident_id: RowId, db: DbSession, ctx: Context, principal: Writer,
                   file: Annotated[UploadFile | None, File(description="a photo (JPG, PNG, WEBP) or PDF/Word")] = None,
                   note: Annotated[str, Form(max_length=500)] = "") -> AttachmentRead:
    """A photo or document on the incident's timeline; the entry records the file's SHA-256."""
    if file is None:
        raise field_error("file", "choose a file to attach", "请选择要上传的附件")
    limit = ctx.settings.upload_max_bytes
    incident = service.get(db, incident_id=incident_id)
    attachment = attachments.attach(db, incident=incident, data=read_capped(file.file, max_bytes=limit, field="file"),
                                    filename=file.filename or "", note=note, max_bytes=limit, principal=principal,
                                    now=ctx.clock.now())
    return AttachmentRead.model_validate(attachment)


@router.get("/incidents/{incident_id}/attachments", response_model=list[AttachmentRead],
            operation_id="emergency_attachments_list")
def list_attachments(incident_id: RowId, db: DbSession, principal: Reader) -> list[AttachmentRead]:
    incident = service.get(db, incident_id=incident_id)
    return [AttachmentRead.model_validate(a) for a in attachments.of_incident(db, incident_id=incident.id)]


@router.get("/incidents/{incident_id}/attachments/{attachment_id}", operation_id="emergency_attachments_get",
            responses={200: {"content": {"application/octet-stream": {}}, "description": "the file as uploaded"}})
def download_attachment(incident_id: RowId, attachment_id: RowId, db: DbSession, principal: Reader) -> Response:
    attachment = attachments.get(db, incident=service.get(db, incident_id=incident_id), attachment_id=attachment_id)
    # Photos open in the browser; documents download. nosniff: the stored kind, judged by content, is the kind.
    disposition = "inline" if attachment.content_type.startswith("image/") else "attachment"
    return Response(attachment.data, media_type=attachment.content_type, headers={
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(attachment.filename)}",
        "Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"})


@router.get("/incidents/{incident_id}/nearby", operation_id="emergency_incident_nearby",
            summary="Risk sources, open hazards and fire units around the incident (GeoJSON)")
def incident_nearby(incident_id: RowId, db: DbSession, principal: Reader,
                    radius_m: Annotated[int, Query(ge=100, le=20_000, description="metres around the incident")] = 3000,
                    ) -> dict[str, Any]:
    """For the incident room's map: what the platform knows within ``radius_m``, nearest first, in the reader's
    region; ``located`` is false when the incident has no location yet."""
    return nearby.nearby(db, incident=service.get(db, incident_id=incident_id), radius_m=radius_m)


@router.get("/map", operation_id="emergency_command_map",
            summary="指挥一张图: active incidents, teams by status, dispatch routes, shelters, depots, warning areas "
                    "(GeoJSON)")
def command_map(db: DbSession, ctx: Context, principal: Reader,
                bbox: Annotated[str | None, Query(max_length=100, description="west,south,east,north (WGS84 "
                                                  "degrees): only what lies in this box")] = None,
                limit: Annotated[int, Query(ge=1, le=commandmap.MAX_LIMIT, description="at most this many features "
                                            "per layer")] = commandmap.DEFAULT_LIMIT) -> dict[str, Any]:
    """One FeatureCollection in the reader's region; each feature's ``layer`` says which of the six it is;
    ``truncated`` names the layers cut at ``limit``."""
    return commandmap.command_map(db, settings=ctx.settings, now=ctx.clock.now(), limit=limit, box=_box(bbox))


def _box(text: str | None) -> BoundingBox | None:
    if text is None or not text.strip():
        return None
    try:
        west, south, east, north = (float(part) for part in text.split(","))
    except ValueError:
        raise field_error("bbox", "bbox is west,south,east,north in degrees",
                          "范围应为“西,南,东,北”四个经纬度数值") from None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise field_error("bbox", "bbox needs west < east within ±180 and south < north within ±90",
                          "范围无效：应西小于东（±180 内）、南小于北（±90 内）")
    return BoundingBox(west, south, east, north)


def _division(code: str) -> str:
    try:
        return validate_division_code(code)
    except ValueError as exc:
        raise field_error("region", str(exc), "行政区划代码应为 6、9 或 12 位数字") from exc


@router.get("/roster", response_model=RosterRead, operation_id="emergency_roster_get")
def get_roster(db: DbSession, ctx: Context, principal: Reader, region: str | None = Query(default=None),
               day: Annotated[SaneDate | None, Query()] = None) -> RosterRead:
    """Who is on duty for ``region`` (the caller's own by default) on ``day`` (today in China by default)."""
    code = _division(region) if region else principal.region_code
    when: date = day or to_local(ctx.clock.now()).date()
    source, shifts = roster.on_duty(db, region_code=code, day=when)
    return reads.roster_read(db, code, when, source, shifts)


@router.put("/roster", response_model=RosterRead, operation_id="emergency_roster_set")
def set_roster(roster_in: RosterIn, db: DbSession, principal: Writer) -> RosterRead:
    """Set the whole roster of one region and day."""
    shifts = roster.set_day(db, region_code=roster_in.region_code, day=roster_in.day, entries=roster_in.entries)
    return reads.roster_read(db, roster_in.region_code, roster_in.day, roster_in.region_code, shifts)


@router.get("/categories", operation_id="emergency_categories")
def categories(ctx: Context, principal: Reader) -> dict[str, Any]:
    """The taxonomy and thresholds in force (categories, sub-types, grades, 补报 windows, response levels)."""
    return rules(ctx.settings).raw
