"""The reporter's personal information, apart from the report (个人信息保护法): stored with its end of retention,
read only by holders of ``reports:identity`` (each read audited), erased on the reporter's request (receipt and
an SMS code to the phone given) or when its retention ends."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.orm import Session

from citysafe.auth import service as auth_service
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core import audit
from citysafe.core.db import get_or_404
from citysafe.public.reports.models import CitizenReport, ReporterVault
from citysafe.public.reports.schemas import ReporterIdentity

_INSERT = insert(ReporterVault).returning(ReporterVault.id)  # built once: its cache key kept on it


def store(conn: Connection, *, name: str, phone: str, id_number: str, phone_verified: bool, now: datetime,
          retention_days: int, email: str = "") -> int | None:
    """A vault row for what the reporter gave, by one statement on ``conn`` (the report is stored without the
    ORM: ``intake.store``): its id, None when nothing was given (an anonymous report)."""
    if not (name or phone or id_number or email):
        return None
    return int(conn.execute(_INSERT, {
        "name": name, "phone": phone, "id_number": id_number, "home_address": "", "email": email,
        "phone_verified": phone_verified, "created_at": now, "retain_until": now + timedelta(days=retention_days),
        "erased_reason": ""}).scalar_one())


def _erase(row: ReporterVault, *, now: datetime, reason: str) -> None:
    row.name = row.phone = row.id_number = row.home_address = row.email = ""
    row.erased_at, row.erased_reason = now, reason


def identity(session: Session, *, report_id: int, principal: Principal) -> ReporterIdentity:
    """Who reported ``report_id``: refused (403) without ``reports:identity``; every read leaves an audit entry
    naming the reader and the report (not the identity)."""
    auth_service.require(principal, Permission.READ_REPORTER_IDENTITY)
    report = get_or_404(session, CitizenReport, report_id, what="report", what_zh="举报")
    row = session.get(ReporterVault, report.vault_id) if report.vault_id is not None else None
    audit.record(session, action="view", entity="pub_reporter_vault", entity_id=str(report.vault_id or ""),
                 region_code=report.region_code,
                 after={"report_id": report.id, "receipt": report.receipt, "what": "reporter identity"})
    if row is None:
        return ReporterIdentity(report_id=report.id, name="", phone="", id_number="", real_name=False,
                                phone_verified=False, erased=False, retain_until=None)
    return ReporterIdentity(report_id=report.id, name=row.name, phone=row.phone, id_number=row.id_number,
                            email=row.email, real_name=bool(row.name and row.id_number),
                            phone_verified=row.phone_verified,
                            erased=row.erased_at is not None, retain_until=row.retain_until)


def phone_of(session: Session, *, report: CitizenReport) -> str:
    """The phone the reporter gave ("" when none or erased), for the service that checks an erasure request."""
    row = session.get(ReporterVault, report.vault_id) if report.vault_id is not None else None
    return row.phone if row is not None and row.erased_at is None else ""


def erase_for(session: Session, *, report: CitizenReport, now: datetime) -> None:
    """The reporter asked for deletion (第四十七条): the vault row emptied, the report keeps no link to a person."""
    row = session.get(ReporterVault, report.vault_id) if report.vault_id is not None else None
    if row is not None and row.erased_at is None:
        _erase(row, now=now, reason="request")
    audit.record(session, action="erase", entity="pub_reporter_vault", entity_id=str(report.vault_id or ""),
                 region_code=report.region_code, after={"report_id": report.id, "reason": "request"})


def erase_expired(session: Session, *, now: datetime) -> int:
    """Empty every vault row whose retention has ended (第十九条, 第四十七条); how many were erased."""
    rows = session.execute(update(ReporterVault).where(ReporterVault.retain_until <= now,
                                                       ReporterVault.erased_at.is_(None))
                           .values(name="", phone="", id_number="", home_address="", email="", erased_at=now,
                                   erased_reason="retention").returning(ReporterVault.id)).scalars().all()
    if rows:
        audit.record(session, action="erase", entity="pub_reporter_vault", entity_id="retention", region_code=None,
                     after={"count": len(rows)})
    return len(rows)


def has_live(session: Session, *, vault_id: int | None) -> bool:
    return vault_id is not None and session.scalar(
        select(ReporterVault.id).where(ReporterVault.id == vault_id, ReporterVault.erased_at.is_(None))) is not None
