"""Service requests as GeoReport v2 shows them: citizen reports, public fields only.

What an anonymous reader gets: the category, the description, the place displaced by the reports package
(never the place reported, never the address typed), the district as ``address``, the stage in words with the
hazard ticket's progress in ``status_notes``, the district's 应急管理局 as ``agency_responsible``, the ticket's
deadline as ``expected_datetime``. Never the reporter, never a member of staff.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel
from sqlalchemy.orm import Session

from citysafe.core.clock import SHANGHAI, format_local, to_local
from citysafe.core.errors import NotFound, field_error
from citysafe.hazards import service as hazards_service
from citysafe.hazards.enums import CATEGORY_NAMES_ZH
from citysafe.public.open311.catalogue import category_of
from citysafe.public.reports import service as reports_service
from citysafe.public.reports.schemas import PublicListed, State
from citysafe.regions import service as regions_service

CLOSED_STATES = frozenset({State.REJECTED.value, State.RECTIFIED.value, State.DISMISSED.value})
OPEN_STATES = frozenset(s.value for s in State) - CLOSED_STATES
SPAN = timedelta(days=90)  # GeoReport v2: "may not span more than 90 days"; by default the most recent 90 days
MAX_RESULTS = 1000  # GeoReport v2: at most 1000 requests in one answer
# The dates a filter may name: reports exist from the platform's time on; the bounds keep date arithmetic (the
# 90 days around a date) and the databases clear of the calendar's ends.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


class ServiceRequest(BaseModel):
    """One GeoReport v2 service request (``GET requests``), with the standard's field names."""

    service_request_id: str
    status: str
    status_notes: str
    service_name: str
    service_code: str
    description: str
    agency_responsible: str
    service_notice: str
    requested_datetime: str
    updated_datetime: str
    expected_datetime: str | None
    address: str
    address_id: str | None = None
    zipcode: str | None = None
    lat: float
    long: float
    media_url: str | None = None


class Query(BaseModel):
    """The filters of ``GET requests`` as the standard names them (each a comma-separated list where it may be)."""

    service_request_id: str = ""
    service_code: str = ""
    start_date: str = ""
    end_date: str = ""
    status: str = ""


def iso(moment: datetime) -> str:
    """ISO 8601 with the offset, in China time (as the console shows times)."""
    return to_local(moment).isoformat(timespec="seconds")


def _moment(field: str, text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace(" ", "T"))
    except ValueError as exc:
        raise field_error(field, "a W3C date-time such as 2026-05-01T00:00:00+08:00",
                          "日期时间格式应为 2026-05-01T00:00:00+08:00") from exc
    moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=SHANGHAI)  # no offset: China time
    if not EARLIEST <= moment <= LATEST:
        raise field_error(field, "a date between 2000 and 2100", "日期应在 2000 年至 2100 年之间")
    return moment


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _ids(text: str) -> list[int]:
    parts = _split(text)
    if not all(p.isascii() and p.isdigit() and len(p) <= 18 for p in parts):
        raise field_error("service_request_id", "numbers, comma-separated", "应为数字编号，用逗号分隔")
    return [int(p) for p in parts][:MAX_RESULTS]


def find(session: Session, *, query: Query, now: datetime, media_base: str = "") -> list[ServiceRequest]:
    """``GET requests``: by id (which overrides every other filter), else by service, status and the time they
    were requested (the last 90 days unless said, a span of at most 90 days); newest first, at most 1000.
    ``media_base``: where the public photos are served (``media_url`` is that, the id and the photo)."""
    if query.service_request_id:
        return _shown(session, reports_service.public_reports(session, ids=_ids(query.service_request_id)),
                      media_base)
    codes = _split(query.service_code)
    unknown = [c for c in codes if category_of(c) is None]
    if unknown:
        raise field_error("service_code", f"unknown service_code {unknown[0]!r} (see services)",
                          f"没有这个服务代码：{unknown[0]}（见 services 列表）")
    statuses = set(_split(query.status.lower()))
    if statuses - {"open", "closed"}:
        raise field_error("status", "open or closed", "状态只能是 open 或 closed")
    end = _moment("end_date", query.end_date) if query.end_date else None
    start = _moment("start_date", query.start_date) if query.start_date else None
    if start is None:
        start = (end or now) - SPAN
    if end is None:
        end = start + SPAN if query.start_date else now
    if end < start:
        raise field_error("end_date", "end_date comes before start_date", "结束时间早于开始时间")
    if end - start > SPAN:
        raise field_error("end_date", "the range may not span more than 90 days", "查询时间跨度不能超过 90 天")
    states: Sequence[str] = ()
    if statuses == {"open"}:
        states = sorted(OPEN_STATES)
    elif statuses == {"closed"}:
        states = sorted(CLOSED_STATES)
    listed = reports_service.public_reports(session, categories=codes, states=states, since=start,
                                            until=end + timedelta(microseconds=1), limit=MAX_RESULTS)
    return _shown(session, listed, media_base)


def one(session: Session, *, request_id: str, media_base: str = "") -> ServiceRequest:
    """``GET requests/{id}``: 404 for an id that names no report."""
    found = _shown(session, reports_service.public_reports(session, ids=_ids(request_id)[:1]), media_base) \
        if request_id.isascii() and request_id.isdigit() and len(request_id) <= 18 else []
    if not found:
        raise NotFound(detail=f"no service request {request_id}", detail_zh=f"没有编号为 {request_id} 的举报")
    return found[0]


def media_url(media_base: str, request_id: int, number: int = 1) -> str:
    return f"{media_base}/{request_id}/{number}.jpg"


def _shown(session: Session, listed: Sequence[PublicListed], media_base: str = "") -> list[ServiceRequest]:
    tickets = hazards_service.ticket_progress(session, ticket_ids=[r.ticket_id for r in listed if r.ticket_id])
    photos = reports_service.public_photo_counts(session, report_ids=[r.id for r in listed]) if media_base else {}
    names = regions_service.names(session, codes={r.region_code for r in listed})
    shown = []
    for report in listed:
        ticket = tickets.get(report.ticket_id) if report.ticket_id else None
        notes = [report.state_name]
        if report.note:
            notes.append(report.note)
        if ticket is not None:
            progress = f"隐患整改：{ticket.state_name}"
            if ticket.open and ticket.deadline is not None:
                progress += f"，整改期限 {format_local(ticket.deadline)}"
            elif ticket.closed_at is not None:
                progress += f"，{format_local(ticket.closed_at)} 办结"
            notes.append(progress)
        updated = max(d for d in (report.updated_at, ticket.updated_at if ticket else None) if d is not None)
        district = names.get(report.region_code, "")
        shown.append(ServiceRequest(
            service_request_id=str(report.id),
            status="closed" if report.state in CLOSED_STATES else "open",
            status_notes="；".join(notes), service_name=CATEGORY_NAMES_ZH.get(report.category, report.category),
            service_code=report.category, description=report.description,
            agency_responsible=f"{district}应急管理局" if district else "",
            service_notice=f"公开位置已在 {report.displacement_m} 米范围内随机偏移，并非确切地点",
            requested_datetime=iso(report.created_at), updated_datetime=iso(updated),
            expected_datetime=iso(ticket.deadline) if ticket is not None and ticket.deadline else None,
            address=district, lat=report.public_lat, long=report.public_lon,
            media_url=media_url(media_base, report.id) if photos.get(report.id) else None))
    return shown
