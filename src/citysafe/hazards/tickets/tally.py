"""Keeping the per-district tally in step with the tickets, in the same transaction as each change.

Every change of a ticket's state or level goes through ``tickets.service``, which calls ``move`` with the
ticket's key before and after; the tallies are upserted (``INSERT … ON CONFLICT DO UPDATE``), so two
transactions touching the same district wait for each other only on that one row. ``rebuild`` recounts
everything from the tickets (after a bulk load, or to check the running counts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from citysafe.hazards.tickets.models import HazardTally, HazardTicket

DISTRICT_DIGITS = 6


@dataclass(frozen=True)
class TallyKey:
    district: str
    state: str
    level: str
    category: str
    source: str


def key_of(ticket: HazardTicket) -> TallyKey:
    return TallyKey(ticket.region_code[:DISTRICT_DIGITS], ticket.state, ticket.level, ticket.category, ticket.source)


def _bump(session: Session, model: Any, key: dict[str, str], deltas: dict[str, int]) -> None:
    table = model.__table__
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement: Any = pg_insert(table)
    elif dialect == "sqlite":
        statement = sqlite_insert(table)
    else:  # pragma: no cover - the two supported databases
        raise RuntimeError(f"no upsert for {dialect}")
    statement = statement.values(**key, **deltas)
    statement = statement.on_conflict_do_update(
        index_elements=list(key), set_={name: table.c[name] + statement.excluded[name] for name in deltas})
    session.execute(statement)


def _key(key: TallyKey) -> dict[str, str]:
    return {"region_code": key.district, "state": key.state, "level": key.level, "category": key.category,
            "source": key.source}


def move(session: Session, *, before: TallyKey | None, after: TallyKey) -> None:
    """Record a new ticket (``before`` None) or a change of its state or level."""
    if before == after:
        return
    if before is not None:
        _bump(session, HazardTally, _key(before), {"tickets": -1})
    _bump(session, HazardTally, _key(after), {"tickets": 1})


def record_close(session: Session, *, key: TallyKey, close_seconds: int, on_time: bool) -> None:
    _bump(session, HazardTally, _key(key),
          {"close_seconds": close_seconds, "closed_counted": 1, "closed_on_time": int(on_time)})


def usable(session: Session, region: str | None) -> bool:
    """Whether the tally answers for this session's scope and a region filter: both must be a district or
    larger (the tally's rows are districts) and the reader must not be limited to one organisation."""
    from citysafe.core.scope import current_scope
    from citysafe.core.validators import region_prefix

    scope = current_scope(session)
    if scope is not None and (scope.organization_id is not None or len(scope.prefix) > DISTRICT_DIGITS):
        return False
    return region is None or len(region_prefix(region)) <= DISTRICT_DIGITS


def total(session: Session, *, region: str | None, states: list[str] | None, level: str | None,
          category: str | None, source: str | None) -> int:
    """Tickets matching the filters, summed from the tally (the caller checked ``usable``)."""
    from citysafe.core.scope import in_region

    t = HazardTally
    stmt = select(func.coalesce(func.sum(t.tickets), 0))
    if region:
        stmt = stmt.where(in_region(t.region_code, region))
    if states is not None:
        stmt = stmt.where(t.state.in_(states))
    for column, value in ((t.level, level), (t.category, category), (t.source, source)):
        if value is not None:
            stmt = stmt.where(column == value)
    return int(session.execute(stmt).scalar_one())


def rebuild(session: Session) -> None:
    """Recount the tally from the tickets (run unscoped: it covers every region)."""
    t = HazardTicket
    district = func.substr(t.region_code, 1, DISTRICT_DIGITS)
    session.execute(delete(HazardTally))
    session.execute(insert(HazardTally).from_select(
        ["region_code", "state", "level", "category", "source", "tickets", "close_seconds", "closed_counted",
         "closed_on_time"],
        select(district, t.state, t.level, t.category, t.source, func.count(),
               func.coalesce(func.sum(t.close_seconds), 0), func.count(t.close_seconds),
               func.sum(case((t.closed_late.is_(False), 1), else_=0)))
        .group_by(district, t.state, t.level, t.category, t.source)))
