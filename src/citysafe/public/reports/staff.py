"""Office staff handling citizen reports: a claim that expires (so two people do not verify the same report),
verify, reject with a reason the reporter reads, turn into a hazard ticket or an emergency incident (each keeps
the report's id as its source reference), and the ticket's closing followed back onto the report."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session

from citysafe.auth import service as auth_service
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.clock import format_local
from citysafe.core.context import context_of
from citysafe.core.db import get_or_404
from citysafe.core.errors import Conflict, NotFound, field_error
from citysafe.core.geo import Location
from citysafe.emergency import service as emergency_service
from citysafe.emergency.schemas import IncidentCreate
from citysafe.hazards import service as hazards_service
from citysafe.hazards.enums import CATEGORY_NAMES_ZH, HazardCategory, HazardSource
from citysafe.public.reports import photo_files, rules
from citysafe.public.reports.models import PHOTO_READY, CitizenReport, ReportPhoto, ReportStep
from citysafe.public.reports.schemas import OPEN_STATES, State


def source_ref(report: CitizenReport) -> str:
    """What a ticket or an incident made from a report names it by."""
    return f"citizen-report:{report.id}"


def get(session: Session, *, report_id: int) -> CitizenReport:
    return get_or_404(session, CitizenReport, report_id, what="report", what_zh="举报")


def list_reports(session: Session, *, state: str = "", category: str = "", limit: int = 50,
                 offset: int = 0) -> tuple[Sequence[CitizenReport], int]:
    """Reports in the caller's scope, newest first, filtered by state and category."""
    conditions: list[ColumnElement[bool]] = []
    if state == "open":
        conditions.append(CitizenReport.state.in_([s.value for s in OPEN_STATES]))
    elif state:
        conditions.append(CitizenReport.state == state)
    if category:
        conditions.append(CitizenReport.category == category)
    total = int(session.scalar(select(func.count()).select_from(CitizenReport).where(*conditions)) or 0)
    rows = session.scalars(select(CitizenReport).where(*conditions)
                           .order_by(CitizenReport.created_at.desc(), CitizenReport.id.desc())
                           .limit(limit).offset(offset)).all()
    return rows, total


def photos_of(session: Session, *, report_id: int) -> Sequence[ReportPhoto]:
    return session.scalars(select(ReportPhoto).where(ReportPhoto.report_id == report_id)
                           .order_by(ReportPhoto.id)).all()


def photo(session: Session, *, report_id: int, photo_id: int) -> tuple[bytes, str]:
    """A photo of a report in the caller's scope, as shown (decoded and made upright: ``photo_jobs``): its bytes
    and media type; 404 for one still being processed (处理中) or removed as unreadable."""
    get(session, report_id=report_id)  # in the caller's scope, or 404
    row = session.get(ReportPhoto, photo_id)
    if row is None or row.report_id != report_id or row.status != PHOTO_READY:
        raise NotFound(detail="no such photo, or it is still being processed",
                       detail_zh="照片不存在，或仍在处理中")
    return photo_files.read(context_of(session).settings.data_dir, row), row.content_type


def _step(session: Session, report: CitizenReport, stage: State, *, now: datetime, note: str = "",
          actor_id: int | None = None) -> None:
    report.state, report.updated_at = stage.value, now
    session.add(ReportStep(report_id=report.id, stage=stage.value, at=now, note=note, actor_id=actor_id))


def claim(session: Session, *, report_id: int, principal: Principal, now: datetime) -> CitizenReport:
    """Take the report to verify it, until the claim runs out (``claim_minutes``). Refused (409) while someone
    else holds it; asking again extends one's own claim. One guarded UPDATE, so two at once cannot both win."""
    auth_service.require(principal, Permission.HANDLE_REPORTS)
    report = get(session, report_id=report_id)
    if report.state not in OPEN_STATES:
        raise Conflict(detail="this report has been dealt with", detail_zh="该举报已处理完毕，无需认领")
    until = now + timedelta(minutes=rules.values(session)["claim_minutes"])
    result = session.execute(update(CitizenReport).where(
        CitizenReport.id == report.id,
        or_(CitizenReport.claimed_by.is_(None), CitizenReport.claim_expires_at <= now,
            CitizenReport.claimed_by == principal.user_id))
        .values(claimed_by=principal.user_id, claimed_by_name=principal.display_name or principal.username,
                claim_expires_at=until, updated_at=now)
        .execution_options(synchronize_session=False))
    won = int(getattr(result, "rowcount", 0) or 0)
    session.refresh(report)
    if not won:
        raise Conflict(detail="someone else is verifying this report",
                       detail_zh=f"{report.claimed_by_name or '其他同事'}正在核实该举报，认领到 "
                                 f"{format_local(report.claim_expires_at)[11:16] if report.claim_expires_at else ''}"
                                 " 到期")
    return report


def release(session: Session, *, report_id: int, principal: Principal, now: datetime) -> None:
    report = _held(session, report_id=report_id, principal=principal, now=now)
    report.claimed_by, report.claimed_by_name, report.claim_expires_at = None, "", None


