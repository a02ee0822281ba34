"""The expert registry: add, change availability, list by field, region and availability, count by field.

Emergency's expert pool calls these (``emergency_only=True`` keeps to the experts it may call). Reads come back
as ``ExpertRead`` with the availability on the day asked worked out: a busy spell (执行任务中/暂不可用) holds
from ``busy_from`` to ``busy_until`` inclusive, either end open; outside it the expert is available."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from citysafe.core.db import get_or_404
from citysafe.core.errors import field_error
from citysafe.core.pagination import PageParams, paginate
from citysafe.core.scope import in_region
from citysafe.knowledge.thinktank.models import Expert
from citysafe.knowledge.thinktank.schemas import (
    AVAILABILITY_ZH,
    EXPERT_FIELDS_ZH,
    AvailabilityIn,
    ExpertCreate,
    ExpertRead,
)
from citysafe.regions import service as regions_service


def check_division(session: Session, code: str, field: str = "region_code") -> None:
    """The division exists (one outside the caller's scope is refused at flush with 403 anyway)."""
    if code not in regions_service.names(session, codes=[code]):
        raise field_error(field, f"no division {code}", f"行政区划代码 {code} 不存在")


def available_on(expert: Expert | ExpertRead, day: date) -> str:
    """The expert's availability on ``day``."""
    if expert.availability == "available":
        return "available"
    if expert.busy_from and day < expert.busy_from:
        return "available"
    if expert.busy_until and day > expert.busy_until:
        return "available"
    return expert.availability


def _busy_on(day: date) -> ColumnElement[bool]:
    return and_(Expert.availability != "available",
                or_(Expert.busy_from.is_(None), Expert.busy_from <= day),
                or_(Expert.busy_until.is_(None), Expert.busy_until >= day))


def read(expert: Expert, *, today: date) -> ExpertRead:
    out = ExpertRead.model_validate(expert)
    out.field_name = EXPERT_FIELDS_ZH.get(expert.field, expert.field)
    out.available_now = available_on(expert, today)
    out.available_now_name = AVAILABILITY_ZH[out.available_now]
    return out


def create_expert(session: Session, *, data: ExpertCreate, now: datetime, today: date) -> ExpertRead:
    check_division(session, data.region_code)
    expert = Expert(**data.model_dump(), created_at=now, updated_at=now)
    session.add(expert)
    session.flush()
    return read(expert, today=today)


def get_expert(session: Session, *, expert_id: int, today: date) -> ExpertRead:
    return read(get_or_404(session, Expert, expert_id, what="expert", what_zh="专家"), today=today)


def set_availability(session: Session, *, expert_id: int, data: AvailabilityIn, now: datetime,
                     today: date) -> ExpertRead:
    expert = get_or_404(session, Expert, expert_id, what="expert", what_zh="专家")
    busy = data.availability != "available"
    expert.availability = data.availability
    expert.busy_from = data.busy_from if busy else None
    expert.busy_until = data.busy_until if busy else None
    expert.availability_note = data.note if busy else ""
    expert.updated_at = now
    session.flush()
    return read(expert, today=today)


def list_experts(session: Session, *, params: PageParams, today: date, field: str | None = None,
                 region: str | None = None, available: str | None = None, q: str | None = None,
                 emergency_only: bool = False) -> tuple[list[ExpertRead], int]:
    """One page, fields in the vocabulary's order (hazchem, fire, structure…), then by id."""
    field_order = case({code: n for n, code in enumerate(EXPERT_FIELDS_ZH)}, value=Expert.field,
                       else_=len(EXPERT_FIELDS_ZH))
    stmt = select(Expert).order_by(field_order, Expert.id)
    if field:
        stmt = stmt.where(Expert.field == field)
    if region:
        stmt = stmt.where(in_region(Expert.region_code, region))
    if emergency_only:
        stmt = stmt.where(Expert.emergency_pool.is_(True))
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Expert.name.like(like), Expert.employer.like(like), Expert.title.like(like)))
    if available == "available":
        stmt = stmt.where(~_busy_on(today))
    elif available in AVAILABILITY_ZH:
        stmt = stmt.where(_busy_on(today), Expert.availability == available)
    rows, total = paginate(session, stmt, params)
    return [read(e, today=today) for e in rows], total


def all_experts(session: Session, *, today: date, emergency_only: bool = True) -> Sequence[ExpertRead]:
    """Every expert in the caller's scope, by id (the mutual-aid catalogue exports them)."""
    stmt = select(Expert).order_by(Expert.id)
    if emergency_only:
        stmt = stmt.where(Expert.emergency_pool.is_(True))
    return [read(e, today=today) for e in session.scalars(stmt)]


def expert_counts(session: Session, *, region: str | None = None, emergency_only: bool = False) -> dict[str, int]:
    """How many experts of each field (in the caller's scope, and ``region`` when given)."""
    stmt = select(Expert.field, func.count()).group_by(Expert.field)
    if region:
        stmt = stmt.where(in_region(Expert.region_code, region))
    if emergency_only:
        stmt = stmt.where(Expert.emergency_pool.is_(True))
    return {str(field): int(n) for field, n in session.execute(stmt).all()}
