"""The ticket list: filters, keyset or page pagination, and counts that stay cheap on a million rows."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, load_only
from sqlalchemy.sql.elements import ColumnElement

from citysafe.auth.schemas import Principal
from citysafe.core.errors import field_error
from citysafe.core.pagination import PageParams
from citysafe.core.scope import in_region, region_clause
from citysafe.hazards.calc.lifecycle import DEADLINE_STATES, OPEN_STATES, TERMINAL_STATES
from citysafe.hazards.tickets import cache, tally
from citysafe.hazards.tickets.models import HazardTicket
from citysafe.hazards.tickets.schemas import TicketFilter

# Counting beyond this many matches costs more than the page; past it PostgreSQL's estimate is reported.
EXACT_COUNT_LIMIT = 10_000
LIST_COLUMNS = (HazardTicket.source, HazardTicket.category, HazardTicket.level, HazardTicket.state,
                HazardTicket.title, HazardTicket.place_name, HazardTicket.address, HazardTicket.lon, HazardTicket.lat,
                HazardTicket.region_code, HazardTicket.organization_id, HazardTicket.organization_name,
                HazardTicket.responsible_name, HazardTicket.reporter_name, HazardTicket.deadline,
                HazardTicket.created_at, HazardTicket.closed_at, HazardTicket.escalation_step,
                HazardTicket.escalation_region_code)
_TALLY_FILTERS = {"state", "open", "level", "category", "source", "region"}


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    """SQL for ``lifecycle.is_overdue``: past its deadline while the deadline still runs."""
    return and_(HazardTicket.state.in_([s.value for s in DEADLINE_STATES]), HazardTicket.deadline < now)


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
        stmt = stmt.where(in_region(t.region_code, filters.region))
    if filters.organization_id is not None:
        stmt = stmt.where(t.organization_id == filters.organization_id)
    if filters.place_id is not None:
        stmt = stmt.where(t.place_id == filters.place_id)
    if filters.task_id is not None:
        stmt = stmt.where(t.task_id == filters.task_id)
    running = [s.value for s in DEADLINE_STATES]
    if filters.overdue is True:
        stmt = stmt.where(overdue_clause(now))
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
    """PostgreSQL's row estimate for the filtered query (EXPLAIN runs the planner, not the query)."""
    query = _scoped(session, stmt.order_by(None).with_only_columns(HazardTicket.id))
    compiled = query.compile(dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True})
    plan = session.connection().exec_driver_sql("EXPLAIN (FORMAT JSON) " + compiled.string, compiled.params)
    return int(plan.scalar_one()[0]["Plan"]["Plan Rows"])


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


def _tally_states(filters: TicketFilter) -> list[str] | None:
    states = {s.value for s in filters.state} if filters.state else None
    if filters.open is not None:
        wanted = set(_open_values()) if filters.open else {s.value for s in TERMINAL_STATES}
        states = wanted if states is None else states & wanted
    return sorted(states) if states is not None else None


def total(session: Session, *, filters: TicketFilter, principal: Principal | None, now: datetime,
          cache_seconds: float = 0) -> tuple[int, bool]:
    """The list's total: exact from the tally when its filters allow, else counted (or estimated)."""
    def compute() -> tuple[int, bool]:
        used = {name for name, value in filters.model_dump().items() if value is not None}
        if used <= _TALLY_FILTERS and tally.usable(session, filters.region):
            return tally.total(session, region=filters.region, states=_tally_states(filters),
                               level=filters.level.value if filters.level else None,
                               category=filters.category.value if filters.category else None,
                               source=filters.source.value if filters.source else None), False
        return count(session, filtered(filters, principal=principal, now=now))

    key = ("total", filters.model_dump_json(), principal.user_id if filters.mine and principal else None)
    return cache.cached(session, key, cache_seconds, compute)


def page(
    session: Session, *, filters: TicketFilter, params: PageParams, principal: Principal | None, now: datetime,
    cursor: str | None = None, sort: str = "-created_at", cache_seconds: float = 0,
) -> tuple[list[HazardTicket], int, bool, str | None]:
    """One page (by keyset cursor when given, else by page number), the total, and the next cursor."""
    t = HazardTicket
    stmt = filtered(filters, principal=principal, now=now)
    total_count, estimated = total(session, filters=filters, principal=principal, now=now,
                                   cache_seconds=cache_seconds)
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
    # The page's ids are chosen from an index alone (ix_hazard_ticket_list / _by_deadline carry the filtered
    # columns), and only those rows are read: filtering a million rows on the heap costs a hundred times
    # more. One round trip; only the columns a list shows.
    ids = listing.with_only_columns(t.id).limit(params.size).subquery()
    rows = list(session.scalars(select(t).options(load_only(*LIST_COLUMNS)).join(ids, t.id == ids.c.id)
                                .order_by(*orders[sort])))
    next_cursor = encode_cursor(rows[-1]) if len(rows) == params.size and sort == "-created_at" else None
    return rows, total_count, estimated, next_cursor