def _held(session: Session, *, report_id: int, principal: Principal, now: datetime) -> CitizenReport:
    auth_service.require(principal, Permission.HANDLE_REPORTS)
    report = get(session, report_id=report_id)
    if report.state not in OPEN_STATES:
        raise Conflict(detail="this report has been dealt with", detail_zh="该举报已处理完毕")
    if report.claimed_by != principal.user_id or report.claim_expires_at is None or report.claim_expires_at <= now:
        raise Conflict(detail="claim the report first (or your claim has run out)",
                       detail_zh="请先认领该举报再处理（认领已过期的，请重新认领）")
    return report


def _done(report: CitizenReport, principal: Principal) -> None:
    report.handled_by = principal.user_id
    report.claimed_by, report.claimed_by_name, report.claim_expires_at = None, "", None


def verify(session: Session, *, report_id: int, principal: Principal, now: datetime, note: str = "") -> CitizenReport:
    """已核实: staff found the report true (the claim is kept for turning it into a ticket)."""
    report = _held(session, report_id=report_id, principal=principal, now=now)
    if report.state == State.VERIFIED:
        raise Conflict(detail="already verified", detail_zh="该举报已核实")
    report.verified_at = now
    _step(session, report, State.VERIFIED, now=now, note=note.strip()[:500], actor_id=principal.user_id)
    return report


def reject(session: Session, *, report_id: int, principal: Principal, now: datetime, reason: str) -> CitizenReport:
    """不予采纳, with the reason the reporter reads on the tracking page (required)."""
    reason = reason.strip()
    if len(reason) < 4:
        raise field_error("reason", "say why (the reporter reads it)", "请写明不予采纳的理由（举报人可以看到）")
    report = _held(session, report_id=report_id, principal=principal, now=now)
    report.reject_reason, report.closed_at = reason[:1000], now
    _step(session, report, State.REJECTED, now=now, note=reason[:1000], actor_id=principal.user_id)
    _done(report, principal)
    return report


def _title(report: CitizenReport) -> str:
    return f"群众举报：{CATEGORY_NAMES_ZH.get(report.category, report.category)}（{report.receipt}）"


def to_ticket(session: Session, *, report_id: int, principal: Principal, now: datetime) -> CitizenReport:
    """A hazard ticket (source 群众举报) opened from the report, naming it as its source reference."""
    report = _held(session, report_id=report_id, principal=principal, now=now)
    if report.state == State.RECEIVED:
        report.verified_at = now
        _step(session, report, State.VERIFIED, now=now, actor_id=principal.user_id)
    ref = hazards_service.report_ticket(
        session, title=_title(report), description=report.description, category=HazardCategory(report.category),
        region_code=report.region_code, organization_id=None, principal=principal,
        settings=context_of(session).settings, now=now, source_ref=source_ref(report), source=HazardSource.CITIZEN,
        location=Location(lon=report.lon, lat=report.lat), address=report.address)
    report.ticket_id, report.ticket_number = ref.id, ref.number
    _step(session, report, State.TRANSFERRED, now=now, actor_id=principal.user_id)
    _done(report, principal)
    return report


def to_incident(session: Session, *, report_id: int, principal: Principal, now: datetime, category: str,
                subtype: str) -> CitizenReport:
    """An emergency incident (接报 from the report) when what was reported is happening now."""
    report = _held(session, report_id=report_id, principal=principal, now=now)
    auth_service.require(principal, Permission.WRITE_EMERGENCY)
    incident = emergency_service.open_incident(
        session, incident_in=IncidentCreate(
            category=category, subtype=subtype, description=report.description, title=_title(report)[:200],
            place=report.address or f"举报位置（{report.lon:.5f}, {report.lat:.5f}）",
            location=Location(lon=report.lon, lat=report.lat), region_code=report.region_code),
        principal=principal, settings=context_of(session).settings, now=now, source="citizen_report",
        source_ref=source_ref(report))
    if report.state == State.RECEIVED:
        report.verified_at = now
        _step(session, report, State.VERIFIED, now=now, actor_id=principal.user_id)
    report.incident_id, report.incident_number = incident.id, incident.number
    _step(session, report, State.INCIDENT, now=now, actor_id=principal.user_id)
    _done(report, principal)
    return report


def ticket_closed(session: Session, *, ticket_id: int, outcome: str, at: datetime) -> int:
    """The hazard ticket made from a report left the open set (hazards' ``HazardClosed``): 已整改销号 when it was
    closed, 经核查不构成隐患 when dismissed. How many reports it moved (0 when none came from a report, or the
    event came again)."""
    stage = State.RECTIFIED if outcome == "closed" else State.DISMISSED
    moved = 0
    for report in session.scalars(select(CitizenReport).where(CitizenReport.ticket_id == ticket_id,
                                                             CitizenReport.state == State.TRANSFERRED.value)
                                  .execution_options(skip_scope=True)):
        report.closed_at = at
        _step(session, report, stage, now=at)
        moved += 1
    return moved
