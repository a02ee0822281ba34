"""The ticket list: filters, keyset or page pagination, and counts that stay cheap on a million rows."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, text
from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
from citysafe.core.errors import field_error
from citysafe.core.pagination import PageParams
from citysafe.core.scope import region_clause
from citysafe.core.validators import region_prefix
from citysafe.hazards.calc.lifecycle import DEADLINE_STATES, OPEN_STATES
from citysafe.hazards.tickets.models import HazardTicket
from citysafe.hazards.tickets.schemas import TicketFilter

# Counting beyond this many matches costs more than the page; past it PostgreSQL's estimate is reported.
EXACT_COUNT_LIMIT = 10_000


def _open_values() -> list[str]:
    return sorted(s.value for s in OPEN_STATES)


def filtered(filters: TicketFilter, *, principal: Principal | None, now: datetime) -> Select[tuple[HazardTicket]]:
    t = HazardTicket
    stmt = select(t)
    if filters.state:
        stmt = stmt.where(t.state.in_([s.value for s in filters.state]))
    if filters.open is True:
        stmt = stmt.where(t.state.in_(_open_values()))
    elif filters.open is False:
        stmt = stmt.where(t.state.not_in(_open_values()))
    if filters.level:
        stmt = stmt.where(t.level == filters.level.value)
    if filters.category:
        stmt = stmt.where(t.category == filters.category.value)
    if filters.source:
        stmt = stmt.where(t.source == filters.source.value)
    if filters.region:
        stmt = stmt.where(region_clause(t.region_code, region_prefix(filters.region)))
    if filters.organization_id is not None:
        stmt = stmt.where(t.organization_id == filters.organization_id)
    if filters.place_id is not None:
        stmt = stmt.where(t.place_id == filters.place_id)
    if filters.task_id is not None:
        stmt = stmt.where(t.task_id == filters.task_id)
    running = [s.value for s in DEADLINE_STATES]
    if filters.overdue is True:
        stmt = stmt.where(t.state.in_(running), t.deadline < now)
    elif filters.overdue is False:
        stmt = stmt.where(or_(t.state.not_in(running), t.deadline >= now))
    if filters.escalated and principal is not None:
        stmt = stmt.where(t.escalation_region_code == principal.region_code, t.state.in_(running))
    if filters.mine and principal is not None:
        stmt = stmt.where(t.reporter_id == principal.user_id)
    if filters.q:
        stmt = stmt.where(or_(t.title.contains(filters.q), t.place_name.contains(filters.q),
                              t.organization_name.contains(filters.q)))
    if filters.created_from:
        stmt = stmt.where(t.created_at >= filters.created_from)
    if filters.created_to:
        stmt = stmt.where(t.created_at < filters.created_to)
    return stmt


def encode_cursor(ticket: HazardTicket) -> str:
    raw = json.dumps([ticket.created_at.isoformat(), ticket.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, ident = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return datetime.fromisoformat(created), int(ident)
    except (ValueError, TypeError) as exc:
        raise field_error("cursor", "not a cursor this API handed out", "无效的翻页游标") from exc


def count(session: Session, stmt: Select[Any]) -> tuple[int, bool]:
    """(total, estimated): exact up to EXACT_COUNT_LIMIT, PostgreSQL's planner estimate beyond it."""
    inner = stmt.order_by(None).with_only_columns(HazardTicket.id).limit(EXACT_COUNT_LIMIT + 1).subquery()
    capped = int(session.execute(select(func.count()).select_from(inner)).scalar_one())
    if capped <= EXACT_COUNT_LIMIT:
        return capped, False
    if session.get_bind().dialect.name != "postgresql":
        exact = select(func.count()).select_from(stmt.order_by(None).with_only_columns(HazardTicket.id).subquery())
        return int(session.execute(exact).scalar_one()), False
    return max(_estimate(session, stmt), capped), True


def _estimate(session: Session, stmt: Select[Any]) -> int:
    # The scope criteria are added by the ORM at execution, so compile through the ORM's own statement:
    # execute EXPLAIN over the compiled SQL with the same parameters the list query uses.
    query = stmt.order_by(None).with_only_columns(HazardTicket.id)
    compiled = _scoped(session, query).compile(dialect=session.get_bind().dialect)
    plan = session.execute(text("EXPLAIN (FORMAT JSON) " + str(compiled)), compiled.params).scalar_one()
    return int(plan[0]["Plan"]["Plan Rows"])


def _scoped(session: Session, stmt: Select[Any]) -> Select[Any]:
    """``stmt`` with the session's scope criteria, as the ORM would add them (for EXPLAIN, which bypasses it)."""
    from citysafe.core.scope import current_scope

    scope = current_scope(session)
    if scope is None:
        return stmt
    stmt = stmt.where(region_clause(HazardTicket.region_code, scope.prefix))
    if scope.organization_id is not None:
        stmt = stmt.where(HazardTicket.organization_id == scope.organization_id)
    return stmt


def page(
    session: Session, *, filters: TicketFilter, params: PageParams, principal: Principal | None, now: datetime,
    cursor: str | None = None, sort: str = "-created_at",
) -> tuple[list[HazardTicket], int, bool, str | None]:
    """One page (by keyset cursor when given, else by page number), the total, and the next cursor."""
    t = HazardTicket
    stmt = filtered(filters, principal=principal, now=now)
    total, estimated = count(session, stmt)
    orders = {
        "-created_at": (t.created_at.desc(), t.id.desc()), "created_at": (t.created_at.asc(), t.id.asc()),
        "deadline": (t.deadline.asc(), t.id.asc()), "-deadline": (t.deadline.desc(), t.id.desc()),
    }
    if sort not in orders:
        raise field_error("sort", f"sort by one of {sorted(orders)}", "不支持的排序方式")
    listing = stmt.order_by(*orders[sort])
    if cursor:
        if sort != "-created_at":
            raise field_error("cursor", "cursors page the default order (-created_at) only", "游标翻页仅支持默认排序")
        created, ident = _decode_cursor(cursor)
        listing = listing.where(or_(t.created_at < created, and_(t.created_at == created, t.id < ident)))
    else:
        listing = listing.offset(params.offset)
    rows = list(session.scalars(listing.limit(params.size)))
    next_cursor = encode_cursor(rows[-1]) if len(rows) == params.size and sort == "-created_at" else None
    return rows, total, estimated, next_cursor
