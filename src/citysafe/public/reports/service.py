"""What other domains and the console may ask of citizen reports (DESIGN.md §3: ``public.reports.service``).

Stable for the rewards domain (issue #15 point 2):

- ``get_report(session, report_id=…)`` → ``ReportRead`` (no personal information), in the caller's scope;
- ``report_group(session, report_id=…)`` → the reports of the same matter (same place and category within the
  window, or the same photo), oldest first, each saying whether its reporter gave a real name;
- ``reporter_identity(session, report_id=…, principal=…)`` → ``ReporterIdentity``; needs ``reports:identity``;
  each call writes an audit entry;
- ``report_for_ticket(session, ticket_id=…)`` → the report a hazard ticket was made from, if any;
- ``notify_reporter(session, report_id=…, text=…)`` → sends an SMS to the reporter's phone (never shown).

For Open311: ``public_photo_counts`` and ``public_photo`` — a verified report's photos as stored (metadata-free).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
from citysafe.core.context import context_of
from citysafe.core.errors import NotFound, field_error
from citysafe.core.outbound import Message
from citysafe.public.reports import guards, intake, receipts, rules, staff, vault
from citysafe.public.reports.models import CitizenReport, ReportStep
from citysafe.public.reports.public_photos import public_photo, public_photo_counts
from citysafe.public.reports.schemas import (
    STATE_NAMES_ZH,
    GroupMember,
    PublicListed,
    PublicReport,
    PublicStep,
    ReporterIdentity,
    ReportIn,
    ReportRead,
)

__all__ = ["ReportIn", "by_receipt", "claim", "erase_identity", "get_report", "notify_reporter", "public_photo",
           "public_photo_counts", "public_report", "public_reports", "reject", "report_for_ticket", "report_group",
           "reporter_identity", "submit", "to_incident", "to_ticket", "verify"]

# A report as the public counter stores it (public/reports/desk.py holds the limits and counts refusals), and the
# staff's steps on it (public/reports/staff.py), for the console and the demo city.
submit = intake.submit
claim = staff.claim
verify = staff.verify
reject = staff.reject
to_ticket = staff.to_ticket
to_incident = staff.to_incident


def _read(report: CitizenReport) -> ReportRead:
    return ReportRead.model_validate({**{c: getattr(report, c) for c in ReportRead.model_fields if c != "anonymous"},
                                      "anonymous": report.vault_id is None})


def get_report(session: Session, *, report_id: int) -> ReportRead:
    """The report ``report_id`` in the caller's scope (404 otherwise), without who reported it."""
    return _read(staff.get(session, report_id=report_id))


def report_group(session: Session, *, report_id: int) -> list[GroupMember]:
    """Every report of the matter ``report_id`` belongs to (itself included), oldest first: for 多人举报, the
    first accepted real-name reporter is rewarded."""
    report = staff.get(session, report_id=report_id)
    group = report.group_id or report.id
    rows = session.scalars(select(CitizenReport).where(CitizenReport.group_id == group)
                           .order_by(CitizenReport.created_at, CitizenReport.id)).all()
    return [GroupMember(id=r.id, receipt=r.receipt, created_at=r.created_at, state=r.state, real_name=r.real_name,
                        phone_verified=r.phone_verified, duplicate_reason=r.duplicate_reason) for r in rows]


def reporter_identity(session: Session, *, report_id: int, principal: Principal) -> ReporterIdentity:
    """Who reported ``report_id``: 403 without ``reports:identity``; audited on every call."""
    return vault.identity(session, report_id=report_id, principal=principal)


def report_for_ticket(session: Session, *, ticket_id: int) -> ReportRead | None:
    report = session.scalars(select(CitizenReport).where(CitizenReport.ticket_id == ticket_id)
                             .order_by(CitizenReport.id).limit(1)).first()
    return _read(report) if report is not None else None


def notify_reporter(session: Session, *, report_id: int, text: str, correlation_key: str) -> bool:
    """An SMS to the reporter of ``report_id`` (a 领奖通知): False when no phone was given or it was erased, or the
    channel did not deliver. The phone is read here and never returned."""
    report = staff.get(session, report_id=report_id)
    phone = vault.phone_of(session, report=report)
    ctx = context_of(session)
    if not phone or "sms" not in ctx.outbound.channels:
        return False
    sent = ctx.outbound.send(Message(channel="sms", recipients=(phone,), text=text, correlation_key=correlation_key,
                                     sensitive=True))
    return sent.all_delivered


