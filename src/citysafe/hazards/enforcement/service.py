"""Enforcement records with penalties, and the joint-punishment list shown wherever its organisations appear."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
from citysafe.core.db import get_or_404
from citysafe.core.errors import Conflict, field_error
from citysafe.core.pagination import PageParams, paginate
from citysafe.core.scope import in_region
from citysafe.hazards.calc.lifecycle import OPEN_STATES
from citysafe.hazards.enforcement.models import EnforcementPenalty, EnforcementRecord, JointPunishment
from citysafe.hazards.enforcement.schemas import (
    EnforcementCreate,
    EnforcementRead,
    OrganizationStanding,
    PenaltyCreate,
    PenaltyRead,
    PunishmentCreate,
    PunishmentRead,
)
from citysafe.hazards.enums import ENFORCEMENT_KIND_NAMES_ZH, PENALTY_NAMES_ZH, zh
from citysafe.hazards.grids.service import resolve_region
from citysafe.hazards.schemas import OrganizationBrief, PunishmentBrief
from citysafe.hazards.tickets import cache
from citysafe.hazards.tickets.models import HazardTicket
from citysafe.hazards.tickets.queries import overdue_clause
from citysafe.orgs import service as orgs_service


def _active(session: Session, now: datetime, org_ids: list[int] | None) -> dict[int, list[PunishmentBrief]]:
    stmt = (select(JointPunishment).where(JointPunishment.revoked_at.is_(None), JointPunishment.starts_at <= now,
                                          JointPunishment.ends_at > now)
            .order_by(JointPunishment.ends_at.desc()).execution_options(skip_scope=True))
    if org_ids is not None:
        stmt = stmt.where(JointPunishment.organization_id.in_(org_ids))
    out: dict[int, list[PunishmentBrief]] = defaultdict(list)
    for row in session.scalars(stmt):
        out[row.organization_id].append(PunishmentBrief(id=row.id, reason=row.reason, ends_at=row.ends_at))
    return dict(out)


def punishments_by_org(session: Session, *, org_ids: Iterable[int | None], now: datetime,
                       cache_seconds: float = 0) -> dict[int, list[PunishmentBrief]]:
    """Active list entries of these organisations, whatever the reader's region: the list is public
    (信用中国 publishes it), and a unit punished in one district must be visible in the next. With a
    cache, the whole (short) list of units under punishment is kept and looked up."""
    ids = sorted({i for i in org_ids if i is not None})
    if not ids:
        return {}
    if cache_seconds > 0:
        everyone = cache.cached(session, ("punished",), cache_seconds, lambda: _active(session, now, None))
        return {i: everyone[i] for i in ids if i in everyone}
    return _active(session, now, ids)


def org_brief(org_id: int | None, name: str, punished: dict[int, list[PunishmentBrief]]) -> OrganizationBrief | None:
    if org_id is None:
        return None
    entries = punished.get(org_id, [])
    return OrganizationBrief(id=org_id, name=name, punished=bool(entries), punishments=list(entries))


# --- enforcement records ----------------------------------------------------------------------------


def _penalty(record: EnforcementRecord, penalty_in: PenaltyCreate) -> EnforcementPenalty:
    return EnforcementPenalty(kind=penalty_in.kind.value, amount=penalty_in.amount, decision_no=penalty_in.decision_no,
                              basis=penalty_in.basis,
                              decided_at=penalty_in.decided_at, executed=penalty_in.executed, note=penalty_in.note,
                              region_code=record.region_code)


def create_record(session: Session, *, record_in: EnforcementCreate, principal: Principal) -> EnforcementRecord:
    org_name, org_region = "", None
    if record_in.organization_id is not None:
        org = orgs_service.get(session, org_id=record_in.organization_id)
        org_name, org_region = org.name, org.region_code
    region = resolve_region(session, region_code=record_in.region_code or org_region, lon=None, lat=None,
                            fallback=principal.region_code)
    if record_in.ticket_ids:
        visible = set(session.scalars(select(HazardTicket.id).where(HazardTicket.id.in_(record_in.ticket_ids))))
        missing = sorted(set(record_in.ticket_ids) - visible)
        if missing:
            raise field_error("ticket_ids", f"unknown tickets {missing}", f"未找到隐患 {missing}")
    record = EnforcementRecord(
        kind=record_in.kind.value, organization_id=record_in.organization_id,
        target_name=record_in.target_name or org_name, region_code=region, sector=record_in.sector,
        department=record_in.department, inspected_at=record_in.inspected_at, inspectors=record_in.inspectors,
        address=record_in.address, findings=record_in.findings, violations=record_in.violations,
        basis=record_in.basis, measures=list(record_in.measures), ticket_ids=list(record_in.ticket_ids),
        created_by=principal.display_name)
    session.add(record)
    session.flush()
    record.penalties.extend(_penalty(record, p) for p in record_in.penalties)
    session.flush()
    return record


def get_record(session: Session, *, record_id: int) -> EnforcementRecord:
    return get_or_404(session, EnforcementRecord, record_id, what="enforcement record", what_zh="执法记录")


def add_penalty(session: Session, *, record: EnforcementRecord, penalty_in: PenaltyCreate) -> EnforcementRecord:
    if record.status == "closed":
        raise Conflict(detail="the enforcement record is closed", detail_zh="该执法记录已结案，不能再追加处罚")
    record.penalties.append(_penalty(record, penalty_in))
    session.flush()
    return record


def close_record(session: Session, *, record: EnforcementRecord) -> EnforcementRecord:
    record.status = "closed"
    session.flush()
    return record


def list_records(
    session: Session, *, params: PageParams, kind: str | None = None, organization_id: int | None = None,
    region: str | None = None, sector: str | None = None, q: str | None = None,
    since: datetime | None = None, until: datetime | None = None, status: str | None = None,
) -> tuple[list[EnforcementRecord], int]:
    stmt = select(EnforcementRecord).order_by(EnforcementRecord.inspected_at.desc(), EnforcementRecord.id.desc())
    if kind:
        stmt = stmt.where(EnforcementRecord.kind == kind)
    if organization_id is not None:
        stmt = stmt.where(EnforcementRecord.organization_id == organization_id)
    if region:
        stmt = stmt.where(in_region(EnforcementRecord.region_code, region))
    if sector:
        stmt = stmt.where(EnforcementRecord.sector == sector)
    if q:
        stmt = stmt.where(EnforcementRecord.target_name.contains(q) | EnforcementRecord.violations.contains(q))
    if status:
        stmt = stmt.where(EnforcementRecord.status == status)
    if since:
        stmt = stmt.where(EnforcementRecord.inspected_at >= since)
    if until:
        stmt = stmt.where(EnforcementRecord.inspected_at < until)
    return paginate(session, stmt, params)


def record_reads(session: Session, records: Sequence[EnforcementRecord], now: datetime) -> list[EnforcementRead]:
    punished = punishments_by_org(session, org_ids=[r.organization_id for r in records if r.organization_id], now=now)
    return [EnforcementRead(
        id=r.id, number=r.number, kind=r.kind, kind_name=zh(ENFORCEMENT_KIND_NAMES_ZH, r.kind),
        organization=org_brief(r.organization_id, r.target_name, punished), target_name=r.target_name,
        region_code=r.region_code, sector=r.sector, department=r.department, inspected_at=r.inspected_at,
        inspectors=r.inspectors, address=r.address, findings=r.findings, violations=r.violations,
        basis=r.basis, measures=r.measures, ticket_ids=r.ticket_ids, status=r.status,
        penalties=[PenaltyRead(id=p.id, kind=p.kind, kind_name=zh(PENALTY_NAMES_ZH, p.kind), amount=p.amount,
                               decision_no=p.decision_no, basis=p.basis, decided_at=p.decided_at,
                               executed=p.executed, note=p.note)
                   for p in r.penalties],
        penalty_total=sum((p.amount or Decimal(0) for p in r.penalties if p.kind == "fine"), Decimal(0)),
        created_by=r.created_by, created_at=r.created_at) for r in records]


# --- joint punishment -------------------------------------------------------------------------------


def create_punishment(session: Session, *, punishment_in: PunishmentCreate, principal: Principal) -> JointPunishment:
    org = orgs_service.get(session, org_id=punishment_in.organization_id)
    if punishment_in.record_id is not None:
        get_record(session, record_id=punishment_in.record_id)
    entry = JointPunishment(
        organization_id=org.id, organization_name=org.name, region_code=org.region_code, reason=punishment_in.reason,
        basis=punishment_in.basis, measures=list(punishment_in.measures), decided_by=punishment_in.decided_by,
        starts_at=punishment_in.starts_at, ends_at=punishment_in.ends_at, record_id=punishment_in.record_id,
        created_by=principal.display_name)
    session.add(entry)
    session.flush()
    return entry


def get_punishment(session: Session, *, punishment_id: int) -> JointPunishment:
    return get_or_404(session, JointPunishment, punishment_id, what="joint-punishment entry", what_zh="联合惩戒记录")


def revoke_punishment(session: Session, *, entry: JointPunishment, reason: str, now: datetime) -> JointPunishment:
    if entry.revoked_at is not None:
        raise Conflict(detail="already revoked", detail_zh="该记录已撤销")
    entry.revoked_at = now
    entry.revoke_reason = reason
    session.flush()
    return entry


def list_punishments(
    session: Session, *, params: PageParams, now: datetime, active: bool | None = None,
    organization_id: int | None = None, region: str | None = None,
) -> tuple[list[JointPunishment], int]:
    stmt = select(JointPunishment).order_by(JointPunishment.starts_at.desc(), JointPunishment.id.desc())
    if organization_id is not None:
        stmt = stmt.where(JointPunishment.organization_id == organization_id)
    if region:
        stmt = stmt.where(in_region(JointPunishment.region_code, region))
    live = (JointPunishment.revoked_at.is_(None) & (JointPunishment.starts_at <= now) & (JointPunishment.ends_at > now))
    if active is True:
        stmt = stmt.where(live)
    elif active is False:
        stmt = stmt.where(~live)
    return paginate(session, stmt, params)


def punishment_read(entry: JointPunishment, now: datetime) -> PunishmentRead:
    return PunishmentRead(
        id=entry.id, organization_id=entry.organization_id, organization_name=entry.organization_name,
        region_code=entry.region_code, reason=entry.reason, basis=entry.basis, measures=entry.measures,
        decided_by=entry.decided_by, starts_at=entry.starts_at, ends_at=entry.ends_at, record_id=entry.record_id,
        revoked_at=entry.revoked_at, revoke_reason=entry.revoke_reason, active=entry.active_at(now),
        created_at=entry.created_at)


def standing(session: Session, *, org_id: int, now: datetime) -> OrganizationStanding:
    org = orgs_service.get(session, org_id=org_id)
    open_states = [s.value for s in OPEN_STATES]
    tickets = HazardTicket
    row = session.execute(select(
        func.count().filter(tickets.state.in_(open_states)),
        func.count().filter(tickets.state.in_(open_states), tickets.level == "major"),
        func.count().filter(overdue_clause(now)),
    ).where(tickets.organization_id == org_id)).one()
    records = session.execute(select(func.count()).select_from(EnforcementRecord)
                              .where(EnforcementRecord.organization_id == org_id)).scalar_one()
    fines = session.execute(
        select(func.coalesce(func.sum(EnforcementPenalty.amount), 0)).join(
            EnforcementRecord, EnforcementRecord.id == EnforcementPenalty.record_id)
        .where(EnforcementRecord.organization_id == org_id, EnforcementPenalty.kind == "fine")).scalar_one()
    brief = org_brief(org.id, org.name, punishments_by_org(session, org_ids=[org.id], now=now))
    assert brief is not None
    return OrganizationStanding(organization=brief, open_hazards=row[0], major_open_hazards=row[1],
                                overdue_hazards=row[2], enforcement_records=int(records),
                                penalty_total=Decimal(str(fines)))
