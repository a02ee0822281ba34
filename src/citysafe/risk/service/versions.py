"""Change counters of the risk register, per county, for caches that must never serve stale maps.

A ``before_flush`` listener bumps the counter of every county whose sources the flush inserts, changes or
deletes (both counties when a source moves), in the same transaction as the change: a reader that sees
the change also sees the new counter. Counters only grow, so the (count, sum) of a region's counters
changes whenever any of its sources does.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event, func, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from citysafe.risk.models import RiskSource, RiskVersion


def _counties(session: Session) -> set[str]:
    counties: set[str] = set()
    dirty = session.dirty  # computed once: each ``session.dirty`` walks the whole session (quadratic per flush)
    for obj in (*session.new, *dirty, *session.deleted):
        if not isinstance(obj, RiskSource):
            continue
        if obj in dirty and not session.is_modified(obj, include_collections=False):
            continue
        if obj.region_code:
            counties.add(obj.region_code[:6])
        history = inspect(obj).attrs.region_code.history
        counties.update(code[:6] for code in history.deleted if code)
    return counties


def bump(session: Session, counties: set[str]) -> None:
    if not counties:
        return
    connection = session.connection()
    dialect = sqlite if connection.dialect.name == "sqlite" else postgresql
    # A new counter starts from the clock, not from 1, so a county whose counter was dropped (a register
    # rebuilt, a test's emptied tables) never repeats an earlier value.
    start = time.time_ns() // 1000
    rows = [{"county": c, "version": start} for c in sorted(counties)]  # sorted: a fixed lock order
    stmt = dialect.insert(RiskVersion).values(rows)
    stmt = stmt.on_conflict_do_update(index_elements=["county"], set_={"version": RiskVersion.version + 1})
    connection.execute(stmt)


@event.listens_for(Session, "before_flush")
def _bump_on_change(session: Session, _ctx: Any, _instances: Any) -> None:
    bump(session, _counties(session))


def data_version(session: Session, *, prefix: str) -> tuple[int, int]:
    """(number, sum) of the counters of the counties under ``prefix``."""
    if len(prefix) >= 6:
        cond = RiskVersion.county == prefix[:6]
    else:
        cond = (RiskVersion.county >= prefix) & (RiskVersion.county < prefix + "~")
    count, total = session.execute(select(func.count(), func.coalesce(func.sum(RiskVersion.version), 0))
                                   .where(cond)).one()
    return int(count), int(total)