def by_receipt(session: Session, *, receipt: str) -> CitizenReport:
    """The report of a receipt as typed: a problem on ``receipt`` for a malformed or forged one (check character),
    404 for a well-formed one that names no report."""
    value = receipts.normalised(receipt)
    report = session.scalars(select(CitizenReport).where(CitizenReport.receipt == value)
                             .execution_options(skip_scope=True)).first()
    if report is None:
        raise NotFound(detail="no report has this receipt number",
                       detail_zh="没有找到这个回执编号对应的举报，请核对后再查")
    return report


def public_report(session: Session, *, receipt: str) -> PublicReport:
    """The tracking view: the stage of each step and when, the reasons written for the reporter, the place
    displaced; no staff names, no reporter."""
    report = by_receipt(session, receipt=receipt)
    steps = session.scalars(select(ReportStep).where(ReportStep.report_id == report.id)
                            .order_by(ReportStep.at, ReportStep.id)).all()
    return PublicReport(
        receipt=report.receipt, state=report.state, state_name=STATE_NAMES_ZH.get(report.state, report.state),
        category=report.category, description=report.description, public_lon=report.public_lon,
        public_lat=report.public_lat, displacement_m=report.displacement_m, created_at=report.created_at,
        steps=[PublicStep(stage=s.stage, stage_name=STATE_NAMES_ZH.get(s.stage, s.stage), at=s.at, note=s.note)
               for s in steps])


def erase_identity(session: Session, *, receipt: str, phone: str, code: str, now: datetime) -> None:
    """The reporter's deletion request (个人信息保护法 第四十七条): the receipt, the phone given with the report and
    a code sent to it (purpose "erase"); the vault row is emptied, the report keeps no key to the phone."""
    report = by_receipt(session, receipt=receipt)
    stored = vault.phone_of(session, report=report)
    if not stored or stored != phone.strip():
        raise field_error("phone", "this is not the phone given with the report, or none was kept",
                          "该手机号与举报时留下的不一致，或这件举报没有保存个人信息")
    guards.check_code(session, phone=stored, code=code.strip(), purpose="erase", now=now,
                      max_failures=rules.values(session)["code_failures"])
    vault.erase_for(session, report=report, now=now)
    report.phone_key = ""


def public_reports(session: Session, *, ids: Collection[int] = (), categories: Collection[str] = (),
                   states: Collection[str] = (), since: datetime | None = None, until: datetime | None = None,
                   limit: int = 1000) -> list[PublicListed]:
    """Reports as anyone may list them (no reporter, no address, the place displaced), newest first, filtered by
    id, category, state and when they were received (``since`` ≤ created < ``until``); every division."""
    conditions: list[ColumnElement[bool]] = []
    if ids:
        conditions.append(CitizenReport.id.in_(list(ids)))
    if categories:
        conditions.append(CitizenReport.category.in_(list(categories)))
    if states:
        conditions.append(CitizenReport.state.in_(list(states)))
    if since is not None:
        conditions.append(CitizenReport.created_at >= since)
    if until is not None:
        conditions.append(CitizenReport.created_at < until)
    rows = session.scalars(select(CitizenReport).where(*conditions).execution_options(skip_scope=True)
                           .order_by(CitizenReport.created_at.desc(), CitizenReport.id.desc()).limit(limit)).all()
    last = (select(ReportStep.report_id, func.max(ReportStep.id).label("step_id"))
            .where(ReportStep.report_id.in_([r.id for r in rows])).group_by(ReportStep.report_id).subquery())
    notes = dict(session.execute(select(last.c.report_id, ReportStep.note)
                                 .join(ReportStep, ReportStep.id == last.c.step_id)).tuples().all()) if rows else {}
    return [PublicListed(id=r.id, state=r.state, state_name=STATE_NAMES_ZH.get(r.state, r.state), category=r.category,
                         description=r.description, region_code=r.region_code, public_lon=r.public_lon,
                         public_lat=r.public_lat, displacement_m=r.displacement_m, created_at=r.created_at,
                         updated_at=r.updated_at, ticket_id=r.ticket_id, note=notes.get(r.id, ""))
            for r in rows]
